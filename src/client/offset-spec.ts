// Which offset of a partition to look up (Kafka's OffsetSpec), and the isolation level a read sees: shared by Admin's
// listOffsets and the consumer's beginningOffsets/endOffsets/offsetsForTimes.

/** Which offset to look up: Kafka's OffsetSpec. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | {timestamp: number}

export type IsolationLevel = 'read_uncommitted' | 'read_committed'

/** The timestamp ListOffsets carries for a spec: Kafka's sentinels -1 (latest), -2 (earliest), -3 (max timestamp). */
export function specTimestamp(spec: OffsetSpec): number {
  if (spec === 'latest') return -1
  if (spec === 'earliest') return -2
  if (spec === 'max-timestamp') return -3
  return spec.timestamp
}
