// A consumer group of two members from different families: they split the partitions of a topic, each reads its
// own, and when one leaves the other takes all partitions over from the committed offsets.
import {describe, expect, test} from 'vitest'
import {bootstrap, createTopic, produce, resultsDir, text, unique, waitFor} from './harness/context.js'
import {DriverProcess, type DriverEvent} from './harness/drivers.js'
import {FAMILIES, type Family} from './harness/families.js'
import {asFamily} from './harness/results.js'

const PARTITIONS = [0, 1, 2, 3]
/** A ring over the families: each family joins a group once as the first member and once as the second. */
const pairs = FAMILIES.map((f, i) => [f, FAMILIES[(i + 1) % FAMILIES.length]!] as const)

const lastAssignment = (m: DriverProcess): number[] | undefined =>
  (m.events.filter((e) => e.event === 'assigned').at(-1)?.partitions as number[] | undefined) ?? undefined
const recordsOf = (m: DriverProcess): DriverEvent[] => m.events.filter((e) => e.event === 'record')
const keysOf = (m: DriverProcess): string[] =>
  recordsOf(m).map((e) => Buffer.from(e.key as string, 'base64').toString())

async function produceOnePerPartition(topic: string, round: string): Promise<string[]> {
  const keys = PARTITIONS.map((p) => `${round}-p${p}`)
  await produce(
    'java',
    topic,
    PARTITIONS.map((p) => ({partition: p, key: text(keys[p]!), value: text(`value of ${keys[p]}`), headers: []})),
  )
  return keys
}

describe('a group shared by two families', () => {
  test.each(pairs)(
    '%s and %s split 4 partitions, and the second takes all over when the first leaves',
    async (a, b) => {
      const run = async (): Promise<void> => {
        const topic = unique(`group-${a}-${b}`)
        const group = unique(`g-${a}-${b}`)
        await createTopic(topic, PARTITIONS.length)
        const params = {bootstrap, topic, group}
        const first = new DriverProcess(a, 'group-member', params)
        let second: DriverProcess | undefined
        try {
          await waitFor(
            `${a} to own all partitions`,
            () => (lastAssignment(first)?.length === 4 ? true : undefined),
            60_000,
          )
          second = new DriverProcess(b, 'group-member', params)
          const member2 = second
          await waitFor(
            'the partitions to be split between the two members',
            () => {
              const x = lastAssignment(first) ?? []
              const y = lastAssignment(member2) ?? []
              return x.length > 0 && y.length > 0 && [...x, ...y].sort().join() === PARTITIONS.join() ? true : undefined
            },
            60_000,
          )
          const split = {[a]: lastAssignment(first)!, [b]: lastAssignment(member2)!}
          const round1 = await produceOnePerPartition(topic, 'round1')
          await waitFor('each member to read the records of its partitions', () =>
            keysOf(first).length + keysOf(member2).length >= 4 ? true : undefined,
          )
          expect(keysOf(first).sort()).toEqual(split[a]!.map((p) => round1[p]))
          expect(keysOf(member2).sort()).toEqual(split[b]!.map((p) => round1[p]))

          first.send('leave')
          await first.result(60_000)
          await waitFor(
            `${b} to own all partitions`,
            () => (lastAssignment(member2)?.length === 4 ? true : undefined),
            60_000,
          )
          const round2 = await produceOnePerPartition(topic, 'round2')
          await waitFor(`${b} to read every new record`, () =>
            round2.every((k) => keysOf(member2).includes(k)) ? true : undefined,
          )
          // Taken over from committed offsets: nothing the first member read comes again.
          expect(keysOf(member2).filter((k) => round1.includes(k) && !split[b]!.some((p) => round1[p] === k))).toEqual(
            [],
          )
          member2.send('leave')
          await member2.result(60_000)
        } finally {
          first.kill()
          second?.kill()
        }
      }
      let outcome: Promise<void> | undefined
      const once = (): Promise<void> => (outcome ??= run())
      // One run, recorded for both families.
      await Promise.all([asFamily(resultsDir, a, 'group', once), asFamily(resultsDir, b, 'group', once)])
    },
  )
})

export type {Family}
