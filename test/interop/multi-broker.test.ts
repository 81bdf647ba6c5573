// kafkalite's client library against three brokers: librdkafka's mock cluster (test.mock.num.brokers=3, run by the
// interop venv's confluent-kafka), whose partitions have their leaders on different brokers and whose group
// coordinator is one of them. Produce and fetch must reach each partition's leader, and commits the coordinator.
// (The mock closes the connection on JoinGroup v6, which it advertises, so groups with members are tested against
// real brokers only: test/interop/cluster-client.test.ts.)
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  Admin,
  KafkaConsumer,
  KafkaProducer,
  StringDeserializer,
  StringSerializer,
  type ConsumerRecord,
} from '../../src/client/index.js'
import {INTEROP_DIR, interopEnv} from './harness/env.js'

const home = mkdtempSync(join(tmpdir(), 'kafkalite-multi-broker-'))
let mock: ChildProcess | undefined
let bootstrap = ''
const leaders = new Map<number, number>()

/** Starts the mock cluster; resolves with its bootstrap addresses and the leader of each partition of 'spread'. */
async function startMock(): Promise<void> {
  mock = spawn(interopEnv().python, [join(INTEROP_DIR, 'python', 'mock_cluster.py'), 'spread'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = await new Promise<string[]>((resolve, reject) => {
    let out = ''
    mock!.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const got = out.split('\n')
      if (got.length > 2) resolve(got)
    })
    mock!.once('exit', (code) => reject(new Error(`the mock cluster exited (${code})`)))
  })
  bootstrap = lines[0]!
  leaders.clear()
  for (const entry of lines[1]!.split(' ').slice(1)) {
    const [partition, leader] = entry.split(':').map(Number) as [number, number]
    leaders.set(partition, leader)
  }
}

beforeAll(async () => {
  // The mock now and then puts every leader on one broker: start it again until they are spread.
  for (let attempt = 0; attempt < 5; attempt++) {
    await startMock()
    if (new Set(leaders.values()).size > 1) return
    mock?.stdin?.end()
    mock?.kill()
  }
}, 60_000)

afterAll(() => {
  mock?.stdin?.end()
  mock?.kill()
  rmSync(home, {recursive: true, force: true})
})

const config = (extra: Record<string, string> = {}) => ({
  'kafkalite.home': home,
  'bootstrap.servers': bootstrap,
  ...extra,
})

describe('kafkalite against three brokers (librdkafka’s mock cluster)', () => {
  it('sees each partition’s leader, produces to every leader and reads from every leader', async () => {
    expect(new Set(leaders.values()).size).toBeGreaterThan(1) // the leaders are spread: the test means something
    const admin = await Admin.create(config())
    try {
      const [topic] = await admin.describeTopics(['spread'])
      expect(new Map(topic!.partitions.map((p) => [p.partition, p.leader?.id]))).toEqual(leaders)
      expect(topic!.partitions[0]!.replicas.length).toBeGreaterThan(1)
    } finally {
      admin.close()
    }

    const producer = new KafkaProducer(config({'linger.ms': '5'}), new StringSerializer(), new StringSerializer())
    const sent = await Promise.all(
      Array.from({length: 400}, (_, i) => producer.send({topic: 'spread', key: `k${i}`, value: `v${i}`})),
    )
    await producer.close()
    expect(new Set(sent.map((m) => m.partition)).size).toBe(leaders.size)

    const consumer = new KafkaConsumer(
      config({'group.id': 'spread-readers', 'auto.offset.reset': 'earliest'}),
      new StringDeserializer(),
      new StringDeserializer(),
    )
    consumer.assign([...leaders.keys()].map((partition) => ({topic: 'spread', partition})))
    const got: ConsumerRecord<string, string>[] = []
    const deadline = Date.now() + 30_000
    while (got.filter((r) => r.value !== 'seed').length < 400 && Date.now() < deadline)
      got.push(...(await consumer.poll(200)))
    const values = new Set(got.map((r) => r.value).filter((v) => v !== 'seed'))
    expect(values.size).toBe(400)
    // Offsets committed through the group coordinator (one of the three brokers), read back through it.
    await consumer.commitSync()
    const committed = await consumer.committed([...leaders.keys()].map((partition) => ({topic: 'spread', partition})))
    expect(committed.reduce((n, o) => n + (o?.offset ?? 0), 0)).toBe(401) // the seed record too
    await consumer.close()
  })
})
