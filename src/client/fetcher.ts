// The consumer's fetch pipeline: Kafka's Fetcher and CompletedFetch, franz-go's source. Fetches are long polls kept
// in flight while the application works through what arrived before (the next fetch starts where the buffered
// data ends), so reading and decoding overlap on the two sides of the socket. A fetch's bytes are buffered per
// partition as whole batches and decoded only when a poll drains them, straight from the fetched buffer.
import {toKafkaException, type KafkaException} from '../errors.js'
import {
  TIMESTAMP_TYPE,
  controlTypeOf,
  forEachRecord,
  readBatchHeader,
  splitBatches,
  checkBatch,
  type BatchHeader,
  type RecordCursor,
} from '../protocol/kafka/record-batch.js'
import type {Requests, Responses} from '../protocol/socket/messages.js'
import type {Transport} from './transport.js'
import type {ConsumerSettings} from './consumer-config.js'
import type {ConsumerRecord, RecordView} from './consumer-types.js'
import type {Metrics} from './metrics.js'
import type {Deserializer} from './serializers.js'
import type {CompletedFetch, PartitionState, SubscriptionState} from './subscription-state.js'

/** What the fetcher needs from its consumer. */
export interface FetchHost {
  connect(): Promise<Transport>
  /** False once the consumer is closed or holds an error for the next poll to throw: no fetch starts then. */
  canFetch(): boolean
  /** Reports an error that a fetch met to the next poll. */
  fail(error: KafkaException): void
  /** A warning worth a line on stderr (Kafka's consumer logs it and goes on). */
  warn(message: string): void
  /** Wakes a poll waiting for data. */
  wake(): void
  /** A partition the broker could not serve: the topics may have changed (Kafka's Fetcher asks for new metadata). */
  metadataStale(): void
}

/** A record a drain stopped before, and what it waits for. */
export interface RecordWait {
  topic: string
  partition: number
  offset: number
  until: Promise<unknown>
}

export class Fetcher<K, V> {
  readonly #settings: ConsumerSettings
  readonly #subscriptions: SubscriptionState
  readonly #keyDeserializer: Deserializer<K> | undefined
  readonly #valueDeserializer: Deserializer<V> | undefined
  readonly #metrics: Metrics
  readonly #host: FetchHost
  #retryTimer: NodeJS.Timeout | null = null
  /**
   * Fetches in flight that should return at once: a partition is in one fetch at a time, and the next fetch waits
   * for these, except for partitions just assigned. A fetch of partitions all at their end (a long poll, up to
   * fetch.max.wait.ms) holds nothing back.
   */
  #fetching = 0
  /** Whether a deserializer has a prepare hook (a schema registry's): only then does a drain consult it. */
  readonly #prepares: boolean
  /** What the last drain stopped for: a record whose deserializers must first do I/O (a schema to fetch). */
  #waiting: RecordWait | null = null

  constructor(
    settings: ConsumerSettings,
    subscriptions: SubscriptionState,
    deserializers: {key: Deserializer<K> | undefined; value: Deserializer<V> | undefined},
    metrics: Metrics,
    host: FetchHost,
  ) {
    this.#settings = settings
    this.#subscriptions = subscriptions
    this.#keyDeserializer = deserializers.key
    this.#valueDeserializer = deserializers.value
    this.#prepares = deserializers.key?.prepare !== undefined || deserializers.value?.prepare !== undefined
    this.#metrics = metrics
    this.#host = host
  }

  /** Starts a fetch for the partitions that have a position, room in their buffer and no fetch in flight. */
  sendFetches(): void {
    if (!this.#host.canFetch()) return
    const limit = this.#settings.maxPartitionFetchBytes * 2
    const now = Date.now()
    let backingOff = Infinity
    const targets = [...this.#subscriptions.states()].filter((s) => {
      if (s.paused || s.inFetch || s.position === null || s.bufferedBytes >= limit) return false
      if (s.retryAt > now) {
        backingOff = Math.min(backingOff, s.retryAt)
        return false
      }
      return true
    })
    if (backingOff !== Infinity && this.#retryTimer === null) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null
        this.sendFetches()
      }, backingOff - now)
      this.#retryTimer.unref()
    }
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
    this.#host
      .connect()
      .then((c) => c.requestWithPayload('fetch', req, undefined, s.fetchMaxWaitMs + s.requestTimeoutMs))
      .then(
        ({result, payload}) => {
          done()
          this.#metrics.record('fetch-latency', Date.now() - fetchStarted)
          this.#metrics.record('fetch-throttle-time', result.throttleTimeMs ?? 0)
          this.#onFetch(targets, epochs, result, payload)
          this.#host.wake()
          this.sendFetches()
        },
        (error: unknown) => {
          done()
          const e = toKafkaException(error)
          // A lost connection or a restarting daemon: the next poll fetches again on a new connection.
          if (!e.retriable) this.#host.fail(e)
          this.#host.wake()
        },
      )
  }

  #onFetch(targets: PartitionState[], epochs: number[], result: Responses['fetch'], payload: Buffer): void {
    let position = 0
    result.partitions.forEach((p, i) => {
      const state = targets[i]!
      const bytes = payload.subarray(position, position + p.size)
      position += p.size
      if (!this.#subscriptions.isAssigned(state) || state.epoch !== epochs[i]) return // unassigned or seeked
      if (p.error) {
        if (p.error.code === 'OFFSET_OUT_OF_RANGE') {
          // As Kafka's consumer: the position is gone (retention, delete-records) or past the end; auto.offset.reset
          // decides, and `none` is the application's error.
          const position = `Fetch position FetchPosition{offset=${state.fetchOffset}} is out of range for partition ${state.tp.topic}-${state.tp.partition}`
          const reset = this.#settings.autoOffsetReset
          if (reset !== 'none') {
            this.#host.warn(`${position}, resetting offset to the ${reset} offset (auto.offset.reset=${reset})`)
            this.#subscriptions.requestReset(state, reset)
            return
          }
          this.#host.fail(
            toKafkaException({
              code: 'OFFSET_OUT_OF_RANGE',
              message: `${position}: ${p.error.message} auto.offset.reset is none: seek to an offset in range, or set auto.offset.reset to earliest or latest.`,
            }),
          )
          return
        }
        const error = toKafkaException(p.error)
        if (error.retriable) {
          // As Kafka's Fetcher: a partition the broker cannot serve now (its topic deleted, perhaps to be created
          // again; storage refusing) is reported once and fetched again after retry.backoff.ms; poll goes on.
          state.retryAt = Date.now() + this.#settings.retryBackoffMs
          this.#host.metadataStale()
          if (state.reported !== error.code) {
            state.reported = error.code
            this.#host.warn(
              `Received ${error.code} in fetch for partition ${state.tp.topic}-${state.tp.partition}: ${error.message} Retrying.`,
            )
          }
          return
        }
        this.#host.fail(error)
        return
      }
      state.reported = null
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

  /** poll's drain: up to `max` buffered records as record objects (deserialized copies), appended to `records`. */
  drainRecords(max: number, records: ConsumerRecord<K, V>[]): number {
    if (!this.#prepares) return this.drain(max, (view, header) => void records.push(this.#toRecord(view, header)))
    return this.drain(max, (view, header) => {
      // The key's and value's own copies (a record keeps them) serve the prepare and the deserializers both.
      const {data} = view
      const key = view.keyLength < 0 ? null : Buffer.from(data.subarray(view.keyStart, view.keyStart + view.keyLength))
      const value =
        view.valueLength < 0 ? null : Buffer.from(data.subarray(view.valueStart, view.valueStart + view.valueLength))
      const k = this.#keyDeserializer?.prepare?.(view.topic, key, view.headers) ?? null
      const v = this.#valueDeserializer?.prepare?.(view.topic, value, view.headers) ?? null
      if (k !== null || v !== null) return k === null ? v! : v === null ? k : Promise.all([k, v])
      records.push(this.#toRecord(view, header, key, value))
      return undefined
    })
  }

  /** Closes the deserializers (a schema registry client they hold). */
  async closeDeserializers(): Promise<void> {
    await this.#keyDeserializer?.close?.()
    await this.#valueDeserializer?.close?.()
  }

  /** The record the last drain stopped before and what it waits for, once; null when it did not stop. */
  takeWaiting(): RecordWait | null {
    const w = this.#waiting
    this.#waiting = null
    return w
  }

  /**
   * Hands buffered records to `visit`, batch by batch, until at least `max` were handed. Without `wholeBatches`, a
   * batch is cut at `max` records and the rest is handed by the next drain. A visit that returns a promise does not
   * take its record: the drain stops before it (takeWaiting tells what for) and the next drain starts with it.
   */
  drain(
    max: number,
    visit: (view: RecordView, header: BatchHeader) => Promise<unknown> | void,
    wholeBatches = false,
  ): number {
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
    let stopped = false
    for (const state of this.#subscriptions.states()) {
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
          const waiting = visit(view, header)
          if (waiting !== undefined) {
            this.#waiting = {topic: view.topic, partition: view.partition, offset: r.offset, until: waiting}
            stopped = true
            resume = r.offset
            return false
          }
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
      if (count >= max || stopped) break
    }
    if (count > 0) this.#metrics.record('records', count)
    return count
  }

  /**
   * Kafka's CompletedFetch rules: control batches (transaction markers) are never returned, and a read_committed
   * reader skips the transactional batches of a producer from the first offset of an aborted transaction to its
   * ABORT marker.
   */
  #skipBatch(
    completed: CompletedFetch,
    header: BatchHeader,
    batch: {offset: number; size: number},
    lastOffset: number,
  ): boolean {
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

  #toRecord(
    view: RecordView,
    header: BatchHeader,
    keyBytes = view.keyLength < 0
      ? null
      : Buffer.from(view.data.subarray(view.keyStart, view.keyStart + view.keyLength)),
    valueBytes = view.valueLength < 0
      ? null
      : Buffer.from(view.data.subarray(view.valueStart, view.valueStart + view.valueLength)),
  ): ConsumerRecord<K, V> {
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
}
