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
export function tableSizeFor(capacity: number): number {
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
  return javaBucketOrder(hashes, table)
}

/** The order of keys (by hashCode, in insertion order) in a HashMap whose table ended `table` long. */
export function javaBucketOrder(hashes: readonly number[], table: number): number[] {
  const bucket = (h: number) => (h ^ (h >>> 16)) & (table - 1)
  return hashes
    .map((h, i) => ({i, b: bucket(h)}))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.i)
}

/**
 * The table length of a `new HashMap<>()` after putAll of maps of these sizes, in order (Java 17's
 * putMapEntries: the first pre-sizes the table to hold it, later ones resize while they would not fit, and every put
 * resizes past three quarters).
 */
export function javaTableAfterPutAlls(sizes: readonly number[]): number {
  let table = 0
  let threshold = 0
  let size = 0
  const resize = () => {
    table = table === 0 ? (threshold > 0 ? threshold : 16) : table * 2
    threshold = Math.floor(table * 0.75)
  }
  for (const s of sizes) {
    if (s === 0) continue
    if (table === 0) {
      const t = Math.trunc(s / 0.75 + 1)
      if (t > threshold) threshold = tableSizeFor(t)
    } else {
      while (s > threshold) resize()
    }
    for (let i = 0; i < s; i++) {
      if (table === 0) resize()
      if (++size > threshold) resize()
    }
  }
  return Math.max(table, 1)
}

/** A Map<String, String>'s hashCode: its entries' (key hash XOR value hash, 0 for null) summed in 32 bits. */
export function javaMapHash(entries: Iterable<readonly [string, string | null]>): number {
  let h = 0
  for (const [k, v] of entries) h = (h + (javaStringHash(k) ^ (v === null ? 0 : javaStringHash(v)))) | 0
  return h
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
