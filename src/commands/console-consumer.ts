import {Flags} from '@oclif/core'
import {KafkaConsumer, type RecordView, type TopicPartition} from '../client/consumer.js'
import {BaseCommand, connectionFlags} from '../cli/base-command.js'
import {clientProperties} from '../cli/client-properties.js'
import {DefaultMessageFormatter, OutputBuffer} from '../cli/formatter.js'
import {writeJsonRecord} from '../cli/json-lines.js'
import {topicPattern} from '../cli/kafka-options.js'
import {KafkaException, usageError} from '../errors.js'
import {parseKeyValueArgs, readPropertiesFile} from '../properties.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

interface ConsumeSummary {
  records: number
}

const OUTPUT_BUFFER_BYTES = 256 * 1024

export default class ConsoleConsumer extends BaseCommand {
  static override description = `Read records from topics and print them: Apache Kafka's kafka-console-consumer.

Prints each record's value on its own line; the --property print.* settings add the key, timestamp, partition, offset and headers, as Kafka's DefaultMessageFormatter does. Without --partition it reads every partition of the topic (or of every topic matching --include), starting at the end unless --from-beginning. It stops at --max-messages, after --timeout-ms without a record, at the end offsets it saw when it started (--exit-at-end), or on Ctrl-C, and then prints "Processed a total of N messages" on stderr.

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
        "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.",
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
    const {flags} = await this.parse(ConsoleConsumer)
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
    const startOffset = parseOffset(flags.offset)
    const formatter = flags.formatter
    if (formatter !== undefined && !/(^|\.)DefaultMessageFormatter$/.test(formatter)) {
      throw usageError(
        `Unsupported --formatter '${formatter}': kafkalite has Kafka's DefaultMessageFormatter (and --format json).`,
      )
    }
    this.checkBootstrap(flags)
    const props = clientProperties(flags['consumer.config'], flags['consumer-property'])
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
    const write = flags.format === 'json' ? writeJsonRecord : formatterFor(formatterProps)

    const consumer = new KafkaConsumer(this.clientConfig(props), undefined, undefined, {onNotice: this.notice})
    const partitions = await this.#partitions(consumer, flags.topic, include, flags.partition)
    if (group !== undefined) consumer.subscribe(include === undefined ? [flags.topic!] : topicPattern(include))
    else consumer.assign(partitions)
    if (flags.partition !== undefined) {
      if (startOffset === 'earliest') consumer.seekToBeginning(partitions)
      else if (startOffset === 'latest') consumer.seekToEnd(partitions)
      else consumer.seek(partitions[0]!, startOffset)
    }
    const records = await consume(consumer, partitions, {
      write,
      maxMessages: flags['max-messages'],
      timeoutMs: flags['timeout-ms'],
      exitAtEnd: flags['exit-at-end'],
      grouped: group !== undefined,
    })
    return {records}
  }

  /** The partitions to read: one given partition, every partition of --topic, or of the topics --include matches. */
  async #partitions(
    consumer: KafkaConsumer,
    topic: string | undefined,
    include: string | undefined,
    partition: number | undefined,
  ): Promise<TopicPartition[]> {
    if (topic !== undefined) {
      // As a Kafka consumer's metadata request, this creates a missing topic when auto.create.topics.enable is on.
      const all = await consumer.partitionsFor(topic)
      if (partition !== undefined) {
        if (partition >= all.length) {
          throw new KafkaException(
            'UNKNOWN_TOPIC_OR_PARTITION',
            `Partition ${partition} of topic '${topic}' does not exist (it has ${all.length}).`,
          )
        }
        return [{topic, partition}]
      }
      return all
    }
    const admin = await this.admin()
    const pattern = topicPattern(include!)
    const topics = (await admin.listTopics({listInternal: true})).filter((t) => pattern.test(t.name))
    if (topics.length === 0) {
      throw new KafkaException(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `No topic matches --include '${include}'. Use 'kafkalite topics --list' to see the topics.`,
      )
    }
    const described = await admin.describeTopics(topics.map((t) => t.name))
    return described.flatMap((d) => d.partitions.map((p) => ({topic: d.name, partition: p.partition})))
  }
}

function parseOffset(value: string | undefined): 'earliest' | 'latest' | number {
  if (value === undefined || value === 'latest') return 'latest'
  if (value === 'earliest') return 'earliest'
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value)
  throw usageError(
    `The provided offset value '${value}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`,
  )
}

function formatterFor(props: Record<string, string>): (out: OutputBuffer, r: RecordView) => void {
  const formatter = new DefaultMessageFormatter(props)
  return (out, r) => formatter.writeTo(out, r)
}

interface ConsumeOptions {
  write: (out: OutputBuffer, r: RecordView) => void
  maxMessages: number | undefined
  timeoutMs: number | undefined
  exitAtEnd: boolean
  /** A group member reads the partitions assigned to it, which change with rebalances. */
  grouped: boolean
}

/** The consume loop: poll, format into one buffer, write it out in large pieces, stop on the first end condition. */
async function consume(consumer: KafkaConsumer, partitions: TopicPartition[], o: ConsumeOptions): Promise<number> {
  const out = new OutputBuffer(OUTPUT_BUFFER_BYTES)
  let count = 0
  let stdoutBroken = false
  const onSigint = () => consumer.wakeup()
  process.once('SIGINT', onSigint)
  process.once('SIGTERM', onSigint)
  process.stdout.on('error', () => {
    stdoutBroken = true
    consumer.wakeup()
  })
  const flush = async () => {
    if (out.length === 0 || stdoutBroken) return
    if (!process.stdout.write(out.take())) {
      await new Promise<void>((resolve) => {
        process.stdout.once('drain', resolve)
        process.stdout.once('error', () => resolve())
      })
    }
  }
  let ends: Map<string, number> | undefined
  // In a group, the partitions read are the ones assigned now; every partition's end was captured at start.
  const atEnd = async () => {
    const reading = o.grouped ? consumer.assignment() : partitions
    if (reading.length === 0) return false
    for (const tp of reading) {
      if ((await consumer.position(tp)) < (ends!.get(tpKey(tp.topic, tp.partition)) ?? 0)) return false
    }
    return true
  }
  // Records fetched but not printed (past --max-messages or the end offsets) are rewound before the final commit.
  const unprinted = new Map<string, {topic: string; partition: number; offset: number}>()
  try {
    if (o.exitAtEnd) {
      ends = new Map((await consumer.endOffsets(partitions)).map((e) => [tpKey(e.topic, e.partition), e.offset]))
    }
    const max = o.maxMessages ?? Infinity
    let idleSince = Date.now()
    while (count < max) {
      if (ends && (await atEnd())) break
      let pollMs = 1000
      if (o.timeoutMs !== undefined) {
        const left = o.timeoutMs - (Date.now() - idleSince)
        if (left <= 0) break
        pollMs = Math.min(pollMs, left)
      }
      const seen = await consumer.pollEach(pollMs, (r) => {
        if (count >= max || (ends && r.offset >= (ends.get(tpKey(r.topic, r.partition)) ?? Infinity))) {
          const k = tpKey(r.topic, r.partition)
          if (!unprinted.has(k)) unprinted.set(k, {topic: r.topic, partition: r.partition, offset: r.offset})
          return
        }
        o.write(out, r)
        count++
      })
      if (seen > 0) idleSince = Date.now()
      await flush()
    }
  } catch (error) {
    if (!(error instanceof KafkaException && error.code === 'WAKEUP')) throw error
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
    await flush()
    for (const u of unprinted.values()) {
      try {
        consumer.seek({topic: u.topic, partition: u.partition}, u.offset)
      } catch {
        // no longer assigned
      }
    }
    await consumer.close()
    if (stdoutBroken) process.stderr.write('Unable to write to standard out, closing consumer.\n')
    process.stderr.write(`Processed a total of ${count} messages\n`)
  }
  return count
}
