// Confluent's schema-registry console tools as kafkalite commands (and their kafka-* shims), with the real binary
// and a real daemon's registry: Avro JSON in and out, keys, schema ids, a line that does not match its schema, and
// the JSON Schema pair; and the tools against a registry over HTTPS.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KafkaProducer, SchemaRegistryClient} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'
import {fixture} from '../../helpers/tls.js'

const home = TestHome.forEachTest()

const USER = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [
    {name: 'name', type: 'string'},
    {name: 'age', type: 'int'},
    {name: 'email', type: ['null', 'string'], default: null},
    {name: 'avatar', type: 'bytes', default: ''},
  ],
})

const consume = (tool: string, topic: string, ...extra: string[]) =>
  home.run([tool, '--topic', topic, '--from-beginning', '--exit-at-end', ...extra])

describe('avro-console-producer and avro-console-consumer', () => {
  it('produce Avro JSON lines with value.schema and print them back as Avro JSON, with schema ids', async () => {
    const topic = uniqueTopic('users')
    const input = '{"name":"Ann","age":30,"email":{"string":"ann@x"},"avatar":"\\u0000ÿ"}\n{"name":"Bob","age":4}\n'
    const produced = await home.run(['avro-console-producer', '--topic', topic, '--property', `value.schema=${USER}`], {
      input,
    })
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const consumed = await consume('avro-console-consumer', topic, '--property', 'print.schema.ids=true')
    expect(consumed.stdout).toBe(
      '{"name":"Ann","age":30,"email":{"string":"ann@x"},"avatar":"\\u0000ÿ"}\t1\n' +
        '{"name":"Bob","age":4,"email":null,"avatar":""}\t1\n',
    )
    expect(consumed.stderr).toBe('Processed a total of 2 messages\n')
  })

  it('reads keys with key.schema or a key.serializer, and prints them with print.key', async () => {
    const topic = uniqueTopic('users')
    const avroKeys = await home.run(
      [
        'avro-console-producer',
        '--topic',
        topic,
        '--property',
        'parse.key=true',
        '--property',
        'key.schema={"type":"string"}',
        '--property',
        `value.schema=${USER}`,
      ],
      {input: '"ann"\t{"name":"Ann","age":30}\n'},
    )
    expect(avroKeys.stderr).toBe('')
    const stringKeys = await home.run(
      [
        'avro-console-producer',
        '--topic',
        topic,
        '--property',
        'parse.key=true',
        '--property',
        'key.serializer=org.apache.kafka.common.serialization.StringSerializer',
        '--property',
        'value.schema.id=2',
      ],
      {input: 'bob\t{"name":"Bob","age":4}\n'},
    )
    expect(stringKeys.stderr).toBe('')
    const avro = await consume('avro-console-consumer', topic, '--max-messages', '1', '--property', 'print.key=true')
    expect(avro.stdout).toBe('"ann"\t{"name":"Ann","age":30,"email":null,"avatar":""}\n')
    const strings = await home.run([
      'avro-console-consumer',
      '--topic',
      topic,
      '--partition',
      '0',
      '--offset',
      '1',
      '--max-messages',
      '1',
      '--property',
      'print.key=true',
      '--property',
      'key.deserializer=org.apache.kafka.common.serialization.StringDeserializer',
      '--property',
      'print.schema.ids=true',
    ])
    expect(strings.stdout).toBe('bob\t{"name":"Bob","age":4,"email":null,"avatar":""}\t2\n')
    const registry = new SchemaRegistryClient({}, {home: home.dir})
    expect(await registry.getAllSubjects()).toEqual([`${topic}-key`, `${topic}-value`])
    await registry.close()
  })

  it('stops at a line that does not match the schema, naming the line and the field, after the lines before it', async () => {
    const topic = uniqueTopic('users')
    const schemaFile = join(home.dir, 'user.avsc')
    writeFileSync(schemaFile, USER)
    const produced = await home.run(
      ['avro-console-producer', '--topic', topic, '--property', `value.schema.file=${schemaFile}`],
      {input: '{"name":"a","age":1}\n{"name":"b","age":2}\n{"name":"c","age":"abc"}\n{"name":"d","age":4}\n'},
    )
    expect(produced.code).toBe(1)
    expect(produced.stderr).toBe(
      'Error: Error deserializing json {"name":"c","age":"abc"} to Avro of schema example.User on line 3: Field "age" of record "example.User": expected int, got "abc".\n',
    )
    expect((await consume('avro-console-consumer', topic)).stdout).toBe(
      '{"name":"a","age":1,"email":null,"avatar":""}\n{"name":"b","age":2,"email":null,"avatar":""}\n',
    )
  })

  it('with auto.register=false refuses an unregistered schema, and with use.latest.version writes with the latest', async () => {
    const topic = uniqueTopic('users')
    const refused = await home.run(
      [
        'avro-console-producer',
        '--topic',
        topic,
        '--property',
        `value.schema=${USER}`,
        '--property',
        'auto.register=false',
      ],
      {input: '{"name":"a","age":1}\n'},
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      new RegExp(
        `Error retrieving Avro schema for subject '${topic}-value': .*\\(error code 40401\\)\\. Register the schema first, or set auto.register.schemas=true\\.`,
      ),
    )
    const registry = new SchemaRegistryClient({}, {home: home.dir})
    const id = await registry.register(`${topic}-value`, {schema: USER})
    await registry.close()
    const latest = await home.run(
      [
        'avro-console-producer',
        '--topic',
        topic,
        '--property',
        `value.schema=${USER}`,
        '--property',
        'auto.register=false',
        '--property',
        'use.latest.version=true',
      ],
      {input: '{"name":"b","age":2}\n'},
    )
    expect(latest.stderr).toBe('')
    const consumed = await consume('avro-console-consumer', topic, '--property', 'print.schema.ids=true')
    expect(consumed.stdout).toBe(`{"name":"b","age":2,"email":null,"avatar":""}\t${id}\n`)
  })

  it('refuses a missing schema, a schema id the registry lacks and an invalid schema, each in one line', async () => {
    const topic = uniqueTopic('users')
    const noSchema = await home.run(['avro-console-producer', '--topic', topic], {input: '{}\n'})
    expect(noSchema.code).toBe(2)
    expect(noSchema.stderr).toMatch(
      /Must provide the value schema in either value.schema, value.schema.id, or value.schema.file/,
    )
    const badId = await home.run(['avro-console-producer', '--topic', topic, '--property', 'value.schema.id=99'], {
      input: '{}\n',
    })
    expect(badId.code).toBe(1)
    expect(badId.stderr).toMatch(/^Error: Error retrieving schema for id 99: .*40403/)
    const invalid = await home.run(
      ['avro-console-producer', '--topic', topic, '--property', 'value.schema={"type":"record","name":"X"}'],
      {input: '{}\n'},
    )
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toMatch(/^Error: Invalid value schema: Avro schema/)
  })

  it('fails at a record not in the wire format, naming its offset, or skips it with --skip-message-on-error', async () => {
    const topic = uniqueTopic('mixed')
    const producer = new KafkaProducer(home.config)
    await producer.send({topic, value: 'plain text'})
    await producer.close()
    const failed = await consume('avro-console-consumer', topic)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(
      new RegExp(
        `Error processing message at offset 0 of partition ${topic}-0: Error deserializing Avro message: Unknown magic byte!`,
      ),
    )
    const skipped = await consume('avro-console-consumer', topic, '--skip-message-on-error')
    expect(skipped.code).toBe(0)
    expect(skipped.stderr).toMatch(/ERROR Error processing message, skipping this message: .*Unknown magic byte!/)
  })
})

describe('the console tools against an HTTPS registry', () => {
  it('round trip Avro records with --property schema.registry.url=https://... and schema.registry.ssl.ca.location', async () => {
    home.setServerProperties({
      'kafkalite.schema.registry.listeners': 'https://127.0.0.1:0',
      'kafkalite.schema.registry.ssl.keystore.location': fixture('broker.pem'),
      'kafkalite.schema.registry.basic.auth.users': 'ci:secret',
    })
    const started = await home.run(['daemon', 'start', '--json'])
    expect(started.code, started.stderr).toBe(0)
    const url = (JSON.parse(started.stdout) as {schemaRegistry: {url: string}[]}).schemaRegistry[0]!.url
    const registry = [
      '--property',
      `schema.registry.url=${url}`,
      '--property',
      'basic.auth.credentials.source=USER_INFO',
      '--property',
      'basic.auth.user.info=ci:secret',
    ]
    const trusted = [...registry, '--property', `schema.registry.ssl.ca.location=${fixture('ca.pem')}`]
    const topic = uniqueTopic('users')
    const produced = await home.run(
      ['avro-console-producer', '--topic', topic, '--property', `value.schema=${USER}`, ...trusted],
      {input: '{"name":"Ann","age":30}\n{"name":"Bob","age":4,"email":{"string":"bob@x"}}\n'},
    )
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const consumed = await consume('avro-console-consumer', topic, '--property', 'print.schema.ids=true', ...trusted)
    expect(consumed.stdout).toBe(
      '{"name":"Ann","age":30,"email":null,"avatar":""}\t1\n' +
        '{"name":"Bob","age":4,"email":{"string":"bob@x"},"avatar":""}\t1\n',
    )
    expect(consumed.stderr).toBe('Processed a total of 2 messages\n')
    // The schema went to the registry over HTTPS: the daemon's one registry, which the socket sees.
    const local = new SchemaRegistryClient({}, {home: home.dir})
    expect(await local.getAllSubjects()).toEqual([`${topic}-value`])
    await local.close()

    // A registry it does not trust: one line naming the URL and the setting, before any record is sent.
    const untrusted = await home.run(
      ['avro-console-producer', '--topic', topic, '--property', `value.schema=${USER}`, ...registry],
      {input: '{"name":"Cy","age":5}\n'},
    )
    expect(untrusted.code).toBe(1)
    expect(untrusted.stderr.trim().split('\n')).toHaveLength(1)
    expect(untrusted.stderr).toContain(`TLS with the schema registry at ${url} failed: its certificate is not trusted`)
    expect(untrusted.stderr).toContain('set schema.registry.ssl.ca.location to a PEM file of the CA that signed it.')
    // The consumer names the record it could not read, and does not offer to skip it: every record would go.
    const reader = await consume('avro-console-consumer', topic, ...registry)
    expect(reader.code).toBe(1)
    const errors = reader.stderr.split('\n').filter((l) => l.startsWith('Error: '))
    expect(errors).toEqual([
      expect.stringMatching(
        /^Error: Error processing message at offset 0 of partition .*: Error retrieving Avro schema for id 1: TLS with the schema registry at .* failed: its certificate is not trusted \(.+\): set schema\.registry\.ssl\.ca\.location to a PEM file of the CA that signed it\.$/,
      ),
    ])
    // Nor when the registry refuses its credentials.
    const refused = await consume('avro-console-consumer', topic, ...trusted, '--property', 'basic.auth.user.info=ci:x')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^Error: Error processing message at offset 0 .*Unauthorized \(error code 401\)\.$/m)
    expect(refused.stderr).not.toContain('--skip-message-on-error')
    // Nothing more was written.
    expect((await consume('avro-console-consumer', topic, ...trusted)).stdout.split('\n')).toHaveLength(3)
  })
})

describe('json-schema-console-producer and json-schema-console-consumer', () => {
  const ORDER = JSON.stringify({
    title: 'Order',
    type: 'object',
    properties: {id: {type: 'integer'}, item: {type: 'string'}},
    required: ['id'],
  })

  it('produce JSON lines checked against value.schema and print them back compact, with schema ids', async () => {
    const topic = uniqueTopic('orders')
    const produced = await home.run(
      ['json-schema-console-producer', '--topic', topic, '--property', `value.schema=${ORDER}`],
      {input: '{"id": 1, "item": "pen"}\n{"id":2}\n{"item":"x"}\n'},
    )
    expect(produced.code).toBe(1)
    expect(produced.stderr).toBe(
      'Error: Validation error in JSON {"item":"x"} on line 3: the value must have property "id".\n',
    )
    const consumed = await consume('json-schema-console-consumer', topic, '--property', 'print.schema.ids=true')
    expect(consumed.stdout).toBe('{"id":1,"item":"pen"}\t1\n{"id":2}\t1\n')
    const registry = new SchemaRegistryClient({}, {home: home.dir})
    expect(await registry.getLatestSchemaMetadata(`${topic}-value`)).toMatchObject({schemaType: 'JSON'})
    await registry.close()
  })
})

describe('shims', () => {
  it("writes Confluent's kafka-avro-console-* and kafka-json-schema-console-* tools", async () => {
    const dir = join(home.dir, 'bin')
    const shims = await home.run(['shims', dir, '--json'])
    const files = (JSON.parse(shims.stdout) as {files: string[]}).files.map((f) => f.slice(dir.length + 1))
    for (const tool of [
      'kafka-avro-console-producer',
      'kafka-avro-console-consumer',
      'kafka-json-schema-console-producer',
      'kafka-json-schema-console-consumer',
    ]) {
      expect(files).toContain(tool)
      expect(files).toContain(`${tool}.sh`)
    }
  })
})
