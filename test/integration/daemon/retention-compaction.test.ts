// Retention and compaction against a real daemon, with short intervals: deletion by size and by time (whole
// segments, never what Kafka would still keep), consumers behind the log start, compaction with tombstones and
// aborted transactions, and the database file staying bounded under a steady produce.
import {statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {DaemonControl, KafkaConsumer, KafkaProducer, StringDeserializer} from '../../../src/client/index.js'
import {TestHome, waitFor} from '../../helpers/env.js'

const FAST = {
  'log.retention.check.interval.ms': 50,
  'log.cleaner.backoff.ms': 50,
}
const home = TestHome.forEachTest({serverProperties: FAST})

/** Sends each record in a batch of its own (linger 0, one at a time): a known batch and segment layout. */
async function produceOneByOne(
  records: readonly {key?: string | null; value: string | null; timestamp?: number; partition?: number}[],
  topic: string,
  config: Record<string, string> = {},
): Promise<number[]> {
  const producer = new KafkaProducer<string, string>({...home.config, 'linger.ms': '0', ...config})
  const offsets: number[] = []
  try {
    for (const r of records) {
      const m = await producer.send({
        topic,
        partition: r.partition ?? 0,
        key: r.key ?? null,
        value: r.value,
        timestamp: r.timestamp,
      })
      offsets.push(m.offset)
    }
  } finally {
    await producer.close()
  }
  return offsets
}

const earliest = (topic: string) =>
  home.withAdmin(async (admin) => (await admin.listOffsets([{topic, partition: 0, spec: 'earliest'}]))[0]!.offset)

/** Every record of partition 0 from its start, as [offset, key, value]. */
async function readAll(
  topic: string,
  isolation = 'read_uncommitted',
): Promise<[number, string | null, string | null][]> {
  const consumer = new KafkaConsumer<string, string>(
    {...home.config, 'auto.offset.reset': 'earliest', 'isolation.level': isolation},
    new StringDeserializer(),
    new StringDeserializer(),
  )
  const out: [number, string | null, string | null][] = []
  try {
    consumer.assign([{topic, partition: 0}])
    const [end] = await home.withAdmin((admin) =>
      admin.listOffsets([{topic, partition: 0, spec: isolation === 'read_committed' ? 'latest' : 'latest'}]),
    )
    let position = 0
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      for (const r of await consumer.poll(200)) out.push([r.offset, r.key, r.value])
      position = await consumer.position({topic, partition: 0})
      if (position >= end!.offset) break
    }
  } finally {
    await consumer.close()
  }
  return out
}

async function topicBytes(topic: string): Promise<number> {
  const control = await DaemonControl.open({home: home.dir})
  try {
    return (await control.status()).topicBytes[topic] ?? -1
  } finally {
    control.close()
  }
}

describe('retention', () => {
  it('deletes whole segments past retention.bytes, oldest first, and keeps at least retention.bytes', async () => {
    await home.run([
      'topics',
      '--create',
      '--topic',
      'sized',
      '--config',
      'segment.bytes=1000',
      '--config',
      'retention.bytes=3000',
    ])
    const value = 'x'.repeat(100)
    await produceOneByOne(
      Array.from({length: 100}, () => ({value})),
      'sized',
    )
    // Each batch is 100 + 61 + 9 bytes: 5 to a segment; retention keeps the newest segments holding >= 3000 bytes.
    // Retention runs while the records arrive: wait for the last of its passes.
    await waitFor(async () => (await topicBytes('sized')) <= 4000)
    const start = await earliest('sized')
    expect(start % 5).toBe(0) // a segment boundary
    const records = await readAll('sized')
    expect(records[0]![0]).toBe(start)
    expect(records.at(-1)![0]).toBe(99)
    const bytes = await topicBytes('sized')
    expect(bytes).toBeGreaterThanOrEqual(3000 - 1000)
    expect(bytes).toBeLessThanOrEqual(3000 + 1000)
    const described = await home.run(['topics', '--describe', '--topic', 'sized', '--json'])
    expect(JSON.stringify(JSON.parse(described.stdout))).toContain(`"logStartOffset":${start}`)
  })

  it('applies a retention set as a dynamic broker default at once, to topics without an override', async () => {
    await home.run(['topics', '--create', '--topic', 'inherits', '--config', 'segment.bytes=1000'])
    await produceOneByOne(
      Array.from({length: 30}, () => ({value: 'z'.repeat(100)})),
      'inherits',
    )
    await new Promise((r) => setTimeout(r, 200))
    expect(await earliest('inherits')).toBe(0)
    const altered = await home.run([
      'configs',
      '--alter',
      '--broker-defaults',
      '--add-config',
      'log.retention.bytes=2000',
    ])
    expect(altered.code, altered.stderr).toBe(0)
    await waitFor(async () => (await earliest('inherits')) > 0)
    expect(await topicBytes('inherits')).toBeLessThanOrEqual(2000 + 1000)
  })

  it('deletes segments whose newest record is older than retention.ms, and never a segment holding newer data', async () => {
    const old = Date.now() - 600_000
    await home.run(['topics', '--create', '--topic', 'aged', '--config', 'retention.ms=60000'])
    await home.run(['topics', '--create', '--topic', 'mixed', '--config', 'retention.ms=60000'])
    await produceOneByOne(
      [
        {value: 'a', timestamp: old},
        {value: 'b', timestamp: old + 1},
      ],
      'aged',
    )
    // In one segment with a fresh record, an old record stays as long as the fresh one (as Kafka keeps it).
    await produceOneByOne([{value: 'a', timestamp: old}, {value: 'fresh'}], 'mixed')
    await waitFor(async () => (await earliest('aged')) === 2)
    expect(await readAll('aged')).toEqual([])
    await produceOneByOne([{value: 'c'}], 'aged')
    await new Promise((r) => setTimeout(r, 300)) // several retention checks
    expect(await readAll('aged')).toEqual([[2, null, 'c']])
    expect(await earliest('mixed')).toBe(0)
    expect((await readAll('mixed')).map((r) => r[2])).toEqual(['a', 'fresh'])
  })

  it("moves consumers behind the log start by auto.offset.reset, and fails them with Kafka's error under none", async () => {
    await home.run([
      'topics',
      '--create',
      '--topic',
      'gone',
      '--config',
      'segment.bytes=500',
      '--config',
      'retention.bytes=500',
    ])
    await produceOneByOne(
      Array.from({length: 20}, (_, i) => ({value: `v${i}`.padEnd(100, '.')})),
      'gone',
    )
    await waitFor(async () => (await topicBytes('gone')) <= 1000) // retention's last pass is over
    const start = await earliest('gone')
    expect(start).toBeGreaterThanOrEqual(10)
    const consumer = new KafkaConsumer<string, string>(
      {...home.config, 'auto.offset.reset': 'earliest'},
      undefined,
      undefined,
      {
        onNotice: () => {},
      },
    )
    try {
      consumer.assign([{topic: 'gone', partition: 0}])
      consumer.seek({topic: 'gone', partition: 0}, 1)
      const records = await waitFor(async () => {
        const got = [...(await consumer.poll(200))]
        return got.length > 0 ? got : undefined
      })
      expect(records[0]!.offset).toBe(start)
    } finally {
      await consumer.close()
    }
    const strict = new KafkaConsumer<string, string>({...home.config, 'auto.offset.reset': 'none'})
    try {
      strict.assign([{topic: 'gone', partition: 0}])
      strict.seek({topic: 'gone', partition: 0}, 1)
      await expect(
        (async () => {
          for (let i = 0; i < 50; i++) await strict.poll(100)
        })(),
      ).rejects.toThrow(/Fetch position FetchPosition\{offset=1\} is out of range for partition gone-0/)
    } finally {
      await strict.close()
    }
    const cli = await home.run([
      'console-consumer',
      '--topic',
      'gone',
      '--partition',
      '0',
      '--offset',
      '1',
      '--max-messages',
      '1',
      '--consumer-property',
      'auto.offset.reset=earliest',
    ])
    expect(cli.stderr).toContain(
      'Fetch position FetchPosition{offset=1} is out of range for partition gone-0, resetting offset to the earliest offset',
    )
    expect(cli.stdout).toBe(`v${start}`.padEnd(100, '.') + '\n')
  })

  it('knows the bytes of each segment again after kill -9, from its checkpoint and the batches after it', async () => {
    await home.run(['topics', '--create', '--topic', 'counted', '--config', 'segment.bytes=2000'])
    await produceOneByOne(
      Array.from({length: 40}, () => ({value: 'c'.repeat(100)})),
      'counted',
    )
    const before = await topicBytes('counted')
    await new Promise((r) => setTimeout(r, 1200)) // a checkpoint
    await produceOneByOne(
      Array.from({length: 5}, () => ({value: 'd'.repeat(100)})),
      'counted',
    )
    const total = await topicBytes('counted')
    expect(total).toBeGreaterThan(before)
    const pid = home.daemonPid()!
    process.kill(pid, 'SIGKILL')
    await waitFor(() => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    })
    expect(await topicBytes('counted')).toBe(total)
  })

  it('keeps the database file bounded while 20 times retention.bytes is produced', async () => {
    await home.run([
      'topics',
      '--create',
      '--topic',
      'steady',
      '--config',
      'segment.bytes=65536',
      '--config',
      'retention.bytes=262144',
    ])
    const producer = new KafkaProducer<string, string>({...home.config, 'linger.ms': '5'})
    const value = 'y'.repeat(1000)
    try {
      for (let round = 0; round < 20; round++) {
        await Promise.all(Array.from({length: 262}, () => producer.send({topic: 'steady', partition: 0, value})))
        await new Promise((r) => setTimeout(r, 60)) // let retention and the purge run, as they would over time
      }
    } finally {
      await producer.close()
    }
    await waitFor(async () => (await topicBytes('steady')) <= 262144 + 65536)
    const control = await DaemonControl.open({home: home.dir})
    const status = await control.status()
    control.close()
    const file = statSync(join(home.dir, status.database.split('/').at(-1)!)).size
    // About 5.2 MB were produced; the file holds at most retention.bytes + a segment, with SQLite's own pages.
    expect(file).toBeLessThan(2_500_000)
  })
})

describe('compaction', () => {
  it('keeps the latest record per key with its offset, removes tombstones after delete.retention.ms', async () => {
    await home.run([
      'topics',
      '--create',
      '--topic',
      'table',
      '--config',
      'cleanup.policy=compact',
      '--config',
      'segment.bytes=300',
      '--config',
      'min.cleanable.dirty.ratio=0.01',
      '--config',
      'delete.retention.ms=400',
    ])
    const records = [
      {key: 'a', value: 'a1'},
      {key: 'b', value: 'b1'},
      {key: 'a', value: 'a2'},
      {key: 'c', value: 'c1'},
      {key: 'b', value: null},
      {key: 'c', value: 'c2'},
      {key: 'd', value: 'd1'},
      {key: 'e', value: 'e1'},
    ]
    await produceOneByOne(records, 'table')
    // The active segment (the newest records) is never cleaned; everything before it is, keeping offsets.
    await waitFor(async () => {
      const all = await readAll('table')
      return all.some(([, key]) => key === 'a' && all.filter(([, k]) => k === 'a').length === 1) ? all : undefined
    })
    const cleaned = await readAll('table')
    expect(cleaned.find(([, k, v]) => k === 'a' && v === 'a2')![0]).toBe(2)
    expect(cleaned.filter(([, k]) => k === 'a')).toEqual([[2, 'a', 'a2']])
    // The tombstone of b (offset 4) is in the active segment: b1 stays until a pass reaches it.
    expect(cleaned.filter(([, k]) => k === 'b').map(([, , v]) => v)).toEqual(['b1', null])
    await produceOneByOne(
      [
        {key: 'f', value: 'f1'},
        {key: 'g', value: 'g1'},
        {key: 'h', value: 'h1'},
      ],
      'table',
    )
    await waitFor(async () => ((await readAll('table')).some(([, k]) => k === 'b') ? undefined : true), 10_000)
    const after = await readAll('table')
    expect(after.filter(([, k]) => k === 'c')).toEqual([[5, 'c', 'c2']])
  })

  it('refuses records without a key, as Kafka refuses them on a compacted topic', async () => {
    await home.run(['topics', '--create', '--topic', 'keyed', '--config', 'cleanup.policy=compact'])
    await expect(produceOneByOne([{value: 'no key'}], 'keyed', {retries: '0'})).rejects.toThrow(
      /Compacted topic cannot accept message without key/,
    )
  })

  it('removes the records of aborted transactions and, after delete.retention.ms, their markers', async () => {
    await home.run([
      'topics',
      '--create',
      '--topic',
      'txns',
      '--config',
      'cleanup.policy=compact',
      '--config',
      'segment.bytes=200',
      '--config',
      'min.cleanable.dirty.ratio=0.01',
      '--config',
      'delete.retention.ms=300',
    ])
    const producer = new KafkaProducer<string, string>({...home.config, 'transactional.id': 'tx-1', 'linger.ms': '0'})
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.send({topic: 'txns', partition: 0, key: 'k1', value: 'aborted-1'})
      await producer.send({topic: 'txns', partition: 0, key: 'k2', value: 'aborted-2'})
      await producer.abortTransaction()
      producer.beginTransaction()
      await producer.send({topic: 'txns', partition: 0, key: 'k3', value: 'committed'})
      await producer.commitTransaction()
    } finally {
      await producer.close()
    }
    // Roll past them so that they are cleanable.
    await produceOneByOne(
      Array.from({length: 6}, (_, i) => ({key: `later-${i}`, value: 'v'.repeat(60)})),
      'txns',
    )
    await waitFor(async () => {
      const all = await readAll('txns')
      return all.some(([, , v]) => v?.startsWith('aborted')) ? undefined : all
    }, 10_000)
    const committed = await readAll('txns', 'read_committed')
    expect(committed.filter(([, k]) => k === 'k3')).toEqual([[3, 'k3', 'committed']])
  })
})
