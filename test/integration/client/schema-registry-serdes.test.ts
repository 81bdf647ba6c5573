// The schema-registry serdes plugged into KafkaProducer and KafkaConsumer as any serializer is, against a real
// daemon and its registry (over the socket): Confluent's config names, the seed example's shape (a schema, a record
// built from it, a send of a ProducerRecord<string, GenericRecord>), refusals before a record is sent, the caches that
// spare a steady producer a registry request per record, and record order while a schema id is being resolved.
import {describe, expect, it} from 'vitest'
import {
  AvroSchema,
  KafkaAvroDeserializer,
  KafkaAvroSerializer,
  KafkaConsumer,
  KafkaJsonSchemaSerializer,
  KafkaProducer,
  SchemaRegistryClient,
  type ConsumerRecord,
  type GenericRecord,
  type ProducerRecord,
} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest()

const USER = new AvroSchema({
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [
    {name: 'name', type: 'string'},
    {name: 'age', type: 'int'},
    {name: 'email', type: ['null', 'string'], default: null},
  ],
})

async function readAll<V>(
  topic: string,
  count: number,
  config: Record<string, unknown> = {},
  valueDeserializer?: KafkaAvroDeserializer<V>,
): Promise<ConsumerRecord<string, V>[]> {
  const consumer = new KafkaConsumer<string, V>(
    {
      ...home.config,
      'key.deserializer': 'org.apache.kafka.common.serialization.StringDeserializer',
      'value.deserializer': 'io.confluent.kafka.serializers.KafkaAvroDeserializer',
      'auto.offset.reset': 'earliest',
      ...config,
    } as never,
    undefined,
    valueDeserializer,
  )
  const records: ConsumerRecord<string, V>[] = []
  try {
    consumer.assign([{topic, partition: 0}])
    const deadline = Date.now() + 15_000
    while (records.length < count && Date.now() < deadline) records.push(...(await consumer.poll(500)))
  } finally {
    await consumer.close()
  }
  return records
}

describe('KafkaAvroSerializer in KafkaProducer', () => {
  it('sends a ProducerRecord<string, GenericRecord> built from a schema, and KafkaAvroDeserializer reads it back', async () => {
    const topic = uniqueTopic('users')
    const producer = new KafkaProducer<string, GenericRecord>({
      ...home.config,
      'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
      'value.serializer': 'io.confluent.kafka.serializers.KafkaAvroSerializer',
    })
    const user = USER.record({name: 'Ann', age: 30, email: 'ann@example.com'})
    const record: ProducerRecord<string, GenericRecord> = {topic, key: 'ann', value: user}
    const sent = await producer.send(record)
    await producer.close()
    expect(sent.serializedValueSize).toBe(5 + 1 + 3 + 1 + 1 + 1 + 15)
    const [read] = await readAll<GenericRecord>(topic, 1)
    expect(read).toMatchObject({key: 'ann', value: {name: 'Ann', age: 30, email: 'ann@example.com'}})
    const registry = new SchemaRegistryClient({}, {home: home.dir})
    expect(await registry.getLatestSchemaMetadata(`${topic}-value`)).toMatchObject({id: 1, version: 1})
    await registry.close()
  })

  it('refuses a record that does not match its schema before it is sent, naming the field, and sends the others', async () => {
    const topic = uniqueTopic('users')
    const producer = new KafkaProducer<string, GenericRecord>(
      home.config,
      undefined,
      new KafkaAvroSerializer(home.config),
    )
    const results = await Promise.allSettled([
      producer.send({topic, value: USER.record({name: 'a', age: 1})}),
      producer.send({topic, value: USER.record({name: 'b', age: 'abc'})}),
      producer.send({topic, value: USER.record({name: 'c', age: 3})}),
    ])
    await producer.close()
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'SERIALIZATION',
      message: `Error serializing Avro message for topic '${topic}': Field "age" of record "example.User": expected int, got "abc".`,
    })
    expect((await readAll<GenericRecord>(topic, 2)).map((r) => r.value!.name)).toEqual(['a', 'c'])
  })

  it('keeps the order of records sent while their schema ids are being resolved, across two schemas', async () => {
    const topic = uniqueTopic('mixed')
    const other = new AvroSchema({type: 'record', name: 'Other', fields: [{name: 'n', type: 'int'}]})
    const producer = new KafkaProducer<string, GenericRecord>({
      ...home.config,
      'value.serializer': 'KafkaAvroSerializer',
      'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
    })
    const sends = []
    for (let i = 0; i < 200; i++) {
      sends.push(
        producer.send({topic, value: i % 2 === 0 ? USER.record({name: `u${i}`, age: i}) : other.record({n: i})}),
      )
    }
    const offsets = (await Promise.all(sends)).map((m) => m.offset)
    await producer.close()
    expect(offsets).toEqual(offsets.map((_, i) => i))
    const registry = new SchemaRegistryClient({}, {home: home.dir})
    expect((await registry.getAllSubjects()).sort()).toEqual([`${topic}-Other`, `${topic}-example.User`])
    await registry.close()
  })

  it('asks the registry once per schema and topic, not per record', async () => {
    const topic = uniqueTopic('users')
    const client = new SchemaRegistryClient({}, {home: home.dir})
    let requests = 0
    const counting = new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown
        if (typeof v !== 'function') return v
        return (...args: unknown[]) => {
          requests++
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const producer = new KafkaProducer<string, GenericRecord>(
      home.config,
      undefined,
      new KafkaAvroSerializer({}, {client: counting}),
    )
    const sends = []
    for (let i = 0; i < 5000; i++) sends.push(producer.send({topic, value: USER.record({name: `u${i}`, age: i})}))
    await Promise.all(sends)
    await producer.close()
    await client.close()
    expect(requests).toBe(1)
    const reader = new KafkaAvroDeserializer<GenericRecord>({}, {client: counting})
    const records = await readAll<GenericRecord>(topic, 5000, {}, reader)
    expect(records).toHaveLength(5000)
    expect(requests).toBe(2)
  })

  it("with a reader schema resolves the writer's schema into it", async () => {
    const topic = uniqueTopic('users')
    const producer = new KafkaProducer<string, GenericRecord>({
      ...home.config,
      'value.serializer': 'KafkaAvroSerializer',
    })
    await producer.send({topic, value: USER.record({name: 'Ann', age: 30})})
    await producer.close()
    const reader = new KafkaAvroDeserializer<GenericRecord>(home.config, {
      readerSchema: {
        type: 'record',
        name: 'User',
        namespace: 'example',
        fields: [
          {name: 'name', type: 'string'},
          {name: 'age', type: 'long'},
          {name: 'country', type: 'string', default: 'NL'},
        ],
      },
    })
    const [read] = await readAll<GenericRecord>(topic, 1, {}, reader)
    expect(read!.value).toEqual({name: 'Ann', age: 30, country: 'NL'})
  })

  it('fails the poll at a record whose schema id the registry does not know, naming its offset', async () => {
    const topic = uniqueTopic('bad')
    const producer = new KafkaProducer(home.config)
    await producer.send({topic, value: Buffer.from([0, 0, 0, 0x30, 0x39, 2])})
    await producer.close()
    await expect(readAll(topic, 1)).rejects.toThrow(
      `Error deserializing key/value for partition ${topic}-0 at offset 0. If needed, please seek past the record to continue consumption. Error retrieving Avro schema for id 12345:`,
    )
  })
})

describe('KafkaJsonSchemaSerializer in KafkaProducer', () => {
  it('validates, registers a JSON schema and the consumer reads the values back', async () => {
    const topic = uniqueTopic('orders')
    const schema = {title: 'Order', type: 'object', properties: {id: {type: 'integer'}}, required: ['id']}
    const producer = new KafkaProducer<string, unknown>(
      home.config,
      undefined,
      new KafkaJsonSchemaSerializer(home.config, {schema}),
    )
    await producer.send({topic, value: {id: 7}})
    await expect(producer.send({topic, value: {id: 'x'}})).rejects.toThrow('field "id" must be integer, got "x"')
    await producer.close()
    const records = await readAll<unknown>(topic, 1, {
      'value.deserializer': 'io.confluent.kafka.serializers.json.KafkaJsonSchemaDeserializer',
    })
    expect(records.map((r) => r.value)).toEqual([{id: 7}])
    const registry = new SchemaRegistryClient({}, {home: home.dir})
    expect(await registry.getLatestSchemaMetadata(`${topic}-value`)).toMatchObject({schemaType: 'JSON'})
    await registry.close()
  })
})
