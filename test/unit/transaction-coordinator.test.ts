// The transaction coordinator's state machine over a real SQLite file: what survives a restart, and a transaction
// caught between its decision (PrepareCommit / PrepareAbort) and its markers completed when the daemon starts.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type Broker, lastStableOffset} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {BrokerCore} from '../../src/broker/core.js'
import {createLogger} from '../../src/broker/logger.js'
import {BatchBuilder} from '../../src/protocol/kafka/record-batch.js'
import {Store} from '../../src/store/store.js'

const quiet = createLogger(() => {})
const config = brokerConfigFrom({}, null)
let dir: string
let store: Store
let open: {store: Store; core: BrokerCore}[] = []

function start(now: () => number = Date.now) {
  store = Store.open(join(dir, 'kafkalite.db'))
  const core = new BrokerCore(store, config, quiet, now)
  open.push({store, core})
  return {broker: core.broker, txns: core.transactions}
}

function stop() {
  for (const o of open) {
    o.core.close()
    o.store.close()
  }
  open = []
}

function send(broker: Broker, producerId: number, epoch: number, sequence: number, value: string, timestamp = 0) {
  const b = new BatchBuilder({maxBytes: 1024})
  b.append(timestamp, null, Buffer.from(value))
  b.setProducerState(producerId, epoch, sequence, true)
  const bytes = Buffer.from(b.build())
  return broker.produce({acks: -1, timeoutMs: 1000, batches: [{topic: 't', partition: 0, records: bytes}]})
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kl-txn-'))
})

afterEach(() => {
  stop()
  rmSync(dir, {recursive: true, force: true})
})

describe('the transaction coordinator', () => {
  it('moves through Empty, Ongoing, PrepareCommit and CompleteCommit, writing a marker', () => {
    const {broker, txns} = start()
    broker.createTopic('t', 1, 1, {})
    const {producerId, producerEpoch} = txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    expect(txns.describeTransactions({transactionalIds: ['a']}).transactions[0]).toMatchObject({
      state: 'Empty',
      producerEpoch: 0,
    })
    expect(send(broker, producerId, producerEpoch, 0, 'v')[0]).toMatchObject({baseOffset: 0})
    expect(txns.describeTransactions({transactionalIds: ['a']}).transactions[0]).toMatchObject({
      state: 'Ongoing',
      partitions: [{topic: 't', partition: 0}],
    })
    const p = broker.partition('t', 0)
    expect(lastStableOffset(p)).toBe(0)
    txns.endTxn({transactionalId: 'a', producerId, producerEpoch, committed: true})
    expect(txns.describeTransactions({transactionalIds: ['a']}).transactions[0]).toMatchObject({
      state: 'CompleteCommit',
    })
    expect(p.nextOffset).toBe(2) // the record and its COMMIT marker
    expect(lastStableOffset(p)).toBe(2)
  })

  describe("answers EndTxn in every state as Kafka's TransactionCoordinator does", () => {
    type Outcome = 'ok' | RegExp
    const INVALID = /INVALID_TXN_STATE|Cannot (commit|abort) the transaction/
    // [state reached, committed, retry] -> outcome. `retry` marks a resent EndTxn whose answer was lost (KIP-890).
    const table: [string, boolean, boolean, Outcome][] = [
      ['Empty', true, false, INVALID],
      ['Empty', false, false, 'ok'], // a transaction nothing of which reached the log
      ['Empty', true, true, INVALID],
      ['Empty', false, true, INVALID],
      ['CompleteCommit', true, true, 'ok'], // a retried commit of a completed commit
      ['CompleteCommit', false, true, /an abort cannot undo a commit/],
      ['CompleteCommit', true, false, /nothing of a new transaction reached the log/],
      ['CompleteCommit', false, false, 'ok'], // a new transaction nothing of which reached the log
      ['CompleteAbort', false, true, 'ok'], // a retried abort
      ['CompleteAbort', false, false, 'ok'],
      ['CompleteAbort', true, true, /a commit cannot follow an abort/],
      ['CompleteAbort', true, false, /a commit cannot follow an abort/],
    ]
    for (const [state, committed, retry, outcome] of table) {
      it(`${state}: ${retry ? 'a retried' : 'a first'} ${committed ? 'commit' : 'abort'} ${outcome === 'ok' ? 'succeeds' : 'is INVALID_TXN_STATE'}`, () => {
        const {broker, txns} = start()
        broker.createTopic('t', 1, 1, {})
        const {producerId, producerEpoch} = txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
        const end = (c: boolean, r = false) =>
          txns.endTxn({transactionalId: 'a', producerId, producerEpoch, committed: c, retry: r})
        if (state !== 'Empty') {
          send(broker, producerId, producerEpoch, 0, 'v')
          end(state === 'CompleteCommit')
        }
        const p = broker.partition('t', 0)
        const before = p.nextOffset
        const described = () => txns.describeTransactions({transactionalIds: ['a']}).transactions[0]?.state
        expect(described()).toBe(state)
        if (outcome === 'ok') {
          expect(end(committed, retry)).toEqual({})
        } else {
          expect(() => end(committed, retry)).toThrow(outcome)
          try {
            end(committed, retry)
          } catch (e) {
            expect((e as {code?: string}).code).toBe('INVALID_TXN_STATE')
          }
        }
        // Nothing is written and nothing changes: no marker, the same state.
        expect(p.nextOffset).toBe(before)
        expect(described()).toBe(state)
      })
    }

    it('refuses an EndTxn of another producer id (INVALID_PRODUCER_ID_MAPPING) or epoch (PRODUCER_FENCED)', () => {
      const {broker, txns} = start()
      broker.createTopic('t', 1, 1, {})
      const {producerId, producerEpoch} = txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
      send(broker, producerId, producerEpoch, 0, 'v')
      const end = (pid: number, epoch: number) =>
        txns.endTxn({transactionalId: 'a', producerId: pid, producerEpoch: epoch, committed: true})
      expect(() => end(producerId + 1, producerEpoch)).toThrow(
        expect.objectContaining({code: 'INVALID_PRODUCER_ID_MAPPING'}),
      )
      expect(() => end(producerId, producerEpoch + 1)).toThrow(expect.objectContaining({code: 'PRODUCER_FENCED'}))
      expect(() => txns.endTxn({transactionalId: 'nope', producerId, producerEpoch, committed: true})).toThrow(
        expect.objectContaining({code: 'INVALID_PRODUCER_ID_MAPPING'}),
      )
      expect(txns.describeTransactions({transactionalIds: ['a']}).transactions[0]?.state).toBe('Ongoing')
      // A fenced producer's epoch is older than the current one after initTransactions() again.
      const next = txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
      expect(next.producerEpoch).toBeGreaterThan(producerEpoch)
      expect(() => end(producerId, producerEpoch)).toThrow(expect.objectContaining({code: 'PRODUCER_FENCED'}))
    })
  })

  it('commits a pipelined commit only once every batch it names is in the log', () => {
    const {broker, txns} = start()
    broker.createTopic('t', 1, 1, {})
    const {producerId, producerEpoch} = txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    send(broker, producerId, producerEpoch, 0, 'v0')
    const commit = (lastSequence: number) =>
      txns.endTxn({
        transactionalId: 'a',
        producerId,
        producerEpoch,
        committed: true,
        expected: [{topic: 't', partition: 0, lastSequence}],
      })
    // The producer sent sequence 1 too, but it has not reached the log: no commit, the transaction stays open.
    expect(() => commit(1)).toThrow(/Not every batch of the transaction of 'a' is in the log yet/)
    expect(txns.describeTransactions({transactionalIds: ['a']}).transactions[0]?.state).toBe('Ongoing')
    send(broker, producerId, producerEpoch, 1, 'v1')
    commit(1)
    expect(txns.describeTransactions({transactionalIds: ['a']}).transactions[0]?.state).toBe('CompleteCommit')
    expect(broker.partition('t', 0).nextOffset).toBe(3)
  })

  it('completes a transaction left in PrepareCommit by a crash when it starts again', () => {
    const first = start()
    first.broker.createTopic('t', 1, 1, {})
    const {producerId, producerEpoch} = first.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    send(first.broker, producerId, producerEpoch, 0, 'v')
    // The crash: the decision is saved, the markers are not written.
    const row = store.listTxns()[0]!
    store.saveTxn({...row, state: 'PrepareCommit'})
    stop()
    const second = start()
    expect(second.txns.describeTransactions({transactionalIds: ['a']}).transactions[0]).toMatchObject({
      state: 'CompleteCommit',
    })
    const p = second.broker.partition('t', 0)
    expect(p.nextOffset).toBe(2)
    expect(lastStableOffset(p)).toBe(2)
    expect(second.broker.abortedTransactions(p, 0, 2)).toEqual([])
  })

  it('completes a transaction left in PrepareAbort as an abort, into the transaction index', () => {
    const first = start()
    first.broker.createTopic('t', 1, 1, {})
    const {producerId, producerEpoch} = first.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    send(first.broker, producerId, producerEpoch, 0, 'v')
    store.saveTxn({...store.listTxns()[0]!, state: 'PrepareAbort'})
    stop()
    const second = start()
    expect(second.txns.describeTransactions({transactionalIds: ['a']}).transactions[0]).toMatchObject({
      state: 'CompleteAbort',
    })
    const p = second.broker.partition('t', 0)
    expect(second.broker.abortedTransactions(p, 0, 2)).toEqual([{producerId, firstOffset: 0}])
  })

  it('keeps an Ongoing transaction across a restart and fences it when a new producer initializes the id', () => {
    const first = start()
    first.broker.createTopic('t', 1, 1, {})
    const old = first.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    send(first.broker, old.producerId, old.producerEpoch, 0, 'v')
    stop()
    const second = start()
    const p = second.broker.partition('t', 0)
    expect(lastStableOffset(p)).toBe(0)
    const next = second.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    expect(next).toEqual({producerId: old.producerId, producerEpoch: 2}) // fenced (1), then initialized (2)
    expect(lastStableOffset(p)).toBe(2)
    expect(second.broker.abortedTransactions(p, 0, 2)).toEqual([{producerId: old.producerId, firstOffset: 0}])
    expect(send(second.broker, old.producerId, old.producerEpoch, 1, 'zombie')[0]?.error?.code).toBe('PRODUCER_FENCED')
    expect(() =>
      second.txns.endTxn({transactionalId: 'a', producerId: old.producerId, producerEpoch: 0, committed: true}),
    ).toThrow(/fences the current one/)
  })

  /** Restarts with the transactional id 'a' at epoch 32766, the last one Kafka hands out for a producer id. */
  function atExhaustedEpoch() {
    const first = start()
    first.broker.createTopic('t', 1, 1, {})
    const {producerId} = first.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    stop()
    const s = Store.open(join(dir, 'kafkalite.db'))
    s.saveTxn({...s.listTxns().find((t) => t.transactionalId === 'a')!, producerEpoch: 32766})
    s.close()
    return {...start(), producerId}
  }

  it('fences an open transaction at the exhausted epoch under its own producer id, then rotates the id', () => {
    const {broker, txns, producerId} = atExhaustedEpoch()
    send(broker, producerId, 32766, 0, 'v')
    const p = broker.partition('t', 0)
    expect(lastStableOffset(p)).toBe(0)
    const next = txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    expect(next.producerId).not.toBe(producerId)
    expect(next.producerEpoch).toBe(0)
    // The abort marker carries the id the batch was written with, so the partition's transaction is closed.
    expect(lastStableOffset(p)).toBe(2)
    expect(broker.abortedTransactions(p, 0, 2)).toEqual([{producerId, firstOffset: 0}])
  })

  it("answers KIP-360's bump at the exhausted epoch with a new producer id, and its retry from the old id with the same one", () => {
    const {txns, producerId} = atExhaustedEpoch()
    const bump = (expected: {producerId: number; producerEpoch: number}) =>
      txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000, expected})
    const rotated = bump({producerId, producerEpoch: 32766})
    expect(rotated.producerId).not.toBe(producerId)
    expect(rotated.producerEpoch).toBe(0)
    expect(bump({producerId, producerEpoch: 32766})).toEqual(rotated)
    expect(() => bump({producerId, producerEpoch: 32765})).toThrow(/not the current producer id/)
    expect(bump({...rotated})).toEqual({producerId: rotated.producerId, producerEpoch: 1})
  })

  it('forgets a transactional id after transactional.id.expiration.ms without a transaction, never an open one', () => {
    let clock = 1_000_000
    const first = start(() => clock)
    first.broker.createTopic('t', 1, 1, {})
    const expiration = config.transactions.idExpirationMs
    const a = first.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    send(first.broker, a.producerId, a.producerEpoch, 0, 'v', clock)
    first.txns.endTxn({transactionalId: 'a', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: true})
    const b = first.txns.initProducerId({transactionalId: 'b', transactionTimeoutMs: 900_000})
    send(first.broker, b.producerId, b.producerEpoch, 0, 'open', clock) // stays Ongoing
    clock += expiration - 1
    first.txns.removeExpiredIds()
    expect(
      first.txns.listTransactions({stateFilters: [], producerIdFilters: [], durationFilterMs: -1}).transactions,
    ).toHaveLength(2)
    clock += 1
    first.txns.removeExpiredIds()
    expect(
      first.txns.listTransactions({stateFilters: [], producerIdFilters: [], durationFilterMs: -1}).transactions,
    ).toEqual([{transactionalId: 'b', producerId: b.producerId, state: 'Ongoing'}])
    expect(first.txns.describeTransactions({transactionalIds: ['a']}).transactions[0]).toMatchObject({
      state: 'Dead',
      error: {code: 'TRANSACTIONAL_ID_NOT_FOUND'},
    })
    stop()
    const second = start(() => clock)
    expect(second.txns.describeTransactions({transactionalIds: ['a']}).transactions[0]?.state).toBe('Dead')
    // A new producer id for the forgotten id, at epoch 0.
    const again = second.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    expect(again.producerEpoch).toBe(0)
    expect(again.producerId).toBeGreaterThan(b.producerId)
  })

  it('forgets idle producers of a partition after producer.id.expiration.ms, never one with an open transaction', () => {
    let clock = 1_000_000
    const first = start(() => clock)
    first.broker.createTopic('t', 1, 1, {})
    const p = first.broker.partition('t', 0)
    const a = first.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    send(first.broker, a.producerId, a.producerEpoch, 0, 'v', clock)
    first.txns.endTxn({transactionalId: 'a', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: true})
    const b = first.txns.initProducerId({transactionalId: 'b', transactionTimeoutMs: 900_000})
    send(first.broker, b.producerId, b.producerEpoch, 0, 'open', clock)
    clock += config.producerIds.expirationMs - 1
    expect(first.broker.expireProducers()).toBe(0)
    clock += 1
    expect(first.broker.expireProducers()).toBe(1)
    expect([...p.producers.keys()]).toEqual([b.producerId])
    stop()
    const second = start(() => clock)
    const again = second.broker.partition('t', 0)
    expect([...again.producers.keys()]).toEqual([b.producerId])
    // The forgotten producer writes again, past sequence 0: taken at its word, as Kafka does.
    second.txns.initProducerId({transactionalId: 'a', transactionTimeoutMs: 60_000})
    const c = second.txns.describeTransactions({transactionalIds: ['a']}).transactions[0]!
    expect(send(second.broker, c.producerId, c.producerEpoch, 7, 'later', clock)[0]).toMatchObject({baseOffset: 3})
  })
})
