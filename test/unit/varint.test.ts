import {describe, expect, it} from 'vitest'
import {KafkaException} from '../../src/errors.js'
import {
  readUnsignedVarint,
  readVarint,
  readVarlong,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
  type Cursor,
} from '../../src/protocol/kafka/varint.js'

const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Kafka's zig-zag varlong in BigInt: an encoder independent of the code under test. */
function reference(n: number | bigint, zigzag = true): number[] {
  const v = BigInt(n)
  let z = zigzag ? (v >= 0n ? v * 2n : -v * 2n - 1n) : v
  const out: number[] = []
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80)
    z >>= 7n
  }
  out.push(Number(z))
  return out
}

const encode = (write: (buf: Buffer, pos: number, n: number) => number, n: number) => {
  const buf = Buffer.alloc(16)
  return [...buf.subarray(0, write(buf, 0, n))]
}

function corruptError(fn: () => unknown): KafkaException {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaException)
    expect((error as KafkaException).code).toBe('CORRUPT_MESSAGE')
    return error as KafkaException
  }
  throw new Error('expected a CORRUPT_MESSAGE error')
}

/** A deterministic spread of integers of every bit length (xorshift, so failures reproduce). */
function* spread(maxBits: number): Generator<number> {
  let s = 0x9e3779b9
  const next = () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
  for (let bits = 1; bits <= maxBits; bits++) {
    for (let k = 0; k < 20; k++) {
      const n = Math.floor(next() * 2 ** bits)
      yield Math.min(n, MAX_SAFE)
      yield 0 - Math.min(n, MAX_SAFE) // not -n: -0 would not round-trip as -0
    }
  }
}

describe('varint (zig-zag int32)', () => {
  it('encodes the bytes Kafka writes', () => {
    expect(encode(writeVarint, 0)).toEqual([0x00])
    expect(encode(writeVarint, -1)).toEqual([0x01])
    expect(encode(writeVarint, 1)).toEqual([0x02])
    expect(encode(writeVarint, 63)).toEqual([0x7e])
    expect(encode(writeVarint, -64)).toEqual([0x7f])
    expect(encode(writeVarint, 64)).toEqual([0x80, 0x01])
    expect(encode(writeVarint, -65)).toEqual([0x81, 0x01])
    expect(encode(writeVarint, 300)).toEqual([0xd8, 0x04])
    expect(encode(writeVarint, 2 ** 31 - 1)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f])
    expect(encode(writeVarint, -(2 ** 31))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f])
  })

  it.each([0, -1, 1, 63, 64, -64, -65, 8191, 8192, -8193, 300, 2 ** 31 - 1, -(2 ** 31)])(
    'round-trips %i in sizeOfVarint(n) bytes',
    (n) => {
      const buf = Buffer.alloc(8)
      const end = writeVarint(buf, 3, n)
      expect(end - 3).toBe(sizeOfVarint(n))
      expect([...buf.subarray(3, end)]).toEqual(reference(n))
      const c: Cursor = {pos: 3}
      expect(readVarint(buf, c)).toBe(n)
      expect(c.pos).toBe(end)
    },
  )

  it('sizes every int32 boundary as Kafka does', () => {
    for (const n of [
      0,
      -1,
      1,
      63,
      -64,
      64,
      -65,
      8191,
      -8192,
      8192,
      -8193,
      2 ** 20 - 1,
      2 ** 27,
      2 ** 31 - 1,
      -(2 ** 31),
    ]) {
      expect(sizeOfVarint(n)).toBe(reference(n).length)
    }
  })

  it('reads consecutive values with one cursor', () => {
    const buf = Buffer.alloc(32)
    let pos = 0
    for (const n of [5, -300, 2 ** 30, 0]) pos = writeVarint(buf, pos, n)
    const c: Cursor = {pos: 0}
    expect([readVarint(buf, c), readVarint(buf, c), readVarint(buf, c), readVarint(buf, c)]).toEqual([
      5,
      -300,
      2 ** 30,
      0,
    ])
    expect(c.pos).toBe(pos)
  })

  it('refuses a varint longer than 5 bytes', () => {
    const error = corruptError(() => readVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), {pos: 0}))
    expect(error.message).toMatch(/^Malformed varint at byte 0: longer than the 5 bytes/)
  })

  it('refuses a varint that runs past the end of the data', () => {
    for (const bytes of [[], [0x80], [0xff, 0xff], [0x80, 0x80, 0x80, 0x80]]) {
      const error = corruptError(() => readVarint(Buffer.from(bytes), {pos: 0}))
      expect(error.message).toMatch(/^Malformed varint at byte 0: the data ends inside it/)
    }
    expect(() => readVarint(Buffer.from([0x02]), {pos: 1})).toThrow(/data ends inside it/)
  })

  it('leaves the cursor where it was when a read fails', () => {
    const c: Cursor = {pos: 0}
    expect(() => readVarint(Buffer.from([0x80]), c)).toThrow(KafkaException)
    expect(c.pos).toBe(0)
  })
})

describe('varlong (zig-zag, exact to 2^53 - 1)', () => {
  const edges = [
    0,
    -1,
    1,
    63,
    64,
    -64,
    -65,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    2 ** 35 - 1,
    1_700_000_000_000,
    -1_700_000_000_000,
    2 ** 52,
    -(2 ** 52),
    2 ** 52 + 1,
    -(2 ** 52) - 1,
    MAX_SAFE - 1,
    -(MAX_SAFE - 1),
    MAX_SAFE,
    -MAX_SAFE,
  ]

  it.each(edges)('round-trips %i with the bytes Kafka writes', (n) => {
    const buf = Buffer.alloc(16)
    const end = writeVarlong(buf, 1, n)
    expect([...buf.subarray(1, end)]).toEqual(reference(n))
    expect(end - 1).toBe(sizeOfVarlong(n))
    const c: Cursor = {pos: 1}
    expect(readVarlong(buf, c)).toBe(n)
    expect(c.pos).toBe(end)
  })

  it('agrees with a BigInt encoder on integers of every bit length up to 53', () => {
    const buf = Buffer.alloc(16)
    const c: Cursor = {pos: 0}
    for (const n of spread(53)) {
      const end = writeVarlong(buf, 0, n)
      expect([...buf.subarray(0, end)]).toEqual(reference(n))
      expect(sizeOfVarlong(n)).toBe(end)
      c.pos = 0
      expect(readVarlong(buf, c)).toBe(n)
    }
  })

  it('takes 8 bytes for 2^53 - 1, either sign', () => {
    expect(sizeOfVarlong(MAX_SAFE)).toBe(8)
    expect(sizeOfVarlong(-MAX_SAFE)).toBe(8)
    expect(encode(writeVarlong, -MAX_SAFE)).toEqual([0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f])
  })

  it("reads Java's Long.MIN_VALUE and MAX_VALUE (10 and 10 bytes) as the nearest doubles", () => {
    expect(readVarlong(Buffer.from(reference(-(2n ** 63n))), {pos: 0})).toBe(-(2 ** 63))
    expect(readVarlong(Buffer.from(reference(2n ** 63n - 1n)), {pos: 0})).toBe(2 ** 63)
    expect(reference(-(2n ** 63n))).toHaveLength(10)
  })

  it('refuses to encode what it cannot encode exactly', () => {
    const buf = Buffer.alloc(16)
    for (const n of [2 ** 53, -(2 ** 53), 1.5, -0.5, NaN, Infinity]) {
      expect(() => writeVarlong(buf, 0, n)).toThrow(/Cannot encode .* as a varlong/)
      expect(() => sizeOfVarlong(n)).toThrow(/Cannot encode .* as a varlong/)
    }
  })

  it('refuses a varlong longer than 10 bytes', () => {
    const error = corruptError(() => readVarlong(Buffer.from([...Array(10).fill(0x80), 0x01]), {pos: 0}))
    expect(error.message).toMatch(/^Malformed varlong at byte 0: longer than the 10 bytes/)
  })

  it('refuses a varlong that runs past the end of the data at any length', () => {
    const full = Buffer.from(reference(-MAX_SAFE))
    for (let cut = 0; cut < full.length; cut++) {
      const error = corruptError(() => readVarlong(full.subarray(0, cut), {pos: 0}))
      expect(error.message).toMatch(/^Malformed varlong at byte 0: the data ends inside it/)
    }
  })
})

describe('unsigned varint', () => {
  it.each([0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1])(
    'round-trips %i with the bytes Kafka writes',
    (n) => {
      const buf = Buffer.alloc(8)
      const end = writeUnsignedVarint(buf, 0, n)
      expect([...buf.subarray(0, end)]).toEqual(reference(n, false))
      expect(end).toBe(sizeOfUnsignedVarint(n))
      const c: Cursor = {pos: 0}
      expect(readUnsignedVarint(buf, c)).toBe(n)
      expect(c.pos).toBe(end)
    },
  )

  it('writes 300 as ac 02 (no zig-zag)', () => {
    expect(encode(writeUnsignedVarint, 300)).toEqual([0xac, 0x02])
  })

  it('writes a negative int32 in 5 bytes, as Java does', () => {
    expect(encode(writeUnsignedVarint, -1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f])
    expect(sizeOfUnsignedVarint(-1)).toBe(5)
  })

  it('sizes every power of two as a loop would', () => {
    for (let bits = 0; bits < 32; bits++) {
      for (const n of [2 ** bits - 1, 2 ** bits]) expect(sizeOfUnsignedVarint(n)).toBe(reference(n, false).length)
    }
  })

  it('refuses an unsigned varint longer than 5 bytes or cut short', () => {
    expect(corruptError(() => readUnsignedVarint(Buffer.alloc(6, 0x80), {pos: 0})).message).toMatch(
      /^Malformed unsigned varint at byte 0: longer than the 5 bytes/,
    )
    expect(corruptError(() => readUnsignedVarint(Buffer.from([0x80]), {pos: 0})).message).toMatch(/data ends inside it/)
  })
})
