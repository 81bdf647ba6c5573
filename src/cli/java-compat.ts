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

// 64-bit arithmetic on (hi, lo) pairs of unsigned 32-bit numbers: BigInt costs ~100 ns an operation, and the perf
// test draws one number per payload byte.
const GOLDEN_GAMMA_HI = 0x9e3779b9
const GOLDEN_GAMMA_LO = 0x7f4a7c15
const MIX32_A_HI = 0x62a9d9ed
const MIX32_A_LO = 0x799705f5
const MIX32_B_HI = 0xcb24d0a5
const MIX32_B_LO = 0xc88c35b3

/** hi and lo words of the 64-bit product of two unsigned 32-bit numbers. */
function mul32(a: number, b: number): [number, number] {
  const a0 = a & 0xffff
  const a1 = a >>> 16
  const b0 = b & 0xffff
  const b1 = b >>> 16
  const p00 = a0 * b0
  const p01 = a0 * b1
  const p10 = a1 * b0
  const p11 = a1 * b1
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0
  const hi = (p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 0x10000)) >>> 0
  return [hi, lo]
}

/** The high 32 bits (as a signed int) of (hi, lo) x (bhi, blo) mod 2^64. */
function mulHigh(hi: number, lo: number, bhi: number, blo: number): number {
  const [phi] = mul32(lo, blo)
  return (phi + Math.imul(hi, blo) + Math.imul(lo, bhi)) | 0
}

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
    const carry = lo < this.#lo ? 1 : 0
    this.#hi = (this.#hi + GOLDEN_GAMMA_HI + carry) >>> 0
    this.#lo = lo
    // mix32: z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5; return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3) >>> 32)
    let zhi = this.#hi
    let zlo = (this.#lo ^ (this.#hi >>> 1)) >>> 0
    const [p1hi, p1lo] = mul32(zlo, MIX32_A_LO)
    zhi = (p1hi + Math.imul(zhi, MIX32_A_LO) + Math.imul(zlo, MIX32_A_HI)) >>> 0
    zlo = p1lo
    const xhi = (zhi ^ (zhi >>> 28)) >>> 0
    const xlo = (zlo ^ ((zlo >>> 28) | (zhi << 4))) >>> 0
    return mulHigh(xhi, xlo, MIX32_B_HI, MIX32_B_LO)
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
