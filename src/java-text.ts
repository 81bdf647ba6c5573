// What Java prints, where kafkalite must print the same: Double.toString, and the order in which a java.util.HashMap
// iterates (Kafka's tools print maps as they iterate them, and Kafka's messages quote maps' toString).

/** Java's Double.toString: `1024.0`, `0.5`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`. */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN'
  if (d === Infinity) return 'Infinity'
  if (d === -Infinity) return '-Infinity'
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(d)
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d)
    return s.includes('.') ? s : `${s}.0`
  }
  // Computerized scientific notation, with the shortest digits that identify the value (as Java's, and JavaScript's).
  const [mantissa, exponent] = d.toExponential().split('e') as [string, string]
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

/** Java's String.hashCode (over UTF-16 code units, in 32-bit arithmetic). */
export function javaStringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** HashMap.tableSizeFor: the power of two at or above `capacity` (1 for 0 and 1). */
function tableSizeFor(capacity: number): number {
  let n = 1
  while (n < capacity) n *= 2
  return n
}

/**
 * The order in which a java.util.HashMap iterates its keys, given each key's hashCode in insertion order and the
 * capacity it was created with (`new HashMap<>(n)`; undefined for `new HashMap<>()`): by bucket of the final table,
 * then in insertion order within a bucket (a resize splits each bucket keeping its order). Returns indexes into
 * `hashes`. Duplicate keys are the caller's to remove.
 */
export function javaHashMapOrder(hashes: readonly number[], initialCapacity?: number): number[] {
  let table = initialCapacity === undefined ? 16 : tableSizeFor(initialCapacity)
  for (let size = 1; size <= hashes.length; size++) {
    if (size > Math.floor(table * 0.75)) table *= 2
  }
  const bucket = (h: number) => (h ^ (h >>> 16)) & (table - 1)
  return hashes
    .map((h, i) => ({i, b: bucket(h)}))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.i)
}

/** A Map<String, String> entry's hashCode: the key's hash XOR the value's (0 for null). */
export function javaEntryHash(key: string, value: string | null): number {
  return javaStringHash(key) ^ (value === null ? 0 : javaStringHash(value))
}

/**
 * How a HashMap<String, String> of these entries prints (AbstractMap.toString: `{k1=v1, k2=null}`), created with
 * `new HashMap<>(capacity)` and filled in this order.
 */
export function javaMapText(entries: readonly (readonly [string, string | null])[], capacity?: number): string {
  const order = javaHashMapOrder(
    entries.map(([k]) => javaStringHash(k)),
    capacity,
  )
  return `{${order.map((i) => `${entries[i]![0]}=${entries[i]![1]}`).join(', ')}}`
}
