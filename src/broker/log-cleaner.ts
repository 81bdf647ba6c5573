// Kafka's log cleaner (LogCleaner, LogCleanerManager, Cleaner): compaction of topics whose cleanup.policy includes
// compact. A pass over one partition keeps the latest record of each key, and offsets never change (gaps appear):
//
// 1. Which partition: the one with the largest share of dirty bytes (written since its last pass) at or above
//    min.cleanable.dirty.ratio, or one whose oldest dirty data waited past max.compaction.lag.ms. The dirty section
//    ends at the active segment, at the last stable offset (an open transaction's records wait) and at the first
//    segment younger than min.compaction.lag.ms.
// 2. The offset map: the last offset of each key in the dirty section (records of aborted transactions left out).
// 3. The rewrite, from the log start to the end of the dirty section: a record stays when no later record has its
//    key; a tombstone (null value) stays until its batch's delete horizon (delete.retention.ms after the pass that
//    first kept it, Kafka's KIP-534); records of aborted transactions go; a transaction marker goes once no batch of
//    its transaction is left and its delete horizon has passed. Rewritten batches keep their base offset, last
//    offset, producer id, epoch, sequence and timestamps (record-batch.ts filterBatch); emptied batches are deleted.
//
// A pass runs in steps of a few milliseconds each, between requests (log-manager.ts schedules them), so a producer
// waits for one step at most. Appends go past the dirty section and never meet the pass.
import type {CleanedBatch, CleanerBatch, Store} from '../store/store.js'
import {
  controlTypeOf,
  filterBatch,
  forEachKey,
  readBatchHeader,
  type BatchHeader,
} from '../protocol/kafka/record-batch.js'
import {lastStableOffset, type PartitionState} from './broker.js'
import {KeyOffsetMap} from './key-offset-map.js'
import {segmentEnd} from './segments.js'

/** Why a partition is due for cleaning, and how much of it. */
export interface Cleanable {
  p: PartitionState
  firstDirty: number
  /** The end of the dirty section: the first offset the pass may not clean. */
  firstUncleanable: number
  cleanBytes: number
  dirtyBytes: number
  /** Dirty bytes over all bytes. */
  ratio: number
  /** max.compaction.lag.ms has passed for the oldest dirty data: cleaned whatever the ratio. */
  overdue: boolean
}

/** What a pass did, for the log and for tests. */
export interface CleanerStats {
  topic: string
  partition: number
  readBatches: number
  readBytes: number
  keys: number
  deletedBatches: number
  rewrittenBatches: number
  bytesBefore: number
  bytesAfter: number
  endOffset: number
  /** The latest delete horizon of the tombstones and markers left, or -1. */
  deleteHorizon: number
}

/** The dirty section of a compacted partition and whether it is due (LogCleanerManager.cleanableOffsets). */
export function cleanableOf(store: Store, p: PartitionState, now: number): Cleanable | null {
  const t = p.topic
  if (!t.compacted || t.deleted) return null
  const segments = p.segments
  const firstDirty = Math.max(p.cleanOffset, p.logStartOffset)
  let firstUncleanable = Math.min(segments.at(-1)!.baseOffset, lastStableOffset(p))
  const lagFloor = now - t.minCompactionLagMs
  let firstDirtySegment = -1
  for (let i = 0; i < segments.length - 1; i++) {
    const end = segmentEnd(segments, i, p.nextOffset)
    if (end <= firstDirty) continue
    if (firstDirtySegment < 0) firstDirtySegment = i
    if (t.minCompactionLagMs > 0 && segments[i]!.maxTimestamp > lagFloor) {
      firstUncleanable = Math.min(firstUncleanable, segments[i]!.baseOffset)
      break
    }
  }
  // Tombstones and markers kept by an earlier pass are due once their delete horizon passes (KIP-534).
  const horizonDue = p.deleteHorizon >= 0 && now >= p.deleteHorizon
  if (firstUncleanable <= firstDirty && !horizonDue) return null
  let cleanBytes = 0
  let dirtyBytes = 0
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!
    const end = segmentEnd(segments, i, p.nextOffset)
    if (end <= p.logStartOffset) continue
    if (end <= firstDirty) cleanBytes += s.size
    else if (s.baseOffset < firstUncleanable) dirtyBytes += s.size
  }
  if (dirtyBytes === 0 && cleanBytes === 0 && !horizonDue) return null
  const ratio = dirtyBytes / (cleanBytes + dirtyBytes)
  let overdue = false
  if (firstDirtySegment >= 0 && t.maxCompactionLagMs < Number.MAX_SAFE_INTEGER) {
    const s = segments[firstDirtySegment]!
    const first = store.segmentStats(
      t.row.id,
      p.index,
      s.baseOffset,
      segmentEnd(segments, firstDirtySegment, p.nextOffset),
    )
    overdue = first.firstMaxTimestamp >= 0 && now - first.firstMaxTimestamp > t.maxCompactionLagMs
  }
  if (!overdue && !horizonDue && ratio < t.minCleanableDirtyRatio) return null
  return {p, firstDirty, firstUncleanable, cleanBytes, dirtyBytes, ratio, overdue: overdue || horizonDue}
}

/** The partition to clean next (LogCleanerManager.grabFilthiestCompactedLog): overdue first, then the dirtiest. */
export function filthiest(candidates: readonly Cleanable[]): Cleanable | null {
  let best: Cleanable | null = null
  for (const c of candidates) {
    if (best === null || (c.overdue && !best.overdue) || (c.overdue === best.overdue && c.ratio > best.ratio)) best = c
  }
  return best
}

/** Batches read per store call. */
const READ_BATCHES = 64
/** The most dirty batches a pass remembers (about 50 bytes each). */
const MAX_REMEMBERED = 1_000_000

/** What the map phase notes of a batch of the dirty section. */
interface DirtyBatch {
  baseOffset: number
  lastOffset: number
  size: number
  control: boolean
  transactional: boolean
  producerId: number
}

/** One pass of the cleaner over one partition, run a step at a time. */
export class CleanerPass {
  readonly stats: CleanerStats
  readonly #store: Store
  readonly #p: PartitionState
  readonly #now: number
  readonly #maxKeys: number
  /** The last offset of each key in the dirty section. */
  readonly #map = new KeyOffsetMap()
  /** Aborted transactions overlapping the pass: producer id -> [first offset, marker offset][]. */
  readonly #aborted = new Map<number, [number, number][]>()
  /** Producers with a committed transaction whose batches the rewrite has met and whose marker it has not. */
  readonly #committedOngoing = new Set<number>()
  /** Producers with an aborted transaction whose batches the rewrite has met and whose marker it has not. */
  readonly #abortedOngoing = new Set<number>()
  /** The map's offsets in order, once it is built: a dirty batch holding none of them keeps no record. */
  #latest: Float64Array = new Float64Array(0)
  readonly #firstDirty: number
  /**
   * The batches of the dirty section as the map phase met them, so that the rewrite deletes those that keep nothing
   * without reading them again (null past MAX_REMEMBERED: the rewrite then reads them).
   */
  #dirty: DirtyBatch[] | null = []
  /** The next of #dirty to rewrite. */
  #next = 0
  #phase: 'map' | 'rewrite' | 'rewrite-dirty' | 'done' = 'map'
  /** Where the phase goes on: the last offset after which to read. */
  #cursor: number
  #end: number

  constructor(store: Store, c: Cleanable, now: number, maxKeys: number) {
    this.#store = store
    this.#p = c.p
    this.#now = now
    this.#maxKeys = maxKeys
    this.#cursor = c.firstDirty
    this.#firstDirty = c.firstDirty
    this.#end = c.firstUncleanable
    const t = c.p.topic.row
    for (const a of store.abortedTxns(t.id, c.p.index, c.p.logStartOffset, c.firstUncleanable)) {
      let list = this.#aborted.get(a.producerId)
      if (!list) this.#aborted.set(a.producerId, (list = []))
      list.push([a.firstOffset, a.lastOffset])
    }
    this.stats = {
      topic: t.name,
      partition: c.p.index,
      readBatches: 0,
      readBytes: 0,
      keys: 0,
      deletedBatches: 0,
      rewrittenBatches: 0,
      bytesBefore: 0,
      bytesAfter: 0,
      endOffset: c.firstUncleanable,
      deleteHorizon: -1,
    }
  }

  get done(): boolean {
    return this.#phase === 'done'
  }

  /** Whether the partition may still be cleaned by this pass (its topic deleted, or no longer compacted: stop). */
  get valid(): boolean {
    return !this.#p.topic.deleted && this.#p.topic.compacted
  }

  /** Does work until `budgetMs` have passed; returns true once the pass is over. */
  step(budgetMs: number): boolean {
    const until = performance.now() + budgetMs
    while (this.#phase !== 'done' && performance.now() < until) {
      if (this.#phase === 'map') this.#mapStep()
      else if (this.#phase === 'rewrite') this.#rewriteStep()
      else this.#rewriteDirtyStep()
    }
    return this.#phase === 'done'
  }

  #isAborted(producerId: number, offset: number): boolean {
    const ranges = this.#aborted.get(producerId)
    if (!ranges) return false
    for (const [first, last] of ranges) if (offset >= first && offset <= last) return true
    return false
  }

  #read(from: number, before: number) {
    const t = this.#p.topic.row
    return this.#store.cleanerBatches(t.id, this.#p.index, from, before, READ_BATCHES)
  }

  #mapStep(): void {
    const batches = this.#read(this.#cursor, this.#end)
    for (const b of batches) {
      const header = readBatchHeader(b.bytes)
      this.stats.readBatches++
      this.stats.readBytes += b.bytes.length
      this.#cursor = b.lastOffset + 1
      if (this.#dirty !== null) {
        this.#dirty.push({
          baseOffset: b.baseOffset,
          lastOffset: b.lastOffset,
          size: b.bytes.length,
          control: header.isControl,
          transactional: header.isTransactional,
          producerId: header.producerId,
        })
        if (this.#dirty.length > MAX_REMEMBERED) this.#dirty = null
      }
      if (header.isControl || (header.isTransactional && this.#isAborted(header.producerId, b.baseOffset))) continue
      forEachKey(
        b.bytes,
        0,
        b.bytes.length,
        header,
        (r) => {
          if (r.keyLength >= 0) this.#map.set(r.data, r.keyStart, r.keyLength, r.offset)
        },
        false,
      )
      if (this.#map.size >= this.#maxKeys) {
        // The map is full (log.cleaner.dedupe.buffer.size): this pass cleans up to here, the next goes on.
        this.#end = b.lastOffset + 1
        break
      }
    }
    if (batches.length === 0 || this.#cursor >= this.#end) {
      this.stats.keys = this.#map.size
      this.stats.endOffset = this.#end
      this.#latest = this.#map.sortedOffsets()
      this.#phase = 'rewrite'
      this.#cursor = this.#p.logStartOffset
    }
  }

  /** Where the rewrite of read batches stops: the dirty section's first batch when the map phase noted them. */
  get #readEnd(): number {
    const first = this.#dirty?.[0]
    return first === undefined ? this.#end : Math.min(first.baseOffset, this.#end)
  }

  #rewriteStep(): void {
    const p = this.#p
    const end = this.#readEnd
    const batches = this.#read(Math.max(this.#cursor, p.logStartOffset), end)
    const rewrites: (CleanedBatch | {lastOffset: number; bytes: null})[] = []
    const horizon = this.#now + p.topic.deleteRetentionMs
    for (const b of batches) {
      this.#cursor = b.lastOffset + 1
      this.stats.bytesBefore += b.bytes.length
      this.#clean(b, horizon, rewrites)
    }
    if (rewrites.length > 0) this.#store.rewriteBatches(p.topic.row.id, p.index, rewrites)
    if (batches.length === 0 || this.#cursor >= end) {
      this.#phase = this.#dirty !== null && this.#dirty.length > 0 ? 'rewrite-dirty' : 'done'
    }
  }

  /**
   * The rewrite of the dirty section from what the map phase noted: a batch that holds no key's latest offset, or
   * that belongs to an aborted transaction, is deleted without being read again (consecutive ones in one range);
   * the others (latest offsets, markers) are read and rewritten as in #rewriteStep.
   */
  #rewriteDirtyStep(): void {
    const p = this.#p
    const dirty = this.#dirty!
    const horizon = this.#now + p.topic.deleteRetentionMs
    const ranges: [number, number][] = []
    const rewrites: (CleanedBatch | {lastOffset: number; bytes: null})[] = []
    let run: [number, number] | null = null
    const stop = Math.min(dirty.length, this.#next + 4 * READ_BATCHES)
    for (; this.#next < stop; this.#next++) {
      const e = dirty[this.#next]!
      this.stats.bytesBefore += e.size
      let gone = false
      if (e.lastOffset < p.logStartOffset) {
        gone = true // retention or DeleteRecords got there first; the purge deletes it
      } else if (!e.control && e.transactional && this.#isAborted(e.producerId, e.lastOffset)) {
        this.#abortedOngoing.add(e.producerId)
        gone = true
      } else if (!e.control && !this.#holdsLatest(e.baseOffset, e.lastOffset)) {
        if (e.transactional) this.#committedOngoing.add(e.producerId)
        gone = true
      }
      if (gone) {
        this.stats.deletedBatches++
        if (run !== null) run[1] = e.lastOffset
        else ranges.push((run = [e.lastOffset, e.lastOffset]))
        continue
      }
      run = null
      const [b] = this.#read(e.lastOffset, e.lastOffset + 1)
      if (b === undefined || b.lastOffset !== e.lastOffset) continue
      this.#clean(b, horizon, rewrites)
    }
    if (ranges.length > 0) this.#store.deleteBatchRanges(p.topic.row.id, p.index, ranges)
    if (rewrites.length > 0) this.#store.rewriteBatches(p.topic.row.id, p.index, rewrites)
    if (this.#next >= dirty.length) this.#phase = 'done'
  }

  /** Cleans one read batch: its rewrite (or deletion) goes to `rewrites`, and the pass's totals are counted. */
  #clean(b: CleanerBatch, horizon: number, rewrites: (CleanedBatch | {lastOffset: number; bytes: null})[]): void {
    const header = readBatchHeader(b.bytes)
    const rewrite = header.isControl ? this.#control(b, header, horizon) : this.#data(b, header, horizon)
    const left = rewrite === undefined ? b.deleteHorizon : rewrite.bytes === null ? -1 : rewrite.deleteHorizon
    if (left > this.stats.deleteHorizon) this.stats.deleteHorizon = left
    if (rewrite === undefined) {
      this.stats.bytesAfter += b.bytes.length
      return
    }
    rewrites.push(rewrite)
    if (rewrite.bytes === null) {
      this.stats.deletedBatches++
    } else {
      this.stats.rewrittenBatches++
      this.stats.bytesAfter += rewrite.bytes.length
    }
  }

  /** What becomes of a data batch: undefined when it stays as it is. */
  #data(
    b: {baseOffset: number; lastOffset: number; deleteHorizon: number; bytes: Buffer},
    header: BatchHeader,
    horizon: number,
  ): CleanedBatch | {lastOffset: number; bytes: null} | undefined {
    if (header.isTransactional) {
      if (this.#isAborted(header.producerId, b.lastOffset)) {
        this.#abortedOngoing.add(header.producerId)
        return {lastOffset: b.lastOffset, bytes: null}
      }
      this.#committedOngoing.add(header.producerId)
    }
    // A batch of the dirty section that holds no key's latest offset keeps nothing: no need to read its records.
    if (
      b.baseOffset >= this.#firstDirty &&
      b.lastOffset < this.#end &&
      !this.#holdsLatest(b.baseOffset, b.lastOffset)
    ) {
      return {lastOffset: b.lastOffset, bytes: null}
    }
    const retainDeletes = b.deleteHorizon < 0 || this.#now < b.deleteHorizon
    let tombstones = false
    const kept = filterBatch(b.bytes, 0, b.bytes.length, header, (r) => {
      if (r.keyLength < 0) return false // a record without a key cannot be compacted: Kafka's cleaner drops it
      if (r.offset < this.#end) {
        if (this.#map.get(r.data, r.keyStart, r.keyLength) > r.offset) return false
      }
      if (r.valueLength < 0) {
        if (!retainDeletes) return false
        tombstones = true
      }
      return true
    })
    if (kept === null) return {lastOffset: b.lastOffset, bytes: null}
    const deleteHorizon = tombstones && b.deleteHorizon < 0 ? horizon : b.deleteHorizon
    if (kept.bytes.length === b.bytes.length && deleteHorizon === b.deleteHorizon) return undefined
    return {
      lastOffset: b.lastOffset,
      bytes: kept.bytes.length === b.bytes.length ? b.bytes : Buffer.from(kept.bytes),
      recordCount: kept.recordCount,
      maxTimestamp: kept.maxTimestamp,
      attributes: header.attributes,
      deleteHorizon,
    }
  }

  /** Whether some key's latest offset lies in [from, to] (a binary search of the map's offsets). */
  #holdsLatest(from: number, to: number): boolean {
    const latest = this.#latest
    let lo = 0
    let hi = latest.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (latest[mid]! < from) lo = mid + 1
      else hi = mid
    }
    return lo < latest.length && latest[lo]! <= to
  }

  /**
   * What becomes of a transaction marker (Kafka's CleanedTransactionMetadata.onControlBatchRead): it may go once no
   * batch of its transaction was met before it, and then only after its delete horizon, which the first such pass
   * sets.
   */
  #control(
    b: {lastOffset: number; deleteHorizon: number; bytes: Buffer},
    header: BatchHeader,
    horizon: number,
  ): CleanedBatch | {lastOffset: number; bytes: null} | undefined {
    const type = controlTypeOf(b.bytes, 0, b.bytes.length, header)
    const ongoing = type === 'abort' ? this.#abortedOngoing : this.#committedOngoing
    const hadBatches = ongoing.delete(header.producerId)
    if (hadBatches || type === null) return undefined
    if (b.deleteHorizon >= 0) return this.#now >= b.deleteHorizon ? {lastOffset: b.lastOffset, bytes: null} : undefined
    return {
      lastOffset: b.lastOffset,
      bytes: b.bytes,
      recordCount: header.recordCount,
      maxTimestamp: header.maxTimestamp,
      attributes: header.attributes,
      deleteHorizon: horizon,
    }
  }
}
