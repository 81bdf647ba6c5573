// The LZ4 and Snappy codecs of compression.type=lz4 and snappy: checked against data written by the reference
// tools (the lz4 command line, python-snappy over Google's snappy library), and round trips of data of every kind.
import {randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import type {KafkaException} from '../../src/errors.js'
import {lz4Compress, lz4Decompress, xxhash32} from '../../src/protocol/kafka/compression/lz4.js'
import {decompressBlock, snappyCompress, snappyDecompress} from '../../src/protocol/kafka/compression/snappy.js'

const TEXT = Buffer.from('Kafka is a distributed event streaming platform. '.repeat(2000))
const RECORDS = Buffer.concat(
  Array.from({length: 3000}, (_, i) => Buffer.from(`{"id":${i},"name":"user-${i % 97}","ok":true}`)),
)
const MIXED = Buffer.concat(Array.from({length: 50}, (_, i) => (i % 2 ? randomBytes(3000) : Buffer.alloc(5000, i))))
const samples: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['short', Buffer.from('hello')],
  ['text', TEXT],
  ['records', RECORDS],
  ['random', randomBytes(150_000)],
  ['mixed', MIXED],
]

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex')

function thrown(fn: () => unknown): KafkaException {
  try {
    fn()
  } catch (error) {
    return error as KafkaException
  }
  throw new Error('expected an error')
}

describe('xxHash32', () => {
  it.each([
    ['', 0x02cc5d05],
    ['abc', 0x32d153ff],
    ['Nobody inspects the spammish repetition', 0xe2293b2f],
  ])('hashes %j as the reference does', (text, hash) => {
    expect(xxhash32(Buffer.from(text))).toBe(hash)
  })
})

describe('LZ4 frames', () => {
  it("writes Kafka's frame header: independent 64 KiB blocks, no checksums, then an end mark", () => {
    const frame = lz4Compress(Buffer.from('hello, kafkalite'))
    // magic 0x184D2204, FLG 0x60, BD 0x40, header checksum 0x82: the header every such frame starts with.
    expect(frame.subarray(0, 7)).toEqual(hex('04224d18 60 40 82'))
    expect(frame.subarray(-4)).toEqual(hex('00000000'))
  })

  it('reads a frame from the lz4 command line (a stored block and a content checksum)', () => {
    const frame = hex('04224d18 64 40 a7 10000080 68656c6c6f2c206b61666b616c697465 00000000 dbef5c75')
    expect(lz4Decompress(frame).toString()).toBe('hello, kafkalite')
  })

  it('reads a frame of linked blocks from the lz4 command line (lz4 -B4 -BD)', () => {
    const frame = Buffer.from(
      'BCJNGERAXjwBAAD/IkthZmthIGlzIGEgZGlzdHJpYnV0ZWQgZXZlbnQgc3RyZWFtaW5nIHBsYXRmb3JtLiAxAP////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////+3UHV0ZWQgiQAAAA/p//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////83UG9ybS4gAAAAAFECSgo=',
      'base64',
    )
    expect(lz4Decompress(frame).equals(TEXT)).toBe(true)
  })

  it.each(samples)('round-trips %s data', (_name, data) => {
    expect(lz4Decompress(lz4Compress(data)).equals(data)).toBe(true)
  })

  it('compresses what repeats, and stores what does not', () => {
    expect(lz4Compress(TEXT).length).toBeLessThan(TEXT.length / 100)
    const random = randomBytes(100_000)
    expect(lz4Compress(random).length).toBeLessThan(random.length + 32)
  })

  it('refuses a bad magic number, a bad header checksum, a bad content checksum and a match before the data', () => {
    const frame = hex('04224d18 64 40 a7 10000080 68656c6c6f2c206b61666b616c697465 00000000 dbef5c75')
    const bad = (edit: (b: Buffer) => void) => {
      const copy = Buffer.from(frame)
      edit(copy)
      return thrown(() => lz4Decompress(copy))
    }
    expect(bad((b) => (b[0] = 0)).message).toMatch(/^LZ4 data is corrupt: bad magic number/)
    expect(bad((b) => (b[6] = 0)).message).toBe('LZ4 data is corrupt: the frame header checksum does not match')
    expect(bad((b) => (b[b.length - 1] = 0)).message).toBe('LZ4 data is corrupt: the content checksum does not match')
    // A compressed block (size 3) whose one sequence copies from offset 5 when nothing is written yet.
    const early = hex('04224d18 60 40 82 03000000 00 0500 00000000')
    expect(thrown(() => lz4Decompress(early)).message).toBe(
      'LZ4 data is corrupt: match offset 5 points before the data',
    )
    expect(thrown(() => lz4Decompress(early)).code).toBe('CORRUPT_MESSAGE')
  })
})

describe('Snappy', () => {
  it("writes snappy-java's stream header, then blocks of at most 32 KiB with their lengths", () => {
    const stream = snappyCompress(TEXT)
    expect(stream.subarray(0, 16)).toEqual(hex('82 534e415050590 0 00000001 00000001'))
    let blocks = 0
    for (let pos = 16; pos < stream.length; blocks++) pos += 4 + stream.readInt32BE(pos)
    expect(blocks).toBe(Math.ceil(TEXT.length / 32768))
  })

  it('reads a raw block from the reference library (python-snappy)', () => {
    // 34 bytes: the literal 'hello ', a copy of 17 bytes from offset 6, the literal ', kafkalite'.
    const block = hex('22 14 68656c6c6f20 42 0600 28 2c206b61666b616c697465')
    expect(decompressBlock(block, 0, block.length).toString()).toBe('hello hello hello hello, kafkalite')
    expect(snappyDecompress(block).toString()).toBe('hello hello hello hello, kafkalite') // a bare block reads too
  })

  it.each(samples)('round-trips %s data', (_name, data) => {
    expect(snappyDecompress(snappyCompress(data)).equals(data)).toBe(true)
  })

  it('refuses a block that claims more than its elements can expand to, before allocating it', () => {
    // The preamble claims 4 GiB - 1 from 2 bytes of elements.
    expect(thrown(() => decompressBlock(hex('ffffffff0f 0061'), 0, 7)).message).toBe(
      'Snappy data is corrupt: the block claims 4294967295 bytes from 2',
    )
  })

  it('refuses a copy from before the data and a block shorter than it declares', () => {
    expect(thrown(() => decompressBlock(hex('08 0a 0500'), 0, 4)).message).toBe(
      'Snappy data is corrupt: copy offset 5 points before the data',
    )
    expect(thrown(() => decompressBlock(hex('0a 04 6162'), 0, 4)).message).toBe(
      'Snappy data is corrupt: the block declares 10 bytes but holds 2',
    )
  })
})

describe('decompression bounds (a small batch must not expand without limit)', () => {
  const zeros = Buffer.alloc(1 << 20)
  it('refuses an LZ4 frame that decompresses past the bound, and reads one within it', () => {
    const frame = lz4Compress(zeros)
    expect(frame.length).toBeLessThan(10_000)
    expect(() => lz4Decompress(frame, 100_000)).toThrow(/decompresses to more than 100000 bytes/)
    expect(lz4Decompress(frame, 1 << 20).equals(zeros)).toBe(true)
  })

  it('refuses Snappy data that decompresses past the bound, and reads data within it', () => {
    const data = snappyCompress(zeros)
    expect(() => snappyDecompress(data, 100_000)).toThrow(/decompresses to more than/)
    expect(snappyDecompress(data, 1 << 20).equals(zeros)).toBe(true)
  })
})
