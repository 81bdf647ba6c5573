import {describe, expect, it} from 'vitest'
import {KafkaException} from '../../src/errors.js'
import {crc32c} from '../../src/protocol/kafka/crc32c.js'
import {
  BATCH_HEADER_SIZE,
  BatchBuilder,
  checkBatch,
  CODECS,
  COMPRESSION,
  decodeRecords,
  forEachRecord,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  OFFSET,
  readBatchHeader,
  recompress,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  sizeOfRecord,
  splitBatches,
  TIMESTAMP_TYPE,
  validateBatch,
  validateRecords,
  type BatchBuilderOptions,
  type RecordCursor,
  type RecordHeader,
} from '../../src/protocol/kafka/record-batch.js'

const b = (s: string) => Buffer.from(s, 'utf8')
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
/** Hex bytes with a note after two or more spaces on each line. */
const layout = (s: string) =>
  hex(
    s
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/)[0])
      .join(''),
  )

interface Input {
  ts: number
  key: Buffer | null
  value: Buffer | null
  headers?: RecordHeader[]
}

function build(records: Input[], options: Partial<BatchBuilderOptions> = {}): Buffer {
  const builder = new BatchBuilder({maxBytes: 1 << 20, ...options})
  records.forEach((r, i) => expect(builder.append(r.ts, r.key, r.value, r.headers)).toBe(i))
  return builder.build()
}

/** Rewrites the CRC after a test edits bytes it covers, so that the check under test is the one that fails. */
const fixCrc = (batch: Buffer) => batch.writeUInt32BE(crc32c(batch, OFFSET.attributes), OFFSET.crc)

function thrown(fn: () => unknown): KafkaException {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaException)
    return error as KafkaException
  }
  throw new Error('expected a KafkaException')
}

describe('RecordBatch v2 layout', () => {
  it('lays out a one-record batch byte for byte as the spec says', () => {
    const batch = build([{ts: 1000, key: b('k'), value: b('v')}])
    const expected = layout(
      `
      00000000 00000000  baseOffset 0
      0000003a           batchLength 58 (61 + 9 - 12)
      ffffffff           partitionLeaderEpoch -1
      02                 magic
      00000000           crc, filled in below
      0000               attributes: no compression, CreateTime
      00000000           lastOffsetDelta 0
      00000000 000003e8  baseTimestamp 1000
      00000000 000003e8  maxTimestamp 1000
      ffffffff ffffffff  producerId -1
      ffff               producerEpoch -1
      ffffffff           baseSequence -1
      00000001           recordCount 1
      10                 record length 8 (zig-zag 16)
      00                 attributes
      00                 timestampDelta 0
      00                 offsetDelta 0
      02 6b              key length 1, 'k'
      02 76              value length 1, 'v'
      00                 no headers
    `,
    )
    expect(expected).toHaveLength(70)
    expected.writeUInt32BE(crc32c(expected, 21), 17)
    expect(batch.toString('hex')).toBe(expected.toString('hex'))
  })

  it('lays out producer fields, negative timestamp deltas, null keys and values and headers as the spec says', () => {
    const batch = build(
      [
        {ts: 1000, key: null, value: b('v')},
        {ts: 999, key: b('k'), value: null, headers: [{key: 'h', value: null}]},
      ],
      {producerId: 42, producerEpoch: 3, baseSequence: 7, transactional: true},
    )
    const expected = layout(
      `
      00000000 00000000  baseOffset
      00000044           batchLength 68 (61 + 19 - 12)
      ffffffff           partitionLeaderEpoch
      02                 magic
      00000000           crc, filled in below
      0010               attributes: transactional
      00000001           lastOffsetDelta 1
      00000000 000003e8  baseTimestamp 1000 (the first record's)
      00000000 000003e8  maxTimestamp 1000 (the largest, not the last)
      00000000 0000002a  producerId 42
      0003               producerEpoch 3
      00000007           baseSequence 7
      00000002           recordCount 2
      0e 00 00 00        record 0: length 7, attributes, timestampDelta 0, offsetDelta 0
      01                 null key
      02 76              value 'v'
      00                 no headers
      14 00 01 02        record 1: length 10, attributes, timestampDelta -1, offsetDelta 1
      02 6b              key 'k'
      01                 null value
      02                 1 header
      02 68 01           header key 'h', null value
    `,
    )
    expect(expected).toHaveLength(80)
    expected.writeUInt32BE(crc32c(expected, 21), 17)
    expect(batch.toString('hex')).toBe(expected.toString('hex'))
    expect(decodeRecords(batch)).toEqual([
      {offset: 0, timestamp: 1000, key: null, value: b('v'), headers: []},
      {offset: 1, timestamp: 999, key: b('k'), value: null, headers: [{key: 'h', value: null}]},
    ])
  })

  it('reads a gzip LogAppendTime batch written by a real Kafka broker', () => {
    // From kafkajs's test fixtures (src/protocol/recordBatch/fixtures/v0_recordbatch.json), fetched from Kafka.
    const kafka = hex(`
      0000000000000000 00000071 00000000 02 e4c324a5 0009 00000000 00000173edf5ffa7 00000173edf5ffc9
      ffffffffffffffff 0000 00000000 00000001
      1f8b08000000000000130b636060e0ca4eadd43570284bcc294dd535d035323032d035b0d03534093134b73234b632b0d033b3
      308a620000b5e3f1a72c000000
    `)
    const header = validateBatch(kafka, 0, kafka.length)
    expect(header).toMatchObject({
      magic: 2,
      compression: COMPRESSION.gzip,
      timestampType: TIMESTAMP_TYPE.LogAppendTime,
      baseTimestamp: 1597425188775,
      maxTimestamp: 1597425188809,
      recordCount: 1,
      producerId: -1,
      baseSequence: 0,
    })
    expect(decodeRecords(kafka)).toEqual([
      {offset: 0, timestamp: 1597425188809, key: b('key-0'), value: b('value-0-2020-08-14T17:13:08.682Z'), headers: []},
    ])
  })

  it('reads every header field back as written', () => {
    const batch = build([{ts: 1_700_000_000_000, key: null, value: b('x')}], {
      producerId: 2 ** 40,
      producerEpoch: 32767,
      baseSequence: 2 ** 31 - 1,
    })
    setBaseOffset(batch, 0, 2 ** 50)
    setPartitionLeaderEpoch(batch, 0, 12)
    expect(readBatchHeader(batch)).toEqual({
      baseOffset: 2 ** 50,
      batchLength: batch.length - 12,
      partitionLeaderEpoch: 12,
      magic: 2,
      crc: crc32c(batch, 21),
      attributes: 0,
      compression: 0,
      timestampType: 0,
      isTransactional: false,
      isControl: false,
      lastOffsetDelta: 0,
      baseTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_000,
      producerId: 2 ** 40,
      producerEpoch: 32767,
      baseSequence: 2 ** 31 - 1,
      recordCount: 1,
    })
  })

  it('writes no producer id, epoch and sequence by default', () => {
    const header = readBatchHeader(build([{ts: 0, key: null, value: null}]))
    expect(header).toMatchObject({producerId: NO_PRODUCER_ID, producerEpoch: -1, baseSequence: NO_SEQUENCE})
    expect(header.isTransactional).toBe(false)
  })

  it('refuses to read a header from fewer than 61 bytes', () => {
    expect(() => readBatchHeader(Buffer.alloc(60))).toThrow(/shorter than its 61-byte header/)
  })
})

describe('round trips', () => {
  const binary = Buffer.from(Array.from({length: 256}, (_, i) => i))
  const records: Input[] = [
    {ts: 5, key: null, value: b('no key')},
    {ts: 6, key: b('k'), value: null},
    {ts: 7, key: null, value: null},
    {ts: 4, key: Buffer.alloc(0), value: Buffer.alloc(0)},
    {ts: 9, key: binary, value: Buffer.from(binary).reverse()},
    {ts: 9, key: b('clé ✓'), value: b('héllo ✓ 日本 🎉')},
    {
      ts: 8,
      key: b('h'),
      value: b('x'),
      headers: [
        {key: 'a', value: b('1')},
        {key: 'a', value: null},
        {key: 'ü 日本', value: Buffer.alloc(0)},
        {key: '', value: binary},
      ],
    },
    {ts: 5, key: null, value: Buffer.alloc(300, 0xab)},
  ]

  for (const compression of CODECS) {
    it(`gives back every key, value and header as written (${compression})`, () => {
      const batch = build(records, {compression})
      const header = validateBatch(batch, 0, batch.length)
      expect(header).toMatchObject({
        compression: COMPRESSION[compression],
        recordCount: records.length,
        lastOffsetDelta: records.length - 1,
        baseTimestamp: 5,
        maxTimestamp: 9,
        timestampType: 0,
      })
      expect(decodeRecords(batch)).toEqual(
        records.map((r, i) => ({offset: i, timestamp: r.ts, key: r.key, value: r.value, headers: r.headers ?? []})),
      )
    })

    it(`round-trips one record and a thousand records (${compression})`, () => {
      expect(decodeRecords(build([{ts: 1, key: b('only'), value: b('one')}], {compression}))).toEqual([
        {offset: 0, timestamp: 1, key: b('only'), value: b('one'), headers: []},
      ])
      const many = Array.from({length: 1000}, (_, i) => ({
        ts: 1_700_000_000_000 + i * 3,
        key: i % 7 === 0 ? null : b(`key-${i}`),
        value: b(`value-${i}`.repeat(i % 5)),
      }))
      const batch = build(many, {compression})
      validateBatch(batch, 0, batch.length)
      const decoded = decodeRecords(batch)
      expect(decoded).toHaveLength(1000)
      expect(decoded.map((r) => r.offset)).toEqual(many.map((_, i) => i))
      expect(decoded.map((r) => r.timestamp)).toEqual(many.map((r) => r.ts))
      expect(decoded.map((r) => r.key)).toEqual(many.map((r) => r.key))
      expect(decoded.map((r) => r.value)).toEqual(many.map((r) => r.value))
    })
  }

  it('compresses everything after recordCount into one gzip block and sets codec 1', () => {
    const batch = build([{ts: 1, key: null, value: Buffer.alloc(5000, 0x61)}], {compression: 'gzip'})
    expect(batch.readInt16BE(OFFSET.attributes) & 0x07).toBe(1)
    expect([batch[61], batch[62]]).toEqual([0x1f, 0x8b])
    expect(batch.length).toBeLessThan(200)
    expect(decodeRecords(batch)[0]!.value).toEqual(Buffer.alloc(5000, 0x61))
  })

  it('keeps timestamps far before the first record and beyond 2^31 ms exact', () => {
    const ts = [1_700_000_000_000, 0, 2 ** 53 - 1, 1_700_000_000_001]
    const batch = build(ts.map((t) => ({ts: t, key: null, value: null})))
    expect(readBatchHeader(batch).maxTimestamp).toBe(2 ** 53 - 1)
    expect(decodeRecords(batch).map((r) => r.timestamp)).toEqual(ts)
  })

  it('decodes a batch that sits inside a larger buffer', () => {
    const batch = build([{ts: 3, key: b('k'), value: b('v')}])
    const buf = Buffer.concat([Buffer.alloc(17, 0xee), batch, Buffer.alloc(9, 0xee)])
    expect(validateBatch(buf, 17, batch.length).recordCount).toBe(1)
    expect(decodeRecords(buf, 17, batch.length)).toEqual(decodeRecords(batch))
    expect(decodeRecords(buf, 17)).toEqual(decodeRecords(batch))
  })
})

describe('forEachRecord', () => {
  it('hands out positions into the batch through one reused cursor', () => {
    const batch = build([
      {ts: 10, key: b('k0'), value: b('v0')},
      {ts: 11, key: null, value: b('v1'), headers: [{key: 'h', value: b('x')}]},
      {ts: 12, key: b('k2'), value: null},
    ])
    setBaseOffset(batch, 0, 100)
    const header = readBatchHeader(batch)
    const cursors = new Set<RecordCursor>()
    const seen: unknown[] = []
    forEachRecord(batch, 0, batch.length, header, (r) => {
      cursors.add(r)
      expect(r.data).toBe(batch)
      seen.push({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.keyLength < 0 ? null : r.data.toString('utf8', r.keyStart, r.keyStart + r.keyLength),
        value: r.valueLength < 0 ? null : r.data.toString('utf8', r.valueStart, r.valueStart + r.valueLength),
        headers: r.headers.map((h) => [h.key, h.value?.toString()]),
      })
    })
    expect(cursors.size).toBe(1)
    expect(seen).toEqual([
      {offset: 100, timestamp: 10, key: 'k0', value: 'v0', headers: []},
      {offset: 101, timestamp: 11, key: null, value: 'v1', headers: [['h', 'x']]},
      {offset: 102, timestamp: 12, key: 'k2', value: null, headers: []},
    ])
  })

  it('stops when the callback returns false', () => {
    const batch = build(Array.from({length: 10}, (_, i) => ({ts: i, key: null, value: b(`${i}`)})))
    const offsets: number[] = []
    forEachRecord(batch, 0, batch.length, readBatchHeader(batch), (r) => {
      offsets.push(r.offset)
      return r.offset < 3
    })
    expect(offsets).toEqual([0, 1, 2, 3])
  })

  it('walks records of a gzip batch in the decompressed bytes', () => {
    const batch = build(
      Array.from({length: 50}, (_, i) => ({ts: i, key: null, value: b(`value-${i}`)})),
      {compression: 'gzip'},
    )
    const values: string[] = []
    forEachRecord(batch, 0, batch.length, readBatchHeader(batch), (r) => {
      expect(r.data).not.toBe(batch)
      values.push(r.data.toString('utf8', r.valueStart, r.valueStart + r.valueLength))
    })
    expect(values[49]).toBe('value-49')
  })
})

describe('BatchBuilder', () => {
  it('refuses a record past maxBytes but always accepts the first', () => {
    const builder = new BatchBuilder({maxBytes: 100})
    expect(builder.append(0, null, Buffer.alloc(500))).toBe(0)
    expect(builder.append(0, null, b('x'))).toBe(-1)
    expect(builder.recordCount).toBe(1)
    expect(decodeRecords(builder.build())).toHaveLength(1)
  })

  it('accepts a record that fills the batch exactly to maxBytes, and nothing after it', () => {
    const one = sizeOfRecord(0, 0, null, b('a'))
    const builder = new BatchBuilder({maxBytes: BATCH_HEADER_SIZE + 3 * one})
    for (let i = 0; i < 3; i++) expect(builder.append(0, null, b('a'))).toBe(i)
    expect(builder.sizeInBytes).toBe(BATCH_HEADER_SIZE + 3 * one)
    expect(builder.append(0, null, b('a'))).toBe(-1)
    expect(builder.append(0, null, null)).toBe(-1)
    expect(builder.recordCount).toBe(3)
    expect(builder.build()).toHaveLength(BATCH_HEADER_SIZE + 3 * one)
  })

  it('writes nothing for a refused record', () => {
    const builder = new BatchBuilder({maxBytes: 80})
    builder.append(0, null, b('a'))
    const before = builder.sizeInBytes
    expect(builder.append(0, null, Buffer.alloc(100))).toBe(-1)
    expect(builder.sizeInBytes).toBe(before)
    expect(decodeRecords(builder.build()).map((r) => r.value)).toEqual([b('a')])
  })

  it('sizes an uncompressed batch exactly before it is built', () => {
    const builder = new BatchBuilder({maxBytes: 1 << 20})
    expect(builder.sizeInBytes).toBe(BATCH_HEADER_SIZE)
    const headers = [
      {key: 'trace', value: b('abc')},
      {key: 'empty', value: null},
    ]
    for (let i = 0; i < 500; i++) builder.append(1000 + i * 1000, i % 2 ? null : b(`k${i}`), b('v'.repeat(i)), headers)
    const size = builder.sizeInBytes
    expect(builder.build()).toHaveLength(size)
  })

  it('computes sizeOfRecord as the bytes the record takes in the batch', () => {
    const cases: [number, Buffer | null, Buffer | null, RecordHeader[] | null][] = [
      [0, null, null, null],
      [0, null, b('a'), null],
      [-1, b('k'), Buffer.alloc(200), [{key: 'h', value: null}]],
      [
        1_000_000_000_000,
        Buffer.alloc(70),
        null,
        [
          {key: 'ü', value: b('x')},
          {key: 'ü', value: Buffer.alloc(0)},
        ],
      ],
    ]
    for (const [delta, key, value, headers] of cases) {
      const builder = new BatchBuilder({maxBytes: 1 << 20})
      builder.append(0, null, null)
      const before = builder.sizeInBytes
      builder.append(delta, key, value, headers)
      expect(sizeOfRecord(delta, 1, key, value, headers)).toBe(builder.sizeInBytes - before)
    }
    expect(sizeOfRecord(0, 0, null, b('a'))).toBe(8)
  })

  it('reports its record count and first timestamp', () => {
    const builder = new BatchBuilder({maxBytes: 1000})
    expect(builder.recordCount).toBe(0)
    builder.append(77, null, null)
    builder.append(50, null, null)
    expect(builder.recordCount).toBe(2)
    expect(builder.firstTimestamp).toBe(77)
  })

  it('grows past its first buffer when a record is larger than maxBytes', () => {
    const big = Buffer.alloc(100_000, 0x5a)
    const batch = build([{ts: 0, key: null, value: big}], {maxBytes: 16384})
    expect(batch).toHaveLength(BATCH_HEADER_SIZE + sizeOfRecord(0, 0, null, big, null))
    expect(decodeRecords(batch)[0]!.value!.equals(big)).toBe(true)
  })

  it('refuses to build an empty batch and to append once built', () => {
    const empty = new BatchBuilder({maxBytes: 1000})
    expect(thrown(() => empty.build()).code).toBe('ILLEGAL_STATE')
    const builder = new BatchBuilder({maxBytes: 1000})
    builder.append(0, null, b('a'))
    const batch = builder.build()
    expect(builder.build()).toBe(batch)
    expect(thrown(() => builder.append(0, null, b('b'))).code).toBe('ILLEGAL_STATE')
    expect(decodeRecords(batch)).toHaveLength(1)
  })
})

describe('validateBatch', () => {
  const one = () => build([{ts: 1, key: b('key'), value: b('payload')}])

  it('accepts a batch as built', () => {
    const batch = one()
    expect(validateBatch(batch, 0, batch.length).recordCount).toBe(1)
  })

  it('rejects a batch whose CRC does not match', () => {
    const batch = one()
    batch[BATCH_HEADER_SIZE + 3]! ^= 0xff
    const error = thrown(() => validateBatch(batch, 0, batch.length))
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toMatch(
      /^Record batch is corrupt: CRC-32C 0x[0-9a-f]{8} does not match the stored 0x[0-9a-f]{8}$/,
    )
  })

  it('rejects a flipped bit anywhere from the attributes to the end', () => {
    const batch = one()
    for (let i = OFFSET.attributes; i < batch.length; i++) {
      const copy = Buffer.from(batch)
      copy[i]! ^= 0x01
      expect(() => validateBatch(copy, 0, copy.length)).toThrow(/CRC-32C/)
    }
  })

  it('rejects a changed stored CRC', () => {
    const batch = one()
    batch[OFFSET.crc]! ^= 0x80
    expect(() => validateBatch(batch, 0, batch.length)).toThrow(/CRC-32C/)
  })

  it('does not cover the base offset and the partition leader epoch with the CRC', () => {
    const batch = one()
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) batch[i] = 0x5a
    expect(validateBatch(batch, 0, batch.length).baseOffset).toBe(Number(batch.readBigInt64BE(0)))
    // The length field is not covered either; changing it breaks the size check instead.
    const length = one()
    length.writeInt32BE(length.length - 11, OFFSET.batchLength)
    expect(() => validateBatch(length, 0, length.length)).toThrow(/length field says/)
  })

  it('rejects magic 1 with a message naming it', () => {
    const batch = one()
    batch.writeInt8(1, OFFSET.magic)
    const error = thrown(() => validateBatch(batch, 0, batch.length))
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toBe('Unsupported record batch magic 1; kafkalite stores magic 2 (Kafka 0.11+) batches only')
  })

  it('rejects a lastOffsetDelta that does not match the record count', () => {
    const batch = one()
    batch.writeInt32BE(3, OFFSET.lastOffsetDelta)
    fixCrc(batch)
    const error = thrown(() => validateBatch(batch, 0, batch.length))
    expect(error.code).toBe('INVALID_RECORD')
    expect(error.message).toMatch(/lastOffsetDelta 3 does not match its 1 records/)
  })

  it('rejects a batch without records', () => {
    const batch = one()
    batch.writeInt32BE(0, OFFSET.recordCount)
    batch.writeInt32BE(-1, OFFSET.lastOffsetDelta)
    fixCrc(batch)
    const error = thrown(() => validateBatch(batch, 0, batch.length))
    expect(error.code).toBe('INVALID_RECORD')
    expect(error.message).toMatch(/holds 0 records/)
  })

  it('rejects a control batch from a client, which checkBatch lets through', () => {
    const batch = one()
    batch.writeInt16BE(0x30, OFFSET.attributes)
    fixCrc(batch)
    const error = thrown(() => validateBatch(batch, 0, batch.length))
    expect(error.code).toBe('INVALID_RECORD')
    expect(error.message).toMatch(/control batches/)
    expect(checkBatch(batch, 0, batch.length)).toMatchObject({isControl: true, isTransactional: true})
  })

  it('rejects sizes that disagree with the length field or the data', () => {
    const batch = one()
    expect(() => validateBatch(batch, 0, batch.length - 1)).toThrow(/length field says \d+ bytes but the batch has/)
    expect(() => validateBatch(batch, 0, 60)).toThrow(/shorter than its 61-byte header/)
    expect(() => validateBatch(batch, 1, batch.length)).toThrow(/runs past the \d+ bytes received/)
    expect(thrown(() => validateBatch(batch, 0, batch.length + 1)).code).toBe('CORRUPT_MESSAGE')
  })
})

describe('broker rewrites', () => {
  it('keeps the CRC valid when the broker sets the base offset and the leader epoch', () => {
    const batch = build([
      {ts: 1, key: null, value: b('a')},
      {ts: 2, key: null, value: b('b')},
    ])
    const crc = readBatchHeader(batch).crc
    setBaseOffset(batch, 0, 123_456_789_012)
    setPartitionLeaderEpoch(batch, 0, 7)
    const header = validateBatch(batch, 0, batch.length)
    expect(header).toMatchObject({baseOffset: 123_456_789_012, partitionLeaderEpoch: 7, crc})
    expect(decodeRecords(batch).map((r) => r.offset)).toEqual([123_456_789_012, 123_456_789_013])
  })

  it('stamps LogAppendTime, recomputes the CRC and gives every record the append time', () => {
    for (const compression of CODECS) {
      const batch = build(
        [
          {ts: 1, key: null, value: b('a')},
          {ts: 2, key: null, value: b('b')},
        ],
        {compression, transactional: true},
      )
      setLogAppendTime(batch, 0, 1_700_000_005_000)
      const header = validateBatch(batch, 0, batch.length)
      expect(header).toMatchObject({
        timestampType: TIMESTAMP_TYPE.LogAppendTime,
        maxTimestamp: 1_700_000_005_000,
        baseTimestamp: 1,
        compression: COMPRESSION[compression],
        isTransactional: true,
      })
      expect(decodeRecords(batch).map((r) => r.timestamp)).toEqual([1_700_000_005_000, 1_700_000_005_000])
    }
  })

  it('rewrites a batch in place inside a larger buffer', () => {
    const first = build([{ts: 1, key: null, value: b('a')}])
    const second = build([{ts: 2, key: null, value: b('bb')}])
    const buf = Buffer.concat([first, second])
    setBaseOffset(buf, first.length, 10)
    setLogAppendTime(buf, first.length, 99)
    expect(validateBatch(buf, 0, first.length).baseOffset).toBe(0)
    expect(validateBatch(buf, first.length, second.length)).toMatchObject({baseOffset: 10, maxTimestamp: 99})
  })
})

describe('splitBatches', () => {
  const one = build([{ts: 1, key: null, value: b('a')}])
  const two = build([
    {ts: 1, key: null, value: b('bb')},
    {ts: 2, key: b('k'), value: b('ccc')},
  ])

  it('walks concatenated batches by their length fields', () => {
    const all = Buffer.concat([one, two, one])
    expect([...splitBatches(all)]).toEqual([
      {offset: 0, size: one.length},
      {offset: one.length, size: two.length},
      {offset: one.length + two.length, size: one.length},
    ])
    expect([...splitBatches(Buffer.alloc(0))]).toEqual([])
  })

  it('stops at a truncated trailing batch, however short', () => {
    for (const cut of [1, 11, 12, 30, 61, two.length - 1]) {
      expect([...splitBatches(Buffer.concat([one, two.subarray(0, cut)]))]).toEqual([{offset: 0, size: one.length}])
    }
  })

  it('throws on a length field too small for a batch header', () => {
    const bad = Buffer.from(one)
    bad.writeInt32BE(20, OFFSET.batchLength)
    const error = thrown(() => [...splitBatches(Buffer.concat([one, bad]))])
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toMatch(new RegExp(`at byte ${one.length} declares 32 bytes`))
  })
})

describe('malformed records', () => {
  it('reports a record that runs past its batch as corrupt', () => {
    const batch = build([{ts: 1, key: null, value: b('abcdef')}])
    batch[BATCH_HEADER_SIZE] = 100 // record length 50, far past the end
    const error = thrown(() => decodeRecords(batch))
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toMatch(/Record 0 of the batch \(50 bytes\) runs past its end/)
  })

  it('reports a batch that declares more records than it holds', () => {
    const batch = build([{ts: 1, key: null, value: b('a')}])
    batch.writeInt32BE(2, OFFSET.recordCount)
    expect(() => decodeRecords(batch)).toThrow(/declares 2 records but its data ends after 1/)
  })

  it('reports a batch that holds more records than it declares', () => {
    const batch = build([
      {ts: 1, key: null, value: b('a')},
      {ts: 1, key: null, value: b('b')},
    ])
    batch.writeInt32BE(1, OFFSET.recordCount)
    expect(() => decodeRecords(batch)).toThrow(/declares 1 records but \d+ bytes remain after them/)
  })

  it('reports a key or value length that disagrees with the record length', () => {
    const batch = build([{ts: 1, key: b('kk'), value: b('vv')}])
    const keyLength = BATCH_HEADER_SIZE + 4
    expect(batch[keyLength]).toBe(4) // zig-zag 2
    const longKey = Buffer.from(batch)
    longKey[keyLength] = 0x14 // 10 bytes
    expect(() => decodeRecords(longKey)).toThrow(/invalid key length 10/)
    const negativeKey = Buffer.from(batch)
    negativeKey[keyLength] = 0x03 // -2
    expect(() => decodeRecords(negativeKey)).toThrow(/invalid key length -2/)
    const shortValue = Buffer.from(batch)
    shortValue[keyLength + 3] = 0x02 // value of 1 byte where 2 are
    expect(() => decodeRecords(shortValue)).toThrow(/Record 0/)
  })

  it('reports a malformed varint inside a record', () => {
    const batch = build([{ts: 1, key: null, value: b('a')}])
    batch.fill(0xff, BATCH_HEADER_SIZE)
    expect(thrown(() => decodeRecords(batch)).code).toBe('CORRUPT_MESSAGE')
  })

  it('reports gzip data that does not decompress', () => {
    const batch = build([{ts: 1, key: null, value: b('a'.repeat(100))}], {compression: 'gzip'})
    batch.fill(0, BATCH_HEADER_SIZE + 10)
    const error = thrown(() => decodeRecords(batch))
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toMatch(/^Record batch gzip data is corrupt/)
  })

  it.each([
    ['snappy', 2, [0x82, 0x53], 400], // snappy-java's stream header; copies of at most 64 bytes
    ['lz4', 3, [0x04, 0x22], 200], // the LZ4 frame magic, little-endian
    ['zstd', 4, [0x28, 0xb5], 100], // the zstd frame magic 0xFD2FB528, little-endian
  ] as const)('compresses with %s (codec %d) as Kafka frames it', (name, codec, magic, most) => {
    const batch = build([{ts: 1, key: null, value: Buffer.alloc(5000, 0x61)}], {compression: name})
    expect(batch.readInt16BE(OFFSET.attributes) & 0x07).toBe(codec)
    expect([batch[61], batch[62]]).toEqual(magic)
    expect(batch.length).toBeLessThan(most)
    expect(decodeRecords(batch)[0]!.value).toEqual(Buffer.alloc(5000, 0x61))
  })

  it.each(['snappy', 'lz4'] as const)('reports %s data that does not decompress', (name) => {
    const batch = build([{ts: 1, key: null, value: b('a'.repeat(100))}], {compression: name})
    batch.fill(0xff, BATCH_HEADER_SIZE + 20)
    const error = thrown(() => decodeRecords(batch))
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toMatch(new RegExp(`^Record batch ${name} data is corrupt: (Snappy|LZ4) data is corrupt`))
  })

  it('rebuilds a batch with another codec, keeping its records, producer, sequence and transactional flag', () => {
    const records: Input[] = [
      {ts: 1_700_000_000_000, key: b('k1'), value: b('v'.repeat(300)), headers: [{key: 'h', value: b('x')}]},
      {ts: 1_700_000_000_500, key: null, value: null},
      {ts: 1_699_999_999_000, key: b('k3'), value: b('v'.repeat(300))},
    ]
    const builder = new BatchBuilder({maxBytes: 1 << 20, compression: 'gzip'})
    for (const r of records) builder.append(r.ts, r.key, r.value, r.headers)
    builder.setProducerState(42, 3, 17, true)
    const original = builder.build()
    const before = readBatchHeader(original)
    for (const codec of CODECS) {
      const rebuilt = recompress(original, 0, original.length, before, codec)
      const after = validateBatch(rebuilt, 0, rebuilt.length) // its CRC is right
      expect(after.compression).toBe(COMPRESSION[codec])
      const same = ({crc: _c, batchLength: _l, attributes: _a, compression: _k, ...rest}: typeof after) => rest
      expect(same(after)).toEqual(same(before))
      expect(decodeRecords(rebuilt)).toEqual(decodeRecords(original))
    }
  })

  it('names an unknown compression type id', () => {
    const batch = build([{ts: 1, key: null, value: b('a')}])
    batch.writeInt16BE(5, OFFSET.attributes)
    const error = thrown(() => decodeRecords(batch))
    expect(error.code).toBe('CORRUPT_MESSAGE')
    expect(error.message).toBe(
      "Unknown compression type id 5 in the record batch attributes: Kafka's are 0 to 4 (none, gzip, snappy, lz4, zstd)",
    )
  })
})

describe('validateRecords', () => {
  const rules = {
    requireKeys: false,
    now: 0,
    timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
    timestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
    maxDecompressedBytes: 1 << 20,
  }

  // Found by the fuzzer (seed 20251010): above 2^53, baseOffset + delta - baseOffset is 0 as a double, so a batch whose
  // first record had offset delta 41 passed as 0, was stored, and its records then read with the wrong offsets.
  it.each([0n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n])(
    'refuses offset deltas that are not 0, 1, 2, ... whatever base offset the producer wrote (%s)',
    (baseOffset) => {
      const batch = build([
        {ts: 1, key: null, value: b('a')},
        {ts: 1, key: null, value: b('b')},
      ])
      batch.writeBigInt64BE(baseOffset, OFFSET.baseOffset) // outside the CRC: the broker overwrites it
      expect(() => validateRecords(batch, 0, batch.length, readBatchHeader(batch), rules)).not.toThrow()
      const offsetDelta = BATCH_HEADER_SIZE + 3 // record 0: length, attributes, timestamp delta, offset delta
      expect(batch[offsetDelta]).toBe(0)
      batch[offsetDelta] = 82 // zig-zag 41
      fixCrc(batch)
      const error = thrown(() => validateRecords(batch, 0, batch.length, readBatchHeader(batch), rules))
      expect(error.code).toBe('INVALID_RECORD')
      expect(error.message).toMatch(/^Record 0 of the batch has offset delta 41, expected 0/)
    },
  )
})
