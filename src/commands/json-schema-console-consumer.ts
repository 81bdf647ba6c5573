import {Flags} from '@oclif/core'
import {schemaRecordOutput} from '../cli/schema-console.js'
import {usageError} from '../errors.js'
import ConsoleConsumer, {type RecordOutput} from './console-consumer.js'

export default class JsonSchemaConsoleConsumer extends ConsoleConsumer {
  static override description = `Read JSON records written with a schema registry and print them: Confluent's kafka-json-schema-console-consumer.

Each value (and with print.key=true each key) is read in Confluent's wire format: the schema id in its first bytes names the writer's JSON Schema, fetched once from the registry; the JSON is checked against it and printed compact, one record per line. --property print.schema.ids=true prints each schema id after its key and value (separated by schema.id.separator, a tab); key.deserializer=org.apache.kafka.common.serialization.StringDeserializer prints keys that are not JSON Schema records; print.timestamp, print.partition, print.offset, print.headers, key.separator, line.separator and null.literal are as in Confluent's formatter.

Without schema.registry.url the local daemon's registry is used; with it, any Confluent-compatible registry (basic.auth.* for basic auth). A record that cannot be read stops the consumer with an error naming its offset (exit 1), or with --skip-message-on-error is logged and skipped. Everything else is as console-consumer.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders --from-beginning',
    '<%= config.bin %> <%= command.id %> --topic orders --from-beginning --property print.schema.ids=true',
  ]

  static override flags = {
    ...ConsoleConsumer.flags,
    // Records print as JSON already: console-consumer's --format does not apply.
    format: Flags.string({hidden: true, options: ['text'], default: 'text'}),
    formatter: Flags.string({
      description:
        "The name of a class to use for formatting Kafka messages for display. Only Confluent's io.confluent.kafka.formatter.json.JsonSchemaMessageFormatter is available.",
    }),
    property: Flags.string({
      description:
        'Properties for the formatter and the deserializer, key=value: schema.registry.url, basic.auth.credentials.source, basic.auth.user.info, print.key, print.schema.ids, schema.id.separator, key.deserializer, headers.deserializer, print.timestamp, print.partition, print.offset, print.headers, key.separator, line.separator, headers.separator, null.literal.',
      multiple: true,
      helpValue: '<prop>',
    }),
  }

  protected override checkFormatter(name: string): void {
    if (!/(^|\.)JsonSchemaMessageFormatter$/.test(name)) {
      throw usageError(
        `Unsupported --formatter '${name}': this tool prints with Confluent's JsonSchemaMessageFormatter only.`,
      )
    }
  }

  protected override async recordOutput(
    _format: string | undefined,
    formatterProps: Record<string, string>,
    skipMessageOnError: boolean,
  ): Promise<RecordOutput> {
    return schemaRecordOutput('json', this.clientConfig(), formatterProps, skipMessageOnError)
  }
}
