// kafkalite's schema-registry serdes against clients nobody here wrote, on one kafkalite daemon of their own (its
// Kafka listener and its registry's HTTP port), whichever broker the rest of the suite runs against:
// - Confluent's official JavaScript serdes (@confluentinc/schemaregistry): for the same schema and values, its
//   AvroSerializer and JsonSerializer write the very bytes kafkalite's KafkaAvroSerializer and
//   KafkaJsonSchemaSerializer write, and each side's deserializer reads the other's bytes;
// - Python's confluent-kafka with its schema-registry client and Avro serde (AvroSerializer/AvroDeserializer):
//   it registers and produces Avro through kafkalite's Kafka listener and registry port, kafkalite's
//   avro-console-consumer prints it; kafkalite's avro-console-producer writes, Python's consumer reads.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  KafkaAvroDeserializer,
  KafkaAvroSerializer,
  KafkaJsonSchemaDeserializer,
  KafkaJsonSchemaSerializer,
} from '../../src/client/index.js'
import {INTEROP_DIR, interopEnv, ROOT, runKafkalite} from './harness/env.js'

const home = mkdtempSync(join(tmpdir(), 'kafkalite-serdes-'))
let url = ''
let bootstrap = ''
const cli = (args: string[]) =>
  execFileSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {env: {...process.env, KAFKALITE_HOME: home}})

beforeAll(() => {
  writeFileSync(join(home, 'server.properties'), 'listeners=PLAINTEXT://127.0.0.1:0\n')
  const started = JSON.parse(cli(['daemon', 'start', '--schema-registry', '0', '--json']).toString()) as {
    schemaRegistry: {url: string}[]
    listeners: {host?: string; port: number}[]
  }
  url = started.schemaRegistry[0]!.url
  bootstrap = `127.0.0.1:${started.listeners[0]!.port}`
})

afterAll(() => {
  cli(['daemon', 'stop'])
  rmSync(home, {recursive: true, force: true})
})

const USER = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'interop',
  fields: [
    {name: 'name', type: 'string'},
    {name: 'age', type: 'int'},
    {name: 'email', type: ['null', 'string'], default: null},
    {name: 'score', type: 'double'},
    {name: 'tags', type: {type: 'array', items: 'string'}},
    {name: 'level', type: {type: 'enum', name: 'Level', symbols: ['LOW', 'HIGH']}},
  ],
})
const USERS = [
  {name: 'Ann', age: 30, email: 'ann@example.com', score: 1.5, tags: ['a', 'b'], level: 'HIGH'},
  {name: 'Bøb', age: -4, email: null, score: -0.25, tags: [], level: 'LOW'},
]

function confluent(input: Record<string, unknown>): {id: number; written: string[]; read: unknown[]; refused: string} {
  const out = execFileSync(process.execPath, [join(INTEROP_DIR, 'node', 'serdes-driver.mjs'), JSON.stringify(input)], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  return JSON.parse(out.trim().split('\n').at(-1)!) as never
}

async function kafkaliteBytes<T>(
  serializer: {prepare(t: string, v: T): Promise<void> | null; serialize(t: string, v: T): Buffer | null},
  topic: string,
  values: T[],
): Promise<string[]> {
  const out: string[] = []
  for (const v of values) {
    await serializer.prepare(topic, v)
    out.push(serializer.serialize(topic, v)!.toString('hex'))
  }
  return out
}

async function kafkaliteRead(
  deserializer: {prepare(t: string, d: Buffer): Promise<void> | null; deserialize(t: string, d: Buffer): unknown},
  topic: string,
  hex: string[],
): Promise<unknown[]> {
  const out: unknown[] = []
  for (const h of hex) {
    const bytes = Buffer.from(h, 'hex')
    await deserializer.prepare(topic, bytes)
    out.push(deserializer.deserialize(topic, bytes))
  }
  return out
}

describe("@confluentinc/schemaregistry's serdes and kafkalite's, byte for byte", () => {
  it('Avro: the same bytes for the same values, and each reads what the other wrote', async () => {
    const topic = 'interop-avro'
    const serializer = new KafkaAvroSerializer({'schema.registry.url': url}, {schema: USER})
    const ours = await kafkaliteBytes(serializer, topic, USERS)
    await serializer.close()
    const theirs = confluent({url, format: 'avro', topic, schema: USER, values: USERS, bytes: ours})
    expect(theirs.id).toBe(1)
    expect(theirs.written).toEqual(ours)
    expect(ours[0]!.slice(0, 10)).toBe('0000000001')
    expect(theirs.read).toEqual(USERS)
    expect(theirs.refused).toMatch(/age/)
    const deserializer = new KafkaAvroDeserializer({'schema.registry.url': url})
    expect(await kafkaliteRead(deserializer, topic, theirs.written)).toEqual(USERS)
    await deserializer.close()
  })

  it('JSON Schema: the same bytes for the same values, and each reads what the other wrote', async () => {
    const topic = 'interop-json'
    const schema = JSON.stringify({
      type: 'object',
      properties: {id: {type: 'integer'}, item: {type: 'string'}, price: {type: 'number'}},
      required: ['id'],
    })
    const values = [{id: 1, item: 'pen', price: 2.5}, {id: 2}]
    const serializer = new KafkaJsonSchemaSerializer({'schema.registry.url': url}, {schema})
    const ours = await kafkaliteBytes(serializer, topic, values)
    await serializer.close()
    const theirs = confluent({url, format: 'json', topic, schema, values, bytes: ours})
    expect(theirs.written).toEqual(ours)
    expect(theirs.read).toEqual(values)
    expect(theirs.refused).toMatch(/id|validat/i)
    const deserializer = new KafkaJsonSchemaDeserializer({'schema.registry.url': url})
    expect(await kafkaliteRead(deserializer, topic, theirs.written)).toEqual(values)
    await deserializer.close()
  })
})

describe("Python's confluent-kafka Avro serde through kafkalite's Kafka listener and registry", () => {
  const python = (...args: string[]) =>
    execFileSync(interopEnv().python, [join(INTEROP_DIR, 'python', 'avro_serde_driver.py'), ...args], {
      encoding: 'utf8',
      timeout: 90_000,
    })

  it("registers and produces Avro that kafkalite's avro-console-consumer prints", async () => {
    const topic = 'interop-python-avro'
    const produced = JSON.parse(python('produce', bootstrap, url, topic, USER, JSON.stringify(USERS))) as {
      delivered: number
    }
    expect(produced.delivered).toBe(2)
    const consumed = await runKafkalite(home, [
      'avro-console-consumer',
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '2',
      '--property',
      'print.schema.ids=true',
    ])
    expect(consumed.stdout).toBe(
      '{"name":"Ann","age":30,"email":{"string":"ann@example.com"},"score":1.5,"tags":["a","b"],"level":"HIGH"}\t1\n' +
        '{"name":"Bøb","age":-4,"email":null,"score":-0.25,"tags":[],"level":"LOW"}\t1\n',
    )
  })

  it("reads with its AvroDeserializer what kafkalite's avro-console-producer wrote", async () => {
    const topic = 'interop-kafkalite-avro'
    const input =
      '{"name":"Ann","age":30,"email":{"string":"ann@example.com"},"score":1.5,"tags":["a","b"],"level":"HIGH"}\n' +
      '{"name":"Bøb","age":-4,"score":-0.25,"tags":[],"level":"LOW"}\n'
    const produced = await runKafkalite(
      home,
      ['avro-console-producer', '--topic', topic, '--property', `value.schema=${USER}`],
      input,
    )
    expect(produced.stderr).toBe('')
    const read = JSON.parse(python('consume', bootstrap, url, topic, '2')) as {values: unknown[]; ids: number[]}
    expect(read.values).toEqual(USERS)
    expect(read.ids).toEqual([1, 1])
  })
})
