// Clients that do not play by the rules must not grow the daemon or hold it up: a client that never reads its
// fetches, one that floods requests, one that starts a request and never finishes it, one that sits idle. The daemon
// stays small and keeps serving everyone else.
import {readFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {Admin, KafkaConsumer, KafkaProducer} from '../../../src/client/index.js'
import {Connection} from '../../../src/client/connection.js'
import {brokerPaths} from '../../../src/paths.js'
import {encodeFrame, KIND_REQUEST} from '../../../src/protocol/socket/frame.js'
import {TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest()
const sockets: Socket[] = []

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy()
})

function daemonRssMiB(): number {
  const status = readFileSync(`/proc/${home.daemonPid()}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024
}

async function rawConnection(): Promise<Socket> {
  const socket = connect(brokerPaths(home.dir).socket)
  sockets.push(socket)
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  socket.on('error', () => {})
  return socket
}

const request = (id: number, method: string, params: unknown) =>
  Buffer.concat(encodeFrame(id, KIND_REQUEST, JSON.stringify({m: method, p: params})))

/** The daemon answers a fresh client promptly. */
async function stillServes(topic: string): Promise<void> {
  const [end] = await home.withAdmin((admin) => admin.listOffsets([{topic, partition: 0, spec: 'latest'}]))
  expect(end!.offset).toBeGreaterThan(0)
}

describe('clients that do not play by the rules', () => {
  it('stays small while 20 clients send 70 fetches of 16 MiB each and never read them', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer({...home.config, 'linger.ms': '5', 'batch.size': String(1 << 20)})
    const value = Buffer.alloc(100_000, 'x')
    for (let i = 0; i < 400; i++) producer.sendWithCallback({topic, partition: 0, value}, () => {})
    await producer.close() // 40 MB in the partition
    const before = daemonRssMiB()
    const fetch = {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 16 << 20,
      partitions: [{topic, partition: 0, offset: 0, maxBytes: 16 << 20}],
    }
    for (let c = 0; c < 20; c++) {
      const socket = await rawConnection()
      socket.pause() // never reads
      socket.write(Buffer.concat(Array.from({length: 70}, (_, i) => request(i + 1, 'fetch', fetch))))
    }
    // Give the daemon time to serve everything it is willing to serve, measuring as it goes.
    let peak = 0
    const deadline = Date.now() + 3_000
    while (Date.now() < deadline) {
      peak = Math.max(peak, daemonRssMiB())
      await new Promise((r) => setTimeout(r, 50))
    }
    // 70 x 20 x 16 MiB would be 22 GiB; the response budget (32 MiB) and one response per connection bound it.
    expect(peak - before).toBeLessThan(200)
    await stillServes(topic)
    const consumer = new KafkaConsumer(home.config)
    consumer.assign([{topic, partition: 0}])
    consumer.seekToBeginning([{topic, partition: 0}])
    // A well-behaved consumer still gets records, even while the others sit on theirs.
    await waitFor(async () => (await consumer.poll(1_000)).count > 0, 20_000, 'records for a reading consumer')
    await consumer.close()
  }, 60_000)

  it('keeps no response budget for a long poll that waits for data', async () => {
    // A 2 MiB budget. A consumer long-polls an empty topic for 50 MiB; another fetches 1.8 MB that is there. The
    // waiting fetch holds nothing, so the other gets all of its records in one answer, not the 1 MiB floor.
    home.setServerProperties({'kafkalite.queued.max.response.bytes': 2 << 20})
    const [empty, full] = [uniqueTopic(), uniqueTopic()]
    const producer = new KafkaProducer({...home.config, 'linger.ms': '0', 'max.in.flight.requests.per.connection': '1'})
    await home.withAdmin((admin) => admin.createTopics([{name: empty}, {name: full}]))
    for (let i = 0; i < 3; i++) await producer.send({topic: full, partition: 0, value: Buffer.alloc(600_000, i)})
    await producer.close()
    const waiting = await Connection.open({home: home.dir})
    const parked = waiting.requestWithPayload('fetch', {
      maxWaitMs: 5_000,
      minBytes: 1,
      maxBytes: 50 << 20,
      partitions: [{topic: empty, partition: 0, offset: 0, maxBytes: 50 << 20}],
    })
    parked.catch(() => {}) // it ends with its connection
    await new Promise((r) => setTimeout(r, 200)) // the long poll is parked
    const reading = await Connection.open({home: home.dir})
    const started = Date.now()
    const answer = await reading.requestWithPayload('fetch', {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 16 << 20,
      partitions: [{topic: full, partition: 0, offset: 0, maxBytes: 16 << 20}],
    })
    expect(Date.now() - started).toBeLessThan(2_000) // answered at once, not after the long poll
    expect(answer.result.partitions[0]!.size).toBeGreaterThan(1_800_000) // the three batches
    reading.close()
    waiting.close()
  })

  it('closes a connection whose request started arriving but did not finish within the receive timeout', async () => {
    home.setServerProperties({'kafkalite.socket.receive.timeout.ms': 300})
    const topic = uniqueTopic()
    const admin = await Admin.create(home.config)
    await admin.createTopics([{name: topic}])
    const socket = await rawConnection()
    const frame = request(1, 'metadata', {topics: null})
    socket.write(frame.subarray(0, frame.length - 3)) // all but its last bytes
    const closedAt = await new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())))
    expect(closedAt).toBeGreaterThan(0)
    expect(readFileSync(join(home.dir, 'daemon.log'), 'utf8')).toMatch(/did not finish arriving within 300 ms/)
    // Other clients were never affected.
    expect((await admin.listTopics()).map((t) => t.name)).toContain(topic)
    admin.close()
  })

  it('closes a connection idle for connections.max.idle.ms, and a client reconnects on its next request', async () => {
    home.setServerProperties({'connections.max.idle.ms': 300})
    const admin = await Admin.create(home.config)
    await admin.createTopics([{name: 'a'}])
    const socket = await rawConnection()
    await new Promise((resolve) => socket.once('close', resolve))
    // The Admin's own connection went idle too; its next request works.
    await new Promise((r) => setTimeout(r, 500)) // idleness is what is tested: time must pass
    expect((await admin.listTopics()).map((t) => t.name)).toContain('a')
    admin.close()
  })

  it('refuses a request whose arrays are past the bound, naming it, and serves the next one', async () => {
    await home.run(['daemon', 'start'])
    const socket = await rawConnection()
    const replies: Buffer[] = []
    socket.on('data', (c: Buffer) => replies.push(c))
    const names = Array.from({length: 100_001}, (_, i) => `t${i}`)
    socket.write(request(1, 'describeConfigs', {topics: names}))
    socket.write(request(2, 'metadata', {topics: null}))
    await waitFor(() => Buffer.concat(replies).toString('latin1').includes('"topics":['), 10_000, 'the second reply')
    const text = Buffer.concat(replies).toString('latin1')
    expect(text).toMatch(/Invalid describeConfigs request: topics: .*100000/)
  })
})
