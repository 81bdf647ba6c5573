// The broker's rules: topics and partitions, appends with offset assignment, reads, offsets by time. State that
// every request needs (topics, partition offsets) is kept in memory and written through to the store, which is the
// only writer of the database; the daemon is the only process that opens it.
import {randomKafkaUuid} from '../uuid.js'
import {KafkaException, KafkaStorageException, type ErrorData} from '../errors.js'
import type {ConfigEntryData, ParsedRequests, Responses, TopicMetadataData} from '../protocol/socket/messages.js'
import {
  ATTRIBUTE,
  TIMESTAMP_TYPE,
  buildControlBatch,
  decodeRecords,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  validateBatch,
  validateRecords,
  recompress,
  CODECS,
  COMPRESSION,
  type BatchHeader,
  type Codec,
} from '../protocol/kafka/record-batch.js'
import {INTERNAL_TOPICS, invalidTopicNameMessage, unifyCollisionChars} from '../protocol/kafka/topic-name.js'
import type {StorageFailure} from '../store/failure.js'
import type {
  AbortedTxnRow,
  BatchRow,
  PartitionRow,
  ProducerStateRow,
  SegmentRow,
  Store,
  TopicRow,
} from '../store/store.js'
import {setOwn} from '../properties.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'
import type {BrokerConfig} from './broker-config.js'
import {afterAppend, checkProducerBatch, fromRow, toRow, type ProducerEntry} from './producer-state.js'
import {addBatch, newSegment, shouldRoll, type Segment} from './segments.js'
import {
  TOPIC_CONFIGS,
  TopicConfigResolver,
  topicConfigDef,
  validateTopicConfigs,
  validateValue,
} from './topic-config.js'
import {DYNAMIC_BROKER_SETTINGS, describeBrokerConfigs} from './broker-config.js'

export interface PartitionState {
  readonly topic: TopicState
  readonly index: number
  logStartOffset: number
  /** Log end offset, which is also the high watermark: with one broker every committed write is fully replicated. */
  nextOffset: number
  /** Parked fetches to wake when this partition grows. */
  readonly waiters: Set<() => void>
  /** What the partition knows of each producer that wrote to it, by producer id. */
  readonly producers: Map<number, ProducerEntry>
  /** First offsets of the open transactions on this partition, by producer id. */
  readonly ongoing: Map<number, number>
  /** The log's segments, oldest first; the last is the active segment (see segments.ts). */
  segments: Segment[]
  /** The cleaner's checkpoint: offsets below it are compacted (Kafka's cleaner-offset-checkpoint). */
  cleanOffset: number
  /**
   * The latest delete horizon of the tombstones and markers the cleaner kept (Kafka's latestDeleteHorizon, KIP-534),
   * or -1: once it passes, the partition is cleaned again even without dirty data, to remove them.
   */
  deleteHorizon: number
}

/** A transaction marker to write: the coordinator decides, the broker appends. */
export interface MarkerSpec {
  topic: string
  partition: number
  producerId: number
  producerEpoch: number
  committed: boolean
  coordinatorEpoch: number
}

/**
 * Checks a transactional batch with the transaction coordinator before it is appended, and adds the partition to
 * the producer's transaction (as Kafka 4's transactions v2 do on the partition leader, KIP-890). Throws when the
 * producer is fenced or has no transaction. Returns what to save with the append (in its SQLite transaction) when
 * the transaction's state changed.
 */
/**
 * Checks a transactional batch against its producer's transaction (KIP-890's verification, done by the transaction
 * coordinator): throws when the producer may not write it, else returns the save to run in the same SQLite
 * transaction as the append (the partition joins the transaction), or null when there is nothing to save.
 */
export type TransactionVerifier = (producerId: number, producerEpoch: number, p: PartitionState) => (() => void) | null

/** The broker's collaborators, given at construction (the broker core wires them: src/broker/core.ts). */
export interface BrokerOptions {
  /** The clock (tests pass a fake one). */
  now?: () => number
  /** The transaction coordinator's check of every transactional batch; without it such batches are refused. */
  verifyTransaction?: TransactionVerifier
  /** Told of every partition whose log grew, once the write is committed (the lag history samples it). */
  onAppended?: (p: PartitionState, endOffset: number, now: number) => void
  /** Told of every partition whose log start offset moved (its batches below are then purged in steps). */
  onLogStartMoved?: (p: PartitionState) => void
}

const newPartition = (
  topic: TopicState,
  index: number,
  createdAt: number,
  logStartOffset = 0,
  nextOffset = 0,
): PartitionState => ({
  topic,
  index,
  logStartOffset,
  nextOffset,
  waiters: new Set(),
  producers: new Map(),
  ongoing: new Map(),
  segments: [newSegment(0, createdAt)],
  cleanOffset: 0,
  deleteHorizon: -1,
})

/**
 * The last stable offset: the first offset of the earliest open transaction, or the high watermark; never below the
 * log start offset (records deleted below an open transaction's start no longer hold readers back, as in Kafka).
 */
export function lastStableOffset(p: PartitionState): number {
  let lso = p.nextOffset
  for (const first of p.ongoing.values()) if (first < lso) lso = first
  return Math.max(lso, p.logStartOffset)
}

const partitionName = (p: PartitionState) => `${p.topic.row.name}-${p.index}`

export interface TopicState {
  row: TopicRow
  partitions: PartitionState[]
  /** Effective values the append path reads on every batch. */
  maxMessageBytes: number
  /** What a compressed batch may decompress to (see decompressionBound). */
  maxDecompressedBytes: number
  /** cleanup.policy includes compact: records need keys. */
  compacted: boolean
  /** min.insync.replicas: an acks=all write needs this many in-sync replicas (one broker has one). */
  minInsyncReplicas: number
  /** message.timestamp.before.max.ms and message.timestamp.after.max.ms. */
  timestampBeforeMaxMs: number
  timestampAfterMaxMs: number
  logAppendTime: boolean
  /** compression.type: the codec batches are stored with, or null to keep the producer's ('producer'). */
  compression: Codec | null
  /** cleanup.policy includes delete: retention.ms and retention.bytes apply. */
  deletes: boolean
  /** retention.ms and retention.bytes (-1: no limit). */
  retentionMs: number
  retentionBytes: number
  /** segment.bytes and segment.ms: when the active segment is rolled. */
  segmentBytes: number
  segmentMs: number
  /** The cleaner's settings (compacted topics). */
  deleteRetentionMs: number
  minCompactionLagMs: number
  maxCompactionLagMs: number
  minCleanableDirtyRatio: number
  deleted: boolean
}

/** One batch of a produce request, for a partition. */
export interface ProduceBatch {
  topic: string
  partition: number
  /** One RecordBatch v2 (its base offset is set in place when it is appended). */
  records: Buffer
}

/** A produce request as the broker takes it, whatever front end it came through. */
export interface ProduceRequest {
  /** 0, 1 or -1 (all). */
  acks: number
  timeoutMs: number
  batches: readonly ProduceBatch[]
}
type ProduceResult = Responses['produce']['results'][number]

const errorData = (error: unknown): ErrorData =>
  error instanceof KafkaException
    ? error.toJSON()
    : {code: 'UNKNOWN_SERVER_ERROR', message: error instanceof Error ? error.message : String(error)}

const unknownTopic = (name: string) =>
  new KafkaException('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)

/**
 * What a compressed batch may decompress to. Kafka decompresses as it reads, one record at a time; kafkalite
 * decompresses a batch at once, so a small batch that expands enormously (a compression bomb) must be refused
 * before it is allocated: 32 times the topic's max.message.bytes (at least 16 MiB), within socket.request.max.bytes.
 */
export function decompressionBound(maxMessageBytes: number, maxFrameBytes: number): number {
  return Math.min(Math.max(32 * maxMessageBytes, 16 << 20), Math.max(maxFrameBytes, 16 << 20))
}

/**
 * Partitions one CreateTopics or CreatePartitions request may create, as Kafka's controller allows
 * (MAX_PARTITIONS_PER_BATCH): each is a row written and a state held, and a request for 2^31 - 1 of them left the
 * daemon answering no one for as long as it took (over a minute, when we stopped waiting).
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000

function tooManyPartitions(what: string, advice: string): ErrorData {
  return {
    code: 'POLICY_VIOLATION',
    message: `Excessively large number of partitions per request: ${what}, at most ${MAX_PARTITIONS_PER_REQUEST}. ${advice}.`,
  }
}

/**
 * Kafka's APPEND and SUBTRACT of IncrementalAlterConfigs on a list config: the values of `value` (comma-separated)
 * added to the override, or to the config's default without one, when missing; or their first occurrences removed.
 */
function alterList(overrides: Record<string, string>, name: string, value: string, op: 'APPEND' | 'SUBTRACT'): string {
  const def = topicConfigDef(name)
  if (!def) throw new KafkaException('INVALID_CONFIG', `Unknown topic config name: ${name}`)
  if (def.type !== 'LIST') {
    throw new KafkaException('INVALID_CONFIG', `Can't ${op} to key ${name} because its type is not LIST.`)
  }
  const current = Object.hasOwn(overrides, name) ? overrides[name]! : def.default
  const parts = current.split(',').filter((v) => v !== '')
  for (const v of value.split(',')) {
    const at = parts.indexOf(v)
    if (op === 'APPEND' && at < 0) parts.push(v)
    if (op === 'SUBTRACT' && at >= 0) parts.splice(at, 1)
  }
  return parts.join(',')
}

/** Kafka's topic id: a random UUID printed as URL-safe base64 without padding. */
export function newTopicId(): string {
  return randomKafkaUuid()
}

export class Broker {
  readonly store: Store
  readonly config: BrokerConfig
  readonly configs: TopicConfigResolver
  readonly #topics = new Map<string, TopicState>()
  readonly #byId = new Map<number, TopicState>()
  /** By Kafka's topic id (the UUID clients name topics by in Fetch v13+, Produce v13+, Metadata v10+). */
  readonly #byTopicId = new Map<string, TopicState>()
  readonly #now: () => number
  readonly #verifyTransaction: TransactionVerifier | null
  readonly #onAppended: ((p: PartitionState, endOffset: number, now: number) => void) | null
  readonly #onLogStartMoved: ((p: PartitionState) => void) | null
  /** Producers whose batches the storage refused, by partition: where their sequence stands (see restore). */
  readonly #refused = new Map<
    PartitionState,
    Map<number, {epoch: number; lastSequence: number; failure: StorageFailure}>
  >()
  /** The bench's baseline only (BrokerConfig.benchSkipRecordValidation). */
  readonly #skipRecordValidation: boolean

  constructor(store: Store, config: BrokerConfig, options: BrokerOptions = {}) {
    this.store = store
    this.config = config
    this.configs = new TopicConfigResolver(config.topicDefaults)
    this.#now = options.now ?? Date.now
    this.#verifyTransaction = options.verifyTransaction ?? null
    this.#onAppended = options.onAppended ?? null
    this.#onLogStartMoved = options.onLogStartMoved ?? null
    this.#skipRecordValidation = config.benchSkipRecordValidation === true
    this.#load()
  }

  /**
   * Makes memory agree with the store again, after a unit of work that the storage refused (a full disk) was rolled
   * back: topics, their configs and partitions, log offsets and producer state are read back. Topic and partition
   * objects are kept where they still exist, so fetches parked on them are still woken.
   *
   * A producer whose batches were rolled back may have sent the next ones already (max.in.flight > 1): those would
   * now be out of sequence, an error fatal to an idempotent producer. They get the storage's refusal instead, as
   * Kafka answers for a partition whose log directory went offline, until the refused batch is written.
   */
  restore(failure: StorageFailure): void {
    const sequences = new Map<PartitionState, Map<number, ProducerEntry>>()
    for (const topic of this.#topics.values()) {
      for (const p of topic.partitions) if (p.producers.size > 0) sequences.set(p, new Map(p.producers))
    }
    this.#load()
    for (const [p, before] of sequences) {
      for (const [producerId, ahead] of before) {
        const stored = p.producers.get(producerId)
        if (stored?.epoch === ahead.epoch && stored.lastSequence !== ahead.lastSequence) {
          this.#noteRefused(p, stored, failure)
        }
      }
    }
  }

  /** Remembers that the storage refused the batches of a producer that came after `stored` (see restore). */
  #noteRefused(p: PartitionState, stored: ProducerEntry | undefined, failure: StorageFailure): void {
    if (stored === undefined) return // a producer the partition does not know is taken at its word anyway
    let refused = this.#refused.get(p)
    if (refused === undefined) this.#refused.set(p, (refused = new Map()))
    refused.set(stored.producerId, {epoch: stored.epoch, lastSequence: stored.lastSequence, failure})
  }

  #load(): void {
    this.#loadDynamicConfigs()
    const previous = new Map(this.#byId)
    this.#topics.clear()
    this.#byId.clear()
    this.#byTopicId.clear()
    for (const row of this.store.listTopics()) {
      const kept = previous.get(row.id)
      // A topic id the rolled-back unit deleted and reused for another topic is another topic.
      const state = kept !== undefined && kept.row.topicId === row.topicId ? kept : this.#topicState(row)
      state.row = row
      state.deleted = false
      this.#applyConfigs(state)
      state.partitions.length = Math.min(state.partitions.length, row.partitions)
      this.#topics.set(row.name, state)
      this.#byId.set(row.id, state)
      this.#byTopicId.set(row.topicId, state)
    }
    for (const state of previous.values()) {
      if (this.#byId.get(state.row.id) === state) continue
      state.deleted = true
      for (const p of state.partitions) this.#wake(p)
    }
    for (const p of this.store.listPartitions()) {
      const topic = this.#byId.get(p.topic)
      if (!topic) continue
      let kept = topic.partitions[p.partition]
      if (kept === undefined) {
        kept = newPartition(topic, p.partition, topic.row.createdAt, p.logStartOffset, p.nextOffset)
        topic.partitions[p.partition] = kept
      }
      kept.logStartOffset = p.logStartOffset
      kept.nextOffset = p.nextOffset
      kept.producers.clear()
      kept.ongoing.clear()
      kept.segments = []
    }
    this.#loadSegments()
    for (const row of this.store.listProducerStates()) {
      const p = this.#byId.get(row.topic)?.partitions[row.partition]
      if (!p) continue
      const entry = fromRow(row)
      p.producers.set(entry.producerId, entry)
      if (entry.txnFirstOffset >= 0) p.ongoing.set(entry.producerId, entry.txnFirstOffset)
    }
  }

  /**
   * Reads the segments back, as stored, and the cleaner checkpoints. The active segment's totals are checkpointed
   * every second (saveSegmentCheckpoint): what was appended after its checkpoint (a kill -9 loses at most a second
   * of it) is read from its batches.
   */
  #loadSegments(): void {
    for (const row of this.store.listSegments()) {
      const p = this.#byId.get(row.topic)?.partitions[row.partition]
      if (!p) continue
      const {topic: _topic, partition: _partition, ...segment} = row
      p.segments.push(segment)
    }
    for (const {topic, partition, cleanOffset} of this.store.listCleanOffsets()) {
      const p = this.#byId.get(topic)?.partitions[partition]
      if (p) p.cleanOffset = cleanOffset
    }
    for (const topic of this.#topics.values()) {
      for (const p of topic.partitions) {
        if (p.segments.length === 0) p.segments.push(newSegment(p.logStartOffset, this.#now()))
        const active = p.segments.at(-1)!
        const from = Math.max(active.baseOffset, Math.min(active.statsEnd, p.nextOffset))
        if (from >= p.nextOffset) continue
        const stats = this.store.segmentStats(topic.row.id, p.index, from, Number.MAX_SAFE_INTEGER)
        if (active.size === 0 && active.rollTimestamp < 0) active.rollTimestamp = stats.firstMaxTimestamp
        active.size += stats.size
        active.maxTimestamp = Math.max(active.maxTimestamp, stats.maxTimestamp)
      }
    }
  }

  /**
   * Saves the totals of the active segments that grew since their last checkpoint (the log manager calls this every
   * second and at shutdown), so that a start reads only what came after. Returns how many it saved.
   */
  saveSegmentCheckpoint(): number {
    const rows: SegmentRow[] = []
    const saved: [Segment, number][] = []
    for (const t of this.#topics.values()) {
      for (const p of t.partitions) {
        const active = p.segments.at(-1)
        if (active === undefined || active.statsEnd >= p.nextOffset) continue
        rows.push({topic: t.row.id, partition: p.index, ...active, statsEnd: p.nextOffset})
        saved.push([active, p.nextOffset])
      }
    }
    if (rows.length === 0) return 0
    this.store.saveSegments(rows)
    for (const [segment, end] of saved) segment.statsEnd = end
    return rows.length
  }

  /** All topics, sorted by name. */
  topics(): TopicState[] {
    return [...this.#topics.values()].sort((a, b) => (a.row.name < b.row.name ? -1 : 1))
  }

  /** The topic with this Kafka topic id (22 characters of base64url). */
  topicById(topicId: string): TopicState | undefined {
    return this.#byTopicId.get(topicId)
  }

  topic(name: string): TopicState | undefined {
    return this.#topics.get(name)
  }

  /** A partition, or an UNKNOWN_TOPIC_OR_PARTITION error naming it. */
  partition(topic: string, partition: number): PartitionState {
    const state = this.#topics.get(topic)
    if (!state) throw unknownTopic(topic)
    const p = state.partitions[partition]
    if (!p) {
      throw new KafkaException(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${partition} of topic '${topic}' does not exist (the topic has ${state.partitions.length} partition(s): 0-${state.partitions.length - 1}).`,
      )
    }
    return p
  }

  // ---- topics ---------------------------------------------------------------------------------------------------

  /** Kafka's Metadata request, which also creates missing topics when asked and allowed (auto.create.topics.enable). */
  metadata(req: ParsedRequests['metadata']): Responses['metadata'] {
    const names = req.topics ?? this.topics().map((t) => t.row.name)
    const topics: TopicMetadataData[] = []
    for (const name of names) {
      let state = this.#topics.get(name)
      if (!state && req.allowAutoTopicCreation && this.config.autoCreateTopics) {
        try {
          state = this.createTopic(name, -1, -1, {})
        } catch (error) {
          topics.push({name, topicId: '', internal: false, partitions: 0, maxMessageBytes: 0, error: errorData(error)})
          continue
        }
      }
      if (!state) {
        const reason = invalidTopicNameMessage(name)
        const error = reason
          ? new KafkaException('INVALID_TOPIC_EXCEPTION', reason)
          : new KafkaException(
              'UNKNOWN_TOPIC_OR_PARTITION',
              this.config.autoCreateTopics
                ? `Topic '${name}' does not exist.`
                : `Topic '${name}' does not exist and auto.create.topics.enable is false. Create it with 'kafkalite topics --create --topic ${name}'.`,
            )
        topics.push({name, topicId: '', internal: false, partitions: 0, maxMessageBytes: 0, error: error.toJSON()})
        continue
      }
      topics.push(this.#metadataOf(state))
    }
    return {brokerId: this.config.brokerId, topics}
  }

  #metadataOf(state: TopicState): TopicMetadataData {
    return {
      name: state.row.name,
      topicId: state.row.topicId,
      internal: INTERNAL_TOPICS.has(state.row.name),
      partitions: state.partitions.length,
      maxMessageBytes: state.maxMessageBytes,
    }
  }

  /** Creates one topic with Kafka's checks and messages. -1 means the broker default. */
  createTopic(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly = false,
  ): TopicState {
    const invalid = invalidTopicNameMessage(name)
    if (invalid) throw new KafkaException('INVALID_TOPIC_EXCEPTION', invalid)
    if (this.#topics.has(name)) throw new KafkaException('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`)
    const unified = unifyCollisionChars(name)
    for (const other of this.#topics.keys()) {
      if (unifyCollisionChars(other) === unified) {
        throw new KafkaException('INVALID_TOPIC_EXCEPTION', `Topic '${name}' collides with existing topic: ${other}`)
      }
    }
    const partitions = numPartitions === -1 ? this.config.numPartitions : numPartitions
    if (partitions < 1) {
      throw new KafkaException('INVALID_PARTITIONS', 'Number of partitions was set to an invalid non-positive value.')
    }
    const rf = replicationFactor === -1 ? 1 : replicationFactor
    if (rf < 1) {
      throw new KafkaException(
        'INVALID_REPLICATION_FACTOR',
        'Replication factor must be larger than 0, or -1 to use the default value.',
      )
    }
    if (rf > 1) {
      throw new KafkaException(
        'INVALID_REPLICATION_FACTOR',
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.`,
      )
    }
    const normalized = validateTopicConfigs(configs)
    const row: Omit<TopicRow, 'id'> = {
      name,
      topicId: newTopicId(),
      partitions,
      configs: normalized,
      createdAt: this.#now(),
    }
    if (validateOnly) return this.#topicState({...row, id: -1}, true)
    const created = this.store.createTopic(row)
    const state = this.#topicState(created, true)
    this.#topics.set(name, state)
    this.#byId.set(created.id, state)
    this.#byTopicId.set(created.topicId, state)
    return state
  }

  #topicState(row: TopicRow, withPartitions = false): TopicState {
    const state: TopicState = {
      row,
      partitions: [],
      maxMessageBytes: 0,
      maxDecompressedBytes: 0,
      compacted: false,
      minInsyncReplicas: 1,
      timestampBeforeMaxMs: 0,
      timestampAfterMaxMs: 0,
      logAppendTime: false,
      compression: null,
      deletes: true,
      retentionMs: -1,
      retentionBytes: -1,
      segmentBytes: 0,
      segmentMs: 0,
      deleteRetentionMs: 0,
      minCompactionLagMs: 0,
      maxCompactionLagMs: 0,
      minCleanableDirtyRatio: 0,
      deleted: false,
    }
    this.#applyConfigs(state)
    if (withPartitions) {
      for (let p = 0; p < row.partitions; p++) state.partitions.push(newPartition(state, p, row.createdAt))
    }
    return state
  }

  #applyConfigs(state: TopicState): void {
    state.maxMessageBytes = Number(this.configs.value('max.message.bytes', state.row.configs))
    state.maxDecompressedBytes = decompressionBound(state.maxMessageBytes, this.config.maxFrameBytes)
    const policy = this.configs.value('cleanup.policy', state.row.configs).split(',')
    state.compacted = policy.includes('compact')
    state.deletes = policy.includes('delete')
    const number = (name: string) => Number(this.configs.value(name, state.row.configs))
    state.retentionMs = number('retention.ms')
    state.retentionBytes = number('retention.bytes')
    state.segmentBytes = number('segment.bytes')
    state.segmentMs = number('segment.ms')
    state.deleteRetentionMs = number('delete.retention.ms')
    state.minCompactionLagMs = number('min.compaction.lag.ms')
    state.maxCompactionLagMs = number('max.compaction.lag.ms')
    state.minCleanableDirtyRatio = number('min.cleanable.dirty.ratio')
    state.minInsyncReplicas = Number(this.configs.value('min.insync.replicas', state.row.configs))
    state.timestampBeforeMaxMs = Number(this.configs.value('message.timestamp.before.max.ms', state.row.configs))
    state.timestampAfterMaxMs = Number(this.configs.value('message.timestamp.after.max.ms', state.row.configs))
    state.logAppendTime = this.configs.value('message.timestamp.type', state.row.configs) === 'LogAppendTime'
    const compression = this.configs.value('compression.type', state.row.configs)
    state.compression =
      compression === 'uncompressed'
        ? 'none'
        : (CODECS as readonly string[]).includes(compression)
          ? (compression as Codec)
          : null
  }

  createTopics(req: ParsedRequests['createTopics']): Responses['createTopics'] {
    let partitions = 0
    for (const t of req.topics)
      partitions += t.numPartitions === -1 ? this.config.numPartitions : Math.max(0, t.numPartitions)
    if (partitions > MAX_PARTITIONS_PER_REQUEST) {
      // Kafka fails every topic of the request (ReplicationControlManager.validateTotalNumberOfPartitions).
      const error = tooManyPartitions(`${partitions} requested`, 'Create the topics in several requests')
      return {topics: req.topics.map((t) => ({name: t.name, error}))}
    }
    const seen = new Set<string>()
    return {
      topics: req.topics.map((t) => {
        try {
          if (seen.has(t.name)) {
            throw new KafkaException('INVALID_REQUEST', `Topic '${t.name}' is listed more than once in the request.`)
          }
          seen.add(t.name)
          const state = this.createTopic(t.name, t.numPartitions, t.replicationFactor, t.configs, req.validateOnly)
          return {
            name: t.name,
            topicId: state.row.topicId,
            numPartitions: state.partitions.length,
            replicationFactor: 1,
          }
        } catch (error) {
          return {name: t.name, error: errorData(error)}
        }
      }),
    }
  }

  deleteTopics(req: ParsedRequests['deleteTopics']): Responses['deleteTopics'] {
    return {
      topics: req.names.map((name) => {
        try {
          if (!this.config.deleteTopicEnable) {
            throw new KafkaException('POLICY_VIOLATION', 'Topic deletion is disabled (delete.topic.enable=false).')
          }
          const state = this.#topics.get(name)
          if (!state) throw unknownTopic(name)
          this.store.deleteTopic(state.row.id)
          this.#topics.delete(name)
          this.#byId.delete(state.row.id)
          this.#byTopicId.delete(state.row.topicId)
          state.deleted = true
          for (const p of state.partitions) this.#wake(p)
          return {name}
        } catch (error) {
          return {name, error: errorData(error)}
        }
      }),
    }
  }

  createPartitions(req: ParsedRequests['createPartitions']): Responses['createPartitions'] {
    let added = 0
    for (const t of req.topics) added += Math.max(0, t.count - (this.#topics.get(t.name)?.partitions.length ?? t.count))
    if (added > MAX_PARTITIONS_PER_REQUEST) {
      const error = tooManyPartitions(`${added} to add`, 'Add them in several requests')
      return {topics: req.topics.map((t) => ({name: t.name, error}))}
    }
    return {
      topics: req.topics.map(({name, count}) => {
        try {
          const state = this.#topics.get(name)
          if (!state) throw unknownTopic(name)
          const current = state.partitions.length
          if (count === current) {
            throw new KafkaException('INVALID_PARTITIONS', `Topic already has ${current} partition(s).`)
          }
          if (count < current) {
            throw new KafkaException(
              'INVALID_PARTITIONS',
              `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.`,
            )
          }
          if (!req.validateOnly) {
            const now = this.#now()
            this.store.addPartitions(state.row.id, current, count, now)
            state.row = {...state.row, partitions: count}
            for (let p = current; p < count; p++) state.partitions.push(newPartition(state, p, now))
          }
          return {name}
        } catch (error) {
          return {name, error: errorData(error)}
        }
      }),
    }
  }

  describeConfigs(req: ParsedRequests['describeConfigs']): Responses['describeConfigs'] {
    const res: Responses['describeConfigs'] = {
      topics: req.topics.map((name) => {
        const state = this.#topics.get(name)
        if (!state) return {name, configs: [], error: unknownTopic(name).toJSON()}
        const all: ConfigEntryData[] = this.configs.describe(state.row.configs)
        return {name, configs: req.includeDefaults ? all : all.filter((c) => !c.isDefault)}
      }),
    }
    if (req.brokers.length > 0) {
      res.brokers = req.brokers.map((name) => {
        try {
          this.#checkBrokerResource(name)
          const all = describeBrokerConfigs(this.config, this.configs.dynamic)
          // '' is the cluster's dynamic defaults: only those, as Kafka answers for it.
          if (name === '') return {name, configs: all.filter((c) => c.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG')}
          return {name, configs: req.includeDefaults ? all : all.filter((c) => !c.isDefault)}
        } catch (error) {
          return {name, configs: [], error: errorData(error)}
        }
      })
    }
    return res
  }

  /** A BROKER config resource must name this broker, or '' (every broker's defaults), as Kafka's broker checks. */
  #checkBrokerResource(name: string): void {
    if (name === '') return
    if (!/^-?\d+$/.test(name)) {
      throw new KafkaException('INVALID_REQUEST', `Broker id must be an integer, but it is: ${name}`)
    }
    if (Number(name) !== this.config.brokerId) {
      throw new KafkaException(
        'INVALID_REQUEST',
        `Unexpected broker id, expected ${this.config.brokerId} or empty string, but received ${name}`,
      )
    }
  }

  /** Reads the dynamic broker configs back (kafka-configs --entity-type brokers). */
  #loadDynamicConfigs(): void {
    const broker: Record<string, string> = {}
    const cluster: Record<string, string> = {}
    const id = String(this.config.brokerId)
    for (const row of this.store.listBrokerConfigs()) {
      if (row.broker === '') setOwn(cluster, row.name, row.value)
      else if (row.broker === id) setOwn(broker, row.name, row.value)
    }
    this.configs.dynamic = {broker, cluster}
  }

  /**
   * Kafka's dynamic broker configs (IncrementalAlterConfigs and AlterConfigs of BROKER resources): this broker's,
   * or every broker's ('') defaults of topic configs (DYNAMIC_BROKER_SETTINGS), validated as server.properties is,
   * saved, and applied at once to every topic without an override of its own, as Kafka's DynamicLogConfig does.
   */
  #alterBrokerConfigs(
    change: ParsedRequests['alterConfigs']['brokers'][number],
    validateOnly: boolean,
  ): {name: string; error?: ErrorData} {
    try {
      this.#checkBrokerResource(change.name)
      const scope = change.name === '' ? 'cluster' : 'broker'
      const refused = [...Object.keys(change.set), ...change.delete].filter((n) => !DYNAMIC_BROKER_SETTINGS.has(n))
      if (refused.length > 0) {
        throw new KafkaException(
          'INVALID_REQUEST',
          `Cannot update these configs dynamically: Set(${refused.join(', ')}). kafkalite reads its other broker settings at start: set them in server.properties and restart the daemon.`,
        )
      }
      const next: Record<string, string> = change.replace ? {} : {...this.configs.dynamic[scope]}
      for (const name of change.delete) delete next[name]
      for (const [name, value] of Object.entries(change.set)) {
        const def = Object.values(TOPIC_CONFIGS).find((d) => d.synonyms?.some((x) => x.name === name))!
        setOwn(next, name, validateValue(name, value, def))
      }
      if (!validateOnly) {
        this.store.setBrokerConfigs(scope === 'cluster' ? '' : String(this.config.brokerId), next)
        this.configs.dynamic = {...this.configs.dynamic, [scope]: next}
        for (const topic of this.#topics.values()) this.#applyConfigs(topic)
      }
      return {name: change.name}
    } catch (error) {
      return {name: change.name, error: errorData(error)}
    }
  }

  alterConfigs(req: ParsedRequests['alterConfigs']): Responses['alterConfigs'] {
    const brokers = req.brokers.map((b) => this.#alterBrokerConfigs(b, req.validateOnly))
    return {
      ...(brokers.length > 0 ? {brokers} : {}),
      topics: req.topics.map((t) => {
        try {
          const state = this.#topics.get(t.name)
          if (!state) throw unknownTopic(t.name)
          const next = t.replace ? {} : {...state.row.configs}
          for (const name of t.delete) if (Object.hasOwn(next, name)) delete next[name]
          for (const [name, value] of Object.entries(t.set)) setOwn(next, name, value)
          for (const [name, value] of Object.entries(t.append))
            setOwn(next, name, alterList(next, name, value, 'APPEND'))
          for (const [name, value] of Object.entries(t.subtract)) {
            setOwn(next, name, alterList(next, name, value, 'SUBTRACT'))
          }
          const normalized = validateTopicConfigs(next)
          if (!req.validateOnly) {
            this.store.setTopicConfigs(state.row.id, normalized)
            state.row = {...state.row, configs: normalized}
            this.#applyConfigs(state)
          }
          return {name: t.name}
        } catch (error) {
          return {name: t.name, error: errorData(error)}
        }
      }),
    }
  }

  // ---- the log --------------------------------------------------------------------------------------------------

  /**
   * Kafka's DeleteRecords: moves each partition's log start offset up to the offset given (-1: the high watermark),
   * never back. Batches that end below it are deleted; a batch that straddles it stays, and reads below it are
   * OFFSET_OUT_OF_RANGE. Refused above the high watermark, on internal topics, and on topics whose cleanup.policy
   * lacks delete (POLICY_VIOLATION), with Kafka's messages. The moves of one request commit together.
   */
  deleteRecords(req: ParsedRequests['deleteRecords']): Responses['deleteRecords'] {
    const moves = new Map<PartitionState, number>()
    const results: Responses['deleteRecords']['partitions'] = []
    for (const {topic, partition, offset} of req.partitions) {
      try {
        const p = this.partition(topic, partition)
        if (INTERNAL_TOPICS.has(topic)) {
          throw new KafkaException('INVALID_TOPIC_EXCEPTION', `Cannot delete records of internal topic ${topic}`)
        }
        if (!this.configs.value('cleanup.policy', p.topic.row.configs).split(',').includes('delete')) {
          throw new KafkaException(
            'POLICY_VIOLATION',
            `Records of partition ${partitionName(p)} can not be deleted due to the configured policy`,
          )
        }
        const target = offset === -1 ? p.nextOffset : offset
        if (target < 0) {
          throw new KafkaException(
            'OFFSET_OUT_OF_RANGE',
            `The offset ${target} for partition ${partitionName(p)} is not valid`,
          )
        }
        if (target > p.nextOffset) {
          throw new KafkaException(
            'OFFSET_OUT_OF_RANGE',
            `Cannot increment the log start offset to ${target} of partition ${partitionName(p)} since it is larger than the high watermark ${p.nextOffset}`,
          )
        }
        const start = Math.max(moves.get(p) ?? p.logStartOffset, target)
        if (start > p.logStartOffset) moves.set(p, start)
        results.push({topic, partition, lowWatermark: start})
      } catch (error) {
        results.push({topic, partition, lowWatermark: -1, error: errorData(error)})
      }
    }
    if (moves.size > 0) {
      const now = this.#now()
      this.store.transaction(() => {
        for (const [p, start] of moves) this.#saveLogStart(p, start, 0, now)
      })
      for (const [p, start] of moves) this.#applyLogStart(p, start, 0, now)
    }
    return {partitions: results}
  }

  /**
   * Moves a partition's log start offset up to `start`, deleting its `segments` oldest segments (retention) and every
   * segment that ends at or below the new start. The batches below are purged afterwards, in steps (purge): reads
   * never go below the log start, and a large deletion does not hold up the requests behind it.
   */
  moveLogStart(p: PartitionState, start: number, segments: number): void {
    const now = this.#now()
    this.store.transaction(() => this.#saveLogStart(p, start, segments, now))
    this.#applyLogStart(p, start, segments, now)
  }

  /** What moveLogStart keeps: the segments from the first that ends past the new start, or a new active one. */
  #keptSegments(p: PartitionState, start: number, segments: number, now: number): {kept: Segment[]; rolled?: Segment} {
    let first = segments
    while (first < p.segments.length && (p.segments[first + 1]?.baseOffset ?? Infinity) <= start) first++
    if (first < p.segments.length) return {kept: p.segments.slice(first)}
    const rolled = newSegment(p.nextOffset, now)
    return {kept: [rolled], rolled}
  }

  #saveLogStart(p: PartitionState, start: number, segments: number, now: number): void {
    const {kept, rolled} = this.#keptSegments(p, start, segments, now)
    const row = (g: Segment): SegmentRow => ({topic: p.topic.row.id, partition: p.index, ...g})
    this.store.moveLogStart(p.topic.row.id, p.index, start, kept[0]!.baseOffset, rolled ? row(rolled) : undefined)
  }

  #applyLogStart(p: PartitionState, start: number, segments: number, now: number): void {
    p.segments = this.#keptSegments(p, start, segments, now).kept
    p.logStartOffset = start
    this.#onLogStartMoved?.(p)
  }

  /**
   * Deletes up to `limit` of the batches below a partition's log start offset; returns how many it deleted (0: none
   * are left).
   */
  purge(p: PartitionState, limit: number): number {
    return this.store.purgeBelow(p.topic.row.id, p.index, p.logStartOffset, limit)
  }

  /**
   * Appends the batches of one produce request. Each batch is validated from its header (magic, CRC-32C, counts,
   * size against max.message.bytes), given its base offset in place, and all are committed in one SQLite
   * transaction before any result is returned. A batch that fails gets its own error; the others are still written.
   */
  produce(req: ProduceRequest): ProduceResult[] {
    const results: ProduceResult[] = []
    const rows: BatchRow[] = []
    const touched = new Map<PartitionState, number>() // partition -> next offset after this request
    // Producer state as this request leaves it, applied to memory only once the write is committed.
    const producers = new Map<PartitionState, Map<number, ProducerEntry>>()
    const coordinatorSaves = new Set<() => void>()
    // A partition whose batch failed takes no later batch of this request: they would land out of order (Kafka
    // validates a partition's records together and fails them together).
    const failed = new Map<string, ErrorData>()
    const now = this.#now()
    for (const spec of req.batches) {
      const records = spec.records
      const size = records.length
      const failure = failed.get(tpKey(spec.topic, spec.partition))
      if (failure) {
        results.push({
          topic: spec.topic,
          partition: spec.partition,
          baseOffset: -1,
          logAppendTime: -1,
          logStartOffset: -1,
          error: failure,
        })
        continue
      }
      try {
        const p = this.partition(spec.topic, spec.partition)
        if (req.acks === -1 && p.topic.minInsyncReplicas > 1) {
          // As Kafka's Partition.appendRecordsToLeader: acks=all needs min.insync.replicas in the ISR, and the ISR of
          // a single broker is that broker.
          throw new KafkaException(
            'NOT_ENOUGH_REPLICAS',
            `The size of the current ISR (1) is insufficient to satisfy the min.isr requirement of ${p.topic.minInsyncReplicas} for partition ${partitionName(p)}: kafkalite is one broker. Use acks=1, or min.insync.replicas=1.`,
          )
        }
        const header = validateBatch(records, 0, size)
        if (size > p.topic.maxMessageBytes) {
          throw new KafkaException(
            'MESSAGE_TOO_LARGE',
            `The record batch of ${size} bytes is larger than max.message.bytes of topic '${spec.topic}' (${p.topic.maxMessageBytes}). Send smaller records or raise the topic's max.message.bytes.`,
          )
        }
        // Every record, as Kafka's LogValidator checks them: a batch that passed its CRC can still hold records no
        // consumer could read, and storing it would stop every consumer of the partition at it.
        if (header.timestampType === TIMESTAMP_TYPE.LogAppendTime) {
          throw new KafkaException(
            'INVALID_TIMESTAMP',
            "A producer's batch may not carry LogAppendTime: the broker sets it, on topics whose message.timestamp.type is LogAppendTime.",
          )
        }
        // On a LogAppendTime topic the broker's time replaces the producer's, which are then not bounded.
        const bounded = !p.topic.logAppendTime
        if (!this.#skipRecordValidation) {
          validateRecords(records, 0, size, header, {
            requireKeys: p.topic.compacted,
            now,
            timestampBeforeMaxMs: bounded ? p.topic.timestampBeforeMaxMs : Number.MAX_SAFE_INTEGER,
            timestampAfterMaxMs: bounded ? p.topic.timestampAfterMaxMs : Number.MAX_SAFE_INTEGER,
            maxDecompressedBytes: p.topic.maxDecompressedBytes,
          })
        }
        const nextOffset = touched.get(p) ?? p.nextOffset
        let pending: Map<number, ProducerEntry> | undefined
        let entry: ProducerEntry | undefined
        if (header.producerId >= 0) {
          pending = producers.get(p)
          entry = pending?.get(header.producerId) ?? p.producers.get(header.producerId)
          if (header.isTransactional) {
            if (!this.#verifyTransaction) {
              throw new KafkaException('INVALID_TXN_STATE', 'Transactional batch without a transaction coordinator')
            }
            const save = this.#verifyTransaction(header.producerId, header.producerEpoch, p)
            if (save) coordinatorSaves.add(save)
          }
          const duplicate = this.#checkSequence(p, entry, header, nextOffset)
          if (duplicate) {
            // A retry of a batch already written (its acknowledgement was lost): answer as the first write did.
            results.push({
              topic: spec.topic,
              partition: spec.partition,
              baseOffset: duplicate[2],
              logAppendTime: p.topic.logAppendTime ? duplicate[3] : -1,
              logStartOffset: p.logStartOffset,
            })
            continue
          }
        } else if (header.isTransactional) {
          throw new KafkaException('INVALID_RECORD', 'A transactional record batch must carry a producer id')
        }
        // The batch as stored: recompressed when the topic's compression.type names another codec (as Kafka's
        // LogValidator does), otherwise the producer's bytes in place.
        let bytes = records
        let attributes = header.attributes
        const codec = p.topic.compression
        if (codec !== null && header.compression !== COMPRESSION[codec]) {
          bytes = recompress(records, 0, size, header, codec)
          // As Kafka's UnifiedLog.append after LogValidator recompressed (messageSizeMaybeChanged): checked again.
          if (bytes.length > p.topic.maxMessageBytes) {
            throw new KafkaException(
              'MESSAGE_TOO_LARGE',
              `The record batch is ${bytes.length} bytes once recompressed with the topic's compression.type ${codec}, larger than max.message.bytes of topic '${spec.topic}' (${p.topic.maxMessageBytes}). Send smaller batches or raise the topic's max.message.bytes.`,
            )
          }
          attributes = readBatchHeader(bytes).attributes
        }
        let maxTimestamp = header.maxTimestamp
        if (p.topic.logAppendTime) {
          setLogAppendTime(bytes, 0, now)
          maxTimestamp = now
          attributes |= ATTRIBUTE.logAppendTime
        }
        const baseOffset = nextOffset
        if (header.producerId >= 0) {
          if (!pending) producers.set(p, (pending = new Map()))
          pending.set(header.producerId, afterAppend(entry, header, baseOffset, maxTimestamp))
        }
        setBaseOffset(bytes, 0, baseOffset)
        const lastOffset = baseOffset + header.lastOffsetDelta
        touched.set(p, lastOffset + 1)
        rows.push({
          topic: p.topic.row.id,
          partition: p.index,
          baseOffset,
          lastOffset,
          firstTimestamp: header.baseTimestamp,
          maxTimestamp,
          producerId: header.producerId,
          producerEpoch: header.producerEpoch,
          baseSequence: header.baseSequence,
          attributes,
          recordCount: header.recordCount,
          bytes,
        })
        results.push({
          topic: spec.topic,
          partition: spec.partition,
          baseOffset,
          logAppendTime: p.topic.logAppendTime ? now : -1,
          logStartOffset: p.logStartOffset,
        })
      } catch (error) {
        const data = errorData(error)
        failed.set(tpKey(spec.topic, spec.partition), data)
        results.push({
          topic: spec.topic,
          partition: spec.partition,
          baseOffset: -1,
          logAppendTime: -1,
          logStartOffset: -1,
          error: data,
        })
      }
    }
    if (rows.length > 0) {
      const saves = [...coordinatorSaves]
      try {
        this.#commit(rows, touched, producers, [], saves.length > 0 ? () => saves.forEach((save) => save()) : undefined)
      } catch (error) {
        if (error instanceof KafkaStorageException) {
          for (const [p, entries] of producers) {
            for (const producerId of entries.keys()) this.#noteRefused(p, p.producers.get(producerId), error)
          }
        }
        throw error
      }
    } else if (coordinatorSaves.size > 0) {
      this.store.transaction(() => coordinatorSaves.forEach((save) => save()))
    }
    return results
  }

  /** checkProducerBatch, but a batch sent after one the storage refused gets that refusal (see restore). */
  #checkSequence(
    p: PartitionState,
    entry: ProducerEntry | undefined,
    header: BatchHeader,
    offset: number,
  ): ReturnType<typeof checkProducerBatch> {
    try {
      return checkProducerBatch(entry, header, partitionName(p), offset)
    } catch (error) {
      const refused = this.#refused.get(p)?.get(header.producerId)
      const behindRefused =
        refused !== undefined &&
        entry !== undefined &&
        refused.epoch === entry.epoch &&
        refused.lastSequence === entry.lastSequence &&
        header.producerEpoch === entry.epoch
      if (behindRefused && (error as KafkaException).code === 'OUT_OF_ORDER_SEQUENCE_NUMBER') throw refused.failure
      throw error
    }
  }

  /** Commits a log write, then (only then: a crash before leaves memory and disk agreeing) applies it in memory. */
  #commit(
    rows: BatchRow[],
    touched: Map<PartitionState, number>,
    producers: Map<PartitionState, Map<number, ProducerEntry>>,
    aborted: AbortedTxnRow[] = [],
    alsoInTransaction?: () => void,
  ): void {
    const partitions: PartitionRow[] = []
    for (const [p, next] of touched) {
      partitions.push({topic: p.topic.row.id, partition: p.index, logStartOffset: p.logStartOffset, nextOffset: next})
    }
    const states: ProducerStateRow[] = []
    for (const [p, entries] of producers) {
      for (const e of entries.values()) states.push(toRow(p.topic.row.id, p.index, e))
    }
    const now = this.#now()
    const rolls = this.#roll(rows, now)
    const write = {batches: rows, partitions, producers: states, aborted, segments: rolls.rows}
    if (alsoInTransaction) {
      this.store.transaction(() => {
        this.store.append(write)
        alsoInTransaction()
      })
    } else {
      this.store.append(write)
    }
    for (const [p, entries] of producers) {
      const refused = this.#refused.get(p)
      for (const e of entries.values()) {
        if (refused?.delete(e.producerId) && refused.size === 0) this.#refused.delete(p)
        p.producers.set(e.producerId, e)
        if (e.txnFirstOffset >= 0) p.ongoing.set(e.producerId, e.txnFirstOffset)
        else p.ongoing.delete(e.producerId)
      }
    }
    for (const [p, segments] of rolls.segments) p.segments = segments
    for (const [p, next] of touched) {
      p.nextOffset = next
      this.#onAppended?.(p, next, now)
      this.#wake(p)
    }
  }

  /**
   * The partitions' segments once `rows` are appended, rolled as Kafka rolls them (segments.ts), and the segment rows
   * to write with the append: the closed segments' final totals and the new active ones. Applied to memory only
   * after the commit.
   */
  #roll(rows: readonly BatchRow[], now: number): {segments: Map<PartitionState, Segment[]>; rows: SegmentRow[]} {
    const segments = new Map<PartitionState, Segment[]>()
    const out: SegmentRow[] = []
    for (const b of rows) {
      const p = this.#byId.get(b.topic)!.partitions[b.partition]!
      let list = segments.get(p)
      if (list === undefined) {
        list = p.segments.slice(0, -1)
        list.push({...p.segments.at(-1)!})
        segments.set(p, list)
      }
      let active = list.at(-1)!
      const size = b.bytes.length
      const batch = {size, maxTimestamp: b.maxTimestamp, lastOffset: b.lastOffset}
      if (shouldRoll(active, batch, now, p.topic)) {
        active.statsEnd = b.baseOffset // closed: its totals are final
        out.push({topic: b.topic, partition: b.partition, ...active})
        active = newSegment(b.baseOffset, now)
        list.push(active)
      }
      addBatch(active, size, b.maxTimestamp)
    }
    // A segment rolled by this write and still active is stored empty: its totals go with the next checkpoint.
    for (const [p, list] of segments) {
      const active = list.at(-1)!
      if (list.length > p.segments.length) {
        out.push({...newSegment(active.baseOffset, active.createdAt), topic: p.topic.row.id, partition: p.index})
      }
    }
    return {segments, rows: out}
  }

  /**
   * Writes transaction markers (control batches that take an offset each) in one SQLite transaction, together with
   * what `alsoInTransaction` writes (the coordinator's state, a commit's group offsets). A partition where the
   * producer has no open transaction gets no marker (there is nothing to end); an ABORT goes to the transaction
   * index for read_committed readers. Partitions of deleted topics are skipped.
   */
  writeMarkers(markers: readonly MarkerSpec[], alsoInTransaction?: () => void): void {
    const now = this.#now()
    const rows: BatchRow[] = []
    const touched = new Map<PartitionState, number>()
    const producers = new Map<PartitionState, Map<number, ProducerEntry>>()
    const aborted: AbortedTxnRow[] = []
    for (const m of markers) {
      const p = this.#topics.get(m.topic)?.partitions[m.partition]
      const entry = p?.producers.get(m.producerId)
      if (!p || !entry || entry.txnFirstOffset < 0 || producers.get(p)?.has(m.producerId)) continue
      const bytes = buildControlBatch({...m, timestamp: now})
      const offset = touched.get(p) ?? p.nextOffset
      setBaseOffset(bytes, 0, offset)
      touched.set(p, offset + 1)
      const header = readBatchHeader(bytes)
      rows.push({
        topic: p.topic.row.id,
        partition: p.index,
        baseOffset: offset,
        lastOffset: offset,
        firstTimestamp: now,
        maxTimestamp: now,
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        baseSequence: -1,
        attributes: header.attributes,
        recordCount: 1,
        bytes,
      })
      let pending = producers.get(p)
      if (!pending) producers.set(p, (pending = new Map()))
      pending.set(m.producerId, {
        ...entry,
        epoch: Math.max(entry.epoch, m.producerEpoch),
        lastOffset: offset,
        coordinatorEpoch: m.coordinatorEpoch,
        txnFirstOffset: -1,
      })
      if (!m.committed) {
        aborted.push({
          topic: p.topic.row.id,
          partition: p.index,
          producerId: m.producerId,
          firstOffset: entry.txnFirstOffset,
          lastOffset: offset,
        })
      }
    }
    if (rows.length > 0 || alsoInTransaction) this.#commit(rows, touched, producers, aborted, alsoInTransaction)
  }

  /**
   * Forgets the producers a partition has not heard from for producer.id.expiration.ms (Kafka's
   * ProducerStateManager.removeExpiredProducers: by the timestamp of their last batch, never while their transaction
   * is open). An expired producer that writes again is taken at its word, whatever its sequence, as Kafka does.
   */
  expireProducers(): number {
    const now = this.#now()
    const expirationMs = this.config.producerIds.expirationMs
    const expired: {p: PartitionState; producerId: number}[] = []
    for (const topic of this.#topics.values()) {
      for (const p of topic.partitions) {
        for (const e of p.producers.values()) {
          if (e.txnFirstOffset < 0 && now - e.lastTimestamp >= expirationMs) expired.push({p, producerId: e.producerId})
        }
      }
    }
    if (expired.length === 0) return 0
    this.store.deleteProducerStates(
      expired.map(({p, producerId}) => ({topic: p.topic.row.id, partition: p.index, producerId})),
    )
    for (const {p, producerId} of expired) p.producers.delete(producerId)
    return expired.length
  }

  /** Aborted transactions overlapping [fromOffset, toOffset) of a partition, for a read_committed fetch. */
  abortedTransactions(
    p: PartitionState,
    fromOffset: number,
    toOffset: number,
  ): {producerId: number; firstOffset: number}[] {
    if (toOffset <= fromOffset) return []
    return this.store
      .abortedTxns(p.topic.row.id, p.index, fromOffset, toOffset)
      .map((a) => ({producerId: a.producerId, firstOffset: a.firstOffset}))
  }

  #wake(p: PartitionState): void {
    if (p.waiters.size === 0) return
    for (const waiter of [...p.waiters]) waiter()
  }

  /**
   * Reads stored batches of a partition from `offset` (validated by the caller) below `endOffset` (the high
   * watermark, or the last stable offset for read_committed), up to `maxBytes`.
   */
  read(
    p: PartitionState,
    offset: number,
    maxBytes: number,
    endOffset = p.nextOffset,
  ): {batches: Buffer[]; bytes: number} {
    if (offset >= endOffset) return {batches: [], bytes: 0}
    return this.store.readBatches(p.topic.row.id, p.index, offset, endOffset, maxBytes)
  }

  /** An OFFSET_OUT_OF_RANGE error when `offset` is outside [log start, log end]. */
  checkOffset(p: PartitionState, offset: number): void {
    if (offset < p.logStartOffset || offset > p.nextOffset) {
      throw new KafkaException(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range for partition ${p.topic.row.name}-${p.index} (log start ${p.logStartOffset}, log end ${p.nextOffset}).`,
      )
    }
  }

  /** Kafka's ListOffsets: -1 latest, -2 earliest, -3 the record with the largest timestamp, else by time. */
  listOffsets(req: ParsedRequests['listOffsets']): Responses['listOffsets'] {
    return {
      partitions: req.partitions.map(({topic, partition, timestamp}) => {
        try {
          const p = this.partition(topic, partition)
          // read_committed readers see the log end at the last stable offset (Kafka's ListOffsets isolation level).
          if (timestamp === -1 && req.isolationLevel === 1)
            return {topic, partition, offset: lastStableOffset(p), timestamp: -1}
          return {topic, partition, ...this.#offsetFor(p, timestamp)}
        } catch (error) {
          return {topic, partition, offset: -1, timestamp: -1, error: errorData(error)}
        }
      }),
    }
  }

  #offsetFor(p: PartitionState, timestamp: number): {offset: number; timestamp: number} {
    if (timestamp === -1) return {offset: p.nextOffset, timestamp: -1}
    if (timestamp === -2) return {offset: p.logStartOffset, timestamp: -1}
    const id = p.topic.row.id
    if (timestamp === -3) {
      const batch = this.store.batchWithMaxTimestamp(id, p.index, p.logStartOffset)
      if (!batch) return {offset: -1, timestamp: -1}
      const max = readBatchHeader(batch).maxTimestamp
      const record = decodeRecords(batch).find((r) => r.timestamp === max)
      return {offset: record?.offset ?? readBatchHeader(batch).baseOffset, timestamp: max}
    }
    if (timestamp < 0) {
      throw new KafkaException('INVALID_REQUEST', `Invalid timestamp ${timestamp}: use -1, -2, -3 or a time in ms.`)
    }
    const batch = this.store.firstBatchAtOrAfterTimestamp(id, p.index, timestamp, p.logStartOffset)
    if (!batch) return {offset: -1, timestamp: -1}
    const header = readBatchHeader(batch)
    if (header.timestampType === TIMESTAMP_TYPE.LogAppendTime)
      return {offset: Math.max(header.baseOffset, p.logStartOffset), timestamp: header.maxTimestamp}
    const record = decodeRecords(batch).find((r) => r.timestamp >= timestamp && r.offset >= p.logStartOffset)
    return record ? {offset: record.offset, timestamp: record.timestamp} : {offset: -1, timestamp: -1}
  }

  /** The number of partitions and the sum of their log end offsets (the daemon notes it after every commit). */
  logEnds(): {partitions: number; logEnd: number} {
    let partitions = 0
    let logEnd = 0
    for (const t of this.#topics.values()) {
      for (const p of t.partitions) {
        partitions++
        logEnd += p.nextOffset
      }
    }
    return {partitions, logEnd}
  }

  /** Bytes of each topic's stored batches, by name (the segments' sizes; `daemon status`, kafka-log-dirs). */
  topicBytes(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const t of this.topics()) {
      let bytes = 0
      for (const p of t.partitions) bytes += this.partitionBytes(p)
      out[t.row.name] = bytes
    }
    return out
  }

  /** Bytes of a partition's stored batches: the sum of its segments' sizes. */
  partitionBytes(p: PartitionState): number {
    let bytes = 0
    for (const s of p.segments) bytes += s.size
    return bytes
  }

  /** Totals for `daemon status`. */
  totals(): {topics: number; partitions: number; records: number} {
    let partitions = 0
    let records = 0
    for (const t of this.#topics.values()) {
      for (const p of t.partitions) {
        partitions++
        records += p.nextOffset - p.logStartOffset
      }
    }
    return {topics: this.#topics.size, partitions, records}
  }
}
