// Keyed records with headers and timestamps, produced by each family and read by each family: the bytes of keys,
// values and headers, and the timestamps the producer set, must come back exactly.
import {beforeAll, describe, expect, test} from 'vitest'
import {consume, createTopic, eachFamily, produce, resultsDir, unique} from './harness/context.js'
import type {WireRecord} from './harness/drivers.js'
import {FAMILIES, FAMILY_INFO, type Family} from './harness/families.js'
import {canonicalRecords, comparable} from './harness/records.js'
import {asFamily} from './harness/results.js'

const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000
const topics = new Map(FAMILIES.map((f) => [f, unique(`records-from-${f}`)]))
/** The canonical records, less those a family cannot write (families.ts says why). */
const sent = new Map(FAMILIES.map((f) => [f, canonicalRecords(t0, f).filter((r) => !FAMILY_INFO[f].cannotWrite?.(r))]))
/** What the Java client read back from each producer's topic: the reference for fields a producer cannot set. */
const reference = new Map<Family, WireRecord[]>()

beforeAll(async () => {
  for (const topic of topics.values()) await createTopic(topic, 1)
})

describe('each family produces the canonical records', () => {
  eachFamily(
    'produce',
    FAMILIES,
    '%s writes them and the Java client reads them back byte for byte',
    async (family) => {
      const records = sent.get(family)!
      await produce(family, topics.get(family)!, records)
      const read = await consume('java', topics.get(family)!, {count: records.length})
      expect(read.map((r) => comparable(r, FAMILY_INFO[family].setsTimestamps))).toEqual(
        records.map((r) => comparable(r, FAMILY_INFO[family].setsTimestamps)),
      )
      expect(read.map((r) => r.offset)).toEqual(records.map((_, i) => i))
      reference.set(family, read)
    },
  )
})

describe('each family reads every family’s records', () => {
  const pairs = FAMILIES.flatMap((consumer) => FAMILIES.map((producer) => [consumer, producer] as const))
  test.each(pairs)('%s reads what %s produced, byte for byte', async (consumer, producer) => {
    await asFamily(resultsDir, consumer, 'consume', async () => {
      const expected = reference.get(producer)
      if (expected === undefined) throw new Error(`${producer} did not produce (see its test)`)
      const read = await consume(consumer, topics.get(producer)!, {count: expected.length})
      // Timestamps included: every reader must see the same ones as the Java client.
      expect(read.map((r) => ({...comparable(r, true), offset: r.offset}))).toEqual(
        expected.map((r) => ({...comparable(r, true), offset: r.offset})),
      )
    })
  })
})
