// The producer's record accumulator (Kafka's RecordAccumulator, franz-go's per-partition record buffers): records
// are serialized, partitioned and encoded straight into one open RecordBatch v2 builder per partition; a batch is
// closed to appends when full or when its linger is over, and sealed (stamped by idempotence, then built) when the
// sender first takes it. It owns the partition queues, the batches, buffer.memory accounting, and the count of
// records not yet completed that flush() waits on. It does no I/O: the sender drains it.
//
// This is the per-record path, so it takes the objects it needs once, in its constructor, and allocates nothing
// per record beyond the record's own bytes and its place in its batch's arrays.
import {KafkaException, toKafkaException} from '../../errors.js'
import {BatchBuilder, BATCH_HEADER_SIZE, sizeOfRecord, type RecordHeader} from '../../protocol/kafka/record-batch.js'
import {Partitioner} from '../partitioner.js'
import type {Serializer} from '../serializers.js'
import type {TopicInfo} from './metadata.js'
import type {ProducerSettings} from './producer-config.js'
import type {ProducerRecord, RecordMetadata, SendCallback} from './types.js'

/** Who hears about a record: a promise's settlers (send), or just a callback (sendWithCallback). */
export interface Completion {
  resolve: (m: RecordMetadata) => void
  reject: (e: KafkaException) => void
  callback: SendCallback | undefined
}
export type Waiter = Completion | SendCallback

/** Completes one record: the producer's interceptors hear of it, then its sender. */
export type CompleteRecord = (waiter: Waiter, error: KafkaException | null, metadata?: RecordMetadata) => void

export interface Batch {
  topic: string
  partition: number
  builder: BatchBuilder
  /** The built batch, once sealed; the same bytes go out again on a retry. */
  bytes: Buffer | null
  /**
   * One entry per record, in offset order. Plain arrays of numbers rather than an object per record: records wait
   * for their acknowledgement long enough to be promoted out of the young generation, and a million small objects
   * there measured as most of the producer's garbage-collection time.
   */
  waiters: Waiter[]
  timestamps: number[]
  keySizes: number[]
  valueSizes: number[]
  /** Buffer-memory charge of this batch's records, released when it completes. */
  charge: number
  createdAt: number
  attempts: number
  /** Creation order, which is also sequence order within a partition. */
  serial: number
}

export interface PartitionQueue {
  topic: string
  partition: number
  open: Batch | null
  ready: Batch[]
  /** Next sequence number of the partition (idempotence). */
  sequence: number
  /** Batches failed and waiting to be queued again: the partition sends nothing meanwhile. */
  retrying: number
  /** Batches sent at least once and not yet completed (acknowledged, or failed for good). */
  unresolved: Set<Batch>
}

/** Idempotence as the accumulator sees it (the transaction manager): it stamps each batch as the batch is sealed. */
export interface BatchStamper {
  /** Gives the batch its producer id, epoch and the partition's next sequence, when the producer is idempotent. */
  stamp(queue: PartitionQueue, builder: BatchBuilder): void
}

/** A record's headers as a list (they may be given as an object of name to value). */
export function normalizeHeaders(headers: ProducerRecord<unknown, unknown>['headers']): RecordHeader[] | null {
  if (headers === null || headers === undefined) return null
  if (Array.isArray(headers)) return headers as RecordHeader[]
  return Object.entries(headers as Record<string, string | Buffer | null>).map(([key, v]) => ({
    key,
    value: v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v,
  }))
}

export class RecordAccumulator<K, V> {
  readonly #settings: ProducerSettings
  readonly #keySerializer: Serializer<K>
  readonly #valueSerializer: Serializer<V>
  readonly #partitioner: Partitioner
  readonly #stamper: BatchStamper
  readonly #complete: CompleteRecord
  readonly #queues = new Map<string, PartitionQueue[]>() // by topic, then partition
  readonly #allQueues: PartitionQueue[] = []
  #serial = 0
  #appended = 0 // records in batches and not yet completed
  #awaitingMetadata = 0 // records waiting for their topic's metadata before they join a batch
  #buffered = 0 // bytes charged against buffer.memory
  #bufferWaiters: (() => void)[] = []
  #idleWaiters: (() => void)[] = []
  #flushing = 0
  #closed = false
  #lingerDue = Infinity

  constructor(
    settings: ProducerSettings,
    keySerializer: Serializer<K>,
    valueSerializer: Serializer<V>,
    stamper: BatchStamper,
    complete: CompleteRecord,
  ) {
    this.#settings = settings
    this.#keySerializer = keySerializer
    this.#valueSerializer = valueSerializer
    this.#partitioner = new Partitioner(settings.batchSize)
    this.#stamper = stamper
    this.#complete = complete
  }

  /**
   * Serializes, partitions and appends a record to its partition's open batch. Returns the partition's queue, or
   * null when the record was refused (then it is already completed with its error).
   */
  append(record: ProducerRecord<K, V>, info: TopicInfo, completion: Waiter, now: number): PartitionQueue | null {
    this.#appended++
    const topic = record.topic
    let charged = false
    try {
      const headers = normalizeHeaders(record.headers)
      const key = this.#keySerializer.serialize(topic, record.key ?? null, headers ?? undefined)
      const value = this.#valueSerializer.serialize(topic, record.value ?? null, headers ?? undefined)
      const timestamp = record.timestamp ?? now
      if (timestamp < 0) {
        throw new KafkaException(
          'USAGE',
          `Invalid timestamp: ${timestamp}. Timestamp should always be non-negative or null.`,
        )
      }
      let partition: number
      if (record.partition !== undefined && record.partition !== null) {
        partition = record.partition
        if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions) {
          throw new KafkaException(
            'USAGE',
            `Invalid partition given with record: ${partition} is not in the range [0...${info.partitions}).`,
          )
        }
      } else {
        partition = this.#partitioner.partition(topic, key, info.partitions)
      }
      const size = sizeOfRecord(0, 0, key, value, headers) + BATCH_HEADER_SIZE
      if (size > this.#settings.maxRequestSize) {
        throw new KafkaException(
          'MESSAGE_TOO_LARGE',
          `The message is ${size} bytes when serialized which is larger than ${this.#settings.maxRequestSize}, which is the value of the max.request.size configuration.`,
        )
      }
      if (size > info.maxMessageBytes) {
        throw new KafkaException(
          'MESSAGE_TOO_LARGE',
          `The message is ${size} bytes when serialized which is larger than the max.message.bytes of topic '${topic}' (${info.maxMessageBytes}). Send smaller records or raise the topic's max.message.bytes.`,
        )
      }
      const queue = this.#queue(topic, partition)
      let batch = queue.open
      if (batch === null) batch = queue.open = this.#newBatch(topic, partition, info)
      let delta = batch.builder.append(timestamp, key, value, headers)
      if (delta < 0) {
        this.#close(queue)
        batch = queue.open = this.#newBatch(topic, partition, info)
        delta = batch.builder.append(timestamp, key, value, headers)
      }
      batch.waiters.push(completion)
      batch.timestamps.push(timestamp)
      batch.keySizes.push(key === null ? -1 : key.length)
      batch.valueSizes.push(value === null ? -1 : value.length)
      batch.charge += size
      this.#buffered += size
      charged = true
      this.#partitioner.onAppend(topic, partition, size, info.partitions)
      if (batch.builder.sizeInBytes >= this.#settings.batchSize) this.#close(queue)
      return queue
    } catch (error) {
      if (!charged) this.#appended--
      this.#complete(completion, toKafkaException(error))
      this.checkIdle()
      return null
    }
  }

  /**
   * A record waits for its topic's metadata (or its serializers' prepare) before it can be appended: it counts as not
   * yet completed.
   */
  awaitMetadata(): void {
    this.#awaitingMetadata++
  }

  /** The metadata a record waited for arrived (append it next) or failed (complete it with the error). */
  metadataSettled(): void {
    this.#awaitingMetadata--
  }

  #newBatch(topic: string, partition: number, info: TopicInfo): Batch {
    return {
      topic,
      partition,
      builder: new BatchBuilder({
        maxBytes: Math.min(this.#settings.batchSize, info.maxMessageBytes),
        compression: this.#settings.compression,
      }),
      bytes: null,
      waiters: [],
      timestamps: [],
      keySizes: [],
      valueSizes: [],
      charge: 0,
      createdAt: Date.now(),
      attempts: 0,
      serial: this.#serial++,
    }
  }

  #queue(topic: string, partition: number): PartitionQueue {
    let queues = this.#queues.get(topic)
    if (queues === undefined) this.#queues.set(topic, (queues = []))
    let queue = queues[partition]
    if (queue === undefined) {
      queue = {topic, partition, open: null, ready: [], sequence: 0, retrying: 0, unresolved: new Set()}
      queues[partition] = queue
      this.#allQueues.push(queue)
    }
    return queue
  }

  /** Closes the open batch of a partition to appends; it is built when it is first sent. */
  #close(queue: PartitionQueue): void {
    const batch = queue.open
    if (batch === null) return
    queue.open = null
    queue.ready.push(batch)
  }

  /**
   * The batches never sent whose delivery.timeout.ms has passed since they were created (Kafka's
   * RecordAccumulator.expiredBatches): a record must not wait for ever behind a producer id that does not come or a
   * broker that does not answer. Batches already sent are the sender's (they keep their sequence).
   */
  takeExpired(now: number, timeoutMs: number): Batch[] {
    const taken: Batch[] = []
    for (const queue of this.#allQueues) {
      if (queue.open !== null && now - queue.open.createdAt >= timeoutMs) this.#close(queue)
      if (queue.ready.length === 0) continue
      const keep: Batch[] = []
      for (const batch of queue.ready) {
        if (batch.bytes === null && now - batch.createdAt >= timeoutMs) taken.push(batch)
        else keep.push(batch)
      }
      queue.ready = keep
    }
    return taken
  }

  /** Builds a batch about to be sent for the first time, with its producer id, epoch and sequence. */
  #seal(queue: PartitionQueue, batch: Batch): Buffer {
    this.#stamper.stamp(queue, batch.builder)
    return (batch.bytes = batch.builder.build())
  }

  /**
   * Takes the batches due for one produce request: each partition's ready batches in order, as many as fit in
   * max.request.size, then its open batch once its linger is over (at once while flushing or closed). Batches are
   * sealed as they are taken. Empty when nothing is due; `lingerDue` then says when an open batch will be.
   */
  drain(now: number): Batch[] {
    const lingerMs = this.#flushing > 0 || this.#closed ? 0 : this.#settings.lingerMs
    const batches: Batch[] = []
    let bytes = 0
    let nextLinger = Infinity
    for (const queue of this.#allQueues) {
      // Kafka sends one batch per partition per request; several let a fast producer commit ~1 MB per SQLite
      // transaction instead of 16 KB.
      while (queue.retrying === 0) {
        if (queue.ready.length === 0) {
          if (queue.open === null) break
          const due = queue.open.createdAt + lingerMs
          if (due > now) {
            nextLinger = Math.min(nextLinger, due)
            break
          }
          this.#close(queue)
        }
        const next = queue.ready[0]!
        const size = next.bytes?.length ?? next.builder.sizeInBytes
        if (batches.length > 0 && bytes + size > this.#settings.maxRequestSize) break
        queue.ready.shift()
        batches.push(next)
        bytes += next.bytes === null ? this.#seal(queue, next).length : size
      }
    }
    this.#lingerDue = nextLinger
    return batches
  }

  /** When the earliest open batch the last drain left lingering is due (Infinity when none). */
  get lingerDue(): number {
    return this.#lingerDue
  }

  /** True while some record is not yet in a sent batch: waiting for metadata, buffered, or waiting for a retry. */
  hasUndrained(): boolean {
    if (this.#awaitingMetadata > 0) return true
    for (const queue of this.#allQueues) {
      if (queue.open !== null || queue.ready.length > 0 || queue.retrying > 0) return true
    }
    return false
  }

  /** Holds a failed batch's partition back until the batch is queued again: nothing may overtake its sequence. */
  holdForRetry(batch: Batch): PartitionQueue {
    const queue = this.#queue(batch.topic, batch.partition)
    queue.retrying++
    return queue
  }

  /** Queues a batch held for a retry again, in sequence order, ahead of the batches created after it. */
  reenqueue(queue: PartitionQueue, batch: Batch): void {
    const at = queue.ready.findIndex((b) => b.serial > batch.serial)
    queue.ready.splice(at < 0 ? queue.ready.length : at, 0, batch)
    queue.retrying--
  }

  /** Takes the batches not sent yet out of their queues; with `unsentOnly`, only those never sent (sent ones keep their sequence). */
  takeQueued(unsentOnly: boolean): Batch[] {
    const taken: Batch[] = []
    for (const queue of this.#allQueues) {
      this.#close(queue)
      const keep: Batch[] = []
      for (const batch of queue.ready) {
        if (unsentOnly && batch.bytes !== null) keep.push(batch)
        else taken.push(batch)
      }
      queue.ready = keep
    }
    return taken
  }

  /** Notes a batch as sent: unresolved until it is released. */
  sent(batch: Batch): void {
    this.#queue(batch.topic, batch.partition).unresolved.add(batch)
  }

  /**
   * True while a batch sent before this one on its partition is not resolved (in flight, or waiting for a retry):
   * the broker then answers this one OUT_OF_ORDER_SEQUENCE_NUMBER, and Kafka's producer retries it (canRetry).
   */
  hasEarlierUnresolved(batch: Batch): boolean {
    for (const b of this.#queue(batch.topic, batch.partition).unresolved) if (b.serial < batch.serial) return true
    return false
  }

  /** Frees a completed batch: its records no longer count, and its bytes leave buffer.memory. */
  release(batch: Batch): void {
    this.#queue(batch.topic, batch.partition).unresolved.delete(batch)
    this.#appended -= batch.waiters.length
    this.#buffered -= batch.charge
    if (this.#buffered < this.#settings.bufferMemory && this.#bufferWaiters.length > 0) {
      const waiters = this.#bufferWaiters
      this.#bufferWaiters = []
      for (const w of waiters) w()
    }
  }

  /** Records accepted and not yet completed, appended or waiting for metadata. */
  get incomplete(): number {
    return this.#appended + this.#awaitingMetadata
  }

  /** Resolves once every record accepted so far has completed. */
  whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Resolves the whenIdle() waiters when no record is left to complete. */
  checkIdle(): void {
    if (this.#appended + this.#awaitingMetadata > 0 || this.#idleWaiters.length === 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }

  /** While a flush is in progress, batches linger no longer. */
  beginFlush(): void {
    this.#flushing++
  }

  endFlush(): void {
    this.#flushing--
  }

  /** Bytes of records buffered and not yet acknowledged (counted against buffer.memory). */
  get buffered(): number {
    return this.#buffered
  }

  /** Resolves once buffered records take less than buffer.memory. */
  whenBufferAvailable(): Promise<void> {
    if (this.#buffered < this.#settings.bufferMemory) return Promise.resolve()
    return new Promise((resolve) => this.#bufferWaiters.push(resolve))
  }

  /** The producer is closed: sends are refused, and what lingers goes at once. */
  close(): void {
    this.#closed = true
  }

  get closed(): boolean {
    return this.#closed
  }
}
