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
  readonly #appendTx: (batches: readonly BatchRow[], nextOffsets: readonly PartitionRow[]) => void
  readonly #commitTx: (offsets: readonly OffsetRow[]) => void

  private constructor(db: Database, path: string) {
    this.db = db
    this.path = path
    this.#s = prepare(db)
    const s = this.#s
    this.#appendTx = db.transaction((batches: readonly BatchRow[], nextOffsets: readonly PartitionRow[]) => {
      for (const b of batches) {
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
      for (const p of nextOffsets) s.partitionUpdateNextOffset.run(p.nextOffset, p.topic, p.partition)
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

  /** Replaces a topic's config overrides. */
  setTopicConfigs(id: number, configs: Record<string, string>): void {
    this.#s.topicUpdateConfigs.run(JSON.stringify(configs), id)
  }

  /**
   * Appends batches and moves the partitions' next offsets, in one transaction: once this returns, the batches are
   * committed (and survive a crash of the process).
   */
  appendBatches(batches: readonly BatchRow[], nextOffsets: readonly PartitionRow[]): void {
    this.#appendTx(batches, nextOffsets)
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
