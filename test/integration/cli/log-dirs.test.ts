// kafkalite log-dirs (kafka-log-dirs --describe) as the real CLI against a real daemon: Kafka's lines and JSON, sizes
// that are the bytes of the stored batches, Admin.describeLogDirs, and DescribeLogDirs on the Kafka listener.
import {describe, expect, it} from 'vitest'
import {APIS} from '../../../src/protocol/kafka/codec/index.js'
import {KAFKA_LISTENER, TestHome} from '../../helpers/env.js'
import {kafkaRequest} from '../../helpers/kafka-request.js'

const home = TestHome.forEachTest({serverProperties: KAFKA_LISTENER})
const logDirs = (...args: string[]) => home.run(['log-dirs', ...args])

/** The bytes of a partition's batches, as dump-log counts them. */
async function logBytes(tp: string): Promise<number> {
  const res = await home.run(['dump-log', '--files', tp, '--json'])
  return (JSON.parse(res.stdout) as {dumps: {bytes: number}[]}).dumps[0]!.bytes
}

describe('log-dirs', () => {
  it("prints Kafka's lines and JSON, each partition's size being the bytes of its log", async () => {
    await home.createTopic('orders', 2)
    await home.createTopic('clicks', 1)
    await home.run(['console-producer', '--topic', 'orders', '--partition', '1'], {input: 'a\nbb\nccc\n'})
    await home.run(['console-producer', '--topic', 'clicks', '--compression-codec', 'gzip'], {input: 'x\n'.repeat(50)})
    const [orders1, clicks0] = [await logBytes('orders-1'), await logBytes('clicks-0')]
    expect(orders1).toBeGreaterThan(0)
    const res = await logDirs('--describe')
    expect(res.code, res.stderr).toBe(0)
    const dir = JSON.stringify(home.dir)
    // Keys and partitions in the order of Kafka's HashMaps, as Jackson prints them.
    expect(res.stdout).toBe(
      'Querying brokers for log directories information\n' +
        'Received log directory information from brokers 1\n' +
        `{"brokers":[{"broker":1,"logDirs":[{"partitions":[{"partition":"orders-0","size":0,"offsetLag":0,"isFuture":false},{"partition":"orders-1","size":${orders1},"offsetLag":0,"isFuture":false},{"partition":"clicks-0","size":${clicks0},"offsetLag":0,"isFuture":false}],"error":null,"logDir":${dir}}]}],"version":1}\n`,
    )
    const only = await logDirs('--describe', '--topic-list', 'clicks,nope', '--broker-list', '1')
    expect(only.stdout.split('\n')[2]).toBe(
      `{"brokers":[{"broker":1,"logDirs":[{"partitions":[{"partition":"clicks-0","size":${clicks0},"offsetLag":0,"isFuture":false}],"error":null,"logDir":${dir}}]}],"version":1}`,
    )
    const json = JSON.parse((await logDirs('--describe', '--topic-list', 'orders', '--json')).stdout) as {
      brokers: {broker: number; logDirs: {logDir: string; totalBytes: number; partitions: unknown[]}[]}[]
    }
    expect(json.brokers[0]!.logDirs[0]!.partitions).toEqual([
      {partition: 'orders-0', size: 0, offsetLag: 0, isFuture: false},
      {partition: 'orders-1', size: orders1, offsetLag: 0, isFuture: false},
    ])
    expect(json.brokers[0]!.logDirs[0]!.totalBytes).toBeGreaterThan(0)
  })

  it('answers DescribeLogDirs v1 to v5 on the Kafka listener, and Admin.describeLogDirs', async () => {
    await home.createTopic('t', 2)
    await home.run(['console-producer', '--topic', 't', '--partition', '0'], {input: 'hello\n'})
    const size = await logBytes('t-0')
    const port = await home.kafkaPort()
    for (const version of [1, 5]) {
      const res = await kafkaRequest({host: '127.0.0.1', port}, APIS.DescribeLogDirs, version, {
        topics: [
          {topic: 't', partitions: [0]},
          {topic: 'missing', partitions: [0]},
        ],
      })
      expect(res.results).toHaveLength(1)
      expect(res.results[0]!.logDir).toBe(home.dir)
      expect(res.results[0]!.topics).toEqual([
        {name: 't', partitions: [{partitionIndex: 0, partitionSize: size, offsetLag: 0, isFutureKey: false}]},
      ])
      if (version >= 4) expect(res.results[0]!.usableBytes).toBeGreaterThan(0)
    }
    const all = await kafkaRequest({host: '127.0.0.1', port}, APIS.DescribeLogDirs, 3, {topics: null})
    expect(all.results[0]!.topics.map((t) => [t.name, t.partitions.length])).toEqual([['t', 2]])
    await home.withAdmin(async (admin) => {
      const byBroker = await admin.describeLogDirs([1])
      const dirs = byBroker.get(1)!
      expect([...dirs.keys()]).toEqual([home.dir])
      expect(dirs.get(home.dir)!.replicaInfos).toEqual([
        {topic: 't', partition: 0, size, offsetLag: 0, isFuture: false},
        {topic: 't', partition: 1, size: 0, offsetLag: 0, isFuture: false},
      ])
      await expect(admin.describeLogDirs([7])).rejects.toThrow('Broker 7 is not in this cluster: its one broker is 1.')
      expect((await admin.describeCluster()).nodes.map((n) => n.id)).toEqual([1])
    })
  })

  it("refuses bad input with Kafka's messages", async () => {
    const cases: [string[], string, number][] = [
      [[], 'Missing required argument "[describe]"', 2],
      [
        ['--describe', '--broker-list', '1,5,3'],
        'ERROR: The given brokers do not exist from --broker-list: 3,5. Current existent brokers: 1\n',
        1,
      ],
      [['--describe', '--broker-list', 'x'], "Invalid --broker-list entry 'x'", 2],
    ]
    for (const [args, message, code] of cases) {
      const r = await logDirs(...args)
      expect(r.code, args.join(' ')).toBe(code)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })
})
