// kafkalite's tools of issue 14 next to Kafka 4.4's own, against the broker under test (Apache Kafka's by default):
// kafka-dump-log on the broker's own segment file, kafka-log-dirs, the verifiable producer and consumer, the producer
// perf test's payload, and zstd written by one side and read by the other. The commands run from a home of their
// own, which must never start a kafkalite daemon.
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {bootstrap, broker, createTopic, unique} from './harness/context.js'
import {runKafkaTool, runKafkalite} from './harness/env.js'

const home = mkdtempSync(join(tmpdir(), 'kafkalite-tools-'))
const kafkalite = (args: readonly string[], input?: string) => runKafkalite(home, args, input)
const bs = ['--bootstrap-server', bootstrap]
const TOOLS = 'org.apache.kafka.tools'

afterAll(() => {
  expect(existsSync(join(home, 'daemon.pid'))).toBe(false)
  rmSync(home, {recursive: true, force: true})
})

/** Event lines with their timestamps (and the producer's measured throughput) set to 0. */
const normalized = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) =>
      l.replace(/^\{"timestamp":\d+,/, '{"timestamp":0,').replace(/"avg_throughput":[^,}]+/, '"avg_throughput":0'),
    )

async function javaConsume(topic: string, count: number): Promise<string[]> {
  const res = await runKafkaTool(`${TOOLS}.consumer.ConsoleConsumer`, [
    ...bs,
    '--topic',
    topic,
    '--from-beginning',
    '--max-messages',
    String(count),
    '--timeout-ms',
    '30000',
  ])
  expect(res.code, res.stderr).toBe(0)
  return res.stdout.trimEnd().split('\n')
}

describe(`issue 14's tools against ${broker.label}`, () => {
  it("zstd: the Java client reads kafkalite's zstd batches, and kafkalite reads the Java client's", async () => {
    const topic = unique('zstd')
    await createTopic(topic, 1)
    const props = join(home, 'zstd.properties')
    writeFileSync(props, 'compression.type=zstd\nlinger.ms=100\n')
    const java = await runKafkaTool(`${TOOLS}.VerifiableProducer`, [
      ...bs,
      ...['--topic', topic, '--max-messages', '300', '--value-prefix', '1', '--command-config', props],
    ])
    expect(java.code, java.stderr).toBe(0)
    const ours = Array.from({length: 300}, (_, i) => `kafkalite-${i} ${'z'.repeat(i % 50)}`)
    const produced = await kafkalite(
      ['console-producer', ...bs, '--topic', topic, '--compression-codec', 'zstd'],
      ours.map((l) => `${l}\n`).join(''),
    )
    expect(produced.code, produced.stderr).toBe(0)
    const expected = [...Array.from({length: 300}, (_, i) => `1.${i}`), ...ours]
    const read = await kafkalite([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '600',
    ])
    expect(read.stdout.trimEnd().split('\n')).toEqual(expected)
    expect(await javaConsume(topic, 600)).toEqual(expected)
    // Every batch in the log is zstd, the Java client's and kafkalite's.
    const dump = await kafkalite(['dump-log', ...bs, '--files', `${topic}-0`])
    const batches = dump.stdout.split('\n').filter((l) => l.startsWith('baseOffset:'))
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.every((l) => l.includes(' compresscodec: zstd ') && l.endsWith(' isvalid: true'))).toBe(true)
  })

  it("zstd: a topic whose compression.type is zstd stores the Java client's uncompressed batches as zstd, for both to read", async () => {
    const topic = unique('zstd-topic')
    const created = await kafkalite([
      'topics',
      ...bs,
      '--create',
      '--topic',
      topic,
      '--config',
      'compression.type=zstd',
    ])
    expect(created.code, created.stderr).toBe(0)
    const java = await runKafkaTool(`${TOOLS}.VerifiableProducer`, [...bs, '--topic', topic, '--max-messages', '50'])
    expect(java.code, java.stderr).toBe(0)
    const expected = Array.from({length: 50}, (_, i) => String(i))
    const read = await kafkalite([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '50',
    ])
    expect(read.stdout.trimEnd().split('\n')).toEqual(expected)
    expect(await javaConsume(topic, 50)).toEqual(expected)
    const dump = await kafkalite(['dump-log', ...bs, '--files', `${topic}-0`])
    const batches = dump.stdout.split('\n').filter((l) => l.startsWith('baseOffset:'))
    expect(batches.length).toBeGreaterThan(0)
    expect(batches.every((l) => l.includes(' compresscodec: zstd '))).toBe(true)
  })

  it.skipIf(broker.kind !== 'apache-kafka')(
    "dump-log prints what Kafka's DumpLogSegments prints of the broker's own segment file",
    async () => {
      const topic = unique('dump')
      await createTopic(topic, 1)
      const run = async (args: string[], input?: string) => {
        const r = await kafkalite(args, input)
        expect(r.code, r.stderr).toBe(0)
      }
      await run(
        [
          'console-producer',
          ...bs,
          '--topic',
          topic,
          '--property',
          'parse.key=true',
          '--property',
          'parse.headers=true',
        ],
        'h1:x,h2:y\tk1\tv1\nh3:z\tk2\tv2\n',
      )
      await run(['console-producer', ...bs, '--topic', topic, '--compression-codec', 'zstd'], 'a\nb\nc\n')
      await run(
        [
          'console-producer',
          ...bs,
          '--topic',
          topic,
          '--compression-codec',
          'gzip',
          '--producer-property',
          `transactional.id=${unique('txn')}`,
        ],
        'd\ne\n',
      )
      const props = join(home, 'lz4.properties')
      writeFileSync(props, 'compression.type=lz4\n')
      const java = await runKafkaTool(`${TOOLS}.VerifiableProducer`, [
        ...bs,
        '--topic',
        topic,
        '--max-messages',
        '5',
        '--repeating-keys',
        '2',
        '--command-config',
        props,
      ])
      expect(java.code, java.stderr).toBe(0)
      const segment = join(broker.dir!, 'data', `${topic}-0`, '00000000000000000000.log')
      const theirs = await runKafkaTool(`${TOOLS}.DumpLogSegments`, ['--files', segment, '--print-data-log'])
      expect(theirs.code, theirs.stderr).toBe(0)
      expect(theirs.stdout).toMatch(/compresscodec: zstd/)
      expect(theirs.stdout).toMatch(/endTxnMarker: COMMIT coordinatorEpoch: \d+/)
      // The same file, read from disk: byte for byte.
      const fromFile = await kafkalite(['dump-log', '--files', segment, '--print-data-log'])
      expect(fromFile.stdout).toBe(theirs.stdout)
      // The same log, fetched from the broker: the same lines after the first (which names what was dumped).
      const fetched = await kafkalite(['dump-log', ...bs, '--files', `${topic}-0`, '--print-data-log'])
      expect(fetched.code, fetched.stderr).toBe(0)
      expect(fetched.stdout.split('\n').slice(1)).toEqual(theirs.stdout.split('\n').slice(1))
      // Shallow iteration too.
      const shallowTheirs = await runKafkaTool(`${TOOLS}.DumpLogSegments`, ['--files', segment])
      expect((await kafkalite(['dump-log', '--files', segment])).stdout).toBe(shallowTheirs.stdout)
    },
  )

  it("log-dirs prints what Kafka's LogDirsCommand prints", async () => {
    const topic = unique('dirs')
    await createTopic(topic, 3)
    await kafkalite([
      'producer-perf-test',
      ...bs,
      '--topic',
      topic,
      '--num-records',
      '500',
      '--record-size',
      '50',
      '--throughput',
      '-1',
    ])
    for (const args of [
      ['--describe', '--topic-list', topic],
      ['--describe', '--topic-list', topic, '--broker-list', '1'],
    ]) {
      const theirs = await runKafkaTool(`${TOOLS}.LogDirsCommand`, [...bs, ...args])
      expect(theirs.code, theirs.stderr).toBe(0)
      const ours = await kafkalite(['log-dirs', ...bs, ...args])
      expect(ours.code, ours.stderr).toBe(0)
      expect(ours.stdout).toBe(theirs.stdout)
      // The sticky partitioner may leave a partition empty: some partition holds the records.
      expect(ours.stdout).toMatch(new RegExp(`"partition":"${topic}-\\d","size":[1-9]`))
    }
    const missing = await kafkalite(['log-dirs', ...bs, '--describe', '--broker-list', '99'])
    const theirs = await runKafkaTool(`${TOOLS}.LogDirsCommand`, [...bs, '--describe', '--broker-list', '99'])
    expect(missing.code).toBe(theirs.code)
    expect(missing.stderr).toBe(theirs.stderr)
  })

  it("the verifiable producer and consumer print Kafka's events, field for field", async () => {
    const ours = unique('verifiable')
    const kafkas = unique('verifiable')
    await createTopic(ours, 1)
    await createTopic(kafkas, 1)
    const args = ['--max-messages', '5', '--repeating-keys', '2', '--value-prefix', '3']
    const javaProduced = await runKafkaTool(`${TOOLS}.VerifiableProducer`, [...bs, '--topic', kafkas, ...args])
    const produced = await kafkalite(['verifiable-producer', ...bs, '--topic', ours, ...args])
    expect(produced.code, produced.stderr).toBe(0)
    expect(normalized(produced.stdout).map((l) => l.replaceAll(ours, 'T'))).toEqual(
      normalized(javaProduced.stdout).map((l) => l.replaceAll(kafkas, 'T')),
    )
    const consumerArgs = ['--max-messages', '5', '--verbose', '--group-id']
    const javaConsumed = await runKafkaTool(`${TOOLS}.VerifiableConsumer`, [
      ...bs,
      '--topic',
      kafkas,
      ...consumerArgs,
      unique('g'),
    ])
    const consumed = await kafkalite(['verifiable-consumer', ...bs, '--topic', ours, ...consumerArgs, unique('g')])
    expect(consumed.code, consumed.stderr).toBe(0)
    const theirs = normalized(javaConsumed.stdout).map((l) => l.replaceAll(kafkas, 'T'))
    const mine = normalized(consumed.stdout).map((l) => l.replaceAll(ours, 'T'))
    // The same events in the same order with the same fields; how many records a poll returns may differ, so
    // records_consumed and offsets_committed are compared by their fields' names, everything else whole.
    const shape = (l: string) => {
      const event = JSON.parse(l) as Record<string, unknown>
      return ['records_consumed', 'offsets_committed'].includes(event.name as string)
        ? `${event.name as string}:${Object.keys(event).join(',')}`
        : l
    }
    const collapse = (lines: string[]) => lines.map(shape).filter((l, i, all) => i === 0 || l !== all[i - 1])
    expect(collapse(mine)).toEqual(collapse(theirs))
  })

  it("producer-perf-test sends the payload Kafka's ProducerPerformance sends for the same seed, and prints its lines", async () => {
    const ours = unique('perf')
    const kafkas = unique('perf')
    await createTopic(ours, 1)
    await createTopic(kafkas, 1)
    const args = ['--num-records', '20', '--record-size', '30', '--throughput', '-1']
    const theirs = await runKafkaTool(`${TOOLS}.ProducerPerformance`, [...bs, '--topic', kafkas, ...args])
    expect(theirs.code, theirs.stderr).toBe(0)
    const mine = await kafkalite(['producer-perf-test', ...bs, '--topic', ours, ...args])
    expect(mine.code, mine.stderr).toBe(0)
    const total =
      /^20 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/
    expect(theirs.stdout.trimEnd()).toMatch(total)
    expect(mine.stdout.trimEnd()).toMatch(total)
    const values = (
      await kafkalite(['console-consumer', ...bs, '--topic', ours, '--from-beginning', '--max-messages', '20'])
    ).stdout
    expect(values.trimEnd().split('\n')).toEqual(await javaConsume(kafkas, 20))
    // consumer-perf-test reads them with Kafka's header and a summary line of Kafka's shape.
    const theirsRead = await runKafkaTool(`${TOOLS}.ConsumerPerformance`, [
      ...bs,
      '--topic',
      kafkas,
      '--num-records',
      '20',
    ])
    const mineRead = await kafkalite(['consumer-perf-test', ...bs, '--topic', ours, '--num-records', '20'])
    const [theirHeader, theirRow] = theirsRead.stdout.trimEnd().split('\n')
    const [myHeader, myRow] = mineRead.stdout.trimEnd().split('\n')
    expect(myHeader).toBe(theirHeader)
    const row = (r: string | undefined) =>
      r?.split(', ').map((f, i) => (i === 2 || i === 4 ? f : f.replace(/\d/g, '9')))
    expect(row(myRow)?.slice(2, 5)).toEqual(row(theirRow)?.slice(2, 5)) // 0.0006 MB, its rate's shape, 20 records
  })
})
