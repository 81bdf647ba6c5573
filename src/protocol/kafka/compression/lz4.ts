// LZ4 as Kafka uses it for compression.type=lz4: the LZ4 frame format (KafkaLZ4BlockOutputStream: independent 64 KiB
// blocks, no block or content checksums, an end mark) around LZ4 blocks. The block compressor is the greedy
// single-probe hash compressor of the reference implementation; the reader accepts any valid frame (checksums
// verified when present), so frames written by other LZ4 libraries read too.
import {KafkaException} from '../../../errors.js'
import {findMatches} from './lz77.js'

const MAGIC = 0x184d2204
const BLOCK_SIZE = 64 * 1024
/** FLG: version 01, independent blocks, no block checksum, no content size, no content checksum, no dictionary. */
const FLG = 0x60
/** BD: a block maximum size of 64 KiB. */
const BD = 0x40
const MIN_MATCH = 4
const LAST_LITERALS = 5 // the last 5 bytes of a block are always literals
const MF_LIMIT = 12 // a match cannot start within the last 12 bytes of a block
const FINDER = {hashMultiplier: 2654435761, skipShift: 6}

const corrupt = (why: string) => new KafkaException('CORRUPT_MESSAGE', `LZ4 data is corrupt: ${why}`)

// ---- xxHash32 (the frame's header and content checksums) ------------------------------------------------------

const P1 = 0x9e3779b1
const P2 = 0x85ebca77
const P3 = 0xc2b2ae3d
const P4 = 0x27d4eb2f
const P5 = 0x165667b1

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r))
const round = (acc: number, input: number) => Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1)

/** xxHash32 of data[start..end), as an unsigned 32-bit number. */
export function xxhash32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let i = start
  let h: number
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0
    let v2 = (seed + P2) | 0
    let v3 = seed | 0
    let v4 = (seed - P1) | 0
    while (i <= end - 16) {
      v1 = round(v1, view.getUint32(i, true))
      v2 = round(v2, view.getUint32(i + 4, true))
      v3 = round(v3, view.getUint32(i + 8, true))
      v4 = round(v4, view.getUint32(i + 12, true))
      i += 16
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = (seed + P5) | 0
  }
  h = (h + (end - start)) | 0
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl((h + Math.imul(view.getUint32(i, true), P3)) | 0, 17), P4)
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(data[i]!, P5)) | 0, 11), P1)
  h = Math.imul(h ^ (h >>> 15), P2)
  h = Math.imul(h ^ (h >>> 13), P3)
  return (h ^ (h >>> 16)) >>> 0
}

// ---- blocks ---------------------------------------------------------------------------------------------------

/** The most an LZ4 block of `n` input bytes can take (LZ4_compressBound). */
const blockBound = (n: number) => n + Math.floor(n / 255) + 16

function writeLength(dst: Uint8Array, pos: number, length: number): number {
  for (; length >= 255; length -= 255) dst[pos++] = 255
  dst[pos++] = length
  return pos
}

/** Compresses src[start..end) into dst at `pos` as one LZ4 block; returns the position after it. */
export function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number): number {
  const writeLiterals = (from: number, to: number): number => {
    const literals = to - from
    const token = pos++
    dst[token] = (literals >= 15 ? 15 : literals) << 4
    if (literals >= 15) pos = writeLength(dst, pos, literals - 15)
    dst.set(src.subarray(from, to), pos)
    pos += literals
    return token
  }
  let anchor = start
  if (end - start > MF_LIMIT) {
    findMatches(src, start, end - MF_LIMIT, end - LAST_LITERALS, FINDER, (ip, offset, length) => {
      const token = writeLiterals(anchor, ip)
      dst[pos++] = offset & 0xff
      dst[pos++] = offset >>> 8
      const extra = length - MIN_MATCH
      dst[token] = dst[token]! | (extra >= 15 ? 15 : extra)
      if (extra >= 15) pos = writeLength(dst, pos, extra - 15)
      anchor = ip + length
    })
  }
  writeLiterals(anchor, end) // the last sequence: literals only
  return pos
}

/** Decompresses the LZ4 block src[start..end) into dst at `pos`; returns the position after the output. */
export function decompressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number): number {
  let ip = start
  const readLength = (length: number): number => {
    if (length !== 15) return length
    let b: number
    do {
      if (ip >= end) throw corrupt('a length runs past the block')
      b = src[ip++]!
      length += b
    } while (b === 255)
    return length
  }
  while (ip < end) {
    const token = src[ip++]!
    const literals = readLength(token >>> 4)
    if (ip + literals > end) throw corrupt('literals run past the block')
    if (pos + literals > dst.length) throw corrupt('a block is larger than its frame allows')
    dst.set(src.subarray(ip, ip + literals), pos)
    ip += literals
    pos += literals
    if (ip >= end) break // the last sequence has literals only
    if (ip + 2 > end) throw corrupt('a match offset runs past the block')
    const offset = src[ip]! | (src[ip + 1]! << 8)
    ip += 2
    if (offset === 0 || offset > pos) throw corrupt(`match offset ${offset} points before the data`)
    const length = readLength(token & 15) + MIN_MATCH
    if (pos + length > dst.length) throw corrupt('a block is larger than its frame allows')
    for (let i = 0; i < length; i++, pos++) dst[pos] = dst[pos - offset]!
  }
  return pos
}

// ---- frames ---------------------------------------------------------------------------------------------------

/** LZ4-frames `data` as Kafka's producer does. */
export function lz4Compress(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / BLOCK_SIZE)
  const out = Buffer.allocUnsafe(7 + blocks * (4 + blockBound(BLOCK_SIZE)) + 4)
  out.writeUInt32LE(MAGIC, 0)
  out[4] = FLG
  out[5] = BD
  out[6] = (xxhash32(out, 4, 6) >>> 8) & 0xff
  let pos = 7
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(data.length, start + BLOCK_SIZE)
    const size = compressBlock(data, start, end, out, pos + 4) - (pos + 4)
    if (size < end - start) {
      out.writeUInt32LE(size, pos)
      pos += 4 + size
    } else {
      // Stored: the high bit marks an uncompressed block.
      out.writeUInt32LE(((end - start) | 0x80000000) >>> 0, pos)
      out.set(data.subarray(start, end), pos + 4)
      pos += 4 + (end - start)
    }
  }
  out.writeUInt32LE(0, pos) // end mark
  return out.subarray(0, pos + 4)
}

const BLOCK_SIZES: Record<number, number> = {4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}

/**
 * Reads an LZ4 frame (or several in a row). Blocks are decoded one after the other into one buffer, so frames with
 * linked blocks (whose matches reach into the blocks before) read too.
 */
export function lz4Decompress(frame: Uint8Array, maxOutput = Infinity): Buffer {
  let out = Buffer.allocUnsafe(Math.max(1024, Math.min(frame.length * 4, maxOutput)))
  let op = 0
  const reserve = (n: number) => {
    if (op + n <= out.length) return
    // Each block may add blockMax bytes: refuse a frame that may pass the bound before growing the buffer for it.
    if (op >= maxOutput) throw corrupt(`the data decompresses to more than ${maxOutput} bytes`)
    const bigger = Buffer.allocUnsafe(Math.max(op + n, Math.min(out.length * 2, maxOutput + n)))
    out.copy(bigger, 0, 0, op)
    out = bigger
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  let ip = 0
  while (ip < frame.length) {
    if (ip + 7 > frame.length) throw corrupt('the frame header is cut short')
    const magic = view.getUint32(ip, true)
    if (magic !== MAGIC) throw corrupt(`bad magic number 0x${magic.toString(16)}`)
    const flg = frame[ip + 4]!
    const bd = frame[ip + 5]!
    if (flg >>> 6 !== 1) throw corrupt(`unsupported frame version ${flg >>> 6}`)
    if (flg & 0x01) throw corrupt('frames with a dictionary are not supported')
    const blockChecksums = (flg & 0x10) !== 0
    const contentSize = (flg & 0x08) !== 0
    const contentChecksum = (flg & 0x04) !== 0
    const blockMax = BLOCK_SIZES[(bd >>> 4) & 7]
    if (blockMax === undefined) throw corrupt(`unsupported block size code ${(bd >>> 4) & 7}`)
    const headerEnd = ip + 6 + (contentSize ? 8 : 0)
    if (headerEnd + 1 > frame.length) throw corrupt('the frame header is cut short')
    if (frame[headerEnd] !== ((xxhash32(frame, ip + 4, headerEnd) >>> 8) & 0xff)) {
      throw corrupt('the frame header checksum does not match')
    }
    ip = headerEnd + 1
    const frameStart = op
    while (true) {
      if (ip + 4 > frame.length) throw corrupt('a block size is cut short')
      const word = view.getUint32(ip, true)
      ip += 4
      if (word === 0) break
      const stored = (word & 0x80000000) !== 0
      const size = word & 0x7fffffff
      if (size > blockMax || ip + size + (blockChecksums ? 4 : 0) > frame.length) {
        throw corrupt(`a block of ${size} bytes does not fit`)
      }
      if (blockChecksums && view.getUint32(ip + size, true) !== xxhash32(frame, ip, ip + size)) {
        throw corrupt('a block checksum does not match')
      }
      reserve(blockMax)
      if (stored) {
        out.set(frame.subarray(ip, ip + size), op)
        op += size
      } else {
        const end = decompressBlock(frame, ip, ip + size, out.subarray(0, op + blockMax), op)
        op = end
      }
      ip += size + (blockChecksums ? 4 : 0)
      if (op > maxOutput) throw corrupt(`the data decompresses to more than ${maxOutput} bytes`)
    }
    if (contentChecksum) {
      if (ip + 4 > frame.length) throw corrupt('the content checksum is cut short')
      if (view.getUint32(ip, true) !== xxhash32(out, frameStart, op))
        throw corrupt('the content checksum does not match')
      ip += 4
    }
  }
  return out.subarray(0, op)
}
