import {describe, expect, it} from 'vitest'
import {murmur2, partitionForKey, toPositive} from '../../src/protocol/kafka/murmur2.js'

const utf8 = (s: string) => Buffer.from(s, 'utf8')

describe('murmur2', () => {
  // Kafka's UtilsTest#testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ])('hashes %j to %i as Kafka does', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected)
  })

  it('hashes the bytes {a, b, c} to 479470107 as Kafka does', () => {
    expect(murmur2(new Uint8Array([0x61, 0x62, 0x63]))).toBe(479470107)
  })

  // Values from a port that passes Kafka's vectors, covering tails of 0 to 3 bytes and the empty key.
  it.each([
    ['', 275646681],
    ['a', -1563381124],
    ['key', -1079937367],
    ['foo', 597841616],
    ['key1', 28543940],
    ['hello', 2132663229],
  ])('hashes %j to %i', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected)
  })

  it('takes bytes above 0x7f as unsigned, as Java does after masking', () => {
    const high = new Uint8Array([0xff, 0x80, 0xfe, 0x90, 0xc3, 0xa9])
    expect(murmur2(high)).toBe(murmur2(Buffer.from(high)))
    expect(Number.isInteger(murmur2(high))).toBe(true)
    expect(murmur2(high)).toBeGreaterThanOrEqual(-(2 ** 31))
    expect(murmur2(high)).toBeLessThan(2 ** 31)
  })

  it('returns a signed 32-bit integer', () => {
    for (let i = 0; i < 1000; i++) {
      const h = murmur2(utf8(`key-${i}`))
      expect(h | 0).toBe(h)
    }
  })
})

describe('toPositive', () => {
  it('clears the sign bit instead of negating, as Utils.toPositive', () => {
    expect(toPositive(-1563381124)).toBe(584102524)
    expect(toPositive(-1079937367)).toBe(1067546281)
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-(2 ** 31))).toBe(0)
    expect(toPositive(0)).toBe(0)
    expect(toPositive(2132663229)).toBe(2132663229)
  })
})

describe('partitionForKey', () => {
  it.each([
    ['key', 3, 1],
    ['foo', 3, 2],
    ['foo', 4, 0],
    ['key1', 3, 2],
    ['hello', 3, 0],
    ['a', 1, 0],
  ])('places the key %j among %i partitions on partition %i, as Kafka does', (key, partitions, expected) => {
    expect(partitionForKey(utf8(key), partitions)).toBe(expected)
  })
})
