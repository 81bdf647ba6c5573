// KafkaConsumer, shaped like Kafka's Java consumer: assign partitions or subscribe with a group, seek, poll, commit.
// The roles are Kafka's: the positions of the assigned partitions (subscription-state.ts), the fetch pipeline
// (fetcher.ts), the group membership (group-member.ts) and the settings (consumer-config.ts); this class is the
// facade that owns the poll loop, the group's offsets and the wiring between them.
import {CommitFailedException, errorFromData, KafkaException, toKafkaException} from '../errors.js'
import type {Requests, Responses} from '../protocol/socket/messages.js'
import {specTimestamp, type OffsetSpec} from './offset-spec.js'
import type {ClientConfig} from './config.js'
import {ReconnectingConnection} from './connection.js'
import type {Transport} from './transport.js'
import {consumerSettings, type ConsumerSettings} from './consumer-config.js'
import {
  ConsumerRecords,
  type ConsumerInterceptor,
  type ConsumerRecord,
  type OffsetAndMetadata,
  type RecordView,
} from './consumer-types.js'
import {Fetcher, type FetchHost, type RecordWait} from './fetcher.js'
import {GroupMember, type ConsumerRebalanceListener, type GroupMetadata, type MembershipHost} from './group-member.js'
import {Interceptors} from './interceptors.js'
import {Metrics, type Metric} from './metrics.js'
import {deserializerFromConfig, type Deserializer} from './serializers.js'
import {SubscriptionState} from './subscription-state.js'
import type {TopicPartition} from '../protocol/kafka/topic-partition.js'

export type {TopicPartition}
export {ConsumerRecords}
export type {
  ConsumerInterceptor,
  ConsumerRecord,
  OffsetAndMetadata,
  RecordView,
  TimestampType,
} from './consumer-types.js'

const INVALID_GROUP_ID_MESSAGE =
  'To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.'

export class KafkaConsumer<K = Buffer, V = Buffer> {
  readonly #settings: ConsumerSettings
  readonly #connections: ReconnectingConnection
  readonly #subscriptions: SubscriptionState
  readonly #fetcher: Fetcher<K, V>
  #error: KafkaException | null = null
  #wake: (() => void) | null = null
  #wakeupRequested = false
  #closed = false
  #group: GroupMember | null = null
  #nextAutoCommit = 0
  readonly #onNotice: (message: string) => void
  readonly #interceptors: Interceptors<ConsumerInterceptor<K, V>>
  readonly #metrics: Metrics

  constructor(
    config: ClientConfig = {},
    keyDeserializer?: Deserializer<K>,
    valueDeserializer?: Deserializer<V>,
    options: {onNotice?: (message: string) => void} = {},
  ) {
    this.#settings = consumerSettings(config)
    this.#connections = ReconnectingConnection.for(this.#settings, options.onNotice)
    this.#subscriptions = new SubscriptionState(this.#settings, {
      committed: (partitions) => this.committed(partitions),
      listOffsets: (partitions, spec) => this.#listOffsets(partitions, spec),
    })
    const deserializers = {
      key: keyDeserializer ?? deserializerFromConfig(config, 'key.deserializer'),
      value: valueDeserializer ?? deserializerFromConfig(config, 'value.deserializer'),
    }
    this.#onNotice = options.onNotice ?? ((m) => process.emitWarning(m))
    this.#interceptors = new Interceptors<ConsumerInterceptor<K, V>>(config, this.#onNotice)
    this.#metrics = this.#defineMetrics()
    this.#fetcher = new Fetcher(this.#settings, this.#subscriptions, deserializers, this.#metrics, this.#fetchHost())
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
    m.define('fetch-throttle-time-avg', 'fetch-throttle-time', 'avg', 'The average throttle time in ms')
    m.define('fetch-throttle-time-max', 'fetch-throttle-time', 'max', 'The maximum throttle time in ms')
    m.define('commit-total', 'commit-latency', 'count-total', 'The total number of commit calls.')
    m.define('commit-latency-avg', 'commit-latency', 'avg', 'The average time taken for a commit request.')
    m.gauge('records-lag-max', 'The maximum lag in terms of number of records for any partition.', () =>
      Math.max(0, ...[...this.#subscriptions.states()].map((p) => this.#subscriptions.lagOf(p) ?? 0)),
    )
    m.gauge(
      'assigned-partitions',
      'The number of partitions currently assigned to this consumer.',
      () => this.#subscriptions.size,
    )
    return m
  }

  /** The consumer's metrics, keyed by name (Kafka's consumer-fetch-manager-metrics and commit metrics). */
  metrics(): Map<string, Metric> {
    return this.#metrics.all()
  }

  /** Kafka's currentLag: records behind the end for this isolation level, null before the first fetch. */
  currentLag(tp: TopicPartition): number | null {
    return this.#subscriptions.lagOf(this.#subscriptions.state(tp))
  }

  /**
   * Joins the consumer's group (group.id) and reads the partitions the group assigns to it, of these topics or of
   * every topic matching the pattern. The listener hears of partitions revoked, assigned and lost.
   */
  subscribe(topics: readonly string[] | RegExp, listener: ConsumerRebalanceListener = {}): void {
    this.#checkOpen()
    const groupId = this.#requireGroupId()
    if (this.#group === null && this.#subscriptions.size > 0) {
      throw new KafkaException('ILLEGAL_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive')
    }
    const subscription = topics instanceof RegExp ? {pattern: topics} : {topics: [...topics]}
    if (this.#group) {
      this.#group.resubscribe(subscription, listener)
      return
    }
    const s = this.#settings
    this.#group = new GroupMember(
      {
        groupId,
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
    this.#subscriptions.assign([])
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
        const offsets = this.#subscriptions.positionsOf(partitions)
        if (offsets.length > 0) await this.commitSync(offsets)
      },
      setAssignment: (partitions) => this.#subscriptions.assign(partitions, 'committed'),
      autoCommit: this.#settings.enableAutoCommit,
      fail: (error) => {
        this.#error = error
        this.#wake?.()
      },
      wake: () => this.#wake?.(),
    }
  }

  #fetchHost(): FetchHost {
    return {
      connect: () => this.#connect(),
      canFetch: () => !this.#closed && this.#error === null,
      fail: (error) => {
        this.#error = error
        this.#wake?.()
      },
      warn: (message) => this.#onNotice(message),
      wake: () => this.#wake?.(),
      metadataStale: () => this.#group?.metadataStale(),
    }
  }

  /** Reads exactly these partitions from now on (replacing the previous assignment). */
  assign(partitions: readonly TopicPartition[]): void {
    this.#checkOpen()
    if (this.#group) {
      throw new KafkaException('ILLEGAL_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive')
    }
    this.#subscriptions.assign(partitions)
  }

  /** The partitions this consumer reads now (assigned, or given by its group). */
  assignment(): TopicPartition[] {
    return this.#subscriptions.assignment()
  }

  /** The next poll starts at `offset` on this partition. */
  seek(tp: TopicPartition, offset: number): void {
    this.#subscriptions.seek(tp, offset)
  }

  /** The next poll starts at the log start offset of these partitions (default: all assigned). */
  seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.#subscriptions.requestReset(this.#subscriptions.state(tp), 'earliest')
  }

  /** The next poll starts at the end of these partitions (default: all assigned). */
  seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.#subscriptions.requestReset(this.#subscriptions.state(tp), 'latest')
  }

  /** The offset of the next record poll would return for this partition. */
  async position(tp: TopicPartition): Promise<number> {
    const state = this.#subscriptions.state(tp)
    await this.#subscriptions.resolvePositions()
    return state.position!
  }

  /** Polls return nothing of these partitions, and fetch nothing for them, until resumed. */
  pause(partitions: readonly TopicPartition[]): void {
    this.#subscriptions.pause(partitions)
  }

  /** Undoes pause. */
  resume(partitions: readonly TopicPartition[]): void {
    this.#subscriptions.resume(partitions)
    this.#fetcher.sendFetches()
  }

  /** The partitions paused. */
  paused(): TopicPartition[] {
    return this.#subscriptions.paused()
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
    await this.#pollLoop(timeoutMs, (max) => this.#fetcher.drainRecords(max, records))
    let result = new ConsumerRecords(records)
    if (this.#interceptors.loading !== null || this.#interceptors.error !== null) await this.#interceptors.ready()
    this.#interceptors.each((i) => (result = i.onConsume(result)), 'onConsume')
    return result
  }

  /**
   * poll without a record object per record: `fn` sees each record as positions into the fetched bytes, valid only
   * during the call. Returns how many records it saw (whole batches, so it may exceed max.poll.records).
   * Interceptors' onConsume takes record objects, so it is called by poll() only. When `fn` returns a promise, the
   * record is not taken: the poll waits for the promise (a schema to fetch, say) and hands the record again.
   */
  async pollEach(timeoutMs: number, fn: (record: RecordView) => Promise<unknown> | void): Promise<number> {
    let seen = 0
    await this.#pollLoop(timeoutMs, (max) => (seen = this.#fetcher.drain(max, fn, true)))
    return seen
  }

  async #pollLoop(timeoutMs: number, drain: (max: number) => number): Promise<void> {
    this.#checkOpen()
    if (this.#subscriptions.size === 0 && this.#group === null) {
      throw new KafkaException('ILLEGAL_STATE', 'Consumer is not subscribed to any topics or assigned any partitions')
    }
    const deadline = Date.now() + Math.max(0, timeoutMs)
    this.#maybeAutoCommit()
    while (true) {
      this.#throwPending()
      const rebalance = this.#group?.poll()
      if (rebalance && (this.#subscriptions.size === 0 || this.#group!.rebalanceProtocol === 'EAGER')) {
        // Nothing to read meanwhile (eager: everything was revoked): wait for the rebalance, within the timeout.
        await this.#waitUntil(rebalance, deadline)
        this.#throwPending()
        if (this.#group?.rebalancing) {
          if (Date.now() >= deadline) return
          continue
        }
      }
      await this.#subscriptions.resolvePositions()
      this.#throwPending()
      if (drain(this.#settings.maxPollRecords) > 0) {
        this.#fetcher.sendFetches()
        return
      }
      const waiting = this.#fetcher.takeWaiting()
      if (waiting !== null) {
        await this.#awaitRecord(waiting)
        continue
      }
      this.#fetcher.sendFetches()
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

  /**
   * Waits for what a record's deserializers need first (a schema from the registry). A failure is the record's, as
   * Java's RecordDeserializationException: the position stays on it until the application seeks past it.
   */
  async #awaitRecord(waiting: RecordWait): Promise<void> {
    try {
      await waiting.until
    } catch (error) {
      const cause = toKafkaException(error)
      throw new KafkaException(
        'RECORD_DESERIALIZATION',
        `Error deserializing key/value for partition ${waiting.topic}-${waiting.partition} at offset ${waiting.offset}. If needed, please seek past the record to continue consumption. ${cause.message}`,
      )
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

  #maybeAutoCommit(): void {
    if (!this.#settings.enableAutoCommit || this.#group === null) return
    const now = Date.now()
    if (now < this.#nextAutoCommit) return
    this.#nextAutoCommit = now + this.#settings.autoCommitIntervalMs
    const offsets = this.#subscriptions.positionsOf(this.assignment())
    if (offsets.length > 0) this.commitAsync(offsets)
  }

  /**
   * Commits offsets to the group: the given ones, or the positions of every assigned partition (what the previous
   * polls returned). Throws CommitFailedException when the group has rebalanced meanwhile.
   */
  async commitSync(offsets?: readonly OffsetAndMetadata[]): Promise<void> {
    const s = this.#settings
    const groupId = this.#requireGroupId()
    const toCommit = offsets ?? this.#subscriptions.positionsOf(this.assignment())
    if (toCommit.length === 0) return
    const member = this.#group?.metadata()
    const started = Date.now()
    try {
      const res = await this.#request('offsetCommit', {
        groupId,
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
      this.#interceptors.each((i) => i.onCommit(toCommit), 'onCommit')
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
    const toCommit = offsets ?? this.#subscriptions.positionsOf(this.assignment())
    this.commitSync(toCommit).then(
      () => callback?.(null, toCommit),
      (error: unknown) => callback?.(toKafkaException(error), toCommit),
    )
  }

  /** The group's committed offsets of these partitions (null where none). */
  async committed(partitions: readonly TopicPartition[]): Promise<(OffsetAndMetadata | null)[]> {
    const groupId = this.#requireGroupId()
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

  /** The consumer's group.id, for the calls that need a group (INVALID_GROUP_ID without one). */
  #requireGroupId(): string {
    const groupId = this.#settings.groupId
    if (groupId === undefined) throw new KafkaException('INVALID_GROUP_ID', INVALID_GROUP_ID_MESSAGE)
    return groupId
  }

  /** The high watermark last seen for a partition (-1 before the first fetch), Kafka's currentLag building block. */
  highWatermark(tp: TopicPartition): number {
    return this.#subscriptions.state(tp).highWatermark
  }

  #checkOpen(): void {
    if (this.#closed) throw new KafkaException('ILLEGAL_STATE', 'This consumer has already been closed.')
  }

  #connect(): Promise<Transport> {
    return this.#connections.get()
  }

  async #request<M extends 'listOffsets' | 'offsetCommit' | 'offsetFetch'>(
    method: M,
    params: Requests[M],
  ): Promise<Responses[M]> {
    return (await this.#connect()).request(method, params)
  }

  /**
   * Leaves the group (committing first with auto-commit) and closes the connection; the consumer cannot be used
   * afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.#group?.close()
    await this.#interceptors.close()
    await this.#fetcher.closeDeserializers()
    this.#closed = true
    this.#wake?.()
    await this.#connections.close()
  }
}
