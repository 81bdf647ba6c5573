import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {migrate} from '../../src/store/open.js'
import {Store} from '../../src/store/store.js'

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
    expect(store.db.pragma('user_version', {simple: true})).toBe(40)
    expect(store.db.pragma('journal_mode', {simple: true})).toBe('wal')
    store.close()
  })

  it('refuses a database from a newer kafkalite', () => {
    const db = new Database(join(dir, 'db'))
    db.pragma('user_version = 500')
    expect(() => migrate(db)).toThrow(/has schema version 500, newer than this kafkalite supports \(40\)/)
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
})
