// kafkalite's commands and library against a real three-broker Apache Kafka cluster (KRaft, each node a broker and a
// controller): partitions led by different brokers than the group and transaction coordinators, `topics --describe`
// printed as Kafka's own tool prints it, and an idempotent producer, a group consumer and a transactional producer
// that carry on while the leader of their partitions, then their transaction coordinator, crash (kill -9).
// Runs with the Apache Kafka suite (the cluster is started here, next to the suite's single broker).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Admin, KafkaConsumer, KafkaProducer} from '../../src/client/index.js'
import {launchClusterNode, startKafkaCluster, stopClusterNode, type ClusterNode} from './harness/broker.js'
import {broker} from './harness/context.js'
import {runKafkaTool, runKafkalite} from './harness/env.js'

const dir = mkdtempSync(join(tmpdir(), 'kafkalite-three-brokers-'))
const home = join(dir, 'home')
let bootstrap = ''
let nodes: ClusterNode[] = []
const apache = broker.kind === 'apache-kafka'

beforeAll(async () => {
  if (!apache) return
  ;({bootstrap, nodes} = await startKafkaCluster(join(dir, 'kafka')))
}, 240_000)

afterAll(async () => {
  await Promise.all(nodes.map((n) => stopClusterNode(n, 'SIGKILL')))
  rmSync(dir, {recursive: true, force: true})
})

const kafkalite = (args: readonly string[]) => runKafkalite(home, args)

const config = (extra: Record<string, string> = {}) => ({
  'kafkalite.home': home,
  'bootstrap.servers': bootstrap,
  ...extra,
})

async function leaders(topic: string): Promise<Map<number, number>> {
  const admin = await Admin.create(config())
  try {
    const [t] = await admin.describeTopics([topic])
    return new Map(t!.partitions.map((p) => [p.partition, p.leader?.id ?? -1]))
  } finally {
    admin.close()
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** Brings a killed broker back and waits until every partition of `topic` has its three replicas in sync again. */
async function restore(node: ClusterNode, topic: string): Promise<void> {
  await launchClusterNode(node)
  await waitFor(`${topic}'s replicas back in sync`, async () => {
    const r = await kafkalite(['topics', '--bootstrap-server', bootstrap, '--describe', '--topic', topic])
    return r.stdout.split('\n').filter((l) => /\tIsr: \d+,\d+,\d+/.test(l)).length === 6
  })
}

describe.skipIf(!apache)('kafkalite against a three-broker Apache Kafka cluster', () => {
  it("describes partitions led by different brokers exactly as Kafka's kafka-topics prints them", async () => {
    const bs = ['--bootstrap-server', bootstrap]
    const created = await kafkalite([
      'topics',
      ...bs,
      '--create',
      '--topic',
      'moves',
      '--partitions',
      '6',
      '--replication-factor',
      '3',
    ])
    expect(created.stderr).toBe('')
    expect(created.stdout).toBe('Created topic moves.\n')
    await waitFor('leaders for every partition', async () => [...(await leaders('moves')).values()].every((l) => l > 0))
    expect(new Set((await leaders('moves')).values()).size).toBeGreaterThan(1)
    const ours = await kafkalite(['topics', ...bs, '--describe', '--topic', 'moves'])
    const theirs = await runKafkaTool('org.apache.kafka.tools.TopicCommand', [...bs, '--describe', '--topic', 'moves'])
    expect(ours.stdout).toBe(theirs.stdout)
    expect(ours.stdout).toMatch(/\tReplicas: \d,\d,\d\tIsr: \d,\d,\d/)
  })

  it('an idempotent producer and a group consumer carry on while a partition leader is killed: each record once', async () => {
    const producer = new KafkaProducer({...config(), acks: 'all', 'request.timeout.ms': '10000'})
    const sent: string[] = []
    const send = async (from: number, to: number) => {
      const acks = []
      for (let i = from; i < to; i++) {
        sent.push(`v${i}`)
        acks.push(producer.send({topic: 'moves', partition: i % 6, key: `k${i}`, value: `v${i}`}))
      }
      await Promise.all(acks)
    }
    await send(0, 300)
    const leaderOf0 = (await leaders('moves')).get(0)!
    const killed = nodes.find((n) => n.nodeId === leaderOf0)!
    await stopClusterNode(killed, 'SIGKILL')
    await send(300, 600) // NOT_LEADER_OR_FOLLOWER, a metadata refresh, the new leader: every send acknowledged
    await producer.close()
    expect((await leaders('moves')).get(0)).not.toBe(leaderOf0)

    const consumer = new KafkaConsumer({...config(), 'group.id': 'movers', 'auto.offset.reset': 'earliest'})
    consumer.subscribe(['moves'])
    const got: string[] = []
    const end = Date.now() + 90_000
    while (got.length < sent.length && Date.now() < end) {
      for (const r of await consumer.poll(500)) got.push(r.value!.toString())
    }
    await consumer.close()
    expect(got.length).toBe(sent.length)
    expect(new Set(got)).toEqual(new Set(sent))
    await restore(killed, 'moves')
  }, 240_000)

  it('commits a transaction across a crash of its coordinator; read_committed sees exactly the committed ones', async () => {
    const id = 'moving-txn'
    const producer = new KafkaProducer({...config(), 'transactional.id': id, 'request.timeout.ms': '10000'})
    await producer.initTransactions()
    const batch = async (tag: string) => {
      for (let i = 0; i < 5; i++) await producer.send({topic: 'moves', partition: i, value: `${tag}-${i}`})
    }
    producer.beginTransaction()
    await batch('first')
    await producer.commitTransaction()
    // Kafka's own kafka-transactions names the coordinator.
    const described = await runKafkaTool('org.apache.kafka.tools.TransactionsCommand', [
      '--bootstrap-server',
      bootstrap,
      'describe',
      '--transactional-id',
      id,
    ])
    const coordinatorId = Number(described.stdout.split('\n')[1]!.trim().split(/\s+/)[0])
    const coordinator = nodes.find((n) => n.nodeId === coordinatorId)!
    expect(coordinator).toBeDefined()
    // kafkalite's transactions print the same, the coordinator's broker id included.
    const ours = await kafkalite([
      'transactions',
      '--bootstrap-server',
      bootstrap,
      'describe',
      '--transactional-id',
      id,
    ])
    // TransactionDurationMs (the 8th column) is now minus the start: it moves between the two runs.
    const steady = (text: string) =>
      text
        .split('\n')
        .map((line) =>
          line
            .split('\t')
            .filter((_, i) => i !== 7)
            .join('\t'),
        )
        .join('\n')
    expect(steady(ours.stdout)).toBe(steady(described.stdout))
    const list = ['--bootstrap-server', bootstrap, 'list']
    expect((await kafkalite(['transactions', ...list])).stdout).toBe(
      (await runKafkaTool('org.apache.kafka.tools.TransactionsCommand', list)).stdout,
    )
    producer.beginTransaction()
    await batch('second')
    await stopClusterNode(coordinator, 'SIGKILL')
    await producer.commitTransaction() // FindCoordinator again, EndTxn to the new coordinator
    producer.beginTransaction()
    await batch('aborted')
    await producer.abortTransaction()
    await producer.close()

    const reader = new KafkaConsumer({
      ...config(),
      'group.id': 'committed-reader',
      'auto.offset.reset': 'earliest',
      'isolation.level': 'read_committed',
    })
    reader.subscribe(['moves'])
    const values: string[] = []
    const end = Date.now() + 60_000
    while (values.filter((v) => !v.startsWith('v')).length < 10 && Date.now() < end) {
      for (const r of await reader.poll(500)) values.push(r.value!.toString())
    }
    await new Promise((r) => setTimeout(r, 1000))
    for (const r of await reader.poll(500)) values.push(r.value!.toString())
    await reader.close()
    const transactional = values.filter((v) => !v.startsWith('v')).sort()
    expect(transactional).toEqual(
      [...[0, 1, 2, 3, 4].map((i) => `first-${i}`), ...[0, 1, 2, 3, 4].map((i) => `second-${i}`)].sort(),
    )
    await restore(coordinator, 'moves')
  }, 240_000)
})
