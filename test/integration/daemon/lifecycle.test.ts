import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer, connect, type Socket} from 'node:net'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'
import {
  encodeFrame,
  FrameDecoder,
  KIND_ERROR,
  KIND_REQUEST,
  KIND_RESPONSE,
  type Frame,
} from '../../../src/protocol/socket/frame.js'
import {brokerPaths} from '../../../src/paths.js'
import {KafkaConsumer} from '../../../src/client/consumer.js'
import {KafkaProducer} from '../../../src/client/producer/producer.js'
import type {RecordMetadata} from '../../../src/client/producer/types.js'
import {packageVersion} from '../../../src/package-info.js'
import {processAlive} from '../../../src/client/connection.js'
import {exited, TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest()

interface Status {
  running: boolean
  pid: number
  home: string
  socket: string
  topics: number
  records: number
}

const status = async (h = home) => JSON.parse((await h.run(['daemon', 'status', '--json'])).stdout) as Status
const isAlive = processAlive

/** A raw client: sends frames, collects replies. */
class RawClient {
  readonly socket: Socket
  readonly frames: Frame[] = []
  closed = false

  constructor(path: string) {
    this.socket = connect(path)
    const decoder = new FrameDecoder()
    this.socket.on('data', (c: Buffer) => decoder.push(c, (f) => this.frames.push(f)))
    this.socket.on('close', () => (this.closed = true))
    this.socket.on('error', () => {})
  }

  request(id: number, header: string, payload?: Buffer): void {
    for (const part of encodeFrame(id, KIND_REQUEST, header, payload)) this.socket.write(part)
  }

  async reply(id: number): Promise<{kind: number; body: {code?: string; message?: string} & Record<string, unknown>}> {
    const frame = await waitFor(() => this.frames.find((f) => f.correlationId === id), 5000, `reply ${id}`)
    return {kind: frame.kind, body: JSON.parse(frame.header.toString('utf8')) as {code?: string}}
  }
}

describe('the daemon', () => {
  it('starts on demand, owns a private home and socket, and reports its status', async () => {
    expect((await home.run(['topics', '--list'])).code).toBe(0)
    const s = await status()
    expect(s).toMatchObject({running: true, home: home.dir, topics: 0})
    expect(isAlive(s.pid)).toBe(true)
    expect(statSync(home.dir).mode & 0o777).toBe(0o700)
    expect(statSync(s.socket).mode & 0o777).toBe(0o600)
    const text = await home.run(['daemon', 'status'])
    expect(text.stdout).toMatch(/^kafkalite daemon: running\n {2}pid +\d+\n {2}version +\d+\.\d+\.\d+/)
    expect(text.stdout).toMatch(/durability +process-crash/)
  })

  it('stops gracefully, and stopping or asking the status of a stopped daemon is clear', async () => {
    await home.run(['daemon', 'start'])
    const {pid, socket} = await status()
    const stop = await home.run(['daemon', 'stop'])
    expect(stop.code).toBe(0)
    expect(stop.stdout).toBe(`Stopped the kafkalite daemon (pid ${pid}) for ${home.dir}.\n`)
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(socket)).toBe(false)
    expect((await home.run(['daemon', 'stop'])).stdout).toBe(`No kafkalite daemon is running for ${home.dir}.\n`)
    const s = await home.run(['daemon', 'status'])
    expect(s.code).toBe(1)
    expect(s.stdout).toBe(`No kafkalite daemon is running for ${home.dir}.\n`)
  })

  it('says so when asked to start a daemon that already runs', async () => {
    const first = await home.run(['daemon', 'start'])
    expect(first.stdout).toMatch(/^Started the kafkalite daemon \(pid \d+\) for .* in \d+ ms\.\n$/)
    const second = await home.run(['daemon', 'start'])
    expect(second.stdout).toMatch(/^The kafkalite daemon is already running \(pid \d+\)/)
  })

  it('runs two homes as two independent brokers side by side', async () => {
    const other = new TestHome()
    try {
      await home.run(['topics', '--create', '--topic', 'only-in-a'])
      await other.run(['topics', '--create', '--topic', 'only-in-b'])
      expect((await home.run(['topics', '--list'])).stdout).toBe('only-in-a\n')
      expect((await other.run(['topics', '--list'])).stdout).toBe('only-in-b\n')
      expect((await status(home)).pid).not.toBe((await status(other)).pid)
    } finally {
      await other.cleanup()
    }
  })

  it('keeps topics and records across a restart', async () => {
    const topic = uniqueTopic()
    await home.run(['console-producer', '--topic', topic], {input: 'one\ntwo\n'})
    await home.run(['daemon', 'stop'])
    const out = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--exit-at-end'])
    expect(out.stdout).toBe('one\ntwo\n')
    expect((await status()).records).toBe(2)
  })

  it('loses no acknowledged record when killed with kill -9 in the middle of a produce', async () => {
    const topic = uniqueTopic('crash')
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '2'])
    const pid = (await status()).pid
    const config = {'kafkalite.home': home.dir, retries: 0, 'linger.ms': 0, 'batch.size': 2000}
    const producer = new KafkaProducer<string, string>(config)
    const acked: RecordMetadata[] = []
    const values = new Map<string, string>()
    let failed = 0
    let sent = 0
    let killed = false
    const sending = (async () => {
      while (!killed || sent < 2000) {
        const value = `record-${sent}`
        const key = `k${sent % 7}`
        sent++
        producer
          .send({topic, key, value})
          .then((m) => {
            acked.push(m)
            values.set(`${m.partition}:${m.offset}`, value)
          })
          .catch(() => failed++)
        if (sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
        if (sent > 20_000) break
      }
    })()
    await waitFor(() => acked.length > 500, 10_000, 'some acknowledged records')
    process.kill(pid, 'SIGKILL')
    killed = true
    await sending
    await producer.flush().catch(() => {})
    await producer.close().catch(() => {})
    expect(acked.length).toBeGreaterThan(500)

    // The next command starts a fresh daemon on the same database.
    const consumer = new KafkaConsumer({'kafkalite.home': home.dir})
    const tps = [0, 1].map((partition) => ({topic, partition}))
    consumer.assign(tps)
    consumer.seekToBeginning(tps)
    const seen = new Map<string, string>()
    const ends = await consumer.endOffsets(tps)
    const total = ends.reduce((s, e) => s + e.offset, 0)
    while (seen.size < total) {
      for (const r of await consumer.poll(1000)) seen.set(`${r.partition}:${r.offset}`, r.value!.toString())
    }
    await consumer.close()
    const newPid = (await status()).pid
    expect(newPid).not.toBe(pid)
    for (const [where, value] of values) expect(seen.get(where)).toBe(value)
  })

  it('answers malformed requests with errors and keeps serving other clients', async () => {
    await home.run(['daemon', 'start'])
    const socket = brokerPaths(home.dir).socket
    const raw = new RawClient(socket)
    raw.request(1, 'this is not json')
    expect(await raw.reply(1)).toMatchObject({kind: KIND_ERROR, body: {code: 'INVALID_REQUEST'}})
    raw.request(2, JSON.stringify({m: 'noSuchMethod', p: {}}))
    expect((await raw.reply(2)).body.message).toBe("Unknown method 'noSuchMethod'")
    raw.request(3, JSON.stringify({m: 'createTopics', p: {topics: [{name: 5}]}}))
    expect((await raw.reply(3)).body.message).toMatch(/^Invalid createTopics request: topics\.0\.name: /)
    raw.request(
      4,
      JSON.stringify({m: 'produce', p: {acks: -1, batches: [{topic: 'x', partition: 0, size: 70}]}}),
      Buffer.alloc(70, 7),
    )
    const produce = await raw.reply(4)
    expect(produce.kind).toBe(KIND_RESPONSE)
    expect((produce.body.results as {error: {code: string}}[])[0]!.error.code).toMatch(
      /CORRUPT_MESSAGE|UNKNOWN_TOPIC_OR_PARTITION/,
    )
    // The connection survived all of that.
    raw.request(5, JSON.stringify({m: 'metadata', p: {topics: null}}))
    expect((await raw.reply(5)).kind).toBe(KIND_RESPONSE)

    // A frame whose length is absurd ends that connection only.
    const evil = new RawClient(socket)
    evil.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9]))
    await waitFor(() => evil.closed, 5000, 'the daemon to close the bad connection')
    const garbage = new RawClient(socket)
    garbage.socket.write(Buffer.from([0, 0, 0, 2, 1, 2]))
    await waitFor(() => garbage.closed, 5000, 'the daemon to close the bad connection')
    // A client that vanishes mid-frame.
    const half = connect(socket)
    half.write(Buffer.from([0, 0, 1, 0, 0, 0]))
    half.destroy()

    expect((await home.run(['topics', '--create', '--topic', 'still-serving'])).code).toBe(0)
    raw.request(6, JSON.stringify({m: 'metadata', p: {topics: null}}))
    expect(((await raw.reply(6)).body.topics as unknown[]).length).toBe(1)
    raw.socket.destroy()
  })

  it('starts again after kill -9 left a stale socket and pid file behind', async () => {
    await home.run(['daemon', 'start'])
    const {pid, socket} = await status()
    process.kill(pid, 'SIGKILL')
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die')
    expect(existsSync(socket)).toBe(true)
    expect(existsSync(join(home.dir, 'daemon.pid'))).toBe(true)
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(0)
    expect((await status()).pid).not.toBe(pid)
  })

  it('starts exactly one daemon when several commands race to start it', async () => {
    const results = await Promise.all(
      Array.from({length: 4}, (_, i) => home.run(['topics', '--create', '--topic', `race-${i}`])),
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    expect((await home.run(['topics', '--list'])).stdout).toBe('race-0\nrace-1\nrace-2\nrace-3\n')
    const log = readFileSync(join(home.dir, 'daemon.log'), 'utf8')
    expect(log.match(/daemon started in/g)).toHaveLength(1)
  })

  it('refuses a home that other users can enter', async () => {
    chmodSync(home.dir, 0o755)
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      `Error while executing topic command : KAFKALITE_HOME '${home.dir}' has mode 0755, so other users can reach the broker. Run 'chmod 700 ${home.dir}' or use another directory.\n`,
    )
    chmodSync(home.dir, 0o700)
  })

  it('puts the socket of a deep home in a short runtime directory', async () => {
    const deep = join(home.dir, 'a'.repeat(60), 'b'.repeat(60))
    mkdirSync(deep, {recursive: true, mode: 0o700})
    const env = {KAFKALITE_HOME: deep}
    expect((await home.run(['topics', '--create', '--topic', 'deep'], {env})).code).toBe(0)
    const s = JSON.parse((await home.run(['daemon', 'status', '--json'], {env})).stdout) as Status
    expect(s.socket.startsWith(deep)).toBe(false)
    expect(Buffer.byteLength(s.socket)).toBeLessThanOrEqual(107)
    expect((await home.run(['daemon', 'stop'], {env})).code).toBe(0)
  })

  it('shows a bad server.properties setting by name and file', async () => {
    writeFileSync(join(home.dir, 'server.properties'), 'num.partitions=abc\n')
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(
      /Invalid value abc for configuration num\.partitions in .*server\.properties: Not a number of type INT/,
    )
  })

  it('applies num.partitions and auto.create.topics.enable from server.properties', async () => {
    writeFileSync(
      join(home.dir, 'server.properties'),
      '# broker settings\nnum.partitions=4\nauto.create.topics.enable=false\n',
    )
    await home.run(['topics', '--create', '--topic', 'four'])
    expect((await home.run(['topics', '--describe', '--topic', 'four'])).stdout).toMatch(/PartitionCount: 4/)
    const res = await home.run(['console-producer', '--topic', 'missing'], {input: 'x\n'})
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(
      /with key: null, value: 1 bytes with error: Topic 'missing' does not exist and auto\.create\.topics\.enable is false/,
    )
  })

  it('shows the end of the daemon log when the daemon cannot start', async () => {
    // A directory where the database should be: a failure the daemon has no words of its own for.
    mkdirSync(join(home.dir, 'kafkalite.db'))
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/The kafkalite daemon did not start: /)
    expect(res.stderr).toMatch(/ {2}\| .*unable to open database file/)
    expect(res.stderr).toMatch(/Full log: .*daemon\.log/)
  })

  it('refuses a database written by a newer kafkalite', async () => {
    await home.run(['daemon', 'start'])
    await home.run(['daemon', 'stop'])
    const db = new Database(join(home.dir, 'kafkalite.db'))
    db.pragma('user_version = 99999')
    db.close()
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/has schema version 99999, newer than this kafkalite supports/)
  })

  it('restarts a daemon of another version', async () => {
    const paths = brokerPaths(home.dir)
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    const server = createServer((socket) => {
      const decoder = new FrameDecoder()
      socket.on('data', (c: Buffer) =>
        decoder.push(c, (f) => {
          const {m} = JSON.parse(f.header.toString('utf8')) as {m: string}
          const reply =
            m === 'hello'
              ? {protocol: 2, version: '0.0.1-old', pid: sleeper.pid, brokerId: 1, home: home.dir, startedAt: 0}
              : {pid: sleeper.pid}
          for (const part of encodeFrame(f.correlationId, KIND_RESPONSE, JSON.stringify(reply))) socket.write(part)
          if (m === 'shutdown') {
            // The "old daemon" exits once its listener is closed, as a real one does: a client that sees it gone
            // must not be able to reach the old socket any more.
            server.close(() => sleeper.kill('SIGKILL'))
            socket.destroy()
          }
        }),
      )
    })
    await new Promise<void>((resolve) => server.listen(paths.socket, resolve))
    const res = await home.run(['topics', '--list'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toMatch(
      new RegExp(
        `Restarted the kafkalite daemon for .*: it ran version 0\\.0\\.1-old, this is ${packageVersion().replaceAll('.', '\\.')}\\.`,
      ),
    )
    expect((await status()).running).toBe(true)
  })

  it('runs in the foreground until interrupted', async () => {
    const child = home.spawn(['daemon', 'start', '--foreground'])
    let log = ''
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()))
    await waitFor(() => log.includes('daemon started'), 10_000, 'the foreground daemon to start')
    expect((await home.run(['topics', '--create', '--topic', 'fg'])).code).toBe(0)
    child.kill('SIGINT')
    expect(await exited(child)).toBe(0)
    expect(log).toMatch(/stopping \(SIGINT\)/)
  })
})
