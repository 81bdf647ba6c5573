// kafka-console-producer's pump: stdin read in large chunks, split into lines, each line parsed (Kafka's
// LineMessageReader or kafkalite's JSON lines) and sent with one shared callback; with a transactional.id, all of
// the input is one transaction.
import {createReadStream, fstatSync} from 'node:fs'
import {setImmediate} from 'node:timers/promises'
import type {KafkaProducer} from '../client/producer/producer.js'
import type {ProducerRecord, RecordMetadata} from '../client/producer/types.js'
import {KafkaException} from '../errors.js'
import {parseJsonRecord} from './json-lines.js'
import {LineMessageReader, LineSplitter, type LineSplitterOptions, type ParsedLine} from './line-reader.js'

/**
 * Turns one input line (numbered from 1) into a record's parts; throws Kafka's message for a malformed line. Kafka's
 * readers give bytes; the schema-registry readers give values for the producer's serializers (Confluent's
 * SchemaMessageReader).
 */
export type LineParser<K = Buffer, V = Buffer> = (
  line: Buffer,
  lineNumber: number,
) => {key: K | null; value: V | null; headers: ParsedLine['headers']; timestamp?: number; partition?: number}

/** The parser of a --format: "json" lines, or Kafka's LineMessageReader configured by the reader properties. */
export function lineParser(format: string, readerProps: Record<string, string>): LineParser {
  if (format === 'json') return (line, n) => parseJsonRecord(line, n)
  const reader = new LineMessageReader(readerProps)
  return (line, n) => reader.parse(line, n)
}

export interface ConsoleProducerOptions<K = Buffer, V = Buffer> {
  /** Send everything in one transaction: commit at the end, abort on an error or interrupt. */
  transactional: boolean
  topic: string
  /** Every record to this partition instead of the one its line names or its key chooses. */
  partition: number | undefined
  /** One record at a time: wait for each acknowledgement before reading on. */
  sync: boolean
  parse: LineParser<K, V>
  /** The producer's buffer.memory: reading pauses while this much waits to be sent. */
  bufferMemory: number
  /** Print Kafka's '>' prompt before each line (stdin is a terminal). */
  prompt: boolean
  /** The producer's max.request.size: a longer line is refused as soon as it is read past its limit. */
  maxRequestSize: number
  /** --format json: a line is JSON, which may take up to 6 bytes (\u0000) for each byte of the record. */
  json: boolean
}

/** The signals that end the input, with the exit code the JVM gives Kafka's tool for each (128 + the number). */
const SIGNALS = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const
type StopSignal = keyof typeof SIGNALS

/**
 * Produces standard input, one record per line, and closes the producer; returns the number of lines read. Stops at
 * the first unparsable line or refused record; in every case what was sent before is flushed and acknowledged
 * before it returns or throws. Ctrl-C, SIGTERM and SIGHUP stop the reading: the lines read are sent (or their
 * transaction aborted), then it throws with the signal's exit code, as Kafka's tool closes its producer in a shutdown
 * hook. A second signal ends the process at once.
 */
export async function produceStdin<K, V>(
  producer: KafkaProducer<K, V>,
  o: ConsoleProducerOptions<K, V>,
): Promise<number> {
  if (o.transactional) {
    try {
      await producer.initTransactions()
      producer.beginTransaction()
    } catch (error) {
      await producer.close().catch(() => {})
      throw error
    }
  }
  return pump(producer, o)
}

const SLICE_BYTES = 128 * 1024

/** The errors that concern the record sent, not the ones after it: console-producer logs them and goes on. */
const RECORD_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
])

/** A serialized size the producer's callback may lack: the bytes' length, or -1 for null (or a value not yet serialized). */
const sizeOf = (x: unknown): number => (Buffer.isBuffer(x) ? x.length : -1)

async function pump<K, V>(producer: KafkaProducer<K, V>, o: ConsoleProducerOptions<K, V>): Promise<number> {
  const {topic} = o
  const splitter = new LineSplitter(lineLimit(o))
  // A file through an fs stream of 1 MiB chunks; a terminal, a pipe or a socket through process.stdin (an fs read
  // of a non-blocking pipe that is open but empty fails with EAGAIN).
  const stdin = isRegularFile(0) ? createReadStream('', {fd: 0, highWaterMark: 1 << 20}) : process.stdin
  let lineNumber = 0
  let failure: Error | undefined
  let interrupted: StopSignal | null = null
  let inputEnded = false
  const fail = (error: Error) => {
    failure ??= error
    stdin.pause()
  }
  // Records the producer could not send for a reason of their own, outside a transaction: as Kafka's
  // ErrorLoggingCallback, each is logged and the input goes on (a record too large, or a topic deleted under the
  // producer: later records go to its new partitions); the command exits 1 at the end. An error every later record
  // would meet as well (a full disk, a daemon that does not start) stops the input, in one line.
  let unsent = 0
  let firstUnsent: KafkaException | undefined
  // The record being handed to the producer: a send refused before the record is queued (too large for the topic,
  // a bad partition or timestamp) calls back at once, without metadata, and its sizes are taken from it.
  let sending: ProducerRecord<K, V> | null = null
  let metadata: 'unknown' | 'known' | 'failed' = 'unknown'
  // One callback for every record (Kafka's ErrorLoggingCallback, without an object per record: one per record
  // measured ~20% slower).
  const onSent = (error: KafkaException | null, meta: RecordMetadata | null) => {
    if (!error) return
    // The records an interrupt's abort fails: that abort is the outcome, not an error of its own.
    if (interrupted !== null && error.code === 'TRANSACTION_ABORTED') return
    const keySize = meta ? meta.serializedKeySize : sending ? sizeOf(sending.key) : undefined
    const valueSize = meta ? meta.serializedValueSize : sending ? sizeOf(sending.value) : undefined
    const size = (n: number | undefined) => (n === undefined || n < 0 ? 'null' : `${n} bytes`)
    const sendError = new KafkaException(
      error.code,
      `Error when sending message to topic ${topic} with key: ${size(keySize)}, value: ${size(valueSize)} with error: ${error.message}`,
    )
    if (o.transactional || !RECORD_ERRORS.has(error.code)) {
      fail(sendError) // in a transaction, the transaction is aborted: nothing more is read
      return
    }
    unsent++
    firstUnsent ??= sendError
    process.stderr.write(`ERROR ${sendError.message}\n`)
  }
  // One record object for every line: the producer does not keep it once send returns.
  const record: ProducerRecord<K, V> = {topic}
  const sendLine = (line: Buffer): Promise<unknown> | undefined => {
    if (interrupted !== null || failure) return undefined
    lineNumber++
    let parsed: ReturnType<LineParser<K, V>>
    try {
      parsed = o.parse(line, lineNumber)
    } catch (error) {
      fail(error as Error)
      return undefined
    }
    record.partition = o.partition ?? parsed.partition
    record.key = parsed.key
    record.value = parsed.value
    record.headers = parsed.headers
    record.timestamp = parsed.timestamp
    if (o.sync) {
      return new Promise<void>((resolve) => {
        sending = record
        producer.sendWithCallback(record, (e, m) => resolve(onSent(e, m)))
        sending = null
      })
    }
    sending = record
    if (metadata === 'known') {
      producer.sendWithCallback(record, onSent)
    } else {
      // Without the topic's metadata the producer queues the record later, or refuses it later: the callback
      // keeps the sizes of its record (these few records only, until the first send fails).
      const sizes = {serializedKeySize: sizeOf(record.key), serializedValueSize: sizeOf(record.value)}
      producer.sendWithCallback(record, (e, m) => onSent(e, m ?? (sizes as RecordMetadata)))
    }
    sending = null
    return undefined
  }
  // The first signal stops the reading (one after the end of the input changes nothing: all of it is being sent);
  // from then on the signals are Node's again, so a second one ends the process at once.
  const onSignal = (signal: StopSignal) => {
    for (const s of Object.keys(SIGNALS) as StopSignal[]) process.off(s, onSignal)
    if (inputEnded) return
    interrupted = signal
    stdin.pause()
    stdin.destroy()
  }
  for (const s of Object.keys(SIGNALS) as StopSignal[]) process.on(s, onSignal)
  if (o.prompt) process.stdout.write('>')
  try {
    const lines: Buffer[] = []
    const collect = (line: Buffer) => lines.push(line)
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      // The topic's metadata before the first record, as Kafka's send() waits for it: every send then reaches the
      // producer's queue (or its refusal) at once, so a refusal has the sizes of its record. An error is reported by
      // the first send, in Kafka's words. Not when the first line does not parse: nothing is sent then, and the
      // metadata request would create the topic.
      if (metadata === 'unknown') {
        metadata = firstLineParses(chunk, o.parse)
          ? await producer.partitionsFor(topic).then(
              () => 'known' as const,
              () => 'failed' as const,
            )
          : 'failed'
      }
      // Big reads (fewer trips to the thread pool), handled in small slices with a turn of the event loop after
      // each: a chunk the stream already holds arrives in a microtask, and without those turns produce requests
      // are not written, nor acknowledgements read, while input keeps coming (measured 640k -> 900k records/s).
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        const slice = chunk.subarray(at, at + SLICE_BYTES)
        if (o.sync || o.prompt) {
          lines.length = 0
          splitter.push(slice, collect)
          for (const line of lines) {
            const sent = sendLine(line)
            if (sent) await sent // --sync: one record at a time
            if (failure || interrupted !== null) break
            if (o.prompt) process.stdout.write('>')
          }
        } else {
          splitter.push(slice, sendLine)
        }
        if (failure || interrupted !== null) break
        if (producer.bufferedBytes >= o.bufferMemory) await producer.whenBufferAvailable()
        await setImmediate()
      }
      if (failure || interrupted !== null) break
    }
    if (!failure && interrupted === null) splitter.end((line) => void sendLine(line))
  } catch (error) {
    if (interrupted === null) fail(error as Error)
  } finally {
    inputEnded = true
    if (o.transactional) {
      await endTransaction(producer, failure, interrupted !== null).catch((e: Error) => (failure ??= e))
    }
    await producer.close()
    for (const s of Object.keys(SIGNALS) as StopSignal[]) process.off(s, onSignal)
  }
  if (failure) throw failure
  if (firstUnsent !== undefined && interrupted === null) {
    throw new KafkaException(
      firstUnsent.code,
      `${unsent} record(s) could not be sent to topic ${topic} (each is logged above).`,
    )
  }
  if (interrupted !== null) {
    const what = o.transactional
      ? `the transaction of ${lineNumber} record(s) was aborted.`
      : `${lineNumber} record(s) were written; the input after line ${lineNumber} was not read.`
    throw new KafkaException('INTERRUPTED', `Interrupted by ${interrupted}: ${what}`, {
      exitCode: SIGNALS[interrupted],
    })
  }
  return lineNumber
}

/**
 * The longest line that can become a record the producer sends: a text line is at most the record's size (its key,
 * value and headers, less separators), and a JSON line at most 6 times it (a control character is written \u0000),
 * plus its field names. Reading stops at the first line past this, so a huge line is never held whole.
 */
function lineLimit(o: Pick<ConsoleProducerOptions, 'maxRequestSize' | 'json'>): LineSplitterOptions {
  const max = o.maxRequestSize
  if (o.json) {
    return {
      maxLineBytes: 6 * max + 4096,
      tooLong: (n, limit) =>
        new KafkaException(
          'MESSAGE_TOO_LARGE',
          `Line ${n} is longer than ${limit} bytes, the longest JSON line of a record within the producer's max.request.size (${max} bytes): it cannot be sent. Split the record, or raise the limit with --producer-property max.request.size=<bytes> (the topic's max.message.bytes limits records too).`,
        ),
    }
  }
  return {
    maxLineBytes: max,
    tooLong: (n, limit) =>
      new KafkaException(
        'MESSAGE_TOO_LARGE',
        `Line ${n} is longer than ${limit} bytes, the producer's max.request.size: a record made of it cannot be sent. Split the line, or raise the limit with --producer-property max.request.size=<bytes> (the topic's max.message.bytes limits records too).`,
      ),
  }
}

/** Whether the first line of the input (as much of it as the first chunk holds) parses. */
function firstLineParses<K, V>(chunk: Buffer, parse: LineParser<K, V>): boolean {
  const nl = chunk.indexOf(0x0a)
  const cr = chunk.indexOf(0x0d)
  const end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr)
  try {
    parse(chunk.subarray(0, end === -1 ? chunk.length : end), 1)
    return true
  } catch {
    return false
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile()
  } catch {
    return false
  }
}

/** Commits the console producer's transaction, or aborts it after a failure or an interrupt. */
async function endTransaction<K, V>(
  producer: KafkaProducer<K, V>,
  failure: Error | undefined,
  interrupted: boolean,
): Promise<void> {
  if (failure || interrupted) {
    await producer.abortTransaction()
    return
  }
  await producer.commitTransaction()
}
