import {Flags} from '@oclif/core'
import {KafkaConsumer} from '../client/consumer.js'
import {BaseCommand} from '../cli/base-command.js'
import {clientProperties} from '../cli/client-properties.js'
import {consumeToStdout, recordWriter, startOffsetOf, type RecordWriter} from '../cli/console-consumer.js'
import {connectionFlags} from '../cli/flags.js'
import {usageError} from '../errors.js'
import {parseKeyValueArgs, readPropertiesFile} from '../properties.js'

interface ConsumeSummary {
  records: number
}

/** How a console consumer prints records, and what to release at the end. */
export interface RecordOutput {
  write: RecordWriter
  close?: () => Promise<void>
}

export default class ConsoleConsumer extends BaseCommand {
  static override description = `Read records from topics and print them: Apache Kafka's kafka-console-consumer.

Prints each record's value on its own line; the --property print.* settings add the key, timestamp, partition, offset and headers, as Kafka's DefaultMessageFormatter does. Without --partition it reads every partition of the topic (or of every topic matching --include), starting at the end unless --from-beginning. With --partition it reads that partition from --offset, or from its beginning with --from-beginning, or else from its end, as Kafka's tool does. It stops at --max-messages, after --timeout-ms without a record, at the end offsets it saw when it started (--exit-at-end), or on Ctrl-C, and then prints "Processed a total of N messages" on stderr.

--format json prints one JSON object per record (topic, partition, offset, timestamp, key, value, headers; binary-safe, as base64 where the bytes are not UTF-8) that console-producer --format json reads back unchanged.

With --group the consumer joins that consumer group: it reads only the partitions the group assigns to it, starts at the group's committed offsets, and commits as it goes (enable.auto.commit) and when it stops, having rewound the records it read but did not print. Several console consumers in one group share the partitions; kill one and the others take over its partitions. Without --group it belongs to no group and commits nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders --from-beginning',
    '<%= config.bin %> <%= command.id %> --topic orders --from-beginning --exit-at-end --property print.key=true --property print.offset=true',
    '<%= config.bin %> <%= command.id %> --topic orders --partition 0 --offset 42 --max-messages 10',
    "<%= config.bin %> <%= command.id %> --include 'orders|payments' --from-beginning --format json",
  ]

  static override flags = {
    ...connectionFlags,
    topic: Flags.string({description: 'The topic to consume on.', helpValue: '<topic>'}),
    include: Flags.string({
      description: 'Regular expression specifying list of topics to include for consumption.',
      helpValue: '<Java regex (String)>',
    }),
    whitelist: Flags.string({description: 'Deprecated alias of --include.', hidden: true}),
    partition: Flags.integer({
      description:
        "The partition to consume from. Consumption starts from the end of the partition unless '--offset' or '--from-beginning' is specified.",
      min: 0,
    }),
    offset: Flags.string({
      description:
        "The offset to start consuming from: a non-negative number, or 'earliest' which means from beginning, or 'latest' which means from end. Needs --partition. (default: latest)",
      helpValue: '<consume offset>',
    }),
    'from-beginning': Flags.boolean({
      description:
        'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.',
    }),
    group: Flags.string({
      description: 'The consumer group id of the consumer.',
      helpValue: '<consumer group id>',
    }),
    'max-messages': Flags.integer({
      description: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.',
      min: 0,
    }),
    'timeout-ms': Flags.integer({
      description: 'If specified, exit if no message is available for consumption for the specified interval.',
      min: 0,
    }),
    'exit-at-end': Flags.boolean({
      description:
        'kafkalite extension: exit once every partition is read up to the end offset it had when the consumer started.',
    }),
    format: Flags.string({
      description:
        'kafkalite extension: "text" (Kafka\'s DefaultMessageFormatter, default) or "json" (one JSON object per record).',
      options: ['text', 'json'],
      default: 'text',
    }),
    'skip-message-on-error': Flags.boolean({
      description: 'If there is an error when processing a message, skip it instead of halt.',
    }),
    'isolation-level': Flags.string({
      description:
        'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)',
      options: ['read_committed', 'read_uncommitted'],
    }),
    'consumer-property': Flags.string({
      description: 'A mechanism to pass user-defined properties in the form key=value to the consumer.',
      multiple: true,
      helpValue: '<consumer_prop>',
    }),
    'consumer.config': Flags.string({
      description: 'Consumer config properties file. Note that --consumer-property takes precedence over this config.',
      helpValue: '<config file>',
    }),
    // Kafka 4.4's names (KIP-1147); --consumer-property and --consumer.config stay, as Kafka keeps them (deprecated).
    'command-property': Flags.string({
      description: 'Consumer config properties in the form key=value.',
      multiple: true,
      helpValue: '<consumer_prop>',
    }),
    'command-config': Flags.string({
      description: 'Consumer config properties file. Note that [command-property] takes precedence over this config.',
      helpValue: '<config file>',
    }),
    formatter: Flags.string({
      description:
        "The name of a class to use for formatting Kafka messages for display. Only Kafka's DefaultMessageFormatter is available.",
    }),
    property: Flags.string({
      description:
        'The properties to initialize the message formatter: print.timestamp, print.key, print.offset, print.partition, print.headers, print.value, key.separator, line.separator, headers.separator, null.literal.',
      multiple: true,
      helpValue: '<prop>',
    }),
    'formatter-property': Flags.string({
      description: 'Same as --property (Kafka 4.1 spelling).',
      multiple: true,
      helpValue: '<prop>',
    }),
    'formatter-config': Flags.string({
      description:
        'Config properties file to initialize the message formatter. Note that --property takes precedence over this config.',
      helpValue: '<config file>',
    }),
    'key-deserializer': Flags.string({
      description: 'Accepted for compatibility: keys are printed as their raw bytes.',
      hidden: true,
    }),
    'value-deserializer': Flags.string({
      description: 'Accepted for compatibility: values are printed as their raw bytes.',
      hidden: true,
    }),
    'enable-systest-events': Flags.boolean({
      description: 'Log lifecycle events of the consumer in addition to logging consumed messages.',
      hidden: true,
    }),
  }

  async run(): Promise<ConsumeSummary> {
    const {flags} = await this.parse(this.constructor as typeof ConsoleConsumer)
    const include = flags.include ?? flags.whitelist
    if ((flags.topic === undefined) === (include === undefined))
      throw usageError('Exactly one of --include/--topic is required. ')
    if (flags.partition !== undefined && flags.topic === undefined)
      throw usageError('The topic is required when partition is specified.')
    if (flags.offset !== undefined && flags.partition === undefined)
      throw usageError('The partition is required when offset is specified.')
    if (flags.offset !== undefined && flags['from-beginning'])
      throw usageError('Options from-beginning and offset cannot be specified together.')
    if (flags.group !== undefined && flags.partition !== undefined)
      throw usageError('Options group and partition cannot be specified together.')
    const startOffset = startOffsetOf(flags.offset, flags['from-beginning'])
    if (flags.formatter !== undefined) this.checkFormatter(flags.formatter)
    this.checkBootstrap(flags)
    if (flags['consumer.config'] !== undefined && flags['command-config'] !== undefined) {
      throw usageError(
        'Options --consumer.config and --command-config cannot be specified together: use --command-config.',
      )
    }
    const props = clientProperties(flags['command-config'] ?? flags['consumer.config'], [
      ...(flags['consumer-property'] ?? []),
      ...(flags['command-property'] ?? []),
    ])
    const groups = [flags.group, props['group.id'] === undefined ? undefined : String(props['group.id'])].filter(
      (g): g is string => g !== undefined,
    )
    if (new Set(groups).size > 1) {
      throw usageError(
        `The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: ${[...new Set(groups)].map((g) => `'${g}'`).join(', ')}`,
      )
    }
    const group = groups[0]
    if (group !== undefined && flags.partition !== undefined) {
      throw usageError('Options group and partition cannot be specified together.')
    }
    if (group !== undefined) props['group.id'] = group
    const reset = props['auto.offset.reset']
    if (flags['from-beginning'] && reset !== undefined && String(reset) !== 'earliest') {
      throw usageError(
        `Can't simultaneously specify --from-beginning and 'auto.offset.reset=${String(reset)}', please remove one option`,
      )
    }
    props['auto.offset.reset'] = flags['from-beginning'] ? 'earliest' : (reset ?? 'latest')
    if (flags['isolation-level']) props['isolation.level'] = flags['isolation-level']
    props['client.id'] ??= 'console-consumer'
    const formatterProps = {
      ...(flags['formatter-config'] ? readPropertiesFile(flags['formatter-config']) : {}),
      ...parseKeyValueArgs([...(flags.property ?? []), ...(flags['formatter-property'] ?? [])]),
    }
    const format = (flags as {format?: string}).format
    const {write, close} = await this.recordOutput(format, formatterProps, flags['skip-message-on-error'])
    const consumer = new KafkaConsumer(this.clientConfig(props), undefined, undefined, {onNotice: this.notice})
    try {
      const records = await consumeToStdout(consumer, () => this.admin(), {
        topic: flags.topic,
        include,
        partition: flags.partition,
        offset: startOffset,
        grouped: group !== undefined,
        write,
        maxMessages: flags['max-messages'],
        timeoutMs: flags['timeout-ms'],
        exitAtEnd: flags['exit-at-end'],
      })
      return {records}
    } finally {
      await close?.()
    }
  }

  /** Refuses a --formatter this command does not have. */
  protected checkFormatter(name: string): void {
    if (!/(^|\.)DefaultMessageFormatter$/.test(name)) {
      throw usageError(
        `Unsupported --formatter '${name}': kafkalite has Kafka's DefaultMessageFormatter (and --format json).`,
      )
    }
  }

  /**
   * How records are printed: Kafka's DefaultMessageFormatter (or JSON lines). The schema-registry console consumers
   * override it with Confluent's formatters.
   */
  protected async recordOutput(
    format: string | undefined,
    formatterProps: Record<string, string>,
    _skipMessageOnError: boolean,
  ): Promise<RecordOutput> {
    return {write: recordWriter(format ?? 'text', formatterProps)}
  }
}
