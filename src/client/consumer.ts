// KafkaConsumer, shaped like Kafka's Java consumer: assign partitions, seek, poll. Fetches are long polls kept in
// flight while the application works through what arrived before (the next fetch starts where the buffered data
// ends), so reading and decoding overlap on the two sides of the socket.
import {CommitFailedException, errorFromData, KafkaException, toKafkaException} from '../errors.js'
import {
  TIMESTAMP_TYPE,
  controlTypeOf,
  forEachRecord,
  readBatchHeader,
  splitBatches,
  checkBatch,
  type BatchHeader,
  type RecordCursor,
  type RecordHeader,
} from '../protocol/kafka/record-batch.js'
import type {Requests, Responses} from '../protocol/socket/messages.js'
import {specTimestamp, type IsolationLevel, type OffsetSpec} from './offset-spec.js'
import {commonConfig, ConfigReader, type ClientConfig, type CommonConfig} from './config.js'
import {ReconnectingConnection, type Connection} from './connection.js'
import {assignorFor, type Assignor} from './assignors.js'
import {GroupMember, type ConsumerRebalanceListener, type GroupMetadata, type MembershipHost} from './group-member.js'
import {eachInterceptor, loadInterceptors, type Configurable} from './interceptors.js'
import {Metrics, type Metric} from './metrics.js'
import {deserializerFromConfig, type Deserializer} from './serializers.js'
import {tpKey, tpName, type TopicPartition} from '../protocol/kafka/topic-partition.js'

export type {TopicPartition}

/** Kafka's ConsumerInterceptor: sees the records poll() returns, and the offsets committed. */
export interface ConsumerInterceptor<K = unknown, V = unknown> extends Configurable {
  /** May return other records (or the same ones). */
  onConsume(records: ConsumerRecords<K, V>): ConsumerRecords<K, V>
  onCommit(offsets: readonly OffsetAndMetadata[]): void
}

/** An offset to commit, or a committed one: the next offset to read, with optional metadata. */
export interface OffsetAndMetadata extends TopicPartition {
  offset: number
  metadata?: string
}

export type TimestampType = 'CreateTime' | 'LogAppendTime'

export interface ConsumerRecord<K, V> {
  topic: string
  partition: number
  offset: number
  timestamp: number
  timestampType: TimestampType
  key: K | null
  value: V | null
  headers: RecordHeader[]
  serializedKeySize: number
  serializedValueSize: number
}

/** A record seen through `pollEach`: positions into a shared buffer, valid only during the callback. */
export interface RecordView {
  topic: string
  partition: number
  offset: number
  timestamp: number
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: 0 | 1
  data: Buffer
  keyStart: number
  /** -1 for a null key. */
  keyLength: number
  valueStart: number
  /** -1 for a null value. */
  valueLength: number
  headers: readonly RecordHeader[]
}

/** What one poll returned, iterable like Java's ConsumerRecords. */
export class ConsumerRecords<K, V> implements Iterable<ConsumerRecord<K, V>> {
  readonly #records: ConsumerRecord<K, V>[]

  constructor(records: ConsumerRecord<K, V>[]) {
    this.#records = records
  }

  get count(): number {
    return this.#records.length
  }

  isEmpty(): boolean {
    return this.#records.length === 0
  }

  /** The records of one partition, in offset order. */
  records(tp: TopicPartition): ConsumerRecord<K, V>[] {
    return this.#records.filter((r) => r.topic === tp.topic && r.partition === tp.partition)
  }

  partitions(): TopicPartition[] {
    const seen = new Map<string, TopicPartition>()
    for (const r of this.#records) seen.set(tpKey(r.topic, r.partition), {topic: r.topic, partition: r.partition})
    return [...seen.values()]
  }

  [Symbol.iterator](): Iterator<ConsumerRecord<K, V>> {
    return this.#records[Symbol.iterator]()
  }
}

interface ConsumerSettings extends CommonConfig {
  groupId: string | undefined
  groupInstanceId: string | null
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  enableAutoCommit: boolean
  autoCommitIntervalMs: number
  assignors: Assignor[]
  allowAutoCreateTopics: boolean
  metadataMaxAgeMs: number
  autoOffsetReset: 'earliest' | 'latest' | 'none'
  isolationLevel: IsolationLevel
  fetchMinBytes: number
  fetchMaxWaitMs: number
  fetchMaxBytes: number
  maxPartitionFetchBytes: number
  maxPollRecords: number
  checkCrcs: boolean
}

/** Data fetched for one partition and not yet returned to the application. */
interface Completed {
  payload: Buffer
  batches: {offset: number; size: number}[]
  next: number // index of the next batch to decode
  /** read_committed: aborted transactions of the fetched range not yet met, by first offset. */
  aborted: {producerId: number; firstOffset: number}[]
  /** read_committed: producers whose transactional batches are skipped until their ABORT marker. */
  abortedProducers: Set<number>
}

interface PartitionState {
  tp: TopicPartition
  /** Offset of the next record to return; null until resolved by the reset strategy. */
  position: number | null
  reset: 'committed' | 'earliest' | 'latest' | 'none' | null
  /** Where the next fetch starts: the end of what is buffered. */
  fetchOffset: number
  buffered: Completed[]
  bufferedBytes: number
  /** Bumped by seeks, so data fetched before a seek is dropped. */
  epoch: number
  /** In a fetch now (a partition is in one fetch at a time); `fetched` once it has been in one. */
  inFetch: boolean
  fetched: boolean
  paused: boolean
  highWatermark: number
  logStartOffset: number
  lastStableOffset: number
}

function consumerSettings(config: ClientConfig): ConsumerSettings {
  const r = new ConfigReader(config)
  const groupId = r.optionalString('group.id')
  const strategies = r
    .string('partition.assignment.strategy', 'range,cooperative-sticky')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
  return {
    ...commonConfig(config, 'consumer-1'),
    groupId,
    groupInstanceId: r.optionalString('group.instance.id') ?? null,
    sessionTimeoutMs: r.int('session.timeout.ms', 45_000, 1),
    heartbeatIntervalMs: r.int('heartbeat.interval.ms', 3000, 1),
    maxPollIntervalMs: r.int('max.poll.interval.ms', 300_000, 1),
    // Kafka turns auto-commit on by default, but only a consumer with a group.id can commit.
    enableAutoCommit: groupId !== undefined && r.boolean('enable.auto.commit', true),
    autoCommitIntervalMs: r.int('auto.commit.interval.ms', 5000, 0),
    assignors: strategies.map((name) => {
      try {
        return assignorFor(name)
      } catch {
        throw new KafkaException(
          'INVALID_CONFIG',
          `Invalid value ${name} for configuration partition.assignment.strategy: Class ${name} cannot be found (use range, roundrobin, sticky or cooperative-sticky)`,
        )
      }
    }),
    allowAutoCreateTopics: r.boolean('allow.auto.create.topics', true),
    metadataMaxAgeMs: r.int('metadata.max.age.ms', 300_000, 0),
    autoOffsetReset: r.oneOf('auto.offset.reset', 'latest', ['earliest', 'latest', 'none'] as const),
    isolationLevel: r.oneOf('isolation.level', 'read_uncommitted', ['read_uncommitted', 'read_committed'] as const),
    fetchMinBytes: r.int('fetch.min.bytes', 1, 0),
    fetchMaxWaitMs: r.int('fetch.max.wait.ms', 500, 0),
    fetchMaxBytes: r.int('fetch.max.bytes', 52_428_800, 1),
    maxPartitionFetchBytes: r.int('max.partition.fetch.bytes', 1_048_576, 1),
    maxPollRecords: r.int('max.poll.records', 500, 1),
    checkCrcs: r.boolean('check.crcs', true),
  }
}

export class KafkaConsumer<K = Buffer, V = Buffer> {
  readonly #settings: ConsumerSettings
  readonly #keyDeserializer: Deserializer<K> | undefined
  readonly #valueDeserializer: Deserializer<V> | undefined
  readonly #connections: ReconnectingConnection
  readonly #partitions = new Map<string, PartitionState>()
  /**
   * Fetches in flight that should return at once: a partition is in one fetch at a time, and the next fetch waits
   * for these, except for partitions just assigned. A fetch of partitions all at their end (a long poll, up to
   * fetch.max.wait.ms) holds nothing back.
   */
  #fetching = 0
  #error: KafkaException | null = null
  #wake: (() => void) | null = null
  #wakeupRequested = false
  #closed = false
  #group: GroupMember | null = null
  #nextAutoCommit = 0
  readonly #onNotice: (message: string) => void
  #interceptors: ConsumerInterceptor<K, V>[] = []
  #interceptorsLoading: Promise<void> | null = null
  readonly #metrics: Metrics

  constructor(
    config: ClientConfig = {},
    keyDeserializer?: Deserializer<K>,
    valueDeserializer?: Deserializer<V>,
    options: {onNotice?: (message: string) => void} = {},
  ) {
    this.#settings = consumerSettings(config)
    this.#connections = ReconnectingConnection.for(this.#settings, options.onNotice)
    this.#keyDeserializer = keyDeserializer ?? deserializerFromConfig(config, 'key.deserializer')
    this.#valueDeserializer = valueDeserializer ?? deserializerFromConfig(config, 'value.deserializer')
    this.#onNotice = options.onNotice ?? ((m) => process.emitWarning(m))
    const interceptors = loadInterceptors<ConsumerInterceptor<K, V>>(config)
    if (Array.isArray(interceptors)) this.#interceptors = interceptors
    else this.#interceptorsLoading = interceptors.then((loaded) => void (this.#interceptors = loaded))
    this.#metrics = this.#defineMetrics()
  }

  #defineMetrics(): Metrics {
    const m = new Metrics('consumer-fetch-manager-metrics', this.#settings.clientId)
    m.define('records-consumed-total', 'records', 'total', 'The total number of records consumed.')
    m.define('records-consumed-rate', 'records', 'rate', 'The average number of records consumed per second.')
    m.define('bytes-consumed-total', 'bytes', 'total', 'The total number of bytes consumed.')
    m.define('bytes-consumed-rate', 'bytes', 'rate', 'The average number of bytes consumed per second.')
    m.define('fetch-total', 'fetch-latency', 'count-total', 'The total number of fetch requests.')
    m.define('fetch-rate', 'fetch-latency', 'count-rate', 'The number of fetch requests per second.')
    m.define('fetch-latency-avg', 'fetch-latency', 'avg', 'The average time taken for a fetch request.')
    m.define('fetch-latency-max', 'fetch-latency', 'max', 'The max time taken for any fetch request.')
    m.define('commit-total', 'commit-latency', 'count-total', 'The total number of commit calls.')
    m.define('commit-latency-avg', 'commit-latency', 'avg', 'The average time taken for a commit request.')
    m.gauge('records-lag-max', 'The maximum lag in terms of number of records for any partition.', () =>
      Math.max(0, ...[...this.#partitions.values()].map((p) => this.#lagOf(p) ?? 0)),
    )
    m.gauge(
      'assigned-partitions',
      'The number of partitions currently assigned to this consumer.',
      () => this.#partitions.size,
    )
    return m
  }

  /** Records between the position and the end a reader of this isolation level sees (LSO or high watermark). */
  #lagOf(p: PartitionState): number | null {
    const end = this.#settings.isolationLevel === 'read_committed' ? p.lastStableOffset : p.highWatermark
    return p.position === null || end < 0 ? null : Math.max(0, end - p.position)
  }

  /** The consumer's metrics, keyed by name (Kafka's consumer-fetch-manager-metrics and commit metrics). */
  metrics(): Map<string, Metric> {
    return this.#metrics.all()
  }

  /** Kafka's currentLag: records behind the end for this isolation level, null before the first fetch. */
  currentLag(tp: TopicPartition): number | null {
    return this.#lagOf(this.#state(tp))
  }

  /**
   * Joins the consumer's group (group.id) and reads the partitions the group assigns to it, of these topics or of
   * every topic matching the pattern. The listener hears of partitions revoked, assigned and lost.
   */
  subscribe(topics: readonly string[] | RegExp, listener: ConsumerRebalanceListener = {}): void {
    this.#checkOpen()
    const s = this.#settings
    if (s.groupId === undefined) {
      throw new KafkaException(
        'INVALID_GROUP_ID',
        'To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.',
      )
    }
    if (this.#group === null && this.#partitions.size > 0) {
      throw new KafkaException('ILLEGAL_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive')
    }
    const subscription = topics instanceof RegExp ? {pattern: topics} : {topics: [...topics]}
    if (this.#group) {
      this.#group.resubscribe(subscription, listener)
      return
    }
    this.#group = new GroupMember(
      {
        groupId: s.groupId,
        groupInstanceId: s.groupInstanceId,
        clientId: s.clientId,
        sessionTimeoutMs: s.sessionTimeoutMs,
        heartbeatIntervalMs: s.heartbeatIntervalMs,
        maxPollIntervalMs: s.maxPollIntervalMs,
        requestTimeoutMs: s.requestTimeoutMs,
        metadataMaxAgeMs: s.metadataMaxAgeMs,
        assignors: s.assignors,
      },
      this.#membershipHost(),
      subscription,
      listener,
    )
  }

  /** The topics subscribed to (for a pattern: the matching topics as of the last rebalance). */
  subscription(): string[] {
    return this.#group ? this.#group.subscribedTopics : []
  }

  /** Leaves the group (committing first with auto-commit) and drops the subscription. */
  async unsubscribe(): Promise<void> {
    const group = this.#group
    this.#group = null
    if (group) await group.close()
    this.#setPartitions([])
  }

  /** Kafka's groupMetadata(): what sendOffsetsToTransaction needs. */
  groupMetadata(): GroupMetadata {
    if (this.#group) return this.#group.metadata()
    return {
      groupId: this.#settings.groupId ?? '',
      generationId: -1,
      memberId: '',
      groupInstanceId: this.#settings.groupInstanceId,
    }
  }

  /** Asks the group for a rebalance at the next poll. */
  enforceRebalance(): void {
    if (!this.#group)
      throw new KafkaException('ILLEGAL_STATE', 'Tried to force a rebalance but consumer does not have a group.')
    this.#group.requestRejoin()
    this.#wake?.()
  }

  /**
   * The partitions of a topic, as Java's partitionsFor. Like a Java consumer's metadata request, this creates a
   * missing topic when allow.auto.create.topics and the broker's auto.create.topics.enable allow it; otherwise a
   * missing topic rejects with UNKNOWN_TOPIC_OR_PARTITION.
   */
  async partitionsFor(topic: string): Promise<TopicPartition[]> {
    const res = await (
      await this.#connect()
    ).request('metadata', {topics: [topic], allowAutoTopicCreation: this.#settings.allowAutoCreateTopics})
    const t = res.topics[0]!
    if (t.error) throw errorFromData(t.error)
    return Array.from({length: t.partitions}, (_, partition) => ({topic, partition}))
  }

  #membershipHost(): MembershipHost {
    return {
      request: async (method, params, timeoutMs) =>
        (await this.#connect()).request(method, params, undefined, timeoutMs),
      allTopics: async () => {
        const res = await (await this.#connect()).request('metadata', {topics: null, allowAutoTopicCreation: false})
        return res.topics.filter((t) => !t.internal).map((t) => t.name)
      },
      partitionCounts: async (topics) => {
        if (topics.length === 0) return new Map()
        const res = await (
          await this.#connect()
        ).request('metadata', {
          topics,
          allowAutoTopicCreation: this.#settings.allowAutoCreateTopics,
        })
        return new Map(res.topics.filter((t) => !t.error).map((t) => [t.name, t.partitions]))
      },
      commitPositions: async (partitions) => {
        const offsets = this.#positionsOf(partitions)
        if (offsets.length > 0) await this.commitSync(offsets)
      },
      setAssignment: (partitions) => this.#setPartitions(partitions, 'committed'),
      autoCommit: this.#settings.enableAutoCommit,
      fail: (error) => {
        this.#error = error
        this.#wake?.()
      },
      wake: () => this.#wake?.(),
    }
  }

  /** Reads exactly these partitions from now on (replacing the previous assignment). */
  assign(partitions: readonly TopicPartition[]): void {
    this.#checkOpen()
    if (this.#group) {
      throw new KafkaException('ILLEGAL_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive')
    }
    this.#setPartitions(partitions)
  }

  #setPartitions(partitions: readonly TopicPartition[], start: 'committed' | null = null): void {
    const keep = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)))
    for (const key of this.#partitions.keys()) {
      if (!keep.has(key)) {
        this.#partitions.delete(key)
      }
    }
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      if (this.#partitions.has(key)) continue
      this.#partitions.set(key, {
        tp: {topic: tp.topic, partition: tp.partition},
        position: null,
        // A group member starts at its group's committed offset; auto.offset.reset applies without one.
        reset: start ?? (this.#settings.groupId === undefined ? this.#settings.autoOffsetReset : 'committed'),
        fetchOffset: 0,
        buffered: [],
        bufferedBytes: 0,
        epoch: 0,
        inFetch: false,
        fetched: false,
        paused: false,
        highWatermark: -1,
        logStartOffset: -1,
        lastStableOffset: -1,
      })
    }
  }

  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].map((s) => ({...s.tp}))
  }

  /** The next poll starts at `offset` on this partition. */
  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new KafkaException('USAGE', `seek offset must not be a negative number (got ${offset})`)
    }
    const state = this.#state(tp)
    this.#clear(state)
    state.position = offset
    state.fetchOffset = offset
    state.reset = null
  }

  seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.#seekLazy(this.#state(tp), 'earliest')
  }

  seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.#seekLazy(this.#state(tp), 'latest')
  }

  #seekLazy(state: PartitionState, reset: 'earliest' | 'latest'): void {
    this.#clear(state)
    state.position = null
    state.reset = reset
  }

  /** The offset of the next record poll would return for this partition. */
  async position(tp: TopicPartition): Promise<number> {
    const state = this.#state(tp)
    await this.#resolvePositions()
    return state.position!
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = true
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = false
    this.#ensureFetch()
  }

  paused(): TopicPartition[] {
    return [...this.#partitions.values()].filter((s) => s.paused).map((s) => ({...s.tp}))
  }

  /** Log start offsets. */
  beginningOffsets(partitions: readonly TopicPartition[]): Promise<(TopicPartition & {offset: number})[]> {
    return this.#listOffsets(partitions, 'earliest')
  }

  /** Log end offsets (the last stable offset under read_committed). */
  endOffsets(partitions: readonly TopicPartition[]): Promise<(TopicPartition & {offset: number})[]> {
    return this.#listOffsets(partitions, 'latest')
  }

  /** The first offset whose timestamp is at or after the given one (null when there is none), per partition. */
  async offsetsForTimes(
    query: readonly (TopicPartition & {timestamp: number})[],
  ): Promise<(TopicPartition & {offset: number | null; timestamp: number | null})[]> {
    const res = await this.#request('listOffsets', {
      isolationLevel: this.#settings.isolationLevel === 'read_committed' ? 1 : 0,
      partitions: query.map((q) => ({topic: q.topic, partition: q.partition, timestamp: q.timestamp})),
    })
    return res.partitions.map((p) => {
      if (p.error) throw toKafkaException(p.error)
      return {
        topic: p.topic,
        partition: p.partition,
        offset: p.offset < 0 ? null : p.offset,
        timestamp: p.offset < 0 ? null : p.timestamp,
      }
    })
  }

  async #listOffsets(partitions: readonly TopicPartition[], spec: OffsetSpec) {
    const res = await this.#request('listOffsets', {
      isolationLevel: this.#settings.isolationLevel === 'read_committed' ? 1 : 0,
      partitions: partitions.map((tp) => ({topic: tp.topic, partition: tp.partition, timestamp: specTimestamp(spec)})),
    })
    return res.partitions.map((p) => {
      if (p.error) throw toKafkaException(p.error)
      return {topic: p.topic, partition: p.partition, offset: p.offset}
    })
  }

  /**
   * Waits up to `timeoutMs` for records of the assigned partitions and returns at most max.poll.records of them
   * (an empty result when none arrived in time).
   */
  async poll(timeoutMs: number): Promise<ConsumerRecords<K, V>> {
    const records: ConsumerRecord<K, V>[] = []
    await this.#pollLoop(timeoutMs, (max) =>
      this.#drain(max, (view, header) => records.push(this.#toRecord(view, header))),
    )
    let result = new ConsumerRecords(records)
    if (this.#interceptorsLoading) await this.#interceptorsLoading
    if (this.#interceptors.length > 0) {
      eachInterceptor(this.#interceptors, (i) => (result = i.onConsume(result)), this.#onNotice, 'onConsume')
    }
    return result
  }

  /**
   * poll without a record object per record: `fn` sees each record as positions into the fetched bytes, valid only
   * during the call. Returns how many records it saw (whole batches, so it may exceed max.poll.records).
   * Interceptors' onConsume takes record objects, so it is called by poll() only.
   */
  async pollEach(timeoutMs: number, fn: (record: RecordView) => void): Promise<number> {
    let seen = 0
    await this.#pollLoop(timeoutMs, (max) => (seen = this.#drain(max, fn, true)))
    return seen
  }

  async #pollLoop(timeoutMs: number, drain: (max: number) => number): Promise<void> {
    this.#checkOpen()
    if (this.#partitions.size === 0 && this.#group === null) {
      throw new KafkaException('ILLEGAL_STATE', 'Consumer is not subscribed to any topics or assigned any partitions')
    }
    const deadline = Date.now() + Math.max(0, timeoutMs)
    this.#maybeAutoCommit()
    while (true) {
      this.#throwPending()
      const rebalance = this.#group?.poll()
      if (rebalance && (this.#partitions.size === 0 || this.#group!.rebalanceProtocol === 'EAGER')) {
        // Nothing to read meanwhile (eager: everything was revoked): wait for the rebalance, within the timeout.
        await this.#waitUntil(rebalance, deadline)
        this.#throwPending()
        if (this.#group?.rebalancing) {
          if (Date.now() >= deadline) return
          continue
        }
      }
      await this.#resolvePositions()
      this.#throwPending()
      if (drain(this.#settings.maxPollRecords) > 0) {
        this.#ensureFetch()
        return
      }
      this.#ensureFetch()
      const remaining = deadline - Date.now()
      if (remaining <= 0) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.#wake = done
      })
      this.#wake = null
    }
  }

  /** Makes a poll in progress (or the next one) throw a WakeupException, as Java's wakeup(). */
  wakeup(): void {
    this.#wakeupRequested = true
    this.#wake?.()
  }

  #throwPending(): void {
    if (this.#wakeupRequested) {
      this.#wakeupRequested = false
      throw new KafkaException('WAKEUP', 'The consumer was woken up')
    }
    if (this.#error) {
      const error = this.#error
      this.#error = null
      throw error
    }
  }

  /** Hands buffered records to `visit`, batch by batch, until at least `max` were handed. */
  #drain(max: number, visit: (view: RecordView, header: BatchHeader) => void, wholeBatches = false): number {
    let count = 0
    const view: RecordView = {
      topic: '',
      partition: 0,
      offset: 0,
      timestamp: 0,
      timestampType: 0,
      data: Buffer.alloc(0),
      keyStart: 0,
      keyLength: -1,
      valueStart: 0,
      valueLength: -1,
      headers: [],
    }
    for (const state of this.#partitions.values()) {
      if (state.paused || state.position === null) continue
      view.topic = state.tp.topic
      view.partition = state.tp.partition
      while (state.buffered.length > 0 && count < max) {
        const completed = state.buffered[0]!
        const batch = completed.batches[completed.next]
        if (batch === undefined) {
          state.buffered.shift()
          state.bufferedBytes -= completed.payload.length
          continue
        }
        const header = readBatchHeader(completed.payload, batch.offset)
        const lastOffset = header.baseOffset + header.lastOffsetDelta
        const position = state.position!
        if (lastOffset < position) {
          completed.next++
          continue
        }
        // Kafka's check.crcs: the CRC and header (control batches, transaction markers, pass too).
        if (this.#settings.checkCrcs) checkBatch(completed.payload, batch.offset, batch.size)
        if (this.#skipBatch(completed, header, batch, lastOffset)) {
          state.position = lastOffset + 1
          completed.next++
          continue
        }
        // Without wholeBatches, a batch is cut at max records: the rest is returned by the next poll.
        const limit = wholeBatches ? Infinity : max - count
        let handed = 0
        let resume = -1
        view.timestampType = header.timestampType
        forEachRecord(completed.payload, batch.offset, batch.size, header, (r: RecordCursor) => {
          if (r.offset < position) return true
          if (handed >= limit) {
            resume = r.offset
            return false
          }
          view.offset = r.offset
          view.timestamp = r.timestamp
          view.data = r.data
          view.keyStart = r.keyStart
          view.keyLength = r.keyLength
          view.valueStart = r.valueStart
          view.valueLength = r.valueLength
          view.headers = r.headers
          visit(view, header)
          handed++
          return true
        })
        count += handed
        if (resume >= 0) {
          state.position = resume
          break
        }
        state.position = lastOffset + 1
        completed.next++
      }
      if (count >= max) break
    }
    if (count > 0) this.#metrics.record('records', count)
    return count
  }

  /**
   * Kafka's CompletedFetch rules: control batches (transaction markers) are never returned, and a read_committed
   * reader skips the transactional batches of a producer from the first offset of an aborted transaction to its
   * ABORT marker.
   */
  #skipBatch(completed: Completed, header: BatchHeader, batch: {offset: number; size: number}, lastOffset: number) {
    const aborted = completed.aborted
    while (aborted.length > 0 && aborted[0]!.firstOffset <= lastOffset) {
      completed.abortedProducers.add(aborted.shift()!.producerId)
    }
    if (header.isControl) {
      if (controlTypeOf(completed.payload, batch.offset, batch.size, header) === 'abort') {
        completed.abortedProducers.delete(header.producerId)
      }
      return true
    }
    return header.isTransactional && completed.abortedProducers.has(header.producerId)
  }

  #toRecord(view: RecordView, header: BatchHeader): ConsumerRecord<K, V> {
    const keyBytes =
      view.keyLength < 0 ? null : Buffer.from(view.data.subarray(view.keyStart, view.keyStart + view.keyLength))
    const valueBytes =
      view.valueLength < 0 ? null : Buffer.from(view.data.subarray(view.valueStart, view.valueStart + view.valueLength))
    const headers = view.headers.length === 0 ? [] : [...view.headers]
    return {
      topic: view.topic,
      partition: view.partition,
      offset: view.offset,
      timestamp: view.timestamp,
      timestampType: header.timestampType === TIMESTAMP_TYPE.LogAppendTime ? 'LogAppendTime' : 'CreateTime',
      key: this.#keyDeserializer
        ? this.#keyDeserializer.deserialize(view.topic, keyBytes, headers)
        : (keyBytes as K | null),
      value: this.#valueDeserializer
        ? this.#valueDeserializer.deserialize(view.topic, valueBytes, headers)
        : (valueBytes as V | null),
      headers,
      serializedKeySize: view.keyLength,
      serializedValueSize: view.valueLength,
    }
  }

  /** Resolves positions of partitions that have none, by their reset strategy (auto.offset.reset or a seek). */
  async #resolvePositions(): Promise<void> {
    let pending = [...this.#partitions.values()].filter((s) => s.position === null)
    if (pending.length === 0) return
    const fromGroup = pending.filter((s) => s.reset === 'committed')
    if (fromGroup.length > 0) {
      // A group member starts where its group committed; without a commit, auto.offset.reset decides.
      const committed = await this.committed(fromGroup.map((s) => s.tp))
      fromGroup.forEach((state, i) => {
        if (state.reset !== 'committed') return // seeked meanwhile
        const c = committed[i]
        if (c) {
          state.position = c.offset
          state.fetchOffset = c.offset
          state.reset = null
        } else {
          state.reset = this.#settings.autoOffsetReset
        }
      })
      pending = pending.filter((s) => s.position === null)
      if (pending.length === 0) return
    }
    const none = pending.filter((s) => s.reset === 'none')
    if (none.length > 0) {
      throw new KafkaException(
        'NO_OFFSET_FOR_PARTITION',
        `Undefined offset with no reset policy for partitions: [${none.map((s) => tpName(s.tp.topic, s.tp.partition)).join(', ')}]`,
      )
    }
    const tps = pending.map((s) => s.tp)
    const latest = await this.#listOffsets(tps, 'latest')
    const earliest = pending.some((s) => s.reset === 'earliest') ? await this.#listOffsets(tps, 'earliest') : []
    pending.forEach((state, i) => {
      if (state.position !== null) return // seeked meanwhile
      const offset = state.reset === 'earliest' ? earliest[i]!.offset : latest[i]!.offset
      state.position = offset
      state.fetchOffset = offset
      state.reset = null
    })
  }

  /** Waits for `promise`, but not past `deadline` nor past a wakeup. */
  async #waitUntil(promise: Promise<void>, deadline: number): Promise<void> {
    const remaining = deadline - Date.now()
    if (remaining <= 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remaining)
        this.#wake = resolve
      }),
    ])
    clearTimeout(timer)
    this.#wake = null
  }

  // ---- offsets of the group ---------------------------------------------------------------------------------

  /** Current positions (the next offsets to consume) of these partitions, for a commit. */
  #positionsOf(partitions: readonly TopicPartition[]): OffsetAndMetadata[] {
    const out: OffsetAndMetadata[] = []
    for (const tp of partitions) {
      const state = this.#partitions.get(tpKey(tp.topic, tp.partition))
      if (state && state.position !== null) out.push({topic: tp.topic, partition: tp.partition, offset: state.position})
    }
    return out
  }

  #maybeAutoCommit(): void {
    if (!this.#settings.enableAutoCommit || this.#group === null) return
    const now = Date.now()
    if (now < this.#nextAutoCommit) return
    this.#nextAutoCommit = now + this.#settings.autoCommitIntervalMs
    const offsets = this.#positionsOf(this.assignment())
    if (offsets.length > 0) this.commitAsync(offsets)
  }

  /**
   * Commits offsets to the group: the given ones, or the positions of every assigned partition (what the previous
   * polls returned). Throws CommitFailedException when the group has rebalanced meanwhile.
   */
  async commitSync(offsets?: readonly OffsetAndMetadata[]): Promise<void> {
    const s = this.#settings
    if (s.groupId === undefined) {
      throw new KafkaException(
        'INVALID_GROUP_ID',
        'To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.',
      )
    }
    const toCommit = offsets ?? this.#positionsOf(this.assignment())
    if (toCommit.length === 0) return
    const member = this.#group?.metadata()
    const started = Date.now()
    try {
      const res = await this.#request('offsetCommit', {
        groupId: s.groupId,
        generationId: member && member.memberId !== '' ? member.generationId : -1,
        memberId: member?.memberId ?? '',
        groupInstanceId: member && member.memberId !== '' ? s.groupInstanceId : null,
        offsets: toCommit.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: o.metadata ?? '',
        })),
      })
      const failed = res.results.find((r) => r.error)
      if (failed?.error) throw toKafkaException(failed.error)
      this.#metrics.record('commit-latency', Date.now() - started)
      if (this.#interceptors.length > 0) {
        eachInterceptor(this.#interceptors, (i) => i.onCommit(toCommit), this.#onNotice, 'onCommit')
      }
    } catch (error) {
      const e = toKafkaException(error)
      if (e.code === 'ILLEGAL_GENERATION' || e.code === 'UNKNOWN_MEMBER_ID' || e.code === 'REBALANCE_IN_PROGRESS') {
        this.#group?.requestRejoin()
        throw new CommitFailedException(
          `Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member (${e.message}). Poll again to rejoin, or shorten the time between polls (max.poll.interval.ms, max.poll.records).`,
        )
      }
      throw e
    }
  }

  /** commitSync without waiting: the callback (if any) gets the outcome. */
  commitAsync(
    offsets?: readonly OffsetAndMetadata[],
    callback?: (error: KafkaException | null, offsets: readonly OffsetAndMetadata[]) => void,
  ): void {
    const toCommit = offsets ?? this.#positionsOf(this.assignment())
    this.commitSync(toCommit).then(
      () => callback?.(null, toCommit),
      (error: unknown) => callback?.(toKafkaException(error), toCommit),
    )
  }

  /** The group's committed offsets of these partitions (null where none). */
  async committed(partitions: readonly TopicPartition[]): Promise<(OffsetAndMetadata | null)[]> {
    const groupId = this.#settings.groupId
    if (groupId === undefined) {
      throw new KafkaException(
        'INVALID_GROUP_ID',
        'To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.',
      )
    }
    // A read_committed consumer waits for offsets pending in an open transaction (KIP-447's require_stable).
    const requireStable = this.#settings.isolationLevel === 'read_committed'
    const deadline = Date.now() + this.#settings.requestTimeoutMs
    let res: Responses['offsetFetch']
    for (;;) {
      res = await this.#request('offsetFetch', {
        groupId,
        partitions: partitions.map((tp) => ({topic: tp.topic, partition: tp.partition})),
        requireStable,
      })
      const failed = res.offsets.find((o) => o.error)?.error
      if (!failed) break
      if (failed.code !== 'UNSTABLE_OFFSET_COMMIT' || Date.now() > deadline) throw toKafkaException(failed)
      await new Promise((r) => setTimeout(r, 20))
    }
    return res.offsets.map((o) =>
      o.offset < 0 ? null : {topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata},
    )
  }

  #ensureFetch(): void {
    if (this.#closed || this.#error) return
    const limit = this.#settings.maxPartitionFetchBytes * 2
    const targets = [...this.#partitions.values()].filter(
      (s) => !s.paused && !s.inFetch && s.position !== null && s.bufferedBytes < limit,
    )
    if (targets.length === 0) return
    // Partitions just assigned (a rebalance) are fetched at once; others wait for the fetches that return at once.
    if (this.#fetching > 0 && !targets.some((t) => !t.fetched)) return
    const s = this.#settings
    const req: Requests['fetch'] = {
      maxWaitMs: s.fetchMaxWaitMs,
      minBytes: s.fetchMinBytes,
      maxBytes: s.fetchMaxBytes,
      isolationLevel: s.isolationLevel === 'read_committed' ? 1 : 0,
      partitions: targets.map((t) => ({
        topic: t.tp.topic,
        partition: t.tp.partition,
        offset: t.fetchOffset,
        maxBytes: s.maxPartitionFetchBytes,
      })),
    }
    const epochs = targets.map((t) => t.epoch)
    const readCommitted = s.isolationLevel === 'read_committed'
    const longPoll = targets.every((t) => {
      const end = readCommitted ? t.lastStableOffset : t.highWatermark
      return end >= 0 && t.fetchOffset >= end
    })
    for (const t of targets) t.inFetch = t.fetched = true
    if (!longPoll) this.#fetching++
    const done = () => {
      if (!longPoll) this.#fetching--
      for (const t of targets) t.inFetch = false
    }
    const fetchStarted = Date.now()
    this.#connect()
      .then((c) => c.requestWithPayload('fetch', req, undefined, s.fetchMaxWaitMs + s.requestTimeoutMs))
      .then(
        ({result, payload}) => {
          done()
          this.#metrics.record('fetch-latency', Date.now() - fetchStarted)
          this.#onFetch(targets, epochs, result, payload)
          this.#wake?.()
          this.#ensureFetch()
        },
        (error: unknown) => {
          done()
          const e = toKafkaException(error)
          // A lost connection or a restarting daemon: the next poll fetches again on a new connection.
          if (!e.retriable) this.#error = e
          this.#wake?.()
        },
      )
  }

  #onFetch(targets: PartitionState[], epochs: number[], result: Responses['fetch'], payload: Buffer): void {
    let position = 0
    result.partitions.forEach((p, i) => {
      const state = targets[i]!
      const bytes = payload.subarray(position, position + p.size)
      position += p.size
      if (this.#partitions.get(tpKey(state.tp.topic, state.tp.partition)) !== state || state.epoch !== epochs[i]) return // unassigned or seeked
      if (p.error) {
        if (p.error.code === 'OFFSET_OUT_OF_RANGE' && this.#settings.autoOffsetReset !== 'none') {
          this.#clear(state)
          state.position = null
          state.reset = this.#settings.autoOffsetReset
          return
        }
        this.#error = toKafkaException(p.error)
        return
      }
      state.highWatermark = p.highWatermark
      state.logStartOffset = p.logStartOffset
      state.lastStableOffset = p.lastStableOffset
      if (p.size === 0) return
      const batches = [...splitBatches(bytes)]
      const last = batches.at(-1)
      if (last === undefined) return
      const header = readBatchHeader(bytes, last.offset)
      state.fetchOffset = header.baseOffset + header.lastOffsetDelta + 1
      const aborted = [...(p.abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset)
      state.buffered.push({payload: bytes, batches, next: 0, aborted, abortedProducers: new Set()})
      this.#metrics.record('bytes', bytes.length)
      state.bufferedBytes += bytes.length
    })
  }

  #clear(state: PartitionState): void {
    state.buffered = []
    state.bufferedBytes = 0
    state.epoch++
  }

  /** The high watermark last seen for a partition (-1 before the first fetch), Kafka's currentLag building block. */
  highWatermark(tp: TopicPartition): number {
    return this.#state(tp).highWatermark
  }

  #state(tp: TopicPartition): PartitionState {
    const state = this.#partitions.get(tpKey(tp.topic, tp.partition))
    if (!state)
      throw new KafkaException('ILLEGAL_STATE', `No current assignment for partition ${tpName(tp.topic, tp.partition)}`)
    return state
  }

  #checkOpen(): void {
    if (this.#closed) throw new KafkaException('ILLEGAL_STATE', 'This consumer has already been closed.')
  }

  #connect(): Promise<Connection> {
    return this.#connections.get()
  }

  async #request<M extends 'listOffsets' | 'offsetCommit' | 'offsetFetch'>(
    method: M,
    params: Requests[M],
  ): Promise<Responses[M]> {
    return (await this.#connect()).request(method, params)
  }

  /** Closes the connection; the consumer cannot be used afterwards. */
  /** Leaves the group (committing first with auto-commit) and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.#group?.close()
    for (const i of this.#interceptors) {
      try {
        await i.close?.()
      } catch (e) {
        this.#onNotice(`Error closing interceptor: ${(e as Error).message}`)
      }
    }
    this.#closed = true
    this.#wake?.()
    await this.#connections.close()
  }
}
