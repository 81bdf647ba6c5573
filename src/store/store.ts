import {statSync} from 'node:fs'
import type {Database, Statement} from 'better-sqlite3'
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

/**
 * The SQLite store: one method per domain operation, statements prepared once. It knows tables and rows, nothing
 * of sockets, requests or Kafka's rules: the daemon decides, the store persists.
 */
export class Store {
  readonly db: Database
  readonly path: string
  readonly #s: ReturnType<typeof prepare>
  readonly #appendTx: (write: LogWrite) => void
  readonly #commitTx: (offsets: readonly OffsetRow[]) => void

  private constructor(db: Database, path: string) {
    this.db = db
    this.path = path
    this.#s = prepare(db)
    const s = this.#s
    this.#appendTx = db.transaction((write: LogWrite) => {
      for (const b of write.batches) {
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
          b.bytes,
        )
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

  /** Checkpoints the write-ahead log into the database file and closes it. */
  close(): void {
    if (!this.db.open) return
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    this.db.close()
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
      for (let p = 0; p < topic.partitions; p++) this.#s.partitionInsert.run(id, p)
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
  addPartitions(id: number, from: number, count: number): void {
    this.db.transaction(() => {
      for (let p = from; p < count; p++) this.#s.partitionInsert.run(id, p)
      this.#s.topicUpdatePartitions.run(count, id)
    })()
  }

  /**
   * Moves a partition's log start offset forward to `logStartOffset` (Kafka's DeleteRecords) and deletes the
   * batches that end below it, in one transaction. A batch that straddles it stays: the broker hides its records
   * below the log start.
   */
  deleteRecordsBefore(topic: number, partition: number, logStartOffset: number): void {
    this.transaction(() => {
      this.#s.batchDeleteBefore.run(topic, partition, logStartOffset)
      this.#s.partitionUpdateLogStart.run(logStartOffset, topic, partition)
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
    const batches: Buffer[] = []
    let bytes = 0
    for (const row of this.#s.batchSelectFrom.iterate(topic, partition, fromOffset) as Iterable<[Buffer, number]>) {
      const [data, baseOffset] = row
      if (baseOffset >= endOffset) break
      if (batches.length > 0 && bytes + data.length > maxBytes) break
      batches.push(data)
      bytes += data.length
      if (bytes >= maxBytes) break
    }
    return {batches, bytes}
  }

  /** The base offset and bytes of the first batch whose max timestamp is at or after `timestamp`. */
  firstBatchAtOrAfterTimestamp(topic: number, partition: number, timestamp: number): Buffer | undefined {
    return this.#s.batchSelectByTimestamp.get(topic, partition, timestamp) as Buffer | undefined
  }

  /** The batch holding the largest timestamp of a partition (the first such batch on ties). */
  batchWithMaxTimestamp(topic: number, partition: number): Buffer | undefined {
    return this.#s.batchSelectMaxTimestamp.get(topic, partition) as Buffer | undefined
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
         producer_epoch, base_sequence, attributes, record_count, bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    batchSelectFrom: s(
      `SELECT bytes, base_offset FROM batch WHERE topic = ? AND partition = ? AND last_offset >= ?
       ORDER BY last_offset`,
    ).raw(),
    batchSelectByTimestamp: s(
      `SELECT bytes FROM batch WHERE topic = ? AND partition = ? AND max_timestamp >= ?
       ORDER BY last_offset LIMIT 1`,
    ).pluck(),
    batchSelectMaxTimestamp: s(
      `SELECT bytes FROM batch WHERE topic = ? AND partition = ?
       ORDER BY max_timestamp DESC, last_offset ASC LIMIT 1`,
    ).pluck(),
    batchDeleteByTopic: s('DELETE FROM batch WHERE topic = ?'),
    batchDeleteBefore: s('DELETE FROM batch WHERE topic = ? AND partition = ? AND last_offset < ?'),
    partitionUpdateLogStart: s('UPDATE topic_partition SET log_start_offset = ? WHERE topic = ? AND partition = ?'),
    groupSelectAll: s(
      `SELECT group_id AS groupId, protocol_type AS protocolType, protocol, generation, leader, state, members
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
