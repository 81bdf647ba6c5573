// Kafka's VerifiableProducer and VerifiableConsumer (Kafka 4.4), the clients Kafka's system tests drive: one JSON
// event per line on stdout, with the field names and the field order Kafka's Jackson mapper prints (read from the
// 4.4 tools' output against the same broker).
import {setImmediate} from 'node:timers/promises'
import type {ConsumerRecords, KafkaConsumer, OffsetAndMetadata} from '../client/consumer.js'
import type {KafkaProducer} from '../client/producer/producer.js'
import type {ProducerRecord} from '../client/producer/types.js'
import type {TopicPartition} from '../protocol/kafka/topic-partition.js'
import {ERROR_CODES, toKafkaException, type ErrorCode, type KafkaException} from '../errors.js'
import {javaHashMapOrder, topicPartitionHash} from './java-compat.js'
import {ThroughputThrottler} from './producer-perf.js'

/** Prints one event: `{"timestamp":..., "name":..., ...fields}` in this order. */
export type EventPrinter = (name: string, fields?: Record<string, unknown>) => void

export function eventPrinter(write: (line: string) => void, now: () => number = Date.now): EventPrinter {
  return (name, fields = {}) => {
    const parts = [`"timestamp":${now()}`, `"name":${JSON.stringify(name)}`]
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue
      parts.push(`${JSON.stringify(k)}:${v instanceof JavaDouble ? javaDoubleString(v.value) : JSON.stringify(v)}`)
    }
    write(`{${parts.join(',')}}`)
  }
}

/** A double, printed as Java prints one (1.0, 1.0E-4) where JSON.stringify would print 1 or 0.0001. */
export class JavaDouble {
  constructor(readonly value: number) {}
}

/** Java's Double.toString, as Jackson writes a double: 16.0, 16.064257028112447, 1.0E-4, 1.2345678E7. */
export function javaDoubleString(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(x)
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x)
    return s.includes('.') || s.includes('e') ? s : `${s}.0`
  }
  const [mantissa, exp] = x.toExponential().split('e') as [string, string]
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`
}

/** Java's exception.getClass().toString() for a Kafka error. */
function exceptionClass(error: KafkaException): string {
  const name = ERROR_CODES[error.code as ErrorCode]?.name ?? 'KafkaException'
  return `class org.apache.kafka.common.errors.${name}`
}

export interface VerifiableProducerOptions {
  topic: string
  /** -1: until stopped. */
  maxMessages: number
  throughput: number
  valuePrefix?: number
  repeatingKeys?: number
  /** --message-create-time, or null. */
  createTime: number | null
  bufferMemory: number
}

/**
 * VerifiableProducer.run and its shutdown hook: increasing integers (with `prefix.` when asked), an event per
 * acknowledgement or failure, then shutdown_complete and tool_data. `stop` (a signal) ends the sending early.
 */
export async function runVerifiableProducer(
  producer: KafkaProducer<string, string>,
  o: VerifiableProducerOptions,
  write: (line: string) => void,
  stopped: () => boolean,
): Promise<{sent: number; acked: number}> {
  const print = eventPrinter(write)
  const startMs = Date.now()
  const startTime = Date.now()
  let createTime = o.createTime
  let sent = 0
  let acked = 0
  let keyCounter = 0
  print('startup_complete')
  const throttler = new ThroughputThrottler(o.throughput, startMs)
  const max = o.maxMessages < 0 ? Number.MAX_SAFE_INTEGER : o.maxMessages
  let sinceYield = 0
  for (let i = 0; i < max && !stopped(); i++) {
    const sendStartMs = Date.now()
    let key: string | null = null
    if (o.repeatingKeys !== undefined) {
      key = String(keyCounter++)
      if (keyCounter === o.repeatingKeys) keyCounter = 0
    }
    const value = o.valuePrefix === undefined ? String(i) : `${o.valuePrefix}.${i}`
    const record: ProducerRecord<string, string> = {topic: o.topic, key, value}
    if (createTime !== null) {
      record.timestamp = createTime
      createTime += Date.now() - startTime
    }
    sent++
    producer.sendWithCallback(record, (error, metadata) => {
      if (error === null && metadata !== null) {
        acked++
        print('producer_send_success', {
          key,
          value,
          offset: metadata.offset,
          topic: metadata.topic,
          partition: metadata.partition,
        })
      } else {
        const e = toKafkaException(error)
        print('producer_send_error', {topic: o.topic, key, value, exception: exceptionClass(e), message: e.message})
      }
    })
    if (throttler.shouldThrottle(i, sendStartMs)) await throttler.throttle()
    if (producer.bufferedBytes >= o.bufferMemory) {
      await producer.whenBufferAvailable()
      sinceYield = 0
    } else if (++sinceYield >= 1000) {
      sinceYield = 0
      await setImmediate()
    }
  }
  await producer.close()
  print('shutdown_complete')
  const avg = (1000 * acked) / (Date.now() - startMs)
  print('tool_data', {
    sent,
    acked,
    target_throughput: o.throughput,
    avg_throughput: new JavaDouble(avg),
  })
  return {sent, acked}
}

export interface VerifiableConsumerOptions {
  topic: string
  /** -1: until stopped. */
  maxMessages: number
  verbose: boolean
  autoCommit: boolean
}

const partitionsJson = (partitions: readonly TopicPartition[]) =>
  partitions.map((p) => ({topic: p.topic, partition: p.partition}))

/**
 * VerifiableConsumer.run: subscribes (printing assignments and revocations), and per poll prints records_consumed
 * (record_data for each record with --verbose) and, without auto-commit, commits synchronously and prints
 * offsets_committed; stops after --max-messages or when `requestStop` is called (a signal: shutdown_requested),
 * then closes (partitions_revoked) and prints shutdown_complete.
 */
export class VerifiableConsumerRun {
  readonly #print: EventPrinter
  #consumed = 0
  #stopRequested = false

  constructor(
    readonly consumer: KafkaConsumer<string, string>,
    readonly o: VerifiableConsumerOptions,
    write: (line: string) => void,
  ) {
    this.#print = eventPrinter(write)
  }

  #finished(): boolean {
    return this.o.maxMessages >= 0 && this.#consumed >= this.o.maxMessages
  }

  /** A signal: Kafka's shutdown hook prints shutdown_requested and wakes the consumer up. */
  requestStop(): void {
    if (this.#stopRequested) return
    this.#stopRequested = true
    this.#print('shutdown_requested')
    this.consumer.wakeup()
  }

  /** Runs to the end; resolves with the error that ended it, if one did. */
  async run(): Promise<KafkaException | null> {
    let failure: KafkaException | null = null
    try {
      this.#print('startup_complete')
      this.consumer.subscribe([this.o.topic], {
        onPartitionsAssigned: (partitions) =>
          this.#print('partitions_assigned', {partitions: partitionsJson(partitions)}),
        onPartitionsRevoked: (partitions) =>
          this.#print('partitions_revoked', {partitions: partitionsJson(partitions)}),
      })
      while (!this.#finished() && !this.#stopRequested) {
        const records = await this.consumer.poll(2_147_483_647)
        if (records.isEmpty()) continue
        const offsets = this.#onRecords(records)
        if (!this.o.autoCommit) await this.#commit(offsets)
      }
    } catch (error) {
      const e = toKafkaException(error)
      if (e.code !== 'WAKEUP') failure = e
    } finally {
      await this.consumer.close().catch(() => {})
      this.#print('shutdown_complete')
      // Kafka's shutdown hook runs as the JVM exits, after a run that ended by itself too.
      if (!this.#stopRequested) {
        this.#stopRequested = true
        this.#print('shutdown_requested')
      }
    }
    return failure
  }

  #onRecords(records: ConsumerRecords<string, string>): OffsetAndMetadata[] {
    const offsets: OffsetAndMetadata[] = []
    const summaries: Record<string, unknown>[] = []
    for (const tp of records.partitions()) {
      let list = records.records(tp)
      if (this.o.maxMessages >= 0 && this.#consumed + list.length > this.o.maxMessages) {
        list = list.slice(0, this.o.maxMessages - this.#consumed)
      }
      if (list.length === 0) continue
      const minOffset = list[0]!.offset
      const maxOffset = list.at(-1)!.offset
      offsets.push({topic: tp.topic, partition: tp.partition, offset: maxOffset + 1})
      summaries.push({topic: tp.topic, partition: tp.partition, count: list.length, minOffset, maxOffset})
      if (this.o.verbose) {
        for (const r of list) {
          this.#print('record_data', {
            key: r.key,
            value: r.value,
            topic: r.topic,
            partition: r.partition,
            offset: r.offset,
          })
        }
      }
      this.#consumed += list.length
      if (this.#finished()) break
    }
    this.#print('records_consumed', {count: records.count, partitions: summaries})
    return offsets
  }

  /** commitSync, and the event of its outcome, the offsets in the order of Kafka's HashMap of them. */
  async #commit(offsets: OffsetAndMetadata[]): Promise<void> {
    const ordered = javaHashMapOrder(offsets, (o) => topicPartitionHash(o.topic, o.partition)).map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
    }))
    try {
      if (offsets.length > 0) await this.consumer.commitSync(offsets)
      this.#print('offsets_committed', {offsets: ordered, success: true})
    } catch (error) {
      const e = toKafkaException(error)
      if (e.code === 'WAKEUP') {
        // Kafka commits again once woken up, then ends.
        await this.consumer.commitSync(offsets).then(
          () => this.#print('offsets_committed', {offsets: ordered, success: true}),
          (again: unknown) =>
            this.#print('offsets_committed', {
              offsets: ordered,
              error: toKafkaException(again).message,
              success: false,
            }),
        )
        throw e
      }
      this.#print('offsets_committed', {offsets: ordered, error: e.message, success: false})
    }
  }
}
