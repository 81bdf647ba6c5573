// A request may create at most 10,000 partitions, as Kafka's controller allows: each partition is a row written and
// a state held, and a topic of 2^31 - 1 partitions left the daemon answering no client for over a minute, and on.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Broker, MAX_PARTITIONS_PER_REQUEST} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {Store} from '../../src/store/store.js'

let store: Store
let broker: Broker

beforeEach(() => {
  store = Store.open(':memory:')
  broker = new Broker(store, brokerConfigFrom({}, null))
})

afterEach(() => store.close())

const topic = (name: string, numPartitions: number) => ({name, numPartitions, replicationFactor: -1, configs: {}})
const policyViolation = (what: string) => ({
  code: 'POLICY_VIOLATION',
  message: `Excessively large number of partitions per request: ${what}, at most 10000. ${
    what.endsWith('requested') ? 'Create the topics in several requests' : 'Add them in several requests'
  }.`,
})

describe('partitions per request', () => {
  // Found while writing the socket fuzzer: createTopics with numPartitions 2147483647 left every client unanswered.
  it('refuses a CreateTopics request for more than 10,000 partitions in all, failing every topic, creating none', () => {
    for (const validateOnly of [true, false]) {
      const started = Date.now()
      const res = broker.createTopics({topics: [topic('a', 2 ** 31 - 1), topic('b', 1)], validateOnly})
      expect(res.topics).toEqual([
        {name: 'a', error: policyViolation('2147483648 requested')},
        {name: 'b', error: policyViolation('2147483648 requested')},
      ])
      expect(Date.now() - started).toBeLessThan(1000)
    }
    const res = broker.createTopics({topics: [topic('c', 5000), topic('d', 5001)], validateOnly: true})
    expect(res.topics.map((t) => t.error?.message)).toEqual([
      policyViolation('10001 requested').message,
      policyViolation('10001 requested').message,
    ])
    expect(broker.topic('a') ?? broker.topic('b') ?? broker.topic('c')).toBeUndefined()
  })

  it('creates 10,000 partitions in one request', () => {
    const res = broker.createTopics({
      topics: [topic('a', MAX_PARTITIONS_PER_REQUEST - 1), topic('b', -1)],
      validateOnly: false,
    })
    expect(res.topics.map((t) => [t.name, t.numPartitions, t.error])).toEqual([
      ['a', 9999, undefined],
      ['b', 1, undefined],
    ])
  })

  it('refuses a CreatePartitions request that adds more than 10,000 partitions, adding none', () => {
    broker.createTopics({topics: [topic('a', 1), topic('b', 1)], validateOnly: false})
    const res = broker.createPartitions({
      topics: [
        {name: 'a', count: 2 ** 31 - 1},
        {name: 'b', count: 2},
      ],
      validateOnly: false,
    })
    expect(res.topics).toEqual([
      {name: 'a', error: policyViolation('2147483647 to add')},
      {name: 'b', error: policyViolation('2147483647 to add')},
    ])
    expect([broker.topic('a')!.partitions.length, broker.topic('b')!.partitions.length]).toEqual([1, 1])
    expect(broker.createPartitions({topics: [{name: 'a', count: 10_001}], validateOnly: false}).topics).toEqual([
      {name: 'a'},
    ])
  })
})
