import {Flags} from '@oclif/core'
import type {ClientConfig} from '../client/config.js'
import {schemaRecordSource} from '../cli/schema-console.js'
import {usageError} from '../errors.js'
import ConsoleProducer, {type RecordSource} from './console-producer.js'

export default class JsonSchemaConsoleProducer extends ConsoleProducer {
  static override description = `Read JSON lines from standard input, check them against a JSON Schema and produce them with a schema registry: Confluent's kafka-json-schema-console-producer.

Each line is a JSON value, validated against the JSON Schema given by --property value.schema='{...}', value.schema.file=PATH or value.schema.id=ID (draft-07 by default, 2019-09 and 2020-12 by their $schema), and written in Confluent's wire format (magic byte, schema id, the JSON) by the library's KafkaJsonSchemaSerializer. With parse.key=true the key comes first, up to key.separator (a tab), checked against key.schema (or key.schema.file, key.schema.id), or taken as text with key.serializer=org.apache.kafka.common.serialization.StringSerializer.

The schema is registered (schemaType JSON) under the subject of value.subject.name.strategy (TopicNameStrategy: <topic>-value) unless auto.register=false; use.latest.version=true writes with the subject's latest version. Without schema.registry.url the local daemon's registry is used; with it, any Confluent-compatible registry (basic.auth.* for basic auth). Every --property reaches the serializer, as with Confluent's tool.

A line that does not match the schema stops the producer with an error naming the line and the field, after every line before it was acknowledged (exit 1). Everything else is as console-producer.`

  static override examples = [
    `echo '{"id":1,"item":"pen"}' | <%= config.bin %> <%= command.id %> --topic orders --property value.schema='{"type":"object","properties":{"id":{"type":"integer"},"item":{"type":"string"}},"required":["id"]}'`,
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --topic orders --property schema.registry.url=http://localhost:8081 --property value.schema.file=order.schema.json < orders.jsonl',
  ]

  static override flags = {
    ...ConsoleProducer.flags,
    // Lines are JSON already: console-producer's --format does not apply.
    format: Flags.string({hidden: true, options: ['text'], default: 'text'}),
    'line-reader': Flags.string({
      description:
        "The class name of the class to use for reading lines from standard in. Only Confluent's io.confluent.kafka.formatter.json.JsonSchemaMessageReader is available.",
    }),
    property: Flags.string({
      description:
        'Properties for the reader and the serializer, key=value: value.schema, value.schema.file, value.schema.id, key.schema, key.schema.file, key.schema.id, parse.key, key.separator, key.serializer, schema.registry.url, basic.auth.credentials.source, basic.auth.user.info, auto.register, use.latest.version, latest.compatibility.strict, value.subject.name.strategy, key.subject.name.strategy, parse.headers, null.marker, ...',
      multiple: true,
      helpValue: '<prop>',
    }),
  }

  protected override checkLineReader(name: string): void {
    if (!/(^|\.)JsonSchemaMessageReader$/.test(name)) {
      throw usageError(
        `Unsupported --line-reader '${name}': this tool reads with Confluent's JsonSchemaMessageReader only.`,
      )
    }
  }

  protected override async recordSource(
    _format: string | undefined,
    producerProps: ClientConfig,
    readerProps: Record<string, string>,
  ): Promise<RecordSource> {
    return schemaRecordSource('json', this.clientConfig(), this.clientConfig(producerProps), readerProps, this.notice)
  }
}
