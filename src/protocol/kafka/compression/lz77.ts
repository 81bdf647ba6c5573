// The match finder that the LZ4 and Snappy compressors share: the reference implementations' greedy single-probe
// search (a hash of the next 4 bytes points at the last position with the same hash; a hit that really matches is
// extended as far as it goes), skipping ever faster through data that does not compress.

const HASH_LOG = 14
const MAX_OFFSET = 65535

export interface MatchFinder {
  /** Multiplier of the 4-byte hash (each format's reference uses its own). */
  hashMultiplier: number
  /** After 2^skipShift misses in a row, the search steps 2 bytes at a time, then 3, ... */
  skipShift: number
}

/**
 * Finds matches in src[start..end): a match starts before `searchEnd`, ends at or before `matchEnd`, is at least
 * 4 bytes long and at most 65535 bytes back. Calls `onMatch(position, offset, length)` for each, in order.
 */
export function findMatches(
  src: Uint8Array,
  start: number,
  searchEnd: number,
  matchEnd: number,
  finder: MatchFinder,
  onMatch: (position: number, offset: number, length: number) => void,
): void {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength)
  const table = new Int32Array(1 << HASH_LOG) // positions + 1; 0 = empty
  let ip = start
  let misses = 0
  while (ip < searchEnd) {
    const sequence = view.getUint32(ip, true)
    const h = Math.imul(sequence, finder.hashMultiplier) >>> (32 - HASH_LOG)
    const ref = table[h]! - 1
    table[h] = ip + 1
    if (ref < start || ip - ref > MAX_OFFSET || view.getUint32(ref, true) !== sequence) {
      ip += 1 + (misses++ >> finder.skipShift)
      continue
    }
    misses = 0
    let length = 4
    while (ip + length < matchEnd && src[ref + length] === src[ip + length]) length++
    onMatch(ip, ip - ref, length)
    ip += length
  }
}
