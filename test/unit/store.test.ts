import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {migrate} from '../../src/store/open.js'
import {BATCH_PART_BYTES, Store} from '../../src/store/store.js'

let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kl-store-'))
})

afterEach(() => {
  rmSync(dir, {recursive: true, force: true})
})

describe('the store', () => {
  it('creates the schema and records its version in user_version', () => {
    const store = Store.open(join(dir, 'db'))
    expect(store.db.pragma('user_version', {simple: true})).toBe(90)
    expect(store.db.pragma('journal_mode', {simple: true})).toBe('wal')
    store.close()
  })

  it('refuses a database from a newer kafkalite', () => {
    const db = new Database(join(dir, 'db'))
    db.pragma('user_version = 500')
    expect(() => migrate(db)).toThrow(/has schema version 500, newer than this kafkalite supports \(90\)/)
    db.close()
  })

  it('refuses migrations listed out of order', () => {
    const db = new Database(':memory:')
    const noop = () => {}
    expect(() =>
      migrate(db, [
        {version: 20, name: '0020-b', up: noop},
        {version: 10, name: '0010-a', up: noop},
      ]),
    ).toThrow(/Migrations out of order/)
    db.close()
  })

  it('lets only one process hold the database', () => {
    const first = Store.open(join(dir, 'db'))
    expect(() => Store.open(join(dir, 'db'))).toThrow(/locked by another kafkalite daemon/)
    first.close()
    Store.open(join(dir, 'db')).close()
  })

  it('appends batches and reads them back from any offset, stopping at a byte budget', () => {
    const store = Store.open(join(dir, 'db'))
    const topic = store.createTopic({name: 't', topicId: 'id', partitions: 2, configs: {}, createdAt: 0})
    const batch = (base: number, n: number, size: number) => ({
      topic: topic.id,
      partition: 1,
      baseOffset: base,
      lastOffset: base + n - 1,
      firstTimestamp: 0,
      maxTimestamp: 0,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      attributes: 0,
      recordCount: n,
      bytes: Buffer.alloc(size, base),
    })
    store.append({
      batches: [batch(0, 5, 100), batch(5, 5, 100), batch(10, 5, 100)],
      partitions: [{topic: topic.id, partition: 1, logStartOffset: 0, nextOffset: 15}],
    })
    expect(store.readBatches(topic.id, 1, 7, 15, 1000).batches.map((b) => b[0])).toEqual([5, 10])
    expect(store.readBatches(topic.id, 1, 0, 15, 150).batches).toHaveLength(1)
    expect(store.readBatches(topic.id, 1, 0, 15, 50).batches).toHaveLength(1) // the first batch even if larger
    expect(store.readBatches(topic.id, 1, 0, 10, 1000).batches).toHaveLength(2) // not past the end offset
    expect(store.listPartitions().find((p) => p.partition === 1)?.nextOffset).toBe(15)
    store.deleteTopic(topic.id)
    expect(store.listTopics()).toEqual([])
    expect(store.db.prepare('SELECT count(*) FROM batch').pluck().get()).toBe(0)
    store.close()
  })

  it('stores a batch larger than a part in parts, and gives back the same bytes, in order', () => {
    const store = Store.open(join(dir, 'db'))
    const topic = store.createTopic({name: 't', topicId: 'id', partitions: 1, configs: {}, createdAt: 0})
    const row = (base: number, bytes: Buffer) => ({
      topic: topic.id,
      partition: 0,
      baseOffset: base,
      lastOffset: base,
      firstTimestamp: base,
      maxTimestamp: base,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      attributes: 0,
      recordCount: 1,
      bytes,
    })
    const sized = (size: number, seed: number) => {
      const b = Buffer.alloc(size)
      for (let i = 0; i < size; i += 997) b[i] = (i + seed) & 0xff
      b.writeInt32BE(size - 12, 8) // the batch length field, as in every RecordBatch
      return b
    }
    const big = sized(2 * BATCH_PART_BYTES + 10, 1) // three parts
    const small = sized(100, 2)
    const exact = sized(BATCH_PART_BYTES, 3) // one part exactly
    store.append({
      batches: [row(0, small), row(1, big), row(2, exact)],
      partitions: [{topic: topic.id, partition: 0, logStartOffset: 0, nextOffset: 3}],
    })
    expect(store.db.prepare('SELECT count(*) FROM batch_part').pluck().get()).toBe(2)
    const read = store.readBatches(topic.id, 0, 0, 3, 1 << 30)
    expect(read.bytes).toBe(small.length + big.length + exact.length)
    expect(Buffer.concat(read.batches).equals(Buffer.concat([small, big, exact]))).toBe(true)
    // The byte budget counts a batch in parts at its whole size: the first batch always, then whole batches only.
    const first = store.readBatches(topic.id, 0, 1, 3, 10)
    expect(first.bytes).toBe(big.length)
    expect(Buffer.concat(first.batches).equals(big)).toBe(true)
    expect(store.readBatches(topic.id, 0, 0, 3, big.length).batches).toEqual([small])
    expect(store.firstBatchAtOrAfterTimestamp(topic.id, 0, 1, 0)!.equals(big)).toBe(true)
    expect(store.batchWithMaxTimestamp(topic.id, 0, 0)!.equals(exact)).toBe(true)
    // Batches below the log start are left out, and sizes count every part.
    expect(store.firstBatchAtOrAfterTimestamp(topic.id, 0, 1, 2)!.equals(exact)).toBe(true)
    expect(store.segmentStats(topic.id, 0, 0, 3).size).toBe(small.length + big.length + exact.length)
    // Deleting the batch deletes its parts; the purge goes in steps of `limit` batches.
    expect(store.purgeBelow(topic.id, 0, 2, 1)).toBe(1)
    expect(store.purgeBelow(topic.id, 0, 2, 10)).toBe(1)
    expect(store.purgeBelow(topic.id, 0, 2, 10)).toBe(0)
    expect(store.db.prepare('SELECT count(*) FROM batch_part').pluck().get()).toBe(0)
    expect(store.segmentStats(topic.id, 0, 0, 3).size).toBe(exact.length)
    store.close()
  })
})
