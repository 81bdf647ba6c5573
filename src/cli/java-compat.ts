// Pieces of the JDK that Kafka's tools print through, reproduced where their output is visible: java.util.Formatter's
// %.Nf (HALF_UP on the double's shortest decimal form, not on its binary value as toFixed rounds), Java's
// SplittableRandom (the perf test's payload bytes are Kafka's own for a seed), Map.toString, and long/int options.
import {usageError} from '../errors.js'

/** Java's `String.format("%.<digits>f", x)`: the shortest decimal form of x, rounded HALF_UP to `digits` places. */
export function javaFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  const negative = x < 0 || Object.is(x, -0)
  let text = Math.abs(x).toString()
  // Exponent forms (1e-7, 1.5e+21) as plain digits.
  if (/e/i.test(text)) text = expandExponent(text)
  const [int, frac = ''] = text.split('.') as [string, string?]
  if (frac.length <= digits) {
    return `${negative ? '-' : ''}${int}${digits > 0 ? `.${frac.padEnd(digits, '0')}` : ''}`
  }
  // Round HALF_UP at `digits` places, on the decimal digits.
  const kept = `${int}${frac.slice(0, digits)}`
  const roundUp = frac.charCodeAt(digits) >= 0x35 // '5'
  let digitsOut = roundUp ? incrementDecimal(kept) : kept
  if (digitsOut.length < digits + 1) digitsOut = digitsOut.padStart(digits + 1, '0')
  const intPart = digitsOut.slice(0, digitsOut.length - digits)
  const fracPart = digitsOut.slice(digitsOut.length - digits)
  const zero = /^0*$/.test(intPart + fracPart)
  return `${negative && !zero ? '-' : ''}${intPart}${digits > 0 ? `.${fracPart}` : ''}`
}

function incrementDecimal(digits: string): string {
  const out = digits.split('')
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === '9') {
      out[i] = '0'
    } else {
      out[i] = String.fromCharCode(out[i]!.charCodeAt(0) + 1)
      return out.join('')
    }
  }
  return `1${out.join('')}`
}

function expandExponent(text: string): string {
  const [mantissa, exp] = text.toLowerCase().split('e') as [string, string]
  const e = Number(exp)
  const [int, frac = ''] = mantissa.split('.') as [string, string?]
  const all = int + frac
  const point = int.length + e
  if (point <= 0) return `0.${'0'.repeat(-point)}${all}`
  if (point >= all.length) return all + '0'.repeat(point - all.length)
  return `${all.slice(0, point)}.${all.slice(point)}`
}

/** Java's `Map.toString()` of a string map: `{k1=v1, k2=v2}`. */
export function javaMapString(map: Readonly<Record<string, string>>): string {
  return `{${Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}}`
}

// 64-bit arithmetic on (hi, lo) pairs of unsigned 32-bit numbers, without BigInt (~100 ns an operation) and without
// allocating: the perf test draws one number per payload byte. A 32 x 32-bit product is taken in 16-bit limbs.
const GOLDEN_GAMMA_HI = 0x9e3779b9
const GOLDEN_GAMMA_LO = 0x7f4a7c15
const A_HI = 0x62a9d9ed // mix32's first multiplier, 0x62a9d9ed799705f5
const A_LO = 0x799705f5
const A0 = A_LO & 0xffff
const A1 = A_LO >>> 16
const B_HI = 0xcb24d0a5 // its second, 0xcb24d0a5c88c35b3
const B_LO = 0xc88c35b3
const B0 = B_LO & 0xffff
const B1 = B_LO >>> 16

/** Java's java.util.SplittableRandom, for nextInt(bound): the same numbers as the JDK for the same seed. */
export class SplittableRandom {
  #hi: number
  #lo: number

  constructor(seed: number) {
    const big = BigInt.asUintN(64, BigInt(seed))
    this.#hi = Number(big >> 32n)
    this.#lo = Number(big & 0xffffffffn)
  }

  /** mix32(nextSeed()): Java's nextInt(). */
  nextInt(): number {
    // seed += GOLDEN_GAMMA
    const lo = (this.#lo + GOLDEN_GAMMA_LO) >>> 0
    const hi = (this.#hi + GOLDEN_GAMMA_HI + (lo < this.#lo ? 1 : 0)) >>> 0
    this.#hi = hi
    this.#lo = lo
    // z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5, the low word's product in 16-bit limbs
    const z = (lo ^ (hi >>> 1)) >>> 0
    let x0 = z & 0xffff
    let x1 = z >>> 16
    let p00 = x0 * A0
    let p01 = x0 * A1
    let p10 = x1 * A0
    let mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
    const zlo = ((mid << 16) | (p00 & 0xffff)) >>> 0
    const zhi = (x1 * A1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hi, A_LO) + Math.imul(z, A_HI)) >>> 0
    // (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3) >>> 32): the high word only
    const xhi = (zhi ^ (zhi >>> 28)) >>> 0
    const xlo = (zlo ^ ((zlo >>> 28) | (zhi << 4))) >>> 0
    x0 = xlo & 0xffff
    x1 = xlo >>> 16
    p00 = x0 * B0
    p01 = x0 * B1
    p10 = x1 * B0
    mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
    return (x1 * B1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(xhi, B_LO) + Math.imul(xlo, B_HI)) | 0
  }

  /**
   * `for (j...) buf[j] = (byte) (nextInt(bound) + base)`, as ProducerPerformance fills a payload. WebAssembly has
   * 64-bit integers: its loop (FILL_WASM) takes ~2 ns a byte where the JavaScript one takes ~12.
   */
  fill(buf: Uint8Array, bound: number, base: number): void {
    const wasm = bound > 1 && (bound & (bound - 1)) !== 0 ? fillWasm() : null
    if (wasm === null) {
      for (let j = 0; j < buf.length; j++) buf[j] = this.nextIntBelow(bound) + base
      return
    }
    for (let at = 0; at < buf.length; at += FILL_CHUNK) {
      const n = Math.min(FILL_CHUNK, buf.length - at)
      wasm.seed[0] = this.#lo
      wasm.seed[1] = this.#hi
      wasm.fill(n, bound, base)
      this.#lo = wasm.seed[0]!
      this.#hi = wasm.seed[1]!
      buf.set(wasm.bytes.subarray(8, 8 + n), at)
    }
  }

  /** Java's nextInt(bound) (RandomSupport.boundedNextInt): uniform in [0, bound). */
  nextIntBelow(bound: number): number {
    let r = this.nextInt()
    const m = bound - 1
    if ((bound & m) === 0) return r & m
    for (let u = r >>> 1; ((u + m - (r = u % bound)) | 0) < 0; u = this.nextInt() >>> 1);
    return r
  }
}

/** A Java long option value: an integer, or a one-line usage error naming the option and the value. */
export function parseLong(option: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw usageError(`Invalid ${option} '${text}': an integer is required.`)
  }
  return Number(text)
}

/** A Java int option value. */
export function parseInt32(option: string, text: string): number {
  const n = parseLong(option, text)
  if (n > 2147483647 || n < -2147483648) {
    throw usageError(`Invalid ${option} '${text}': an integer from -2147483648 to 2147483647 is required.`)
  }
  return n
}

/** Java's String.hashCode (UTF-16 code units). */
export function javaStringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** Kafka's TopicPartition.hashCode. */
export function topicPartitionHash(topic: string, partition: number): number {
  return (Math.imul(31, 31 + partition) + javaStringHash(topic)) | 0
}

/**
 * The iteration order of a java.util.HashMap (default capacity and load factor) filled with `items` in this order:
 * by bucket of the final table, then by insertion. (A bucket of 8 or more keys in a table of 64 or more would be a
 * tree in Java; the key hashes of topic partitions do not collide that much.)
 */
export function javaHashMapOrder<T>(items: readonly T[], hash: (item: T) => number): T[] {
  let capacity = 16
  while (items.length > capacity * 0.75) capacity *= 2
  const bucket = (item: T) => {
    const h = hash(item)
    return (h ^ (h >>> 16)) & (capacity - 1)
  }
  return items
    .map((item, i) => ({item, i, b: bucket(item)}))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.item)
}

/** Bytes filled per call of the WebAssembly loop: its one page of memory, after the 8 bytes of the seed. */
const FILL_CHUNK = 65536 - 8

/**
 * SplittableRandom's fill loop in WebAssembly, assembled here (nothing to load):
 *
 *   (memory (export "m") 1)                      ;; bytes 0-7: the seed (i64, little-endian); 8..: the output
 *   (func (export "f") (param $len i32) (param $bound i32) (param $base i32)
 *     (local $i i32) (local $u i32) (local $r i32) (local $seed i64) (local $z i64)
 *     (local.set $seed (i64.load (i32.const 0)))
 *     (block $done (loop $next
 *       (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
 *       (loop $retry                             ;; RandomSupport.boundedNextInt's rejection loop
 *         (local.set $seed (i64.add (local.get $seed) (i64.const 0x9e3779b97f4a7c15)))
 *         (local.set $z (i64.mul (i64.xor (local.get $seed) (i64.shr_u (local.get $seed) (i64.const 33)))
 *                                (i64.const 0x62a9d9ed799705f5)))
 *         (local.set $u (i32.shr_u (i32.wrap_i64 (i64.shr_u
 *           (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 28))) (i64.const 0xcb24d0a5c88c35b3))
 *           (i64.const 32))) (i32.const 1)))
 *         (local.set $r (i32.rem_u (local.get $u) (local.get $bound)))
 *         (br_if $retry (i32.lt_s (i32.sub (i32.sub (i32.add (local.get $u) (local.get $bound)) (i32.const 1))
 *                                         (local.get $r)) (i32.const 0))))
 *       (i32.store8 offset=8 (local.get $i) (i32.add (local.get $r) (local.get $base)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br $next)))
 *     (i64.store (i32.const 0) (local.get $seed)))
 */
function assembleFill(): Uint8Array {
  const uleb = (n: number): number[] => {
    const out: number[] = []
    do {
      let b = n & 0x7f
      n >>>= 7
      if (n !== 0) b |= 0x80
      out.push(b)
    } while (n !== 0)
    return out
  }
  const sleb = (value: bigint): number[] => {
    const out: number[] = []
    let v = BigInt.asIntN(64, value)
    for (;;) {
      const b = Number(v & 0x7fn)
      v >>= 7n
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b]
      out.push(b | 0x80)
    }
  }
  const i64 = (v: bigint) => [0x42, ...sleb(v)]
  // prettier-ignore
  const body = [
    0x02, 0x03, 0x7f, 0x02, 0x7e, // locals: 3 x i32 ($i $u $r), 2 x i64 ($seed $z)
    0x41, 0x00, 0x29, 0x03, 0x00, 0x21, 0x06, // $seed = i64.load(0)
    0x02, 0x40, 0x03, 0x40, // block $done, loop $next
    0x20, 0x03, 0x20, 0x00, 0x4f, 0x0d, 0x01, // br_if $done ($i >= $len)
    0x03, 0x40, // loop $retry
    0x20, 0x06, ...i64(0x9e3779b97f4a7c15n), 0x7c, 0x22, 0x06, // $seed += GOLDEN_GAMMA (tee)
    0x20, 0x06, 0x42, 0x21, 0x88, 0x85, ...i64(0x62a9d9ed799705f5n), 0x7e, 0x22, 0x07, // $z = (s ^ s >>> 33) * A
    0x20, 0x07, 0x42, 0x1c, 0x88, 0x85, ...i64(0xcb24d0a5c88c35b3n), 0x7e, // (z ^ z >>> 28) * B
    0x42, 0x20, 0x88, 0xa7, 0x41, 0x01, 0x76, 0x22, 0x04, // $u = (int) (... >>> 32) >>> 1
    0x20, 0x01, 0x70, 0x21, 0x05, // $r = $u % $bound
    0x20, 0x04, 0x20, 0x01, 0x6a, 0x41, 0x01, 0x6b, 0x20, 0x05, 0x6b, // $u + ($bound - 1) - $r
    0x41, 0x00, 0x48, 0x0d, 0x00, 0x0b, // br_if $retry (< 0); end $retry
    0x20, 0x03, 0x20, 0x05, 0x20, 0x02, 0x6a, 0x3a, 0x00, 0x08, // i32.store8 offset=8 ($i, $r + $base)
    0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03, 0x0c, 0x00, // $i++, br $next
    0x0b, 0x0b, // end $next, end $done
    0x41, 0x00, 0x20, 0x06, 0x37, 0x03, 0x00, 0x0b, // i64.store(0, $seed); end
  ]
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // \0asm, version 1
    ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32, i32, i32) -> ()
    ...section(3, [0x01, 0x00]), // function 0 of type 0
    ...section(5, [0x01, 0x00, 0x01]), // memory: 1 page
    ...section(7, [0x02, 0x01, 0x66, 0x00, 0x00, 0x01, 0x6d, 0x02, 0x00]), // exports "f" (func 0), "m" (memory 0)
    ...section(10, [0x01, ...uleb(body.length), ...body]),
  ])
}

interface FillWasm {
  fill(len: number, bound: number, base: number): void
  seed: Uint32Array
  bytes: Uint8Array
}
let filler: FillWasm | null | undefined

/** The WebAssembly loop, instantiated on first use; null where WebAssembly is not available. */
function fillWasm(): FillWasm | null {
  if (filler !== undefined) return filler
  try {
    const {WebAssembly: Wasm} = globalThis as unknown as {
      WebAssembly: {
        Module: new (bytes: Uint8Array) => object
        Instance: new (module: object, imports: object) => {exports: {f: FillWasm['fill']; m: {buffer: ArrayBuffer}}}
      }
    }
    const {f, m} = new Wasm.Instance(new Wasm.Module(assembleFill()), {}).exports
    filler = {fill: f, seed: new Uint32Array(m.buffer, 0, 2), bytes: new Uint8Array(m.buffer)}
  } catch {
    filler = null
  }
  return filler
}
