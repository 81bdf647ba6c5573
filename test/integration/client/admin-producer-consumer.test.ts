import {describe, expect, it} from 'vitest'
import {
  Admin,
  KafkaConsumer,
  KafkaException,
  KafkaProducer,
  OffsetOutOfRangeException,
  StringDeserializer,
  StringSerializer,
  type ConsumerRecord,
} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest()

async function drain<K, V>(consumer: KafkaConsumer<K, V>, count: number): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = []
  const deadline = Date.now() + 10_000
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(500)))
  return out
}

describe('the client library', () => {
  it("administers topics like Kafka's Admin client", async () => {
    const admin = await Admin.create(home.config)
    try {
      const [created] = await admin.createTopics([{name: 'a', numPartitions: 2, configs: {'retention.ms': '1000'}}])
      expect(created).toMatchObject({name: 'a', numPartitions: 2, replicationFactor: 1})
      expect((await admin.listTopics()).map((t) => t.name)).toEqual(['a'])
      const [description] = await admin.describeTopics(['a'])
      expect(description!.partitions.map((p) => p.leader?.id)).toEqual([1, 1])
      await admin.createPartitions({a: 3})
      expect((await admin.describeTopics(['a']))[0]!.partitions).toHaveLength(3)
      await admin.incrementalAlterConfigs({a: {set: {'retention.ms': '2000'}, delete: []}})
      const configs = (await admin.describeConfigs(['a'])).get('a')!
      expect(configs.find((c) => c.name === 'retention.ms')).toMatchObject({
        value: '2000',
        source: 'DYNAMIC_TOPIC_CONFIG',
      })
      await expect(admin.createTopics([{name: 'a'}])).rejects.toMatchObject({
        code: 'TOPIC_ALREADY_EXISTS',
        name: 'TopicExistsException',
      })
      await admin.deleteTopics(['a'])
      expect(await admin.listTopics()).toEqual([])
      await expect(admin.deleteTopics(['a'])).rejects.toBeInstanceOf(KafkaException)
    } finally {
      admin.close()
    }
  })

  it('sends records and resolves each with its partition, offset and timestamp', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer(home.config, new StringSerializer(), new StringSerializer())
    const sent = await Promise.all(
      ['a', 'b', 'c'].map((value, i) => producer.send({topic, partition: 0, key: null, value, timestamp: 1000 + i})),
    )
    expect(sent.map((m) => [m.partition, m.offset, m.timestamp])).toEqual([
      [0, 0, 1000],
      [0, 1, 1001],
      [0, 2, 1002],
    ])
    expect(sent[0]).toMatchObject({topic, serializedKeySize: -1, serializedValueSize: 1})
    let called = 0
    await producer.send({topic, value: 'cb'}, (error, meta) => {
      expect(error).toBeNull()
      expect(meta!.offset).toBe(3)
      called++
    })
    expect(called).toBe(1)
    await producer.close()
    await expect(producer.send({topic, value: 'late'})).rejects.toThrow(/after producer has been closed/)
  })

  it('reads what was sent, with keys, headers and nulls, from assigned partitions', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 3)
    const producer = new KafkaProducer(home.config, new StringSerializer(), new StringSerializer())
    await producer.send({
      topic,
      key: 'key',
      value: 'v1',
      headers: [
        {key: 'h', value: Buffer.from('x')},
        {key: 'h', value: null},
      ],
    })
    await producer.send({topic, key: 'foo', value: null})
    await producer.close()
    const consumer = new KafkaConsumer(home.config, new StringDeserializer(), new StringDeserializer())
    const tps = [0, 1, 2].map((partition) => ({topic, partition}))
    consumer.assign(tps)
    consumer.seekToBeginning()
    const records = await drain(consumer, 2)
    await consumer.close()
    const byKey = new Map(records.map((r) => [r.key, r]))
    // murmur2: "key" -> partition 1 and "foo" -> partition 2 of 3, as Kafka's producer places them.
    expect(byKey.get('key')).toMatchObject({partition: 1, offset: 0, value: 'v1', timestampType: 'CreateTime'})
    expect(byKey.get('key')!.headers).toEqual([
      {key: 'h', value: Buffer.from('x')},
      {key: 'h', value: null},
    ])
    expect(byKey.get('foo')).toMatchObject({partition: 2, value: null})
  })

  it('seeks, reports positions, and returns at most max.poll.records per poll', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer(home.config)
    for (let i = 0; i < 50; i++) void producer.send({topic, partition: 0, value: String(i)})
    await producer.flush()
    await producer.close()
    const consumer = new KafkaConsumer({...home.config, 'max.poll.records': '7'}, undefined, new StringDeserializer())
    const tp = {topic, partition: 0}
    consumer.assign([tp])
    consumer.seek(tp, 20)
    const first = await consumer.poll(5000)
    expect(first.count).toBe(7)
    expect([...first].map((r) => r.value)).toEqual(['20', '21', '22', '23', '24', '25', '26'])
    expect(await consumer.position(tp)).toBe(27)
    consumer.seekToEnd([tp])
    expect(await consumer.position(tp)).toBe(50)
    expect((await consumer.poll(50)).isEmpty()).toBe(true)
    expect(await consumer.beginningOffsets([tp])).toEqual([{...tp, offset: 0}])
    expect(await consumer.endOffsets([tp])).toEqual([{...tp, offset: 50}])
    await consumer.close()
  })

  it('wakes a waiting poll when a record arrives (long poll, no busy loop)', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer(home.config, new StringSerializer(), new StringSerializer())
    await producer.send({topic, partition: 0, value: 'warm-up'})
    const consumer = new KafkaConsumer(
      {...home.config, 'fetch.max.wait.ms': '30000'},
      undefined,
      new StringDeserializer(),
    )
    consumer.assign([{topic, partition: 0}])
    expect(await consumer.position({topic, partition: 0})).toBe(1)
    const started = Date.now()
    const polled = consumer.poll(20_000)
    // The delay is the point, not a wait: the record must arrive while the poll is already waiting at the log end.
    setTimeout(() => void producer.send({topic, partition: 0, value: 'live'}), 100)
    const records = await polled
    expect([...records].map((r) => r.value)).toEqual(['live'])
    expect(Date.now() - started).toBeLessThan(10_000) // far below the 30 s the fetch could wait
    await consumer.close()
    await producer.close()
  })

  it("fetches a partition just assigned without waiting for another partition's long poll", async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const producer = new KafkaProducer(home.config, new StringSerializer(), new StringSerializer())
    await producer.send({topic, partition: 1, value: 'waiting'})
    const consumer = new KafkaConsumer(
      {...home.config, 'fetch.max.wait.ms': '30000', 'auto.offset.reset': 'earliest'},
      undefined,
      new StringDeserializer(),
    )
    consumer.assign([{topic, partition: 0}])
    expect([...(await consumer.poll(300))]).toEqual([]) // partition 0 is empty: its fetch now waits up to 30 s
    const started = Date.now()
    consumer.assign([
      {topic, partition: 0},
      {topic, partition: 1},
    ])
    const records = await drain(consumer, 1)
    expect(records.map((r) => r.value)).toEqual(['waiting'])
    expect(Date.now() - started).toBeLessThan(10_000) // far below the 30 s of the other fetch
    await consumer.close()
    await producer.close()
  })

  it('fetches a partition that has drained its buffer while another partition waits at its end', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    // Partition 1 gets three batches of ~2 KB; the consumer buffers at most 2 x max.partition.fetch.bytes (2 KB)
    // of a partition, so after the first batch partition 1 sits out the next fetch, which is partition 0's alone:
    // a long poll of 30 s, since partition 0 is empty.
    const producer = new KafkaProducer(
      {...home.config, 'linger.ms': '0'},
      new StringSerializer(),
      new StringSerializer(),
    )
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < 20; i++)
        producer.sendWithCallback({topic, partition: 1, value: `${b}-${i}-${'x'.repeat(90)}`}, () => {})
      await producer.flush()
    }
    const consumer = new KafkaConsumer(
      {
        ...home.config,
        'fetch.max.wait.ms': '30000',
        'max.partition.fetch.bytes': '1024',
        'auto.offset.reset': 'earliest',
      },
      undefined,
      new StringDeserializer(),
    )
    consumer.assign([
      {topic, partition: 0},
      {topic, partition: 1},
    ])
    const started = Date.now()
    const records = await drain(consumer, 60)
    expect(records.map((r) => r.offset)).toEqual(Array.from({length: 60}, (_, i) => i))
    expect(Date.now() - started).toBeLessThan(10_000) // not one 30 s long poll per batch
    await consumer.close()
    await producer.close()
  })

  it('refuses a record larger than max.message.bytes before sending it', async () => {
    const topic = uniqueTopic()
    await home.withAdmin((admin) => admin.createTopics([{name: topic, configs: {'max.message.bytes': '1000'}}]))
    const producer = new KafkaProducer(home.config)
    await expect(producer.send({topic, value: 'x'.repeat(2000)})).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      name: 'RecordTooLargeException',
    })
    expect((await producer.send({topic, value: 'small'})).offset).toBe(0)
    await producer.close()
  })

  it('stamps records with the broker time on a LogAppendTime topic', async () => {
    const topic = uniqueTopic()
    await home.withAdmin((admin) =>
      admin.createTopics([{name: topic, configs: {'message.timestamp.type': 'LogAppendTime'}}]),
    )
    const producer = new KafkaProducer(home.config)
    const before = Date.now()
    const meta = await producer.send({topic, value: 'x', timestamp: 5})
    expect(meta.timestamp).toBeGreaterThanOrEqual(before)
    await producer.close()
    const consumer = new KafkaConsumer(home.config)
    consumer.assign([{topic, partition: 0}])
    consumer.seekToBeginning()
    const [record] = await drain(consumer, 1)
    expect(record).toMatchObject({timestampType: 'LogAppendTime', timestamp: meta.timestamp})
    await consumer.close()
  })

  it('finds offsets by timestamp', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer(home.config)
    for (const ts of [100, 200, 300]) await producer.send({topic, partition: 0, value: String(ts), timestamp: ts})
    await producer.close()
    const consumer = new KafkaConsumer(home.config)
    const tp = {topic, partition: 0}
    const found = await consumer.offsetsForTimes([
      {...tp, timestamp: 150},
      {...tp, timestamp: 300},
      {...tp, timestamp: 301},
    ])
    expect(found.map((f) => f.offset)).toEqual([1, 2, null])
    await consumer.close()
  })

  it('deletes records before an offset, per partition, and a consumer from the beginning starts after them', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    await home.produceToEach(topic, 2, 3)
    const deleted = await home.withAdmin((admin) =>
      admin.deleteRecords([
        {topic, partition: 0, beforeOffset: 2},
        {topic, partition: 1, beforeOffset: 7},
      ]),
    )
    expect(deleted[0]).toEqual({topic, partition: 0, lowWatermark: 2})
    expect(deleted[1]).toMatchObject({topic, partition: 1, lowWatermark: -1, error: {code: 'OFFSET_OUT_OF_RANGE'}})
    expect(deleted[1]!.error).toBeInstanceOf(OffsetOutOfRangeException)
    const consumer = new KafkaConsumer(home.config, new StringDeserializer(), new StringDeserializer())
    try {
      consumer.assign([{topic, partition: 0}])
      consumer.seekToBeginning([{topic, partition: 0}])
      expect((await drain(consumer, 1)).map((r) => [r.offset, r.value])).toEqual([[2, '0-2']])
    } finally {
      await consumer.close()
    }
  })

  it('fires and forgets with acks=0', async () => {
    const topic = uniqueTopic()
    const producer = new KafkaProducer({...home.config, acks: '0'})
    const meta = await producer.send({topic, partition: 0, value: 'x'})
    expect(meta.offset).toBe(-1)
    await producer.close()
    const consumer = new KafkaConsumer(home.config)
    consumer.assign([{topic, partition: 0}])
    consumer.seekToBeginning()
    expect(await drain(consumer, 1)).toHaveLength(1)
    await consumer.close()
  })

  it("validates configuration with Kafka's messages", () => {
    expect(() => new KafkaProducer({...home.config, acks: '2'})).toThrow(
      'Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1',
    )
    expect(() => new KafkaProducer({...home.config, 'batch.size': 'big'})).toThrow(/Not a number/)
    expect(() => new KafkaConsumer({...home.config, 'auto.offset.reset': 'smallest'})).toThrow(
      /String must be one of: earliest, latest, none/,
    )
    expect(() => new KafkaProducer({...home.config, 'bootstrap.servers': 'remote'})).toThrow(
      /Please provide valid host:port like host1:9091,host2:9092 \(got 'remote'\)/,
    )
  })
})
