// KafkaProducer, shaped like Kafka's Java producer. Records are serialized, partitioned and encoded straight into
// per-partition RecordBatch v2 builders (the accumulator); a sender drains closed batches into produce requests,
// with at most max.in.flight.requests.per.connection requests outstanding, and completes each record with its
// offset once the daemon has committed the batch.
//
// Idempotence (enable.idempotence, on by default as in Kafka): the producer gets a producer id and epoch from the
// daemon and numbers each partition's batches; a batch is given its sequence when it is first sent and keeps it
// through retries, so the daemon can drop a retry of a batch it already wrote. A partition with a batch waiting
// for a retry sends nothing else until the retry is queued again, in sequence order.
//
// Transactions (transactional.id): initTransactions, beginTransaction, send, sendOffsetsToTransaction,
// commitTransaction / abortTransaction, with Kafka's state machine and its fatal ProducerFencedException.
import {
  InvalidTxnStateException,
  KafkaException,
  ProducerFencedException,
  TransactionAbortedException,
  toKafkaException,
} from '../errors.js'
import {
  BatchBuilder,
  BATCH_HEADER_SIZE,
  CODECS,
  sizeOfRecord,
  type Codec,
  type RecordHeader,
} from '../protocol/kafka/record-batch.js'
import type {Requests, Responses, TopicMetadataData} from '../protocol/socket/messages.js'
import {commonConfig, ConfigReader, type ClientConfig, type CommonConfig} from './config.js'
import {ReconnectingConnection, type Connection} from './connection.js'
import type {GroupMetadata} from './group-member.js'
import {eachInterceptor, loadInterceptors, type Configurable} from './interceptors.js'
import {Metrics, type Metric} from './metrics.js'
import {Partitioner} from './partitioner.js'
import {DefaultSerializer, serializerFromConfig, type Serializer} from './serializers.js'

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

/** Kafka's ProducerInterceptor: sees every record before it is serialized, and every acknowledgement. */
export interface ProducerInterceptor<K = unknown, V = unknown> extends Configurable {
  /** May return a changed record (or the same one). */
  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V>
  onAcknowledgement(metadata: RecordMetadata | null, error: KafkaException | null): void
}

/** Offsets to commit with a transaction, by partition. */
export interface OffsetToCommit {
  topic: string
  partition: number
  offset: number
  metadata?: string
}

/** Kafka's TransactionManager states, as far as a caller can observe them. */
type TxnState = 'UNINITIALIZED' | 'INITIALIZING' | 'READY' | 'IN_TRANSACTION' | 'COMMITTING' | 'ABORTING' | 'FATAL'

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
  compression: Codec
  metadataMaxAgeMs: number
  idempotent: boolean
  transactionalId: string | null
  transactionTimeoutMs: number
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
  /** Creation order, which is also sequence order within a partition. */
  serial: number
}

interface TopicInfo {
  partitions: number
  maxMessageBytes: number
  fetchedAt: number
}

interface PartitionQueue {
  topic: string
  partition: number
  open: Batch | null
  ready: Batch[]
  /** Next sequence number of the partition (idempotence). */
  sequence: number
  /** Batches failed and waiting to be queued again: the partition sends nothing meanwhile. */
  retrying: number
}

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

const invalidConfig = (message: string) => new KafkaException('INVALID_CONFIG', message)

function producerSettings(config: ClientConfig): ProducerSettings {
  const r = new ConfigReader(config)
  const acks = r.oneOf('acks', 'all', ['all', '-1', '0', '1'] as const)
  const maxInFlight = r.int('max.in.flight.requests.per.connection', 5, 1)
  const retries = r.int('retries', 2147483647, 0)
  const transactionalId = r.optionalString('transactional.id') ?? null
  if (transactionalId === '') throw invalidConfig('transactional.id must not be empty: leave it unset instead.')
  // Kafka's rule (KIP-679): idempotence is on unless turned off, or unless other settings conflict with it and it
  // was not asked for explicitly; asked for explicitly, a conflict is an error.
  const explicit = r.has('enable.idempotence')
  let idempotent = r.boolean('enable.idempotence', true)
  const conflicts = [
    acks !== 'all' && acks !== '-1'
      ? 'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.'
      : null,
    maxInFlight > 5
      ? 'Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.'
      : null,
    retries === 0 ? 'Must set retries to non-zero when using the idempotent producer.' : null,
  ].filter((c) => c !== null)
  if (idempotent && conflicts.length > 0) {
    if (explicit || transactionalId !== null) throw invalidConfig(conflicts[0]!)
    idempotent = false
  }
  if (transactionalId !== null && !idempotent) {
    throw invalidConfig('Cannot set a transactional.id without also enabling idempotence.')
  }
  const compression = r.oneOf('compression.type', 'none', COMPRESSIONS)
  if (compression === 'zstd') {
    throw new KafkaException(
      'INVALID_CONFIG',
      `compression.type 'zstd' is not supported by kafkalite yet: use ${CODECS.join(', ')}.`,
    )
  }
  return {
    ...commonConfig(config, 'producer-1'),
    acks: acks === 'all' || acks === '-1' ? -1 : acks === '0' ? 0 : 1,
    batchSize: r.int('batch.size', 16384, 0),
    lingerMs: r.int('linger.ms', 0, 0),
    maxInFlight,
    maxRequestSize: r.int('max.request.size', 1048576, 1),
    bufferMemory: r.int('buffer.memory', 33554432, 0),
    retries,
    retryBackoffMs: r.int('retry.backoff.ms', 100, 0),
    deliveryTimeoutMs: r.int('delivery.timeout.ms', 120_000, 0),
    compression,
    metadataMaxAgeMs: r.int('metadata.max.age.ms', 300_000, 0),
    idempotent,
    transactionalId,
    transactionTimeoutMs: r.int('transaction.timeout.ms', 60_000, 1),
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
  readonly #onNotice: (message: string) => void
  #interceptors: ProducerInterceptor<K, V>[] = []
  #interceptorsLoading: Promise<void> | null = null
  readonly #metrics: Metrics
  #serial = 0
  // Idempotence and transactions.
  #producerId = -1
  #producerEpoch = -1
  #idInit: Promise<void> | null = null
  #txnState: TxnState = 'UNINITIALIZED'
  /** A fatal error (fenced): every later operation throws it. */
  #fatal: KafkaException | null = null
  /** A send of the open transaction failed: it can only be aborted. */
  #txnError: KafkaException | null = null
  /** The daemon may know of the open transaction (a batch was sent, or offsets). */
  #txnTouched = false
  /** Partitions the open transaction sent batches to. */
  readonly #txnQueues = new Set<PartitionQueue>()
  /** Records waiting for their topic's metadata before they join a batch. */
  #awaitingMetadata = 0

  constructor(
    config: ClientConfig = {},
    keySerializer?: Serializer<K>,
    valueSerializer?: Serializer<V>,
    options: {onNotice?: (message: string) => void} = {},
  ) {
    this.#settings = producerSettings(config)
    this.#onNotice = options.onNotice ?? ((m) => process.emitWarning(m))
    this.#connections = ReconnectingConnection.for(this.#settings, options.onNotice)
    this.#keySerializer =
      keySerializer ?? serializerFromConfig(config, 'key.serializer') ?? (DefaultSerializer as unknown as Serializer<K>)
    this.#valueSerializer =
      valueSerializer ??
      serializerFromConfig(config, 'value.serializer') ??
      (DefaultSerializer as unknown as Serializer<V>)
    this.#partitioner = new Partitioner(this.#settings.batchSize)
    const interceptors = loadInterceptors<ProducerInterceptor<K, V>>(config)
    if (Array.isArray(interceptors)) {
      this.#interceptors = interceptors
    } else {
      this.#interceptorsLoading = interceptors.then(
        (loaded) => {
          this.#interceptors = loaded
          this.#interceptorsLoading = null
        },
        (error: unknown) => {
          this.#fatal = toKafkaException(error)
          this.#interceptorsLoading = null
        },
      )
    }
    this.#metrics = this.#defineMetrics()
  }

  #defineMetrics(): Metrics {
    const m = new Metrics('producer-metrics', this.#settings.clientId)
    m.define('record-send-total', 'records', 'total', 'The total number of records sent.')
    m.define('record-send-rate', 'records', 'rate', 'The average number of records sent per second.')
    m.define('record-error-total', 'errors', 'total', 'The total number of record sends that resulted in errors.')
    m.define(
      'record-error-rate',
      'errors',
      'rate',
      'The average per-second number of record sends that resulted in errors.',
    )
    m.define('record-retry-total', 'retries', 'total', 'The total number of retried record sends.')
    m.define('record-retry-rate', 'retries', 'rate', 'The average per-second number of retried record sends.')
    m.define('request-total', 'latency', 'count-total', 'The total number of requests sent.')
    m.define('request-rate', 'latency', 'count-rate', 'The number of requests sent per second.')
    m.define('request-latency-avg', 'latency', 'avg', 'The average request latency in ms.')
    m.define('request-latency-max', 'latency', 'max', 'The maximum request latency in ms.')
    m.define('outgoing-byte-total', 'bytes', 'total', 'The total number of outgoing bytes sent.')
    m.define('outgoing-byte-rate', 'bytes', 'rate', 'The number of outgoing bytes sent per second.')
    m.define('batch-size-avg', 'batch-size', 'avg', 'The average number of bytes sent per partition per request.')
    m.define('batch-size-max', 'batch-size', 'max', 'The max number of bytes sent per partition per request.')
    m.define('records-per-request-avg', 'records-per-request', 'avg', 'The average number of records per request.')
    m.gauge(
      'buffer-total-bytes',
      'The maximum amount of buffer memory the client can use.',
      () => this.#settings.bufferMemory,
    )
    m.gauge('buffer-available-bytes', 'The total amount of buffer memory that is not being used.', () =>
      Math.max(0, this.#settings.bufferMemory - this.#buffered),
    )
    m.gauge('requests-in-flight', 'The current number of in-flight requests awaiting a response.', () => this.#inFlight)
    m.gauge('producer-id', 'The producer id given by the broker (-1 before it is known).', () => this.#producerId)
    return m
  }

  /** The producer's metrics, keyed by name (Kafka's producer-metrics group). */
  metrics(): Map<string, Metric> {
    return this.#metrics.all()
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
    if (this.#interceptorsLoading !== null) {
      const copy = {...record}
      void this.#interceptorsLoading.then(() => this.#send(copy, completion))
      return
    }
    const refused = this.#closed
      ? new KafkaException('ILLEGAL_STATE', 'Cannot perform operation after producer has been closed')
      : (this.#fatal ?? this.#sendRefusedByTransaction())
    if (refused) {
      this.#complete(completion, refused)
      return
    }
    if (this.#interceptors.length > 0) {
      let intercepted = record
      eachInterceptor(this.#interceptors, (i) => (intercepted = i.onSend(intercepted)), this.#onNotice, 'onSend')
      record = intercepted
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
    this.#awaitingMetadata++
    this.#topicInfo(record.topic).then(
      (fresh) => {
        this.#awaitingMetadata--
        this.#append(copy, fresh, completion, Date.now())
      },
      (error: unknown) => {
        this.#awaitingMetadata--
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
      // While nothing is in flight, a full batch goes at once (the daemon would otherwise wait for the end of this
      // turn of the event loop); while requests are in flight, what is ready goes at the end of the turn, in as few
      // requests as fit.
      if (this.#inFlight === 0 && queue.ready.length > 0 && this.#connections.open !== null) this.#drain()
      this.#scheduleDrain()
    } catch (error) {
      if (!charged) this.#pending--
      this.#complete(completion, toKafkaException(error))
      this.#checkIdle()
    }
  }

  /** Why a send is refused by the transaction state, if it is. */
  #sendRefusedByTransaction(): KafkaException | null {
    if (this.#settings.transactionalId === null) return null
    if (this.#txnState === 'UNINITIALIZED' || this.#txnState === 'INITIALIZING') {
      return new KafkaException(
        'ILLEGAL_STATE',
        "Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled.",
      )
    }
    if (this.#txnState !== 'IN_TRANSACTION') {
      return new KafkaException(
        'ILLEGAL_STATE',
        `Cannot call send in state ${this.#txnState}: call beginTransaction() first.`,
      )
    }
    if (this.#txnError) {
      return new KafkaException(
        this.#txnError.code,
        `Cannot perform send because at least one previous transactional or idempotent request has failed with errors: ${this.#txnError.message}`,
      )
    }
    return null
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
      queue = {topic, partition, open: null, ready: [], sequence: 0, retrying: 0}
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

  /** Builds a batch about to be sent for the first time, with its producer id, epoch and sequence. */
  #seal(queue: PartitionQueue, batch: Batch): Buffer {
    if (this.#settings.idempotent) {
      const transactional = this.#settings.transactionalId !== null
      batch.builder.setProducerState(this.#producerId, this.#producerEpoch, queue.sequence, transactional)
      queue.sequence = (queue.sequence + batch.builder.recordCount) % 2147483648
      if (transactional) {
        this.#txnTouched = true
        this.#txnQueues.add(queue)
      }
    }
    return (batch.bytes = batch.builder.build())
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
    if (this.#fatal) {
      this.#failQueued(this.#fatal, false)
      return
    }
    if (this.#settings.idempotent && this.#producerId < 0) {
      // The transactional id's producer id comes from initTransactions; a plain idempotent producer asks now.
      if (this.#settings.transactionalId === null && this.#pending > 0) this.#initIdempotence()
      return
    }
    const lingerMs = this.#flushing > 0 || this.#closed ? 0 : this.#settings.lingerMs
    const now = Date.now()
    let nextLinger = Infinity
    while (this.#inFlight < this.#settings.maxInFlight) {
      const batches: Batch[] = []
      let bytes = 0
      for (const queue of this.#allQueues) {
        // A partition's ready batches go in order, as many as fit in max.request.size, then its open batch once
        // its linger is over. (Kafka sends one batch per partition per request; several let a fast producer
        // commit ~1 MB per SQLite transaction instead of 16 KB.)
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
    const sentAt = Date.now()
    let records = 0
    for (const b of payload) this.#metrics.record('batch-size', b.length, sentAt)
    for (const b of batches) records += b.waiters.length
    this.#metrics.record('records-per-request', records, sentAt)
    this.#metrics.record(
      'bytes',
      req.batches.reduce((n, b) => n + b.size, 0),
      sentAt,
    )
    const write = (connection: Connection): Responses['produce'] | Promise<Responses['produce']> => {
      if (this.#settings.acks !== 0) return connection.request('produce', req, payload)
      connection.sendOneWay('produce', req, payload)
      const none = {baseOffset: -1, logAppendTime: -1, logStartOffset: -1}
      return {results: batches.map((b) => ({topic: b.topic, partition: b.partition, ...none}))}
    }
    // Written in this turn when the connection is open: the daemon appends while the caller goes on sending.
    const open = this.#connections.open
    const sent: Promise<Responses['produce']> =
      open === null ? this.#connect().then(write) : new Promise((resolve) => resolve(write(open)))
    sent.then(
      (res) => {
        this.#inFlight--
        this.#metrics.record('latency', Date.now() - sentAt)
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
        // Not at once: the other requests in flight on a lost connection fail in this same turn, and their
        // partitions must be marked as retrying before anything is sent past their batches' sequences.
        this.#scheduleDrain()
        this.#checkIdle()
      },
    )
  }

  #succeed(batch: Batch, baseOffset: number, logAppendTime: number): void {
    const {topic, partition, waiters} = batch
    this.#metrics.record('records', waiters.length)
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
    if (error.code === 'PRODUCER_FENCED') error = this.#fence()
    if (error.retriable && batch.attempts <= s.retries && age + s.retryBackoffMs < s.deliveryTimeoutMs) {
      if (error.code === 'UNKNOWN_TOPIC_OR_PARTITION') this.#topics.delete(batch.topic)
      const queue = this.#queue(batch.topic, batch.partition)
      queue.retrying++
      this.#metrics.record('retries', batch.waiters.length)
      setTimeout(() => {
        // Back in sequence order, ahead of the batches sent after it.
        const at = queue.ready.findIndex((b) => b.serial > batch.serial)
        queue.ready.splice(at < 0 ? queue.ready.length : at, 0, batch)
        queue.retrying--
        this.#drain()
      }, s.retryBackoffMs)
      return
    }
    this.#fail(batch, error)
  }

  /** Completes every record of a batch with an error. */
  #fail(batch: Batch, error: KafkaException): void {
    this.#metrics.record('errors', batch.waiters.length)
    if (this.#settings.transactionalId !== null && this.#txnError === null) this.#txnError = error
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
    if (this.#interceptors.length > 0) {
      const m = metadata ?? null
      eachInterceptor(this.#interceptors, (i) => i.onAcknowledgement(m, error), this.#onNotice, 'onAcknowledgement')
    }
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

  /** Fails the batches not sent yet (only those never sent when `unsentOnly`: sent ones keep their sequence). */
  #failQueued(error: KafkaException, unsentOnly: boolean): void {
    for (const queue of this.#allQueues) {
      this.#close(queue)
      const keep: Batch[] = []
      for (const batch of queue.ready) {
        if (unsentOnly && batch.bytes !== null) keep.push(batch)
        else this.#fail(batch, error)
      }
      queue.ready = keep
    }
    this.#checkIdle()
  }

  /** Asks the daemon for a producer id (idempotence without a transactional id), then sends what waits. */
  #initIdempotence(): void {
    if (this.#idInit !== null) return
    this.#idInit = this.#connect()
      .then((c) => c.request('initProducerId', {transactionalId: null}))
      .then(
        (res) => {
          this.#setProducerId(res)
          this.#idInit = null
          this.#drain()
        },
        (error: unknown) => {
          this.#idInit = null
          const e = toKafkaException(error)
          if (e.retriable && !this.#closed) {
            setTimeout(() => this.#drain(), this.#settings.retryBackoffMs)
          } else {
            this.#fatal = e
            this.#drain()
          }
        },
      )
  }

  #setProducerId(res: {producerId: number; producerEpoch: number}): void {
    this.#producerId = res.producerId
    this.#producerEpoch = res.producerEpoch
    for (const queue of this.#allQueues) queue.sequence = 0
  }

  /** Enters the fatal fenced state; returns Kafka's ProducerFencedException for it. */
  #fence(): KafkaException {
    if (!(this.#fatal instanceof ProducerFencedException)) {
      this.#fatal = new ProducerFencedException(
        `Producer with transactionalId '${this.#settings.transactionalId}' and (producerId=${this.#producerId}, epoch=${this.#producerEpoch}) has been fenced by another producer with the same transactionalId`,
      )
      this.#txnState = 'FATAL'
    }
    return this.#fatal
  }

  // ---- transactions ---------------------------------------------------------------------------------------------

  #requireTransactional(operation: string): void {
    if (this.#settings.transactionalId === null) {
      throw new KafkaException(
        'ILLEGAL_STATE',
        `Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property (${operation})`,
      )
    }
    if (this.#fatal) throw this.#fatal
  }

  #requireState(operation: string, ...states: TxnState[]): void {
    if (!states.includes(this.#txnState)) {
      throw new InvalidTxnStateException(
        `TransactionalId ${this.#settings.transactionalId}: cannot ${operation} in state ${this.#txnState}` +
          (this.#txnState === 'READY' ? ': call beginTransaction() first.' : '.'),
      )
    }
  }

  /** A coordinator request, retried while the coordinator is busy or the daemon unreachable; fencing is fatal. */
  async #coordinatorRequest<M extends 'initProducerId' | 'txnOffsetCommit' | 'endTxn'>(
    method: M,
    params: Requests[M],
  ): Promise<Responses[M]> {
    const deadline = Date.now() + this.#settings.deliveryTimeoutMs
    for (;;) {
      try {
        return await (await this.#connect()).request(method, params)
      } catch (error) {
        const e = toKafkaException(error)
        if (e.code === 'PRODUCER_FENCED') throw this.#fence()
        if (!e.retriable || Date.now() + this.#settings.retryBackoffMs > deadline) throw e
        await new Promise((r) => setTimeout(r, this.#settings.retryBackoffMs))
      }
    }
  }

  /**
   * Registers the transactional.id with the daemon: fences older producers with the same id (their epoch is
   * bumped) and aborts the transaction they left open. Call once, before any other transactional method.
   */
  async initTransactions(): Promise<void> {
    this.#requireTransactional('initTransactions')
    if (this.#txnState === 'READY') return
    this.#requireState('initTransactions', 'UNINITIALIZED')
    this.#txnState = 'INITIALIZING'
    try {
      const res = await this.#coordinatorRequest('initProducerId', {
        transactionalId: this.#settings.transactionalId,
        transactionTimeoutMs: this.#settings.transactionTimeoutMs,
      })
      this.#setProducerId(res)
      this.#txnState = 'READY'
    } catch (error) {
      if (this.#txnState === 'INITIALIZING') this.#txnState = 'UNINITIALIZED'
      throw error
    }
  }

  /** Starts a transaction: the records sent until commitTransaction or abortTransaction belong to it. */
  beginTransaction(): void {
    this.#requireTransactional('beginTransaction')
    this.#requireState('begin a transaction', 'READY')
    this.#txnState = 'IN_TRANSACTION'
    this.#txnError = null
    this.#txnTouched = false
    this.#txnQueues.clear()
  }

  /**
   * Commits consumed offsets with the transaction (consume-transform-produce): they become the group's committed
   * offsets if and only if the transaction commits. Pass the consumer's groupMetadata() so that a consumer that
   * lost its partitions in a rebalance cannot commit (CommitFailedException).
   */
  async sendOffsetsToTransaction(
    offsets: readonly OffsetToCommit[],
    groupMetadata: GroupMetadata | string,
  ): Promise<void> {
    this.#requireTransactional('sendOffsetsToTransaction')
    this.#requireState('send offsets to the transaction', 'IN_TRANSACTION')
    if (this.#txnError) throw this.#txnError
    const group =
      typeof groupMetadata === 'string'
        ? {groupId: groupMetadata, generationId: -1, memberId: '', groupInstanceId: null}
        : groupMetadata
    this.#txnTouched = true
    let res: Responses['txnOffsetCommit']
    try {
      res = await this.#coordinatorRequest('txnOffsetCommit', {
        transactionalId: this.#settings.transactionalId!,
        producerId: this.#producerId,
        producerEpoch: this.#producerEpoch,
        groupId: group.groupId,
        generationId: group.generationId,
        memberId: group.memberId,
        groupInstanceId: group.groupInstanceId,
        offsets: offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: o.metadata ?? '',
        })),
      })
    } catch (error) {
      const e = toKafkaException(error)
      if (e.code === 'ILLEGAL_GENERATION' || e.code === 'UNKNOWN_MEMBER_ID' || e.code === 'FENCED_INSTANCE_ID') {
        this.#txnError = new KafkaException(
          'COMMIT_FAILED',
          `Transaction offset commit failed: the consumer group has rebalanced (${e.message}). Abort the transaction.`,
        )
        throw this.#txnError
      }
      if (!(e instanceof ProducerFencedException)) this.#txnError = e
      throw e
    }
    const failed = res.results.find((r) => r.error)
    if (failed?.error) {
      this.#txnError = toKafkaException(failed.error)
      throw this.#txnError
    }
  }

  /**
   * Sends what is buffered, waits for every record of the transaction, then commits it: its records become
   * visible to read_committed consumers and its offsets are committed. Throws when a send of the transaction
   * failed (abort it then), and ProducerFencedException when another producer took over the transactional.id.
   */
  async commitTransaction(): Promise<void> {
    this.#requireTransactional('commitTransaction')
    this.#requireState('commit a transaction', 'IN_TRANSACTION')
    // Pipelined commit: once every batch of the transaction is on its way, the commit follows them on the same
    // connection, with the last sequence sent to each partition. The daemon handles a connection's requests in
    // order and commits only if those sequences are all in the log; otherwise it answers TRANSACTION_INCOMPLETE
    // and the commit is sent again once every batch is acknowledged, as Kafka does.
    this.#txnState = 'COMMITTING' // no more sends
    try {
      const early = this.#txnError === null ? this.#earlyCommit() : null
      await this.flush()
      if (this.#fatal) throw this.#fatal
      const outcome = early === null ? undefined : await early
      if (outcome?.code === 'PRODUCER_FENCED') throw this.#fence()
      if (outcome !== null) {
        if (this.#txnError) {
          throw new KafkaException(
            this.#txnError.code,
            `Cannot commit the transaction: a send or offset commit of it failed (${this.#txnError.message}). Call abortTransaction().`,
          )
        }
        if (this.#txnTouched) await this.#endTxn(true)
      }
      this.#txnState = 'READY'
    } finally {
      if (this.#txnState === 'COMMITTING') this.#txnState = 'IN_TRANSACTION'
    }
  }

  /**
   * Aborts the transaction: records not yet sent fail with TransactionAbortedException, records sent are never
   * shown to read_committed consumers, offsets sent with it are dropped.
   */
  async abortTransaction(): Promise<void> {
    this.#requireTransactional('abortTransaction')
    this.#requireState('abort a transaction', 'IN_TRANSACTION')
    this.#txnState = 'ABORTING'
    try {
      this.#failQueued(new TransactionAbortedException('Failing batch since transaction was aborted'), true)
      await this.flush()
      if (this.#fatal) throw this.#fatal
      if (this.#txnTouched) await this.#endTxn(false)
      this.#txnState = 'READY'
      this.#txnError = null
    } finally {
      if (this.#txnState === 'ABORTING') this.#txnState = 'IN_TRANSACTION'
    }
  }

  /** Sends the commit behind the transaction's batches when all of them are sent; resolves with its error, if any. */
  #earlyCommit(): Promise<KafkaException | null> | null {
    this.#flushing++
    try {
      this.#drain()
    } finally {
      this.#flushing--
    }
    // Nothing of the transaction was sent (the drain seals its batches): there is nothing to commit.
    if (this.#awaitingMetadata > 0 || !this.#txnTouched) return null
    for (const queue of this.#allQueues) {
      if (queue.open !== null || queue.ready.length > 0 || queue.retrying > 0) return null
    }
    const expected = [...this.#txnQueues].map((q) => ({
      topic: q.topic,
      partition: q.partition,
      lastSequence: (q.sequence + 2147483647) % 2147483648,
    }))
    const params: Requests['endTxn'] = {
      transactionalId: this.#settings.transactionalId!,
      producerId: this.#producerId,
      producerEpoch: this.#producerEpoch,
      committed: true,
      expected,
    }
    return this.#connect()
      .then((c) => c.request('endTxn', params))
      .then(
        () => null,
        (error: unknown) => toKafkaException(error),
      )
  }

  async #endTxn(committed: boolean): Promise<void> {
    await this.#coordinatorRequest('endTxn', {
      transactionalId: this.#settings.transactionalId!,
      producerId: this.#producerId,
      producerEpoch: this.#producerEpoch,
      committed,
    })
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

  /**
   * Flushes, aborts a transaction left open (as Java's close does), then closes the connection and the
   * interceptors. Further sends fail.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    if (this.#txnState === 'IN_TRANSACTION' && !this.#fatal) {
      await this.abortTransaction().catch((e: unknown) =>
        this.#onNotice(`Aborting the open transaction on close failed: ${toKafkaException(e).message}`),
      )
    }
    await this.flush()
    this.#closed = true
    for (const i of this.#interceptors) {
      try {
        await i.close?.()
      } catch (e) {
        this.#onNotice(`Error closing interceptor: ${(e as Error).message}`)
      }
    }
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer)
    await this.#connections.close()
  }
}
