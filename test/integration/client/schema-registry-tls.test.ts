// The library against a registry over HTTPS: a real daemon serving its registry on an https listener (the test CA's
// certificate for localhost and 127.0.0.1, or one made here for another host name), reached by SchemaRegistryClient
// and by the Avro serializer and deserializer with schema.registry.ssl.* as Confluent's clients name them; basic auth
// over TLS, client certificates, the host name check, and a failure in one line that says what to set.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  AvroSchema,
  KafkaConsumer,
  type AvroSchemaDefinition,
  KafkaProducer,
  SchemaRegistryClient,
  type GenericRecord,
  type SchemaRegistryConfig,
} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'
import {fixture, selfSigned} from '../../helpers/tls.js'

const home = TestHome.forEachTest()

const USER = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [
    {name: 'name', type: 'string'},
    {name: 'age', type: 'int'},
  ],
})

/** Starts the home's daemon with its registry on the listeners given; returns the bound URLs, in order. */
async function registryUrls(properties: Record<string, string>, listeners = 'https://127.0.0.1:0'): Promise<string[]> {
  home.setServerProperties({
    'kafkalite.schema.registry.listeners': listeners,
    'kafkalite.schema.registry.ssl.keystore.location': fixture('broker.pem'),
    ...properties,
  })
  const start = await home.run(['daemon', 'start', '--json'])
  expect(start.code, start.stderr).toBe(0)
  return (JSON.parse(start.stdout) as {schemaRegistry: {url: string}[]}).schemaRegistry.map((r) => r.url)
}

/** The one-line message a call fails with. */
async function failure(config: SchemaRegistryConfig): Promise<string> {
  const client = new SchemaRegistryClient(config)
  try {
    const error = await client.getAllSubjects().then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error, 'the call should fail').toBeInstanceOf(Error)
    expect(error!.message).not.toContain('\n')
    return error!.message
  } finally {
    await client.close()
  }
}

describe('SchemaRegistryClient over HTTPS', () => {
  it('trusts the registry by schema.registry.ssl.ca.location, with basic auth over TLS', async () => {
    const [url] = await registryUrls({'kafkalite.schema.registry.basic.auth.users': 'alice:secret'})
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const tls = {'schema.registry.ssl.ca.location': fixture('ca.pem')}
    const client = new SchemaRegistryClient({
      'schema.registry.url': url,
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'alice:secret',
      ...tls,
    })
    try {
      const id = await client.register('users-value', {schema: USER})
      expect(await client.getLatestSchemaMetadata('users-value')).toMatchObject({id, version: 1, schema: USER})
      expect(await client.getAllSubjects()).toEqual(['users-value'])
    } finally {
      await client.close()
    }
    // The certificate names localhost too; Java's truststore names read the same PEM file.
    const byName = new SchemaRegistryClient({
      'schema.registry.url': url!.replace('127.0.0.1', 'localhost'),
      'basic.auth.user.info': 'alice:secret',
      'schema.registry.ssl.truststore.type': 'PEM',
      'schema.registry.ssl.truststore.location': fixture('ca.pem'),
    })
    try {
      expect(await byName.getAllSubjects()).toEqual(['users-value'])
    } finally {
      await byName.close()
    }
    const wrong = new SchemaRegistryClient({'schema.registry.url': url, 'basic.auth.user.info': 'alice:nope', ...tls})
    try {
      await expect(wrong.getAllSubjects()).rejects.toMatchObject({status: 401, errorCode: 401})
    } finally {
      await wrong.close()
    }
  })

  it('fails in one line naming the URL and schema.registry.ssl.ca.location when it does not trust the certificate', async () => {
    const [https, http] = await registryUrls({}, 'https://127.0.0.1:0,http://127.0.0.1:0')
    const untrusted = new RegExp(
      `^TLS with the schema registry at ${https!.replace(/\./g, '\\.')} failed: its certificate is not trusted \\(.+\\): set schema\\.registry\\.ssl\\.ca\\.location to a PEM file of the CA that signed it\\.$`,
    )
    expect(
      await failure({'schema.registry.url': https, 'schema.registry.ssl.ca.location': fixture('other-ca.pem')}),
    ).toMatch(untrusted)
    // Node's own CAs do not know the test CA either.
    expect(await failure({'schema.registry.url': https})).toMatch(untrusted)
    // https:// to a port that serves plain HTTP.
    const plain = http!.replace('http://', 'https://')
    expect(await failure({'schema.registry.url': plain, 'schema.registry.ssl.ca.location': fixture('ca.pem')})).toMatch(
      new RegExp(
        `^TLS with the schema registry at ${plain.replace(/\./g, '\\.')} failed: it does not speak TLS there .*: use http:// if the registry serves plain HTTP\\.$`,
      ),
    )
  })

  it('checks the certificate’s host name unless schema.registry.ssl.endpoint.identification.algorithm is empty', async () => {
    // A certificate for another host (made here), its key encrypted: the listener reads it with the key's password.
    const other = selfSigned(home.dir, 'registry', 'registry.example', 'key-secret')
    const [url] = await registryUrls({
      'kafkalite.schema.registry.ssl.keystore.location': other.keyStore,
      'kafkalite.schema.registry.ssl.key.password': 'key-secret',
    })
    const config = {'schema.registry.url': url, 'schema.registry.ssl.ca.location': other.certificate}
    expect(await failure(config)).toMatch(
      /failed: its certificate names DNS:registry\.example, not 127\.0\.0\.1: use a host name the certificate names, or set schema\.registry\.ssl\.endpoint\.identification\.algorithm= \(empty\) to skip the check\.$/,
    )
    for (const algorithm of ['', 'none']) {
      const client = new SchemaRegistryClient({
        ...config,
        'schema.registry.ssl.endpoint.identification.algorithm': algorithm,
      })
      try {
        expect(await client.register('s', {schema: '"int"'})).toBe(1)
      } finally {
        await client.close()
      }
    }
    // Skipping the name check still checks the CA.
    expect(
      await failure({
        'schema.registry.url': url,
        'schema.registry.ssl.ca.location': fixture('ca.pem'),
        'schema.registry.ssl.endpoint.identification.algorithm': '',
      }),
    ).toMatch(/its certificate is not trusted/)
  })

  it('presents a client certificate to a registry with ssl.client.auth=required', async () => {
    const [url] = await registryUrls({
      'kafkalite.schema.registry.ssl.truststore.location': fixture('ca.pem'),
      'kafkalite.schema.registry.ssl.client.auth': 'required',
    })
    const trust = {'schema.registry.url': url, 'schema.registry.ssl.ca.location': fixture('ca.pem')}
    expect(await failure(trust)).toMatch(
      /failed: it asks for a client certificate \(.+\): set schema\.registry\.ssl\.certificate\.location and schema\.registry\.ssl\.key\.location\.$/,
    )
    const stranger = selfSigned(home.dir, 'stranger', 'stranger')
    expect(
      await failure({
        ...trust,
        'schema.registry.ssl.certificate.location': stranger.keyStore,
        'schema.registry.ssl.key.location': stranger.keyStore,
      }),
    ).toMatch(
      /failed: the registry closed the connection after the TLS handshake \(.+\): if it checks client certificates, give one signed by a CA it trusts\.$/,
    )
    for (const certificate of [
      // librdkafka's names, the key in the certificate's file
      {'schema.registry.ssl.certificate.location': fixture('client.pem')},
      // Java's: a PEM key store
      {'schema.registry.ssl.keystore.type': 'PEM', 'schema.registry.ssl.keystore.location': fixture('client.pem')},
    ]) {
      const client = new SchemaRegistryClient({...trust, ...certificate})
      try {
        expect(await client.getAllSubjects()).toEqual([])
      } finally {
        await client.close()
      }
    }
  })

  it('refuses TLS settings it cannot use when it is made, in one line naming the setting and what to do', () => {
    const url = {'schema.registry.url': 'https://127.0.0.1:8081'}
    const refused = (config: Record<string, string>) => {
      let message = ''
      try {
        new SchemaRegistryClient({...url, ...config} as SchemaRegistryConfig)
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).not.toContain('\n')
      return message
    }
    expect(refused({'schema.registry.ssl.ca.location': '/nonexistent/ca.pem'})).toBe(
      "Invalid schema.registry.ssl.ca.location '/nonexistent/ca.pem': cannot read it (ENOENT); give the path of a PEM file.",
    )
    const notPem = join(home.dir, 'truststore.jks')
    writeFileSync(notPem, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]))
    expect(refused({'schema.registry.ssl.truststore.location': notPem})).toBe(
      `Invalid schema.registry.ssl.truststore.location '${notPem}': it holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificates in PEM.`,
    )
    expect(refused({'schema.registry.ssl.truststore.type': 'JKS'})).toMatch(
      /^Invalid schema\.registry\.ssl\.truststore\.type 'JKS': kafkalite reads PEM files only: set it to PEM and convert the store/,
    )
    const certOnly = selfSigned(home.dir, 'client', 'client')
    expect(refused({'schema.registry.ssl.certificate.location': certOnly.certificate})).toBe(
      `Invalid schema.registry.ssl.certificate.location '${certOnly.certificate}': a client certificate needs its private key: set schema.registry.ssl.key.location too.`,
    )
    const encrypted = selfSigned(home.dir, 'locked', 'locked', 'right')
    for (const password of [{}, {'schema.registry.ssl.key.password': 'wrong'}] as Record<string, string>[]) {
      expect(refused({'schema.registry.ssl.certificate.location': encrypted.keyStore, ...password})).toMatch(
        /^Invalid schema\.registry\.ssl\.certificate\.location '.*locked\.pem': its private key cannot be decrypted \(.+\): give the key's password in schema\.registry\.ssl\.key\.password\.$/,
      )
    }
    expect(refused({'schema.registry.ssl.endpoint.identification.algorithm': 'HTTPS2'})).toBe(
      "Invalid schema.registry.ssl.endpoint.identification.algorithm 'HTTPS2': use https (check the host name against the certificate, the default), or empty to skip that check.",
    )
    // A TLS setting next to plain http:// URLs is not read, as in Confluent's clients.
    expect(
      refused({'schema.registry.url': 'http://127.0.0.1:8081', 'schema.registry.ssl.ca.location': '/nonexistent'}),
    ).toBe('')
  })
})

describe('the Avro serializer and deserializer over HTTPS', () => {
  it('register the writer’s schema and read it back through an HTTPS registry with basic auth', async () => {
    const [url] = await registryUrls({'kafkalite.schema.registry.basic.auth.users': 'app:app-secret'})
    const registry = {
      'schema.registry.url': url!,
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'app:app-secret',
      'schema.registry.ssl.ca.location': fixture('ca.pem'),
    }
    const topic = uniqueTopic('users')
    const schema = new AvroSchema(JSON.parse(USER) as AvroSchemaDefinition)
    const producer = new KafkaProducer<string, GenericRecord>({
      ...home.config,
      ...registry,
      'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
      'value.serializer': 'io.confluent.kafka.serializers.KafkaAvroSerializer',
    })
    try {
      await producer.send({topic, key: 'ann', value: schema.record({name: 'Ann', age: 30})})
      await producer.send({topic, key: 'bob', value: schema.record({name: 'Bob', age: 4})})
    } finally {
      await producer.close()
    }
    const consumer = new KafkaConsumer<string, GenericRecord>({
      ...home.config,
      ...registry,
      'key.deserializer': 'org.apache.kafka.common.serialization.StringDeserializer',
      'value.deserializer': 'io.confluent.kafka.serializers.KafkaAvroDeserializer',
      'auto.offset.reset': 'earliest',
    })
    const values: unknown[] = []
    try {
      consumer.assign([{topic, partition: 0}])
      const deadline = Date.now() + 15_000
      while (values.length < 2 && Date.now() < deadline) {
        for (const r of await consumer.poll(500)) values.push({key: r.key, ...r.value})
      }
    } finally {
      await consumer.close()
    }
    expect(values).toEqual([
      {key: 'ann', name: 'Ann', age: 30},
      {key: 'bob', name: 'Bob', age: 4},
    ])
    // Registered over HTTPS in the daemon's one registry: the socket sees it.
    const local = new SchemaRegistryClient({}, {home: home.dir})
    expect(await local.getLatestSchemaMetadata(`${topic}-value`)).toMatchObject({version: 1, schema: USER})
    await local.close()
  })

  it('fail the send in one line naming the registry’s URL when the CA is wrong', async () => {
    const [url] = await registryUrls({})
    const producer = new KafkaProducer<string, GenericRecord>({
      ...home.config,
      'schema.registry.url': url!,
      'schema.registry.ssl.ca.location': fixture('other-ca.pem'),
      'value.serializer': 'io.confluent.kafka.serializers.KafkaAvroSerializer',
    })
    try {
      const schema = new AvroSchema(JSON.parse(USER) as AvroSchemaDefinition)
      const error = await producer.send({topic: uniqueTopic('users'), value: schema.record({name: 'A', age: 1})}).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error?.message).not.toContain('\n')
      expect(error?.message).toContain(`TLS with the schema registry at ${url} failed: its certificate is not trusted`)
      expect(error?.message).toContain('set schema.registry.ssl.ca.location')
    } finally {
      await producer.close()
    }
  })
})
