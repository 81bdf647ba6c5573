// kafka-producer-perf-test (Kafka 4.4's ProducerPerformance): its payloads (random capitals from SplittableRandom,
// a file's entries, or monotonic numbers), its keys (--key-distribution), its throttle (ThroughputThrottler), its
// statistics (Stats: a window line every --reporting-interval ms, the total with percentiles from a sample of at most
// 500,000 latencies), and --print-metrics' table (ToolsUtils.printMetrics).
import {readFileSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {setImmediate, setTimeout as sleep} from 'node:timers/promises'
import type {Metric} from '../client/metrics.js'
import type {KafkaProducer} from '../client/producer/producer.js'
import type {ProducerRecord, SendCallback} from '../client/producer/types.js'
import {KafkaException, usageError} from '../errors.js'
import {SplittableRandom, javaFixed, javaMapString} from './java-compat.js'

export type KeyDistribution = 'none' | 'range' | 'random'

export interface ProducerPerfOptions {
  topic: string
  numRecords: number
  /** Exactly one payload source. */
  recordSize?: number
  payloads?: Buffer[]
  payloadMonotonic?: boolean
  throughput: number
  transactional: boolean
  transactionDurationMs: number
  warmupRecords: number
  reportingIntervalMs: number
  keyDistribution: KeyDistribution
  keyRange?: number
  randomSeed: number
  printMetrics: boolean
  /** The producer's buffer.memory: the loop waits while this much is unacknowledged (Java's send blocks). */
  bufferMemory: number
}

export interface ProducerPerfResult {
  records: number
  recordsPerSec: number
  mbPerSec: number
  avgLatencyMs: number
  maxLatencyMs: number
  percentiles: {p50: number; p95: number; p99: number; p999: number}
  failed: number
}

/** --payload-file: its entries split by --payload-delimiter (a Java regex, as Scanner.useDelimiter takes it). */
export function readPayloadFile(path: string, delimiter: string, print: (line: string) => void): Buffer[] {
  const absolute = resolve(path)
  print(`Reading payloads from: ${absolute}`)
  let size = 0
  try {
    size = statSync(absolute).size
  } catch {
    size = 0
  }
  if (size === 0) throw usageError('File does not exist or empty file provided.')
  let re: RegExp
  try {
    re = new RegExp(delimiter, 'gu')
  } catch (error) {
    throw usageError(`Invalid --payload-delimiter '${delimiter}': ${(error as Error).message}`)
  }
  // Scanner skips delimiters before the first token and after the last one.
  const tokens = readFileSync(absolute, 'utf8').split(re)
  while (tokens.length > 0 && tokens[0] === '') tokens.shift()
  while (tokens.length > 0 && tokens.at(-1) === '') tokens.pop()
  const payloads = tokens.map((t) => Buffer.from(t, 'utf8'))
  print(`Number of messages read: ${payloads.length}`)
  return payloads
}

/** Kafka's ThroughputThrottler: sleeps, on average, 1/throughput s per record once ahead of the target rate. */
export class ThroughputThrottler {
  static readonly MIN_SLEEP_NS = 2_000_000
  readonly #startMs: number
  readonly #target: number
  readonly #sleepTimeNs: number
  #sleepDeficitNs = 0

  constructor(targetThroughput: number, startMs: number) {
    this.#startMs = startMs
    this.#target = targetThroughput
    this.#sleepTimeNs = targetThroughput > 0 ? Math.floor(1e9 / targetThroughput) : Number.MAX_SAFE_INTEGER
  }

  shouldThrottle(amountSoFar: number, sendStartMs: number): boolean {
    if (this.#target < 0) return false
    const elapsedSec = Math.fround((sendStartMs - this.#startMs) / 1000)
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.#target
  }

  async throttle(): Promise<void> {
    this.#sleepDeficitNs += this.#sleepTimeNs
    if (this.#sleepDeficitNs < ThroughputThrottler.MIN_SLEEP_NS) return
    const started = process.hrtime.bigint()
    let remaining = this.#sleepDeficitNs
    while (remaining > 0) {
      await sleep(Math.max(1, Math.round(remaining / 1e6)))
      remaining = this.#sleepDeficitNs - Number(process.hrtime.bigint() - started)
    }
    this.#sleepDeficitNs = 0
  }
}

/** Kafka's ProducerPerformance.Stats. */
export class ProducerStats {
  readonly #start = Date.now()
  readonly #latencies: Int32Array
  readonly #sampling: number
  #iteration = 0
  #index = 0
  #count = 0
  #bytes = 0
  #maxLatency = 0
  #totalLatency = 0
  #windowCount = 0
  #windowMaxLatency = 0
  #windowTotalLatency = 0
  #windowBytes = 0
  #windowStart = Date.now()
  #suppressPrint = false

  constructor(
    numRecords: number,
    readonly reportingIntervalMs: number,
    readonly isSteadyState: boolean,
    readonly print: (line: string) => void,
  ) {
    this.#sampling = Math.floor(numRecords / Math.min(numRecords, 500_000))
    this.#latencies = new Int32Array(Math.floor(numRecords / this.#sampling) + 1)
  }

  record(latency: number, bytes: number, time: number): void {
    this.#count++
    this.#bytes += bytes
    this.#totalLatency += latency
    this.#maxLatency = Math.max(this.#maxLatency, latency)
    this.#windowCount++
    this.#windowBytes += bytes
    this.#windowTotalLatency += latency
    this.#windowMaxLatency = Math.max(this.#windowMaxLatency, latency)
    if (this.#iteration % this.#sampling === 0 && this.#index < this.#latencies.length) {
      this.#latencies[this.#index++] = latency
    }
    if (time - this.#windowStart >= this.reportingIntervalMs) {
      if (this.isSteadyState && this.#count === this.#windowCount) this.print('In steady state.')
      if (!this.#suppressPrint) this.printWindow()
      this.#newWindow()
    }
    this.#iteration++
  }

  suppressPrinting(): void {
    this.#suppressPrint = true
  }

  printWindow(): void {
    const elapsed = Date.now() - this.#windowStart
    const recsPerSec = (1000 * this.#windowCount) / elapsed
    const mbPerSec = (1000 * this.#windowBytes) / elapsed / (1024 * 1024)
    this.print(
      `${this.#windowCount} records sent, ${javaFixed(recsPerSec, 1)} records/sec (${javaFixed(mbPerSec, 2)} MB/sec), ${javaFixed(this.#windowTotalLatency / this.#windowCount, 1)} ms avg latency, ${javaFixed(this.#windowMaxLatency, 1)} ms max latency.`,
    )
  }

  #newWindow(): void {
    this.#windowStart = Date.now()
    this.#windowCount = 0
    this.#windowMaxLatency = 0
    this.#windowTotalLatency = 0
    this.#windowBytes = 0
  }

  /** Prints the total line and returns its figures. */
  printTotal(): Omit<ProducerPerfResult, 'failed'> {
    const elapsed = Date.now() - this.#start
    const recordsPerSec = (1000 * this.#count) / elapsed
    const mbPerSec = (1000 * this.#bytes) / elapsed / (1024 * 1024)
    const [p50, p95, p99, p999] = percentiles(this.#latencies, this.#index, [0.5, 0.95, 0.99, 0.999]) as [
      number,
      number,
      number,
      number,
    ]
    const avg = this.#totalLatency / this.#count
    this.print(
      `${this.#count}${this.isSteadyState ? ' steady state' : ''} records sent, ${javaFixed(recordsPerSec, 6)} records/sec (${javaFixed(mbPerSec, 2)} MB/sec), ${javaFixed(avg, 2)} ms avg latency, ${javaFixed(this.#maxLatency, 2)} ms max latency, ${p50} ms 50th, ${p95} ms 95th, ${p99} ms 99th, ${p999} ms 99.9th.`,
    )
    return {
      records: this.#count,
      recordsPerSec,
      mbPerSec,
      avgLatencyMs: avg,
      maxLatencyMs: this.#maxLatency,
      percentiles: {p50, p95, p99, p999},
    }
  }
}

/** Kafka's Stats.percentiles: the sample sorted, then sample[(int) (p * size)]. */
function percentiles(latencies: Int32Array, count: number, ps: readonly number[]): number[] {
  const size = Math.min(count, latencies.length)
  const sorted = latencies.slice(0, size).sort()
  return ps.map((p) => sorted[Math.trunc(p * size)] ?? 0)
}

/** Kafka's ToolsUtils.printMetrics: `group:name:{tags}` padded, then ` : ` and the value (%.3f for numbers). */
export function metricsTable(metrics: ReadonlyMap<string, Metric> | readonly Metric[]): string[] {
  const list = Array.isArray(metrics) ? metrics : [...(metrics as ReadonlyMap<string, Metric>).values()]
  if (list.length === 0) return []
  const rows = new Map<string, number>()
  let width = 0
  for (const m of list) {
    const name = `${m.group}:${m.name}:${javaMapString(m.tags)}`
    width = Math.max(width, name.length)
    rows.set(name, m.value)
  }
  const keys = [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return [
    '',
    `${'Metric Name'.padEnd(width)}   Value`,
    ...keys.map((k) => `${k.padEnd(width)} : ${javaFixed(rows.get(k)!, 3)}`),
  ]
}

/** Kafka's generateKey: null, `i % range`, or a random number below the range, as decimal text. */
function generateKey(o: ProducerPerfOptions, i: number, random: SplittableRandom): Buffer | null {
  switch (o.keyDistribution) {
    case 'range':
      return Buffer.from(String(i % o.keyRange!))
    case 'random':
      return Buffer.from(String(random.nextIntBelow(o.keyRange!)))
    default:
      return null
  }
}

/**
 * Kafka's generateRandomPayload. Like Kafka's, the random payload is one buffer refilled for every record: the
 * producer copies a record into its batch when it is sent (once the topic's metadata is known, which the run waits
 * for first), so a buffer per record would only feed the garbage collector.
 */
function generatePayload(o: ProducerPerfOptions, i: number, random: SplittableRandom, payload: Buffer | null): Buffer {
  if (o.payloads !== undefined) return o.payloads[random.nextIntBelow(o.payloads.length)]!
  if (payload !== null) {
    random.fill(payload, 26, 65)
    return payload
  }
  return Buffer.from(String(i))
}

/**
 * Runs the test as Kafka's ProducerPerformance.start does, printing its lines through `print`. The producer is
 * closed at the end (flushed first with --print-metrics).
 */
export async function runProducerPerf(
  producer: KafkaProducer<Buffer, Buffer>,
  o: ProducerPerfOptions,
  print: (line: string) => void,
): Promise<ProducerPerfResult> {
  let failed = 0
  let firstError: KafkaException | undefined
  try {
    if (o.transactional) await producer.initTransactions()
    // Its metadata first, as Java's first send waits for it: a missing topic fails here, once, in Kafka's words.
    await producer.partitionsFor(o.topic)
    const random = new SplittableRandom(o.randomSeed)
    if (o.warmupRecords > 0) {
      print(`Warmup first ${o.warmupRecords} records. Steady state results will print after the complete test summary.`)
    }
    const stats = new ProducerStats(o.numRecords, o.reportingIntervalMs, false, print)
    let steady: ProducerStats | undefined
    const startMs = Date.now()
    const throttler = new ThroughputThrottler(o.throughput, startMs)
    let transactionSize = 0
    let transactionStart = 0
    let sinceYield = 0
    const payload = o.recordSize === undefined ? null : Buffer.alloc(o.recordSize)
    // One record object for every send (the producer does not keep it), and one callback for every record sent in
    // the same millisecond with the same size: a closure per record measured ~15% slower, in garbage collection.
    const record: ProducerRecord<Buffer, Buffer> = {topic: o.topic, key: null, value: null}
    let callback: SendCallback | null = null
    let callbackMs = -1
    let callbackBytes = -1
    let callbackSteady: ProducerStats | undefined
    for (let i = 0; i < o.numRecords; i++) {
      const value = generatePayload(o, i, random, payload)
      if (o.transactional && transactionSize === 0) {
        producer.beginTransaction()
        transactionStart = Date.now()
      }
      record.key = generateKey(o, i, random)
      record.value = value
      const sendStartMs = Date.now()
      if (o.warmupRecords > 0 && i === o.warmupRecords) {
        steady = new ProducerStats(o.numRecords - o.warmupRecords, o.reportingIntervalMs, true, print)
        stats.suppressPrinting()
      }
      const bytes = value.length
      if (callback === null || sendStartMs !== callbackMs || bytes !== callbackBytes || steady !== callbackSteady) {
        const steadyNow = steady
        callbackMs = sendStartMs
        callbackBytes = bytes
        callbackSteady = steady
        callback = (error) => {
          const now = Date.now()
          if (error === null) {
            const latency = now - sendStartMs
            stats.record(latency, bytes, now)
            steadyNow?.record(latency, bytes, now)
          } else {
            failed++
            firstError ??= error
          }
        }
      }
      producer.sendWithCallback(record, callback)
      transactionSize++
      if (o.transactional && o.transactionDurationMs <= sendStartMs - transactionStart) {
        await producer.commitTransaction()
        transactionSize = 0
      }
      if (throttler.shouldThrottle(i, sendStartMs)) await throttler.throttle()
      // Java's send blocks while buffer.memory is full; here the loop waits, and gives the event loop a turn now
      // and then so that requests are written and acknowledgements read while records keep coming.
      if (producer.bufferedBytes >= o.bufferMemory) {
        await producer.whenBufferAvailable()
        sinceYield = 0
      } else if ((sinceYield += bytes + 64) >= 256 * 1024) {
        sinceYield = 0
        await setImmediate()
      }
    }
    if (o.transactional && transactionSize !== 0) await producer.commitTransaction()
    let total: Omit<ProducerPerfResult, 'failed'>
    if (!o.printMetrics) {
      await producer.close()
      total = stats.printTotal()
      steady?.printTotal()
    } else {
      await producer.flush()
      total = stats.printTotal()
      steady?.printTotal()
      for (const line of metricsTable(producer.metrics())) print(line)
      await producer.close()
    }
    if (firstError !== undefined) {
      throw new KafkaException(
        firstError.code,
        `${failed} of ${o.numRecords} records were not sent; the first error: ${firstError.message}`,
      )
    }
    return {...total, failed}
  } finally {
    await producer.close().catch(() => {})
  }
}
