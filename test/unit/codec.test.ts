import {describe, expect, it} from 'vitest'
import {crc32c, crc32cJs} from '../../src/protocol/crc32c.js'
import {murmur2, partitionForKey, toPositive} from '../../src/protocol/murmur2.js'
import {
  readUnsignedVarint,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from '../../src/protocol/varint.js'

describe('CRC-32C', () => {
  it('matches the standard check value of "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  it('is 0 for empty input and agrees over sub-ranges', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0)
    const data = Buffer.from('xx123456789yy')
    expect(crc32c(data, 2, 11)).toBe(0xe3069283)
  })

  it('gives the same result at every length around the 16-byte stride', () => {
    const data = Buffer.from(Array.from({length: 100}, (_, i) => (i * 37 + 11) & 0xff))
    // Reference: a bytewise implementation.
    const slow = (b: Buffer) => {
      let crc = 0xffffffff
      for (const byte of b) {
        crc ^= byte
        for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1
      }
      return (crc ^ 0xffffffff) >>> 0
    }
    for (let n = 0; n <= data.length; n++) {
      expect(crc32c(data, 0, n)).toBe(slow(data.subarray(0, n)))
      expect(crc32cJs(data, 0, n)).toBe(slow(data.subarray(0, n)))
      expect(crc32c(data, 100 - n, 100)).toBe(slow(data.subarray(100 - n)))
    }
  })

  it('agrees between the native and the JavaScript implementation on a 16 KiB batch', () => {
    const data = Buffer.from(Array.from({length: 16384}, (_, i) => (i * 7919) & 0xff))
    expect(crc32c(data, 21)).toBe(crc32cJs(data, 21))
  })
})

describe('murmur2 (Kafka Utils.murmur2 test vectors)', () => {
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['', 275646681],
    ['a', -1563381124],
    ['key', -1079937367],
    ['foo', 597841616],
    ['key1', 28543940],
    ['hello', 2132663229],
  ])('hashes %j to %i', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected)
  })

  it('hashes the bytes {a, b, c}', () => {
    expect(murmur2(Buffer.from([0x61, 0x62, 0x63]))).toBe(479470107)
  })

  it('places keys on the partitions Kafka places them', () => {
    expect(toPositive(-1563381124)).toBe(584102524)
    expect(partitionForKey(Buffer.from('key'), 3)).toBe(1)
    expect(partitionForKey(Buffer.from('foo'), 3)).toBe(2)
    expect(partitionForKey(Buffer.from('foo'), 4)).toBe(0)
    expect(partitionForKey(Buffer.from('key1'), 3)).toBe(2)
    expect(partitionForKey(Buffer.from('hello'), 3)).toBe(0)
  })
})

describe('varints', () => {
  const roundTrip = (n: number, long: boolean) => {
    const buf = Buffer.alloc(16)
    const end = long ? writeVarlong(buf, 0, n) : writeVarint(buf, 0, n)
    expect(end).toBe(long ? sizeOfVarlong(n) : sizeOfVarint(n))
    const c = {pos: 0}
    expect(long ? readVarlong(buf, c) : readVarint(buf, c)).toBe(n)
    expect(c.pos).toBe(end)
  }

  it('encodes zig-zag varints as Kafka does', () => {
    const bytes = (n: number) => {
      const buf = Buffer.alloc(8)
      return [...buf.subarray(0, writeVarint(buf, 0, n))]
    }
    expect(bytes(0)).toEqual([0x00])
    expect(bytes(-1)).toEqual([0x01])
    expect(bytes(1)).toEqual([0x02])
    expect(bytes(-64)).toEqual([0x7f])
    expect(bytes(64)).toEqual([0x80, 0x01])
    expect(bytes(150)).toEqual([0xac, 0x02])
  })

  it.each([0, -1, 1, 63, 64, -64, -65, 300, 2 ** 31 - 1, -(2 ** 31)])('round-trips the varint %i', (n) =>
    roundTrip(n, false),
  )

  it.each([0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 1_700_000_000_000, -1_700_000_000_000, 2 ** 52, -(2 ** 52)])(
    'round-trips the varlong %i',
    (n) => roundTrip(n, true),
  )

  it('round-trips unsigned varints', () => {
    const buf = Buffer.alloc(8)
    for (const n of [0, 127, 128, 16383, 16384, 2 ** 32 - 1]) {
      const end = writeUnsignedVarint(buf, 0, n)
      const c = {pos: 0}
      expect(readUnsignedVarint(buf, c)).toBe(n)
      expect(c.pos).toBe(end)
    }
  })

  it('refuses a varint that runs past the end or over five bytes', () => {
    expect(() => readVarint(Buffer.from([0x80, 0x80]), {pos: 0})).toThrow(/Malformed varint/)
    expect(() => readVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), {pos: 0})).toThrow(/Malformed varint/)
    expect(() => readVarlong(Buffer.alloc(11, 0x80), {pos: 0})).toThrow(/Malformed varlong/)
  })
})
