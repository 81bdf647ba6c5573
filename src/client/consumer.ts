// KafkaConsumer, shaped like Kafka's Java consumer: assign partitions, seek, poll. Fetches are long polls kept in
// flight while the application works through what arrived before (the next fetch starts where the buffered data
// ends), so reading and decoding overlap on the two sides of the socket.
import {KafkaException, toKafkaException} from '../errors.js'
import {
  TIMESTAMP_TYPE,
  forEachRecord,
  readBatchHeader,
  splitBatches,
  validateBatch,
  type BatchHeader,
  type RecordCursor,
  type RecordHeader,
} from '../protocol/record-batch.js'
import type {Requests, Responses} from '../protocol/messages.js'
import {specTimestamp, type IsolationLevel, type OffsetSpec} from './admin.js'
import {commonConfig, ConfigReader, type ClientConfig, type CommonConfig} from './config.js'
import {Connection} from './connection.js'
import type {Deserializer} from './serializers.js'

export interface TopicPartition {
  topic: string
  partition: number
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
    for (const r of this.#records) seen.set(`${r.partition}:${r.topic}`, {topic: r.topic, partition: r.partition})
    return [...seen.values()]
  }

  [Symbol.iterator](): Iterator<ConsumerRecord<K, V>> {
    return this.#records[Symbol.iterator]()
  }
}

interface ConsumerSettings extends CommonConfig {
  groupId: string | undefined
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
}

interface PartitionState {
  tp: TopicPartition
  /** Offset of the next record to return; null until resolved by the reset strategy. */
  position: number | null
  reset: 'earliest' | 'latest' | 'none' | null
  /** Where the next fetch starts: the end of what is buffered. */
  fetchOffset: number
  buffered: Completed[]
  bufferedBytes: number
  /** Bumped by seeks, so data fetched before a seek is dropped. */
  epoch: number
  paused: boolean
  highWatermark: number
  logStartOffset: number
  lastStableOffset: number
}

const tpKey = (tp: TopicPartition) => `${tp.partition}:${tp.topic}`
const tpName = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`

function consumerSettings(config: ClientConfig): ConsumerSettings {
  const r = new ConfigReader(config)
  return {
    ...commonConfig(config, 'consumer-1'),
    groupId: r.optionalString('group.id'),
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
  readonly #onNotice: ((message: string) => void) | undefined
  #connection: Promise<Connection> | null = null
  readonly #partitions = new Map<string, PartitionState>()
  #fetching = false
  #error: KafkaException | null = null
  #wake: (() => void) | null = null
  #wakeupRequested = false
  #closed = false

  constructor(
    config: ClientConfig = {},
    keyDeserializer?: Deserializer<K>,
    valueDeserializer?: Deserializer<V>,
    options: {onNotice?: (message: string) => void} = {},
  ) {
    this.#settings = consumerSettings(config)
    this.#keyDeserializer = keyDeserializer
    this.#valueDeserializer = valueDeserializer
    this.#onNotice = options.onNotice
  }

  /** Consumer groups (subscribe) come with the group coordinator; until then partitions are assigned by hand. */
  subscribe(_topics: readonly string[] | RegExp): never {
    throw new KafkaException(
      'UNSUPPORTED_VERSION',
      'Consumer groups (subscribe) are not available in this kafkalite version yet: use assign() with explicit partitions.',
    )
  }

  /** Reads exactly these partitions from now on (replacing the previous assignment). */
  assign(partitions: readonly TopicPartition[]): void {
    this.#checkOpen()
    const keep = new Set(partitions.map(tpKey))
    for (const key of this.#partitions.keys()) {
      if (!keep.has(key)) {
        this.#partitions.delete(key)
      }
    }
    for (const tp of partitions) {
      const key = tpKey(tp)
      if (this.#partitions.has(key)) continue
      this.#partitions.set(key, {
        tp: {topic: tp.topic, partition: tp.partition},
        position: null,
        reset: this.#settings.autoOffsetReset,
        fetchOffset: 0,
        buffered: [],
        bufferedBytes: 0,
        epoch: 0,
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
    return new ConsumerRecords(records)
  }

  /**
   * poll without a record object per record: `fn` sees each record as positions into the fetched bytes, valid only
   * during the call. Returns how many records it saw (whole batches, so it may exceed max.poll.records).
   */
  async pollEach(timeoutMs: number, fn: (record: RecordView) => void): Promise<number> {
    let seen = 0
    await this.#pollLoop(timeoutMs, (max) => (seen = this.#drain(max, fn, true)))
    return seen
  }

  async #pollLoop(timeoutMs: number, drain: (max: number) => number): Promise<void> {
    this.#checkOpen()
    if (this.#partitions.size === 0) {
      throw new KafkaException('ILLEGAL_STATE', 'Consumer is not subscribed to any topics or assigned any partitions')
    }
    const deadline = Date.now() + Math.max(0, timeoutMs)
    while (true) {
      this.#throwPending()
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
        if (this.#settings.checkCrcs) validateBatch(completed.payload, batch.offset, batch.size)
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
    return count
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
    const pending = [...this.#partitions.values()].filter((s) => s.position === null)
    if (pending.length === 0) return
    const none = pending.filter((s) => s.reset === 'none')
    if (none.length > 0) {
      throw new KafkaException(
        'OFFSET_OUT_OF_RANGE',
        `Undefined offset with no reset policy for partitions: [${none.map((s) => tpName(s.tp)).join(', ')}]`,
      )
    }
    const offsets = await this.#listOffsets(
      pending.map((s) => s.tp),
      'latest',
    ).then(async (latest) => {
      const earliest = pending.some((s) => s.reset === 'earliest')
        ? await this.#listOffsets(
            pending.map((s) => s.tp),
            'earliest',
          )
        : []
      return {latest, earliest}
    })
    pending.forEach((state, i) => {
      if (state.position !== null) return // seeked meanwhile
      const offset = state.reset === 'earliest' ? offsets.earliest[i]!.offset : offsets.latest[i]!.offset
      state.position = offset
      state.fetchOffset = offset
      state.reset = null
    })
  }

  #ensureFetch(): void {
    if (this.#fetching || this.#closed || this.#error) return
    const limit = this.#settings.maxPartitionFetchBytes * 2
    const targets = [...this.#partitions.values()].filter(
      (s) => !s.paused && s.position !== null && s.bufferedBytes < limit,
    )
    if (targets.length === 0) return
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
    this.#fetching = true
    this.#connect()
      .then((c) => c.requestWithPayload('fetch', req, undefined, s.fetchMaxWaitMs + s.requestTimeoutMs))
      .then(
        ({result, payload}) => {
          this.#fetching = false
          this.#onFetch(targets, epochs, result, payload)
          this.#wake?.()
          this.#ensureFetch()
        },
        (error: unknown) => {
          this.#fetching = false
          const e = toKafkaException(error)
          if (e.code === 'CONNECTION_CLOSED') this.#connection = null
          this.#error = e
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
      if (this.#partitions.get(tpKey(state.tp)) !== state || state.epoch !== epochs[i]) return // unassigned or seeked
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
      state.buffered.push({payload: bytes, batches, next: 0})
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
    const state = this.#partitions.get(tpKey(tp))
    if (!state) throw new KafkaException('ILLEGAL_STATE', `No current assignment for partition ${tpName(tp)}`)
    return state
  }

  #checkOpen(): void {
    if (this.#closed) throw new KafkaException('ILLEGAL_STATE', 'This consumer has already been closed.')
  }

  #connect(): Promise<Connection> {
    if (this.#connection === null) {
      const s = this.#settings
      this.#connection = Connection.open({
        home: s.home,
        clientId: s.clientId,
        requestTimeoutMs: s.requestTimeoutMs,
        onNotice: this.#onNotice,
      })
      this.#connection.catch(() => {
        this.#connection = null
      })
    }
    return this.#connection
  }

  async #request<M extends 'listOffsets'>(method: M, params: Requests[M]): Promise<Responses[M]> {
    return (await this.#connect()).request(method, params)
  }

  /** Closes the connection; the consumer cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wake?.()
    const connection = this.#connection
    this.#connection = null
    if (connection) (await connection.catch(() => null))?.close()
  }
}
