// The writing half of Kafka's protocol primitives, used by the generated encoders in ../messages/.
//
// One pass, no size pass: values go into a growing buffer. A tagged field's size is written after its value and
// moved in front of it (tagged values are a few bytes). Large records are not copied: the writer closes the bytes
// written so far as a chunk and keeps the records buffer itself as the next one, so a Fetch response goes to the
// socket as [header+fields, batch, fields, batch, ...] (finishChunks) with no copy of the stored batches.
import {sizeOfUnsignedVarint, writeVarint, writeVarlong} from '../varint.js'
import type {RawTaggedField} from './reader.js'
import {SchemaException} from './schema-exception.js'

/** Records at least this long are kept as their own chunk rather than copied. */
const CHUNK_THRESHOLD = 1024
const MAX_STRING = 0x7fff
const UUID = /^[A-Za-z0-9_-]{21}[AQgw]$/
const TWO_32 = 4294967296

function bad(reason: string): never {
  throw new SchemaException('', '', -1, reason)
}

/**
 * A records field as written: one buffer, or the stored batches of a partition in order (written one after the other,
 * as one field, without joining them). Decoders always give one Buffer.
 */
export type Records = Buffer | readonly Buffer[]

/** A growing output buffer with Kafka's writers. */
export class Writer {
  buf: Buffer
  pos = 0
  /** Finished chunks before `buf[start..pos]`, and how many bytes they hold. */
  private chunks: Buffer[] | null = null
  private start = 0
  private flushed = 0

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushed + this.pos - this.start
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n)
  }

  private grow(n: number): void {
    const used = this.pos - this.start
    const next = Buffer.allocUnsafe(Math.max(256, (used + n) * 2))
    this.buf.copy(next, 0, this.start, this.pos)
    this.buf = next
    this.pos = used
    this.start = 0
  }

  /** Everything written, as one buffer. */
  finish(): Buffer {
    if (this.chunks === null) return this.buf.subarray(0, this.pos)
    return Buffer.concat(this.finishChunks(), this.length)
  }

  /** Everything written, as the chunks to hand to the socket in order (records buffers among them, not copied). */
  finishChunks(): Buffer[] {
    const tail = this.buf.subarray(this.start, this.pos)
    if (this.chunks === null) return [tail]
    return tail.length > 0 ? [...this.chunks, tail] : this.chunks.slice()
  }

  /** Overwrites an int32 at a position written earlier (the frame's size), in whichever chunk holds it. */
  patchInt32(at: number, v: number): void {
    if (at >= this.flushed) {
      this.buf.writeInt32BE(v, this.start + at - this.flushed)
      return
    }
    let offset = at
    for (const chunk of this.chunks!) {
      if (offset + 4 <= chunk.length) {
        chunk.writeInt32BE(v, offset)
        return
      }
      offset -= chunk.length
    }
    bad('cannot patch a value split across chunks')
  }

  // Fixed-size values. Range checks are a compare each: a value that does not fit throws instead of wrapping.

  int8(v: number): void {
    if ((v << 24) >> 24 !== v) bad(`${v} does not fit an int8`)
    this.ensure(1)
    this.buf[this.pos++] = v
  }

  bool(v: boolean): void {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
  }

  int16(v: number): void {
    if ((v << 16) >> 16 !== v) bad(`${v} does not fit an int16`)
    this.ensure(2)
    const p = this.pos
    this.buf[p] = v >> 8
    this.buf[p + 1] = v
    this.pos = p + 2
  }

  uint16(v: number): void {
    if ((v & 0xffff) !== v) bad(`${v} does not fit a uint16`)
    this.ensure(2)
    const p = this.pos
    this.buf[p] = v >> 8
    this.buf[p + 1] = v
    this.pos = p + 2
  }

  int32(v: number): void {
    if ((v | 0) !== v) bad(`${v} does not fit an int32`)
    this.ensure(4)
    const b = this.buf
    const p = this.pos
    b[p] = v >> 24
    b[p + 1] = v >> 16
    b[p + 2] = v >> 8
    b[p + 3] = v
    this.pos = p + 4
  }

  uint32(v: number): void {
    if (v >>> 0 !== v) bad(`${v} does not fit a uint32`)
    this.int32(v | 0)
  }

  /** An int64 from a number: exact for safe integers; larger integers within int64's range go through BigInt. */
  int64(v: number): void {
    this.ensure(8)
    if (Number.isSafeInteger(v)) {
      const lo = v >>> 0
      const hi = (v - lo) / TWO_32
      const b = this.buf
      const p = this.pos
      b[p] = hi >> 24
      b[p + 1] = hi >> 16
      b[p + 2] = hi >> 8
      b[p + 3] = hi
      b[p + 4] = lo >>> 24
      b[p + 5] = lo >>> 16
      b[p + 6] = lo >>> 8
      b[p + 7] = lo
      this.pos = p + 8
      return
    }
    if (!Number.isInteger(v) || v < -(2 ** 63) || v >= 2 ** 63) bad(`${v} does not fit an int64`)
    this.buf.writeBigInt64BE(BigInt(v), this.pos)
    this.pos += 8
  }

  float64(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.pos)
    this.pos += 8
  }

  uuid(v: string): void {
    if (!UUID.test(v)) bad(`'${v}' is not a uuid (22 characters of URL-safe base64, as Kafka prints one)`)
    this.ensure(16)
    this.pos += this.buf.write(v, this.pos, 16, 'base64url')
  }

  uvarint(v: number): void {
    this.ensure(5)
    let x = v >>> 0
    const b = this.buf
    let p = this.pos
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80
      x >>>= 7
    }
    b[p++] = x
    this.pos = p
  }

  varint(v: number): void {
    if ((v | 0) !== v) bad(`${v} does not fit a varint`)
    this.ensure(5)
    this.pos = writeVarint(this.buf, this.pos, v)
  }

  varlong(v: number): void {
    if (!Number.isSafeInteger(v)) bad(`${v} is not an integer kafkalite can encode as a varlong`)
    this.ensure(10)
    this.pos = writeVarlong(this.buf, this.pos, v)
  }

  // Strings: UTF-8, at most 32767 bytes in either form (Kafka refuses longer ones too).

  /** Writes a string's UTF-8 bytes at `at` (room for 3 bytes per UTF-16 unit reserved) and returns their count. */
  private utf8(s: string, at: number): number {
    const n = s.length
    if (n < 48) {
      const b = this.buf
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) return b.write(s, at, 'utf8')
        b[at + i] = c
      }
      return n
    }
    return this.buf.write(s, at, 'utf8')
  }

  /** A string: int16 length, or in compact form (flexible versions) unsigned varint length + 1. */
  string(s: string | null | undefined, compact = false): void {
    if (compact) this.compactString(s)
    else this.classicString(s)
  }

  /** A nullable string (length -1, or 0 in compact form, for null). */
  nullableString(s: string | null | undefined, compact = false): void {
    if (s != null) this.string(s, compact)
    else if (compact) this.uvarint(0)
    else this.int16(-1)
  }

  private classicString(s: string | null | undefined): void {
    if (s == null) bad('null in a string that is not nullable in this version')
    this.ensure(2 + s.length * 3)
    const n = this.utf8(s, this.pos + 2)
    if (n > MAX_STRING) bad(`a string of ${n} bytes is longer than Kafka's limit of ${MAX_STRING}`)
    this.buf[this.pos] = n >> 8
    this.buf[this.pos + 1] = n
    this.pos += 2 + n
  }

  private compactString(s: string | null | undefined): void {
    if (s == null) bad('null in a string that is not nullable in this version')
    if (s.length < 42) {
      // At most 126 bytes: the length prefix is one byte.
      this.ensure(1 + s.length * 3)
      const n = this.utf8(s, this.pos + 1)
      this.buf[this.pos] = n + 1
      this.pos += 1 + n
      return
    }
    const n = Buffer.byteLength(s, 'utf8')
    if (n > MAX_STRING) bad(`a string of ${n} bytes is longer than Kafka's limit of ${MAX_STRING}`)
    this.uvarint(n + 1)
    this.ensure(n)
    this.pos += this.buf.write(s, this.pos, n, 'utf8')
  }

  // Byte strings and records.

  private raw(data: Uint8Array): void {
    this.ensure(data.length)
    this.buf.set(data, this.pos)
    this.pos += data.length
  }

  /** A byte string: int32 length, or compact (unsigned varint length + 1). */
  bytes(v: Uint8Array | null | undefined, compact = false): void {
    if (v == null) bad('null in bytes that are not nullable in this version')
    if (compact) this.uvarint(v.length + 1)
    else this.int32(v.length)
    this.raw(v)
  }

  /** A nullable byte string (length -1, or 0 in compact form, for null). */
  nullableBytes(v: Uint8Array | null | undefined, compact = false): void {
    if (v != null) this.bytes(v, compact)
    else this.nullLength(compact)
  }

  /** Records (nullable bytes); large ones become their own chunk instead of being copied. */
  records(v: Records | null | undefined, compact = false): void {
    if (v == null) {
      this.nullLength(compact)
      return
    }
    if (Buffer.isBuffer(v)) {
      if (compact) this.uvarint(v.length + 1)
      else this.int32(v.length)
      this.recordBytes(v)
      return
    }
    let length = 0
    for (const part of v) length += part.length
    if (compact) this.uvarint(length + 1)
    else this.int32(length)
    for (const part of v) this.recordBytes(part)
  }

  private nullLength(compact: boolean): void {
    if (compact) this.uvarint(0)
    else this.int32(-1)
  }

  private recordBytes(v: Buffer): void {
    if (v.length < CHUNK_THRESHOLD) {
      this.raw(v)
      return
    }
    const chunks = (this.chunks ??= [])
    if (this.pos > this.start) chunks.push(this.buf.subarray(this.start, this.pos))
    chunks.push(v)
    this.flushed += this.pos - this.start + v.length
    this.start = this.pos
  }

  // Arrays.

  /** An array length: int32, or compact (unsigned varint length + 1). */
  arrayLength(n: number, compact = false): void {
    if (compact) this.uvarint(n + 1)
    else this.int32(n)
  }

  /** A null array (length -1, or 0 in compact form). */
  nullArray(compact = false): void {
    this.nullLength(compact)
  }

  /** A null where the version allows none. */
  notNullable(what: string): never {
    return bad(`null in ${what}, which is not nullable in this version`)
  }

  // Tagged fields.

  /** Starts a tagged field: writes its tag and returns the mark endTaggedField needs. */
  beginTaggedField(tag: number): number {
    this.uvarint(tag)
    return this.length
  }

  /** Ends a tagged field: puts the size of the value written since the mark in front of it. */
  endTaggedField(mark: number): void {
    const at = this.start + mark - this.flushed
    if (at < this.start) bad('a tagged field cannot hold records')
    const size = this.pos - at
    const prefix = sizeOfUnsignedVarint(size)
    this.ensure(prefix)
    const start = this.start + mark - this.flushed
    this.buf.copyWithin(start + prefix, start, this.pos)
    const end = this.pos + prefix
    this.pos = start
    this.uvarint(size)
    this.pos = end
  }

  /** A tagged-field section with no known tags: the count, then the fields kept from decoding, if any. */
  unknownTaggedFields(fields: readonly RawTaggedField[] | undefined): void {
    if (fields === undefined || fields.length === 0) {
      this.ensure(1)
      this.buf[this.pos++] = 0
      return
    }
    this.uvarint(fields.length)
    this.rawTaggedFields(fields, 0, Infinity)
  }

  /** Writes the unknown tagged fields from index `from` whose tag is below `below`; returns the next index. */
  rawTaggedFields(fields: readonly RawTaggedField[], from: number, below: number): number {
    let i = from
    for (; i < fields.length && fields[i]!.tag < below; i++) {
      const f = fields[i]!
      this.uvarint(f.tag)
      this.uvarint(f.data.length)
      this.raw(f.data)
    }
    return i
  }
}
