// Client quotas through the library against a real daemon, over kafkalite's socket: Admin.alterClientQuotas and
// describeClientQuotas (Kafka's Java Admin names and shapes), which quota applies to a producer (KIP-55's precedence:
// <user, client-id> before the default client id), a producer over its quota slowed to about that rate, the
// daemon's throttle time in its produce-throttle-time metrics, and a consumer slowed to its consumer_byte_rate.
// Short quota windows (3 of 1 s) so it shows in seconds.
import {describe, expect, it} from 'vitest'
import {Admin, KafkaConsumer, KafkaProducer, StringDeserializer, StringSerializer} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest({serverProperties: {'quota.window.num': 3, 'quota.window.size.seconds': 1}})

/** Bytes per second a producer with this client id gets, sending 2 KB records as fast as it may for `ms`. */
async function produceRate(topic: string, clientId: string, ms: number) {
  const producer = new KafkaProducer(
    {...home.config, 'client.id': clientId, 'linger.ms': '0', 'batch.size': '4096'},
    new StringSerializer(),
    new StringSerializer(),
  )
  try {
    const value = 'v'.repeat(2000)
    await producer.send({topic, partition: 0, key: null, value}) // metadata and producer id: not timed
    const start = Date.now()
    let bytes = 0
    while (Date.now() - start < ms) {
      // Ten in flight at a time: the producer is never the bottleneck.
      await Promise.all(Array.from({length: 10}, () => producer.send({topic, partition: 0, key: null, value})))
      bytes += 10 * value.length
    }
    const metrics = producer.metrics()
    return {
      rate: bytes / ((Date.now() - start) / 1000),
      throttleMax: metrics.get('produce-throttle-time-max')!.value,
    }
  } finally {
    await producer.close()
  }
}

describe('client quotas through the library', () => {
  it("alters and describes quotas with Kafka's Admin shapes", async () => {
    const admin = await Admin.create(home.config)
    try {
      await admin.alterClientQuotas([
        {entity: {user: 'alice'}, ops: [{key: 'producer_byte_rate', value: 1024}]},
        {entity: {'client-id': null}, ops: [{key: 'consumer_byte_rate', value: 2048}]},
        {entity: {user: 'alice', 'client-id': 'c1'}, ops: [{key: 'request_percentage', value: 25.5}]},
      ])
      // In the order of Kafka's broker (its HashMaps'): checked against Apache Kafka in test/interop.
      const alice = await admin.describeClientQuotas({components: [{entityType: 'user', match: 'alice'}]})
      expect(alice).toHaveLength(2)
      expect(alice).toEqual(
        expect.arrayContaining([
          {entity: {user: 'alice', 'client-id': 'c1'}, values: {request_percentage: 25.5}},
          {entity: {user: 'alice'}, values: {producer_byte_rate: 1024}},
        ]),
      )
      expect(
        await admin.describeClientQuotas({components: [{entityType: 'client-id', match: null}], strict: true}),
      ).toEqual([{entity: {'client-id': null}, values: {consumer_byte_rate: 2048}}])
      expect(await admin.describeClientQuotas()).toHaveLength(3)
      // validateOnly checks without applying; a bad value rejects with the broker's error; null removes.
      await admin.alterClientQuotas([{entity: {user: 'bob'}, ops: [{key: 'producer_byte_rate', value: 1}]}], {
        validateOnly: true,
      })
      await expect(
        admin.alterClientQuotas([{entity: {user: 'bob'}, ops: [{key: 'producer_byte_rate', value: Infinity}]}]),
      ).rejects.toMatchObject({code: 'INVALID_REQUEST', message: 'Quota producer_byte_rate must be a finite number'})
      await admin.alterClientQuotas([{entity: {user: 'alice'}, ops: [{key: 'producer_byte_rate', value: null}]}])
      expect(await admin.describeClientQuotas({components: [{entityType: 'user'}], strict: true})).toEqual([])
      await expect(admin.describeClientQuotas({components: [{entityType: 'topic'}]})).rejects.toMatchObject({
        code: 'UNSUPPORTED_VERSION',
        message: 'Unsupported entity type topic',
      })
    } finally {
      admin.close()
    }
  })

  it('slows a producer to its most specific quota, and lets it go at full speed once that is removed', async () => {
    const topic = uniqueTopic('quota')
    await home.createTopic(topic)
    const admin = await Admin.create(home.config)
    try {
      const quota = 40_000
      // The default client id may send 100 MB/s; the anonymous user's client 'limited' 40 KB/s.
      await admin.alterClientQuotas([
        {entity: {'client-id': null}, ops: [{key: 'producer_byte_rate', value: 100e6}]},
        {entity: {user: 'ANONYMOUS', 'client-id': 'limited'}, ops: [{key: 'producer_byte_rate', value: quota}]},
      ])
      const limited = await produceRate(topic, 'limited', 5000)
      // 5 s at the quota after 2 s of credit: about 1.4 x the quota on average, and never the speed of the others.
      expect(limited.rate).toBeGreaterThan(0.8 * quota)
      expect(limited.rate).toBeLessThan(1.8 * quota)
      expect(limited.throttleMax).toBeGreaterThan(0)
      const other = await produceRate(topic, 'other', 1000)
      expect(other.rate).toBeGreaterThan(10 * quota)
      expect(other.throttleMax).toBe(0)
      // Without the <user, client-id> quota, 'limited' falls back to the default client id's: full speed.
      await admin.alterClientQuotas([
        {entity: {user: 'ANONYMOUS', 'client-id': 'limited'}, ops: [{key: 'producer_byte_rate', value: null}]},
      ])
      expect((await produceRate(topic, 'limited', 1000)).rate).toBeGreaterThan(10 * quota)
    } finally {
      admin.close()
    }
  }, 30_000)

  it('slows a consumer to its consumer_byte_rate, with fetch-throttle-time in its metrics', async () => {
    const topic = uniqueTopic('quota-read')
    await home.createTopic(topic)
    const producer = new KafkaProducer(home.config, new StringSerializer(), new StringSerializer())
    const value = 'v'.repeat(1000)
    await Promise.all(Array.from({length: 300}, () => producer.send({topic, partition: 0, key: null, value})))
    await producer.close()
    const quota = 50_000
    const admin = await Admin.create(home.config)
    await admin.alterClientQuotas([
      {entity: {'client-id': 'slow-reader'}, ops: [{key: 'consumer_byte_rate', value: quota}]},
    ])
    admin.close()
    const read = async (clientId: string) => {
      const consumer = new KafkaConsumer(
        {...home.config, 'client.id': clientId, 'auto.offset.reset': 'earliest'},
        new StringDeserializer(),
        new StringDeserializer(),
      )
      try {
        consumer.assign([{topic, partition: 0}])
        const start = Date.now()
        let n = 0
        while (n < 300 && Date.now() - start < 20_000) n += (await consumer.poll(500)).count
        expect(n).toBe(300)
        return {
          seconds: (Date.now() - start) / 1000,
          throttleMax: consumer.metrics().get('fetch-throttle-time-max')!.value,
        }
      } finally {
        await consumer.close()
      }
    }
    // About 310 KB with batch overheads: 2 s of credit, then 50 KB/s: at least 3 s, where without a quota it is at
    // once. Fetches of a whole window's worth (100 KB) are each followed by a window of throttled ones, as in Kafka:
    // measured 8 s.
    const slow = await read('slow-reader')
    expect(slow.seconds).toBeGreaterThan(3)
    expect(slow.seconds).toBeLessThan(16)
    expect(slow.throttleMax).toBeGreaterThan(0)
    const fast = await read('fast-reader')
    expect(fast.seconds).toBeLessThan(2)
    expect(fast.throttleMax).toBe(0)
  }, 45_000)
})
