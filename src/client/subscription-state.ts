// The consumer's assigned partitions and their positions: Kafka's SubscriptionState. A partition has a position (the
// offset of the next record to return) or a reset strategy that resolves one: its group's committed offset, the
// earliest or latest offset, or none (an error). Seeks, pauses and lag act here.
//
// Each partition also carries its fetch side (where the next fetch starts, the fetched data not yet returned, an
// epoch), kept with its position because a seek must drop buffered data at once. The fetcher (fetcher.ts) fills
// and drains it.
import {KafkaException} from '../errors.js'
import {tpKey, tpName, type TopicPartition} from '../protocol/kafka/topic-partition.js'
import type {ConsumerSettings} from './consumer-config.js'
import type {OffsetAndMetadata} from './consumer-types.js'

/** Data fetched for one partition and not yet returned to the application: Kafka's CompletedFetch. */
export interface CompletedFetch {
  payload: Buffer
  batches: {offset: number; size: number}[]
  next: number // index of the next batch to decode
  /** read_committed: aborted transactions of the fetched range not yet met, by first offset. */
  aborted: {producerId: number; firstOffset: number}[]
  /** read_committed: producers whose transactional batches are skipped until their ABORT marker. */
  abortedProducers: Set<number>
}

/** How a partition without a position gets one: from its group's commit, or auto.offset.reset's strategies. */
export type ResetStrategy = 'committed' | 'earliest' | 'latest' | 'none'

export interface PartitionState {
  tp: TopicPartition
  /** Offset of the next record to return; null until resolved by the reset strategy. */
  position: number | null
  reset: ResetStrategy | null
  /** Where the next fetch starts: the end of what is buffered. */
  fetchOffset: number
  buffered: CompletedFetch[]
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
  /** Not fetched before this time: the broker answered its last fetch with a retriable error (retry.backoff.ms). */
  retryAt: number
  /** The retriable error reported for it, until a fetch succeeds (reported once, not at every retry). */
  reported: string | null
}

/** Where positions come from: what the subscription state needs from its consumer. */
export interface OffsetLookup {
  /** The group's committed offsets of these partitions (null where none). */
  committed(partitions: TopicPartition[]): Promise<(OffsetAndMetadata | null)[]>
  /** The earliest or latest offsets of these partitions, in the same order. */
  listOffsets(partitions: TopicPartition[], spec: 'earliest' | 'latest'): Promise<{offset: number}[]>
}

/** The settings that decide where positions start and what lag means. */
export type PositionSettings = Pick<ConsumerSettings, 'groupId' | 'autoOffsetReset' | 'isolationLevel'>

export class SubscriptionState {
  readonly #settings: PositionSettings
  readonly #lookup: OffsetLookup
  readonly #partitions = new Map<string, PartitionState>()

  constructor(settings: PositionSettings, lookup: OffsetLookup) {
    this.#settings = settings
    this.#lookup = lookup
  }

  /** How many partitions are assigned. */
  get size(): number {
    return this.#partitions.size
  }

  /** The assigned partitions' states, in assignment order. */
  states(): IterableIterator<PartitionState> {
    return this.#partitions.values()
  }

  /** Whether this state is still the one of its partition (not unassigned since). */
  isAssigned(state: PartitionState): boolean {
    return this.#partitions.get(tpKey(state.tp.topic, state.tp.partition)) === state
  }

  /** The state of an assigned partition; ILLEGAL_STATE for a partition not assigned. */
  state(tp: TopicPartition): PartitionState {
    const state = this.#partitions.get(tpKey(tp.topic, tp.partition))
    if (!state)
      throw new KafkaException('ILLEGAL_STATE', `No current assignment for partition ${tpName(tp.topic, tp.partition)}`)
    return state
  }

  /**
   * Assigns exactly these partitions: those kept keep their state, new ones start by `start` or, without it, at
   * their group's committed offset (a consumer without a group: auto.offset.reset).
   */
  assign(partitions: readonly TopicPartition[], start: 'committed' | null = null): void {
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
        retryAt: 0,
        reported: null,
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

  /** The next record returned for this partition is at `offset`. */
  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new KafkaException('USAGE', `seek offset must not be a negative number (got ${offset})`)
    }
    const state = this.state(tp)
    this.#clear(state)
    state.position = offset
    state.fetchOffset = offset
    state.reset = null
  }

  /** Drops the partition's position, to be resolved again by `reset` (a lazy seek, or an offset out of range). */
  requestReset(state: PartitionState, reset: 'earliest' | 'latest' | 'none'): void {
    this.#clear(state)
    state.position = null
    state.reset = reset
  }

  #clear(state: PartitionState): void {
    state.buffered = []
    state.bufferedBytes = 0
    state.epoch++
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = true
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = false
  }

  paused(): TopicPartition[] {
    return [...this.#partitions.values()].filter((s) => s.paused).map((s) => ({...s.tp}))
  }

  /** Current positions (the next offsets to consume) of these partitions, for a commit. */
  positionsOf(partitions: readonly TopicPartition[]): OffsetAndMetadata[] {
    const out: OffsetAndMetadata[] = []
    for (const tp of partitions) {
      const state = this.#partitions.get(tpKey(tp.topic, tp.partition))
      if (state && state.position !== null) out.push({topic: tp.topic, partition: tp.partition, offset: state.position})
    }
    return out
  }

  /** Records between the position and the end a reader of this isolation level sees (LSO or high watermark). */
  lagOf(p: PartitionState): number | null {
    const end = this.#settings.isolationLevel === 'read_committed' ? p.lastStableOffset : p.highWatermark
    return p.position === null || end < 0 ? null : Math.max(0, end - p.position)
  }

  /** Resolves positions of partitions that have none, by their reset strategy (auto.offset.reset or a seek). */
  async resolvePositions(): Promise<void> {
    let pending = [...this.#partitions.values()].filter((s) => s.position === null)
    if (pending.length === 0) return
    const fromGroup = pending.filter((s) => s.reset === 'committed')
    if (fromGroup.length > 0) {
      // A group member starts where its group committed; without a commit, auto.offset.reset decides.
      const committed = await this.#lookup.committed(fromGroup.map((s) => s.tp))
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
    const latest = await this.#lookup.listOffsets(tps, 'latest')
    const earliest = pending.some((s) => s.reset === 'earliest') ? await this.#lookup.listOffsets(tps, 'earliest') : []
    pending.forEach((state, i) => {
      if (state.position !== null) return // seeked meanwhile
      const offset = state.reset === 'earliest' ? earliest[i]!.offset : latest[i]!.offset
      state.position = offset
      state.fetchOffset = offset
      state.reset = null
    })
  }
}
