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
import type {CleanedBatch, Store} from '../store/store.js'
import {
  controlTypeOf,
  filterBatch,
  forEachRecord,
  readBatchHeader,
  type BatchHeader,
  type RecordCursor,
} from '../protocol/kafka/record-batch.js'
import {lastStableOffset, type PartitionState} from './broker.js'
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

const keyOf = (r: RecordCursor) => r.data.toString('latin1', r.keyStart, r.keyStart + r.keyLength)

/** One pass of the cleaner over one partition, run a step at a time. */
export class CleanerPass {
  readonly stats: CleanerStats
  readonly #store: Store
  readonly #p: PartitionState
  readonly #now: number
  readonly #maxKeys: number
  /** The last offset of each key in the dirty section. */
  readonly #map = new Map<string, number>()
  /** Aborted transactions overlapping the pass: producer id -> [first offset, marker offset][]. */
  readonly #aborted = new Map<number, [number, number][]>()
  /** Producers with a committed transaction whose batches the rewrite has met and whose marker it has not. */
  readonly #committedOngoing = new Set<number>()
  /** Producers with an aborted transaction whose batches the rewrite has met and whose marker it has not. */
  readonly #abortedOngoing = new Set<number>()
  #phase: 'map' | 'rewrite' | 'done' = 'map'
  /** Where the phase goes on: the last offset after which to read. */
  #cursor: number
  #end: number

  constructor(store: Store, c: Cleanable, now: number, maxKeys: number) {
    this.#store = store
    this.#p = c.p
    this.#now = now
    this.#maxKeys = maxKeys
    this.#cursor = c.firstDirty
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
      else this.#rewriteStep()
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
      if (header.isControl || (header.isTransactional && this.#isAborted(header.producerId, b.baseOffset))) continue
      forEachRecord(b.bytes, 0, b.bytes.length, header, (r) => {
        if (r.keyLength >= 0) this.#map.set(keyOf(r), r.offset)
      })
      if (this.#map.size >= this.#maxKeys) {
        // The map is full (log.cleaner.dedupe.buffer.size): this pass cleans up to here, the next goes on.
        this.#end = b.lastOffset + 1
        break
      }
    }
    if (batches.length === 0 || this.#cursor >= this.#end) {
      this.stats.keys = this.#map.size
      this.stats.endOffset = this.#end
      this.#phase = 'rewrite'
      this.#cursor = this.#p.logStartOffset
    }
  }

  #rewriteStep(): void {
    const p = this.#p
    const batches = this.#read(Math.max(this.#cursor, p.logStartOffset), this.#end)
    const rewrites: (CleanedBatch | {lastOffset: number; bytes: null})[] = []
    const horizon = this.#now + p.topic.deleteRetentionMs
    for (const b of batches) {
      this.#cursor = b.lastOffset + 1
      const header = readBatchHeader(b.bytes)
      this.stats.bytesBefore += b.bytes.length
      const rewrite = header.isControl ? this.#control(b, header, horizon) : this.#data(b, header, horizon)
      const left = rewrite === undefined ? b.deleteHorizon : rewrite.bytes === null ? -1 : rewrite.deleteHorizon
      if (left > this.stats.deleteHorizon) this.stats.deleteHorizon = left
      if (rewrite === undefined) {
        this.stats.bytesAfter += b.bytes.length
        continue
      }
      rewrites.push(rewrite)
      if (rewrite.bytes === null) this.stats.deletedBatches++
      else {
        this.stats.rewrittenBatches++
        this.stats.bytesAfter += rewrite.bytes.length
      }
    }
    if (rewrites.length > 0) this.#store.rewriteBatches(p.topic.row.id, p.index, rewrites)
    if (batches.length === 0 || this.#cursor >= this.#end) this.#phase = 'done'
  }

  /** What becomes of a data batch: undefined when it stays as it is. */
  #data(
    b: {lastOffset: number; deleteHorizon: number; bytes: Buffer},
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
    const retainDeletes = b.deleteHorizon < 0 || this.#now < b.deleteHorizon
    let tombstones = false
    const kept = filterBatch(b.bytes, 0, b.bytes.length, header, (r) => {
      if (r.keyLength < 0) return false // a record without a key cannot be compacted: Kafka's cleaner drops it
      if (r.offset < this.#end) {
        const latest = this.#map.get(keyOf(r))
        if (latest !== undefined && latest > r.offset) return false
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
