// The schema-registry serdes in process, against an in-memory registry that keeps Confluent's rules that matter
// here (global ids, the same schema text gets the same id, 40401/40403 for what is missing). The real registry, the
// producer and the consumer are in test/integration/client/schema-registry-serdes.test.ts.
import {describe, expect, it} from 'vitest'
import {fromAvroJson, javaNumber, toAvroJson} from '../../src/client/schema-registry/avro-json.js'
import {AvroSchema, KafkaAvroDeserializer, KafkaAvroSerializer} from '../../src/client/schema-registry/avro-serde.js'
import {
  KafkaJsonSchemaDeserializer,
  KafkaJsonSchemaSerializer,
} from '../../src/client/schema-registry/json-schema-serde.js'
import type {SchemaInfo, SchemaMetadata} from '../../src/client/schema-registry/registry-client.js'
import type {RegistryClient} from '../../src/client/schema-registry/serde-config.js'

class MemoryRegistry implements RegistryClient {
  readonly schemas: SchemaInfo[] = []
  readonly subjects = new Map<string, number[]>()
  calls = 0
  async register(subject: string, schema: SchemaInfo): Promise<number> {
    this.calls++
    let id = this.schemas.findIndex((s) => s.schema === schema.schema) + 1
    if (id === 0) id = this.schemas.push(schema)
    const versions = this.subjects.get(subject) ?? []
    if (!versions.includes(id)) versions.push(id)
    this.subjects.set(subject, versions)
    return id
  }
  async getId(subject: string, schema: SchemaInfo): Promise<number> {
    this.calls++
    const id = this.schemas.findIndex((s) => s.schema === schema.schema) + 1
    if (!this.subjects.get(subject)?.includes(id))
      throw Object.assign(new Error('Schema not found'), {errorCode: 40403})
    return id
  }
  async getBySubjectAndId(_subject: string | undefined, id: number): Promise<SchemaInfo> {
    this.calls++
    const s = this.schemas[id - 1]
    if (s === undefined) throw Object.assign(new Error(`Schema ${id} not found`), {errorCode: 40403})
    return s
  }
  async getLatestSchemaMetadata(subject: string): Promise<SchemaMetadata> {
    const versions = this.subjects.get(subject)
    if (versions === undefined) throw Object.assign(new Error(`Subject '${subject}' not found.`), {errorCode: 40401})
    return this.getSchemaMetadata(subject, versions.length)
  }
  async getSchemaMetadata(subject: string, version: number): Promise<SchemaMetadata> {
    const id = this.subjects.get(subject)![version - 1]!
    return {...this.schemas[id - 1]!, id, subject, version}
  }
  close(): void {}
}

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

async function serialize<T>(
  s: {prepare(t: string, v: T): Promise<void> | null; serialize(t: string, v: T): Buffer | null},
  topic: string,
  value: T,
) {
  await s.prepare(topic, value)
  return s.serialize(topic, value)!
}

describe('KafkaAvroSerializer', () => {
  it("writes Confluent's wire format: magic byte 0, the schema id big-endian, then the Avro binary", async () => {
    const client = new MemoryRegistry()
    const s = new KafkaAvroSerializer({}, {client})
    const bytes = await serialize(s, 'users', USER.record({name: 'Ann', age: 30, email: null}))
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 1]))
    // "Ann": length 3 zigzag (6) then the bytes; 30 zigzag (60); union branch 0 (null).
    expect(bytes.subarray(5)).toEqual(Buffer.from([6, 0x41, 0x6e, 0x6e, 60, 0]))
    expect([...client.subjects.keys()]).toEqual(['users-value'])
  })

  it('resolves the schema id once per schema and topic: a steady producer makes no registry request per record', async () => {
    const client = new MemoryRegistry()
    const s = new KafkaAvroSerializer({}, {client})
    await serialize(s, 'users', USER.record({name: 'a', age: 1}))
    const calls = client.calls
    for (let i = 0; i < 1000; i++) {
      const value = USER.record({name: `n${i}`, age: i})
      expect(s.prepare('users', value)).toBeNull()
      s.serialize('users', value)
    }
    expect(client.calls).toBe(calls)
  })

  it('refuses a value that does not match its schema, naming the field', async () => {
    const s = new KafkaAvroSerializer({}, {client: new MemoryRegistry()})
    await expect(serialize(s, 'users', USER.record({name: 'a', age: 'abc'}))).rejects.toThrow(
      `Error serializing Avro message for topic 'users': Field "age" of record "example.User": expected int, got "abc".`,
    )
    await expect(serialize(s, 'users', USER.record({name: 'a'}))).rejects.toThrow(
      'Field "age" of record "example.User": expected int, got nothing (the field is missing and has no default)',
    )
  })

  it('uses the subject name strategies by their Confluent class names and short names', async () => {
    const client = new MemoryRegistry()
    const record = new KafkaAvroSerializer(
      {'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy'},
      {client},
    )
    await serialize(record, 'users', USER.record({name: 'a', age: 1}))
    const topicRecord = new KafkaAvroSerializer(
      {'key.subject.name.strategy': 'TopicRecordNameStrategy'},
      {client, isKey: true},
    )
    await serialize(topicRecord, 'users', USER.record({name: 'a', age: 1}))
    expect([...client.subjects.keys()]).toEqual(['example.User', 'users-example.User'])
    expect(() => new KafkaAvroSerializer({'value.subject.name.strategy': 'Nope'})).toThrow(
      'Invalid value Nope for configuration value.subject.name.strategy',
    )
  })

  it('with auto.register.schemas=false looks the schema up, and says what to do when it is not registered', async () => {
    const s = new KafkaAvroSerializer({'auto.register.schemas': false}, {client: new MemoryRegistry()})
    await expect(serialize(s, 'users', USER.record({name: 'a', age: 1}))).rejects.toThrow(
      "Error retrieving Avro schema for subject 'users-value': Schema not found (error code 40403). Register the schema first, or set auto.register.schemas=true.",
    )
  })

  it('with use.latest.version writes plain objects with the latest registered schema, and checks compatibility', async () => {
    const client = new MemoryRegistry()
    await client.register('users-value', {schema: USER.text})
    const s = new KafkaAvroSerializer({'auto.register.schemas': false, 'use.latest.version': true}, {client})
    const bytes = await serialize(s, 'users', {name: 'b', age: 2, email: 'b@x'})
    expect(bytes.readInt32BE(1)).toBe(1)
    const other = new AvroSchema({
      type: 'record',
      name: 'User',
      namespace: 'example',
      fields: [{name: 'zip', type: 'int'}],
    })
    await expect(serialize(s, 'users', other.record({zip: 1}))).rejects.toThrow(
      "Incompatible schema of type 'AVRO': version 1 of subject 'users-value' cannot read values of this schema",
    )
  })

  it('serializes null as null (a tombstone) without asking the registry', async () => {
    const client = new MemoryRegistry()
    const s = new KafkaAvroSerializer({}, {client})
    expect(s.prepare('users', null)).toBeNull()
    expect(s.serialize('users', null)).toBeNull()
    expect(client.calls).toBe(0)
  })
})

describe('KafkaAvroDeserializer', () => {
  it('reads the id, fetches the writer schema once, and decodes', async () => {
    const client = new MemoryRegistry()
    const bytes = await serialize(new KafkaAvroSerializer({}, {client}), 'users', USER.record({name: 'Ann', age: 30}))
    const d = new KafkaAvroDeserializer({}, {client})
    await d.prepare('users', bytes)
    expect(d.deserialize('users', bytes)).toEqual({name: 'Ann', age: 30, email: null})
    const calls = client.calls
    expect(d.prepare('users', bytes)).toBeNull()
    expect(client.calls).toBe(calls)
  })

  it("resolves the writer's schema into a reader schema (a field added with a default, one dropped)", async () => {
    const client = new MemoryRegistry()
    const bytes = await serialize(new KafkaAvroSerializer({}, {client}), 'users', USER.record({name: 'Ann', age: 30}))
    const reader = {
      type: 'record',
      name: 'User',
      namespace: 'example',
      fields: [
        {name: 'name', type: 'string'},
        {name: 'country', type: 'string', default: 'NL'},
      ],
    }
    const d = new KafkaAvroDeserializer({}, {client, readerSchema: reader})
    await d.prepare('users', bytes)
    expect(d.deserialize('users', bytes)).toEqual({name: 'Ann', country: 'NL'})
  })

  it('refuses bytes without the magic byte, as Confluent does ("Unknown magic byte!")', () => {
    const d = new KafkaAvroDeserializer({}, {client: new MemoryRegistry()})
    expect(d.prepare('users', Buffer.from('hello'))).toBeNull()
    expect(() => d.deserialize('users', Buffer.from('hello'))).toThrow('Unknown magic byte!')
  })

  it('fails the prepare of an id the registry does not have, naming the id', async () => {
    const d = new KafkaAvroDeserializer({}, {client: new MemoryRegistry()})
    await expect(d.prepare('users', Buffer.from([0, 0, 0, 0, 9, 1]))).rejects.toThrow(
      'Error retrieving Avro schema for id 9: Schema 9 not found (error code 40403).',
    )
  })
})

describe('KafkaJsonSchemaSerializer', () => {
  const schema = {
    title: 'Order',
    type: 'object',
    properties: {id: {type: 'integer'}, item: {type: 'string'}},
    required: ['id'],
  }

  it('validates, writes the JSON after the header, and reads it back', async () => {
    const client = new MemoryRegistry()
    const s = new KafkaJsonSchemaSerializer({}, {client, schema})
    const bytes = await serialize(s, 'orders', {id: 1, item: 'pen'})
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 1]))
    expect(bytes.subarray(5).toString()).toBe('{"id":1,"item":"pen"}')
    expect(client.schemas[0]).toMatchObject({schemaType: 'JSON'})
    const d = new KafkaJsonSchemaDeserializer({}, {client})
    await d.prepare('orders', bytes)
    expect(d.deserialize('orders', bytes)).toEqual({id: 1, item: 'pen'})
  })

  it('refuses a value that does not match, naming the field', async () => {
    const s = new KafkaJsonSchemaSerializer({}, {client: new MemoryRegistry(), schema})
    await expect(serialize(s, 'orders', {id: 'x'})).rejects.toThrow(
      `Validation error in JSON {"id":"x"} for topic 'orders': field "id" must be integer, got "x".`,
    )
    await expect(serialize(s, 'orders', {item: 'pen'})).rejects.toThrow('the value must have property "id"')
  })
})

describe("Avro's JSON encoding (the Avro console tools)", () => {
  const type = async (schema: unknown) => (await import('avsc')).Type.forSchema(schema as never)

  it('prints unions as {"branch": value}, bytes as ISO-8859-1 strings and numbers as Java does', async () => {
    const t = await type({
      type: 'record',
      name: 'R',
      namespace: 'ns',
      fields: [
        {name: 'u', type: ['null', 'string']},
        {name: 'n', type: ['null', {type: 'record', name: 'In', fields: [{name: 'x', type: 'int'}]}]},
        {name: 'b', type: 'bytes'},
        {name: 'd', type: 'double'},
        {name: 'f', type: 'float'},
        {name: 'big', type: 'double'},
        {name: 'e', type: {type: 'enum', name: 'E', symbols: ['A', 'B']}},
        {name: 'm', type: {type: 'map', values: 'long'}},
        {name: 's', type: 'string'},
      ],
    })
    const value = {
      u: 'x',
      n: {x: 1},
      b: Buffer.from([0x00, 0x41, 0xff]),
      d: 1,
      f: Math.fround(0.1),
      big: 1e21,
      e: 'B',
      m: {k: 5},
      s: 'tab\there\u0001',
    }
    expect(toAvroJson(t, value)).toBe(
      '{"u":{"string":"x"},"n":{"ns.In":{"x":1}},"b":"\\u0000Aÿ","d":1.0,"f":0.1,"big":1.0E21,"e":"B","m":{"k":5},"s":"tab\\there\\u0001"}',
    )
    expect(toAvroJson(t, {...value, u: null, n: null})).toContain('"u":null,"n":null')
  })

  it('writes doubles as Java does', () => {
    expect([0.001, 1234567.5, 1e7, 1.5e-4, -2, 100].map((v) => javaNumber(v, false))).toEqual([
      '0.001',
      '1234567.5',
      '1.0E7',
      '1.5E-4',
      '-2.0',
      '100.0',
    ])
  })

  it('reads what it prints, and names the field of a line that does not match', async () => {
    const t = await type({
      type: 'record',
      name: 'User',
      fields: [
        {name: 'name', type: 'string'},
        {name: 'age', type: 'int'},
        {name: 'email', type: ['null', 'string'], default: null},
      ],
    })
    expect(fromAvroJson(t, '{"name":"a","age":3,"email":{"string":"a@x"}}')).toEqual({name: 'a', age: 3, email: 'a@x'})
    expect(fromAvroJson(t, '{"name":"a","age":3}')).toEqual({name: 'a', age: 3, email: null})
    expect(() => fromAvroJson(t, '{"name":"a","age":"abc"}')).toThrow(
      'Field "age" of record "User": expected int, got "abc"',
    )
    expect(() => fromAvroJson(t, '{"name":"a","age":1,"email":"a@x"}')).toThrow(
      'Field "email" of record "User": expected union [null, string], written {"<branch>": value} ({"string": ...} or null), got "a@x"',
    )
    expect(() => fromAvroJson(t, '{"name":"a","agee":1}')).toThrow(
      'Record "User" has no field "agee" (its fields: name, age, email)',
    )
    expect(() => fromAvroJson(t, '{"name":')).toThrow('it is not JSON')
  })
})
