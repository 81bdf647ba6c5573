// A unit of work the storage refuses (SQLITE_FULL here, from SQLite's max_page_count, which fails a write exactly as
// a full disk does) is rolled back whole, and the broker's memory agrees with the disk again: topics, offsets,
// producer state, transactions. The full disk itself, on a real tmpfs, is in test/integration/storage-full.test.ts.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {Broker} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {BrokerCore} from '../../src/broker/core.js'
import {createLogger} from '../../src/broker/logger.js'
import {KafkaStorageException} from '../../src/errors.js'
import {BatchBuilder} from '../../src/protocol/kafka/record-batch.js'
import {storageException} from '../../src/store/failure.js'
import {Store} from '../../src/store/store.js'

const lines: string[] = []
const log = createLogger((line) => lines.push(line))
let dir: string
let store: Store
let core: BrokerCore

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kl-full-'))
  store = Store.open(join(dir, 'kafkalite.db'))
  core = new BrokerCore(store, brokerConfigFrom({}, null), log)
  lines.length = 0
})

afterEach(() => {
  core.close()
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

/** The database may not grow past its size now: the next write that needs a page fails with SQLITE_FULL. */
const fillUp = () => store.db.pragma(`max_page_count = ${store.db.pragma('page_count', {simple: true}) as number}`)
const makeRoom = () => store.db.pragma('max_page_count = 4294967294')

function batch(producerId: number, epoch: number, sequence: number, values: string[], transactional = false) {
  const b = new BatchBuilder({maxBytes: 1 << 20})
  for (const v of values) b.append(0, null, Buffer.from(v))
  if (producerId >= 0) b.setProducerState(producerId, epoch, sequence, transactional)
  return Buffer.from(b.build())
}

function send(broker: Broker, topic: string, bytes: Buffer) {
  return broker.produce({acks: -1, timeoutMs: 1000, batches: [{topic, partition: 0, records: bytes}]})
}

const big = (n: number) => Array.from({length: n}, (_, i) => `${i}-${'x'.repeat(2000)}`)

describe('a unit of work the storage refuses', () => {
  it('is rolled back whole, and memory is read back from disk: topics, offsets, producer state', () => {
    const {broker} = core
    broker.createTopic('kept', 1, 1, {})
    const {producerId} = core.initProducerId({transactionalId: null, transactionTimeoutMs: 60_000})
    expect(send(broker, 'kept', batch(producerId, 0, 0, ['a', 'b']))[0]).toMatchObject({baseOffset: 0})
    fillUp()
    const failure = store.unit(() => {
      broker.createTopic('created', 3, 1, {}) // fits in the pages there are
      broker.deleteTopics({names: ['kept']})
      broker.createTopic('kept', 2, 1, {}) // another topic under the old name (and maybe the old id)
      send(broker, 'kept', batch(producerId, 0, 2, big(100)))
    })
    expect(failure).toBeInstanceOf(KafkaStorageException)
    expect(failure!.message).toContain(`The disk holding KAFKALITE_HOME '${dir}' is full`)
    expect(store.db.inTransaction).toBe(false)
    expect(broker.topics().map((t) => t.row.name)).toEqual(['kept'])
    const p = broker.partition('kept', 0)
    expect(broker.topic('kept')!.partitions).toHaveLength(1)
    expect(p.nextOffset).toBe(2)
    expect(p.producers.get(producerId)).toMatchObject({lastSequence: 1})
    expect(lines.some((l) => l.includes('ERROR refusing writes: The disk holding'))).toBe(true)

    // Room again: the retried batch is written, not taken for a duplicate.
    makeRoom()
    expect(store.unit(() => send(broker, 'kept', batch(producerId, 0, 2, big(100))))).toBeNull()
    expect(p.nextOffset).toBe(102)
    expect(lines.some((l) => l.includes('the storage takes writes again (1 unit(s) of work refused meanwhile)'))).toBe(
      true,
    )
  })

  it('refuses the batches a producer sent after a refused one, instead of calling them out of sequence', () => {
    const {broker} = core
    broker.createTopic('t', 1, 1, {})
    broker.createTopic('other', 1, 1, {})
    const {producerId} = core.initProducerId({transactionalId: null, transactionTimeoutMs: 60_000})
    send(broker, 't', batch(producerId, 0, 0, ['a']))
    fillUp()
    let result
    // Refused at its own write, and refused with a later write of its unit (at the commit, for a full disk).
    for (const refuse of [
      () => send(broker, 't', batch(producerId, 0, 1, big(100))),
      () => {
        send(broker, 't', batch(producerId, 0, 1, ['b']))
        send(broker, 'other', batch(-1, 0, 0, big(100)))
      },
    ]) {
      fillUp()
      expect(store.unit(refuse)).not.toBeNull()
      expect(broker.partition('t', 0).nextOffset).toBe(1)
      // The next batch in flight arrives before the refused one is retried.
      expect(store.unit(() => (result = send(broker, 't', batch(producerId, 0, 2, ['late']))))).toBeNull()
      expect(result![0]!.error).toMatchObject({code: 'KAFKA_STORAGE_ERROR'})
    }
    makeRoom()
    expect(store.unit(() => (result = send(broker, 't', batch(producerId, 0, 1, ['b']))))).toBeNull()
    expect(result![0]).toMatchObject({baseOffset: 1})
    expect(store.unit(() => (result = send(broker, 't', batch(producerId, 0, 2, ['late']))))).toBeNull()
    expect(result![0]).toMatchObject({baseOffset: 2})
    // A gap that no refusal explains is still Kafka's error.
    expect(store.unit(() => (result = send(broker, 't', batch(producerId, 0, 500, ['gap']))))).toBeNull()
    expect(result![0]!.error).toMatchObject({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'})
  })

  it('reads a transaction back as Ongoing when the unit that committed it is refused, so that a retry commits it', () => {
    const {broker} = core
    broker.createTopic('t', 1, 1, {})
    broker.createTopic('other', 1, 1, {})
    const {producerId, producerEpoch} = core.initProducerId({transactionalId: 'tx', transactionTimeoutMs: 60_000})
    send(broker, 't', batch(producerId, producerEpoch, 0, ['a', 'b'], true))
    fillUp()
    const refused = store.unit(() => {
      core.endTxn({transactionalId: 'tx', producerId, producerEpoch, committed: true, retry: false})
      send(broker, 'other', batch(-1, 0, 0, big(100))) // the unit's last write: no room for it
    })
    expect(refused).toBeInstanceOf(KafkaStorageException)
    const described = () => core.describeTransactions({transactionalIds: ['tx']}).transactions[0]
    expect(described()).toMatchObject({state: 'Ongoing', partitions: [{topic: 't', partition: 0}]})
    const p = broker.partition('t', 0)
    expect(p.nextOffset).toBe(2)
    expect(p.ongoing.get(producerId)).toBe(0)
    makeRoom()
    expect(
      store.unit(() => core.endTxn({transactionalId: 'tx', producerId, producerEpoch, committed: true, retry: true})),
    ).toBeNull()
    expect(described()).toMatchObject({state: 'CompleteCommit'})
    expect(p.nextOffset).toBe(3) // the COMMIT marker
    expect(p.ongoing.size).toBe(0)
  })

  it('runs nothing more after its first failure: later store calls fail at once', () => {
    core.broker.createTopic('t', 1, 1, {})
    fillUp()
    let second: unknown
    const failure = store.unit(() => {
      try {
        send(core.broker, 't', batch(-1, 0, 0, big(100)))
      } catch {
        // answered to its client
      }
      try {
        store.listTopics()
      } catch (error) {
        second = error
      }
    })
    expect(second).toBe(failure)
  })
})

describe('storage failures', () => {
  it('are told apart by their SQLite codes, and name the home', () => {
    const error = (code: string) => Object.assign(new Error('sqlite says no'), {code})
    const db = '/data/home/kafkalite.db'
    expect(storageException(error('SQLITE_FULL'), db)?.message).toBe(
      "The disk holding KAFKALITE_HOME '/data/home' is full: kafkalite cannot write '/data/home/kafkalite.db'. Free space on that disk; writes resume by themselves.",
    )
    expect(storageException(error('SQLITE_IOERR_WRITE'), db)?.message).toMatch(
      /^An I\/O error \(SQLITE_IOERR_WRITE\) on '\/data\/home\/kafkalite.db' in KAFKALITE_HOME '\/data\/home'/,
    )
    expect(storageException(error('SQLITE_IOERR_FSYNC'), db)?.code).toBe('KAFKA_STORAGE_ERROR')
    expect(storageException(error('SQLITE_READONLY'), db)?.message).toContain('cannot be written (SQLITE_READONLY)')
    expect(storageException(error('SQLITE_CONSTRAINT_UNIQUE'), db)).toBeNull()
    expect(storageException(new Error('plain'), db)).toBeNull()
  })
})
