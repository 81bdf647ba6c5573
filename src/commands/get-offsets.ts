import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {
  offsetLines,
  parseTime,
  topicAndPartitionsFilter,
  topicPartitionsFilter,
  type PartitionFilter,
} from '../cli/get-offsets.js'
import {KafkaException, usageError} from '../errors.js'

export interface GetOffsetsResult {
  offsets: {topic: string; partition: number; offset: number}[]
}

export default class GetOffsets extends BaseCommand {
  static override description = `Print the offsets of partitions: Apache Kafka's kafka-get-offsets (GetOffsetShell).

One line per partition, topic:partition:offset, sorted as Kafka sorts them. --time picks the offset: -1 or latest (the log end, the default), -2 or earliest (the log start), -3 or max-timestamp (the record with the largest timestamp), or a timestamp in ms (the first record at or after it; partitions without one are left out). -4 (earliest-local) is the log start: kafkalite has no tiered storage, so -5 and -6 print nothing, as Kafka does for a topic without it.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders',
    '<%= config.bin %> <%= command.id %> --topic-partitions "orders:0-2,clicks" --time earliest',
    '<%= config.bin %> <%= command.id %> --topic orders --time 1767225600000',
  ]

  static override flags = {
    ...connectionFlags,
    ...adminConfigFlags,
    topic: Flags.string({
      description:
        'The topic to get the offsets for. It also accepts a regular expression. If not present, all topics are queried. Cannot be used if --topic-partitions is present.',
      helpValue: '<topic>',
    }),
    partitions: Flags.string({
      description:
        'Comma separated list of partition ids to get the offsets for. If not present, all partitions are queried. Cannot be used if --topic-partitions is present.',
      helpValue: '<partition ids>',
    }),
    'topic-partitions': Flags.string({
      description:
        "Comma separated list of topic-partition patterns, in the format 'topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3': a topic regex (empty: any topic), then a partition, a range (the upper bound excluded) or an open range.",
      helpValue: '<topic1:1,topic2:0-3,...>',
    }),
    time: Flags.string({
      description:
        'The offset to print: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered / -6 or earliest-pending-upload.',
      helpValue: '<timestamp>',
      default: 'latest',
    }),
    'exclude-internal-topics': Flags.boolean({description: 'Leave out internal topics (included by default).'}),
  }

  protected override errorPrefix = 'Error occurred: '

  async run(): Promise<GetOffsetsResult> {
    const {flags} = await this.parse(GetOffsets)
    this.checkBootstrap(flags)
    if (flags['topic-partitions'] !== undefined && (flags.topic !== undefined || flags.partitions !== undefined)) {
      throw usageError('--topic-partitions cannot be used with --topic or --partitions')
    }
    const spec = parseTime(flags.time)
    const filter: PartitionFilter =
      flags['topic-partitions'] !== undefined
        ? topicPartitionsFilter(flags['topic-partitions'])
        : topicAndPartitionsFilter(flags.topic, flags.partitions)
    const admin = await this.admin()
    const topics = (await admin.listTopics({listInternal: !flags['exclude-internal-topics']})).map((t) => t.name)
    const described = topics.length === 0 ? [] : await admin.describeTopics(topics)
    const wanted = described.flatMap((t) =>
      t.partitions.filter((p) => filter(t.name, p.partition)).map((p) => ({topic: t.name, partition: p.partition})),
    )
    if (wanted.length === 0) {
      throw new KafkaException('INVALID_REQUEST', 'Could not match any topic-partitions with the specified filters')
    }
    if (spec === null) return {offsets: []}
    let rows: {topic: string; partition: number; offset: number}[]
    try {
      rows = await admin.listOffsets(wanted.map((p) => ({...p, spec})))
    } catch {
      // A partition failed: ask each alone, and skip those that fail, as Kafka's tool does.
      rows = []
      for (const p of wanted) {
        try {
          rows.push(...(await admin.listOffsets([{...p, spec}])))
        } catch (error) {
          process.stderr.write(
            `Skip getting offsets for topic-partition ${p.topic}-${p.partition} due to error: ${(error as Error).message}\n`,
          )
        }
      }
    }
    for (const line of offsetLines(rows)) this.log(line)
    return {
      offsets: rows
        .filter((r) => r.offset >= 0)
        .map((r) => ({topic: r.topic, partition: r.partition, offset: r.offset})),
    }
  }
}
