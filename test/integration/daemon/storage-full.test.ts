// A full disk, for real: the broker home is a small tmpfs filled to the brim. Mounting one needs root (or
// CAP_SYS_ADMIN); elsewhere these tests are skipped and say why.
import {execFileSync} from 'node:child_process'
import {closeSync, existsSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {processAlive} from '../../../src/client/connection.js'
import {KafkaConsumer} from '../../../src/client/consumer.js'
import {KafkaProducer} from '../../../src/client/producer/producer.js'
import {StringDeserializer, StringSerializer} from '../../../src/client/serializers.js'
import {APIS} from '../../../src/protocol/kafka/codec/index.js'
import {TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'
import {KAFKA_LISTENER, KafkaSocket, producerBatch, startWithListener} from '../../helpers/kafka-socket.js'

/** Mounts a tmpfs of `size` (private to its owner) on `dir`; false when this machine does not let us. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** Writes a file until the filesystem has no byte left. */
function fill(path: string): void {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(64 * 1024, 0x55)
  try {
    for (let size = chunk.length; size > 0;) {
      try {
        writeSync(fd, chunk, 0, size)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
        size >>= 1 // the last few blocks, smaller and smaller
      }
    }
  } finally {
    closeSync(fd)
  }
}

let home: TestHome
let mounted = false

beforeEach(() => {
  home = new TestHome()
  mounted = mountTmpfs(home.dir, '8m')
})

afterEach(async () => {
  await home.run(['daemon', 'stop'])
  const pid = home.daemonPid()
  if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL')
  if (mounted) execFileSync('umount', ['-l', home.dir])
  await home.cleanup()
})

/** Everything in partition 0 of a topic, read_committed. */
async function readAll(topic: string, expected: number): Promise<string[]> {
  const consumer = new KafkaConsumer(
    {'kafkalite.home': home.dir, 'isolation.level': 'read_committed'},
    new StringDeserializer(),
    new StringDeserializer(),
  )
  consumer.assign([{topic, partition: 0}])
  consumer.seekToBeginning()
  const values: string[] = []
  try {
    await waitFor(async () => {
      for (const r of await consumer.poll(200)) values.push(r.value!)
      return values.length >= expected
    }, 15_000)
    for (const r of await consumer.poll(300)) values.push(r.value!) // nothing more
  } finally {
    await consumer.close()
  }
  return values
}

const retries = (producer: KafkaProducer<string, string>) => producer.metrics().get('record-retry-total')!.value

const lines = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `r${from + i}`).join('\n')

describe('a full disk', () => {
  it('refuses writes with KAFKA_STORAGE_ERROR naming the home, keeps serving reads, and takes writes once space is freed', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    const topic = uniqueTopic()
    expect((await home.run(['topics', '--create', '--topic', topic])).code).toBe(0)
    expect((await home.run(['console-producer', '--topic', topic], {input: lines(1, 50)})).code).toBe(0)
    const pid = home.daemonPid()
    fill(join(home.dir, 'filler'))

    // 4 MB of records: the write-ahead log has to grow, and cannot. (Not idempotent: an idempotent producer first
    // needs a producer id, whose allocation is a write too, and the producer retries that without a deadline.)
    const big = Array.from({length: 4000}, (_, i) => `big${i}-${'x'.repeat(1000)}`).join('\n')
    const refused = await home.run(
      [
        'console-producer',
        '--topic',
        topic,
        '--producer-property',
        'delivery.timeout.ms=3000',
        '--producer-property',
        'enable.idempotence=false',
      ],
      {input: big},
    )
    expect(refused.code).toBe(1)
    const errorLines = refused.stderr.trim().split('\n')
    expect(errorLines).toHaveLength(1)
    expect(errorLines[0]).toContain(`The disk holding KAFKALITE_HOME '${home.dir}' is full`)
    // The same daemon: it did not exit and was not restarted.
    expect(home.daemonPid()).toBe(pid)
    expect(processAlive(pid!)).toBe(true)

    // Reads keep working, and hold exactly what was acknowledged.
    const read = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--timeout-ms', '1500'])
    expect(read.stdout.trim().split('\n')).toEqual(lines(1, 50).split('\n'))
    const offsets = await home.run(['topics', '--describe', '--topic', topic])
    expect(offsets.code).toBe(0)

    // Space comes back: writes resume by themselves, on the same daemon.
    rmSync(join(home.dir, 'filler'))
    const after = await home.run(['console-producer', '--topic', topic], {input: lines(51, 60)})
    expect(after.stderr).toBe('')
    expect(after.code).toBe(0)
    expect(home.daemonPid()).toBe(pid)
    // At offsets 0-59: the refused records took no offsets.
    const all = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '60',
      '--property',
      'print.offset=true',
    ])
    const expected = lines(1, 60)
      .split('\n')
      .map((line, offset) => `Offset:${offset}\t${line}`)
    expect(all.stdout.trim().split('\n')).toEqual(expected)
  })

  it('answers a topic creation on a full disk with one line, and the daemon stays up', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    expect((await home.run(['topics', '--create', '--topic', uniqueTopic()])).code).toBe(0)
    const pid = home.daemonPid()
    fill(join(home.dir, 'filler'))
    // Enough topics that their rows cannot fit in the log's free space.
    let refused
    for (let i = 0; i < 20; i++) {
      refused = await home.run(['topics', '--create', '--topic', uniqueTopic(), '--partitions', '50'])
      if (refused.code !== 0) break
    }
    expect(refused!.code).toBe(1)
    expect(refused!.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused!.stderr).toContain('is full')
    expect(home.daemonPid()).toBe(pid)
    expect(processAlive(pid!)).toBe(true)
  })

  it('says once, in one line, that a daemon cannot start on a full disk', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    fill(join(home.dir, 'filler'))
    const started = Date.now()
    const refused = await home.run(['console-producer', '--topic', uniqueTopic()], {input: 'a\nb\n'})
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        `The kafkalite daemon did not start: The disk holding KAFKALITE_HOME '${home.dir}' is full`,
      ) as string,
    ])
    expect(Date.now() - started).toBeLessThan(10_000) // not retried until delivery.timeout.ms
  })

  it('stops on a full disk keeping its write-ahead log, which the next daemon replays', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    const topic = uniqueTopic()
    const records = Array.from({length: 1500}, (_, i) => `w${i}-${'x'.repeat(1000)}`).join('\n')
    expect((await home.run(['console-producer', '--topic', topic], {input: records})).code).toBe(0)
    fill(join(home.dir, 'filler'))
    // The checkpoint at shutdown would grow the database file: it cannot, and the log stays.
    const stop = await home.run(['daemon', 'stop'])
    expect(stop.code).toBe(0)
    expect(existsSync(join(home.dir, 'kafkalite.db-wal'))).toBe(true)
    expect(existsSync(join(home.dir, 'kafkalite.sock'))).toBe(false)
    rmSync(join(home.dir, 'filler'))
    const read = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', '1500'])
    expect(read.stdout.trim().split('\n')).toEqual(records.split('\n'))
    expect(readFileSync(join(home.dir, 'daemon.log'), 'utf8')).toContain(
      'the write-ahead log was not checkpointed (The disk holding',
    )
  })

  it('writes the records of an idempotent producer once each, in order, when space comes back', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    const topic = uniqueTopic()
    const producer = new KafkaProducer(
      {'kafkalite.home': home.dir, 'delivery.timeout.ms': '60000', 'retry.backoff.ms': '20'},
      new StringSerializer(),
      new StringSerializer(),
    )
    try {
      await producer.send({topic, partition: 0, value: 'first'}) // the producer id, before the disk fills
      fill(join(home.dir, 'filler'))
      const values = Array.from({length: 2000}, (_, i) => `v${i}-${'x'.repeat(1000)}`)
      const sends = values.map((value) => producer.send({topic, partition: 0, value}))
      // Refused, rolled back and retried several times: had the broker kept the refused batches' sequence numbers
      // in memory, the retries would be taken for duplicates and acknowledged without being written.
      await waitFor(() => retries(producer) >= 20, 20_000, 'refused sends to be retried')
      rmSync(join(home.dir, 'filler'))
      const offsets = (await Promise.all(sends)).map((m) => m.offset)
      expect(offsets).toEqual(values.map((_, i) => i + 1))
      expect(await readAll(topic, 2001)).toEqual(['first', ...values])
    } finally {
      await producer.close()
    }
  }, 60_000)

  it('commits a transaction whose records, then whose commit, the storage refused, once space comes back', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    const topic = uniqueTopic()
    const producer = new KafkaProducer(
      {
        'kafkalite.home': home.dir,
        'transactional.id': 'full-disk',
        'delivery.timeout.ms': '6000',
        'retry.backoff.ms': '20',
      },
      new StringSerializer(),
      new StringSerializer(),
    )
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.send({topic, partition: 0, value: 'first'})
      fill(join(home.dir, 'filler'))
      const values = Array.from({length: 1000}, (_, i) => `t${i}-${'x'.repeat(1000)}`)
      const sends = values.map((value) => producer.send({topic, partition: 0, value}))
      await waitFor(() => retries(producer) >= 10, 20_000, 'refused sends to be retried')
      rmSync(join(home.dir, 'filler'))
      await Promise.all(sends)

      // The commit (its markers) refused until the producer gives up: the broker must not take it as done.
      fill(join(home.dir, 'filler'))
      await expect(producer.commitTransaction()).rejects.toThrow(
        `The disk holding KAFKALITE_HOME '${home.dir}' is full`,
      )
      expect(await readAll(topic, 0)).toEqual([])
      rmSync(join(home.dir, 'filler'))
      await producer.commitTransaction()
      expect(await readAll(topic, 1001)).toEqual(['first', ...values])
    } finally {
      await producer.close()
    }
  }, 60_000)

  it("answers a Kafka client's produce with KAFKA_STORAGE_ERROR (56), and its connection serves on", async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root): the full-disk tests did not run')
    home.setServerProperties(KAFKA_LISTENER) // on the tmpfs
    const port = await startWithListener(home)
    const topic = uniqueTopic()
    await home.createTopic(topic, 1)
    const wire = await KafkaSocket.connect(port)
    try {
      const produce = (values: string[]) =>
        wire.request(APIS.Produce, 9, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [
            {
              name: topic,
              partitionData: [
                {
                  index: 0,
                  records: producerBatch(values, {
                    producerId: -1,
                    producerEpoch: -1,
                    baseSequence: -1,
                    transactional: false,
                  }),
                },
              ],
            },
          ],
        })
      const first = await produce(['a', 'b'])
      expect(first.responses[0]!.partitionResponses[0]).toMatchObject({errorCode: 0, baseOffset: 0})
      fill(join(home.dir, 'filler'))
      const refused = await produce(Array.from({length: 200}, (_, i) => `${i}-${'x'.repeat(2000)}`))
      expect(refused.responses[0]!.partitionResponses[0]).toMatchObject({errorCode: 56})
      expect(refused.responses[0]!.partitionResponses[0]!.errorMessage).toContain('is full')
      // The same connection reads on.
      const list = await wire.request(APIS.ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{name: topic, partitions: [{partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1}]}],
      })
      expect(list.topics[0]!.partitions[0]).toMatchObject({errorCode: 0, offset: 2})
    } finally {
      wire.close()
    }
  })
})
