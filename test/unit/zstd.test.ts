// zstd (compression/zstd.ts): the frames kafkalite writes, frames written by a stream (Kafka's Java client's
// ZstdOutputStream does not state the content size), and the bound on what a frame may expand to.
import {describe, expect, it} from 'vitest'
import {zstdCompress, zstdDecompress, zstdImplementation} from '../../src/protocol/kafka/compression/zstd.js'
import {BatchBuilder, decodeRecords, readBatchHeader} from '../../src/protocol/kafka/record-batch.js'

/**
 * A zstd frame as a stream writes it: no content size in its header (frame header descriptor 0, window descriptor
 * for 1 MiB), then RLE blocks (type 1) of `blockSize` copies of `byte`, the last one flagged.
 */
function streamedRleFrame(byte: number, blocks: number, blockSize = 128 * 1024): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50])]
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | (blockSize << 3)
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, byte]))
  }
  return Buffer.concat(parts)
}

describe('zstd', () => {
  it(`uses node:zlib's zstd where Node has it, else WebAssembly (here: Node ${process.versions.node})`, () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
    const hasZlibZstd = major > 22 || (major === 22 && minor >= 15)
    expect(zstdImplementation()).toBe(hasZlibZstd ? 'node:zlib' : 'wasm')
  })

  it('compresses into a zstd frame and back', () => {
    const data = Buffer.from(Array.from({length: 5000}, (_, i) => `record ${i % 97};`).join(''))
    const frame = zstdCompress(data)
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528)
    expect(frame.length).toBeLessThan(data.length / 5)
    expect(zstdDecompress(frame, data.length)).toEqual(data)
    expect(zstdDecompress(zstdCompress(Buffer.alloc(0)), 10)).toEqual(Buffer.alloc(0))
  })

  it('decompresses a frame that does not state its size, however much it expands', () => {
    const frame = streamedRleFrame(0x41, 24) // 3 MiB from 102 bytes
    const out = zstdDecompress(frame, Number.MAX_SAFE_INTEGER)
    expect(out.length).toBe(24 * 128 * 1024)
    expect(out.every((b) => b === 0x41)).toBe(true)
  })

  it('refuses a frame that expands past the bound', () => {
    expect(() => zstdDecompress(streamedRleFrame(0, 24), 1024 * 1024)).toThrow(
      'the data decompresses to more than 1048576 bytes',
    )
    expect(() => zstdDecompress(zstdCompress(Buffer.alloc(300_000)), 200_000)).toThrow(/more than 200000 bytes/)
  })

  it('refuses data that is not zstd', () => {
    expect(() => zstdDecompress(Buffer.from('not a zstd frame at all'), 1000)).toThrow()
    const frame = zstdCompress(Buffer.from('x'.repeat(1000)))
    expect(() => zstdDecompress(frame.subarray(0, frame.length - 3), 10_000)).toThrow()
  })

  it('carries a batch of records compressed with zstd', () => {
    const builder = new BatchBuilder({maxBytes: 1 << 20, compression: 'zstd'})
    for (let i = 0; i < 100; i++) builder.append(1000 + i, Buffer.from(`k${i}`), Buffer.from(`value ${i}`.repeat(10)))
    const batch = builder.build()
    expect(readBatchHeader(batch).compression).toBe(4)
    const records = decodeRecords(batch)
    expect(records).toHaveLength(100)
    expect(records[99]!.value!.toString()).toBe('value 99'.repeat(10))
  })
})
