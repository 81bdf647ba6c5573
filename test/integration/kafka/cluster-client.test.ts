// kafkalite's client library and commands against a Kafka cluster, over Kafka's protocol: here the cluster is another
// home's daemon with its Kafka listener, reached from a home of its own that must never start a daemon. The same
// scenarios run against Apache Kafka's broker in test/interop/cluster-client.test.ts.
import {existsSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {
  Admin,
  KafkaConsumer,
  KafkaProducer,
  StringDeserializer,
  StringSerializer,
  type ConsumerRecord,
} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'
import {KAFKA_LISTENER} from '../../helpers/kafka-socket.js'

const broker = new TestHome()
const client = new TestHome()
let bootstrap = ''

beforeEach(async () => {
  broker.setServerProperties(KAFKA_LISTENER)
  bootstrap = `127.0.0.1:${await broker.kafkaPort()}`
})

afterEach(async () => {
  // The client's home was only a home: nothing in it started a daemon.
  expect(existsSync(join(client.dir, 'daemon.pid'))).toBe(false)
  expect(existsSync(join(client.dir, 'kafkalite.db'))).toBe(false)
  await client.cleanup()
  await broker.cleanup()
})

const config = (extra: Record<string, string> = {}) => ({
  'kafkalite.home': client.dir,
  'bootstrap.servers': bootstrap,
  ...extra,
})

async function drain<K, V>(consumer: KafkaConsumer<K, V>, count: number, ms = 15_000): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = []
  const deadline = Date.now() + ms
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(200)))
  return out
}

describe('the client library against a Kafka cluster', () => {
  it('administers topics over Kafka’s protocol', async () => {
    const admin = await Admin.create(config())
    try {
      const topic = uniqueTopic()
      const [created] = await admin.createTopics([{name: topic, numPartitions: 2, configs: {'retention.ms': '5000'}}])
      expect(created).toMatchObject({name: topic, numPartitions: 2, replicationFactor: 1})
      expect((await admin.listTopics()).map((t) => t.name)).toContain(topic)
      const [description] = await admin.describeTopics([topic])
      expect(description!.partitions.map((p) => [p.partition, p.leader?.id, p.replicas.map((r) => r.id)])).toEqual([
        [0, 1, [1]],
        [1, 1, [1]],
      ])
      expect(description!.partitions[0]!.leader).toMatchObject({
        host: '127.0.0.1',
        port: Number(bootstrap.split(':')[1]),
      })
      await admin.createPartitions({[topic]: 3})
      expect((await admin.describeTopics([topic]))[0]!.partitions).toHaveLength(3)
      await admin.incrementalAlterConfigs({[topic]: {set: {'retention.ms': '7000'}, delete: []}})
      const configs = (await admin.describeConfigs([topic])).get(topic)!
      expect(configs.find((c) => c.name === 'retention.ms')).toMatchObject({
        value: '7000',
        source: 'DYNAMIC_TOPIC_CONFIG',
      })
      await expect(admin.createTopics([{name: topic}])).rejects.toMatchObject({code: 'TOPIC_ALREADY_EXISTS'})
      await admin.deleteTopics([topic])
      expect((await admin.listTopics()).map((t) => t.name)).not.toContain(topic)
    } finally {
      admin.close()
    }
  })

  it('produces keyed records with headers and a group of two consumers reads each once', async () => {
    const topic = uniqueTopic()
    const admin = await Admin.create(config())
    await admin.createTopics([{name: topic, numPartitions: 4}])
    admin.close()
    const producer = new KafkaProducer(config({'linger.ms': '5'}), new StringSerializer(), new StringSerializer())
    const sent = await Promise.all(
      Array.from({length: 200}, (_, i) =>
        producer.send({topic, key: `k${i % 17}`, value: `v${i}`, headers: [{key: 'h', value: Buffer.from(`x${i}`)}]}),
      ),
    )
    await producer.close()
    expect(new Set(sent.map((m) => m.partition)).size).toBe(4)

    const consumers = [0, 1].map(
      () =>
        new KafkaConsumer(
          config({'group.id': 'pair', 'auto.offset.reset': 'earliest'}),
          new StringDeserializer(),
          new StringDeserializer(),
        ),
    )
    for (const c of consumers) c.subscribe([topic])
    const got: ConsumerRecord<string, string>[][] = [[], []]
    const deadline = Date.now() + 30_000
    while (got[0]!.length + got[1]!.length < 200 && Date.now() < deadline) {
      const polled = await Promise.all(consumers.map((c) => c.poll(200)))
      polled.forEach((records, i) => got[i]!.push(...records))
    }
    const all = [...got[0]!, ...got[1]!]
    expect(all).toHaveLength(200)
    expect(new Set(all.map((r) => r.value)).size).toBe(200)
    const byValue = new Map(all.map((r) => [r.value, r]))
    for (let i = 0; i < 200; i++) {
      const r = byValue.get(`v${i}`)!
      expect(r.key).toBe(`k${i % 17}`)
      expect(r.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['h', `x${i}`]])
      expect([r.partition, r.offset]).toEqual([sent[i]!.partition, sent[i]!.offset])
    }
    await Promise.all(consumers.map((c) => c.commitSync()))
    await Promise.all(consumers.map((c) => c.close()))

    const admin2 = await Admin.create(config())
    try {
      const offsets = await admin2.listConsumerGroupOffsets('pair')
      const total = offsets.reduce((n, o) => n + o.offset, 0)
      expect(total).toBe(200)
    } finally {
      admin2.close()
    }
  })

  it('commits and aborts transactions, and read_committed sees only the committed records', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer(
      config({'transactional.id': 'tx-cluster'}),
      new StringSerializer(),
      new StringSerializer(),
    )
    await producer.initTransactions()
    producer.beginTransaction()
    for (let i = 0; i < 10; i++) void producer.send({topic, partition: 0, value: `committed-${i}`})
    await producer.commitTransaction()
    producer.beginTransaction()
    for (let i = 0; i < 10; i++) void producer.send({topic, partition: 0, value: `aborted-${i}`})
    await producer.flush()
    await producer.abortTransaction()
    producer.beginTransaction()
    await producer.send({topic, partition: 0, value: 'last'})
    await producer.commitTransaction()
    await producer.close()

    const consumer = new KafkaConsumer(
      config({'isolation.level': 'read_committed', 'group.id': 'rc', 'auto.offset.reset': 'earliest'}),
      new StringDeserializer(),
      new StringDeserializer(),
    )
    consumer.subscribe([topic])
    const values = (await drain(consumer, 11)).map((r) => r.value)
    await consumer.close()
    expect(values).toEqual([...Array.from({length: 10}, (_, i) => `committed-${i}`), 'last'])
  })
})

describe('the commands against a Kafka cluster', () => {
  it('create, list and describe topics, produce and consume, and describe the group', async () => {
    const topic = uniqueTopic()
    const bs = ['--bootstrap-server', bootstrap]
    const created = await client.run(['topics', ...bs, '--create', '--topic', topic, '--partitions', '2'])
    expect(created.stderr).toBe('')
    expect(created.stdout).toBe(`Created topic ${topic}.\n`)
    expect((await client.run(['topics', ...bs, '--list'])).stdout.split('\n')).toContain(topic)
    const described = await client.run(['topics', ...bs, '--describe', '--topic', topic])
    expect(described.stdout).toContain(`\tTopic: ${topic}\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\t`)

    const produced = await client.run(['console-producer', ...bs, '--topic', topic, '--property', 'parse.key=true'], {
      input: 'a\t1\nb\t2\nc\t3\n',
    })
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const consumed = await client.run([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--group',
      'cli',
      '--from-beginning',
      '--max-messages',
      '3',
      '--property',
      'print.key=true',
    ])
    expect(consumed.code).toBe(0)
    expect(consumed.stdout.trim().split('\n').sort()).toEqual(['a\t1', 'b\t2', 'c\t3'])

    const groups = await client.run(['consumer-groups', ...bs, '--describe', '--group', 'cli', '--json'])
    expect(groups.stderr).toBe('')
    const group = (JSON.parse(groups.stdout) as {groups: {partitions: {currentOffset: number | null}[]}[]}).groups[0]!
    expect(group.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0)).toBe(3)
    // What the broker holds, seen by its own home over its socket: the same records.
    const local = await broker.run(['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', '3'])
    expect(local.stdout.trim().split('\n').sort()).toEqual(['1', '2', '3'])
  })

  it('show lag against a cluster, sampling the log ends themselves: lag in time from the second refresh', async () => {
    const topic = uniqueTopic()
    const bs = ['--bootstrap-server', bootstrap]
    await client.run(['topics', ...bs, '--create', '--topic', topic])
    await client.run(['console-producer', ...bs, '--topic', topic], {input: 'a\nb\nc\nd\ne\nf\n'})
    const read = await client.run([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--group',
      'lagging',
      '--from-beginning',
      '--max-messages',
      '2',
      '--consumer-property',
      'max.poll.records=2',
    ])
    expect(read.stdout).toBe('a\nb\n')
    const once = await client.run(['lag', ...bs, '--group', 'lagging', '--once', '--json'])
    expect(once.stderr).toBe('')
    const snapshot = JSON.parse(once.stdout) as {
      groups: {groupId: string; totalLag: number; partitions: {committed: number; logEnd: number; lag: number}[]}[]
    }
    expect(snapshot.groups.map((g) => [g.groupId, g.totalLag])).toEqual([['lagging', 4]])
    expect(snapshot.groups[0]!.partitions.map((p) => [p.committed, p.logEnd, p.lag])).toEqual([[2, 6, 4]])
    const table = await client.run(['lag', ...bs, '--once'])
    expect(table.stdout).toMatch(/lagging/)
    const missing = await client.run(['lag', ...bs, '--group', 'nope', '--once'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/Consumer group 'nope' does not exist/)
  })

  it('say with -v and --json which broker they reached, and how', async () => {
    const remote = await client.run(['topics', '--bootstrap-server', bootstrap, '--list', '-v'])
    expect(remote.stderr).toBe(
      `Using the Kafka cluster at ${bootstrap} over Kafka's protocol (security.protocol=PLAINTEXT)\n`,
    )
    const json = await client.run(['topics', '--bootstrap-server', bootstrap, '--list', '--json'])
    expect(JSON.parse(json.stdout).connection).toEqual({
      transport: 'kafka',
      bootstrap,
      securityProtocol: 'PLAINTEXT',
    })
    // The broker's own home: its listener address is the local daemon, over the Unix socket.
    const local = await broker.run(['topics', '--bootstrap-server', bootstrap, '--list', '--verbose'])
    expect(local.stderr).toBe(
      `Using the local kafkalite broker over its Unix socket ${join(broker.dir, 'kafkalite.sock')} (home ${broker.dir})\n`,
    )
    const mine = JSON.parse((await broker.run(['topics', '--list', '--json'])).stdout)
    expect(mine.connection).toEqual({
      transport: 'unix-socket',
      home: broker.dir,
      socket: join(broker.dir, 'kafkalite.sock'),
    })
    // consumer-groups keeps Kafka's own --verbose (its views' extra columns); its --json names the broker.
    const groups = await client.run(['consumer-groups', '--bootstrap-server', bootstrap, '--list', '--json'])
    expect(JSON.parse(groups.stdout).connection).toMatchObject({transport: 'kafka', bootstrap})
  })

  it('fail after the timeout, in one line naming the address, when no broker answers there', async () => {
    const props = join(client.dir, 'admin.properties')
    writeFileSync(props, 'request.timeout.ms=1500\n')
    const started = Date.now()
    const r = await client.run(['topics', '--bootstrap-server', '127.0.0.1:1', '--list', '--command-config', props])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('127.0.0.1:1')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400)
  })

  it('wait within request.timeout.ms for a broker that starts late', async () => {
    const late = new TestHome()
    try {
      const port = await freePort()
      late.setServerProperties({listeners: `PLAINTEXT://127.0.0.1:${port}`})
      const list = client.run(['consumer-groups', '--bootstrap-server', `127.0.0.1:${port}`, '--list'])
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      expect((await late.run(['daemon', 'start'])).code).toBe(0)
      const r = await list
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    } finally {
      await late.cleanup()
    }
  })
})

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}
