import {statSync} from 'node:fs'
import type {Database, Statement} from 'better-sqlite3'
import {CorruptDatabaseException} from '../errors.js'
import {checkOpenDatabase, type DatabaseCheck} from './check.js'
import {corruptionAdvice, storageException, type StorageFailure} from './failure.js'
import {openDatabase, type OpenOptions} from './open.js'

/** A topic as stored. */
export interface TopicRow {
  id: number
  name: string
  topicId: string
  partitions: number
  configs: Record<string, string>
  createdAt: number
}

/** A partition's offsets as stored. */
export interface PartitionRow {
  topic: number
  partition: number
  logStartOffset: number
  nextOffset: number
}

/** A log segment as stored (migrations/0080-log-segments.ts): its size and largest timestamp are final once closed. */
export interface SegmentRow {
  topic: number
  partition: number
  baseOffset: number
  createdAt: number
  size: number
  maxTimestamp: number
  /** The largest timestamp of its first batch, or -1. */
  rollTimestamp: number
  /** The log end its size and timestamps cover (the active segment's checkpoint). */
  statsEnd: number
}

/** What the batches of a range of a partition's log add up to. */
export interface SegmentStats {
  size: number
  maxTimestamp: number
  /** The largest timestamp of the range's first batch (Kafka rolls a segment by time from it), or -1. */
  firstMaxTimestamp: number
}

/** A stored batch as the cleaner reads it. */
export interface CleanerBatch {
  baseOffset: number
  lastOffset: number
  deleteHorizon: number
  bytes: Buffer
}

/** A batch the cleaner rewrote: the same last offset, fewer records (or a delete horizon set). */
export interface CleanedBatch {
  lastOffset: number
  bytes: Buffer
  recordCount: number
  maxTimestamp: number
  attributes: number
  deleteHorizon: number
}

/**
 * Batches larger than this are stored in parts of this size (see migrations/0050-batch-parts.ts): SQLite holds two
 * copies of a blob it writes or reads, so a part costs twice its size at most, where a whole 90 MiB batch cost 180.
 */
export const BATCH_PART_BYTES = 4 << 20
/** Where a RecordBatch's length field sits: the bytes after it are the batch's length. */
const BATCH_LENGTH_OFFSET = 8

/** A stored batch as the fetch reads it: first (or only) part, base offset, last offset, parts after the first. */
type StoredBatch = [Buffer, number, number, number]

/** One batch to append: its bytes already carry the assigned base offset. */
export interface BatchRow {
  topic: number
  partition: number
  baseOffset: number
  lastOffset: number
  firstTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  attributes: number
  recordCount: number
  bytes: Buffer
}

/** A SASL/SCRAM credential as stored: never the password. */
export interface ScramCredentialRow {
  user: string
  mechanism: string
  salt: Buffer
  storedKey: Buffer
  serverKey: Buffer
  iterations: number
}

/** One quota of a client quota entity as stored: `user` and `clientId` '' for the default, null when absent. */
export interface ClientQuotaRow {
  user: string | null
  clientId: string | null
  key: string
  value: number
}

/** A client quota to set (a value) or remove (null). */
export type ClientQuotaChange = Omit<ClientQuotaRow, 'value'> & {value: number | null}

/** A consumer group as stored: enough for the coordinator to resume after a restart. */
export interface GroupRow {
  groupId: string
  protocolType: string
  protocol: string
  generation: number
  leader: string
  state: string
  /** The coordinator's member records, as JSON. */
  members: string
  /** When the group was last saved (ms); for an Empty group, when it became empty. Ignored by saveGroup. */
  updatedAt?: number
}

/** A committed offset. */
export interface OffsetRow {
  groupId: string
  topic: string
  partition: number
  offset: number
  leaderEpoch: number
  metadata: string
  commitTimestamp: number
}

/** What a partition remembers of one producer (Kafka's producer state entry). */
export interface ProducerStateRow {
  topic: number
  partition: number
  producerId: number
  producerEpoch: number
  lastSequence: number
  lastOffset: number
  lastTimestamp: number
  coordinatorEpoch: number
  /** First offset of the producer's open transaction on this partition; -1 when none is open. */
  txnFirstOffset: number
  /** JSON of the last batches' [firstSeq, lastSeq, baseOffset, timestamp], for duplicate detection. */
  recentBatches: string
}

/** An aborted transaction of a partition: from its first offset to its ABORT marker. */
export interface AbortedTxnRow {
  topic: number
  partition: number
  producerId: number
  firstOffset: number
  lastOffset: number
}

/** A transactional id's coordinator state. */
export interface TxnRow {
  transactionalId: string
  producerId: number
  producerEpoch: number
  timeoutMs: number
  state: string
  /** JSON [topic, partition][] of the open transaction. */
  partitions: string
  /** JSON of the group offsets committed with the transaction. */
  pendingOffsets: string
  startTime: number
  updatedAt: number
}

/** A sample of a partition's log end. */
export interface LogSampleRow {
  topic: string
  partition: number
  ts: number
  endOffset: number
}

/** A group's commit of a partition, with the log end at that moment. */
export interface CommitSampleRow {
  groupId: string
  topic: string
  partition: number
  ts: number
  committed: number
  endOffset: number
}

/** The recent samples of one partition's log-end series, for saveLagSamples. */
export interface LogSeriesWrite {
  topic: string
  partition: number
  fromTs: number
  floorTs: number
  samples: readonly {ts: number; endOffset: number}[]
}

/** The recent commits of one group's partition, for saveLagSamples. */
export interface CommitSeriesWrite {
  groupId: string
  topic: string
  partition: number
  fromTs: number
  floorTs: number
  samples: readonly {ts: number; committed: number; endOffset: number}[]
}

/** Which lag history to delete: a topic's, a group's, or a group's commits of some partitions. */
export type LagSamplesMatch =
  {topic: string} | {groupId: string} | {groupId: string; partitions: readonly {topic: string; partition: number}[]}

/** One write to the log, committed as one transaction: batches, the partitions' new ends, producer state. */
export interface LogWrite {
  batches: readonly BatchRow[]
  partitions: readonly PartitionRow[]
  producers?: readonly ProducerStateRow[]
  aborted?: readonly AbortedTxnRow[]
  /** Segments rolled by this write: the closed ones with their final size, the new active ones. */
  segments?: readonly SegmentRow[]
}

/** The stored bytes of consecutive batches of one partition. */
export interface BatchRead {
  batches: Buffer[]
  bytes: number
}

interface TopicRecord {
  id: number
  name: string
  topic_id: string
  partitions: number
  configs: string
  created_at: number
}

export type {DatabaseCheck}

/**
 * Told after a unit of work: with its storage failure once it has been rolled back, or with null once a unit that
 * wrote is committed.
 */
export type UnitListener = (failure: StorageFailure | null) => void

/** Store methods that are not domain operations: the unit machinery itself, close and check (which report their own). */
const UNGUARDED = new Set(['constructor', 'unit', 'afterUnit', 'onCorruption', 'changes', 'close', 'check'])

/**
 * The SQLite store: one method per domain operation, statements prepared once. It knows tables and rows, nothing
 * of sockets, requests or Kafka's rules: the daemon decides, the store persists.
 *
 * A failure of the storage leaves every method as a KafkaStorageException (a full disk, an I/O error), or a
 * CorruptDatabaseException (a damaged database), see failure.ts. Writes are grouped in units of work (`unit`): one SQLite transaction whose first storage failure
 * fails it whole, so the caller can answer every request of the unit with the error, and memory can be read back
 * from what the rollback left on disk (`afterUnit`).
 */
export class Store {
  readonly db: Database
  readonly path: string
  readonly #s: ReturnType<typeof prepare>
  readonly #appendTx: (write: LogWrite) => void
  readonly #commitTx: (offsets: readonly OffsetRow[]) => void
  readonly #afterUnit: UnitListener[] = []
  readonly #onCorruption: ((failure: CorruptDatabaseException) => void)[] = []
  /** The unit of work running now, with its first storage failure. */
  #unit: {failure: StorageFailure | null} | null = null

  private constructor(db: Database, path: string) {
    this.db = db
    this.path = path
    this.#s = prepare(db)
    const s = this.#s
    this.#guardMethods()
    this.#appendTx = db.transaction((write: LogWrite) => {
      for (const b of write.batches) {
        const parts = Math.ceil(b.bytes.length / BATCH_PART_BYTES) - 1
        s.batchInsert.run(
          b.topic,
          b.partition,
          b.baseOffset,
          b.lastOffset,
          b.firstTimestamp,
          b.maxTimestamp,
          b.producerId,
          b.producerEpoch,
          b.baseSequence,
          b.attributes,
          b.recordCount,
          parts > 0 ? b.bytes.subarray(0, BATCH_PART_BYTES) : b.bytes,
          parts,
        )
        for (let part = 1; part <= parts; part++) {
          const start = part * BATCH_PART_BYTES
          s.batchPartInsert.run(
            b.topic,
            b.partition,
            b.lastOffset,
            part,
            b.bytes.subarray(start, start + BATCH_PART_BYTES),
          )
        }
      }
      for (const p of write.partitions) s.partitionUpdateNextOffset.run(p.nextOffset, p.topic, p.partition)
      for (const p of write.producers ?? []) {
        s.producerUpsert.run(
          p.topic,
          p.partition,
          p.producerId,
          p.producerEpoch,
          p.lastSequence,
          p.lastOffset,
          p.lastTimestamp,
          p.coordinatorEpoch,
          p.txnFirstOffset,
          p.recentBatches,
        )
      }
      for (const a of write.aborted ?? []) {
        s.abortedInsert.run(a.topic, a.partition, a.producerId, a.firstOffset, a.lastOffset)
      }
      for (const g of write.segments ?? []) {
        s.segmentUpsert.run(
          g.topic,
          g.partition,
          g.baseOffset,
          g.createdAt,
          g.size,
          g.maxTimestamp,
          g.rollTimestamp,
          g.statsEnd,
        )
      }
    })
    this.#commitTx = db.transaction((offsets: readonly OffsetRow[]) => {
      for (const o of offsets) {
        s.offsetUpsert.run(o.groupId, o.topic, o.partition, o.offset, o.leaderEpoch, o.metadata, o.commitTimestamp)
      }
    })
  }

  /** Opens (creating and migrating) the database at `path`; ':memory:' works for tests. */
  static open(path: string, options: OpenOptions = {}): Store {
    return new Store(openDatabase(path, options), path)
  }

  /**
   * Checkpoints the write-ahead log into the database file and closes it. Returns the error when the checkpoint
   * failed (a full disk): the log is then kept, and replayed when the database is opened again.
   */
  close(): Error | null {
    if (!this.db.open) return null
    let failure: Error | null = null
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    } catch (error) {
      failure = storageException(error, this.path) ?? (error as Error)
    }
    this.db.close()
    return failure
  }

  /**
   * Runs `work` as one unit: one SQLite transaction, which the store calls inside it join (as savepoints). Returns
   * null once it is committed. When the storage fails, in `work` or at the commit, every write of the unit is rolled
   * back and the failure is returned (store calls after the first failure fail at once). Any other error thrown by
   * `work` rolls the unit back and is thrown.
   */
  unit(work: () => void): StorageFailure | null {
    if (this.#unit !== null || this.db.inTransaction) throw new Error('A unit of work cannot run inside another')
    const unit: {failure: StorageFailure | null} = {failure: null}
    const changes = this.changes()
    this.#unit = unit
    try {
      this.#s.begin.run()
      work()
      if (unit.failure === null) this.#s.commit.run()
    } catch (error) {
      unit.failure ??= storageException(error, this.path)
      if (unit.failure === null) {
        if (this.db.inTransaction) this.#s.rollback.run()
        throw error
      }
    } finally {
      this.#unit = null
    }
    // SQLite may have rolled the transaction back already (it does for some failures).
    if (unit.failure !== null && this.db.inTransaction) this.#s.rollback.run()
    if (unit.failure !== null || this.changes() !== changes) {
      for (const listener of this.#afterUnit) listener(unit.failure)
    }
    return unit.failure
  }

  /** Registers a listener told when an operation or a check finds the database damaged (each time). */
  onCorruption(listener: (failure: CorruptDatabaseException) => void): void {
    this.#onCorruption.push(listener)
  }

  /** Runs SQLite's integrity_check or quick_check (see check.ts); damage found is told to the onCorruption listeners. */
  check(check: DatabaseCheck['check'] = 'integrity_check'): DatabaseCheck {
    const result = checkOpenDatabase(this.db, check, this.path)
    if (!result.intact) {
      const found = `${check}: ${result.problems[0]}`
      const failure = new CorruptDatabaseException(
        `The database '${this.path}' is damaged (${found}). The daemon stops. ${corruptionAdvice(this.path)}`,
        {cause: new Error(found)},
      )
      for (const listener of this.#onCorruption) listener(failure)
    }
    return result
  }

  /** Registers a listener told after each unit of work that wrote or failed. */
  afterUnit(listener: UnitListener): void {
    this.#afterUnit.push(listener)
  }

  /** A count of the rows written since the database was opened: a request that moved it wrote. */
  changes(): number {
    return this.#s.totalChanges.get() as number
  }

  /** Whether the unit of work running now has met a storage failure (it will be rolled back). */
  get unitFailed(): boolean {
    return this.#unit?.failure != null
  }

  /** Wraps every domain operation so that a storage failure leaves it as a StorageFailure (and fails its unit). */
  #guardMethods(): void {
    const self = this as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const name of Object.getOwnPropertyNames(Store.prototype)) {
      const method = self[name]
      if (UNGUARDED.has(name) || typeof method !== 'function') continue
      self[name] = (...args: unknown[]) => {
        const unit = this.#unit
        if (unit?.failure) throw unit.failure
        try {
          return method.apply(this, args)
        } catch (error) {
          const failure = storageException(error, this.path)
          if (failure === null) throw error
          if (unit) unit.failure ??= failure
          if (failure instanceof CorruptDatabaseException) for (const listener of this.#onCorruption) listener(failure)
          throw failure
        }
      }
    }
  }

  /**
   * Runs an operation of a store module kept in a file of its own (schema-store.ts) as the store's own methods run:
   * a storage failure leaves it as a StorageFailure and fails the unit of work (this method is guarded as they are).
   */
  guarded<T>(operation: () => T): T {
    return operation()
  }

  /** Every topic, by name. */
  listTopics(): TopicRow[] {
    return (this.#s.topicSelectAll.all() as TopicRecord[]).map(toTopicRow)
  }

  /** Every partition of every topic. */
  listPartitions(): PartitionRow[] {
    return this.#s.partitionSelectAll.all() as PartitionRow[]
  }

  /** Creates a topic with its partitions, all empty. */
  createTopic(topic: Omit<TopicRow, 'id'>): TopicRow {
    return this.db.transaction(() => {
      const id = Number(
        this.#s.topicInsert.run(
          topic.name,
          topic.topicId,
          topic.partitions,
          JSON.stringify(topic.configs),
          topic.createdAt,
        ).lastInsertRowid,
      )
      for (let p = 0; p < topic.partitions; p++) {
        this.#s.partitionInsert.run(id, p)
        this.#s.segmentUpsert.run(id, p, 0, topic.createdAt, 0, -1, -1, 0)
      }
      return {...topic, id}
    })()
  }

  /** Deletes a topic with its partitions and its whole log. */
  deleteTopic(id: number): void {
    this.db.transaction(() => {
      this.#s.batchDeleteByTopic.run(id)
      this.#s.topicDelete.run(id)
    })()
  }

  /** Adds empty partitions up to `count`. */
  addPartitions(id: number, from: number, count: number, now: number): void {
    this.db.transaction(() => {
      for (let p = from; p < count; p++) {
        this.#s.partitionInsert.run(id, p)
        this.#s.segmentUpsert.run(id, p, 0, now, 0, -1, -1, 0)
      }
      this.#s.topicUpdatePartitions.run(count, id)
    })()
  }

  /**
   * Moves a partition's log start offset forward (DeleteRecords, retention) and forgets the segments that end at or
   * below it: `firstSegment` is the base offset of the first segment kept, and `rolled` the new active segment when
   * retention deleted every segment. The batches below are deleted afterwards, in small steps (purgeBelow): reads
   * never go below the log start.
   */
  moveLogStart(
    topic: number,
    partition: number,
    logStartOffset: number,
    firstSegment: number,
    rolled?: SegmentRow,
  ): void {
    this.transaction(() => {
      this.#s.partitionUpdateLogStart.run(logStartOffset, topic, partition)
      if (rolled) {
        this.#s.segmentUpsert.run(topic, partition, rolled.baseOffset, rolled.createdAt, 0, -1, -1, rolled.baseOffset)
      }
      this.#s.segmentDeleteBefore.run(topic, partition, firstSegment)
    })
  }

  /**
   * Deletes up to `limit` of the batches of a partition that end below `offset`, oldest first, with their parts and
   * the aborted-transaction entries that end below it; returns how many batches it deleted.
   */
  purgeBelow(topic: number, partition: number, offset: number, limit: number): number {
    return this.transaction(() => {
      const deleted = this.#s.batchPurge.run(topic, partition, offset, limit).changes
      this.#s.abortedPurge.run(topic, partition, offset)
      return deleted
    })
  }

  /** Whether a partition has batches that end below `offset` (left to purge). */
  hasBatchesBelow(topic: number, partition: number, offset: number): boolean {
    return this.#s.batchAnyBelow.get(topic, partition, offset) !== undefined
  }

  /** Every segment of every partition, in offset order. */
  listSegments(): SegmentRow[] {
    return this.#s.segmentSelectAll.all() as SegmentRow[]
  }

  /** Writes segments (insert or replace). */
  saveSegments(rows: readonly SegmentRow[]): void {
    this.transaction(() => {
      for (const g of rows) {
        const {topic, partition, baseOffset, createdAt, size, maxTimestamp, rollTimestamp, statsEnd} = g
        this.#s.segmentUpsert.run(topic, partition, baseOffset, createdAt, size, maxTimestamp, rollTimestamp, statsEnd)
      }
    })
  }

  /** What the batches of a partition that end in [from, to) add up to: bytes, largest timestamp, first batch's. */
  segmentStats(topic: number, partition: number, from: number, to: number): SegmentStats {
    const [size, maxTimestamp] = this.#s.batchStats.get(topic, partition, from, to) as [number, number]
    const parts = this.#s.batchPartBytes.get(topic, partition, from, to) as number
    const first = this.#s.batchFirstMaxTimestamp.get(topic, partition, from, to) as number | undefined
    return {size: size + parts, maxTimestamp, firstMaxTimestamp: first ?? -1}
  }

  /** Moves the cleaner checkpoint of a partition (Kafka's cleaner-offset-checkpoint). */
  setCleanOffset(topic: number, partition: number, offset: number): void {
    this.#s.partitionUpdateCleanOffset.run(offset, topic, partition)
  }

  /** Every partition's cleaner checkpoint. */
  listCleanOffsets(): {topic: number; partition: number; cleanOffset: number}[] {
    return this.#s.partitionSelectCleanOffsets.all() as {topic: number; partition: number; cleanOffset: number}[]
  }

  /**
   * Up to `limit` whole batches of a partition that end at or after `fromLast` and begin below `before`, in order,
   * for the cleaner.
   */
  cleanerBatches(topic: number, partition: number, fromLast: number, before: number, limit: number): CleanerBatch[] {
    const rows = this.#s.batchSelectForCleaner.all(topic, partition, fromLast, before, limit) as [
      Buffer,
      number,
      number,
      number,
      number,
    ][]
    return rows.map(([bytes, baseOffset, lastOffset, parts, deleteHorizon]) => ({
      baseOffset,
      lastOffset,
      deleteHorizon,
      bytes: parts > 0 ? Buffer.concat([bytes, ...this.#restOf(topic, partition, lastOffset)]) : bytes,
    }))
  }

  /** Deletes the batches of a partition whose last offsets lie in each [from, to] range (the cleaner's), in one transaction. */
  deleteBatchRanges(topic: number, partition: number, ranges: readonly (readonly [number, number])[]): void {
    this.transaction(() => {
      for (const [from, to] of ranges) this.#s.batchDeleteRange.run(topic, partition, from, to)
    })
  }

  /** Replaces batches the cleaner rewrote (null: every record is gone, the batch is deleted), in one transaction. */
  rewriteBatches(
    topic: number,
    partition: number,
    rewrites: readonly (CleanedBatch | {lastOffset: number; bytes: null})[],
  ): void {
    this.transaction(() => {
      const s = this.#s
      for (const r of rewrites) {
        s.batchPartDelete.run(topic, partition, r.lastOffset)
        if (r.bytes === null) {
          s.batchDeleteOne.run(topic, partition, r.lastOffset)
          continue
        }
        const parts = Math.ceil(r.bytes.length / BATCH_PART_BYTES) - 1
        s.batchRewrite.run(
          parts > 0 ? r.bytes.subarray(0, BATCH_PART_BYTES) : r.bytes,
          parts,
          r.recordCount,
          r.maxTimestamp,
          r.attributes,
          r.deleteHorizon,
          topic,
          partition,
          r.lastOffset,
        )
        for (let part = 1; part <= parts; part++) {
          const start = part * BATCH_PART_BYTES
          s.batchPartInsert.run(topic, partition, r.lastOffset, part, r.bytes.subarray(start, start + BATCH_PART_BYTES))
        }
      }
    })
  }

  /** Replaces a topic's config overrides. */
  setTopicConfigs(id: number, configs: Record<string, string>): void {
    this.#s.topicUpdateConfigs.run(JSON.stringify(configs), id)
  }

  /**
   * Appends batches, moves the partitions' next offsets and saves producer state, in one transaction: once this
   * returns, the write is committed (and survives a crash of the process).
   */
  append(write: LogWrite): void {
    this.#appendTx(write)
  }

  /** Runs `fn` in one SQLite transaction (a savepoint inside another): every store call in it commits or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /** Every partition's producer state. */
  listProducerStates(): ProducerStateRow[] {
    return this.#s.producerSelectAll.all() as ProducerStateRow[]
  }

  /** Forgets producers of partitions (producer.id.expiration.ms), in one transaction. */
  deleteProducerStates(rows: readonly {topic: number; partition: number; producerId: number}[]): void {
    this.transaction(() => {
      for (const r of rows) this.#s.producerDelete.run(r.topic, r.partition, r.producerId)
    })
  }

  /** Aborted transactions of a partition that end at or after `fromOffset` and start before `toOffset`. */
  abortedTxns(topic: number, partition: number, fromOffset: number, toOffset: number): AbortedTxnRow[] {
    return this.#s.abortedSelectRange.all(topic, partition, fromOffset, toOffset) as AbortedTxnRow[]
  }

  /** Allocates the next producer id (ids are never reused). */
  nextProducerId(): number {
    return this.#s.metaIncrement.get('next_producer_id') as number
  }

  /** Every transactional id's state. */
  listTxns(): TxnRow[] {
    return this.#s.txnSelectAll.all() as TxnRow[]
  }

  /** Forgets transactional ids (transactional.id.expiration.ms), in one transaction. */
  deleteTxns(transactionalIds: readonly string[]): void {
    this.transaction(() => {
      for (const id of transactionalIds) this.#s.txnDelete.run(id)
    })
  }

  /** Saves a transactional id's state (insert or replace). */
  saveTxn(t: TxnRow): void {
    this.#s.txnUpsert.run(
      t.transactionalId,
      t.producerId,
      t.producerEpoch,
      t.timeoutMs,
      t.state,
      t.partitions,
      t.pendingOffsets,
      t.startTime,
      t.updatedAt,
    )
  }

  /**
   * Reads the stored batches of a partition from the one holding `fromOffset`, below `endOffset`, until `maxBytes`
   * are reached. The first batch is returned even if it alone is larger (Kafka's KIP-74 rule), so a consumer always
   * makes progress.
   */
  readBatches(topic: number, partition: number, fromOffset: number, endOffset: number, maxBytes: number): BatchRead {
    const rows: [Buffer, number, number][] = []
    let bytes = 0
    const iterate = this.#s.batchSelectFrom.iterate(topic, partition, fromOffset) as Iterable<StoredBatch>
    for (const [data, baseOffset, lastOffset, parts] of iterate) {
      if (baseOffset >= endOffset) break
      const size = parts > 0 ? data.readInt32BE(BATCH_LENGTH_OFFSET) + BATCH_LENGTH_OFFSET + 4 : data.length
      if (rows.length > 0 && bytes + size > maxBytes) break
      rows.push([data, lastOffset, parts])
      bytes += size
      if (bytes >= maxBytes) break
    }
    // A batch stored in parts goes out as its parts, in order: readers take the batches as one byte stream.
    const batches: Buffer[] = []
    for (const [data, lastOffset, parts] of rows) {
      batches.push(data)
      if (parts > 0) batches.push(...this.#restOf(topic, partition, lastOffset))
    }
    return {batches, bytes}
  }

  /** The parts of a batch after its first, in order. */
  #restOf(topic: number, partition: number, lastOffset: number): Buffer[] {
    return this.#s.batchPartSelect.all(topic, partition, lastOffset) as Buffer[]
  }

  /** A whole batch from its row (bytes, last offset, parts). */
  #whole(topic: number, partition: number, row: [Buffer, number, number] | undefined): Buffer | undefined {
    if (row === undefined) return undefined
    const [data, lastOffset, parts] = row
    return parts > 0 ? Buffer.concat([data, ...this.#restOf(topic, partition, lastOffset)]) : data
  }

  /**
   * The first batch ending at or after `fromOffset` (the log start: batches below it may wait to be purged) whose max
   * timestamp is at or after `timestamp`.
   */
  firstBatchAtOrAfterTimestamp(
    topic: number,
    partition: number,
    timestamp: number,
    fromOffset: number,
  ): Buffer | undefined {
    const row = this.#s.batchSelectByTimestamp.get(topic, partition, fromOffset, timestamp)
    return this.#whole(topic, partition, row as never)
  }

  /** The batch holding the largest timestamp of a partition from `fromOffset` on (the first such batch on ties). */
  batchWithMaxTimestamp(topic: number, partition: number, fromOffset: number): Buffer | undefined {
    return this.#whole(topic, partition, this.#s.batchSelectMaxTimestamp.get(topic, partition, fromOffset) as never)
  }

  /** The dynamic broker configs: by broker ('' for the cluster's defaults), then name. */
  listBrokerConfigs(): {broker: string; name: string; value: string}[] {
    return this.#s.brokerConfigSelectAll.all() as {broker: string; name: string; value: string}[]
  }

  /** Replaces the dynamic configs of one broker ('' for the cluster's defaults), in one transaction. */
  setBrokerConfigs(broker: string, configs: Readonly<Record<string, string>>): void {
    this.transaction(() => {
      this.#s.brokerConfigDelete.run(broker)
      for (const [name, value] of Object.entries(configs)) this.#s.brokerConfigInsert.run(broker, name, value)
    })
  }

  /** Every stored SCRAM credential, by user then mechanism. */
  listScramCredentials(): ScramCredentialRow[] {
    return this.#s.scramSelectAll.all() as ScramCredentialRow[]
  }

  /** Adds, replaces and deletes SCRAM credentials, in one transaction. */
  alterScramCredentials(
    upserts: readonly ScramCredentialRow[],
    deletes: readonly {user: string; mechanism: string}[],
  ): void {
    this.transaction(() => {
      for (const d of deletes) this.#s.scramDelete.run(d.user, d.mechanism)
      for (const u of upserts) {
        this.#s.scramUpsert.run(u.user, u.mechanism, u.salt, u.storedKey, u.serverKey, u.iterations)
      }
    })
  }

  /** Every stored client quota. */
  listClientQuotas(): ClientQuotaRow[] {
    return this.#s.clientQuotaSelectAll.all() as ClientQuotaRow[]
  }

  /** Sets (a value) and removes (null) client quotas, in one transaction. */
  alterClientQuotas(changes: readonly ClientQuotaChange[]): void {
    this.transaction(() => {
      for (const c of changes) {
        this.#s.clientQuotaDelete.run(c.user, c.clientId, c.key)
        if (c.value !== null) this.#s.clientQuotaInsert.run(c.user, c.clientId, c.key, c.value)
      }
    })
  }

  /** Every stored consumer group. */
  listGroups(): GroupRow[] {
    return this.#s.groupSelectAll.all() as GroupRow[]
  }

  /** Writes a group's coordinator state (insert or replace). */
  saveGroup(group: GroupRow, now: number): void {
    const g = group
    this.#s.groupUpsert.run(g.groupId, g.protocolType, g.protocol, g.generation, g.leader, g.state, g.members, now)
  }

  /** Deletes a group and its committed offsets. */
  deleteGroup(groupId: string): void {
    this.db.transaction(() => {
      this.#s.groupDelete.run(groupId)
      this.#s.offsetDeleteGroup.run(groupId)
    })()
  }

  /** Commits offsets, all or none. */
  commitOffsets(offsets: readonly OffsetRow[]): void {
    this.#commitTx(offsets)
  }

  /** Committed offsets of a group, or of every group. */
  fetchOffsets(groupId?: string): OffsetRow[] {
    return (
      groupId === undefined ? this.#s.offsetSelectAll.all() : this.#s.offsetSelectGroup.all(groupId)
    ) as OffsetRow[]
  }

  /** Deletes committed offsets of some partitions of a group. */
  deleteOffsets(groupId: string, partitions: readonly {topic: string; partition: number}[]): void {
    this.db.transaction(() => {
      for (const p of partitions) this.#s.offsetDelete.run(groupId, p.topic, p.partition)
    })()
  }

  /** Deletes every group's committed offsets of a topic (when the topic is deleted). */
  deleteOffsetsOfTopic(topic: string): void {
    this.#s.offsetDeleteTopic.run(topic)
  }

  /** Every stored lag-history sample, oldest first. */
  listLagSamples(): {log: LogSampleRow[]; commits: CommitSampleRow[]} {
    return {
      log: this.#s.logSampleSelectAll.all() as LogSampleRow[],
      commits: this.#s.commitSampleSelectAll.all() as CommitSampleRow[],
    }
  }

  /**
   * Saves the recent part of lag-history series: for each, the stored samples from `fromTs` on are replaced by
   * `samples` (the newest sample of a series may have moved since the last save), and those older than `floorTs`
   * are pruned. One transaction.
   */
  saveLagSamples(log: readonly LogSeriesWrite[], commits: readonly CommitSeriesWrite[]): void {
    this.transaction(() => {
      const s = this.#s
      for (const w of log) {
        s.logSampleDeleteFrom.run(w.topic, w.partition, w.fromTs)
        for (const r of w.samples) s.logSampleInsert.run(w.topic, w.partition, r.ts, r.endOffset)
        s.logSamplePrune.run(w.topic, w.partition, w.floorTs)
      }
      for (const w of commits) {
        s.commitSampleDeleteFrom.run(w.groupId, w.topic, w.partition, w.fromTs)
        for (const r of w.samples) {
          s.commitSampleInsert.run(w.groupId, w.topic, w.partition, r.ts, r.committed, r.endOffset)
        }
        s.commitSamplePrune.run(w.groupId, w.topic, w.partition, w.floorTs)
      }
    })
  }

  /** Deletes lag history: a topic's (every group's commits of it too), a group's, or a group's of some partitions. */
  deleteLagSamples(match: LagSamplesMatch): void {
    this.transaction(() => {
      if ('partitions' in match) {
        for (const p of match.partitions) this.#s.commitSamplePrune.run(match.groupId, p.topic, p.partition, Infinity)
      } else if ('topic' in match) {
        this.#s.logSampleDeleteTopic.run(match.topic)
        this.#s.commitSampleDeleteTopic.run(match.topic)
      } else {
        this.#s.commitSampleDeleteGroup.run(match.groupId)
      }
    })
  }

  /** Size of the database file and its write-ahead log, in bytes. */
  diskBytes(): number {
    let total = 0
    for (const suffix of ['', '-wal']) {
      try {
        total += statSync(this.path + suffix).size
      } catch {
        // no WAL yet
      }
    }
    return total
  }
}

function prepare(db: Database) {
  const s = (sql: string): Statement => db.prepare(sql)
  return {
    begin: s('BEGIN'),
    commit: s('COMMIT'),
    rollback: s('ROLLBACK'),
    totalChanges: s('SELECT total_changes()').pluck(),
    topicSelectAll: s('SELECT id, name, topic_id, partitions, configs, created_at FROM topic ORDER BY name'),
    topicInsert: s('INSERT INTO topic (name, topic_id, partitions, configs, created_at) VALUES (?, ?, ?, ?, ?)'),
    topicDelete: s('DELETE FROM topic WHERE id = ?'),
    topicUpdatePartitions: s('UPDATE topic SET partitions = ? WHERE id = ?'),
    topicUpdateConfigs: s('UPDATE topic SET configs = ? WHERE id = ?'),
    partitionSelectAll: s(
      `SELECT topic, partition, log_start_offset AS logStartOffset, next_offset AS nextOffset
       FROM topic_partition ORDER BY topic, partition`,
    ),
    partitionInsert: s('INSERT INTO topic_partition (topic, partition) VALUES (?, ?)'),
    partitionUpdateNextOffset: s('UPDATE topic_partition SET next_offset = ? WHERE topic = ? AND partition = ?'),
    batchInsert: s(
      `INSERT INTO batch (topic, partition, base_offset, last_offset, first_timestamp, max_timestamp, producer_id,
         producer_epoch, base_sequence, attributes, record_count, bytes, parts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    batchPartInsert: s('INSERT INTO batch_part (topic, partition, last_offset, part, bytes) VALUES (?, ?, ?, ?, ?)'),
    batchPartSelect: s(
      'SELECT bytes FROM batch_part WHERE topic = ? AND partition = ? AND last_offset = ? ORDER BY part',
    ).pluck(),
    batchSelectFrom: s(
      `SELECT bytes, base_offset, last_offset, parts FROM batch WHERE topic = ? AND partition = ? AND last_offset >= ?
       ORDER BY last_offset`,
    ).raw(),
    batchSelectByTimestamp: s(
      `SELECT bytes, last_offset, parts FROM batch WHERE topic = ? AND partition = ? AND last_offset >= ?
         AND max_timestamp >= ? ORDER BY last_offset LIMIT 1`,
    ).raw(),
    // length() of a blob reads its size, not its content.
    batchSelectMaxTimestamp: s(
      `SELECT bytes, last_offset, parts FROM batch WHERE topic = ? AND partition = ? AND last_offset >= ?
       ORDER BY max_timestamp DESC, last_offset ASC LIMIT 1`,
    ).raw(),
    brokerConfigSelectAll: s('SELECT broker, name, value FROM broker_config ORDER BY broker, name'),
    brokerConfigDelete: s('DELETE FROM broker_config WHERE broker = ?'),
    brokerConfigInsert: s('INSERT INTO broker_config (broker, name, value) VALUES (?, ?, ?)'),
    scramSelectAll: s(
      `SELECT user, mechanism, salt, stored_key AS storedKey, server_key AS serverKey, iterations
       FROM scram_credential ORDER BY user, mechanism`,
    ),
    scramUpsert: s(
      `INSERT INTO scram_credential (user, mechanism, salt, stored_key, server_key, iterations)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user, mechanism) DO UPDATE SET salt = excluded.salt, stored_key = excluded.stored_key,
         server_key = excluded.server_key, iterations = excluded.iterations`,
    ),
    scramDelete: s('DELETE FROM scram_credential WHERE user = ? AND mechanism = ?'),
    clientQuotaSelectAll: s(
      `SELECT user, client_id AS clientId, quota_key AS key, value FROM client_quota
       ORDER BY user IS NULL, user, client_id IS NULL, client_id, quota_key`,
    ),
    clientQuotaDelete: s('DELETE FROM client_quota WHERE user IS ? AND client_id IS ? AND quota_key = ?'),
    clientQuotaInsert: s('INSERT INTO client_quota (user, client_id, quota_key, value) VALUES (?, ?, ?, ?)'),
    batchDeleteByTopic: s('DELETE FROM batch WHERE topic = ?'),
    batchPurge: s(
      `DELETE FROM batch WHERE rowid IN (SELECT rowid FROM batch WHERE topic = ? AND partition = ? AND last_offset < ?
         ORDER BY last_offset LIMIT ?)`,
    ),
    batchAnyBelow: s('SELECT 1 FROM batch WHERE topic = ? AND partition = ? AND last_offset < ? LIMIT 1').pluck(),
    abortedPurge: s('DELETE FROM aborted_txn WHERE topic = ? AND partition = ? AND last_offset < ?'),
    batchStats: s(
      `SELECT coalesce(sum(length(bytes)), 0), coalesce(max(max_timestamp), -1) FROM batch
       WHERE topic = ? AND partition = ? AND last_offset >= ? AND last_offset < ?`,
    ).raw(),
    batchPartBytes: s(
      `SELECT coalesce(sum(length(bytes)), 0) FROM batch_part
       WHERE topic = ? AND partition = ? AND last_offset >= ? AND last_offset < ?`,
    ).pluck(),
    batchFirstMaxTimestamp: s(
      `SELECT max_timestamp FROM batch WHERE topic = ? AND partition = ? AND last_offset >= ? AND last_offset < ?
       ORDER BY last_offset LIMIT 1`,
    ).pluck(),
    batchSelectForCleaner: s(
      `SELECT bytes, base_offset, last_offset, parts, delete_horizon FROM batch
       WHERE topic = ? AND partition = ? AND last_offset >= ? AND base_offset < ? ORDER BY last_offset LIMIT ?`,
    ).raw(),
    batchPartDelete: s('DELETE FROM batch_part WHERE topic = ? AND partition = ? AND last_offset = ?'),
    batchDeleteOne: s('DELETE FROM batch WHERE topic = ? AND partition = ? AND last_offset = ?'),
    batchDeleteRange: s('DELETE FROM batch WHERE topic = ? AND partition = ? AND last_offset BETWEEN ? AND ?'),
    batchRewrite: s(
      `UPDATE batch SET bytes = ?, parts = ?, record_count = ?, max_timestamp = ?, attributes = ?, delete_horizon = ?
       WHERE topic = ? AND partition = ? AND last_offset = ?`,
    ),
    segmentSelectAll: s(
      `SELECT topic, partition, base_offset AS baseOffset, created_at AS createdAt, size, max_timestamp AS maxTimestamp,
         roll_timestamp AS rollTimestamp, stats_end AS statsEnd
       FROM segment ORDER BY topic, partition, base_offset`,
    ),
    segmentUpsert: s(
      `INSERT INTO segment (topic, partition, base_offset, created_at, size, max_timestamp, roll_timestamp, stats_end)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (topic, partition, base_offset) DO UPDATE SET created_at = excluded.created_at,
         size = excluded.size, max_timestamp = excluded.max_timestamp, roll_timestamp = excluded.roll_timestamp,
         stats_end = excluded.stats_end`,
    ),
    segmentDeleteBefore: s('DELETE FROM segment WHERE topic = ? AND partition = ? AND base_offset < ?'),
    partitionUpdateCleanOffset: s('UPDATE topic_partition SET clean_offset = ? WHERE topic = ? AND partition = ?'),
    partitionSelectCleanOffsets: s(
      'SELECT topic, partition, clean_offset AS cleanOffset FROM topic_partition ORDER BY topic, partition',
    ),
    partitionUpdateLogStart: s('UPDATE topic_partition SET log_start_offset = ? WHERE topic = ? AND partition = ?'),
    groupSelectAll: s(
      `SELECT group_id AS groupId, protocol_type AS protocolType, protocol, generation, leader, state, members,
         updated_at AS updatedAt
       FROM consumer_group ORDER BY group_id`,
    ),
    groupUpsert: s(
      `INSERT INTO consumer_group (group_id, protocol_type, protocol, generation, leader, state, members, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (group_id) DO UPDATE SET protocol_type = excluded.protocol_type, protocol = excluded.protocol,
         generation = excluded.generation, leader = excluded.leader, state = excluded.state,
         members = excluded.members, updated_at = excluded.updated_at`,
    ),
    groupDelete: s('DELETE FROM consumer_group WHERE group_id = ?'),
    offsetUpsert: s(
      `INSERT INTO group_offset (group_id, topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET committed_offset = excluded.committed_offset,
         leader_epoch = excluded.leader_epoch, metadata = excluded.metadata, commit_timestamp = excluded.commit_timestamp`,
    ),
    offsetSelectGroup: s(
      `SELECT group_id AS groupId, topic, partition, committed_offset AS offset, leader_epoch AS leaderEpoch, metadata,
         commit_timestamp AS commitTimestamp FROM group_offset WHERE group_id = ? ORDER BY topic, partition`,
    ),
    offsetSelectAll: s(
      `SELECT group_id AS groupId, topic, partition, committed_offset AS offset, leader_epoch AS leaderEpoch, metadata,
         commit_timestamp AS commitTimestamp FROM group_offset ORDER BY group_id, topic, partition`,
    ),
    offsetDelete: s('DELETE FROM group_offset WHERE group_id = ? AND topic = ? AND partition = ?'),
    offsetDeleteGroup: s('DELETE FROM group_offset WHERE group_id = ?'),
    offsetDeleteTopic: s('DELETE FROM group_offset WHERE topic = ?'),
    producerUpsert: s(
      `INSERT INTO producer_state (topic, partition, producer_id, producer_epoch, last_sequence, last_offset,
         last_timestamp, coordinator_epoch, txn_first_offset, recent_batches)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (topic, partition, producer_id) DO UPDATE SET producer_epoch = excluded.producer_epoch,
         last_sequence = excluded.last_sequence, last_offset = excluded.last_offset,
         last_timestamp = excluded.last_timestamp, coordinator_epoch = excluded.coordinator_epoch,
         txn_first_offset = excluded.txn_first_offset, recent_batches = excluded.recent_batches`,
    ),
    producerSelectAll: s(
      `SELECT topic, partition, producer_id AS producerId, producer_epoch AS producerEpoch,
         last_sequence AS lastSequence, last_offset AS lastOffset, last_timestamp AS lastTimestamp,
         coordinator_epoch AS coordinatorEpoch, txn_first_offset AS txnFirstOffset, recent_batches AS recentBatches
       FROM producer_state ORDER BY topic, partition, producer_id`,
    ),
    producerDelete: s('DELETE FROM producer_state WHERE topic = ? AND partition = ? AND producer_id = ?'),
    abortedInsert: s(
      'INSERT INTO aborted_txn (topic, partition, producer_id, first_offset, last_offset) VALUES (?, ?, ?, ?, ?)',
    ),
    abortedSelectRange: s(
      `SELECT topic, partition, producer_id AS producerId, first_offset AS firstOffset, last_offset AS lastOffset
       FROM aborted_txn WHERE topic = ? AND partition = ? AND last_offset >= ? AND first_offset < ?
       ORDER BY last_offset`,
    ),
    metaIncrement: s(
      `INSERT INTO broker_meta (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1
       RETURNING value - 1`,
    ).pluck(),
    logSampleSelectAll: s(
      'SELECT topic, partition, ts, end_offset AS endOffset FROM log_sample ORDER BY topic, partition, ts',
    ),
    commitSampleSelectAll: s(
      `SELECT group_id AS groupId, topic, partition, ts, committed, end_offset AS endOffset FROM commit_sample
       ORDER BY group_id, topic, partition, ts`,
    ),
    logSampleInsert: s('INSERT OR REPLACE INTO log_sample (topic, partition, ts, end_offset) VALUES (?, ?, ?, ?)'),
    logSampleDeleteTopic: s('DELETE FROM log_sample WHERE topic = ?'),
    commitSampleDeleteTopic: s('DELETE FROM commit_sample WHERE topic = ?'),
    commitSampleDeleteGroup: s('DELETE FROM commit_sample WHERE group_id = ?'),
    logSampleDeleteFrom: s('DELETE FROM log_sample WHERE topic = ? AND partition = ? AND ts >= ?'),
    commitSampleDeleteFrom: s(
      'DELETE FROM commit_sample WHERE group_id = ? AND topic = ? AND partition = ? AND ts >= ?',
    ),
    commitSampleInsert: s(
      `INSERT OR REPLACE INTO commit_sample (group_id, topic, partition, ts, committed, end_offset)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    logSamplePrune: s('DELETE FROM log_sample WHERE topic = ? AND partition = ? AND ts < ?'),
    commitSamplePrune: s('DELETE FROM commit_sample WHERE group_id = ? AND topic = ? AND partition = ? AND ts < ?'),
    txnSelectAll: s(
      `SELECT transactional_id AS transactionalId, producer_id AS producerId, producer_epoch AS producerEpoch,
         timeout_ms AS timeoutMs, state, partitions, pending_offsets AS pendingOffsets, start_time AS startTime,
         updated_at AS updatedAt
       FROM txn ORDER BY transactional_id`,
    ),
    txnDelete: s('DELETE FROM txn WHERE transactional_id = ?'),
    txnUpsert: s(
      `INSERT INTO txn (transactional_id, producer_id, producer_epoch, timeout_ms, state, partitions, pending_offsets,
         start_time, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (transactional_id) DO UPDATE SET producer_id = excluded.producer_id,
         producer_epoch = excluded.producer_epoch, timeout_ms = excluded.timeout_ms, state = excluded.state,
         partitions = excluded.partitions, pending_offsets = excluded.pending_offsets,
         start_time = excluded.start_time, updated_at = excluded.updated_at`,
    ),
  }
}

function toTopicRow(r: TopicRecord): TopicRow {
  return {
    id: r.id,
    name: r.name,
    topicId: r.topic_id,
    partitions: r.partitions,
    configs: JSON.parse(r.configs) as Record<string, string>,
    createdAt: r.created_at,
  }
}
