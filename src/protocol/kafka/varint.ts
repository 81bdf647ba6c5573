// Variable-length integers of Kafka's record format (clients/.../common/utils/ByteUtils.java): 7 bits per byte, least
// significant group first, the high bit of a byte set when another byte follows. Records use zig-zag signed varints
// (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) so that small negative numbers stay short; flexible protocol fields use
// unsigned varints. Do not mix the two.
//
// Writers take the buffer and a position and return the position after the value. Readers take a Cursor and advance
// it: one small object reused across a whole batch is cheaper than a [value, position] tuple allocated per value, and
// it keeps the value a plain number return.
//
// Varints are int32. Varlongs are exact for every integer with |n| <= 2^53 - 1 (timestamps and offsets): values that
// fit in int32 take the varint path; larger ones split the zig-zag value into its low 28 bits (32-bit operations) and
// the rest (arithmetic), because zig-zag of a 53-bit number needs 54 bits, more than a double holds exactly.
import {KafkaException} from '../../errors.js'

/** Reading position, advanced by the read functions; reuse one per decode. */
export interface Cursor {
  pos: number
}

// A large varlong's first four bytes carry the sign and the low 27 bits of its magnitude; the rest weighs 2^27.
const LOW_MASK = 0x7ffffff
const HIGH_WEIGHT = 0x8000000

const tooLong = (what: string, pos: number, max: number) =>
  new KafkaException('CORRUPT_MESSAGE', `Malformed ${what} at byte ${pos}: longer than the ${max} bytes it may take`)
const truncated = (what: string, pos: number) =>
  new KafkaException('CORRUPT_MESSAGE', `Malformed ${what} at byte ${pos}: the data ends inside it`)

/** Bytes an unsigned varint of a uint32 takes (ByteUtils.sizeOfUnsignedVarint: ceil(bits / 7) without a loop). */
export function sizeOfUnsignedVarint(n: number): number {
  const leadingZeros = Math.clz32(n)
  return (((38 - leadingZeros) * 0b10010010010010011) >>> 19) + (leadingZeros >>> 5)
}

/** Bytes a zig-zag varint of an int32 takes. */
export function sizeOfVarint(n: number): number {
  return sizeOfUnsignedVarint((n << 1) ^ (n >> 31))
}

/** Writes a zig-zag varint of an int32 (1 to 5 bytes). */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

/** Reads a zig-zag varint (at most 5 bytes, as Kafka). */
export function readVarint(buf: Uint8Array, c: Cursor): number {
  const start = c.pos
  let pos = start
  if (pos >= buf.length) throw truncated('varint', start)
  let b = buf[pos++]!
  // Most record fields (attributes, small deltas, short lengths) fit in one byte.
  if (b < 0x80) {
    c.pos = pos
    return (b >>> 1) ^ -(b & 1)
  }
  let value = b & 0x7f
  for (let shift = 7; ; shift += 7) {
    if (shift > 28) throw tooLong('varint', start, 5)
    if (pos >= buf.length) throw truncated('varint', start)
    b = buf[pos++]!
    value |= (b & 0x7f) << shift
    if (b < 0x80) break
  }
  c.pos = pos
  return (value >>> 1) ^ -(value & 1)
}

function checkLong(n: number): void {
  if (!Number.isSafeInteger(n)) {
    throw new KafkaException(
      'INVALID_RECORD',
      `Cannot encode ${n} as a varlong: kafkalite encodes integers of magnitude up to 2^53 - 1 exactly`,
    )
  }
}

/** Bytes a zig-zag varlong takes; n must be an integer with |n| <= 2^53 - 1. */
export function sizeOfVarlong(n: number): number {
  if ((n | 0) === n) return sizeOfVarint(n)
  checkLong(n)
  // |n| >= 2^31, so the part above the low 28 zig-zag bits is never 0: 4 full bytes, then that part.
  const magnitude = n < 0 ? -n - 1 : n
  return 4 + sizeOfUnsignedVarint(Math.floor(magnitude / HIGH_WEIGHT))
}

/** Writes a zig-zag varlong (1 to 8 bytes for |n| <= 2^53 - 1); n must be an integer in that range. */
export function writeVarlong(buf: Buffer, pos: number, n: number): number {
  if ((n | 0) === n) return writeVarint(buf, pos, n)
  checkLong(n)
  // zig-zag(n) = 2m + sign with m = n or -n - 1: the low bit is the sign, the bits above it are m.
  const negative = n < 0
  const m = negative ? -n - 1 : n
  // `m & LOW_MASK` is exact: ToInt32 keeps the low 32 bits of any safe integer.
  const low = ((m & LOW_MASK) << 1) | (negative ? 1 : 0)
  buf[pos++] = (low & 0x7f) | 0x80
  buf[pos++] = ((low >>> 7) & 0x7f) | 0x80
  buf[pos++] = ((low >>> 14) & 0x7f) | 0x80
  buf[pos++] = ((low >>> 21) & 0x7f) | 0x80
  let high = Math.floor(m / HIGH_WEIGHT) // < 2^26, so 32-bit operations are safe again
  while (high >= 0x80) {
    buf[pos++] = (high & 0x7f) | 0x80
    high >>>= 7
  }
  buf[pos++] = high
  return pos
}

/**
 * Reads a zig-zag varlong (at most 10 bytes, as Kafka). Exact up to |n| = 2^53 - 1; a larger int64 written by another
 * client comes back as the nearest double.
 */
export function readVarlong(buf: Uint8Array, c: Cursor): number {
  const start = c.pos
  let pos = start
  const length = buf.length
  // The low 28 bits with 32-bit operations; anything that ends within them is an int32 and returns here.
  let low = 0
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= length) throw truncated('varlong', start)
    const b = buf[pos++]!
    low |= (b & 0x7f) << shift
    if (b < 0x80) {
      c.pos = pos
      return (low >>> 1) ^ -(low & 1)
    }
  }
  let high = 0
  let weight = 1
  for (let i = 4; ; i++) {
    if (i >= 10) throw tooLong('varlong', start, 10)
    if (pos >= length) throw truncated('varlong', start)
    const b = buf[pos++]!
    high += (b & 0x7f) * weight
    if (b < 0x80) break
    weight *= 128
  }
  c.pos = pos
  // zig-zag value = high * 2^28 + low; drop its sign bit to get m, then n = m or -m - 1.
  const m = high * HIGH_WEIGHT + (low >>> 1)
  return low & 1 ? -m - 1 : m
}

/** Writes an unsigned varint of a uint32 (negative int32s take 5 bytes, as in Java). */
export function writeUnsignedVarint(buf: Buffer, pos: number, n: number): number {
  let v = n >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

/** Reads an unsigned varint (at most 5 bytes) as a uint32. */
export function readUnsignedVarint(buf: Uint8Array, c: Cursor): number {
  const start = c.pos
  let pos = start
  let value = 0
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) throw tooLong('unsigned varint', start, 5)
    if (pos >= buf.length) throw truncated('unsigned varint', start)
    const b = buf[pos++]!
    value |= (b & 0x7f) << shift
    if (b < 0x80) break
  }
  c.pos = pos
  return value >>> 0
}
