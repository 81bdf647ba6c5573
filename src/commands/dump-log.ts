import {Flags} from '@oclif/core'
import {statSync} from 'node:fs'
import {basename, dirname} from 'node:path'
import {LogReader} from '../client/log-reader.js'
import {BaseCommand} from '../cli/base-command.js'
import {LogDumper, segmentBatches, type DumpSummary} from '../cli/dump-log.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {parseInt32, parseLong} from '../cli/java-compat.js'
import {KafkaException, usageError} from '../errors.js'
import {readBatchHeader} from '../protocol/kafka/record-batch.js'

interface Source {
  /** As given: printed in `Dumping <name>`. */
  name: string
  /** A Kafka segment file read from disk, or a topic partition read from the broker. */
  file?: string
  topic?: string
  partition?: number
  /** The segment's base offset (from its file name), where a dump of a topic partition starts by default. */
  baseOffset?: number
}

export interface DumpLogResult {
  dumps: ({name: string; topic?: string; partition?: number; file?: string; startOffset: number} & DumpSummary)[]
}

const STRING_DECODER = 'org.apache.kafka.tools.api.StringDecoder'
const UNSUPPORTED_DECODERS = [
  'offsets-decoder',
  'transaction-log-decoder',
  'cluster-metadata-decoder',
  'remote-log-metadata-decoder',
  'share-group-state-decoder',
] as const

export default class DumpLog extends BaseCommand {
  static override description = `Print a partition's log batch by batch, and record by record: Apache Kafka's kafka-dump-log (DumpLogSegments).

kafkalite keeps no segment files: --files takes topic partitions, named as Kafka's log directories name them (orders-0), or as a segment's path in one (/var/kafka-logs/orders-0/00000000000000000042.log: partition 0 of orders, from offset 42). The batches are fetched from the broker unchanged, the local daemon's or a Kafka cluster's (--bootstrap-server), from the log start (or --offset) to the high watermark (or --max-offset), control batches and aborted records included. A path that is a real file on disk (a Kafka broker's .log segment) is read from the file, as Kafka's tool reads it. --topic and --partition name a partition too.

Each batch is printed in Kafka's words (baseOffset ... position ... compresscodec ... crc ... isvalid), position being its byte position from the first batch printed; its CRC-32C is checked (isvalid). --deep-iteration reads every record too (a line each: offset, timestamp, key and value sizes, sequence, header keys, transaction markers), and --print-data-log adds keys and values as UTF-8 text. Offsets that do not follow each other (a gap, or a dump that does not start at 0) are listed on stderr, as Kafka lists them.

Differences from Kafka's tool: a batch whose CRC does not match, or whose records cannot be read, makes it exit 1 (Kafka's exits 0 for a CRC mismatch); index, time index, snapshot and transaction index files are not read; only Kafka's StringDecoder is available.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --files orders-0',
    '<%= config.bin %> <%= command.id %> --topic orders --partition 2 --offset 100 --max-offset 199 --print-data-log',
    '<%= config.bin %> <%= command.id %> --bootstrap-server kafka:9092 --files orders-0 --deep-iteration',
    '<%= config.bin %> <%= command.id %> --files /var/lib/kafka/data/orders-0/00000000000000000000.log --print-data-log',
  ]

  static override flags = {
    ...connectionFlags,
    ...adminConfigFlags,
    files: Flags.string({
      description:
        'The comma separated list of partitions to dump: topic-partition names (orders-0), or paths of segment files in a log directory (.../orders-0/00000000000000000000.log). A file that exists on disk is read from disk.',
      helpValue: '<file1, file2, ...>',
      exclusive: ['topic'],
    }),
    topic: Flags.string({description: 'kafkalite: the topic to dump (instead of --files).', helpValue: '<topic>'}),
    partition: Flags.integer({
      description: 'kafkalite: the partition of --topic. (default: 0)',
      helpValue: '<partition>',
      min: 0,
      dependsOn: ['topic'],
    }),
    offset: Flags.string({
      description:
        "kafkalite: the first offset to dump: the batch holding it is the first printed. (default: the segment's base offset, or the log start offset)",
      helpValue: '<offset>',
    }),
    'max-offset': Flags.string({
      description:
        'kafkalite: the last offset to dump: the batch holding it is the last printed. (default: the end of the log)',
      helpValue: '<offset>',
    }),
    'print-data-log': Flags.boolean({
      description:
        'If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.',
    }),
    'deep-iteration': Flags.boolean({
      description: 'If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.',
    }),
    'skip-record-metadata': Flags.boolean({
      description: 'Skip metadata when printing records. This flag also skips control records.',
    }),
    'max-bytes': Flags.string({
      description:
        'Limit the amount of total batches read in bytes avoiding reading the whole .log file(s). (default: 2147483647)',
      helpValue: '<size>',
    }),
    'max-message-size': Flags.string({
      description: 'Size of largest message. (default: 5242880; accepted for compatibility)',
      helpValue: '<size>',
    }),
    'key-decoder-class': Flags.string({
      description: `If set, used to deserialize the keys. Only ${STRING_DECODER} (the default) is available.`,
      helpValue: '[String]',
    }),
    'value-decoder-class': Flags.string({
      description: `If set, used to deserialize the messages. Only ${STRING_DECODER} (the default) is available.`,
      helpValue: '[String]',
    }),
    'verify-index-only': Flags.boolean({description: 'Not available: kafkalite has no index files.', hidden: true}),
    'index-sanity-check': Flags.boolean({description: 'Not available: kafkalite has no index files.', hidden: true}),
    ...Object.fromEntries(
      UNSUPPORTED_DECODERS.map((name) => [
        name,
        Flags.boolean({description: `Not available in kafkalite (${name}).`, hidden: true}),
      ]),
    ),
  }

  async run(): Promise<DumpLogResult> {
    const {flags} = await this.parse(DumpLog)
    this.checkBootstrap(flags)
    for (const name of ['verify-index-only', 'index-sanity-check'] as const) {
      if (flags[name]) {
        throw usageError(`--${name} checks index files, and kafkalite has none: dump the log itself without it.`)
      }
    }
    for (const name of UNSUPPORTED_DECODERS) {
      if ((flags as Record<string, unknown>)[name]) {
        throw usageError(
          `--${name} is not available: kafkalite keeps groups, transactions and cluster metadata in its own tables, not in internal topics.`,
        )
      }
    }
    for (const name of ['key-decoder-class', 'value-decoder-class'] as const) {
      const value = flags[name]
      if (value !== undefined && value !== STRING_DECODER && value !== 'StringDecoder') {
        throw usageError(
          `--${name} '${value}' is not available: kafkalite decodes keys and values with ${STRING_DECODER} only.`,
        )
      }
    }
    if (flags['max-message-size'] !== undefined) parseInt32('--max-message-size', flags['max-message-size'])
    const maxBytes = flags['max-bytes'] === undefined ? 2147483647 : parseInt32('--max-bytes', flags['max-bytes'])
    const fromOffset = flags.offset === undefined ? undefined : parseLong('--offset', flags.offset)
    const maxOffset =
      flags['max-offset'] === undefined ? Number.MAX_SAFE_INTEGER : parseLong('--max-offset', flags['max-offset'])
    if (fromOffset !== undefined && fromOffset < 0)
      throw usageError(`Invalid --offset '${flags.offset}': offsets start at 0.`)
    if (fromOffset !== undefined && maxOffset < fromOffset) {
      throw usageError(
        `--max-offset ${maxOffset} is before --offset ${fromOffset}: give a range whose end is at or after its start.`,
      )
    }
    let sources: Source[]
    if (flags.files !== undefined) {
      sources = flags.files.split(',').map((f) => source(f.trim()))
    } else if (flags.topic !== undefined) {
      sources = [{name: `${flags.topic}-${flags.partition ?? 0}`, topic: flags.topic, partition: flags.partition ?? 0}]
    } else {
      throw usageError(
        'Missing required argument "[files]": name the partitions to dump with --files orders-0 (or --topic).',
      )
    }
    const deepIteration =
      flags['deep-iteration'] ||
      flags['print-data-log'] ||
      flags['key-decoder-class'] !== undefined ||
      flags['value-decoder-class'] !== undefined
    const printDataLog =
      flags['print-data-log'] || flags['key-decoder-class'] !== undefined || flags['value-decoder-class'] !== undefined
    const options = {printDataLog, deepIteration, skipRecordMetadata: flags['skip-record-metadata']}
    const print = (line: string) => this.log(line)
    const result: DumpLogResult = {dumps: []}
    let reader: LogReader | undefined
    try {
      for (const s of sources) {
        print(`Dumping ${s.name}`)
        const dumper = new LogDumper(options, print)
        let startOffset: number
        if (s.file !== undefined) {
          startOffset = s.baseOffset!
          print(`Log starting offset: ${startOffset}`)
          const batches = segmentBatches(s.file, maxBytes)
          let next = batches.next()
          let stopped = false
          for (; !next.done; next = batches.next()) {
            const h = readBatchHeader(next.value)
            if (fromOffset !== undefined && h.baseOffset + h.lastOffsetDelta < fromOffset) continue
            if (h.baseOffset > maxOffset || !dumper.batch(next.value)) {
              stopped = true
              break
            }
          }
          if (!stopped && next.done && next.value.trailingBytes > 0 && maxBytes === 2147483647) {
            print(`Found ${next.value.trailingBytes} invalid bytes at the end of ${basename(s.file)}`)
          }
        } else {
          const admin = await this.admin()
          const tp = {topic: s.topic!, partition: s.partition!}
          const [earliest] = await admin.listOffsets([{...tp, spec: 'earliest'}])
          const [latest] = await admin.listOffsets([{...tp, spec: 'latest'}])
          const logStart = earliest!.offset
          startOffset = fromOffset ?? s.baseOffset ?? logStart
          if (startOffset < logStart) {
            throw new KafkaException(
              'OFFSET_OUT_OF_RANGE',
              `Offset ${startOffset} of ${s.name} is before its log start offset ${logStart}: dump from --offset ${logStart} or later.`,
            )
          }
          print(`Log starting offset: ${startOffset}`)
          reader ??= await LogReader.create(this.clientConfig(), this.notice)
          await dumpPartition(reader, tp, startOffset, Math.min(maxOffset, latest!.offset - 1), maxBytes, dumper)
        }
        for (const line of dumper.nonConsecutiveLines(s.file ?? s.name)) {
          if (!this.jsonEnabled()) process.stderr.write(`${line}\n`)
        }
        result.dumps.push({
          name: s.name,
          topic: s.topic,
          partition: s.partition,
          file: s.file,
          startOffset,
          ...dumper.summary,
        })
        if (dumper.summary.corrupt !== null) {
          throw new KafkaException(
            'CORRUPT_MESSAGE',
            `The records of the batch at offset ${dumper.summary.corrupt.baseOffset} of ${s.name} cannot be read: ${dumper.summary.corrupt.message}`,
          )
        }
      }
    } finally {
      await reader?.close()
    }
    const invalid = result.dumps.flatMap((d) => d.invalidBatches.map((b) => ({...b, name: d.name})))
    if (invalid.length > 0) {
      throw new KafkaException(
        'CORRUPT_MESSAGE',
        `${invalid.length} batch(es) failed the CRC-32C check (isvalid: false), the first at offset ${invalid[0]!.baseOffset} of ${invalid[0]!.name}.`,
      )
    }
    return result
  }
}

/** A --files entry: a segment file on disk, or a topic partition named like a log directory (or a path in one). */
function source(entry: string): Source {
  if (entry === '')
    throw usageError('Empty entry in --files: give comma separated topic partitions (orders-0) or segment files.')
  let isFile = false
  try {
    isFile = statSync(entry).isFile()
  } catch {
    isFile = false
  }
  const name = basename(entry)
  const segment = /^(\d+)\.log$/.exec(name)
  if (isFile) {
    if (segment === null) {
      throw usageError(
        `'${entry}' is not a log segment: kafkalite dump-log reads .log segment files named by their base offset (00000000000000000000.log), or topic partitions (orders-0).`,
      )
    }
    return {name: entry, file: entry, baseOffset: Number(segment[1])}
  }
  const dir = segment !== null ? basename(dirname(entry)) : name
  const m = /^(.+)-(\d+)$/.exec(dir)
  if (m === null) {
    throw usageError(
      `'${entry}' names no topic partition: use a log directory's name, topic-partition (orders-0), or a segment file's path in one.`,
    )
  }
  return {
    name: entry,
    topic: m[1]!,
    partition: Number(m[2]),
    baseOffset: segment === null ? undefined : Number(segment[1]),
  }
}

/** Fetches and prints the batches holding offsets from..to, whole, until maxBytes of batches. */
async function dumpPartition(
  reader: LogReader,
  tp: {topic: string; partition: number},
  from: number,
  to: number,
  maxBytes: number,
  dumper: LogDumper,
): Promise<void> {
  let offset = from
  while (offset <= to) {
    const slice = await reader.read(tp.topic, tp.partition, offset)
    const before = offset
    for (const batch of slice.batches) {
      const h = readBatchHeader(batch)
      const last = h.baseOffset + h.lastOffsetDelta
      if (last < offset) continue
      if (h.baseOffset > to || dumper.summary.bytes + batch.length > maxBytes) return
      if (!dumper.batch(batch)) return
      offset = last + 1
    }
    if (offset === before) return // nothing more below the high watermark
  }
}
