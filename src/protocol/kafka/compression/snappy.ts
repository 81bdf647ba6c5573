// Snappy as Kafka uses it for compression.type=snappy: snappy-java's stream format (SnappyOutputStream: a 16-byte
// header, then blocks of up to 32 KiB each compressed on its own and prefixed with its length), around raw Snappy
// blocks (github.com/google/snappy/blob/main/format_description.txt). The reader also takes a bare raw block, as
// Kafka's SnappyInputStream does.
import {KafkaException} from '../../../errors.js'
import {findMatches} from './lz77.js'

/** snappy-java's stream header: magic, then version 1 and compatible version 1 (int32 big-endian). */
const HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
const MAGIC_LENGTH = 8
/** Kafka's producer writes blocks of 32 KiB (its default snappy block size). */
const BLOCK_SIZE = 32 * 1024
const FINDER = {hashMultiplier: 0x1e35a7bd, skipShift: 5}

const corrupt = (why: string) => new KafkaException('CORRUPT_MESSAGE', `Snappy data is corrupt: ${why}`)

/** The most a raw Snappy block of `n` input bytes can take (MaxCompressedLength). */
const blockBound = (n: number) => 32 + n + Math.floor(n / 6)

function writeLiteral(dst: Uint8Array, pos: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1
  if (n < 60) {
    dst[pos++] = n << 2
  } else {
    const bytes = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4
    dst[pos++] = (59 + bytes) << 2
    for (let i = 0; i < bytes; i++) dst[pos++] = (n >>> (8 * i)) & 0xff
  }
  dst.set(src.subarray(start, end), pos)
  return pos + (end - start)
}

function writeCopy(dst: Uint8Array, pos: number, offset: number, length: number): number {
  // Copies of more than 64 bytes are split as the reference splits them (no piece shorter than 4).
  for (; length >= 68; length -= 64) {
    dst[pos++] = (63 << 2) | 2
    dst[pos++] = offset & 0xff
    dst[pos++] = offset >>> 8
  }
  if (length > 64) {
    dst[pos++] = (59 << 2) | 2
    dst[pos++] = offset & 0xff
    dst[pos++] = offset >>> 8
    length -= 60
  }
  if (length < 12 && offset < 2048) {
    dst[pos++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1
    dst[pos++] = offset & 0xff
  } else {
    dst[pos++] = ((length - 1) << 2) | 2
    dst[pos++] = offset & 0xff
    dst[pos++] = offset >>> 8
  }
  return pos
}

/** Compresses src[start..end) as one raw Snappy block into dst at `pos`; returns the position after it. */
export function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number): number {
  // The preamble: the uncompressed length, a little-endian base-128 varint.
  for (let n = end - start; ; n >>>= 7) {
    if (n < 0x80) {
      dst[pos++] = n
      break
    }
    dst[pos++] = (n & 0x7f) | 0x80
  }
  let anchor = start
  findMatches(src, start, end - 4, end, FINDER, (ip, offset, length) => {
    if (ip > anchor) pos = writeLiteral(dst, pos, src, anchor, ip)
    pos = writeCopy(dst, pos, offset, length)
    anchor = ip + length
  })
  if (anchor < end) pos = writeLiteral(dst, pos, src, anchor, end)
  return pos
}

/** Decompresses the raw Snappy block src[start..end) into a new buffer of at most `maxOutput` bytes. */
export function decompressBlock(src: Uint8Array, start: number, end: number, maxOutput = Infinity): Buffer {
  let ip = start
  let length = 0
  for (let shift = 0; ; shift += 7) {
    if (ip >= end || shift > 28) throw corrupt('the length preamble is bad')
    const b = src[ip++]!
    length += (b & 0x7f) * 2 ** shift
    if (b < 0x80) break
  }
  // No element expands more than 64 bytes from 3 (a copy): a longer claim is corrupt, not a reason to allocate it.
  if (length > (end - ip) * 22) throw corrupt(`the block claims ${length} bytes from ${end - ip}`)
  if (length > maxOutput) throw corrupt(`the data decompresses to more than ${maxOutput} bytes`)
  const out = Buffer.allocUnsafe(length)
  let op = 0
  while (ip < end) {
    const tag = src[ip++]!
    const kind = tag & 3
    if (kind === 0) {
      let n = tag >>> 2
      if (n >= 60) {
        const bytes = n - 59
        if (ip + bytes > end) throw corrupt('a literal length runs past the block')
        n = 0
        for (let i = 0; i < bytes; i++) n += src[ip + i]! * 2 ** (8 * i)
        ip += bytes
      }
      n += 1
      if (ip + n > end || op + n > length) throw corrupt('a literal runs past the block')
      out.set(src.subarray(ip, ip + n), op)
      ip += n
      op += n
      continue
    }
    let copyLength: number
    let offset: number
    if (kind === 1) {
      if (ip + 1 > end) throw corrupt('a copy runs past the block')
      copyLength = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | src[ip++]!
    } else if (kind === 2) {
      if (ip + 2 > end) throw corrupt('a copy runs past the block')
      copyLength = (tag >>> 2) + 1
      offset = src[ip]! | (src[ip + 1]! << 8)
      ip += 2
    } else {
      if (ip + 4 > end) throw corrupt('a copy runs past the block')
      copyLength = (tag >>> 2) + 1
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0
      ip += 4
    }
    if (offset === 0 || offset > op) throw corrupt(`copy offset ${offset} points before the data`)
    if (op + copyLength > length) throw corrupt('a copy runs past the declared length')
    for (let i = 0; i < copyLength; i++, op++) out[op] = out[op - offset]!
  }
  if (op !== length) throw corrupt(`the block declares ${length} bytes but holds ${op}`)
  return out
}

/** Compresses `data` in snappy-java's stream format, as Kafka's producer does. */
export function snappyCompress(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / BLOCK_SIZE)
  const out = Buffer.allocUnsafe(HEADER.length + blocks * (4 + blockBound(BLOCK_SIZE)))
  HEADER.copy(out, 0)
  let pos = HEADER.length
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(data.length, start + BLOCK_SIZE)
    const size = compressBlock(data, start, end, out, pos + 4) - (pos + 4)
    out.writeInt32BE(size, pos)
    pos += 4 + size
  }
  return out.subarray(0, pos)
}

/**
 * Reads snappy-java's stream format, or a bare raw Snappy block, refusing (before allocating) output of more than
 * `maxOutput` bytes.
 */
export function snappyDecompress(data: Uint8Array, maxOutput = Infinity): Buffer {
  const framed = data.length >= HEADER.length && HEADER.subarray(0, MAGIC_LENGTH).equals(data.subarray(0, MAGIC_LENGTH))
  if (!framed) return decompressBlock(data, 0, data.length, maxOutput)
  let total = 0
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const blocks: Buffer[] = []
  for (let ip = HEADER.length; ip < data.length;) {
    if (ip + 4 > data.length) throw corrupt('a block length is cut short')
    const size = view.getInt32(ip, false)
    ip += 4
    if (size < 0 || ip + size > data.length) throw corrupt(`a block of ${size} bytes does not fit`)
    const block = decompressBlock(data, ip, ip + size, maxOutput - total)
    total += block.length
    blocks.push(block)
    ip += size
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks)
}
