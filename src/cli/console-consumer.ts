// kafka-console-consumer's loop: which partitions to read and where to start, then poll, format every record into
// one output buffer, write it out in large pieces, and stop on the first end condition (--max-messages,
// --timeout-ms, --exit-at-end, Ctrl-C or a closed stdout) with Kafka's "Processed a total of N messages".
import {once} from 'node:events'
import type {Admin} from '../client/admin.js'
import type {KafkaConsumer, RecordView, TopicPartition} from '../client/consumer.js'
import {KafkaException, usageError} from '../errors.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'
import {DefaultMessageFormatter, OutputBuffer} from './formatter.js'
import {writeJsonRecord} from './json-lines.js'
import {topicPattern} from './kafka-options.js'

/** Where --offset starts reading its --partition. */
export type StartOffset = 'earliest' | 'latest' | number

/**
 * Formats one record into the output buffer. A writer that must first fetch something (a schema, from the registry)
 * returns a promise instead: the record is handed again once it settles.
 */
export type RecordWriter = (out: OutputBuffer, r: RecordView) => Promise<unknown> | void

/**
 * Where --partition starts, as Kafka's ConsoleConsumerOptions.parseOffset decides: --offset ('earliest', 'latest' in
 * any case, or a non-negative offset; Kafka's message for anything else), else the earliest offset with
 * --from-beginning, else the latest.
 */
export function startOffsetOf(offset: string | undefined, fromBeginning: boolean): StartOffset {
  if (offset === undefined) return fromBeginning ? 'earliest' : 'latest'
  const lower = offset.toLowerCase()
  if (lower === 'earliest' || lower === 'latest') return lower
  if (/^\d+$/.test(offset) && Number.isSafeInteger(Number(offset))) return Number(offset)
  throw usageError(
    `The provided offset value '${offset}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`,
  )
}

/** The writer of a --format: "json" lines, or Kafka's DefaultMessageFormatter set up by the formatter properties. */
export function recordWriter(format: string, formatterProps: Record<string, string>): RecordWriter {
  if (format === 'json') return writeJsonRecord
  const formatter = new DefaultMessageFormatter(formatterProps)
  return (out, r) => void formatter.writeTo(out, r)
}

export interface ConsoleConsumerOptions {
  /** --topic, or the topics --include matches (exactly one of them is given). */
  topic: string | undefined
  include: string | undefined
  /** --partition of --topic, read from `offset`. */
  partition: number | undefined
  offset: StartOffset
  /** Join the consumer's group.id: read what the group assigns, from its committed offsets, and commit. */
  grouped: boolean
  write: RecordWriter
  maxMessages: number | undefined
  timeoutMs: number | undefined
  /** Stop at the end offsets the partitions had when reading started. */
  exitAtEnd: boolean
}

/** The Admin calls that resolve --include, asked for only when --include is given. */
export type IncludeAdmin = () => Promise<Pick<Admin, 'listTopics' | 'describeTopics'>>

/**
 * Reads the source's records to stdout through `write` until a limit is reached or the consumer is woken (Ctrl-C,
 * SIGTERM, a closed stdout), then closes the consumer; returns the number of records printed.
 */
export async function consumeToStdout(
  consumer: KafkaConsumer,
  admin: IncludeAdmin,
  o: ConsoleConsumerOptions,
): Promise<number> {
  const partitions = await partitionsToRead(consumer, admin, o)
  if (o.grouped) consumer.subscribe(o.include === undefined ? [o.topic!] : topicPattern(o.include))
  else consumer.assign(partitions)
  if (o.partition !== undefined) {
    if (o.offset === 'earliest') consumer.seekToBeginning(partitions)
    else if (o.offset === 'latest') consumer.seekToEnd(partitions)
    else consumer.seek(partitions[0]!, o.offset)
  }
  return consume(consumer, partitions, o)
}

/** The partitions to read: one given partition, every partition of --topic, or of the topics --include matches. */
async function partitionsToRead(
  consumer: KafkaConsumer,
  admin: IncludeAdmin,
  {topic, include, partition}: ConsoleConsumerOptions,
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
  const client = await admin()
  const pattern = topicPattern(include!)
  const topics = (await client.listTopics({listInternal: true})).filter((t) => pattern.test(t.name))
  if (topics.length === 0) {
    throw new KafkaException(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `No topic matches --include '${include}'. Use 'kafkalite topics --list' to see the topics.`,
    )
  }
  const described = await client.describeTopics(topics.map((t) => t.name))
  return described.flatMap((d) => d.partitions.map((p) => ({topic: d.name, partition: p.partition})))
}

const OUTPUT_BUFFER_BYTES = 256 * 1024

/** The consume loop: poll, format into one buffer, write it out in large pieces, stop on the first end condition. */
async function consume(
  consumer: KafkaConsumer,
  partitions: TopicPartition[],
  o: ConsoleConsumerOptions,
): Promise<number> {
  const {write} = o
  const out = new OutputBuffer(OUTPUT_BUFFER_BYTES)
  let count = 0
  let stdoutBroken = false
  const onSigint = () => consumer.wakeup()
  process.once('SIGINT', onSigint)
  process.once('SIGTERM', onSigint)
  // Kept to the end of the process: an EPIPE of the last write may come after this function returned.
  process.stdout.on('error', () => {
    stdoutBroken = true
    consumer.wakeup()
  })
  const flush = async () => {
    if (out.length === 0 || stdoutBroken) return
    // A reader slower than the records (a pipe into a slow command): wait until it has taken this buffer. events.once
    // removes its 'drain' and 'error' listeners whichever comes first; listeners added per wait piled up.
    if (!process.stdout.write(out.take())) await once(process.stdout, 'drain').catch(() => {})
  }
  let ends: Map<string, number> | undefined
  // A group member reads the partitions assigned to it now, which change with rebalances; every partition's end
  // was captured at start.
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
        const waiting = write(out, r)
        if (waiting !== undefined) return waiting
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
