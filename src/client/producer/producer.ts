// KafkaProducer, shaped like Kafka's Java producer: the facade over the producer's roles, as Kafka's KafkaProducer
// is over RecordAccumulator, Sender, TransactionManager and ProducerMetadata (franz-go's producer.go over sink.go
// and txn.go). A send runs the interceptors, finds its topic's metadata and hands the record to the accumulator,
// which serializes, partitions and encodes it into its partition's batch; the sender drains closed batches into
// produce requests and completes each record once the daemon has committed it. The transactional API delegates to
// the transaction manager. The constructor wires the roles: each gets what it talks to, as a small interface.
import {KafkaException, toKafkaException} from '../../errors.js'
import type {ClientConfig} from '../config.js'
import {ReconnectingConnection} from '../connection.js'
import type {GroupMetadata} from '../group-member.js'
import {Interceptors} from '../interceptors.js'
import type {Metric} from '../metrics.js'
import {DefaultSerializer, serializerFromConfig, type Serializer} from '../serializers.js'
import type {RecordHeader} from '../../protocol/kafka/record-batch.js'
import {normalizeHeaders, RecordAccumulator, type CompleteRecord, type Waiter} from './accumulator.js'
import {ProducerMetadata, type TopicInfo} from './metadata.js'
import {producerSettings} from './producer-config.js'
import {Sender} from './sender.js'
import {TransactionManager} from './transaction-manager.js'
import type {OffsetToCommit, ProducerInterceptor, ProducerRecord, RecordMetadata, SendCallback} from './types.js'

export class KafkaProducer<K = Buffer | string, V = Buffer | string> {
  readonly #connections: ReconnectingConnection
  readonly #metadata: ProducerMetadata
  readonly #txn: TransactionManager
  readonly #accumulator: RecordAccumulator<K, V>
  readonly #sender: Sender
  readonly #onNotice: (message: string) => void
  readonly #interceptors: Interceptors<ProducerInterceptor<K, V>>
  readonly #keySerializer: Serializer<K>
  readonly #valueSerializer: Serializer<V>
  /** Whether a serializer has a prepare hook (a schema registry's): only then does a send consult it. */
  readonly #prepares: boolean
  /**
   * Records waiting for their serializers' prepare (a schema registry lookup), in send order, from #waitingHead on:
   * the first waits for its prepare, the others behind it, so records keep their order. A queue rather than a promise
   * chain: a producer that sends a million records while the first schema id resolves queues a million entries,
   * not two million promises.
   */
  #waiting: {record: ProducerRecord<K, V>; completion: Waiter}[] = []
  #waitingHead = 0

  constructor(
    config: ClientConfig = {},
    keySerializer?: Serializer<K>,
    valueSerializer?: Serializer<V>,
    options: {onNotice?: (message: string) => void} = {},
  ) {
    const settings = producerSettings(config)
    this.#onNotice = options.onNotice ?? ((m) => process.emitWarning(m))
    this.#connections = ReconnectingConnection.for(settings, options.onNotice)
    this.#metadata = new ProducerMetadata(this.#connections, settings)
    // The accumulator stamps batches through the transaction manager and the sender consults it on every drain, so
    // it is built first; it drives them in turn (a commit flushes, an abort fails what was not sent) through these.
    this.#txn = new TransactionManager(settings, this.#connections, {
      drain: () => this.#sender.drain(),
      sendAll: () => this.#sender.sendAll(),
      flush: () => this.flush(),
      failUnsent: (error) => this.#sender.failQueued(error, true),
      isClosed: () => this.#accumulator.closed,
    })
    this.#keySerializer =
      keySerializer ?? serializerFromConfig(config, 'key.serializer') ?? (DefaultSerializer as unknown as Serializer<K>)
    this.#valueSerializer =
      valueSerializer ??
      serializerFromConfig(config, 'value.serializer') ??
      (DefaultSerializer as unknown as Serializer<V>)
    this.#prepares = this.#keySerializer.prepare !== undefined || this.#valueSerializer.prepare !== undefined
    this.#accumulator = new RecordAccumulator(
      settings,
      this.#keySerializer,
      this.#valueSerializer,
      this.#txn,
      this.#complete,
    )
    this.#sender = new Sender(settings, this.#connections, this.#accumulator, this.#metadata, this.#txn, this.#complete)
    this.#interceptors = new Interceptors<ProducerInterceptor<K, V>>(config, this.#onNotice)
    // A module that fails to import makes the producer fail, as an invalid config does in Java.
    void this.#interceptors.ready().catch((error: unknown) => this.#txn.setFatal(toKafkaException(error)))
  }

  /** The producer's metrics, keyed by name (Kafka's producer-metrics group). */
  metrics(): Map<string, Metric> {
    return this.#sender.metrics.all()
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
    const loading = this.#interceptors.loading
    if (loading !== null) {
      const copy = {...record}
      void loading.then(() => this.#send(copy, completion))
      return
    }
    const refused = this.#accumulator.closed
      ? new KafkaException('ILLEGAL_STATE', 'Cannot perform operation after producer has been closed')
      : this.#txn.refusesSend()
    if (refused) {
      this.#complete(completion, refused)
      return
    }
    if (this.#interceptors.list.length > 0) {
      let intercepted = record
      this.#interceptors.each((i) => (intercepted = i.onSend(intercepted)), 'onSend')
      record = intercepted
    }
    if (this.#prepares && this.#waitForSerializers(record, completion)) return
    this.#toAccumulator(record, completion)
  }

  /**
   * A record whose serializers need I/O first (a schema registry lookup), or that must wait behind one that does:
   * queues a copy of it and returns true. It then counts as not yet completed, so flush and close wait for it.
   */
  #waitForSerializers(record: ProducerRecord<K, V>, completion: Waiter): boolean {
    if (this.#waiting.length === 0) {
      const ready = this.#prepareRecord(record)
      if (ready === null) return false
      this.#enqueue(record, completion)
      this.#awaitHead(ready)
      return true
    }
    this.#enqueue(record, completion)
    return true
  }

  #enqueue(record: ProducerRecord<K, V>, completion: Waiter): void {
    // The caller may reuse its record object once send returns: keep a copy.
    this.#waiting.push({record: {...record}, completion})
    this.#accumulator.awaitMetadata()
  }

  /** Waits for the first queued record's prepare, then sends the queue on; a failure is that record's. */
  #awaitHead(ready: Promise<void>): void {
    ready.then(
      () => this.#sendWaiting(),
      (error: unknown) => {
        const head = this.#waiting[this.#waitingHead++]!
        this.#accumulator.metadataSettled()
        this.#complete(head.completion, toKafkaException(error))
        this.#accumulator.checkIdle()
        this.#sendWaiting()
      },
    )
  }

  /** Sends the queued records in order until one must wait for its prepare. */
  #sendWaiting(): void {
    while (this.#waitingHead < this.#waiting.length) {
      const {record, completion} = this.#waiting[this.#waitingHead]!
      const ready = this.#prepareRecord(record)
      if (ready !== null) {
        this.#awaitHead(ready)
        return
      }
      this.#waiting[this.#waitingHead++] = undefined as never
      this.#accumulator.metadataSettled()
      this.#toAccumulator(record, completion)
    }
    this.#waiting = []
    this.#waitingHead = 0
  }

  /** The key's and the value's prepare: null when both serializers can run now. */
  #prepareRecord(record: ProducerRecord<K, V>): Promise<void> | null {
    let headers: RecordHeader[] | undefined
    if (record.headers !== null && record.headers !== undefined) headers = normalizeHeaders(record.headers) ?? undefined
    let key: Promise<void> | null = null
    let value: Promise<void> | null = null
    try {
      key = this.#keySerializer.prepare?.(record.topic, record.key, headers) ?? null
      value = this.#valueSerializer.prepare?.(record.topic, record.value, headers) ?? null
    } catch (error) {
      return Promise.reject(error as Error)
    }
    if (key === null) return value
    if (value === null) return key
    return Promise.all([key, value]).then(() => undefined)
  }

  #toAccumulator(record: ProducerRecord<K, V>, completion: Waiter): void {
    const now = Date.now()
    const info = this.#metadata.fresh(record.topic, now)
    if (info !== undefined) {
      this.#append(record, info, completion, now)
      return
    }
    // The caller may reuse its record object once send returns (the console producer does): keep a copy.
    const copy = {...record}
    const accumulator = this.#accumulator
    accumulator.awaitMetadata()
    this.#metadata.fetch(record.topic).then(
      (fresh) => {
        accumulator.metadataSettled()
        this.#append(copy, fresh, completion, Date.now())
      },
      (error: unknown) => {
        accumulator.metadataSettled()
        this.#complete(completion, toKafkaException(error))
        accumulator.checkIdle()
      },
    )
  }

  #append(record: ProducerRecord<K, V>, info: TopicInfo, completion: Waiter, now: number): void {
    const queue = this.#accumulator.append(record, info, completion, now)
    if (queue !== null) this.#sender.wakeup(queue)
  }

  /** Runs the interceptors' onAcknowledgement, then settles the record's promise or calls its callback. */
  readonly #complete: CompleteRecord = (w, error, metadata) => {
    if (this.#interceptors.list.length > 0) {
      const m = metadata ?? null
      this.#interceptors.each((i) => i.onAcknowledgement(m, error), 'onAcknowledgement')
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

  /** The partitions of a topic (creating it when auto.create.topics.enable allows), as Java's partitionsFor. */
  async partitionsFor(topic: string): Promise<{topic: string; partition: number}[]> {
    const info = await this.#metadata.fetch(topic)
    return Array.from({length: info.partitions}, (_, partition) => ({topic, partition}))
  }

  /** Bytes of records buffered and not yet acknowledged (counted against buffer.memory). */
  get bufferedBytes(): number {
    return this.#accumulator.buffered
  }

  /**
   * Resolves once buffered records take less than buffer.memory. Java's send() blocks when the buffer is full;
   * here a sender that produces faster than the broker acknowledges awaits this instead.
   */
  whenBufferAvailable(): Promise<void> {
    return this.#accumulator.whenBufferAvailable()
  }

  /** Sends everything buffered at once and resolves when every record sent so far has completed. */
  async flush(): Promise<void> {
    const accumulator = this.#accumulator
    if (accumulator.incomplete === 0) return
    accumulator.beginFlush()
    try {
      const idle = accumulator.whenIdle()
      this.#sender.drain()
      await idle
    } finally {
      accumulator.endFlush()
    }
  }

  /**
   * Flushes, aborts a transaction left open (as Java's close does), then closes the connection and the
   * interceptors. Further sends fail.
   */
  async close(): Promise<void> {
    if (this.#accumulator.closed) return
    if (this.#txn.inTransaction) {
      await this.abortTransaction().catch((e: unknown) =>
        this.#onNotice(`Aborting the open transaction on close failed: ${toKafkaException(e).message}`),
      )
    }
    await this.flush()
    this.#accumulator.close()
    await this.#interceptors.close()
    await this.#keySerializer.close?.()
    await this.#valueSerializer.close?.()
    this.#sender.close()
    await this.#connections.close()
  }

  // ---- transactions: Kafka's TransactionManager state machine, in transaction-manager.ts ------------------------

  /**
   * Registers the transactional.id with the daemon: fences older producers with the same id (their epoch is
   * bumped) and aborts the transaction they left open. Call once, before any other transactional method.
   */
  initTransactions(): Promise<void> {
    return this.#txn.initTransactions()
  }

  /** Starts a transaction: the records sent until commitTransaction or abortTransaction belong to it. */
  beginTransaction(): void {
    this.#txn.beginTransaction()
  }

  /**
   * Commits consumed offsets with the transaction (consume-transform-produce): they become the group's committed
   * offsets if and only if the transaction commits. Pass the consumer's groupMetadata() so that a consumer that
   * lost its partitions in a rebalance cannot commit (CommitFailedException).
   */
  sendOffsetsToTransaction(offsets: readonly OffsetToCommit[], groupMetadata: GroupMetadata | string): Promise<void> {
    return this.#txn.sendOffsetsToTransaction(offsets, groupMetadata)
  }

  /**
   * Sends what is buffered, waits for every record of the transaction, then commits it: its records become
   * visible to read_committed consumers and its offsets are committed. Throws when a send of the transaction
   * failed (abort it then), and ProducerFencedException when another producer took over the transactional.id.
   */
  commitTransaction(): Promise<void> {
    return this.#txn.commitTransaction()
  }

  /**
   * Aborts the transaction: records not yet sent fail with TransactionAbortedException, records sent are never
   * shown to read_committed consumers, offsets sent with it are dropped.
   */
  abortTransaction(): Promise<void> {
    return this.#txn.abortTransaction()
  }
}
