// find-hanging's search (Kafka's FindHangingTransactionsCommand) against a fake Admin: which partitions it asks
// about, which open transactions are candidates, and which of those the coordinator will not finish.
import {describe, expect, it} from 'vitest'
import type {ProducerState, TransactionDescription, TransactionListing} from '../../src/client/admin.js'
import {findHangingTransactions, type HangingAdmin, type Step} from '../../src/cli/hanging-transactions.js'
import {KafkaException, TransactionalIdNotFoundException} from '../../src/errors.js'

const NOW = 1_700_000_000_000
const HOUR = 60 * 60_000
const node = (id: number) => ({id, host: 'localhost', port: 9092})

/** Producer 132 with a transaction open on foo-5 since an hour ago (as in Kafka's tests). */
const open: ProducerState = {
  producerId: 132,
  producerEpoch: 5,
  lastSequence: 500,
  lastTimestamp: NOW - HOUR,
  coordinatorEpoch: 19,
  currentTxnStartOffset: 29384,
}

interface Fake {
  producers?: Record<string, ProducerState[]>
  listings?: TransactionListing[]
  descriptions?: Record<string, Pick<TransactionDescription, 'partitions'>>
  topics?: Record<string, number[][]> // partition -> replica ids
  fail?: string
}

function fakeAdmin(f: Fake) {
  const calls: string[] = []
  const fail = (what: string) => {
    if (f.fail === what) throw new KafkaException('UNKNOWN_SERVER_ERROR', `${what} broke`)
  }
  const admin: HangingAdmin = {
    listTopics: async () => {
      calls.push('listTopics')
      fail('listTopics')
      return Object.keys(f.topics ?? {}).map((name) => ({name, topicId: name, internal: false}))
    },
    describeTopics: async (names) => {
      calls.push(`describeTopics ${names.join(',')}`)
      fail('describeTopics')
      return names.map((name) => ({
        name,
        topicId: name,
        internal: false,
        partitions: f.topics![name]!.map((replicas, partition) => ({
          partition,
          leader: node(replicas[0]!),
          replicas: replicas.map(node),
          isr: replicas.map(node),
        })),
      }))
    },
    describeProducers: async (partitions, options = {}) => {
      calls.push(
        `describeProducers ${partitions.map((p) => `${p.topic}-${p.partition}`).join(',')}` +
          (options.brokerId === undefined ? '' : ` broker ${options.brokerId}`),
      )
      fail('describeProducers')
      return partitions.map((p) => ({...p, producers: f.producers?.[`${p.topic}-${p.partition}`] ?? []}))
    },
    listTransactions: async (options = {}) => {
      calls.push(`listTransactions ${options.producerIds?.join(',')}`)
      fail('listTransactions')
      return f.listings ?? []
    },
    describeTransactions: async (ids) => {
      calls.push(`describeTransactions ${ids.join(',')}`)
      fail('describeTransactions')
      return ids.map((id) => {
        const d = f.descriptions?.[id]
        if (d === undefined) throw new TransactionalIdNotFoundException(`${id} not found`)
        return {
          coordinatorId: 1,
          transactionalId: id,
          producerId: 132,
          producerEpoch: 5,
          state: 'Ongoing',
          transactionTimeoutMs: 60000,
          transactionStartTimeMs: NOW - HOUR,
          ...d,
        }
      })
    },
  }
  return {admin, calls}
}

/** The step of the command: the failure gets kafka-transactions' context. */
const step: Step = async (what, fn) => {
  try {
    return await fn()
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`)
  }
}

const search = (f: Fake, scope: Parameters<typeof findHangingTransactions>[1]) => {
  const {admin, calls} = fakeAdmin(f)
  return {calls, result: findHangingTransactions(admin, scope, step, () => NOW)}
}

const FIFTEEN_MIN = 15 * 60_000
const foo5 = {topic: 'foo', partition: 5, maxTransactionTimeoutMs: FIFTEEN_MIN}

describe('findHangingTransactions', () => {
  it('asks the partition given by --topic and --partition directly, and a recent transaction is no candidate', async () => {
    const {calls, result} = search({producers: {'foo-5': [{...open, lastTimestamp: NOW}]}}, foo5)
    expect(await result).toEqual([])
    expect(calls).toEqual(['describeProducers foo-5'])
  })

  it('finds a transaction whose producer id maps to no transactional id', async () => {
    const {calls, result} = search({producers: {'foo-5': [open]}, listings: []}, foo5)
    expect(await result).toEqual([{topic: 'foo', partition: 5, producer: open}])
    expect(calls).toEqual(['describeProducers foo-5', 'listTransactions 132'])
  })

  it('finds one whose transactional id the coordinator no longer knows', async () => {
    const {result} = search(
      {
        producers: {'foo-5': [open]},
        listings: [{transactionalId: 'bar', producerId: 132, state: 'Ongoing', coordinatorId: 1}],
      },
      foo5,
    )
    expect(await result).toEqual([{topic: 'foo', partition: 5, producer: open}])
  })

  it("finds one whose coordinator's transaction does not include the partition", async () => {
    const {calls, result} = search(
      {
        producers: {'foo-5': [open]},
        listings: [{transactionalId: 'bar', producerId: 132, state: 'Ongoing', coordinatorId: 1}],
        descriptions: {bar: {partitions: [{topic: 'foo', partition: 10}]}},
      },
      foo5,
    )
    expect(await result).toEqual([{topic: 'foo', partition: 5, producer: open}])
    expect(calls).toEqual(['describeProducers foo-5', 'listTransactions 132', 'describeTransactions bar'])
  })

  it('leaves a transaction its coordinator still has open on the partition', async () => {
    const {result} = search(
      {
        producers: {'foo-5': [open]},
        listings: [{transactionalId: 'bar', producerId: 132, state: 'Ongoing', coordinatorId: 1}],
        descriptions: {bar: {partitions: [{topic: 'foo', partition: 5}]}},
      },
      foo5,
    )
    expect(await result).toEqual([])
  })

  it('takes only transactions idle for longer than the max timeout, and producers without one never', async () => {
    const idle = (ms: number, id: number): ProducerState => ({...open, producerId: id, lastTimestamp: NOW - ms})
    const closed: ProducerState = {...open, producerId: 9, currentTxnStartOffset: -1}
    const {result} = search(
      {producers: {'foo-5': [idle(FIFTEEN_MIN, 1), idle(FIFTEEN_MIN + 1, 2), closed]}},
      {...foo5, maxTransactionTimeoutMs: FIFTEEN_MIN},
    )
    expect((await result).map((h) => h.producer.producerId)).toEqual([2])
  })

  it("searches a topic's partitions, or with --broker-id those it has a replica of", async () => {
    const topics = {
      foo: [
        [0, 1],
        [1, 5],
      ],
      other: [[5]],
    }
    const byTopic = search({topics}, {topic: 'foo', maxTransactionTimeoutMs: 0})
    await byTopic.result
    expect(byTopic.calls).toEqual(['describeTopics foo', 'describeProducers foo-0,foo-1'])
    const byBroker = search({topics}, {brokerId: 5, maxTransactionTimeoutMs: 0})
    await byBroker.result
    expect(byBroker.calls).toEqual([
      'listTopics',
      'describeTopics foo,other',
      'describeProducers foo-1,other-0 broker 5',
    ])
    const elsewhere = search({topics}, {topic: 'foo', brokerId: 7, maxTransactionTimeoutMs: 0})
    expect(await elsewhere.result).toEqual([])
    expect(elsewhere.calls).toEqual(['describeTopics foo'])
  })

  it("names the step that failed, as Kafka's tool does", async () => {
    const cases: [Fake, Parameters<typeof findHangingTransactions>[1], string][] = [
      [{topics: {foo: [[1]]}, fail: 'listTopics'}, {brokerId: 1, maxTransactionTimeoutMs: 0}, 'Failed to list topics'],
      [
        {topics: {foo: [[1]]}, fail: 'describeTopics'},
        {topic: 'foo', maxTransactionTimeoutMs: 0},
        'Failed to describe 1 topics',
      ],
      [{fail: 'describeProducers'}, foo5, 'Failed to describe producers for 1 partitions on their leaders'],
      [
        {topics: {foo: [[1], [1]]}, fail: 'describeProducers'},
        {brokerId: 1, maxTransactionTimeoutMs: 0},
        'Failed to describe producers for 2 partitions on broker 1',
      ],
      [{producers: {'foo-5': [open]}, fail: 'listTransactions'}, foo5, 'Failed to list transactions for 1 producers'],
      [
        {
          producers: {'foo-5': [open]},
          listings: [{transactionalId: 'bar', producerId: 132, state: 'Ongoing', coordinatorId: 1}],
          fail: 'describeTransactions',
        },
        foo5,
        'Failed to describe 1 transactions',
      ],
    ]
    for (const [fake, scope, message] of cases) {
      await expect(search(fake, scope).result).rejects.toThrow(`${message}: ${fake.fail} broke`)
    }
  })
})
