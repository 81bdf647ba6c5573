// Record batches for the fuzzer: a valid RecordBatch v2 built by the producer's own BatchBuilder, then mutated inside
// or outside a CRC that is recomputed afterwards, so that the daemon's record validator (not the CRC check) has to
// catch the damage. Each mutation says whether the daemon must refuse the batch or may do either; the harness holds
// the daemon to the first and checks that whatever it stores under the second is readable.
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {lz4Compress} from '../../../src/protocol/kafka/compression/lz4.js'
import {snappyCompress} from '../../../src/protocol/kafka/compression/snappy.js'
import {zstdCompress} from '../../../src/protocol/kafka/compression/zstd.js'
import {crc32c} from '../../../src/protocol/kafka/crc32c.js'
import {
  ATTRIBUTE,
  BATCH_HEADER_SIZE,
  BatchBuilder,
  COMPRESSION,
  OFFSET,
  type Codec,
  type RecordHeader,
} from '../../../src/protocol/kafka/record-batch.js'
import {readVarint, readVarlong, sizeOfVarint, writeVarint, type Cursor} from '../../../src/protocol/kafka/varint.js'
import type {Rng} from './prng.js'

/** Producer ids the fuzzer writes with: ones the daemon handed out at setup, so some of their batches are accepted. */
export interface FuzzProducers {
  idempotent: {producerId: number; producerEpoch: number}
  transactional: {transactionalId: string; producerId: number; producerEpoch: number}
}

/** A batch as the fuzzer sends it, and what the daemon must do with it. */
export interface FuzzBatch {
  bytes: Buffer
  /** The daemon must refuse it: the mutation makes it invalid whatever else is true. */
  mustRefuse: boolean
  /** The mutations applied, for the report (e.g. 'gzip key-length-past-end+base-offset'). */
  mutation: string
}

/** Compressed batches bigger, decompressed, than any default topic may take (32 x max.message.bytes = 32 MiB). */
export interface Bombs {
  gzip: Buffer
  lz4: Buffer
  zstd: Buffer
}

let bombs: Bombs | undefined

/** 40 MiB of zeros, compressed once per process (gzip ~40 KB, lz4 ~160 KB: both under max.message.bytes). */
export function compressionBombs(): Bombs {
  if (bombs) return bombs
  const zeros = Buffer.alloc(40 << 20)
  bombs = {gzip: gzipSync(zeros, {level: 9}), lz4: lz4Compress(zeros), zstd: zstdCompress(zeros)}
  return bombs
}

const COMPRESS: Record<Exclude<Codec, 'none'>, (data: Buffer) => Buffer> = {
  gzip: (d) => gzipSync(d),
  snappy: snappyCompress,
  lz4: lz4Compress,
  zstd: (d) => zstdCompress(d),
}

/**
 * The identity of a batch's bytes as the daemon stores them: everything but what the broker sets on append (base
 * offset, partition leader epoch) or rewrites on a LogAppendTime topic (timestamp type bit, max timestamp, CRC).
 */
export function batchKey(buf: Buffer, offset = 0, size = buf.length - offset): string {
  const copy = Buffer.from(buf.subarray(offset, offset + size))
  copy.fill(0, 0, OFFSET.batchLength)
  copy.fill(0, OFFSET.partitionLeaderEpoch, OFFSET.magic)
  copy.fill(0, OFFSET.crc, OFFSET.attributes)
  copy.writeInt16BE(copy.readInt16BE(OFFSET.attributes) & ~ATTRIBUTE.logAppendTime, OFFSET.attributes)
  copy.fill(0, OFFSET.maxTimestamp, OFFSET.producerId)
  return createHash('sha1').update(copy).digest('hex')
}

/** Writes the CRC-32C of the batch (bytes 21..end). */
export function recrc(buf: Buffer): Buffer {
  buf.writeUInt32BE(crc32c(buf, OFFSET.attributes, buf.length), OFFSET.crc)
  return buf
}

/** Where the fields of one record are, inside the records region (positions relative to its start). */
interface RecordLayout {
  start: number
  lengthWidth: number
  length: number
  end: number
  timestampDeltaAt: number
  offsetDeltaAt: number
  offsetDelta: number
  keyLengthAt: number
  keyLengthWidth: number
  valueLengthAt: number
  valueLengthWidth: number
  headerCountAt: number
  headerCountWidth: number
  headerCount: number
  /** Position of each header's key length varint. */
  headerKeyAts: number[]
}

function layout(records: Buffer, count: number): RecordLayout[] {
  const out: RecordLayout[] = []
  const c: Cursor = {pos: 0}
  for (let i = 0; i < count; i++) {
    const start = c.pos
    const length = readVarint(records, c)
    const lengthWidth = c.pos - start
    const end = c.pos + length
    c.pos++ // attributes
    const timestampDeltaAt = c.pos
    readVarlong(records, c)
    const offsetDeltaAt = c.pos
    const offsetDelta = readVarint(records, c)
    const keyLengthAt = c.pos
    const keyLength = readVarint(records, c)
    const keyLengthWidth = c.pos - keyLengthAt
    if (keyLength > 0) c.pos += keyLength
    const valueLengthAt = c.pos
    const valueLength = readVarint(records, c)
    const valueLengthWidth = c.pos - valueLengthAt
    if (valueLength > 0) c.pos += valueLength
    const headerCountAt = c.pos
    const headerCount = readVarint(records, c)
    const headerCountWidth = c.pos - headerCountAt
    const headerKeyAts: number[] = []
    for (let h = 0; h < headerCount; h++) {
      headerKeyAts.push(c.pos)
      const keyLength = readVarint(records, c) // not `c.pos += readVarint(...)`: that adds to c.pos as it was
      c.pos += keyLength
      const valueLength = readVarint(records, c)
      if (valueLength > 0) c.pos += valueLength
    }
    out.push({
      start,
      lengthWidth,
      length,
      end,
      timestampDeltaAt,
      offsetDeltaAt,
      offsetDelta,
      keyLengthAt,
      keyLengthWidth,
      valueLengthAt,
      valueLengthWidth,
      headerCountAt,
      headerCountWidth,
      headerCount,
      headerKeyAts,
    })
    c.pos = end
  }
  return out
}

/** Replaces `width` bytes at `at` with the zig-zag varint of `value` (which may take another width). */
function spliceVarint(buf: Buffer, at: number, width: number, value: number): Buffer {
  const encoded = Buffer.alloc(5)
  const n = writeVarint(encoded, 0, value)
  return Buffer.concat([buf.subarray(0, at), encoded.subarray(0, n), buf.subarray(at + width)])
}

/** Flips one to three random bits. */
function flipBits(rng: Rng, buf: Buffer): void {
  for (let n = rng.int(1, 3); n > 0; n--) {
    const at = rng.int(0, buf.length - 1)
    buf[at] = buf[at]! ^ (1 << rng.int(0, 7))
  }
}

function randomRecords(rng: Rng, builder: BatchBuilder): void {
  const count = 1 + (rng.chance(0.9) ? rng.int(0, 4) : rng.int(0, 49))
  const now = Date.now()
  const base = rng.chance(0.95) ? now - rng.int(0, 60_000) : rng.pick([0, -1, 1, 2 ** 40, now + 86_400_000])
  for (let i = 0; i < count; i++) {
    const key = rng.chance(0.3) ? null : rng.bytes(rng.size(16, 200))
    const value = rng.chance(0.1) ? null : rng.bytes(rng.chance(0.02) ? rng.int(1000, 20_000) : rng.size(64, 600))
    const headers: RecordHeader[] = []
    if (rng.chance(0.3)) {
      for (let h = rng.int(1, 3); h > 0; h--) {
        headers.push({key: rng.text(rng.int(0, 12)), value: rng.chance(0.2) ? null : rng.bytes(rng.size(8, 64))})
      }
    }
    builder.append(base + rng.int(0, 1000), key, value, headers)
  }
}

/** The mutations of a batch's records (before compression), and whether each makes the batch invalid for certain. */
const RECORD_MUTATIONS = {
  none: 90,
  'bad-varint': 4,
  'count-mismatch': 4,
  'offset-delta': 5,
  'key-length-past-end': 4,
  'key-length-negative': 2,
  'value-length-past-end': 4,
  'header-count': 3,
  'header-key-past-end': 2,
  'record-length': 4,
  'records-truncated': 3,
  'records-trailing-bytes': 2,
  'records-byte-flip': 4,
  'record-attributes': 1,
} as const
type RecordMutation = keyof typeof RECORD_MUTATIONS

/** Mutations of the batch header or of the whole batch, applied after compression. */
const BATCH_MUTATIONS = {
  none: 130,
  'bad-crc': 3,
  magic: 2,
  'batch-length': 2,
  'control-flag': 3,
  'transactional-without-producer': 3,
  'unknown-codec': 2,
  'wrong-codec': 2,
  'record-count-zero': 1,
  'last-offset-delta': 2,
  'timestamp-type': 1,
  'attribute-bits': 1,
  'producer-fields': 2,
} as const
type BatchMutation = keyof typeof BATCH_MUTATIONS

/** Mutations of a compressed batch's compressed bytes. */
const COMPRESSED_MUTATIONS = {
  none: 100,
  'compressed-truncated': 5,
  'compressed-byte-flip': 5,
  'compressed-random': 2,
  'compressed-trailing-bytes': 2,
  bomb: 0.4,
  'snappy-huge-preamble': 1,
  'large-valid': 0.3,
} as const
type CompressedMutation = keyof typeof COMPRESSED_MUTATIONS

/** Makes one batch: random records and producer state, maybe a mutation at each level. */
export function makeBatch(rng: Rng, producers: FuzzProducers): FuzzBatch {
  const codec: Codec = rng.pick(['none', 'none', 'none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)
  const builder = new BatchBuilder({maxBytes: Number.MAX_SAFE_INTEGER})
  const state = rng.weighted({none: 80, idempotent: 8, transactional: 6, random: 6})
  if (state === 'idempotent') {
    const {producerId, producerEpoch} = producers.idempotent
    builder.setProducerState(producerId, producerEpoch, rng.chance(0.5) ? 0 : rng.int(0, 100), false)
  } else if (state === 'transactional') {
    const {producerId, producerEpoch} = producers.transactional
    builder.setProducerState(producerId, producerEpoch, rng.chance(0.5) ? 0 : rng.int(0, 100), true)
  } else if (state === 'random') {
    builder.setProducerState(rng.int(0, 2 ** 31), rng.int(-1, 5), rng.int(-1, 1000), rng.chance(0.5))
  }
  randomRecords(rng, builder)
  const plain = Buffer.from(builder.build())
  const count = plain.readInt32BE(OFFSET.recordCount)
  let header = Buffer.from(plain.subarray(0, BATCH_HEADER_SIZE))
  let records: Buffer = Buffer.from(plain.subarray(BATCH_HEADER_SIZE))
  const applied: string[] = codec === 'none' ? [] : [codec]
  // Whether a mutation makes the batch invalid for certain: one of the records (as long as the daemon reads those
  // records: not once their compressed bytes are replaced or flipped without a checksum to notice), of the
  // compressed bytes, or of the header.
  let recordsInvalid = false
  let recordsRead = true
  let otherInvalid = false
  const mustRecords = (name: string) => {
    applied.push(name)
    recordsInvalid = true
  }
  const must = (name: string) => {
    applied.push(name)
    otherInvalid = true
  }

  // Inside the records: the validator's job, since the CRC is made valid again below.
  const recordMutation: RecordMutation = rng.weighted(RECORD_MUTATIONS)
  const recs = layout(records, count)
  const r = rng.pick(recs)
  switch (recordMutation) {
    case 'none':
      break
    case 'bad-varint': {
      // A varint with more continuation bytes than it may have (5 for a varint, 10 for a varlong).
      const field = rng.pick(['length', 'timestamp', 'offset', 'key', 'value', 'headers'] as const)
      const at = {
        length: r.start,
        timestamp: r.timestampDeltaAt,
        offset: r.offsetDeltaAt,
        key: r.keyLengthAt,
        value: r.valueLengthAt,
        headers: r.headerCountAt,
      }[field]
      records.fill(0xff, at, Math.min(records.length, at + (field === 'timestamp' ? 11 : 6)))
      mustRecords(`bad-varint(${field})`)
      break
    }
    case 'count-mismatch': {
      let delta = rng.int(-count + 1, 5)
      if (delta === 0) delta = 1
      header.writeInt32BE(count + delta, OFFSET.recordCount)
      header.writeInt32BE(count + delta - 1, OFFSET.lastOffsetDelta)
      mustRecords(recordMutation)
      break
    }
    case 'offset-delta': {
      // Same width (deltas under 64 take one byte), so only the delta is wrong.
      let delta = rng.int(0, 63)
      if (delta === r.offsetDelta) delta = (delta + 1) % 64
      writeVarint(records, r.offsetDeltaAt, delta)
      mustRecords(recordMutation)
      break
    }
    case 'key-length-past-end':
      records = spliceVarint(records, r.keyLengthAt, r.keyLengthWidth, r.end - r.keyLengthAt + rng.int(0, 1000))
      mustRecords(recordMutation)
      break
    case 'key-length-negative':
      records = spliceVarint(records, r.keyLengthAt, r.keyLengthWidth, -rng.int(2, 1000))
      mustRecords(recordMutation)
      break
    case 'value-length-past-end':
      records = spliceVarint(records, r.valueLengthAt, r.valueLengthWidth, r.end - r.valueLengthAt + rng.int(0, 1000))
      mustRecords(recordMutation)
      break
    case 'header-count': {
      const n = rng.pick([r.headerCount + rng.int(1, 4), -rng.int(1, 100), 2 ** 30])
      records = spliceVarint(records, r.headerCountAt, r.headerCountWidth, n)
      mustRecords(recordMutation)
      break
    }
    case 'header-key-past-end': {
      const at = r.headerKeyAts[0]
      if (at === undefined) break
      const width = sizeOfVarint(readVarint(records, {pos: at}))
      records = spliceVarint(records, at, width, r.end - at + rng.int(0, 1000))
      mustRecords(recordMutation)
      break
    }
    case 'record-length': {
      // Another length of the same width, so that the record's fields no longer end where it says.
      const max = [0, 63, 8191, 1048575, 134217727][r.lengthWidth]!
      const min = r.lengthWidth === 1 ? 0 : [0, 0, 64, 8192, 1048576][r.lengthWidth]!
      let n = rng.int(min, max)
      if (n === r.length) n = n === max ? n - 1 : n + 1
      writeVarint(records, r.start, n)
      mustRecords(recordMutation)
      break
    }
    case 'records-truncated':
      records = records.subarray(0, rng.int(0, records.length - 1))
      mustRecords(recordMutation)
      break
    case 'records-trailing-bytes':
      records = Buffer.concat([records, rng.bytes(rng.int(1, 40))])
      mustRecords(recordMutation)
      break
    case 'records-byte-flip':
      flipBits(rng, records)
      applied.push(recordMutation)
      break
    case 'record-attributes':
      records[r.start + r.lengthWidth] = rng.int(1, 255)
      applied.push(recordMutation)
      break
  }

  let body = records
  if (codec !== 'none') {
    body = COMPRESS[codec](records)
    header.writeInt16BE(header.readInt16BE(OFFSET.attributes) | COMPRESSION[codec], OFFSET.attributes)
    const compressedMutation: CompressedMutation = rng.weighted(COMPRESSED_MUTATIONS)
    switch (compressedMutation) {
      case 'none':
        break
      case 'compressed-truncated':
        body = body.subarray(0, rng.int(0, body.length - 1))
        must(compressedMutation)
        break
      case 'compressed-byte-flip':
        body = Buffer.from(body)
        flipBits(rng, body)
        applied.push(compressedMutation)
        // gzip's CRC-32 covers the (mutated) records; Kafka's snappy and lz4 framing carry no checksum.
        if (codec !== 'gzip') recordsRead = false
        break
      case 'compressed-random':
        body = rng.bytes(rng.int(0, body.length * 2))
        applied.push(compressedMutation)
        recordsRead = false
        break
      case 'compressed-trailing-bytes':
        body = Buffer.concat([body, rng.bytes(rng.int(1, 40))])
        applied.push(compressedMutation)
        break
      case 'bomb': {
        // More than 32 x max.message.bytes once decompressed: refused before it is all in memory.
        const which = rng.pick(['gzip', 'lz4', 'zstd'] as const)
        body = compressionBombs()[which]
        header.writeInt16BE(
          (header.readInt16BE(OFFSET.attributes) & ~ATTRIBUTE.compressionMask) | COMPRESSION[which],
          OFFSET.attributes,
        )
        must(`bomb(${which})`)
        break
      }
      case 'snappy-huge-preamble': {
        // A raw Snappy block that claims a length far past what its bytes can expand to.
        const claim = Buffer.alloc(5)
        const n = writeVarint(claim, 0, rng.int(1 << 20, 2 ** 30)) // zig-zag of a positive n is 2n: still huge
        body = Buffer.concat([claim.subarray(0, n), rng.bytes(rng.int(0, 64))])
        header.writeInt16BE(
          (header.readInt16BE(OFFSET.attributes) & ~ATTRIBUTE.compressionMask) | COMPRESSION.snappy,
          OFFSET.attributes,
        )
        must(compressedMutation)
        break
      }
      case 'large-valid': {
        // One valid record of 1-4 MiB of zeros: small compressed, and within the decompression bound.
        const large = new BatchBuilder({maxBytes: Number.MAX_SAFE_INTEGER})
        large.append(Date.now(), null, Buffer.alloc(rng.int(1, 4) << 20))
        const built = large.build()
        header = Buffer.from(built.subarray(0, BATCH_HEADER_SIZE))
        header.writeInt16BE(COMPRESSION[codec], OFFSET.attributes)
        body = COMPRESS[codec](Buffer.from(built.subarray(BATCH_HEADER_SIZE)))
        applied.splice(0, applied.length, codec, compressedMutation)
        recordsRead = false
        break
      }
    }
  }

  let batch = Buffer.concat([header, body])
  batch.writeInt32BE(batch.length - 12, OFFSET.batchLength)
  recrc(batch)

  // The header, outside or inside the CRC.
  const batchMutation: BatchMutation = rng.weighted(BATCH_MUTATIONS)
  const attributes = batch.readInt16BE(OFFSET.attributes)
  switch (batchMutation) {
    case 'none':
      break
    case 'bad-crc':
      batch.writeUInt32BE((batch.readUInt32BE(OFFSET.crc) ^ (1 << rng.int(0, 31))) >>> 0, OFFSET.crc)
      must(batchMutation)
      break
    case 'magic':
      batch.writeInt8(rng.pick([0, 1, 3, -1, 127]), OFFSET.magic)
      must(batchMutation)
      break
    case 'batch-length': {
      let delta = rng.int(-60, 60)
      if (delta === 0) delta = 1
      batch.writeInt32BE(batch.length - 12 + delta, OFFSET.batchLength)
      must(batchMutation)
      break
    }
    case 'control-flag':
      batch.writeInt16BE(attributes | ATTRIBUTE.control, OFFSET.attributes)
      must(batchMutation)
      break
    case 'transactional-without-producer':
      batch.writeBigInt64BE(-1n, OFFSET.producerId)
      batch.writeInt16BE(-1, OFFSET.producerEpoch)
      batch.writeInt32BE(-1, OFFSET.baseSequence)
      batch.writeInt16BE(attributes | ATTRIBUTE.transactional, OFFSET.attributes)
      must(batchMutation)
      break
    case 'unknown-codec':
      batch.writeInt16BE((attributes & ~ATTRIBUTE.compressionMask) | rng.int(5, 7), OFFSET.attributes)
      must(batchMutation)
      break
    case 'wrong-codec': {
      // gzip, lz4 and zstd check their magic numbers, so any other data is refused; snappy would try to read it.
      const current = attributes & ATTRIBUTE.compressionMask
      const target = rng.pick([
        COMPRESSION.gzip,
        COMPRESSION.lz4,
        COMPRESSION.zstd,
        COMPRESSION.snappy,
        COMPRESSION.none,
      ])
      if (target === current) break
      batch.writeInt16BE((attributes & ~ATTRIBUTE.compressionMask) | target, OFFSET.attributes)
      if (target === COMPRESSION.gzip || target === COMPRESSION.lz4 || target === COMPRESSION.zstd) {
        must(`wrong-codec(${target})`)
      } else {
        applied.push(`wrong-codec(${target})`)
      }
      recordsRead = false
      break
    }
    case 'record-count-zero': {
      const n = rng.pick([0, -1, -(2 ** 31)])
      batch.writeInt32BE(n, OFFSET.recordCount)
      batch.writeInt32BE(n - 1 < -(2 ** 31) ? 2 ** 31 - 1 : n - 1, OFFSET.lastOffsetDelta)
      must(batchMutation)
      break
    }
    case 'last-offset-delta': {
      let n = rng.int(-5, 60)
      if (n === batch.readInt32BE(OFFSET.recordCount) - 1) n++
      batch.writeInt32BE(n, OFFSET.lastOffsetDelta)
      must(batchMutation)
      break
    }
    case 'timestamp-type':
      batch.writeInt16BE(attributes | ATTRIBUTE.logAppendTime, OFFSET.attributes)
      applied.push(batchMutation)
      break
    case 'attribute-bits':
      batch.writeInt16BE(((attributes | (rng.int(1, 0x3ff) << 6)) << 16) >> 16, OFFSET.attributes) // as an int16
      applied.push(batchMutation)
      break
    case 'producer-fields':
      batch.writeBigInt64BE(BigInt(rng.pick([-2, 0, 2 ** 31, Number.MAX_SAFE_INTEGER])), OFFSET.producerId)
      batch.writeInt16BE(rng.int(-32768, 32767), OFFSET.producerEpoch)
      batch.writeInt32BE(rng.pick([-2, 0, 2 ** 31 - 1, rng.int(0, 1000)]), OFFSET.baseSequence)
      applied.push(batchMutation)
      break
  }
  if (batchMutation !== 'bad-crc') recrc(batch)

  // Outside the CRC: what the broker overwrites anyway. A huge base offset also tests that offset deltas are
  // checked exactly (a double loses the low bits of baseOffset + delta above 2^53).
  if (rng.chance(0.15)) {
    batch = Buffer.from(batch)
    batch.writeBigInt64BE(
      rng.pick([2n ** 62n, 2n ** 53n + 1n, -1n, 9223372036854775807n, BigInt(rng.int(0, 2 ** 31))]),
      OFFSET.baseOffset,
    )
    batch.writeInt32BE(rng.int(-(2 ** 31), 2 ** 31 - 1), OFFSET.partitionLeaderEpoch)
    applied.push('base-offset')
  }
  const mustRefuse = otherInvalid || (recordsInvalid && recordsRead)
  return {bytes: batch, mustRefuse, mutation: applied.join('+') || 'valid'}
}
