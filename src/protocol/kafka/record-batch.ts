// Kafka's RecordBatch v2 (magic 2), byte for byte: the producer encodes it, the daemon validates the header, sets
// the base offset and stores the bytes, fetches return the stored bytes, the consumer decodes them.
// Sources: clients/src/main/java/org/apache/kafka/common/record/DefaultRecordBatch.java and DefaultRecord.java.
import {gunzipSync, gzipSync} from 'node:zlib'
import {lz4Compress, lz4Decompress} from './compression/lz4.js'
import {snappyCompress, snappyDecompress} from './compression/snappy.js'
import {zstdCompress, zstdDecompress} from './compression/zstd.js'
import {KafkaException} from '../../errors.js'
import {crc32c} from './crc32c.js'
import {readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong, type Cursor} from './varint.js'

/**
 * Batch header, 61 bytes, big-endian:
 *
 *   offset size field                 notes
 *        0    8 baseOffset            set by the broker on append (not covered by the CRC)
 *        8    4 batchLength           bytes after this field: total size - 12
 *       12    4 partitionLeaderEpoch  not covered by the CRC; producers write -1
 *       16    1 magic                 2
 *       17    4 crc                   CRC-32C of bytes 21..end
 *       21    2 attributes            bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
 *                                     bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional, bit 5 control
 *       23    4 lastOffsetDelta       recordCount - 1
 *       27    8 baseTimestamp         timestamp of the first record
 *       35    8 maxTimestamp          largest record timestamp (the append time for LogAppendTime)
 *       43    8 producerId            -1 without idempotence
 *       51    2 producerEpoch
 *       53    4 baseSequence          -1 without idempotence
 *       57    4 recordCount
 *       61    * records               compressed as one block when bits 0-2 are set
 *
 * Record (all integers zig-zag varints, `varlong` for 64-bit values):
 *
 *   length varint | attributes int8 (0) | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
 *   headerCount varint | [headerKeyLength varint | headerKey (UTF-8) | headerValueLength varint (-1 = null) | value]
 */
export const BATCH_HEADER_SIZE = 61
export const OFFSET = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const

export const COMPRESSION = {none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4} as const
export const TIMESTAMP_TYPE = {CreateTime: 0, LogAppendTime: 1} as const
export const ATTRIBUTE = {compressionMask: 0x07, logAppendTime: 0x08, transactional: 0x10, control: 0x20} as const
export const NO_PRODUCER_ID = -1
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1
export const NO_PARTITION_LEADER_EPOCH = -1

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** The compression codecs kafkalite writes and reads: all of Kafka's. */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type Codec = (typeof CODECS)[number]

/** Each codec's compress and decompress (to at most `max` bytes), by its id in the batch attributes. */
const CODEC_FUNCTIONS: Record<
  number,
  {compress: (data: Buffer) => Buffer; decompress: (data: Buffer, max: number) => Buffer}
> = {
  [COMPRESSION.gzip]: {
    compress: (d) => gzipSync(d),
    decompress: (d, max) => {
      try {
        return gunzipSync(d, max < Number.MAX_SAFE_INTEGER ? {maxOutputLength: max} : {})
      } catch (error) {
        if ((error as {code?: string}).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new Error(`the data decompresses to more than ${max} bytes`)
        }
        throw error
      }
    },
  },
  [COMPRESSION.snappy]: {compress: snappyCompress, decompress: snappyDecompress},
  [COMPRESSION.lz4]: {compress: lz4Compress, decompress: lz4Decompress},
  // Loaded on first use (compression/zstd.ts): node:zlib's where Node has it, else WebAssembly.
  [COMPRESSION.zstd]: {compress: (d) => zstdCompress(d), decompress: zstdDecompress},
}

/** A record header: a UTF-8 key and a value that may be null. */
export interface RecordHeader {
  key: string
  value: Buffer | null
}

export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  compression: number
  timestampType: 0 | 1
  isTransactional: boolean
  isControl: boolean
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordCount: number
}

const corrupt = (message: string) => new KafkaException('CORRUPT_MESSAGE', message)

const readInt64 = (buf: Buffer, at: number) => Number(buf.readBigInt64BE(at))
const writeInt64 = (buf: Buffer, at: number, n: number) => buf.writeBigInt64BE(BigInt(n), at)

/** Reads the 61-byte header of the batch at `offset`. */
export function readBatchHeader(buf: Buffer, offset = 0): BatchHeader {
  if (buf.length - offset < BATCH_HEADER_SIZE) {
    throw corrupt(`Record batch of ${buf.length - offset} bytes is shorter than its ${BATCH_HEADER_SIZE}-byte header`)
  }
  const attributes = buf.readInt16BE(offset + OFFSET.attributes)
  return {
    baseOffset: readInt64(buf, offset + OFFSET.baseOffset),
    batchLength: buf.readInt32BE(offset + OFFSET.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(offset + OFFSET.partitionLeaderEpoch),
    magic: buf.readInt8(offset + OFFSET.magic),
    crc: buf.readUInt32BE(offset + OFFSET.crc),
    attributes,
    compression: attributes & ATTRIBUTE.compressionMask,
    timestampType: attributes & ATTRIBUTE.logAppendTime ? 1 : 0,
    isTransactional: (attributes & ATTRIBUTE.transactional) !== 0,
    isControl: (attributes & ATTRIBUTE.control) !== 0,
    lastOffsetDelta: buf.readInt32BE(offset + OFFSET.lastOffsetDelta),
    baseTimestamp: readInt64(buf, offset + OFFSET.baseTimestamp),
    maxTimestamp: readInt64(buf, offset + OFFSET.maxTimestamp),
    producerId: readInt64(buf, offset + OFFSET.producerId),
    producerEpoch: buf.readInt16BE(offset + OFFSET.producerEpoch),
    baseSequence: buf.readInt32BE(offset + OFFSET.baseSequence),
    recordCount: buf.readInt32BE(offset + OFFSET.recordCount),
  }
}

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`

/**
 * What any reader of a batch checks (Kafka's DefaultRecordBatch.ensureValid, for a consumer's check.crcs): the size
 * against the length field, magic 2 and the CRC-32C. Control batches pass. Returns the header.
 */
export function checkBatch(buf: Buffer, offset: number, size: number): BatchHeader {
  if (size < BATCH_HEADER_SIZE) {
    throw corrupt(`Record batch of ${size} bytes is shorter than its ${BATCH_HEADER_SIZE}-byte header`)
  }
  if (offset < 0 || offset + size > buf.length) {
    throw corrupt(`Record batch of ${size} bytes at byte ${offset} runs past the ${buf.length} bytes received`)
  }
  const header = readBatchHeader(buf, offset)
  if (header.batchLength + 12 !== size) {
    throw corrupt(`Record batch length field says ${header.batchLength + 12} bytes but the batch has ${size}`)
  }
  if (header.magic !== 2) {
    throw corrupt(`Unsupported record batch magic ${header.magic}; kafkalite stores magic 2 (Kafka 0.11+) batches only`)
  }
  const crc = crc32c(buf, offset + OFFSET.attributes, offset + size)
  if (crc !== header.crc) {
    throw corrupt(`Record batch is corrupt: CRC-32C ${hex32(crc)} does not match the stored ${hex32(header.crc)}`)
  }
  return header
}

/**
 * What a broker checks on append from the header alone (Kafka's LogValidator): everything `checkBatch` checks, then
 * consistent counts, and that a client did not send a control batch. Returns the header.
 */
export function validateBatch(buf: Buffer, offset: number, size: number): BatchHeader {
  const header = checkBatch(buf, offset, size)
  if (header.recordCount < 1) {
    throw new KafkaException(
      'INVALID_RECORD',
      `Record batch holds ${header.recordCount} records; at least 1 is required`,
    )
  }
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    throw new KafkaException(
      'INVALID_RECORD',
      `Record batch lastOffsetDelta ${header.lastOffsetDelta} does not match its ${header.recordCount} records`,
    )
  }
  if (header.isControl) {
    throw new KafkaException('INVALID_RECORD', 'Clients may not write control batches (transaction markers)')
  }
  return header
}

/** Sets the base offset (bytes 0-7, outside the CRC). */
export function setBaseOffset(buf: Buffer, offset: number, baseOffset: number): void {
  writeInt64(buf, offset + OFFSET.baseOffset, baseOffset)
}

/** Sets the partition leader epoch (bytes 12-15, outside the CRC). */
export function setPartitionLeaderEpoch(buf: Buffer, offset: number, epoch: number): void {
  buf.writeInt32BE(epoch, offset + OFFSET.partitionLeaderEpoch)
}

/** What a broker does to a batch appended to a LogAppendTime topic: type bit, maxTimestamp, new CRC. */
export function setLogAppendTime(buf: Buffer, offset: number, timestamp: number): void {
  const attributes = buf.readInt16BE(offset + OFFSET.attributes) | ATTRIBUTE.logAppendTime
  buf.writeInt16BE(attributes, offset + OFFSET.attributes)
  writeInt64(buf, offset + OFFSET.maxTimestamp, timestamp)
  const end = offset + buf.readInt32BE(offset + OFFSET.batchLength) + 12
  buf.writeUInt32BE(crc32c(buf, offset + OFFSET.attributes, end), offset + OFFSET.crc)
}

/**
 * The batches in a buffer of concatenated batches, found by their length fields; stops at a truncated last batch (a
 * size limit can cut one). A length field too small for a header cannot come from truncation: it throws, since
 * skipping it would lose the batches after it.
 */
export function* splitBatches(buf: Buffer): Generator<{offset: number; size: number}> {
  let offset = 0
  while (buf.length - offset >= 12) {
    const size = buf.readInt32BE(offset + OFFSET.batchLength) + 12
    if (size < BATCH_HEADER_SIZE) {
      throw corrupt(
        `Record batch at byte ${offset} declares ${size} bytes, less than its ${BATCH_HEADER_SIZE}-byte header`,
      )
    }
    if (offset + size > buf.length) return
    yield {offset, size}
    offset += size
  }
}

const sizeOfBytes = (b: Uint8Array | null) => (b === null ? 1 : sizeOfVarint(b.length) + b.length)

function sizeOfHeaders(headers: readonly RecordHeader[] | null | undefined): number {
  if (!headers || headers.length === 0) return 1
  let size = sizeOfVarint(headers.length)
  for (const h of headers) {
    const keyLength = Buffer.byteLength(h.key)
    size += sizeOfVarint(keyLength) + keyLength + sizeOfBytes(h.value)
  }
  return size
}

function sizeOfBody(
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null | undefined,
): number {
  return (
    1 +
    sizeOfVarlong(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    sizeOfBytes(key) +
    sizeOfBytes(value) +
    sizeOfHeaders(headers)
  )
}

/** The encoded size of one record, its length prefix included. */
export function sizeOfRecord(
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers?: readonly RecordHeader[] | null,
): number {
  const body = sizeOfBody(timestampDelta, offsetDelta, key, value, headers)
  return sizeOfVarint(body) + body
}

export interface BatchBuilderOptions {
  /** batch.size: a record that would take the batch past this is refused, except the first one. */
  maxBytes: number
  compression?: Codec
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  transactional?: boolean
  /** A control batch (a transaction marker): written by the broker only. */
  control?: boolean
}

/**
 * Builds one batch, as Kafka's MemoryRecordsBuilder: records are encoded into one buffer as they are appended (no
 * object kept per record), then `build()` writes the header and the CRC.
 */
export class BatchBuilder {
  readonly #options: BatchBuilderOptions
  #buf: Buffer
  #pos = BATCH_HEADER_SIZE
  #count = 0
  #firstTimestamp = 0
  #maxTimestamp = -1
  #built: Buffer | null = null

  constructor(options: BatchBuilderOptions) {
    this.#options = {...options}
    this.#buf = Buffer.allocUnsafe(Math.max(BATCH_HEADER_SIZE + 64, Math.min(options.maxBytes, 1 << 20)))
  }

  get recordCount(): number {
    return this.#count
  }

  /** Bytes the batch takes so far, uncompressed, header included. */
  get sizeInBytes(): number {
    return this.#pos
  }

  get firstTimestamp(): number {
    return this.#firstTimestamp
  }

  /** Appends one record and returns its offsetDelta, or -1 (writing nothing) when the batch is full. */
  append(
    timestamp: number,
    key: Buffer | null,
    value: Buffer | null,
    headers?: readonly RecordHeader[] | null,
  ): number {
    if (this.#built !== null) {
      throw new KafkaException('ILLEGAL_STATE', 'Tried to append a record, but the record batch is already built')
    }
    if (this.#count === 0) this.#firstTimestamp = timestamp
    const timestampDelta = timestamp - this.#firstTimestamp
    const offsetDelta = this.#count
    const body = sizeOfBody(timestampDelta, offsetDelta, key, value, headers)
    const total = sizeOfVarint(body) + body
    if (this.#count > 0 && this.#pos + total > this.#options.maxBytes) return -1
    if (this.#pos + total > this.#buf.length) this.#grow(this.#pos + total)
    const buf = this.#buf
    let p = writeVarint(buf, this.#pos, body)
    buf[p++] = 0 // record attributes: unused
    p = writeVarlong(buf, p, timestampDelta)
    p = writeVarint(buf, p, offsetDelta)
    p = writeBytes(buf, p, key)
    p = writeBytes(buf, p, value)
    if (!headers || headers.length === 0) {
      buf[p++] = 0
    } else {
      p = writeVarint(buf, p, headers.length)
      for (const h of headers) {
        const keyLength = Buffer.byteLength(h.key)
        p = writeVarint(buf, p, keyLength)
        p += buf.write(h.key, p, 'utf8')
        p = writeBytes(buf, p, h.value)
      }
    }
    this.#pos = p
    this.#count++
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp
    return offsetDelta
  }

  /**
   * Sets the producer id, epoch, base sequence and transactional flag, which a producer knows only when the batch is
   * sent (Kafka's MemoryRecordsBuilder.setProducerState). Before build().
   */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number, transactional: boolean): void {
    if (this.#built !== null) {
      throw new KafkaException('ILLEGAL_STATE', 'Tried to set the producer state, but the record batch is built')
    }
    Object.assign(this.#options, {producerId, producerEpoch, baseSequence, transactional})
  }

  #grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2))
    this.#buf.copy(next, 0, 0, this.#pos)
    this.#buf = next
  }

  /**
   * Closes the batch: the exact batch bytes, with base offset 0, header and CRC written. Later calls return the same
   * bytes; append refuses records from then on.
   */
  build(): Buffer {
    if (this.#built !== null) return this.#built
    if (this.#count === 0) throw new KafkaException('ILLEGAL_STATE', 'Cannot build an empty record batch')
    const o = this.#options
    let out: Buffer
    const compression: number = COMPRESSION[o.compression ?? 'none']
    if (compression !== COMPRESSION.none) {
      const compressed = CODEC_FUNCTIONS[compression]!.compress(this.#buf.subarray(BATCH_HEADER_SIZE, this.#pos))
      out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length)
      compressed.copy(out, BATCH_HEADER_SIZE)
    } else if (this.#pos * 4 < this.#buf.length) {
      // A batch closed early (linger.ms, flush) would otherwise pin a batch.size buffer while it waits for its ack.
      out = Buffer.from(this.#buf.subarray(0, this.#pos))
    } else {
      out = this.#buf.subarray(0, this.#pos)
    }
    writeInt64(out, OFFSET.baseOffset, 0)
    out.writeInt32BE(out.length - 12, OFFSET.batchLength)
    out.writeInt32BE(NO_PARTITION_LEADER_EPOCH, OFFSET.partitionLeaderEpoch)
    out.writeInt8(2, OFFSET.magic)
    const attributes =
      compression | (o.transactional ? ATTRIBUTE.transactional : 0) | (o.control ? ATTRIBUTE.control : 0)
    out.writeInt16BE(attributes, OFFSET.attributes)
    out.writeInt32BE(this.#count - 1, OFFSET.lastOffsetDelta)
    writeInt64(out, OFFSET.baseTimestamp, this.#firstTimestamp)
    writeInt64(out, OFFSET.maxTimestamp, this.#maxTimestamp)
    writeInt64(out, OFFSET.producerId, o.producerId ?? NO_PRODUCER_ID)
    out.writeInt16BE(o.producerEpoch ?? NO_PRODUCER_EPOCH, OFFSET.producerEpoch)
    out.writeInt32BE(o.baseSequence ?? NO_SEQUENCE, OFFSET.baseSequence)
    out.writeInt32BE(this.#count, OFFSET.recordCount)
    out.writeUInt32BE(crc32c(out, OFFSET.attributes, out.length), OFFSET.crc)
    this.#built = out
    return out
  }
}

/** Kafka's control record types (ControlRecordType): the key of a transaction marker's one record. */
export const CONTROL_TYPE = {abort: 0, commit: 1} as const

/**
 * A transaction marker (Kafka's EndTransactionMarker): a transactional control batch of one record whose key is
 * (version 0, type) and whose value is (version 0, coordinator epoch).
 */
export function buildControlBatch(marker: {
  producerId: number
  producerEpoch: number
  committed: boolean
  coordinatorEpoch: number
  timestamp: number
}): Buffer {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(marker.committed ? CONTROL_TYPE.commit : CONTROL_TYPE.abort, 2)
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(marker.coordinatorEpoch, 2)
  const builder = new BatchBuilder({
    maxBytes: 1024,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: NO_SEQUENCE,
    transactional: true,
    control: true,
  })
  builder.append(marker.timestamp, key, value)
  return Buffer.from(builder.build())
}

/** The type of the transaction marker in a control batch: 'commit', 'abort', or null for another control record. */
export function controlTypeOf(
  buf: Buffer,
  offset: number,
  size: number,
  header: BatchHeader,
): 'commit' | 'abort' | null {
  let type: number | null = null
  forEachRecord(buf, offset, size, header, (r) => {
    if (r.keyLength >= 4) type = r.data.readInt16BE(r.keyStart + 2)
    return false
  })
  return type === CONTROL_TYPE.commit ? 'commit' : type === CONTROL_TYPE.abort ? 'abort' : null
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) {
    buf[pos] = 1 // zig-zag of -1
    return pos + 1
  }
  pos = writeVarint(buf, pos, b.length)
  buf.set(b, pos) // TypedArray#set: a builtin, cheaper than Buffer#copy's argument checks for small values
  return pos + b.length
}

/** A reusable view of one record inside a (decompressed) batch: positions, no Buffer per record. */
export class RecordCursor {
  /** Where the record's bytes (its length varint first) begin and end in `data`. */
  start = 0
  end = 0
  offset = 0
  timestamp = 0
  /** The buffer the positions point into: the fetched bytes, or the decompressed records. */
  data: Buffer = EMPTY_BUFFER
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  valueStart = 0
  /** -1 for a null value. */
  valueLength = -1
  headers: RecordHeader[] = NO_HEADERS
}

const EMPTY_BUFFER = Buffer.alloc(0)
// Shared by every record without headers; frozen so that a caller pushing to it fails instead of leaking headers.
const NO_HEADERS = Object.freeze([]) as unknown as RecordHeader[]

/** The records of a batch: the batch's own bytes, or its data decompressed (to at most `max` bytes). */
function recordsOf(
  buf: Buffer,
  offset: number,
  size: number,
  header: BatchHeader,
  max: number,
): {data: Buffer; pos: number; end: number} {
  if (size < BATCH_HEADER_SIZE || offset < 0 || offset + size > buf.length) {
    throw corrupt(`Record batch of ${size} bytes at byte ${offset} does not fit in the ${buf.length} bytes received`)
  }
  const pos = offset + BATCH_HEADER_SIZE
  const end = offset + size
  if (header.compression === COMPRESSION.none) return {data: buf, pos, end}
  const codec = CODEC_FUNCTIONS[header.compression]
  const name = CODEC_NAMES[header.compression] ?? String(header.compression)
  if (codec === undefined) {
    throw corrupt(
      `Unknown compression type id ${header.compression} in the record batch attributes: Kafka's are 0 to 4 (${CODECS.join(', ')})`,
    )
  }
  let data: Buffer
  try {
    data = codec.decompress(buf.subarray(pos, end), max)
  } catch (error) {
    throw corrupt(`Record batch ${name} data is corrupt: ${(error as Error).message}`)
  }
  return {data, pos: 0, end: data.length}
}

/** What the log cleaner reads of a record: where it is, its offset and timestamp, its key, whether its value is null. */
export class KeyCursor {
  data: Buffer = EMPTY_BUFFER
  start = 0
  end = 0
  offset = 0
  timestamp = 0
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  /** -1 for a null value (a tombstone), else 0 (the value is not read). */
  valueLength = 0
}

/**
 * Calls `fn` for each record of a stored batch with its key, offset, timestamp and whether its value is null, and
 * nothing more: the log cleaner's walk, which skips what forEachRecord reads of values and headers. The batch was
 * validated when it was appended; a record running past the batch still throws CORRUPT_MESSAGE.
 */
export function forEachKey(
  buf: Buffer,
  offset: number,
  size: number,
  header: BatchHeader,
  fn: (record: KeyCursor) => boolean | void,
  timestamps = true,
): void {
  const {data, pos: first, end} = recordsOf(buf, offset, size, header, Number.MAX_SAFE_INTEGER)
  const r = new KeyCursor()
  r.data = data
  const c: Cursor = {pos: 0}
  const logAppendTime = header.timestampType === TIMESTAMP_TYPE.LogAppendTime
  const baseOffset = header.baseOffset
  const baseTimestamp = header.baseTimestamp
  let pos = first
  for (let i = 0; i < header.recordCount; i++) {
    // Most fields fit in one byte: read those inline, the rest with readVarint.
    let at = pos
    let length = data[at]!
    if (length < 0x80) {
      length = (length >>> 1) ^ -(length & 1)
      at++
    } else {
      c.pos = at
      length = readVarint(data, c)
      at = c.pos
    }
    const recordEnd = at + length
    if (length < 0 || recordEnd > end) throw corrupt(`Record ${i} of the batch (${length} bytes) runs past its end`)
    at++ // attributes
    if (timestamps) {
      c.pos = at
      r.timestamp = logAppendTime ? header.maxTimestamp : baseTimestamp + readVarlong(data, c)
      at = c.pos
    } else {
      while (data[at++]! >= 0x80);
    }
    let offsetDelta = data[at]!
    if (offsetDelta < 0x80) {
      offsetDelta = (offsetDelta >>> 1) ^ -(offsetDelta & 1)
      at++
    } else {
      c.pos = at
      offsetDelta = readVarint(data, c)
      at = c.pos
    }
    let keyLength = data[at]!
    if (keyLength < 0x80) {
      keyLength = (keyLength >>> 1) ^ -(keyLength & 1)
      at++
    } else {
      c.pos = at
      keyLength = readVarint(data, c)
      at = c.pos
    }
    if (keyLength < -1 || at + keyLength >= recordEnd) throw corrupt(`Record ${i} has an invalid key length`)
    r.start = pos
    r.end = recordEnd
    r.keyStart = at
    r.keyLength = keyLength
    // The value's length follows the key: zig-zag -1 (a null value) is the single byte 1.
    r.valueLength = data[at + (keyLength > 0 ? keyLength : 0)] === 1 ? -1 : 0
    r.offset = baseOffset + offsetDelta
    if (fn(r) === false) return
    pos = recordEnd
  }
}

/**
 * Calls `fn` for each record of the batch at buf[offset..offset+size), decompressing it if needed (to at most
 * `maxDecompressedBytes`); `fn` returning false stops the walk. The cursor is reused and header values are views into
 * the batch: copy what must outlive the call. Malformed records throw CORRUPT_MESSAGE before `fn` sees them.
 */
export function forEachRecord(
  buf: Buffer,
  offset: number,
  size: number,
  header: BatchHeader,
  fn: (record: RecordCursor) => boolean | void,
  maxDecompressedBytes = Number.MAX_SAFE_INTEGER,
): void {
  const records = recordsOf(buf, offset, size, header, maxDecompressedBytes)
  const data = records.data
  const end = records.end
  let pos = records.pos
  const cursor = new RecordCursor()
  cursor.data = data
  const c: Cursor = {pos: 0}
  const count = header.recordCount
  const logAppendTime = header.timestampType === TIMESTAMP_TYPE.LogAppendTime
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw corrupt(`Record batch declares ${count} records but its data ends after ${i}`)
    c.pos = pos
    const length = readVarint(data, c)
    const recordEnd = c.pos + length
    if (length < 0 || recordEnd > end) throw corrupt(`Record ${i} of the batch (${length} bytes) runs past its end`)
    c.pos++ // attributes: unused since magic 2
    const timestampDelta = readVarlong(data, c)
    const offsetDelta = readVarint(data, c)
    const keyLength = readVarint(data, c)
    if (keyLength < -1 || c.pos + keyLength > recordEnd) {
      throw corrupt(`Record ${i} has an invalid key length ${keyLength}`)
    }
    cursor.keyStart = c.pos
    cursor.keyLength = keyLength
    if (keyLength > 0) c.pos += keyLength
    const valueLength = readVarint(data, c)
    if (valueLength < -1 || c.pos + valueLength > recordEnd) {
      throw corrupt(`Record ${i} has an invalid value length ${valueLength}`)
    }
    cursor.valueStart = c.pos
    cursor.valueLength = valueLength
    if (valueLength > 0) c.pos += valueLength
    const headerCount = readVarint(data, c)
    if (headerCount === 0) {
      cursor.headers = NO_HEADERS
    } else {
      // Each header takes at least 2 bytes, so a count above the record's length is corrupt, not a huge loop.
      if (headerCount < 0 || headerCount > length) {
        throw corrupt(`Record ${i} has an invalid header count ${headerCount}`)
      }
      const headers: RecordHeader[] = []
      for (let h = 0; h < headerCount; h++) {
        const keyLen = readVarint(data, c)
        if (keyLen < 0 || c.pos + keyLen > recordEnd) throw corrupt(`Record ${i} has a malformed header key`)
        const key = data.toString('utf8', c.pos, c.pos + keyLen)
        c.pos += keyLen
        const valueLen = readVarint(data, c)
        if (valueLen < -1 || c.pos + valueLen > recordEnd) throw corrupt(`Record ${i} has a malformed header value`)
        const value = valueLen < 0 ? null : data.subarray(c.pos, c.pos + valueLen)
        if (valueLen > 0) c.pos += valueLen
        headers.push({key, value})
      }
      cursor.headers = headers
    }
    if (c.pos !== recordEnd) {
      throw corrupt(
        `Record ${i} of the batch declares ${length} bytes but its fields take ${c.pos - recordEnd + length}`,
      )
    }
    cursor.start = pos
    cursor.end = recordEnd
    cursor.offset = header.baseOffset + offsetDelta
    cursor.timestamp = logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta
    if (fn(cursor) === false) return
    pos = recordEnd
  }
  if (pos !== end) throw corrupt(`Record batch declares ${count} records but ${end - pos} bytes remain after them`)
}

/** What a broker requires of the records of a batch it accepts, beyond their layout (Kafka's LogValidator). */
export interface RecordRules {
  /** A compacted topic: every record needs a key. */
  requireKeys: boolean
  /** CreateTime timestamps must lie within [now - before, now + after] (message.timestamp.before/after.max.ms). */
  now: number
  timestampBeforeMaxMs: number
  timestampAfterMaxMs: number
  /** A compressed batch may not expand past this. */
  maxDecompressedBytes: number
}

/**
 * Validates every record of a batch as Kafka's LogValidator does before it appends: each record's layout (varints,
 * lengths, header counts, the record count; CORRUPT_MESSAGE), offset deltas 0, 1, 2, ... (INVALID_RECORD), keys on
 * a compacted topic (INVALID_RECORD), and CreateTime timestamps within the topic's bounds (INVALID_TIMESTAMP).
 */
export function validateRecords(
  buf: Buffer,
  offset: number,
  size: number,
  header: BatchHeader,
  rules: RecordRules,
): void {
  let index = 0
  const checkTimes =
    header.timestampType === TIMESTAMP_TYPE.CreateTime &&
    (rules.timestampBeforeMaxMs < Number.MAX_SAFE_INTEGER || rules.timestampAfterMaxMs < Number.MAX_SAFE_INTEGER)
  const earliest = rules.now - rules.timestampBeforeMaxMs
  const latest = rules.now + rules.timestampAfterMaxMs
  // Walked with base offset 0, so that a record's offset is its offset delta exactly: the producer's base offset is
  // any int64 (the broker replaces it), and above 2^53 baseOffset + delta - baseOffset is not the delta as a double.
  forEachRecord(
    buf,
    offset,
    size,
    {...header, baseOffset: 0},
    (r) => {
      if (r.offset !== index) {
        throw new KafkaException(
          'INVALID_RECORD',
          `Record ${index} of the batch has offset delta ${r.offset}, expected ${index}: a batch's records must have incremental offsets`,
        )
      }
      if (rules.requireKeys && r.keyLength < 0) {
        throw new KafkaException(
          'INVALID_RECORD',
          `Compacted topic cannot accept message without key (record ${index} of the batch has a null key). Give every record a key, or set cleanup.policy=delete.`,
        )
      }
      // -1: no timestamp (RecordBatch.NO_TIMESTAMP), which Kafka does not bound.
      if (checkTimes && r.timestamp !== -1 && (r.timestamp < earliest || r.timestamp > latest)) {
        throw new KafkaException(
          'INVALID_TIMESTAMP',
          `Timestamp ${r.timestamp} of record ${index} is out of range: the topic accepts timestamps from ${earliest} to ${latest} (message.timestamp.before.max.ms, message.timestamp.after.max.ms).`,
        )
      }
      index++
    },
    rules.maxDecompressedBytes,
  )
}

export interface DecodedRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/**
 * The batch rebuilt with another codec, as a broker rebuilds it for a topic whose compression.type names one: the
 * same records (timestamps, offset deltas, keys, values, headers), producer id, epoch, first sequence and
 * transactional flag; base offset 0, a new CRC.
 */
export function recompress(buf: Buffer, offset: number, size: number, header: BatchHeader, codec: Codec): Buffer {
  const builder = new BatchBuilder({maxBytes: Number.MAX_SAFE_INTEGER, compression: codec})
  forEachRecord(buf, offset, size, header, (r) => {
    const key = r.keyLength < 0 ? null : r.data.subarray(r.keyStart, r.keyStart + r.keyLength)
    const value = r.valueLength < 0 ? null : r.data.subarray(r.valueStart, r.valueStart + r.valueLength)
    builder.append(r.timestamp, key, value, r.headers) // copies what it is given
  })
  if (header.producerId >= 0) {
    builder.setProducerState(header.producerId, header.producerEpoch, header.baseSequence, header.isTransactional)
  }
  return builder.build()
}

/** A batch rebuilt from some of its records (filterBatch). */
export interface FilteredBatch {
  bytes: Buffer
  recordCount: number
  maxTimestamp: number
}

/**
 * The batch at buf[offset..offset+size) with only the records `keep` accepts, as Kafka's log cleaner rewrites a batch
 * (MemoryRecords.filterTo): the kept records' bytes unchanged (their offset and timestamp deltas still count from the
 * same base offset and base timestamp), the same attributes, producer id, epoch, base sequence and last offset delta
 * (so the producer's sequence survives), recompressed with the batch's codec; the record count, max timestamp,
 * length and CRC-32C recomputed. Returns null when no record is kept, and the batch's own bytes when all are.
 */
export function filterBatch(
  buf: Buffer,
  offset: number,
  size: number,
  header: BatchHeader,
  keep: (record: KeyCursor) => boolean,
): FilteredBatch | null {
  const kept: [number, number][] = []
  let data: Buffer = buf
  let maxTimestamp = -1
  let all = true
  forEachKey(buf, offset, size, header, (r) => {
    if (!keep(r)) {
      all = false
      return
    }
    data = r.data
    kept.push([r.start, r.end])
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp
  })
  if (kept.length === 0) return null
  if (all)
    return {
      bytes: buf.subarray(offset, offset + size),
      recordCount: header.recordCount,
      maxTimestamp: header.maxTimestamp,
    }
  let length = 0
  for (const [start, end] of kept) length += end - start
  let body: Buffer = Buffer.allocUnsafe(length)
  let at = 0
  for (const [start, end] of kept) {
    body.set(data.subarray(start, end), at)
    at += end - start
  }
  if (header.compression !== COMPRESSION.none) body = CODEC_FUNCTIONS[header.compression]!.compress(body)
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length)
  buf.copy(out, 0, offset, offset + BATCH_HEADER_SIZE)
  out.set(body, BATCH_HEADER_SIZE)
  out.writeInt32BE(out.length - 12, OFFSET.batchLength)
  if (header.timestampType === TIMESTAMP_TYPE.CreateTime) writeInt64(out, OFFSET.maxTimestamp, maxTimestamp)
  else maxTimestamp = header.maxTimestamp
  out.writeInt32BE(kept.length, OFFSET.recordCount)
  out.writeUInt32BE(crc32c(out, OFFSET.attributes, out.length), OFFSET.crc)
  return {bytes: out, recordCount: kept.length, maxTimestamp}
}

/** Every record of one batch, as objects (copies of the bytes). */
export function decodeRecords(buf: Buffer, offset = 0, size?: number): DecodedRecord[] {
  const header = readBatchHeader(buf, offset)
  const out: DecodedRecord[] = []
  forEachRecord(buf, offset, size ?? header.batchLength + 12, header, (r) => {
    out.push({
      offset: r.offset,
      timestamp: r.timestamp,
      key: r.keyLength < 0 ? null : Buffer.from(r.data.subarray(r.keyStart, r.keyStart + r.keyLength)),
      value: r.valueLength < 0 ? null : Buffer.from(r.data.subarray(r.valueStart, r.valueStart + r.valueLength)),
      headers: r.headers.map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})),
    })
  })
  return out
}
