// The daemon validates every record of a batch before it stores it, as Kafka's LogValidator does: a batch with a
// valid header and CRC but malformed records inside is refused (CORRUPT_MESSAGE / INVALID_RECORD), nothing of it is
// stored, and consumers of the partition never meet it.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {gzipSync} from 'node:zlib'
import {KafkaConsumer} from '../../../src/client/index.js'
import {Connection} from '../../../src/client/connection.js'
import {crc32c} from '../../../src/protocol/kafka/crc32c.js'
import {BatchBuilder, COMPRESSION, OFFSET} from '../../../src/protocol/kafka/record-batch.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest()
let connection: Connection
let topic: string

beforeEach(async () => {
  topic = uniqueTopic()
  await home.createTopic(topic)
  connection = await Connection.open({home: home.dir})
})

afterEach(() => {
  connection.close()
})

/** A two-record batch (keys k0, k1; values v0, v1) as a producer encodes it. */
function batch(keys: (string | null)[] = ['k0', 'k1']): Buffer {
  const b = new BatchBuilder({maxBytes: 1 << 20})
  keys.forEach((k, i) => b.append(1_000, k === null ? null : Buffer.from(k), Buffer.from(`v${i}`)))
  return Buffer.from(b.build())
}

/** Makes the CRC valid again after a change inside the CRC's range. */
function recrc(buf: Buffer): Buffer {
  buf.writeUInt32BE(crc32c(buf, OFFSET.attributes, buf.length), OFFSET.crc)
  return buf
}

async function produce(bytes: Buffer, to = topic) {
  const res = await connection.request(
    'produce',
    {acks: -1, timeoutMs: 5_000, batches: [{topic: to, partition: 0, size: bytes.length}]},
    [bytes],
  )
  return res.results[0]!
}

async function logEnd(): Promise<number> {
  const [end] = await home.withAdmin((admin) => admin.listOffsets([{topic, partition: 0, spec: 'latest'}]))
  return end!.offset
}

// Record 0 starts right after the 61-byte header: its length varint, attributes, timestamp delta, offset delta, key
// length (all one byte for these small records).
const RECORD0 = 61

describe('record validation on produce', () => {
  const cases: [string, () => Buffer, string, RegExp][] = [
    [
      'a record length that is not a valid varint',
      () => {
        const b = batch()
        b.fill(0xff, RECORD0, RECORD0 + 5)
        return recrc(b)
      },
      'CORRUPT_MESSAGE',
      /.+/,
    ],
    [
      'a record count that does not match the records',
      () => {
        const b = batch()
        b.writeInt32BE(3, OFFSET.recordCount)
        b.writeInt32BE(2, OFFSET.lastOffsetDelta)
        return recrc(b)
      },
      'CORRUPT_MESSAGE',
      /declares 3 records but its data ends after 2/,
    ],
    [
      'a key longer than the batch',
      () => {
        const b = batch()
        b[RECORD0 + 4] = 0x7e // key length 63 (zigzag), far past the record's end
        return recrc(b)
      },
      'CORRUPT_MESSAGE',
      /invalid key length 63/,
    ],
    [
      'offset deltas that are not 0, 1, 2, ...',
      () => {
        const b = batch()
        const record1 = RECORD0 + 1 + b[RECORD0]! / 2 // after record 0's length varint and its bytes
        b[record1 + 3] = 0 // record 1's offset delta 1 (zigzag 2) becomes 0
        return recrc(b)
      },
      'INVALID_RECORD',
      /Record 1 of the batch has offset delta 0, expected 1/,
    ],
  ]

  for (const [what, make, code, message] of cases) {
    it(`refuses a batch with a valid CRC but ${what} (${code}), and stores nothing of it`, async () => {
      const result = await produce(make())
      expect(result.error).toMatchObject({code, message: expect.stringMatching(message)})
      expect(await logEnd()).toBe(0)
      // The partition stays readable: the next good batch lands at offset 0 and a consumer reads it.
      expect((await produce(batch())).baseOffset).toBe(0)
      const consumer = new KafkaConsumer({...home.config, 'auto.offset.reset': 'earliest'})
      consumer.assign([{topic, partition: 0}])
      const records = await consumer.poll(5_000)
      expect(records.count).toBe(2)
      await consumer.close()
    })
  }

  it('validates the records of a compressed batch too', async () => {
    // A gzip batch whose records, once decompressed, have a bad key length.
    const plain = batch()
    const records = Buffer.from(plain.subarray(RECORD0))
    records[4] = 0x7e
    const header = Buffer.from(plain.subarray(0, RECORD0))
    const compressed = gzipSync(records)
    const b = Buffer.concat([header, compressed])
    b.writeInt32BE(b.length - 12, OFFSET.batchLength)
    b.writeInt16BE(COMPRESSION.gzip, OFFSET.attributes)
    const result = await produce(recrc(b))
    expect(result.error).toMatchObject({code: 'CORRUPT_MESSAGE', message: expect.stringMatching(/invalid key length/)})
    expect(await logEnd()).toBe(0)
  })

  it('refuses a compression bomb before decompressing it whole', async () => {
    // 64 MiB of zeros gzip to ~64 KB: past the 32 x max.message.bytes (1,048,588 by default) a batch may expand to.
    const plain = batch()
    const header = Buffer.from(plain.subarray(0, RECORD0))
    const b = Buffer.concat([header, gzipSync(Buffer.alloc(64 << 20))])
    b.writeInt32BE(b.length - 12, OFFSET.batchLength)
    b.writeInt16BE(COMPRESSION.gzip, OFFSET.attributes)
    const result = await produce(recrc(b))
    expect(result.error).toMatchObject({
      code: 'CORRUPT_MESSAGE',
      message: expect.stringMatching(/decompresses to more than 33554816 bytes/),
    })
  })

  it('refuses records without a key on a compacted topic (INVALID_RECORD), as Kafka does', async () => {
    const compacted = uniqueTopic('compacted')
    await home.withAdmin((admin) =>
      admin.createTopics([{name: compacted, numPartitions: 1, configs: {'cleanup.policy': 'compact'}}]),
    )
    const result = await produce(batch(['k0', null]), compacted)
    expect(result.error).toMatchObject({
      code: 'INVALID_RECORD',
      message: expect.stringMatching(/^Compacted topic cannot accept message without key/),
    })
    expect((await produce(batch(['k0', 'k1']), compacted)).baseOffset).toBe(0)
  })

  it('fails the later batches of a partition in the same request after a refused one (no reordering)', async () => {
    const bad = batch()
    bad.writeInt32BE(3, OFFSET.recordCount)
    bad.writeInt32BE(2, OFFSET.lastOffsetDelta)
    recrc(bad)
    const good = batch()
    const res = await connection.request(
      'produce',
      {
        acks: -1,
        timeoutMs: 5_000,
        batches: [
          {topic, partition: 0, size: good.length},
          {topic, partition: 0, size: bad.length},
          {topic, partition: 0, size: good.length},
        ],
      },
      [good, bad, Buffer.from(good)],
    )
    expect(res.results.map((r) => r.error?.code ?? r.baseOffset)).toEqual([0, 'CORRUPT_MESSAGE', 'CORRUPT_MESSAGE'])
    expect(await logEnd()).toBe(2)
  })
})
