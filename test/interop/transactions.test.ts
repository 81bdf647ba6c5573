// Each family that has transactions commits one and aborts one; every family then reads them with
// read_uncommitted (all records) and, where it can, read_committed (only the committed ones).
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'
import {ROOT} from './harness/env.js'
import {broker, bootstrap, consume, createTopic, produce, text, unique, eachFamily} from './harness/context.js'
import {runDriver, type WireRecord} from './harness/drivers.js'
import {FAMILIES, familiesFor} from './harness/families.js'

const topic = unique('transactions')
const producers = familiesFor('transactions')
const record = (key: string): WireRecord => ({
  partition: 0,
  key: text(key),
  value: text(`value of ${key}`),
  headers: [],
})
const committedKeys = producers.flatMap((f) => [`${f}-c1`, `${f}-c2`])
const allKeys = producers.flatMap((f) => [`${f}-c1`, `${f}-c2`, `${f}-a1`, `${f}-a2`])
/** Each family's transactional id, as its driver used it. */
const transactionalIds = new Map<string, string>()
const keysOf = (records: WireRecord[]): string[] =>
  records.filter((r) => r.key !== null).map((r) => Buffer.from(r.key!, 'base64').toString())

describe('transactions, committed and aborted', () => {
  beforeAll(() => createTopic(topic, 1))

  eachFamily('transactions', producers, '%s commits one transaction and aborts the next', async (family) => {
    const transactionalId = unique(`txn-${family}`)
    transactionalIds.set(family, transactionalId)
    const r = await runDriver<{transactions: string[]}>(family, 'transactions', {
      bootstrap,
      topic,
      transactionalId,
      transactions: [
        {commit: true, records: [record(`${family}-c1`), record(`${family}-c2`)]},
        {commit: false, records: [record(`${family}-a1`), record(`${family}-a2`)]},
      ],
    })
    expect(r.transactions).toEqual(['committed', 'aborted'])
    const committed = await consume('java', topic, {isolation: 'read_committed', stopKey: text(`${family}-c2`)})
    expect(keysOf(committed).slice(-2)).toEqual([`${family}-c1`, `${family}-c2`])
  })

  // kafkalite's own tools read the coordinator the foreign clients used: their transactional ids, last aborted.
  test.runIf(broker.kind === 'kafkalite')('kafkalite transactions list shows every family’s transactional id', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), 'transactions', 'list', '--json'], {
      env: {...process.env, KAFKALITE_HOME: broker.dir!, NO_COLOR: '1'},
      encoding: 'utf8',
    })
    expect(r.status).toBe(0)
    const listed = (JSON.parse(r.stdout) as {transactions: {transactionalId: string; state: string}[]}).transactions
    for (const id of transactionalIds.values()) {
      expect(listed).toContainEqual(expect.objectContaining({transactionalId: id, state: 'CompleteAbort'}))
    }
  })

  test('a last, plain record marks the end of the topic', async () => {
    await produce('java', topic, [record('end')])
  })

  eachFamily('read-committed', FAMILIES, '%s reads only the committed records with read_committed', async (family) => {
    const read = await consume(family, topic, {isolation: 'read_committed', stopKey: text('end')})
    expect(keysOf(read)).toEqual([...committedKeys, 'end'])
  })

  eachFamily(
    'read-uncommitted',
    FAMILIES,
    '%s reads committed and aborted records with read_uncommitted',
    async (family) => {
      const read = await consume(family, topic, {isolation: 'read_uncommitted', stopKey: text('end')})
      expect(keysOf(read)).toEqual([...allKeys, 'end'])
    },
  )
})
