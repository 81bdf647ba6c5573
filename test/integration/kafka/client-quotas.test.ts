// Client quotas enforced on the Kafka listener, seen over a raw TCP socket with kafkalite's codec against a real daemon
// whose quotas were set with the real `kafkalite configs`: a producer over its producer_byte_rate is slowed to about
// that rate, gets throttle_time_ms in its Produce responses, and has nothing read from its connection for that long
// (KIP-219); a consumer over its consumer_byte_rate gets empty Fetch responses with the throttle time; a client over
// its request_percentage gets at most one window's throttle; the quotas are described and altered over the wire with
// DescribeClientQuotas and AlterClientQuotas. The windows are short (quota.window.num=3 of 1 s: rates measured over
// 2 s at least) so that a test sees throttling within seconds; Kafka's defaults (11 of 1 s) only lengthen the credit.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {APIS, type ProduceRequest} from '../../../src/protocol/kafka/codec/index.js'
import {BatchBuilder} from '../../../src/protocol/kafka/record-batch.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'
import {KAFKA_LISTENER, KafkaSocket, startWithListener} from '../../helpers/kafka-socket.js'

const home = TestHome.forEachTest({
  serverProperties: {...KAFKA_LISTENER, 'quota.window.num': 3, 'quota.window.size.seconds': 1},
})
const sockets: KafkaSocket[] = []
let port: number

beforeEach(async () => {
  port = await startWithListener(home)
})

afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

async function connect(clientId: string): Promise<KafkaSocket> {
  const s = await KafkaSocket.connect(port, '127.0.0.1', clientId)
  sockets.push(s)
  return s
}

async function configs(...args: string[]): Promise<void> {
  const r = await home.run(['configs', ...args])
  if (r.code !== 0) throw new Error(`configs ${args.join(' ')}: ${r.stderr}`)
}

/** One batch of one record of `size` bytes. */
function batch(size: number): Buffer {
  const b = new BatchBuilder({maxBytes: size + 1024})
  b.append(Date.now(), null, Buffer.alloc(size, 0x61))
  return b.build()
}

function produceBody(topic: string, records: Buffer): ProduceRequest {
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{name: topic, partitionData: [{index: 0, records}]}],
  }
}

/** The offset after the last batch of fetched records. */
function nextOffset(records: Buffer, from: number): number {
  let next = from
  for (let at = 0; at + 61 <= records.length; at += 12 + records.readInt32BE(at + 8)) {
    next = Number(records.readBigInt64BE(at)) + records.readInt32BE(at + 23) + 1
  }
  return next
}

const fetchBody = (topic: string, offset: number, maxBytes = 1 << 20) => ({
  replicaId: -1,
  maxWaitMs: 0,
  minBytes: 0,
  maxBytes,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{topic, partitions: [{partition: 0, fetchOffset: offset, partitionMaxBytes: maxBytes}]}],
  forgottenTopicsData: [],
  rackId: '',
})

describe('client quotas on the Kafka listener', () => {
  it('slows a producer over its producer_byte_rate to about that rate, with throttle_time_ms and a muted connection', async () => {
    const topic = uniqueTopic('quota-produce')
    await home.createTopic(topic)
    const rate = 50_000
    await configs(
      '--alter',
      '--entity-type',
      'clients',
      '--entity-name',
      'throttled',
      '--add-config',
      `producer_byte_rate=${rate}`,
    )
    const records = batch(5000)

    // A client id without a quota: nothing slows it.
    const free = await connect('unthrottled')
    const freeStart = Date.now()
    for (let i = 0; i < 100; i++) {
      const res = await free.request(APIS.Produce, 9, produceBody(topic, records))
      expect(res.throttleTimeMs).toBe(0)
    }
    const freeRate = (100 * records.length) / ((Date.now() - freeStart) / 1000)
    expect(freeRate).toBeGreaterThan(10 * rate)

    // The throttled one, sending as fast as it is answered for 6 s.
    const wire = await connect('throttled')
    const start = Date.now()
    const answers: {at: number; throttle: number}[] = []
    let muteChecked = false
    while (Date.now() - start < 6000) {
      const before = Date.now()
      const res = await wire.request(APIS.Produce, 9, produceBody(topic, records))
      const at = Date.now()
      expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
      const previous = answers.at(-1)
      if (previous !== undefined && previous.throttle > 0) {
        // Sent right after a throttled answer: the broker read it only once the throttle time had passed (counted
        // from when the broker handled the throttled request, a little before the answer arrived here; unmuted, it
        // would be answered within a millisecond or two).
        expect(at - before, 'the request after a throttled response').toBeGreaterThanOrEqual(previous.throttle / 2)
        muteChecked = true
      }
      answers.push({at, throttle: res.throttleTimeMs})
    }
    expect(muteChecked).toBe(true)
    const throttled = answers.filter((a) => a.throttle > 0)
    expect(throttled.length).toBeGreaterThan(0)
    // The first 2 s of quota are credit (the rate is measured over 2 s at least), paid back by a longer throttle; from
    // then on the producer gets about its quota: what it was answered for from 3 s on, over that time.
    const late = answers.filter((a) => a.at - start >= 3000)
    const lateRate = ((late.length - 1) * records.length) / ((late.at(-1)!.at - late[0]!.at) / 1000)
    expect(lateRate).toBeGreaterThan(0.75 * rate)
    expect(lateRate).toBeLessThan(1.25 * rate)
    // Over the whole run: no more than the quota plus its 2 s of credit.
    const total = answers.length * records.length
    const seconds = (answers.at(-1)!.at - start) / 1000
    expect(total).toBeGreaterThan(rate * seconds * 0.8)
    expect(total).toBeLessThan(rate * (seconds + 2) * 1.2)
  }, 30_000)

  it('answers a consumer over its consumer_byte_rate (the default user quota, ANONYMOUS) with an empty Fetch and the throttle time', async () => {
    const topic = uniqueTopic('quota-fetch')
    await home.createTopic(topic)
    const producer = await connect('loader')
    const records = batch(5000)
    for (let i = 0; i < 40; i++) await producer.request(APIS.Produce, 9, produceBody(topic, records))
    const rate = 20_000
    await configs('--alter', '--user-defaults', '--add-config', `consumer_byte_rate=${rate}`)

    const wire = await connect('reader')
    // A fetch asks for no more than the quota allows in its window: 20,000 B/s over (3 - 1) windows.
    const start = Date.now()
    const first = await wire.request(APIS.Fetch, 12, fetchBody(topic, 0))
    expect(first.throttleTimeMs).toBe(0)
    const firstBytes = (first.responses[0]!.partitions[0]!.records as Buffer).length
    expect(firstBytes).toBeGreaterThan(0)
    expect(firstBytes).toBeLessThanOrEqual(2 * rate + records.length)
    let offset = nextOffset(first.responses[0]!.partitions[0]!.records as Buffer, 0)
    // The next read takes it over: an empty response, with the time the rate needs to come back to the bound.
    const second = await wire.request(APIS.Fetch, 12, fetchBody(topic, offset))
    expect(second.throttleTimeMs).toBeGreaterThan(500)
    expect(second.throttleTimeMs).toBeLessThanOrEqual(4000)
    expect(second.responses).toEqual([])
    // Reading on for 6 s, a batch at a time: every request after a throttled answer is read once its throttle time
    // has passed, and the consumer gets about its quota (plus the 2 s of credit of the first read). (Reads of a
    // whole quota window each get less: each is followed by a window of empty answers, in Kafka too.)
    let bytes = firstBytes
    let throttle = second.throttleTimeMs
    while (Date.now() - start < 6000) {
      const before = Date.now()
      const res = await wire.request(APIS.Fetch, 12, fetchBody(topic, offset, 6000))
      if (throttle > 0) expect(Date.now() - before).toBeGreaterThanOrEqual(throttle / 2)
      throttle = res.throttleTimeMs
      if (throttle > 0) {
        expect(res.responses).toEqual([])
        continue
      }
      const data = res.responses[0]!.partitions[0]!.records as Buffer | null
      if (data === null || data.length === 0) break // read to the end
      bytes += data.length
      offset = nextOffset(data, offset)
    }
    const seconds = (Date.now() - start) / 1000
    expect(bytes).toBeGreaterThan(rate * seconds * 0.6)
    expect(bytes).toBeLessThan(rate * (seconds + 2) * 1.3)
  }, 30_000)

  it('throttles a client over its request_percentage for at most one window', async () => {
    await configs('--alter', '--client', 'busy', '--add-config', 'request_percentage=0.01')
    const wire = await connect('busy')
    let throttle = 0
    for (let i = 0; i < 500 && throttle === 0; i++) {
      throttle =
        (await wire.request(APIS.Metadata, 12, {topics: [], allowAutoTopicCreation: false})).throttleTimeMs ?? 0
    }
    expect(throttle).toBeGreaterThan(0)
    expect(throttle).toBeLessThanOrEqual(1000)
    // Another client id is not throttled.
    const other = await connect('idle')
    expect((await other.request(APIS.Metadata, 12, {topics: [], allowAutoTopicCreation: false})).throttleTimeMs).toBe(0)
  }, 30_000)

  it('alters and describes quotas with AlterClientQuotas and DescribeClientQuotas, validateOnly included', async () => {
    const wire = await connect('admin')
    const alter = (validateOnly: boolean, value: number) =>
      wire.request(APIS.AlterClientQuotas, 1, {
        entries: [
          {
            entity: [
              {entityType: 'user', entityName: 'alice'},
              {entityType: 'client-id', entityName: null},
            ],
            ops: [
              {key: 'producer_byte_rate', value, remove: false},
              {key: 'request_percentage', value: 0, remove: true},
            ],
          },
        ],
        validateOnly,
      })
    const describeAlice = () =>
      wire.request(APIS.DescribeClientQuotas, 1, {
        components: [{entityType: 'user', matchType: 0, match: 'alice'}],
        strict: false,
      })
    expect((await alter(true, 1024)).entries[0]).toMatchObject({errorCode: 0, errorMessage: null})
    expect((await describeAlice()).entries).toEqual([])
    expect((await alter(false, 1024)).entries[0]).toMatchObject({errorCode: 0})
    expect((await describeAlice()).entries).toEqual([
      {
        entity: [
          {entityType: 'user', entityName: 'alice'},
          {entityType: 'client-id', entityName: null},
        ],
        values: [{key: 'producer_byte_rate', value: 1024}],
      },
    ])
    expect((await alter(false, -1)).entries[0]).toMatchObject({
      errorCode: 42,
      errorMessage: 'Quota producer_byte_rate must be greater than 0',
    })
    const bad = await wire.request(APIS.DescribeClientQuotas, 0, {
      components: [{entityType: 'group', matchType: 2, match: null}],
      strict: false,
    })
    expect(bad).toMatchObject({errorCode: 35, errorMessage: 'Unsupported entity type group', entries: null})
    // What the wire set, kafkalite's configs shows.
    const shown = await home.run([
      'configs',
      '--describe',
      '--entity-type',
      'users',
      '--entity-name',
      'alice',
      '--entity-type',
      'clients',
      '--entity-default',
    ])
    expect(shown.stdout).toBe(
      "Quota configs for user-principal 'alice', the default client-id are producer_byte_rate=1024.0\n",
    )
  })
})
