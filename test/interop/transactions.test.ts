// Each family that has transactions commits one and aborts one; every family then reads them with
// read_uncommitted (all records) and, where it can, read_committed (only the committed ones).
import {beforeAll, describe, expect, test} from 'vitest'
import {bootstrap, consume, createTopic, produce, text, unique, eachFamily} from './harness/context.js'
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
const keysOf = (records: WireRecord[]): string[] =>
  records.filter((r) => r.key !== null).map((r) => Buffer.from(r.key!, 'base64').toString())

describe('transactions, committed and aborted', () => {
  beforeAll(() => createTopic(topic, 1))

  eachFamily('transactions', producers, '%s commits one transaction and aborts the next', async (family) => {
    const r = await runDriver<{transactions: string[]}>(family, 'transactions', {
      bootstrap,
      topic,
      transactionalId: unique(`txn-${family}`),
      transactions: [
        {commit: true, records: [record(`${family}-c1`), record(`${family}-c2`)]},
        {commit: false, records: [record(`${family}-a1`), record(`${family}-a2`)]},
      ],
    })
    expect(r.transactions).toEqual(['committed', 'aborted'])
    const committed = await consume('java', topic, {isolation: 'read_committed', stopKey: text(`${family}-c2`)})
    expect(keysOf(committed).slice(-2)).toEqual([`${family}-c1`, `${family}-c2`])
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
