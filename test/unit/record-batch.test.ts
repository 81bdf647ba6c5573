import {describe, expect, it} from 'vitest'
import {crc32c} from '../../src/protocol/crc32c.js'
import {
  BATCH_HEADER_SIZE,
  BatchBuilder,
  decodeRecords,
  forEachRecord,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  sizeOfRecord,
  splitBatches,
  validateBatch,
  type RecordHeader,
} from '../../src/protocol/record-batch.js'

const b = (s: string) => Buffer.from(s, 'utf8')

function build(
  records: {ts: number; key: Buffer | null; value: Buffer | null; headers?: RecordHeader[]}[],
  gzip = false,
) {
  const builder = new BatchBuilder({maxBytes: 1 << 20, compression: gzip ? 'gzip' : 'none'})
  for (const r of records) expect(builder.append(r.ts, r.key, r.value, r.headers)).toBeGreaterThanOrEqual(0)
  return builder.build()
}

describe('record batch v2', () => {
  it('lays out a one-record batch byte for byte as Kafka does', () => {
    const batch = build([{ts: 1000, key: b('k'), value: b('v')}])
    // The record: length 8 (zig-zag varint 16), attributes 0, timestampDelta 0, offsetDelta 0, key length 1
    // (zig-zag 2) 'k', value length 1 (2) 'v', 0 headers.
    const record = [16, 0, 0, 0, 2, 0x6b, 2, 0x76, 0]
    expect(batch.length).toBe(BATCH_HEADER_SIZE + record.length)
    const expected = Buffer.alloc(BATCH_HEADER_SIZE + record.length)
    expected.writeBigInt64BE(0n, 0) // baseOffset
    expected.writeInt32BE(expected.length - 12, 8) // batchLength
    expected.writeInt32BE(-1, 12) // partitionLeaderEpoch
    expected.writeInt8(2, 16) // magic
    expected.writeInt16BE(0, 21) // attributes
    expected.writeInt32BE(0, 23) // lastOffsetDelta
    expected.writeBigInt64BE(1000n, 27) // baseTimestamp
    expected.writeBigInt64BE(1000n, 35) // maxTimestamp
    expected.writeBigInt64BE(-1n, 43) // producerId
    expected.writeInt16BE(-1, 51) // producerEpoch
    expected.writeInt32BE(-1, 53) // baseSequence
    expected.writeInt32BE(1, 57) // recordCount
    Buffer.from(record).copy(expected, 61)
    expected.writeUInt32BE(crc32c(expected, 21), 17)
    expect([...batch]).toEqual([...expected])
  })

  it('round-trips keys, values, nulls, empties, binary, UTF-8 and ordered duplicate headers', () => {
    const binary = Buffer.from(Array.from({length: 256}, (_, i) => i))
    const records = [
      {ts: 5, key: null, value: b('no key')},
      {ts: 6, key: b('k'), value: null},
      {ts: 4, key: Buffer.alloc(0), value: Buffer.alloc(0)},
      {ts: 9, key: binary, value: b('héllo ✓ 日本')},
      {
        ts: 9,
        key: b('h'),
        value: b('x'),
        headers: [
          {key: 'a', value: b('1')},
          {key: 'a', value: null},
          {key: 'ü', value: Buffer.alloc(0)},
        ],
      },
    ]
    for (const gzip of [false, true]) {
      const batch = build(records, gzip)
      const header = validateBatch(batch, 0, batch.length)
      expect(header).toMatchObject({
        recordCount: 5,
        lastOffsetDelta: 4,
        baseTimestamp: 5,
        maxTimestamp: 9,
        compression: gzip ? 1 : 0,
      })
      const decoded = decodeRecords(batch)
      expect(decoded.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4])
      expect(decoded.map((r) => r.timestamp)).toEqual([5, 6, 4, 9, 9])
      expect(decoded[0]!.key).toBeNull()
      expect(decoded[1]!.value).toBeNull()
      expect(decoded[2]!.key).toEqual(Buffer.alloc(0))
      expect(decoded[3]!.key).toEqual(binary)
      expect(decoded[3]!.value!.toString()).toBe('héllo ✓ 日本')
      expect(decoded[4]!.headers).toEqual([
        {key: 'a', value: b('1')},
        {key: 'a', value: null},
        {key: 'ü', value: Buffer.alloc(0)},
      ])
    }
  })

  it('encodes a thousand records and reads them back through the cursor', () => {
    const builder = new BatchBuilder({maxBytes: 1 << 20})
    for (let i = 0; i < 1000; i++) builder.append(1_700_000_000_000 + i, null, b(`value-${i}`))
    const batch = builder.build()
    expect(builder.sizeInBytes).toBe(batch.length)
    const header = readBatchHeader(batch)
    const seen: string[] = []
    forEachRecord(batch, 0, batch.length, header, (r) => {
      seen.push(r.data.toString('utf8', r.valueStart, r.valueStart + r.valueLength))
    })
    expect(seen).toHaveLength(1000)
    expect(seen[999]).toBe('value-999')
  })

  it('refuses a record past maxBytes but always accepts the first', () => {
    const builder = new BatchBuilder({maxBytes: 100})
    expect(builder.append(0, null, Buffer.alloc(500))).toBe(0)
    expect(builder.append(0, null, b('x'))).toBe(-1)
    expect(builder.recordCount).toBe(1)
    const small = new BatchBuilder({maxBytes: 100})
    expect(small.append(0, null, b('a'))).toBe(0)
    expect(small.append(0, null, b('b'))).toBe(1)
    expect(sizeOfRecord(0, 0, null, b('a'))).toBe(8)
  })

  it('rejects a batch whose CRC does not match', () => {
    const batch = build([{ts: 1, key: null, value: b('payload')}])
    batch[BATCH_HEADER_SIZE + 3]! ^= 0xff
    expect(() => validateBatch(batch, 0, batch.length)).toThrow(
      /Record batch is corrupt: CRC-32C 0x[0-9a-f]{8} does not match/,
    )
  })

  it('keeps the CRC valid when the broker rewrites the base offset and leader epoch', () => {
    const batch = build([{ts: 1, key: null, value: b('payload')}])
    setBaseOffset(batch, 0, 123456789)
    batch.writeInt32BE(7, 12)
    expect(validateBatch(batch, 0, batch.length).baseOffset).toBe(123456789)
    expect(decodeRecords(batch)[0]!.offset).toBe(123456789)
  })

  it('stamps LogAppendTime and recomputes the CRC', () => {
    const batch = build([
      {ts: 1, key: null, value: b('a')},
      {ts: 2, key: null, value: b('b')},
    ])
    setLogAppendTime(batch, 0, 5000)
    const header = validateBatch(batch, 0, batch.length)
    expect(header).toMatchObject({timestampType: 1, maxTimestamp: 5000})
    expect(decodeRecords(batch).map((r) => r.timestamp)).toEqual([5000, 5000])
  })

  it('rejects inconsistent counts, other magics and client control batches', () => {
    const base = () => build([{ts: 1, key: null, value: b('a')}])
    const fix = (batch: Buffer) => batch.writeUInt32BE(crc32c(batch, 21), 17)
    const delta = base()
    delta.writeInt32BE(3, 23)
    fix(delta)
    expect(() => validateBatch(delta, 0, delta.length)).toThrow(/lastOffsetDelta 3 does not match its 1 records/)
    const magic = base()
    magic.writeInt8(1, 16)
    expect(() => validateBatch(magic, 0, magic.length)).toThrow(/Unsupported record batch magic 1/)
    const control = base()
    control.writeInt16BE(0x20, 21)
    fix(control)
    expect(() => validateBatch(control, 0, control.length)).toThrow(/control batches/)
    const short = base()
    expect(() => validateBatch(short, 0, short.length - 1)).toThrow(/length field says/)
  })

  it('splits concatenated batches and stops at a truncated one', () => {
    const one = build([{ts: 1, key: null, value: b('a')}])
    const two = build([{ts: 1, key: null, value: b('bb')}])
    const all = Buffer.concat([one, two, two.subarray(0, 30)])
    expect([...splitBatches(all)]).toEqual([
      {offset: 0, size: one.length},
      {offset: one.length, size: two.length},
    ])
  })

  it('reports a record that runs past its batch as corrupt', () => {
    const batch = build([{ts: 1, key: null, value: b('abcdef')}])
    batch[BATCH_HEADER_SIZE] = 100 // record length far past the end
    expect(() => decodeRecords(batch)).toThrow(/runs past its end/)
  })
})
