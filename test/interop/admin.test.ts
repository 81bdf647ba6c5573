import {beforeAll, describe, expect} from 'vitest'
import {bootstrap, createTopic, unique, eachFamily} from './harness/context.js'
import {runDriver} from './harness/drivers.js'
import {FAMILIES, type Family} from './harness/families.js'

interface Configs {
  topic: Record<string, string | null>
  broker: Record<string, string | null>
}

interface Metadata {
  brokers: {id: number; host: string; port: number}[]
  topics: {name: string; partitions: number}[]
}

const [host, port] = bootstrap.split(':') as [string, string]

describe('metadata and topic listing', () => {
  const topic = unique('listed')
  beforeAll(() => createTopic(topic, 3))
  eachFamily(
    'metadata',
    FAMILIES,
    '%s sees the broker at its advertised address and lists a topic with its partitions',
    async (family) => {
      const md = await runDriver<Metadata>(family, 'metadata', {bootstrap})
      expect(md.brokers).toEqual([expect.objectContaining({host, port: Number(port)})])
      expect(md.topics).toContainEqual({name: topic, partitions: 3})
    },
  )
})

describe('creating a topic through the admin API', () => {
  eachFamily(
    'create-topic',
    FAMILIES,
    '%s creates a topic with 4 partitions that the Java client then sees',
    async (family) => {
      const topic = unique(`created-by-${family}`)
      await runDriver(family, 'create-topic', {bootstrap, topic, partitions: 4})
      const md = await runDriver<Metadata>('java', 'metadata', {bootstrap})
      expect(md.topics).toContainEqual({name: topic, partitions: 4})
    },
  )
})

describe('topic and broker configs through the admin API', () => {
  // kafkajs and kafka-python alter configs only with the legacy AlterConfigs, which replaces a topic's overrides
  // wholesale (Kafka's semantics); the others use IncrementalAlterConfigs, which changes only what it names.
  const LEGACY = new Set<Family>(['kafkajs', 'kafka-python'])
  const keys = {topicConfigs: ['retention.ms', 'segment.bytes'], brokerConfigs: ['num.partitions']}
  eachFamily(
    'configs',
    FAMILIES,
    "%s sets a topic config that the Java client reads back, and reads the broker's settings",
    async (family) => {
      const topic = unique(`configs-${family}`)
      await createTopic(topic, 1)
      await runDriver('java', 'configs', {bootstrap, topic, set: {'segment.bytes': '1048576'}, ...keys})
      const own = await runDriver<Configs>(family, 'configs', {
        bootstrap,
        topic,
        set: {'retention.ms': '3600000'},
        ...keys,
      })
      expect(own).toEqual({
        topic: {'retention.ms': '3600000', 'segment.bytes': LEGACY.has(family) ? '1073741824' : '1048576'},
        broker: {'num.partitions': '1'},
      })
      expect(await runDriver<Configs>('java', 'configs', {bootstrap, topic, ...keys})).toEqual(own)
    },
  )
})
