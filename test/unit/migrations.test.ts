// The schema, migration by migration: a database left at any step (written by an older kafkalite) is brought to the
// same schema as a new one, keeping its data; and the store's statements find their rows through indexes.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {MIGRATIONS} from '../../src/store/migrations/index.js'
import {migrate} from '../../src/store/open.js'
import {Store} from '../../src/store/store.js'

let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kl-migrations-'))
})

afterEach(() => {
  rmSync(dir, {recursive: true, force: true})
})

/** Every table and index with its SQL, sorted: what two schemas must share to be the same. */
function schemaOf(db: Database.Database): string[] {
  const rows = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as {type: string; name: string; sql: string}[]
  return rows.map((r) => `${r.type} ${r.name}: ${r.sql.replace(/\s+/g, ' ')}`)
}

const tablesOf = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter(
    (n) => !n.startsWith('sqlite_'),
  )

/** The schema of a database created by this kafkalite. */
function latestSchema(): string[] {
  const store = Store.open(':memory:')
  try {
    return schemaOf(store.db)
  } finally {
    store.close()
  }
}

describe('the migrations', () => {
  it.each(MIGRATIONS.map((m, i) => [m.name, i] as const))(
    'bring a database left at %s to the latest schema, with its topics and records',
    (_name, step) => {
      const path = join(dir, 'kafkalite.db')
      const old = new Database(path)
      migrate(old, MIGRATIONS.slice(0, step + 1))
      expect(old.pragma('user_version', {simple: true})).toBe(MIGRATIONS[step]!.version)
      // Each step adds tables; none is there before its migration ran.
      if (step > 0) {
        const before = new Database(':memory:')
        migrate(before, MIGRATIONS.slice(0, step))
        expect(tablesOf(old).length).toBeGreaterThan(tablesOf(before).length)
        before.close()
      }
      // What the first migration's tables hold, written as that version wrote it.
      old.prepare("INSERT INTO topic (name, topic_id, partitions, created_at) VALUES ('kept', 'id', 1, 0)").run()
      const topicId = old.prepare("SELECT id FROM topic WHERE name = 'kept'").pluck().get() as number
      old.prepare('INSERT INTO topic_partition (topic, partition, next_offset) VALUES (?, 0, 3)').run(topicId)
      old
        .prepare(
          `INSERT INTO batch (topic, partition, base_offset, last_offset, first_timestamp, max_timestamp, producer_id,
             producer_epoch, base_sequence, attributes, record_count, bytes) VALUES (?, 0, 0, 2, 0, 0, -1, -1, -1, 0, 3, ?)`,
        )
        .run(topicId, Buffer.from('batch'))
      old.close()

      const store = Store.open(path)
      try {
        expect(store.db.pragma('user_version', {simple: true})).toBe(MIGRATIONS.at(-1)!.version)
        expect(schemaOf(store.db)).toEqual(latestSchema())
        expect(store.listTopics().map((t) => t.name)).toEqual(['kept'])
        expect(store.listPartitions()).toEqual([{topic: topicId, partition: 0, logStartOffset: 0, nextOffset: 3}])
        expect(store.readBatches(topicId, 0, 0, 3, 1 << 20).batches.map(String)).toEqual(['batch'])
      } finally {
        store.close()
      }
    },
  )

  it('leave every foreign key at the head of an index, so that deleting a topic cascades without scanning', () => {
    const store = Store.open(':memory:')
    try {
      const unindexed: string[] = []
      for (const table of tablesOf(store.db)) {
        const keys = store.db.pragma(`foreign_key_list(${table})`) as {id: number; from: string}[]
        const indexes = (store.db.pragma(`index_list(${table})`) as {name: string}[]).map((i) =>
          (store.db.pragma(`index_info(${i.name})`) as {name: string}[]).map((c) => c.name),
        )
        for (const id of new Set(keys.map((k) => k.id))) {
          const columns = keys.filter((k) => k.id === id).map((k) => k.from)
          const led = indexes.some((index) => columns.every((c, i) => index[i] === c))
          if (!led) unindexed.push(`${table} (${columns.join(', ')})`)
        }
      }
      expect(unindexed).toEqual([])
    } finally {
      store.close()
    }
  })
})

describe("the store's statements", () => {
  /** Every statement the store prepares, with SQLite's plan for it. */
  function plans(): {sql: string; plan: string[]}[] {
    const prepare = vi.spyOn(Database.prototype, 'prepare')
    const store = Store.open(':memory:')
    const statements = prepare.mock.calls.map(([sql]) => sql)
    prepare.mockRestore()
    try {
      return statements.map((sql) => {
        const parameters = Array<null>((sql.match(/\?/g) ?? []).length).fill(null)
        const rows = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as {detail: string}[]
        return {sql: sql.replace(/\s+/g, ' '), plan: rows.map((r) => r.detail)}
      })
    } finally {
      store.close()
    }
  }

  // Deleting a topic drops every group's commit history of it: rare, and the table is bounded per group partition.
  const knownScans = new Set(['DELETE FROM commit_sample WHERE topic = ?'])

  it('find the rows they filter on through an index, never by scanning a table', () => {
    const all = plans()
    expect(all.length).toBeGreaterThan(30)
    const scans = all
      .filter((s) => / WHERE /.test(s.sql) && !knownScans.has(s.sql))
      .filter((s) => s.plan.some((step) => step.startsWith('SCAN ')))
      .map((s) => `${s.sql}  =>  ${s.plan.join(' | ')}`)
    expect(scans).toEqual([])
  })

  it('seek a fetch to its offset in the index of batches by last offset', () => {
    const seeks = plans().filter((s) =>
      s.plan.includes('SEARCH batch USING INDEX batch_by_last_offset (topic=? AND partition=? AND last_offset>?)'),
    )
    expect(seeks.length).toBeGreaterThan(0)
  })
})
