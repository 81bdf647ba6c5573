// Variable-length integers of Kafka's record format (clients/.../common/utils/ByteUtils.java): zig-zag encoded,
// 7 bits per byte, least significant group first. Varints are int32; varlongs here are exact for every integer
// with |n| <= 2^53 - 1 (timestamps and offsets), using arithmetic instead of 32-bit operations above 2^31.
import {KafkaException} from '../errors.js'

/** Reading position, advanced by the read functions (one object reused per decode, no tuple per value). */
export interface Cursor {
  pos: number
}

const corrupt = (what: string) => new KafkaException('CORRUPT_MESSAGE', `Malformed ${what} in a record batch`)

/** Bytes a zig-zag varint of an int32 takes. */
export function sizeOfVarint(n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0
  let size = 1
  while (v >= 0x80) {
    v >>>= 7
    size++
  }
  return size
}

export function writeVarint(buf: Buffer, pos: number, n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

export function readVarint(buf: Uint8Array, c: Cursor): number {
  let value = 0
  let shift = 0
  let pos = c.pos
  while (true) {
    if (pos >= buf.length) throw corrupt('varint')
    const b = buf[pos++]!
    value |= (b & 0x7f) << shift
    if (b < 0x80) break
    shift += 7
    if (shift > 28) throw corrupt('varint')
  }
  c.pos = pos
  return (value >>> 1) ^ -(value & 1)
}

const zigzagLong = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1)

/** Bytes a zig-zag varlong takes. */
export function sizeOfVarlong(n: number): number {
  if (n >= -1073741824 && n < 1073741824) return sizeOfVarint(n)
  let v = zigzagLong(n)
  let size = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    size++
  }
  return size
}

export function writeVarlong(buf: Buffer, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) return writeVarint(buf, pos, n)
  let v = zigzagLong(n)
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[pos++] = v
  return pos
}

export function readVarlong(buf: Uint8Array, c: Cursor): number {
  let value = 0
  let multiplier = 1
  let pos = c.pos
  for (let i = 0; ; i++) {
    if (pos >= buf.length || i >= 10) throw corrupt('varlong')
    const b = buf[pos++]!
    value += (b & 0x7f) * multiplier
    if (b < 0x80) break
    multiplier *= 128
  }
  c.pos = pos
  // Undo the zig-zag without 32-bit operations: even -> n / 2, odd -> -(n + 1) / 2.
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2
}

export function writeUnsignedVarint(buf: Buffer, pos: number, n: number): number {
  let v = n >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

export function readUnsignedVarint(buf: Uint8Array, c: Cursor): number {
  let value = 0
  let shift = 0
  let pos = c.pos
  while (true) {
    if (pos >= buf.length) throw corrupt('unsigned varint')
    const b = buf[pos++]!
    value |= (b & 0x7f) << shift
    if (b < 0x80) break
    shift += 7
    if (shift > 28) throw corrupt('unsigned varint')
  }
  c.pos = pos
  return value >>> 0
}
