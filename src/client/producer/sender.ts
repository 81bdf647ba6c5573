// The producer's sender (Kafka's Sender, franz-go's sink.go): drains the accumulator's ready batches into produce
// requests, with at most max.in.flight.requests.per.connection requests outstanding, and completes each record with
// its offset once the daemon has committed its batch. A failed batch is retried (with its sequence) while it is
// retriable and within retries and delivery.timeout.ms; a partition with a batch waiting for a retry sends nothing
// else until the retry is queued again, in sequence order. It owns the in-flight requests, the linger timer and
// the producer's request metrics.
import {TimeoutException, toKafkaException, type KafkaException} from '../../errors.js'
import type {Requests, Responses} from '../../protocol/socket/messages.js'
import type {ReconnectingConnection} from '../connection.js'
import type {Transport} from '../transport.js'
import {Metrics} from '../metrics.js'
import type {Batch, CompleteRecord, PartitionQueue, RecordAccumulator} from './accumulator.js'
import type {ProducerMetadata} from './metadata.js'
import type {ProducerSettings} from './producer-config.js'
import type {RecordMetadata} from './types.js'

/** What the sender asks of idempotence and transactions (the transaction manager). */
export interface SenderTransactions {
  /** The error that ended the producer: every batch fails with it. */
  readonly fatal: KafkaException | null
  /** True while the producer is idempotent and has no producer id yet: nothing can be sent. */
  readonly awaitingProducerId: boolean
  /** The producer id (-1 before it is known). */
  readonly producerId: number
  /** Asks for the producer id of an idempotent producer without a transactional id; drains again when known. */
  initIdempotence(): void
  /** Enters the fatal fenced state; returns the ProducerFencedException to fail with. */
  fence(): KafkaException
  /** A batch failed for good. */
  batchFailed(error: KafkaException): void
}

export class Sender {
  readonly #settings: ProducerSettings
  readonly #connections: ReconnectingConnection
  readonly #accumulator: RecordAccumulator<unknown, unknown>
  readonly #metadata: ProducerMetadata
  readonly #txn: SenderTransactions
  readonly #complete: CompleteRecord
  readonly #metrics: Metrics
  #inFlight = 0
  #drainScheduled = false
  #lingerTimer: NodeJS.Timeout | null = null

  constructor(
    settings: ProducerSettings,
    connections: ReconnectingConnection,
    accumulator: RecordAccumulator<unknown, unknown>,
    metadata: ProducerMetadata,
    txn: SenderTransactions,
    complete: CompleteRecord,
  ) {
    this.#settings = settings
    this.#connections = connections
    this.#accumulator = accumulator
    this.#metadata = metadata
    this.#txn = txn
    this.#complete = complete
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
    m.define(
      'produce-throttle-time-avg',
      'throttle-time',
      'avg',
      'The average time in ms a request was throttled by a broker',
    )
    m.define(
      'produce-throttle-time-max',
      'throttle-time',
      'max',
      'The maximum time in ms a request was throttled by a broker',
    )
    m.gauge(
      'buffer-total-bytes',
      'The maximum amount of buffer memory the client can use.',
      () => this.#settings.bufferMemory,
    )
    m.gauge('buffer-available-bytes', 'The total amount of buffer memory that is not being used.', () =>
      Math.max(0, this.#settings.bufferMemory - this.#accumulator.buffered),
    )
    m.gauge('requests-in-flight', 'The current number of in-flight requests awaiting a response.', () => this.#inFlight)
    m.gauge('producer-id', 'The producer id given by the broker (-1 before it is known).', () => this.#txn.producerId)
    return m
  }

  /** The producer's metrics (Kafka's producer-metrics group). */
  get metrics(): Metrics {
    return this.#metrics
  }

  /**
   * Called after each append. While nothing is in flight, a full batch goes at once (the daemon would otherwise
   * wait for the end of this turn of the event loop); while requests are in flight, what is ready goes at the end
   * of the turn, in as few requests as fit.
   */
  wakeup(queue: PartitionQueue): void {
    if (this.#inFlight === 0 && queue.ready.length > 0 && this.#connections.open !== null) this.drain()
    this.#scheduleDrain()
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return
    this.#drainScheduled = true
    // setImmediate, not a microtask: records appended in the same turn of the event loop (a chunk of stdin, a loop
    // of sends) share batches and requests.
    setImmediate(() => {
      this.#drainScheduled = false
      this.drain()
    })
  }

  /** Sends what is ready while request slots are free. */
  drain(): void {
    const txn = this.#txn
    if (txn.fatal) {
      this.failQueued(txn.fatal, false)
      return
    }
    if (txn.awaitingProducerId) {
      this.#expire(Date.now())
      // The transactional id's producer id comes from initTransactions; a plain idempotent producer asks now.
      if (this.#settings.transactionalId === null && this.#accumulator.incomplete > 0) txn.initIdempotence()
      return
    }
    const now = Date.now()
    let nextLinger = Infinity
    while (this.#inFlight < this.#settings.maxInFlight) {
      const batches = this.#accumulator.drain(now)
      nextLinger = Math.min(nextLinger, this.#accumulator.lingerDue)
      if (batches.length === 0) break
      this.#sendRequest(batches)
    }
    if (this.#lingerTimer === null && nextLinger !== Infinity) {
      this.#lingerTimer = setTimeout(
        () => {
          this.#lingerTimer = null
          this.drain()
        },
        Math.max(0, nextLinger - now),
      )
    }
  }

  /** Sends everything buffered now, lingering none, without waiting; true when every record is in a sent batch. */
  sendAll(): boolean {
    this.#accumulator.beginFlush()
    try {
      this.drain()
    } finally {
      this.#accumulator.endFlush()
    }
    return !this.#accumulator.hasUndrained()
  }

  #sendRequest(batches: Batch[]): void {
    this.#inFlight++
    for (const b of batches) {
      b.attempts++
      this.#accumulator.sent(b)
    }
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
    const write = (connection: Transport): Responses['produce'] | Promise<Responses['produce']> => {
      if (this.#settings.acks !== 0) return connection.request('produce', req, payload)
      connection.sendOneWay('produce', req, payload)
      const none = {baseOffset: -1, logAppendTime: -1, logStartOffset: -1}
      return {results: batches.map((b) => ({topic: b.topic, partition: b.partition, ...none}))}
    }
    // Written in this turn when the connection is open: the daemon appends while the caller goes on sending.
    const open = this.#connections.open
    const sent: Promise<Responses['produce']> =
      open === null ? this.#connections.get().then(write) : new Promise((resolve) => resolve(write(open)))
    sent.then(
      (res) => {
        this.#inFlight--
        this.#metrics.record('latency', Date.now() - sentAt)
        if (this.#settings.acks !== 0) this.#metrics.record('throttle-time', res.throttleTimeMs ?? 0)
        res.results.forEach((result, i) => {
          const batch = batches[i]!
          if (result.error) this.#failOrRetry(batch, toKafkaException(result.error))
          else this.#succeed(batch, result.baseOffset, result.logAppendTime)
        })
        this.drain()
        this.#accumulator.checkIdle()
      },
      (error: unknown) => {
        this.#inFlight--
        const e = toKafkaException(error)
        for (const batch of batches) this.#failOrRetry(batch, e)
        // Not at once: the other requests in flight on a lost connection fail in this same turn, and their
        // partitions must be marked as retrying before anything is sent past their batches' sequences.
        this.#scheduleDrain()
        this.#accumulator.checkIdle()
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
    this.#accumulator.release(batch)
  }

  #failOrRetry(batch: Batch, error: KafkaException): void {
    const s = this.#settings
    const age = Date.now() - batch.createdAt
    if (error.code === 'PRODUCER_FENCED') error = this.#txn.fence()
    // Kafka's canRetry: a batch that reached the broker ahead of an earlier one still unresolved (a connection lost
    // with several requests in flight) is out of sequence only for now; it goes again behind that one.
    const outOfTurn = error.code === 'OUT_OF_ORDER_SEQUENCE_NUMBER' && this.#accumulator.hasEarlierUnresolved(batch)
    if ((error.retriable || outOfTurn) && batch.attempts <= s.retries && age + s.retryBackoffMs < s.deliveryTimeoutMs) {
      if (error.code === 'UNKNOWN_TOPIC_OR_PARTITION') {
        // As Kafka's producer requests a metadata update: the topic may have been deleted, and the metadata request
        // creates it again where auto.create.topics.enable allows (the retry then finds it; later records are
        // partitioned by its new partition count).
        this.#metadata.invalidate(batch.topic)
        this.#metadata.fetch(batch.topic).catch(() => {})
      }
      const queue = this.#accumulator.holdForRetry(batch)
      this.#metrics.record('retries', batch.waiters.length)
      setTimeout(() => {
        // Back in sequence order, ahead of the batches sent after it.
        this.#accumulator.reenqueue(queue, batch)
        this.drain()
      }, s.retryBackoffMs)
      return
    }
    this.#fail(batch, error)
  }

  /** Completes every record of a batch with an error. */
  #fail(batch: Batch, error: KafkaException): void {
    this.#metrics.record('errors', batch.waiters.length)
    this.#txn.batchFailed(error)
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
    this.#accumulator.release(batch)
  }

  /** Fails the batches that waited past delivery.timeout.ms without being sent, with Kafka's message. */
  #expire(now: number): void {
    const expired = this.#accumulator.takeExpired(now, this.#settings.deliveryTimeoutMs)
    if (expired.length === 0) return
    for (const batch of expired) {
      this.#fail(
        batch,
        new TimeoutException(
          `Expiring ${batch.waiters.length} record(s) for ${batch.topic}-${batch.partition}:${now - batch.createdAt} ms has passed since batch creation`,
        ),
      )
    }
    this.#accumulator.checkIdle()
  }

  /** Fails the batches not sent yet (only those never sent when `unsentOnly`: sent ones keep their sequence). */
  failQueued(error: KafkaException, unsentOnly: boolean): void {
    for (const batch of this.#accumulator.takeQueued(unsentOnly)) this.#fail(batch, error)
    this.#accumulator.checkIdle()
  }

  /** Stops the linger timer (the producer is closed, and flushed). */
  close(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer)
  }
}
