// The producer's transaction manager (Kafka's TransactionManager, franz-go's txn.go): idempotence and transactions.
//
// Idempotence (enable.idempotence, on by default as in Kafka): the producer gets a producer id and epoch from the
// daemon and numbers each partition's batches; a batch is given its sequence when it is first sent and keeps it
// through retries, so the daemon can drop a retry of a batch it already wrote.
//
// Transactions (transactional.id): initTransactions, beginTransaction, sendOffsetsToTransaction,
// commitTransaction / abortTransaction, with Kafka's state machine, its coordinator requests and its fatal
// ProducerFencedException. It owns the producer id and epoch, the transaction's state, the fatal error that ends
// the producer, and the pipelined commit; it reaches the accumulator and the sender through TransactionPipeline.
import {
  InvalidTxnStateException,
  KafkaException,
  ProducerFencedException,
  TransactionAbortedException,
  toKafkaException,
} from '../../errors.js'
import type {BatchBuilder} from '../../protocol/kafka/record-batch.js'
import type {Requests, Responses} from '../../protocol/socket/messages.js'
import type {ReconnectingConnection} from '../connection.js'
import type {GroupMetadata} from '../group-member.js'
import type {BatchStamper, PartitionQueue} from './accumulator.js'
import type {ProducerSettings} from './producer-config.js'
import type {SenderTransactions} from './sender.js'
import type {OffsetToCommit} from './types.js'

/** Kafka's TransactionManager states, as far as a caller can observe them. */
type TxnState = 'UNINITIALIZED' | 'INITIALIZING' | 'READY' | 'IN_TRANSACTION' | 'COMMITTING' | 'ABORTING' | 'FATAL'

/** What the transaction manager asks of the accumulator and the sender (wired by KafkaProducer). */
export interface TransactionPipeline {
  /** Sends what is ready (once the producer id is known). */
  drain(): void
  /** Sends everything buffered now, lingering none; true when every record is in a sent batch. */
  sendAll(): boolean
  /** Sends everything buffered and resolves when every record sent so far has completed. */
  flush(): Promise<void>
  /** Fails the batches never sent (an abort); those sent keep their sequence and complete as the broker says. */
  failUnsent(error: KafkaException): void
  /** True once the producer is closed. */
  isClosed(): boolean
}

export class TransactionManager implements BatchStamper, SenderTransactions {
  readonly #settings: ProducerSettings
  readonly #connections: ReconnectingConnection
  readonly #pipeline: TransactionPipeline
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
  /** An EndTxn of this transaction was sent (its answer may have been lost): the next one says it is a retry. */
  #endTxnSent = false
  /** The commit or abort that failed with its outcome unknown: only it may be called again. */
  #unresolved: 'commitTransaction' | 'abortTransaction' | null = null
  /** Partitions the open transaction sent batches to. */
  readonly #txnQueues = new Set<PartitionQueue>()

  constructor(settings: ProducerSettings, connections: ReconnectingConnection, pipeline: TransactionPipeline) {
    this.#settings = settings
    this.#connections = connections
    this.#pipeline = pipeline
  }

  /** The producer id given by the daemon (-1 before it is known). */
  get producerId(): number {
    return this.#producerId
  }

  /** The error that ended the producer, if one did: every later operation fails with it. */
  get fatal(): KafkaException | null {
    return this.#fatal
  }

  /** Ends the producer with `error` (an interceptor that could not be loaded). */
  setFatal(error: KafkaException): void {
    this.#fatal = error
  }

  /** True while an open transaction can still be aborted (close() aborts it, as Java's does). */
  get inTransaction(): boolean {
    return this.#txnState === 'IN_TRANSACTION' && this.#fatal === null
  }

  // ---- idempotence ----------------------------------------------------------------------------------------------

  /** True while the producer is idempotent and has no producer id yet: nothing can be sent. */
  get awaitingProducerId(): boolean {
    return this.#settings.idempotent && this.#producerId < 0
  }

  /** Asks the daemon for a producer id (idempotence without a transactional id), then sends what waits. */
  initIdempotence(): void {
    if (this.#idInit !== null) return
    this.#idInit = this.#connections
      .get()
      .then((c) => c.request('initProducerId', {transactionalId: null}))
      .then(
        (res) => {
          this.#setProducerId(res)
          this.#idInit = null
          this.#pipeline.drain()
        },
        (error: unknown) => {
          this.#idInit = null
          const e = toKafkaException(error)
          if (e.retriable && !this.#pipeline.isClosed()) {
            setTimeout(() => this.#pipeline.drain(), this.#settings.retryBackoffMs)
          } else {
            this.#fatal = e
            this.#pipeline.drain()
          }
        },
      )
  }

  // The id is set once, before any batch is stamped (initTransactions comes before any send; a plain idempotent
  // producer sends nothing until its id arrives), so every partition's sequence starts at 0.
  #setProducerId(res: {producerId: number; producerEpoch: number}): void {
    this.#producerId = res.producerId
    this.#producerEpoch = res.producerEpoch
  }

  stamp(queue: PartitionQueue, builder: BatchBuilder): void {
    if (!this.#settings.idempotent) return
    const transactional = this.#settings.transactionalId !== null
    builder.setProducerState(this.#producerId, this.#producerEpoch, queue.sequence, transactional)
    queue.sequence = (queue.sequence + builder.recordCount) % 2147483648
    if (transactional) {
      this.#txnTouched = true
      this.#txnQueues.add(queue)
    }
  }

  /** Enters the fatal fenced state; returns Kafka's ProducerFencedException for it. */
  fence(): KafkaException {
    if (!(this.#fatal instanceof ProducerFencedException)) {
      this.#fatal = new ProducerFencedException(
        `Producer with transactionalId '${this.#settings.transactionalId}' and (producerId=${this.#producerId}, epoch=${this.#producerEpoch}) has been fenced by another producer with the same transactionalId`,
      )
      this.#txnState = 'FATAL'
    }
    return this.#fatal
  }

  /** A batch failed for good: the open transaction can only be aborted now. */
  batchFailed(error: KafkaException): void {
    if (this.#settings.transactionalId !== null && this.#txnError === null) this.#txnError = error
  }

  /** Why a send is refused by a fatal error or the transaction state, if it is. */
  refusesSend(): KafkaException | null {
    if (this.#fatal) return this.#fatal
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

  /**
   * A coordinator request, retried while the coordinator is busy or the daemon unreachable; fencing is fatal.
   * `params` may be a function, called for each attempt (a resent EndTxn says it is one).
   */
  async #coordinatorRequest<M extends 'initProducerId' | 'txnOffsetCommit' | 'endTxn'>(
    method: M,
    params: Requests[M] | (() => Requests[M]),
  ): Promise<Responses[M]> {
    const deadline = Date.now() + this.#settings.deliveryTimeoutMs
    for (;;) {
      try {
        const connection = await this.#connections.get()
        return await connection.request(method, typeof params === 'function' ? params() : params)
      } catch (error) {
        const e = toKafkaException(error)
        if (e.code === 'PRODUCER_FENCED') throw this.fence()
        if (!e.retriable || Date.now() + this.#settings.retryBackoffMs > deadline) throw e
        await new Promise((r) => setTimeout(r, this.#settings.retryBackoffMs))
      }
    }
  }

  /** KafkaProducer.initTransactions: fences older producers with this transactional.id, gets the id and epoch. */
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

  /** KafkaProducer.beginTransaction. */
  beginTransaction(): void {
    this.#requireTransactional('beginTransaction')
    this.#requireState('begin a transaction', 'READY')
    this.#txnState = 'IN_TRANSACTION'
    this.#txnError = null
    this.#txnTouched = false
    this.#endTxnSent = false
    this.#unresolved = null
    this.#txnQueues.clear()
  }

  /** KafkaProducer.sendOffsetsToTransaction: TxnOffsetCommit, checked against the group's generation (KIP-447). */
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

  /** KafkaProducer.commitTransaction: flushes, then commits (pipelined behind the batches when it can be). */
  async commitTransaction(): Promise<void> {
    this.#requireTransactional('commitTransaction')
    this.#requireState('commit a transaction', 'IN_TRANSACTION')
    this.#requireResolved('commitTransaction', 'abortTransaction')
    // Pipelined commit: once every batch of the transaction is on its way, the commit follows them on the same
    // connection, with the last sequence sent to each partition. The daemon handles a connection's requests in
    // order and commits only if those sequences are all in the log; otherwise it answers TRANSACTION_INCOMPLETE
    // and the commit is sent again once every batch is acknowledged, as Kafka does.
    this.#txnState = 'COMMITTING' // no more sends
    try {
      const early = this.#txnError === null ? this.#earlyCommit() : null
      await this.#pipeline.flush()
      if (this.#fatal) throw this.#fatal
      const outcome = early === null ? undefined : await early
      if (outcome?.code === 'PRODUCER_FENCED') throw this.fence()
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
    } catch (error) {
      // The commit may have reached the daemon and its answer been lost: as Java's producer, only commitTransaction
      // may follow (it retries), never an abort, which cannot undo a commit.
      if (this.#endTxnSent && toKafkaException(error).retriable) this.#unresolved = 'commitTransaction'
      throw error
    } finally {
      if (this.#txnState === 'COMMITTING') this.#txnState = 'IN_TRANSACTION'
    }
  }

  /** KafkaProducer.abortTransaction: fails what was not sent, waits for what was, then aborts. */
  async abortTransaction(): Promise<void> {
    this.#requireTransactional('abortTransaction')
    this.#requireState('abort a transaction', 'IN_TRANSACTION')
    this.#requireResolved('abortTransaction', 'commitTransaction')
    this.#txnState = 'ABORTING'
    try {
      this.#pipeline.failUnsent(new TransactionAbortedException('Failing batch since transaction was aborted'))
      await this.#pipeline.flush()
      if (this.#fatal) throw this.#fatal
      if (this.#txnTouched) await this.#endTxn(false)
      this.#txnState = 'READY'
      this.#txnError = null
    } catch (error) {
      if (this.#endTxnSent && toKafkaException(error).retriable) this.#unresolved = 'abortTransaction'
      throw error
    } finally {
      if (this.#txnState === 'ABORTING') this.#txnState = 'IN_TRANSACTION'
    }
  }

  /** Sends the commit behind the transaction's batches when all of them are sent; resolves with its error, if any. */
  #earlyCommit(): Promise<KafkaException | null> | null {
    const allSent = this.#pipeline.sendAll()
    // Some record is not on its way yet: the commit follows the flush. Or nothing of the transaction was sent (the
    // drain seals its batches, which is what touches the transaction): there is nothing to commit.
    if (!allSent || !this.#txnTouched) return null
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
      retry: this.#endTxnSent,
    }
    this.#endTxnSent = true
    return this.#connections
      .get()
      .then((c) => c.request('endTxn', params))
      .then(
        () => null,
        (error: unknown) => toKafkaException(error),
      )
  }

  /**
   * EndTxn, resent while the daemon is unreachable. Every EndTxn after the first of a transaction says it is a retry
   * (KIP-890): if an earlier one completed the transaction and its answer was lost, a retried commit of a commit
   * (or abort of an abort) succeeds, where a first abort after a commit would be refused.
   */
  async #endTxn(committed: boolean): Promise<void> {
    await this.#coordinatorRequest('endTxn', () => {
      const params = {
        transactionalId: this.#settings.transactionalId!,
        producerId: this.#producerId,
        producerEpoch: this.#producerEpoch,
        committed,
        retry: this.#endTxnSent,
      }
      this.#endTxnSent = true
      return params
    })
  }

  /** Java's rule after a commit or abort whose outcome is unknown: only the same call may follow, to retry it. */
  #requireResolved(operation: string, other: string): void {
    if (this.#unresolved === other) {
      throw new KafkaException(
        'ILLEGAL_STATE',
        `Cannot attempt operation \`${operation}\` because the previous call to \`${other}\` timed out and must be retried`,
      )
    }
  }
}
