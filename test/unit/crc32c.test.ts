import {describe, expect, it} from 'vitest'
import {crc32c, crc32cJs} from '../../src/protocol/kafka/crc32c.js'

/** A bit-at-a-time CRC-32C, the definition itself: slow, but independent of the table-driven code under test. */
function bitwise(data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

const pattern = (length: number) => Buffer.from(Array.from({length}, (_, i) => (i * 7919 + 13) & 0xff))

describe('crc32c', () => {
  for (const [name, crc] of [
    ['crc32c (native when available)', crc32c],
    ['crc32cJs (slicing-by-16)', crc32cJs],
  ] as const) {
    describe(name, () => {
      it('gives the check value 0xE3069283 for "123456789"', () => {
        expect(crc(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283)
      })

      it('gives 0 for empty input', () => {
        expect(crc(Buffer.alloc(0))).toBe(0)
        expect(crc(Buffer.from('abc'), 2, 2)).toBe(0)
      })

      it("matches RFC 3720's iSCSI test vectors", () => {
        const ascending = Buffer.from(Array.from({length: 32}, (_, i) => i))
        expect(crc(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa)
        expect(crc(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43)
        expect(crc(ascending)).toBe(0x46dd794e)
        expect(crc(Buffer.from(ascending).reverse())).toBe(0x113fdb5c)
      })

      it('checksums only the requested sub-range', () => {
        expect(crc(Buffer.from('xx123456789yy'), 2, 11)).toBe(0xe3069283)
        const data = pattern(1000)
        expect(crc(data, 21)).toBe(bitwise(data.subarray(21)))
        expect(crc(data, 333, 777)).toBe(bitwise(data.subarray(333, 777)))
      })

      it('agrees with the bitwise definition at every length and alignment around the 16-byte stride', () => {
        const data = pattern(200)
        for (let start = 0; start < 17; start++) {
          for (let end = start; end <= data.length; end++) {
            expect(crc(data, start, end)).toBe(bitwise(data.subarray(start, end)))
          }
        }
      })

      it('reads a Uint8Array that is a view into the middle of a larger buffer', () => {
        const backing = pattern(5000)
        const view = new Uint8Array(backing.buffer, backing.byteOffset + 100, 4000)
        expect(crc(view)).toBe(bitwise(backing.subarray(100, 4100)))
        expect(crc(view, 10, 3000)).toBe(bitwise(backing.subarray(110, 3100)))
      })
    })
  }

  it('gives the same result natively and in JavaScript on a 16 KiB batch', () => {
    const data = pattern(16384)
    expect(crc32c(data, 21)).toBe(crc32cJs(data, 21))
    expect(crc32c(data, 21)).toBe(bitwise(data.subarray(21)))
  })
})
