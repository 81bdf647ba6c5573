// What every test file of the suite uses: the broker under test, unique names, the Java client as the reference
// reader, and waiting for conditions.
import {randomBytes} from 'node:crypto'
import {inject, test} from 'vitest'
import {runDriver, type WireRecord} from './drivers.js'
import {unsupported, type Family, type Scenario} from './families.js'
import {asFamily} from './results.js'

export const broker = inject('broker')
export const resultsDir = inject('resultsDir')
export const bootstrap = broker.bootstrap

/** A topic, group or transactional id no other test uses (the broker lives for the whole run). */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

export function createTopic(topic: string, partitions: number): Promise<unknown> {
  return runDriver('java', 'create-topic', {bootstrap, topic, partitions})
}

export function produce(
  family: Family,
  topic: string,
  records: WireRecord[],
  extra: object = {},
): Promise<{offsets: unknown}> {
  return runDriver(family, 'produce', {bootstrap, topic, records, ...extra})
}

export async function consume(
  family: Family,
  topic: string,
  params: {
    count?: number
    stopKey?: string
    isolation?: 'read_committed' | 'read_uncommitted'
    partitions?: number[]
    timeoutMs?: number
  },
): Promise<WireRecord[]> {
  const {records} = await runDriver<{records: WireRecord[]}>(
    family,
    'consume',
    {bootstrap, topic, timeoutMs: 20_000, ...params},
    (params.timeoutMs ?? 20_000) + 30_000,
  )
  return records
}

export async function watermarks(
  family: Family,
  topic: string,
  partitions?: number[],
): Promise<{partition: number; low: number; high: number}[]> {
  const r = await runDriver<{partitions: {partition: number; low: number; high: number}[]}>(family, 'watermarks', {
    bootstrap,
    topic,
    ...(partitions ? {partitions} : {}),
  })
  return r.partitions
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < end) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

export const text = (s: string): string => Buffer.from(s).toString('base64')

/**
 * One test per family for its part of `scenario` (`%s` in the title names the family). A family that cannot do the
 * scenario gets a skipped test that says why (families.ts); the others record their outcome for the table.
 */
export function eachFamily(
  scenario: Scenario,
  families: readonly Family[],
  title: string,
  body: (family: Family) => Promise<void>,
): void {
  for (const family of families) {
    const name = title.replace('%s', family)
    const reason = unsupported(family, scenario)
    if (reason !== undefined) test.skip(`${name} (cannot: ${reason})`, () => {})
    else test(name, () => asFamily(resultsDir, family, scenario, () => body(family)).then(() => undefined))
  }
}
