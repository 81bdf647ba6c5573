// What the consumer hands to applications: records (as objects, or as views into the fetched bytes), the offsets
// it commits, and its interceptors, as Kafka's Java consumer names them.
import type {RecordHeader} from '../protocol/kafka/record-batch.js'
import {tpKey, type TopicPartition} from '../protocol/kafka/topic-partition.js'
import type {Configurable} from './interceptors.js'

/** Kafka's ConsumerInterceptor: sees the records poll() returns, and the offsets committed. */
export interface ConsumerInterceptor<K = unknown, V = unknown> extends Configurable {
  /** May return other records (or the same ones). */
  onConsume(records: ConsumerRecords<K, V>): ConsumerRecords<K, V>
  onCommit(offsets: readonly OffsetAndMetadata[]): void
}

/** An offset to commit, or a committed one: the next offset to read, with optional metadata. */
export interface OffsetAndMetadata extends TopicPartition {
  offset: number
  metadata?: string
}

export type TimestampType = 'CreateTime' | 'LogAppendTime'

export interface ConsumerRecord<K, V> {
  topic: string
  partition: number
  offset: number
  timestamp: number
  timestampType: TimestampType
  key: K | null
  value: V | null
  headers: RecordHeader[]
  serializedKeySize: number
  serializedValueSize: number
}

/** A record seen through `pollEach`: positions into a shared buffer, valid only during the callback. */
export interface RecordView {
  topic: string
  partition: number
  offset: number
  timestamp: number
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: 0 | 1
  data: Buffer
  keyStart: number
  /** -1 for a null key. */
  keyLength: number
  valueStart: number
  /** -1 for a null value. */
  valueLength: number
  headers: readonly RecordHeader[]
}

/** What one poll returned, iterable like Java's ConsumerRecords. */
export class ConsumerRecords<K, V> implements Iterable<ConsumerRecord<K, V>> {
  readonly #records: ConsumerRecord<K, V>[]

  constructor(records: ConsumerRecord<K, V>[]) {
    this.#records = records
  }

  get count(): number {
    return this.#records.length
  }

  isEmpty(): boolean {
    return this.#records.length === 0
  }

  /** The records of one partition, in offset order. */
  records(tp: TopicPartition): ConsumerRecord<K, V>[] {
    return this.#records.filter((r) => r.topic === tp.topic && r.partition === tp.partition)
  }

  partitions(): TopicPartition[] {
    const seen = new Map<string, TopicPartition>()
    for (const r of this.#records) seen.set(tpKey(r.topic, r.partition), {topic: r.topic, partition: r.partition})
    return [...seen.values()]
  }

  [Symbol.iterator](): Iterator<ConsumerRecord<K, V>> {
    return this.#records[Symbol.iterator]()
  }
}
