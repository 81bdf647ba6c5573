import {Flags} from '@oclif/core'
import {schemaRecordOutput} from '../cli/schema-console.js'
import {usageError} from '../errors.js'
import ConsoleConsumer, {type RecordOutput} from './console-consumer.js'

export default class AvroConsoleConsumer extends ConsoleConsumer {
  static override description = `Read Avro records written with a schema registry and print them as JSON: Confluent's kafka-avro-console-consumer.

Each value (and with print.key=true each key) is read in Confluent's wire format: the schema id in its first bytes names the writer's schema, fetched once from the registry, and the value is printed in Avro's JSON encoding (a union as {"type": value}, bytes as a string), one record per line. --property print.schema.ids=true prints each schema id after its key and value (separated by schema.id.separator, a tab); key.deserializer=org.apache.kafka.common.serialization.StringDeserializer prints keys that are not Avro; print.timestamp, print.partition, print.offset, print.headers (values through headers.deserializer), key.separator, line.separator and null.literal are as in Confluent's formatter.

Without schema.registry.url the local daemon's registry is used; with it, any Confluent-compatible registry (basic.auth.credentials.source=USER_INFO and basic.auth.user.info=user:password for basic auth). A record that cannot be read (not in the wire format, a schema id the registry does not know) stops the consumer with an error naming its offset (exit 1), or with --skip-message-on-error is logged and skipped. Everything else (--from-beginning, --group, --max-messages, --timeout-ms, --exit-at-end, ...) is as console-consumer.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic users --from-beginning',
    '<%= config.bin %> <%= command.id %> --topic users --from-beginning --property print.key=true --property key.deserializer=org.apache.kafka.common.serialization.StringDeserializer --property print.schema.ids=true',
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --topic users --from-beginning --property schema.registry.url=http://localhost:8081',
  ]

  static override flags = {
    ...ConsoleConsumer.flags,
    // Records print as JSON already: console-consumer's --format does not apply.
    format: Flags.string({hidden: true, options: ['text'], default: 'text'}),
    formatter: Flags.string({
      description:
        "The name of a class to use for formatting Kafka messages for display. Only Confluent's io.confluent.kafka.formatter.AvroMessageFormatter is available.",
    }),
    property: Flags.string({
      description:
        'Properties for the formatter and the deserializer, key=value: schema.registry.url, basic.auth.credentials.source, basic.auth.user.info, print.key, print.schema.ids, schema.id.separator, key.deserializer, headers.deserializer, print.timestamp, print.partition, print.offset, print.headers, key.separator, line.separator, headers.separator, null.literal.',
      multiple: true,
      helpValue: '<prop>',
    }),
  }

  protected override checkFormatter(name: string): void {
    if (!/(^|\.)AvroMessageFormatter$/.test(name)) {
      throw usageError(
        `Unsupported --formatter '${name}': this tool prints with Confluent's AvroMessageFormatter only.`,
      )
    }
  }

  protected override async recordOutput(
    _format: string | undefined,
    formatterProps: Record<string, string>,
    skipMessageOnError: boolean,
  ): Promise<RecordOutput> {
    return schemaRecordOutput('avro', this.clientConfig(), formatterProps, skipMessageOnError)
  }
}
