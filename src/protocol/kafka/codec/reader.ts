// The reading half of Kafka's protocol primitives (org.apache.kafka.common.protocol.Readable and the generated
// *Data.read methods), used by the generated decoders in ../messages/.
//
// Hostile input is the normal case here: every read checks the bytes left first, every length is compared with
// the bytes left before anything is allocated (an array of 2^31 - 1 elements in a 20-byte frame fails at its length),
// and every failure is a SchemaException naming the field and the byte offset. Labels are constant strings passed by
// the generated code, so naming the field costs nothing until something fails.
import {readVarint, readVarlong} from '../varint.js'
import {SchemaException} from './schema-exception.js'

/** A tagged field the decoder does not know, kept so that re-encoding writes it back (as Kafka does). */
export interface RawTaggedField {
  tag: number
  data: Buffer
}

/** Kafka's zero uuid (Uuid.ZERO_UUID), the default of uuid fields. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'
/** The default of bytes fields (empty; shared, so never written to). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0)

/** Kafka caps strings at 32767 bytes in both their classic and compact forms. */
const MAX_STRING = 0x7fff

/** A position in a buffer, with Kafka's readers; `end` bounds what may be read. */
export class Reader {
  buf: Buffer
  pos: number
  end: number
  /** The message being decoded, for error messages (`ProduceRequest v9`). */
  context = ''

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  /** Bytes left to read. */
  remaining(): number {
    return this.end - this.pos
  }

  fail(field: string, reason: string, position = this.pos): never {
    throw new SchemaException(this.context, field, position, reason)
  }

  private need(n: number, field: string, what: string): void {
    if (this.end - this.pos < n) {
      this.fail(field, `the data ends inside ${what} (${n} bytes needed, ${this.end - this.pos} left)`)
    }
  }

  int8(field: string): number {
    if (this.pos >= this.end) this.need(1, field, 'an int8')
    return (this.buf[this.pos++]! << 24) >> 24
  }

  bool(field: string): boolean {
    if (this.pos >= this.end) this.need(1, field, 'a bool')
    return this.buf[this.pos++] !== 0
  }

  int16(field: string): number {
    if (this.end - this.pos < 2) this.need(2, field, 'an int16')
    const b = this.buf
    const p = this.pos
    this.pos = p + 2
    return ((b[p]! << 24) >> 16) | b[p + 1]!
  }

  uint16(field: string): number {
    if (this.end - this.pos < 2) this.need(2, field, 'a uint16')
    const b = this.buf
    const p = this.pos
    this.pos = p + 2
    return (b[p]! << 8) | b[p + 1]!
  }

  int32(field: string): number {
    if (this.end - this.pos < 4) this.need(4, field, 'an int32')
    const b = this.buf
    const p = this.pos
    this.pos = p + 4
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
  }

  uint32(field: string): number {
    return this.int32(field) >>> 0
  }

  /** An int64 as a number: exact up to 2^53 - 1 in magnitude (all offsets and timestamps), else the nearest double. */
  int64(field: string): number {
    if (this.end - this.pos < 8) this.need(8, field, 'an int64')
    const b = this.buf
    const p = this.pos
    this.pos = p + 8
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0
    return hi * 4294967296 + lo
  }

  float64(field: string): number {
    this.need(8, field, 'a float64')
    const v = this.buf.readDoubleBE(this.pos)
    this.pos += 8
    return v
  }

  /** A uuid as Kafka prints it: URL-safe base64 without padding (22 characters). */
  uuid(field: string): string {
    this.need(16, field, 'a uuid')
    const s = this.buf.toString('base64url', this.pos, this.pos + 16)
    this.pos += 16
    return s
  }

  /** An unsigned varint (at most 5 bytes, a uint32), as in compact lengths and tagged fields. */
  uvarint(field: string): number {
    const b = this.buf
    let p = this.pos
    if (p < this.end) {
      const first = b[p]!
      if (first < 0x80) {
        this.pos = p + 1
        return first
      }
    }
    const start = p
    let value = 0
    for (let shift = 0; ; shift += 7) {
      if (shift > 28) this.fail(field, 'an unsigned varint longer than 5 bytes', start)
      if (p >= this.end) this.fail(field, 'the data ends inside an unsigned varint', start)
      const byte = b[p++]!
      value |= (byte & 0x7f) << shift
      if (byte < 0x80) break
    }
    this.pos = p
    return value >>> 0
  }

  /** A zig-zag varint (record-style), as Kafka's `varint` type. */
  varint(field: string): number {
    return this.zigzag(field, readVarint)
  }

  /** A zig-zag varlong, as Kafka's `varlong` type. */
  varlong(field: string): number {
    return this.zigzag(field, readVarlong)
  }

  private zigzag(field: string, read: (buf: Uint8Array, c: {pos: number}) => number): number {
    const start = this.pos
    try {
      return read(this.end === this.buf.length ? this.buf : this.buf.subarray(0, this.end), this)
    } catch (e) {
      this.pos = start
      return this.fail(field, e instanceof Error ? e.message : String(e), start)
    }
  }

  // Lengths. Each is checked against the bytes left before the caller allocates anything for it.

  private checkLength(n: number, field: string, start: number): number {
    if (n > this.end - this.pos)
      this.fail(field, `length ${n} is more than the ${this.end - this.pos} bytes left`, start)
    return n
  }

  private nullNotAllowed(field: string, start: number): never {
    return this.fail(field, 'null in a field that is not nullable in this version', start)
  }

  /** A string: int16 length, or in compact form (flexible versions) unsigned varint length + 1. */
  string(field: string, compact = false): string {
    return compact ? this.compactString(field) : this.classicString(field)
  }

  /** A nullable string (length -1, or 0 in compact form, for null). */
  nullableString(field: string, compact = false): string | null {
    return compact ? this.compactNullableString(field) : this.classicNullableString(field)
  }

  private classicString(field: string): string {
    const start = this.pos
    const n = this.int16(field)
    if (n < 0) return n === -1 ? this.nullNotAllowed(field, start) : this.fail(field, `negative length ${n}`, start)
    return this.utf8(this.checkLength(n, field, start))
  }

  private classicNullableString(field: string): string | null {
    const start = this.pos
    const n = this.int16(field)
    if (n < 0) return n === -1 ? null : this.fail(field, `negative length ${n}`, start)
    return this.utf8(this.checkLength(n, field, start))
  }

  private compactString(field: string): string {
    const start = this.pos
    const n = this.uvarint(field)
    if (n === 0) return this.nullNotAllowed(field, start)
    return this.utf8(this.compactStringLength(n - 1, field, start))
  }

  private compactNullableString(field: string): string | null {
    const start = this.pos
    const n = this.uvarint(field)
    if (n === 0) return null
    return this.utf8(this.compactStringLength(n - 1, field, start))
  }

  private compactStringLength(n: number, field: string, start: number): number {
    if (n > MAX_STRING) this.fail(field, `string length ${n} is more than Kafka's limit of ${MAX_STRING}`, start)
    return this.checkLength(n, field, start)
  }

  private utf8(n: number): string {
    const p = this.pos
    this.pos = p + n
    return n === 0 ? '' : this.buf.toString('utf8', p, p + n)
  }

  /**
   * A byte string (int32 length, or compact), copied out of the frame: callers keep these (group metadata,
   * assignments), and a slice would keep the whole frame alive.
   */
  bytes(field: string, compact = false): Buffer {
    const start = this.pos
    const v = compact ? this.compactNullableBytes(field) : this.classicNullableBytes(field)
    return v === null ? this.nullNotAllowed(field, start) : v
  }

  nullableBytes(field: string, compact = false): Buffer | null {
    return compact ? this.compactNullableBytes(field) : this.classicNullableBytes(field)
  }

  private classicNullableBytes(field: string): Buffer | null {
    const start = this.pos
    const n = this.int32(field)
    if (n < 0) return n === -1 ? null : this.fail(field, `negative length ${n}`, start)
    return this.copy(this.checkLength(n, field, start))
  }

  private compactNullableBytes(field: string): Buffer | null {
    const start = this.pos
    const n = this.uvarint(field)
    if (n === 0) return null
    return this.copy(this.checkLength(n - 1, field, start))
  }

  private copy(n: number): Buffer {
    const p = this.pos
    this.pos = p + n
    return Buffer.from(this.buf.subarray(p, p + n))
  }

  /** Records (nullable bytes, int32 length or compact): a slice of the frame, never copied or parsed. */
  records(field: string, compact = false): Buffer | null {
    return compact ? this.compactRecords(field) : this.classicRecords(field)
  }

  private classicRecords(field: string): Buffer | null {
    const start = this.pos
    const n = this.int32(field)
    if (n < 0) return n === -1 ? null : this.fail(field, `negative length ${n}`, start)
    return this.slice(this.checkLength(n, field, start))
  }

  private compactRecords(field: string): Buffer | null {
    const start = this.pos
    const n = this.uvarint(field)
    if (n === 0) return null
    return this.slice(this.checkLength(n - 1, field, start))
  }

  private slice(n: number): Buffer {
    const p = this.pos
    this.pos = p + n
    return this.buf.subarray(p, p + n)
  }

  /** An array length (int32, or compact: unsigned varint length + 1); null is refused. */
  arrayLength(field: string, compact = false): number {
    return compact ? this.compactArrayLength(field) : this.classicArrayLength(field)
  }

  /** An array length, -1 for null. */
  nullableArrayLength(field: string, compact = false): number {
    return compact ? this.compactNullableArrayLength(field) : this.classicNullableArrayLength(field)
  }

  private classicArrayLength(field: string): number {
    const start = this.pos
    const n = this.int32(field)
    if (n < 0)
      return n === -1 ? this.nullNotAllowed(field, start) : this.fail(field, `negative array length ${n}`, start)
    return this.checkLength(n, field, start)
  }

  private classicNullableArrayLength(field: string): number {
    const start = this.pos
    const n = this.int32(field)
    if (n < 0) return n === -1 ? -1 : this.fail(field, `negative array length ${n}`, start)
    return this.checkLength(n, field, start)
  }

  private compactArrayLength(field: string): number {
    const start = this.pos
    const n = this.uvarint(field)
    if (n === 0) return this.nullNotAllowed(field, start)
    return this.checkLength(n - 1, field, start)
  }

  private compactNullableArrayLength(field: string): number {
    const start = this.pos
    const n = this.uvarint(field)
    if (n === 0) return -1
    return this.checkLength(n - 1, field, start)
  }

  // Tagged fields: a count, then (tag, size, value) each, tags ascending.

  /** Reads a tagged field's size and returns where its value ends. */
  taggedFieldEnd(field: string): number {
    const start = this.pos
    const size = this.uvarint(field)
    return this.pos + this.checkLength(size, field, start)
  }

  /** Checks that a known tagged field's value took exactly the size its header gave. */
  endTaggedField(end: number, field: string): void {
    if (this.pos !== end) {
      const off = Math.abs(this.pos - end)
      this.fail(
        field,
        `the tagged field's value ends ${off} bytes ${this.pos > end ? 'after' : 'before'} its size says`,
      )
    }
  }

  /** A tagged-field section where no tag is known: every field is kept as it came; undefined when there are none. */
  unknownTaggedFields(field: string): RawTaggedField[] | undefined {
    let count = this.uvarint(field)
    if (count === 0) return undefined
    const fields: RawTaggedField[] = []
    for (; count > 0; count--) {
      const tag = this.uvarint(field)
      fields.push(this.rawTaggedField(tag, this.taggedFieldEnd(field)))
    }
    return fields
  }

  /** An unknown tagged field, copied out so that it can be written back. */
  rawTaggedField(tag: number, end: number): RawTaggedField {
    const data = Buffer.from(this.buf.subarray(this.pos, end))
    this.pos = end
    return {tag, data}
  }
}
