import {Flags} from '@oclif/core'
import type {ClientConfig} from '../client/config.js'
import {schemaRecordSource} from '../cli/schema-console.js'
import {usageError} from '../errors.js'
import ConsoleProducer, {type RecordSource} from './console-producer.js'

export default class AvroConsoleProducer extends ConsoleProducer {
  static override description = `Read Avro records as JSON lines from standard input and produce them with a schema registry: Confluent's kafka-avro-console-producer.

Each line is a value in Avro's JSON encoding (a union as null or {"type": value}, bytes as a string), read with the schema given by --property value.schema='{...}', value.schema.file=PATH or value.schema.id=ID, written in Confluent's wire format (magic byte, schema id, Avro binary) by the library's KafkaAvroSerializer. With parse.key=true the key comes first, up to key.separator (a tab), read with key.schema (or key.schema.file, key.schema.id), or as text with key.serializer=org.apache.kafka.common.serialization.StringSerializer.

The schema is registered under the subject of value.subject.name.strategy (TopicNameStrategy: <topic>-value) unless auto.register=false; use.latest.version=true writes with the subject's latest version. Without schema.registry.url the local daemon's registry is used; with it, any Confluent-compatible registry (basic.auth.credentials.source=USER_INFO and basic.auth.user.info=user:password for basic auth). Every --property reaches the serializer, as with Confluent's tool.

A line that does not match the schema stops the producer with an error naming the line and the field, after every line before it was acknowledged (exit 1). Everything else (keys, headers, --sync, transactions, signals) is as console-producer.`

  static override examples = [
    `echo '{"name":"Ann","age":30}' | <%= config.bin %> <%= command.id %> --topic users --property value.schema='{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}'`,
    `printf 'ann\\t{"name":"Ann","age":30}\\n' | <%= config.bin %> <%= command.id %> --topic users --property parse.key=true --property key.serializer=org.apache.kafka.common.serialization.StringSerializer --property value.schema.id=1`,
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --topic users --property schema.registry.url=http://localhost:8081 --property value.schema.file=user.avsc < users.jsonl',
  ]

  static override flags = {
    ...ConsoleProducer.flags,
    // Lines are JSON already: console-producer's --format does not apply.
    format: Flags.string({hidden: true, options: ['text'], default: 'text'}),
    'line-reader': Flags.string({
      description:
        "The class name of the class to use for reading lines from standard in. Only Confluent's io.confluent.kafka.formatter.AvroMessageReader is available.",
    }),
    property: Flags.string({
      description:
        'Properties for the reader and the serializer, key=value: value.schema, value.schema.file, value.schema.id, key.schema, key.schema.file, key.schema.id, parse.key, key.separator, key.serializer, schema.registry.url, basic.auth.credentials.source, basic.auth.user.info, auto.register, use.latest.version, latest.compatibility.strict, value.subject.name.strategy, key.subject.name.strategy, parse.headers, null.marker, ...',
      multiple: true,
      helpValue: '<prop>',
    }),
  }

  protected override checkLineReader(name: string): void {
    if (!/(^|\.)AvroMessageReader$/.test(name)) {
      throw usageError(`Unsupported --line-reader '${name}': this tool reads with Confluent's AvroMessageReader only.`)
    }
  }

  protected override async recordSource(
    _format: string | undefined,
    producerProps: ClientConfig,
    readerProps: Record<string, string>,
  ): Promise<RecordSource> {
    return schemaRecordSource('avro', this.clientConfig(), this.clientConfig(producerProps), readerProps, this.notice)
  }
}
