// Kafka's log segments, as far as an observer can tell them apart: kafkalite stores batches as rows, but cuts each
// partition's log where Kafka would start a new segment file (segment.bytes, segment.ms), so that retention deletes
// whole segments as Kafka does (nothing that Kafka would still keep), and the cleaner leaves the active segment alone.
// A segment is the range of offsets from its base offset to the next segment's; the last one is the active segment.

/** One segment of a partition's log. */
export interface Segment {
  baseOffset: number
  /** When it was rolled (ms): segment.ms counts from here while it holds no timestamp. */
  createdAt: number
  /** Bytes of its batches. */
  size: number
  /** The largest record timestamp in it, or -1 (retention.ms counts from here). */
  maxTimestamp: number
  /** The largest timestamp of its first batch, or -1: Kafka's rollingBasedTimestamp. */
  rollTimestamp: number
  /**
   * The log end that its stored size and timestamps cover: final (the next segment's base) once it is closed; for
   * the active segment, the last checkpoint (the totals in memory cover the whole log).
   */
  statsEnd: number
}

/** A partition's segment settings (the topic's segment.bytes and segment.ms). */
export interface RollRules {
  segmentBytes: number
  segmentMs: number
}

/** The largest offset delta a segment's index can hold (Kafka's canConvertToRelativeOffset). */
const MAX_RELATIVE_OFFSET = 2 ** 31 - 1

/**
 * Whether a batch appended now must start a new segment (Kafka's LogSegment.shouldRoll): the active segment would
 * pass segment.bytes, or it holds data and segment.ms has passed since its first batch's timestamp (since it was
 * created when that is unknown), or the batch's last offset is too far from its base offset.
 */
export function shouldRoll(
  active: Segment,
  batch: {size: number; maxTimestamp: number; lastOffset: number},
  now: number,
  rules: RollRules,
): boolean {
  if (active.size > rules.segmentBytes - batch.size) return true
  const waited = active.rollTimestamp >= 0 ? batch.maxTimestamp - active.rollTimestamp : now - active.createdAt
  if (active.size > 0 && waited > rules.segmentMs) return true
  return batch.lastOffset - active.baseOffset > MAX_RELATIVE_OFFSET
}

/** A new, empty segment starting at `baseOffset`. */
export const newSegment = (baseOffset: number, createdAt: number): Segment => ({
  baseOffset,
  createdAt,
  size: 0,
  maxTimestamp: -1,
  rollTimestamp: -1,
  statsEnd: baseOffset,
})

/** Adds a batch to a segment's totals. */
export function addBatch(segment: Segment, size: number, maxTimestamp: number): void {
  if (segment.size === 0 && segment.rollTimestamp < 0) segment.rollTimestamp = maxTimestamp
  segment.size += size
  if (maxTimestamp > segment.maxTimestamp) segment.maxTimestamp = maxTimestamp
}

/** The offset where a segment ends: the next segment's base, or the log end for the active one. */
export const segmentEnd = (segments: readonly Segment[], i: number, logEnd: number): number =>
  segments[i + 1]?.baseOffset ?? logEnd

/**
 * How many of the oldest segments retention deletes (Kafka's UnifiedLog.deleteRetentionMsBreachedSegments and
 * deleteRetentionSizeBreachedSegments, then the log start offset's): those whose largest timestamp is older than
 * retention.ms, then those that take the log's size past retention.bytes, oldest first and each whole; and every
 * segment that ends at or below the log start offset. The active segment counts too when it holds data; deleting it
 * rolls a new one.
 */
export function segmentsToDelete(
  segments: readonly Segment[],
  logStartOffset: number,
  logEnd: number,
  now: number,
  retention: {ms: number; bytes: number},
): {count: number; reason: 'time' | 'size' | 'start' | null} {
  let count = 0
  let reason: 'time' | 'size' | 'start' | null = null
  const deletable = (i: number) => {
    const s = segments[i]!
    const isLastAndEmpty = i === segments.length - 1 && s.size === 0
    return !isLastAndEmpty
  }
  if (retention.ms >= 0) {
    while (count < segments.length && deletable(count)) {
      const s = segments[count]!
      if (s.maxTimestamp < 0 || now - s.maxTimestamp <= retention.ms) break
      count++
      reason = 'time'
    }
  }
  if (retention.bytes >= 0) {
    let size = 0
    for (let i = count; i < segments.length; i++) size += segments[i]!.size
    let diff = size - retention.bytes
    while (count < segments.length && deletable(count) && diff - segments[count]!.size >= 0) {
      diff -= segments[count]!.size
      count++
      reason = 'size'
    }
  }
  while (count < segments.length - 1 && segmentEnd(segments, count, logEnd) <= logStartOffset) {
    count++
    reason ??= 'start'
  }
  return {count, reason}
}
