// KafkaProducer, shaped like Kafka's Java producer. Records are serialized, partitioned and encoded straight into
// per-partition RecordBatch v2 builders (the accumulator); a sender drains closed batches into produce requests,
// with at most max.in.flight.requests.per.connection requests outstanding, and completes each record with its
// offset once the daemon has committed the batch.
import {KafkaException, toKafkaException} from '../errors.js'
import {BatchBuilder, BATCH_HEADER_SIZE, sizeOfRecord, type RecordHeader} from '../protocol/record-batch.js'
import type {Requests, Responses, TopicMetadataData} from '../protocol/messages.js'
import {commonConfig, ConfigReader, type ClientConfig, type CommonConfig} from './config.js'
import {ReconnectingConnection, type Connection} from './connection.js'
import {Partitioner} from './partitioner.js'
import {DefaultSerializer, type Serializer} from './serializers.js'

export interface ProducerRecord<K, V> {
  topic: string
  /** An explicit partition wins over the key. */
  partition?: number | null
  key?: K | null
  value?: V | null
  /** Ordered headers (duplicates allowed), or an object of header name to value. */
  headers?: readonly RecordHeader[] | Record<string, string | Buffer | null> | null
  /** Create time in ms; default now. */
  timestamp?: number | null
}

/** What the broker assigned to an acknowledged record. offset is -1 with acks=0. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
  timestamp: number
  serializedKeySize: number
  serializedValueSize: number
}

/**
 * Called once per record. On an error, `metadata` still names the topic and partition (offset and timestamp -1;
 * null when the record never got a partition), as Kafka's Callback does.
 */
export type SendCallback = (error: KafkaException | null, metadata: RecordMetadata | null) => void

interface ProducerSettings extends CommonConfig {
  acks: -1 | 0 | 1
  batchSize: number
  lingerMs: number
  maxInFlight: number
  maxRequestSize: number
  bufferMemory: number
  retries: number
  retryBackoffMs: number
  deliveryTimeoutMs: number
  compression: 'none' | 'gzip'
  metadataMaxAgeMs: number
}

/** Who hears about a record: a promise's settlers (send), or just a callback (sendWithCallback). */
interface Completion {
  resolve: (m: RecordMetadata) => void
  reject: (e: KafkaException) => void
  callback: SendCallback | undefined
}
type Waiter = Completion | SendCallback

interface Batch {
  topic: string
  partition: number
  builder: BatchBuilder
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
}

interface TopicInfo {
  partitions: number
  maxMessageBytes: number
  fetchedAt: number
}

interface PartitionQueue {
  open: Batch | null
  ready: Batch[]
}

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

function producerSettings(config: ClientConfig): ProducerSettings {
  const r = new ConfigReader(config)
  const acks = r.oneOf('acks', 'all', ['all', '-1', '0', '1'] as const)
  const compression = r.oneOf('compression.type', 'none', COMPRESSIONS)
  if (compression !== 'none' && compression !== 'gzip') {
    throw new KafkaException(
      'INVALID_CONFIG',
      `compression.type '${compression}' is not supported by kafkalite yet: use none or gzip.`,
    )
  }
  return {
    ...commonConfig(config, 'producer-1'),
    acks: acks === 'all' || acks === '-1' ? -1 : acks === '0' ? 0 : 1,
    batchSize: r.int('batch.size', 16384, 0),
    lingerMs: r.int('linger.ms', 0, 0),
    maxInFlight: r.int('max.in.flight.requests.per.connection', 5, 1),
    maxRequestSize: r.int('max.request.size', 1048576, 1),
    bufferMemory: r.int('buffer.memory', 33554432, 0),
    retries: r.int('retries', 2147483647, 0),
    retryBackoffMs: r.int('retry.backoff.ms', 100, 0),
    deliveryTimeoutMs: r.int('delivery.timeout.ms', 120_000, 0),
    compression,
    metadataMaxAgeMs: r.int('metadata.max.age.ms', 300_000, 0),
  }
}

function normalizeHeaders(headers: ProducerRecord<unknown, unknown>['headers']): RecordHeader[] | null {
  if (headers === null || headers === undefined) return null
  if (Array.isArray(headers)) return headers as RecordHeader[]
  return Object.entries(headers as Record<string, string | Buffer | null>).map(([key, v]) => ({
    key,
    value: v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v,
  }))
}

export class KafkaProducer<K = Buffer | string, V = Buffer | string> {
  readonly #settings: ProducerSettings
  readonly #keySerializer: Serializer<K>
  readonly #valueSerializer: Serializer<V>
  readonly #partitioner: Partitioner
  readonly #connections: ReconnectingConnection
  readonly #topics = new Map<string, TopicInfo>()
  readonly #topicWaits = new Map<string, Promise<TopicInfo>>()
  readonly #queues = new Map<string, PartitionQueue[]>() // by topic, then partition
  readonly #allQueues: PartitionQueue[] = []
  #inFlight = 0
  #pending = 0 // records sent and not yet completed
  #buffered = 0 // bytes charged against buffer.memory
  #drainScheduled = false
  #lingerTimer: NodeJS.Timeout | null = null
  #flushing = 0
  #idleWaiters: (() => void)[] = []
  #bufferWaiters: (() => void)[] = []
  #closed = false

  constructor(
    config: ClientConfig = {},
    keySerializer?: Serializer<K>,
    valueSerializer?: Serializer<V>,
    options: {onNotice?: (message: string) => void} = {},
  ) {
    this.#settings = producerSettings(config)
    this.#connections = ReconnectingConnection.for(this.#settings, options.onNotice)
    this.#keySerializer = keySerializer ?? (DefaultSerializer as unknown as Serializer<K>)
    this.#valueSerializer = valueSerializer ?? (DefaultSerializer as unknown as Serializer<V>)
    this.#partitioner = new Partitioner(this.#settings.batchSize)
  }

  /**
   * Sends a record asynchronously. Resolves with its metadata once the broker has committed it (at once with
   * acks=0); the optional callback is called too, as in Java.
   */
  send(record: ProducerRecord<K, V>, callback?: SendCallback): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.#send(record, {resolve, reject, callback})
    })
  }

  /**
   * Sends a record without creating a promise: the callback alone reports the outcome. For high-volume senders
   * (the console producer) that do not await each record. As with send, the record object may be reused as soon
   * as the call returns; in turn the metadata object handed to the callback is reused for the next record of the
   * batch: copy what must outlive the call.
   */
  sendWithCallback(record: ProducerRecord<K, V>, callback: SendCallback): void {
    this.#send(record, callback)
  }

  #send(record: ProducerRecord<K, V>, completion: Waiter): void {
    if (this.#closed) {
      this.#complete(
        completion,
        new KafkaException('ILLEGAL_STATE', 'Cannot perform operation after producer has been closed'),
      )
      return
    }
    this.#pending++
    const now = Date.now()
    const info = this.#topics.get(record.topic)
    if (info !== undefined && now - info.fetchedAt < this.#settings.metadataMaxAgeMs) {
      this.#append(record, info, completion, now)
      return
    }
    // The caller may reuse its record object once send returns (the console producer does): keep a copy.
    const copy = {...record}
    this.#topicInfo(record.topic).then(
      (fresh) => this.#append(copy, fresh, completion, Date.now()),
      (error: unknown) => {
        this.#pending--
        this.#complete(completion, toKafkaException(error))
        this.#checkIdle()
      },
    )
  }

  #append(record: ProducerRecord<K, V>, info: TopicInfo, completion: Waiter, now: number): void {
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
      this.#scheduleDrain()
    } catch (error) {
      if (!charged) this.#pending--
      this.#complete(completion, toKafkaException(error))
      this.#checkIdle()
    }
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
    }
  }

  #queue(topic: string, partition: number): PartitionQueue {
    let queues = this.#queues.get(topic)
    if (queues === undefined) this.#queues.set(topic, (queues = []))
    let queue = queues[partition]
    if (queue === undefined) {
      queue = {open: null, ready: []}
      queues[partition] = queue
      this.#allQueues.push(queue)
    }
    return queue
  }

  #close(queue: PartitionQueue): void {
    const batch = queue.open
    if (batch === null) return
    queue.open = null
    batch.bytes = batch.builder.build()
    queue.ready.push(batch)
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return
    this.#drainScheduled = true
    // setImmediate, not a microtask: records appended in the same turn of the event loop (a chunk of stdin, a loop
    // of sends) share batches and requests.
    setImmediate(() => {
      this.#drainScheduled = false
      this.#drain()
    })
  }

  /** Sends what is ready while request slots are free. */
  #drain(): void {
    const lingerMs = this.#flushing > 0 || this.#closed ? 0 : this.#settings.lingerMs
    const now = Date.now()
    let nextLinger = Infinity
    while (this.#inFlight < this.#settings.maxInFlight) {
      const batches: Batch[] = []
      let bytes = 0
      for (const queue of this.#allQueues) {
        if (queue.open !== null && queue.ready.length === 0) {
          const due = queue.open.createdAt + lingerMs
          if (due <= now) this.#close(queue)
          else nextLinger = Math.min(nextLinger, due)
        }
        // A partition's ready batches go in order, as many as fit in max.request.size. (Kafka sends one batch per
        // partition per request; several let a fast producer commit ~1 MB per SQLite transaction instead of 16 KB.)
        while (queue.ready.length > 0) {
          const next = queue.ready[0]!
          if (batches.length > 0 && bytes + next.bytes!.length > this.#settings.maxRequestSize) break
          queue.ready.shift()
          batches.push(next)
          bytes += next.bytes!.length
        }
      }
      if (batches.length === 0) break
      this.#sendRequest(batches)
    }
    if (this.#lingerTimer === null && nextLinger !== Infinity) {
      this.#lingerTimer = setTimeout(
        () => {
          this.#lingerTimer = null
          this.#drain()
        },
        Math.max(0, nextLinger - now),
      )
    }
  }

  #sendRequest(batches: Batch[]): void {
    this.#inFlight++
    for (const b of batches) b.attempts++
    const req: Requests['produce'] = {
      acks: this.#settings.acks,
      timeoutMs: this.#settings.requestTimeoutMs,
      batches: batches.map((b) => ({topic: b.topic, partition: b.partition, size: b.bytes!.length})),
    }
    const payload = batches.map((b) => b.bytes!)
    this.#connect()
      .then((connection): Responses['produce'] | Promise<Responses['produce']> => {
        if (this.#settings.acks !== 0) return connection.request('produce', req, payload)
        connection.sendOneWay('produce', req, payload)
        const none = {baseOffset: -1, logAppendTime: -1, logStartOffset: -1}
        return {results: batches.map((b) => ({topic: b.topic, partition: b.partition, ...none}))}
      })
      .then(
        (res) => {
          this.#inFlight--
          res.results.forEach((result, i) => {
            const batch = batches[i]!
            if (result.error) this.#failOrRetry(batch, toKafkaException(result.error))
            else this.#succeed(batch, result.baseOffset, result.logAppendTime)
          })
          this.#drain()
          this.#checkIdle()
        },
        (error: unknown) => {
          this.#inFlight--
          const e = toKafkaException(error)
          for (const batch of batches) this.#failOrRetry(batch, e)
          this.#drain()
          this.#checkIdle()
        },
      )
  }

  #succeed(batch: Batch, baseOffset: number, logAppendTime: number): void {
    const {topic, partition, waiters} = batch
    // sendWithCallback callbacks share one metadata object per batch (documented there); promises get their own.
    const shared: RecordMetadata = {
      topic,
      partition,
      offset: 0,
      timestamp: 0,
      serializedKeySize: 0,
      serializedValueSize: 0,
    }
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!
      const meta = typeof w === 'function' ? shared : ({topic, partition} as RecordMetadata)
      meta.offset = baseOffset < 0 ? -1 : baseOffset + i
      meta.timestamp = logAppendTime >= 0 ? logAppendTime : batch.timestamps[i]!
      meta.serializedKeySize = batch.keySizes[i]!
      meta.serializedValueSize = batch.valueSizes[i]!
      this.#complete(w, null, meta)
    }
    this.#release(batch)
  }

  #failOrRetry(batch: Batch, error: KafkaException): void {
    const s = this.#settings
    const age = Date.now() - batch.createdAt
    if (error.retriable && batch.attempts <= s.retries && age + s.retryBackoffMs < s.deliveryTimeoutMs) {
      if (error.code === 'UNKNOWN_TOPIC_OR_PARTITION') this.#topics.delete(batch.topic)
      setTimeout(() => {
        this.#queue(batch.topic, batch.partition).ready.unshift(batch)
        this.#drain()
      }, s.retryBackoffMs)
      return
    }
    batch.waiters.forEach((w, i) =>
      this.#complete(w, error, {
        topic: batch.topic,
        partition: batch.partition,
        offset: -1,
        timestamp: -1,
        serializedKeySize: batch.keySizes[i]!,
        serializedValueSize: batch.valueSizes[i]!,
      }),
    )
    this.#release(batch)
  }

  #release(batch: Batch): void {
    this.#pending -= batch.waiters.length
    this.#buffered -= batch.charge
    if (this.#buffered < this.#settings.bufferMemory && this.#bufferWaiters.length > 0) {
      const waiters = this.#bufferWaiters
      this.#bufferWaiters = []
      for (const w of waiters) w()
    }
  }

  #complete(w: Waiter, error: KafkaException | null, metadata?: RecordMetadata): void {
    if (typeof w === 'function') {
      w(error, metadata ?? null)
    } else if (error) {
      w.reject(error)
      w.callback?.(error, metadata ?? null)
    } else {
      w.resolve(metadata!)
      w.callback?.(null, metadata!)
    }
  }

  #checkIdle(): void {
    if (this.#pending > 0 || this.#idleWaiters.length === 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }

  #connect(): Promise<Connection> {
    return this.#connections.get()
  }

  #topicInfo(topic: string): Promise<TopicInfo> {
    let wait = this.#topicWaits.get(topic)
    if (wait === undefined) {
      wait = this.#connect()
        .then((c) => c.request('metadata', {topics: [topic], allowAutoTopicCreation: true}))
        .then((res) => {
          const t = res.topics[0] as TopicMetadataData
          if (t.error) throw toKafkaException(t.error)
          const info = {partitions: t.partitions, maxMessageBytes: t.maxMessageBytes, fetchedAt: Date.now()}
          this.#topics.set(topic, info)
          return info
        })
        .finally(() => this.#topicWaits.delete(topic))
      this.#topicWaits.set(topic, wait)
    }
    return wait
  }

  /** The partitions of a topic (creating it when auto.create.topics.enable allows), as Java's partitionsFor. */
  async partitionsFor(topic: string): Promise<{topic: string; partition: number}[]> {
    const info = await this.#topicInfo(topic)
    return Array.from({length: info.partitions}, (_, partition) => ({topic, partition}))
  }

  /** Bytes of records buffered and not yet acknowledged (counted against buffer.memory). */
  get bufferedBytes(): number {
    return this.#buffered
  }

  /**
   * Resolves once buffered records take less than buffer.memory. Java's send() blocks when the buffer is full;
   * here a sender that produces faster than the broker acknowledges awaits this instead.
   */
  whenBufferAvailable(): Promise<void> {
    if (this.#buffered < this.#settings.bufferMemory) return Promise.resolve()
    return new Promise((resolve) => this.#bufferWaiters.push(resolve))
  }

  /** Sends everything buffered at once and resolves when every record sent so far has completed. */
  async flush(): Promise<void> {
    if (this.#pending === 0) return
    this.#flushing++
    try {
      const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
      this.#drain()
      await idle
    } finally {
      this.#flushing--
    }
  }

  /** Flushes, then closes the connection. Further sends fail. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer)
    await this.#connections.close()
  }
}
