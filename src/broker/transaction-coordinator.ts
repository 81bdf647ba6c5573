// Kafka's transaction coordinator (TransactionCoordinator.scala, TransactionMetadata.scala) for one broker:
// producer ids and epochs, fencing, the transaction state machine, markers written to every partition of a
// transaction, offsets committed with it, and the abort of transactions that run past their timeout.
//
// States: Empty -> Ongoing (first partition or offsets: AddPartitionsToTxn, AddOffsetsToTxn, or implicitly a
// transactional batch or TxnOffsetCommit) -> PrepareCommit | PrepareAbort (EndTxn) ->
// CompleteCommit | CompleteAbort (markers written) -> Ongoing on the next transaction. PrepareEpochFence is the
// passage of a fenced transaction to PrepareAbort. Every state change is saved before it is acted on. Kafka logs
// PrepareCommit and writes the markers to other brokers afterwards; here an EndTxn's decision, its markers and the
// completed state go into one SQLite transaction, so the decision is never on disk without its markers. A fence is
// saved on its own first (its new epoch), and a daemon killed after it completes the abort when it starts again.
import {KafkaException} from '../errors.js'
import type {
  ParsedRequests,
  PartitionResultBase,
  ProducerStateData,
  Responses,
  TransactionDescriptionData,
  TransactionState,
} from '../protocol/socket/messages.js'
import type {OffsetRow, Store, TxnRow} from '../store/store.js'
import type {Broker, MarkerSpec, PartitionState} from './broker.js'
import type {GroupCoordinator} from './group-coordinator.js'
import type {TransactionConfig} from './broker-config.js'
import type {Logger} from './logger.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

interface TopicPartitionKey {
  topic: string
  partition: number
}

/**
 * Kafka's InitProducerId: the socket's request, and (KIP-360, InitProducerId v3+) the producer id and epoch the
 * producer has now, given when it asks for a bumped epoch to recover from an error rather than to start afresh.
 */
export type InitProducerIdRequest = ParsedRequests['initProducerId'] & {
  expected?: {producerId: number; producerEpoch: number}
}

/** Kafka's AddPartitionsToTxn (v3 and below: one transaction): partitions that join the producer's transaction. */
export interface AddPartitionsToTxnRequest {
  transactionalId: string
  producerId: number
  producerEpoch: number
  partitions: readonly TopicPartitionKey[]
}

/** Kafka's AddOffsetsToTxn: the group whose offsets the producer will commit in its transaction (TxnOffsetCommit). */
export interface AddOffsetsToTxnRequest {
  transactionalId: string
  producerId: number
  producerEpoch: number
  groupId: string
}

interface TxnMetadata {
  transactionalId: string
  producerId: number
  producerEpoch: number
  timeoutMs: number
  state: TransactionState
  /** Partitions of the open transaction, by `partition:topic`. */
  partitions: Map<string, TopicPartitionKey>
  /** Group offsets committed with the open transaction, applied when it commits. */
  pendingOffsets: OffsetRow[]
  /** Start of the open transaction, -1 when none is open. */
  startTime: number
  updatedAt: number
  /**
   * Kafka's lastProducerEpoch: the epoch before a bump a producer asked for with its own id and epoch (KIP-360), so
   * that the retry of that InitProducerId gets the same answer; -1 after any other bump. Kept in memory only: after a
   * restart such a retry is fenced.
   */
  lastProducerEpoch: number
  /** Kafka's previousProducerId: the producer id before the last rotation (in memory only, as lastProducerEpoch). */
  previousProducerId: number
}

/** The coordinator's epoch: its partition of __transaction_state never moves on one broker. */
const COORDINATOR_EPOCH = 0
/** Kafka starts a new producer id when the epoch would reach Short.MAX_VALUE - 1. */
const MAX_EPOCH = 32766

/** Kafka's transaction state names (TransactionState.java), as ListTransactions filters name them. */
const TRANSACTION_STATES: ReadonlySet<string> = new Set<TransactionState>([
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
])

const isPrepare = (state: TransactionState) =>
  state === 'PrepareCommit' || state === 'PrepareAbort' || state === 'PrepareEpochFence'
const error = (code: ConstructorParameters<typeof KafkaException>[0], message: string) =>
  new KafkaException(code, message)

export class TransactionCoordinator {
  readonly #store: Store
  readonly #broker: Broker
  readonly #groups: GroupCoordinator
  readonly #config: TransactionConfig
  readonly #log: Logger
  readonly #now: () => number
  readonly #txns = new Map<string, TxnMetadata>()
  readonly #byProducerId = new Map<number, TxnMetadata>()
  readonly #timers: NodeJS.Timeout[]
  readonly #idExpirationMs: number
  /** One save per transaction whose state a produce request changed, run in that request's SQLite transaction. */
  readonly #saves = new Map<TxnMetadata, () => void>()

  constructor(
    store: Store,
    broker: Broker,
    groups: GroupCoordinator,
    config: TransactionConfig,
    log: Logger,
    now: () => number = Date.now,
  ) {
    this.#store = store
    this.#broker = broker
    this.#groups = groups
    this.#config = config
    this.#log = log
    this.#now = now
    for (const row of store.listTxns()) {
      const meta = fromRow(row)
      this.#txns.set(meta.transactionalId, meta)
      this.#byProducerId.set(meta.producerId, meta)
    }
    // A transaction caught between its decision and its markers by a crash: finish what was decided.
    for (const meta of this.#txns.values()) {
      if (meta.state === 'PrepareEpochFence') meta.state = 'PrepareAbort'
      if (isPrepare(meta.state)) {
        log.info(`completing transaction of '${meta.transactionalId}' left in ${meta.state} by the last run`)
        this.#complete(meta)
      }
    }
    this.#idExpirationMs = config.idExpirationMs
    this.#timers = [
      setInterval(() => this.abortTimedOut(), config.abortIntervalMs),
      setInterval(() => this.removeExpiredIds(), config.removeIntervalMs),
    ]
    for (const timer of this.#timers) timer.unref()
  }

  close(): void {
    for (const timer of this.#timers) clearInterval(timer)
  }

  // ---- producer ids ---------------------------------------------------------------------------------------------

  /**
   * Kafka's InitProducerId (TransactionCoordinator.handleInitProducerId). Without a transactional id: a new producer
   * id, epoch 0 (an idempotent producer). With one:
   * - a new transactional id gets a new producer id, epoch 0;
   * - an open transaction is aborted first with a bumped epoch, fencing the producer that began it (Kafka answers
   *   CONCURRENT_TRANSACTIONS and bumps again on the client's retry; here both happen at once);
   * - then the epoch is bumped, or the producer id rotated when the epoch is exhausted.
   * KIP-360: a producer that gives its current id and epoch (`expected`) gets them bumped; the retry of that request
   * (the previous epoch) gets the same answer again; any other epoch is PRODUCER_FENCED, as is an id that is not the
   * transactional id's (unless it is the id just rotated away from, at its exhausted epoch).
   */
  initProducerId(req: InitProducerIdRequest): Responses['initProducerId'] {
    if (req.transactionalId === null) return {producerId: this.#store.nextProducerId(), producerEpoch: 0}
    if (req.transactionalId === '') throw error('INVALID_REQUEST', 'The transactional id is empty.')
    if (req.transactionTimeoutMs > this.#config.maxTimeoutMs) {
      throw error(
        'INVALID_TRANSACTION_TIMEOUT',
        `The transaction timeout ${req.transactionTimeoutMs} ms is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms: ${this.#config.maxTimeoutMs} ms).`,
      )
    }
    if (req.transactionTimeoutMs <= 0) {
      throw error(
        'INVALID_TRANSACTION_TIMEOUT',
        `The transaction timeout ${req.transactionTimeoutMs} ms is not positive: set transaction.timeout.ms to at least 1.`,
      )
    }
    let meta = this.#txns.get(req.transactionalId)
    if (meta === undefined) {
      meta = {
        transactionalId: req.transactionalId,
        producerId: this.#store.nextProducerId(),
        producerEpoch: 0,
        timeoutMs: req.transactionTimeoutMs,
        state: 'Empty',
        partitions: new Map(),
        pendingOffsets: [],
        startTime: -1,
        updatedAt: this.#now(),
        lastProducerEpoch: -1,
        previousProducerId: -1,
      }
      this.#txns.set(meta.transactionalId, meta)
      this.#byProducerId.set(meta.producerId, meta)
      this.#save(meta)
      return {producerId: meta.producerId, producerEpoch: meta.producerEpoch}
    }
    const expected = req.expected
    if (
      expected !== undefined &&
      expected.producerId !== meta.producerId &&
      !(expected.producerId === meta.previousProducerId && expected.producerEpoch >= MAX_EPOCH)
    ) {
      throw error(
        'PRODUCER_FENCED',
        `Producer id ${expected.producerId} is not the current producer id ${meta.producerId} of '${meta.transactionalId}': a newer producer with this transactional id fenced it.`,
      )
    }
    // An older producer's open transaction is aborted with a bumped epoch, which fences that producer; a
    // transaction already decided is completed first.
    if (meta.state === 'Ongoing') this.#fenceAndAbort(meta, 'a producer initialized the same transactional.id')
    else if (isPrepare(meta.state)) this.#complete(meta)
    if (meta.producerEpoch >= MAX_EPOCH && (expected === undefined || expected.producerEpoch === meta.producerEpoch)) {
      this.#byProducerId.delete(meta.producerId)
      meta.previousProducerId = meta.producerId
      meta.lastProducerEpoch = expected === undefined ? -1 : meta.producerEpoch
      meta.producerId = this.#store.nextProducerId()
      meta.producerEpoch = 0
      this.#byProducerId.set(meta.producerId, meta)
    } else if (expected === undefined || expected.producerEpoch === meta.producerEpoch) {
      meta.lastProducerEpoch = expected === undefined ? -1 : meta.producerEpoch
      meta.producerEpoch++
    } else if (expected.producerEpoch !== meta.lastProducerEpoch) {
      throw error(
        'PRODUCER_FENCED',
        `There is a newer producer with the same transactionalId which fences the current one (epoch ${expected.producerEpoch}, current epoch ${meta.producerEpoch}).`,
      )
    } // else: the retry of a bump already made, answered with the same epoch
    meta.timeoutMs = req.transactionTimeoutMs
    meta.state = 'Empty'
    this.#save(meta)
    return {producerId: meta.producerId, producerEpoch: meta.producerEpoch}
  }

  #meta(transactionalId: string, producerId: number, producerEpoch: number): TxnMetadata {
    const meta = this.#txns.get(transactionalId)
    if (meta === undefined) {
      throw error(
        'INVALID_PRODUCER_ID_MAPPING',
        `The transactional id '${transactionalId}' is not known to the broker: call initTransactions() first.`,
      )
    }
    this.#checkEpoch(meta, producerId, producerEpoch)
    return meta
  }

  /**
   * Kafka's checks of a producer's requests to its coordinator (EndTxn, AddPartitionsToTxn, AddOffsetsToTxn, and
   * the verification of transactional batches): the producer id must be the transactional id's current one
   * (INVALID_PRODUCER_ID_MAPPING), and the epoch exactly the current one (PRODUCER_FENCED: clients never bump it).
   */
  #checkEpoch(meta: TxnMetadata, producerId: number, producerEpoch: number): void {
    if (producerId !== meta.producerId) {
      throw error(
        'INVALID_PRODUCER_ID_MAPPING',
        `Producer id ${producerId} is not the current producer id ${meta.producerId} of '${meta.transactionalId}': a newer producer with this transactional id took over (epoch exhausted, or the id expired).`,
      )
    }
    if (producerEpoch !== meta.producerEpoch) {
      throw error(
        'PRODUCER_FENCED',
        `There is a newer producer with the same transactionalId which fences the current one (epoch ${producerEpoch}, current epoch ${meta.producerEpoch}).`,
      )
    }
  }

  #checkNotCompleting(meta: TxnMetadata): void {
    if (isPrepare(meta.state)) {
      throw error(
        'CONCURRENT_TRANSACTIONS',
        `The transaction of '${meta.transactionalId}' is being completed (${meta.state}); retry.`,
      )
    }
  }

  #begin(meta: TxnMetadata): void {
    if (meta.state === 'Ongoing') return
    meta.state = 'Ongoing'
    meta.startTime = this.#now()
  }

  /**
   * A transactional batch about to be appended: its producer must be current, and the partition joins its txn. The
   * new state is saved by the broker with the batch.
   */
  /** The broker's TransactionVerifier: checks a transactional batch before it is appended (see broker.ts). */
  verifyAppend(producerId: number, producerEpoch: number, p: PartitionState): (() => void) | null {
    const meta = this.#byProducerId.get(producerId)
    if (meta === undefined) {
      throw error(
        'INVALID_PRODUCER_ID_MAPPING',
        `The producer id ${producerId} is not mapped to a transactional id: call initTransactions() first.`,
      )
    }
    this.#checkEpoch(meta, producerId, producerEpoch)
    this.#checkNotCompleting(meta)
    const k = tpKey(p.topic.row.name, p.index)
    if (meta.state === 'Ongoing' && meta.partitions.has(k)) return null
    this.#begin(meta)
    meta.partitions.set(k, {topic: p.topic.row.name, partition: p.index})
    let save = this.#saves.get(meta)
    if (save === undefined) {
      save = () => {
        this.#saves.delete(meta)
        this.#save(meta)
      }
      this.#saves.set(meta, save)
    }
    return save
  }

  // ---- transactions ---------------------------------------------------------------------------------------------

  /**
   * Kafka's AddPartitionsToTxn (KafkaApis and TransactionCoordinator.handleAddPartitionsToTransaction): the
   * partitions join the producer's transaction, which becomes Ongoing (beginning now if none was open). When a
   * partition does not exist, nothing is added: it gets UNKNOWN_TOPIC_OR_PARTITION and the others
   * OPERATION_NOT_ATTEMPTED. Otherwise an error of the producer (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED,
   * CONCURRENT_TRANSACTIONS) is every partition's.
   */
  addPartitionsToTxn(req: AddPartitionsToTxnRequest): {results: PartitionResultBase[]} {
    const missing = req.partitions.filter(
      (tp) => (this.#broker.topic(tp.topic)?.partitions.length ?? 0) <= tp.partition || tp.partition < 0,
    )
    if (missing.length > 0) {
      const unknown = new Set(missing.map((tp) => tpKey(tp.topic, tp.partition)))
      return {
        results: req.partitions.map(({topic, partition}) => ({
          topic,
          partition,
          error: unknown.has(tpKey(topic, partition))
            ? error('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${topic}-${partition} does not exist.`).toJSON()
            : error(
                'OPERATION_NOT_ATTEMPTED',
                `Partition ${topic}-${partition} was not added to the transaction: another partition of the request does not exist.`,
              ).toJSON(),
        })),
      }
    }
    try {
      const meta = this.#producerOf(req)
      const added = req.partitions.filter((tp) => !meta.partitions.has(tpKey(tp.topic, tp.partition)))
      if (meta.state !== 'Ongoing' || added.length > 0) {
        this.#begin(meta)
        for (const tp of added)
          meta.partitions.set(tpKey(tp.topic, tp.partition), {topic: tp.topic, partition: tp.partition})
        this.#save(meta)
      }
      return {results: req.partitions.map(({topic, partition}) => ({topic, partition}))}
    } catch (e) {
      const data = (e as KafkaException).toJSON()
      return {results: req.partitions.map(({topic, partition}) => ({topic, partition, error: data}))}
    }
  }

  /**
   * Kafka's AddOffsetsToTxn: the group's offsets will be committed with the producer's transaction (TxnOffsetCommit),
   * which becomes Ongoing. Kafka adds the group's partition of __consumer_offsets to the transaction; here the
   * offsets wait in the transaction itself, so only the transaction's state changes.
   */
  addOffsetsToTxn(req: AddOffsetsToTxnRequest): Record<string, never> {
    const meta = this.#producerOf(req)
    if (meta.state !== 'Ongoing') {
      this.#begin(meta)
      this.#save(meta)
    }
    return {}
  }

  /** The transaction of a producer's request to its coordinator, checked as Kafka checks AddPartitionsToTxn. */
  #producerOf(req: {transactionalId: string; producerId: number; producerEpoch: number}): TxnMetadata {
    if (req.transactionalId === '') throw error('INVALID_REQUEST', 'The transactional id is empty.')
    const meta = this.#meta(req.transactionalId, req.producerId, req.producerEpoch)
    this.#checkNotCompleting(meta)
    return meta
  }

  txnOffsetCommit(req: ParsedRequests['txnOffsetCommit']): Responses['txnOffsetCommit'] {
    const meta = this.#meta(req.transactionalId, req.producerId, req.producerEpoch)
    this.#checkNotCompleting(meta)
    // KIP-447: a consumer's group metadata, when sent, must be current, as for a plain commit.
    if (req.memberId !== '' || req.generationId >= 0) this.#groups.checkCommitter(req)
    else if (req.groupId === '') throw error('INVALID_GROUP_ID', 'The group id is empty.')
    const {rows, results} = this.#groups.offsetRows(req.groupId, req.offsets)
    const byKey = new Map(meta.pendingOffsets.map((o) => [`${o.groupId}\0${tpKey(o.topic, o.partition)}`, o]))
    for (const row of rows) byKey.set(`${row.groupId}\0${tpKey(row.topic, row.partition)}`, row)
    meta.pendingOffsets = [...byKey.values()]
    this.#begin(meta)
    this.#save(meta)
    return {results}
  }

  /**
   * Kafka's EndTxn, state by state (TransactionCoordinator.endTransaction):
   * - Ongoing: prepare, write the markers (and a commit's offsets) and complete, in one SQLite transaction;
   * - CompleteCommit: a retried commit is answered with success; an abort can never undo a commit
   *   (INVALID_TXN_STATE);
   * - CompleteAbort: a retried abort is answered with success; a commit of what was aborted is INVALID_TXN_STATE;
   * - Empty: INVALID_TXN_STATE (nothing was ever begun).
   * Transactions begin implicitly here (a transactional batch or TxnOffsetCommit makes the state Ongoing, as
   * KIP-890's transaction version 2 does), so a producer may end a transaction of which nothing reached the log (its
   * sends failed). As in version 2, `retry` tells a resent EndTxn (whose answer was lost) from the first one: a
   * first abort in Empty, CompleteAbort or CompleteCommit ends such a transaction with success; a first commit there
   * is INVALID_TXN_STATE (nothing of it is in the log to commit).
   */
  endTxn(req: ParsedRequests['endTxn']): Responses['endTxn'] {
    const meta = this.#meta(req.transactionalId, req.producerId, req.producerEpoch)
    this.#checkNotCompleting(meta)
    const verb = req.committed ? 'commit' : 'abort'
    const retry = req.retry === true
    const invalid = (why: string) =>
      error('INVALID_TXN_STATE', `Cannot ${verb} the transaction of '${meta.transactionalId}': ${why}`)
    switch (meta.state) {
      case 'Ongoing':
        break
      case 'CompleteCommit':
        if (req.committed && retry) return {}
        if (!req.committed && !retry) return {}
        throw req.committed
          ? invalid('nothing of a new transaction reached the log, so there is nothing to commit.')
          : invalid('its last transaction was committed (CompleteCommit), and an abort cannot undo a commit.')
      case 'CompleteAbort':
        if (!req.committed) return {}
        throw invalid('its last transaction was aborted (CompleteAbort), and a commit cannot follow an abort.')
      case 'Empty':
        if (!req.committed && !retry) return {}
        throw invalid('no transaction was begun (Empty).')
      default:
        throw invalid(`it is ${meta.state}.`)
    }
    if (req.expected) this.#checkComplete(meta, req.expected)
    meta.state = req.committed ? 'PrepareCommit' : 'PrepareAbort'
    try {
      this.#complete(meta)
    } catch (e) {
      meta.state = 'Ongoing' // nothing was written: the client may end it again
      throw e
    }
    return {}
  }

  /** Checks that every batch the producer sent in the transaction is in the log (a pipelined commit). */
  #checkComplete(meta: TxnMetadata, expected: readonly {topic: string; partition: number; lastSequence: number}[]) {
    for (const e of expected) {
      const entry = this.#broker.topic(e.topic)?.partitions[e.partition]?.producers.get(meta.producerId)
      const complete =
        entry !== undefined &&
        entry.epoch === meta.producerEpoch &&
        entry.txnFirstOffset >= 0 &&
        entry.lastSequence === e.lastSequence
      if (!complete) {
        throw error(
          'TRANSACTION_INCOMPLETE',
          `Not every batch of the transaction of '${meta.transactionalId}' is in the log yet (${e.topic}-${e.partition} is at sequence ${entry?.lastSequence ?? -1}, the producer sent up to ${e.lastSequence}); commit again once they are acknowledged.`,
        )
      }
    }
  }

  /** Writes the markers of a prepared transaction, its offsets if it commits, and its completed state, at once. */
  #complete(meta: TxnMetadata): void {
    const committed = meta.state === 'PrepareCommit'
    const markers: MarkerSpec[] = [...meta.partitions.values()].map((tp) => ({
      ...tp,
      producerId: meta.producerId,
      producerEpoch: meta.producerEpoch,
      committed,
      coordinatorEpoch: COORDINATOR_EPOCH,
    }))
    const offsets = committed ? meta.pendingOffsets : []
    const done: TxnMetadata = {
      ...meta,
      state: committed ? 'CompleteCommit' : 'CompleteAbort',
      partitions: new Map(),
      pendingOffsets: [],
      startTime: -1,
      updatedAt: this.#now(),
    }
    this.#broker.writeMarkers(markers, () => {
      if (offsets.length > 0) this.#groups.commitTransactional(offsets)
      this.#store.saveTxn(toRow(done))
    })
    Object.assign(meta, done)
  }

  /**
   * Bumps the epoch (fencing the current producer) and aborts the open transaction with the new epoch. The producer
   * id stays: the markers must carry the id the transaction's batches were written with (Kafka fences up to epoch
   * 32767, and the next InitProducerId rotates the id).
   */
  #fenceAndAbort(meta: TxnMetadata, why: string): void {
    this.#log.info(
      `fencing producer ${meta.producerId} epoch ${meta.producerEpoch} of '${meta.transactionalId}' and aborting its transaction: ${why}`,
    )
    meta.state = 'PrepareEpochFence'
    meta.producerEpoch = Math.min(meta.producerEpoch + 1, MAX_EPOCH + 1)
    meta.lastProducerEpoch = -1
    this.#save(meta)
    meta.state = 'PrepareAbort'
    this.#complete(meta)
  }

  /** Aborts every transaction open longer than its transaction.timeout.ms, fencing its producer. */
  abortTimedOut(): void {
    const now = this.#now()
    for (const meta of this.#txns.values()) {
      if (meta.state === 'Ongoing' && now - meta.startTime > meta.timeoutMs) {
        try {
          this.#fenceAndAbort(meta, `the transaction ran past transaction.timeout.ms (${meta.timeoutMs} ms)`)
        } catch (e) {
          this.#log.error(`could not abort the timed-out transaction of '${meta.transactionalId}': ${String(e)}`)
        }
      }
    }
  }

  /**
   * Forgets the transactional ids that have had no transaction for transactional.id.expiration.ms (Kafka's
   * removeExpiredTransactionalIds: only ids in Empty, CompleteCommit or CompleteAbort; they become Dead). The next
   * initTransactions with such an id gets a new producer id.
   */
  removeExpiredIds(): void {
    const now = this.#now()
    const expired = [...this.#txns.values()].filter(
      (m) =>
        (m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort') &&
        now - m.updatedAt >= this.#idExpirationMs,
    )
    if (expired.length === 0) return
    try {
      this.#store.deleteTxns(expired.map((m) => m.transactionalId))
    } catch (e) {
      this.#log.error(`could not remove expired transactional ids: ${String(e)}`)
      return
    }
    for (const m of expired) {
      this.#txns.delete(m.transactionalId)
      if (this.#byProducerId.get(m.producerId) === m) this.#byProducerId.delete(m.producerId)
    }
    this.#log.info(
      `removed ${expired.length} transactional id(s) unused for transactional.id.expiration.ms (${this.#idExpirationMs} ms)`,
    )
  }

  /** Partitions (`partition:topic`) of a group whose offsets wait in an open transaction. */
  unstableOffsets(groupId: string): Set<string> {
    const keys = new Set<string>()
    for (const meta of this.#txns.values()) {
      for (const o of meta.pendingOffsets) if (o.groupId === groupId) keys.add(tpKey(o.topic, o.partition))
    }
    return keys
  }

  /** An OffsetFetch answer with UNSTABLE_OFFSET_COMMIT on partitions whose offsets are pending (requireStable). */
  markUnstable(groupId: string, res: Responses['offsetFetch']): Responses['offsetFetch'] {
    const unstable = this.unstableOffsets(groupId)
    if (unstable.size === 0) return res
    return {
      offsets: res.offsets.map((o) =>
        unstable.has(tpKey(o.topic, o.partition))
          ? {
              ...o,
              error: error(
                'UNSTABLE_OFFSET_COMMIT',
                `There are unstable offsets for ${o.topic}-${o.partition} of group '${groupId}': a transaction that commits them is still open.`,
              ).toJSON(),
            }
          : o,
      ),
    }
  }

  // ---- admin ----------------------------------------------------------------------------------------------------

  /**
   * Kafka's ListTransactions: the transactional ids in the states asked for (all without a filter), of the producer
   * ids asked for, open longer than the duration asked for. A state filter that names no state of Kafka's matches
   * nothing and is reported back (`unknownStateFilters`).
   */
  listTransactions(
    req: ParsedRequests['listTransactions'],
  ): Responses['listTransactions'] & {unknownStateFilters: string[]} {
    const now = this.#now()
    const states = new Set(req.stateFilters)
    const ids = new Set(req.producerIdFilters)
    const transactions = [...this.#txns.values()]
      .filter((m) => states.size === 0 || states.has(m.state))
      .filter((m) => ids.size === 0 || ids.has(m.producerId))
      .filter((m) => req.durationFilterMs < 0 || (m.startTime >= 0 && now - m.startTime > req.durationFilterMs))
      .map((m) => ({transactionalId: m.transactionalId, producerId: m.producerId, state: m.state}))
    return {transactions, unknownStateFilters: req.stateFilters.filter((f) => !TRANSACTION_STATES.has(f))}
  }

  describeTransactions(req: ParsedRequests['describeTransactions']): Responses['describeTransactions'] {
    return {
      transactions: req.transactionalIds.map((id): TransactionDescriptionData => {
        const m = this.#txns.get(id)
        if (m === undefined || id === '') {
          return {
            transactionalId: id,
            state: 'Dead',
            producerId: -1,
            producerEpoch: -1,
            transactionTimeoutMs: -1,
            transactionStartTimeMs: -1,
            partitions: [],
            error: (id === ''
              ? error('INVALID_REQUEST', 'The transactional id is empty.')
              : error(
                  'TRANSACTIONAL_ID_NOT_FOUND',
                  `DescribeTransactions request for transactionalId \`${id}\` failed because the ID could not be found`,
                )
            ).toJSON(),
          }
        }
        return {
          transactionalId: id,
          state: m.state,
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          transactionTimeoutMs: m.timeoutMs,
          transactionStartTimeMs: m.startTime,
          partitions: [...m.partitions.values()].sort((a, b) =>
            a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
          ),
        }
      }),
    }
  }

  describeProducers(req: ParsedRequests['describeProducers']): Responses['describeProducers'] {
    return {
      partitions: req.partitions.map(({topic, partition}) => {
        try {
          const p = this.#broker.partition(topic, partition)
          const producers: ProducerStateData[] = [...p.producers.values()]
            .sort((a, b) => a.producerId - b.producerId)
            .map((e) => ({
              producerId: e.producerId,
              producerEpoch: e.epoch,
              lastSequence: e.lastSequence,
              lastTimestamp: e.lastTimestamp,
              coordinatorEpoch: e.coordinatorEpoch,
              currentTxnStartOffset: e.txnFirstOffset,
            }))
          return {topic, partition, producers}
        } catch (e) {
          return {topic, partition, producers: [], error: (e as KafkaException).toJSON()}
        }
      }),
    }
  }

  /** Markers written on an administrator's request (kafka-transactions abort), outside the coordinator's state. */
  writeTxnMarkers(req: ParsedRequests['writeTxnMarkers']): Responses['writeTxnMarkers'] {
    const results: Responses['writeTxnMarkers']['results'] = []
    for (const m of req.markers) {
      for (const {topic, partition} of m.partitions) {
        try {
          const p = this.#broker.partition(topic, partition)
          const entry = p.producers.get(m.producerId)
          if (entry === undefined || entry.txnFirstOffset < 0) {
            throw error(
              'INVALID_TXN_STATE',
              `Producer ${m.producerId} has no open transaction on partition ${topic}-${partition}.`,
            )
          }
          if (m.producerEpoch < entry.epoch) {
            throw error(
              'INVALID_PRODUCER_EPOCH',
              `Producer epoch ${m.producerEpoch} is older than the epoch ${entry.epoch} of producer ${m.producerId} on ${topic}-${partition}.`,
            )
          }
          this.#broker.writeMarkers([{topic, partition, ...m}])
          results.push({topic, partition})
        } catch (e) {
          results.push({topic, partition, error: (e as KafkaException).toJSON()})
        }
      }
    }
    return {results}
  }

  #save(meta: TxnMetadata): void {
    meta.updatedAt = this.#now()
    this.#store.saveTxn(toRow(meta))
  }
}

function toRow(m: TxnMetadata): TxnRow {
  return {
    transactionalId: m.transactionalId,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    timeoutMs: m.timeoutMs,
    state: m.state,
    partitions: JSON.stringify([...m.partitions.values()].map((tp) => [tp.topic, tp.partition])),
    pendingOffsets: JSON.stringify(m.pendingOffsets),
    startTime: m.startTime,
    updatedAt: m.updatedAt,
  }
}

function fromRow(row: TxnRow): TxnMetadata {
  const partitions = JSON.parse(row.partitions) as [string, number][]
  return {
    transactionalId: row.transactionalId,
    producerId: row.producerId,
    producerEpoch: row.producerEpoch,
    timeoutMs: row.timeoutMs,
    state: row.state as TransactionState,
    partitions: new Map(partitions.map(([topic, partition]) => [tpKey(topic, partition), {topic, partition}])),
    pendingOffsets: JSON.parse(row.pendingOffsets) as OffsetRow[],
    startTime: row.startTime,
    updatedAt: row.updatedAt,
    lastProducerEpoch: -1,
    previousProducerId: -1,
  }
}
