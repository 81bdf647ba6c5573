import {describe, expect, it} from 'vitest'
import {BROKER_SETTINGS, brokerConfigFrom, describeBrokerConfigs} from '../../src/broker/broker-config.js'
import {BROKER_SYNONYMS, TopicConfigResolver, validateTopicConfigs} from '../../src/broker/topic-config.js'
import {parseKeyValueArgs, parseProperties} from '../../src/properties.js'

/** Names a plain-object lookup would find on any object: every one must be refused as unknown, never dropped. */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype']

describe('topic configs', () => {
  it("refuses the names of Object.prototype's properties as unknown configs, as any other unknown name", () => {
    for (const name of PROTOTYPE_NAMES) {
      const configs = parseKeyValueArgs([`${name}=1`])
      expect(Object.keys(configs)).toEqual([name])
      expect(() => validateTopicConfigs(configs), name).toThrow(`Unknown topic config name: ${name}`)
    }
  })

  it('normalizes valid values', () => {
    expect(
      validateTopicConfigs({'retention.ms': ' 1000 ', 'cleanup.policy': 'compact, delete', preallocate: 'TRUE'}),
    ).toEqual({
      'retention.ms': '1000',
      'cleanup.policy': 'compact,delete',
      preallocate: 'true',
    })
  })

  it.each([
    [{foo: '1'}, 'Unknown topic config name: foo'],
    [{'retention.ms': 'abc'}, 'Invalid value abc for configuration retention.ms: Not a number of type LONG'],
    [{'retention.ms': '-2'}, 'Invalid value -2 for configuration retention.ms: Value must be at least -1'],
    [
      {'max.message.bytes': '99999999999'},
      'Invalid value 99999999999 for configuration max.message.bytes: Not a number of type INT',
    ],
    [
      {'message.timestamp.type': 'Now'},
      'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
    ],
    [
      {'min.cleanable.dirty.ratio': '1.5'},
      'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1',
    ],
    [
      {'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5'},
      'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
    ],
  ])("refuses %j with Kafka's message", (configs, message) => {
    expect(() => validateTopicConfigs(configs)).toThrow(message)
  })

  it('resolves a value from the topic, then the broker synonym, then the default', () => {
    const resolver = new TopicConfigResolver({'log.retention.hours': '24', 'message.max.bytes': '5000'})
    expect(resolver.entry('retention.ms', {})).toMatchObject({
      value: '86400000',
      source: 'STATIC_BROKER_CONFIG',
      isDefault: false,
    })
    expect(resolver.entry('retention.ms', {'retention.ms': '5'})).toMatchObject({
      value: '5',
      source: 'DYNAMIC_TOPIC_CONFIG',
    })
    expect(resolver.entry('max.message.bytes', {})).toMatchObject({value: '5000', source: 'STATIC_BROKER_CONFIG'})
    expect(resolver.entry('segment.bytes', {})).toMatchObject({
      value: '1073741824',
      source: 'DEFAULT_CONFIG',
      isDefault: true,
    })
  })
})

describe('broker config', () => {
  it("names Object.prototype's property names in server.properties as unknown settings", () => {
    const props = parseProperties(PROTOTYPE_NAMES.map((n) => `${n}=1`).join('\n'))
    expect(Object.keys(props).sort()).toEqual([...PROTOTYPE_NAMES].sort())
    expect(brokerConfigFrom(props, null).unknown.sort()).toEqual([...PROTOTYPE_NAMES].sort())
  })

  it("uses Kafka's defaults when there is no server.properties", () => {
    const c = brokerConfigFrom({}, null)
    expect(c).toMatchObject({brokerId: 1, autoCreateTopics: true, numPartitions: 1, durability: 'process-crash'})
    expect(c.listeners).toEqual([{host: 'localhost', port: 9092}])
  })

  it('turns log.flush.interval.messages=1 into an fsync on every commit', () => {
    expect(brokerConfigFrom({'log.flush.interval.messages': '1'}, null).durability).toBe('power-loss')
  })

  it('refuses a replication factor it cannot satisfy and names unknown settings', () => {
    expect(() => brokerConfigFrom({'default.replication.factor': '3'}, '/h/server.properties')).toThrow(
      /Value must be no more than 1/,
    )
    expect(brokerConfigFrom({'zookeeper.connect': 'x'}, null).unknown).toEqual(['zookeeper.connect'])
  })

  it('takes every compression.type of Kafka, zstd included, for the broker and for a topic', () => {
    expect(brokerConfigFrom({'compression.type': 'zstd'}, '/h/server.properties').topicDefaults).toMatchObject({
      'compression.type': 'zstd',
    })
    for (const codec of ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer']) {
      expect(validateTopicConfigs({'compression.type': codec})).toEqual({'compression.type': codec})
    }
    expect(() => validateTopicConfigs({'compression.type': 'brotli'})).toThrow(/Invalid value brotli/)
  })

  it("reads Kafka's expiration settings for transactional and producer ids", () => {
    const defaults = brokerConfigFrom({}, null)
    expect(defaults.transactions).toMatchObject({idExpirationMs: 604_800_000, removeIntervalMs: 3_600_000})
    expect(defaults.producerIds).toEqual({expirationMs: 86_400_000, checkIntervalMs: 600_000})
    const c = brokerConfigFrom(
      {
        'transactional.id.expiration.ms': '1000',
        'transaction.remove.expired.transaction.cleanup.interval.ms': '100',
        'producer.id.expiration.ms': '2000',
        'producer.id.expiration.check.interval.ms': '200',
      },
      null,
    )
    expect(c.transactions).toMatchObject({idExpirationMs: 1000, removeIntervalMs: 100})
    expect(c.producerIds).toEqual({expirationMs: 2000, checkIntervalMs: 200})
    expect(() => brokerConfigFrom({'producer.id.expiration.ms': '0'}, null)).toThrow(/producer.id.expiration.ms/)
  })

  it('lists every setting it reads as DescribeConfigs lists a broker: given ones static, the others default', () => {
    const entries = describeBrokerConfigs(
      brokerConfigFrom({'num.partitions': '3', 'log.retention.hours': '24', listeners: 'PLAINTEXT://:0'}, null),
    )
    const names = entries.map((e) => e.name)
    expect(names).toEqual([...names].sort())
    expect(names).toEqual(
      expect.arrayContaining([...Object.keys(BROKER_SETTINGS), 'log.retention.ms', 'message.max.bytes']),
    )
    const entry = (name: string) => entries.find((e) => e.name === name)
    expect(entry('num.partitions')).toEqual({
      name: 'num.partitions',
      value: '3',
      type: 'INT',
      source: 'STATIC_BROKER_CONFIG',
      isDefault: false,
      readOnly: true,
      sensitive: false,
      synonyms: [
        {name: 'num.partitions', value: '3', source: 'STATIC_BROKER_CONFIG'},
        {name: 'num.partitions', value: '1', source: 'DEFAULT_CONFIG'},
      ],
    })
    expect(entry('log.retention.hours')).toMatchObject({value: '24', type: 'INT', source: 'STATIC_BROKER_CONFIG'})
    expect(entry('log.retention.ms')).toMatchObject({value: null, type: 'LONG', source: 'DEFAULT_CONFIG', synonyms: []})
    expect(entry('listeners')).toMatchObject({value: 'PLAINTEXT://:0', type: 'LIST'})
    expect(entry('advertised.listeners')).toMatchObject({value: null, source: 'DEFAULT_CONFIG'})
    expect(entry('cleanup.policy')).toBeUndefined() // a topic config: its broker synonym is log.cleanup.policy
    expect(entry('log.cleanup.policy')).toMatchObject({value: 'delete', type: 'LIST', isDefault: true})
    // The broker defaults of topic configs may change at run time (dynamic broker configs); the rest are read at start.
    expect(entries.filter((e) => !e.readOnly).map((e) => e.name)).toEqual(
      [...BROKER_SYNONYMS].filter((n) => names.includes(n)).sort(),
    )
  })

  it("reads the lag history's settings, within bounds", () => {
    expect(brokerConfigFrom({}, null).lagHistory).toMatchObject({
      sampleIntervalMs: 1000,
      logSamples: 300,
      commitSamples: 10,
    })
    const c = brokerConfigFrom(
      {'kafkalite.lag.sample.interval.ms': '10', 'kafkalite.lag.samples': '50', 'kafkalite.lag.commits': '5'},
      null,
    )
    expect(c.lagHistory).toMatchObject({sampleIntervalMs: 10, logSamples: 50, commitSamples: 5})
    expect(() => brokerConfigFrom({'kafkalite.lag.samples': '5000'}, '/h/server.properties')).toThrow(
      /Invalid value 5000 for configuration kafkalite.lag.samples in \/h\/server.properties: Value must be no more than 1000/,
    )
    expect(() => brokerConfigFrom({'kafkalite.lag.commits': '1'}, null)).toThrow(/kafkalite.lag.commits/)
  })
})
