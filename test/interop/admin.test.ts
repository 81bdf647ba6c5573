import {beforeAll, describe, expect} from 'vitest'
import {bootstrap, createTopic, unique, eachFamily} from './harness/context.js'
import {runDriver} from './harness/drivers.js'
import {FAMILIES} from './harness/families.js'

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
