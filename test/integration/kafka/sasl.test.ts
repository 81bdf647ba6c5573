// kafkalite's SASL listeners (SASL_PLAINTEXT, SASL_SSL) with PLAIN users given as Kafka gives them, reached by
// kafkalite's own client from another home, and by a bare Kafka connection that tries to skip authentication.
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'
import {APIS} from '../../../src/protocol/kafka/codec/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'
import {KafkaWireClient} from '../../helpers/kafka-wire.js'

const TLS = fileURLToPath(new URL('../../fixtures/tls', import.meta.url))
const broker = TestHome.forEachTest()
const client = TestHome.forEachTest()

afterEach(() => {
  expect(existsSync(join(client.dir, 'daemon.pid'))).toBe(false)
})

const USERS = {
  'sasl.enabled.mechanisms': 'PLAIN',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config':
    'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";',
}

function properties(name: string, lines: string[]): string {
  const path = join(client.dir, `${name}.properties`)
  writeFileSync(path, [...lines, 'request.timeout.ms=10000'].join('\n') + '\n')
  return path
}

const plain = (user: string, password: string, protocol = 'SASL_PLAINTEXT') => [
  `security.protocol=${protocol}`,
  'sasl.mechanism=PLAIN',
  `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${password}";`,
]

describe('a SASL listener', () => {
  it('serves a user who authenticates with PLAIN, and refuses a wrong password or mechanism at once in one line', async () => {
    broker.setServerProperties({listeners: 'SASL_PLAINTEXT://127.0.0.1:0', ...USERS})
    const port = await broker.kafkaPort()
    const bs = ['--bootstrap-server', `127.0.0.1:${port}`]
    const topic = uniqueTopic()
    const alice = properties('alice', plain('alice', 'alice-secret'))
    const created = await client.run(['topics', ...bs, '--create', '--topic', topic, '--command-config', alice])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    const produced = await client.run(['console-producer', ...bs, '--topic', topic, '--producer.config', alice], {
      input: 'a\nb\n',
    })
    expect(produced.code).toBe(0)
    const bob = properties('bob', plain('bob', 'bob-secret'))
    const consumed = await client.run([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '2',
      '--consumer.config',
      bob,
    ])
    expect(consumed.stdout).toBe('a\nb\n')

    const cases: [string, string[], RegExp][] = [
      [
        'wrong',
        plain('alice', 'nope'),
        /refused user 'alice' \(PLAIN\): Authentication failed: Invalid username or password/,
      ],
      ['nobody', plain('mallory', 'x'), /refused user 'mallory' \(PLAIN\)/],
      [
        'scram',
        [
          'security.protocol=SASL_PLAINTEXT',
          'sasl.mechanism=SCRAM-SHA-256',
          'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
        ],
        /does not enable SASL mechanism SCRAM-SHA-256 \(it enables PLAIN\)/,
      ],
    ]
    for (const [name, lines, message] of cases) {
      const started = Date.now()
      const r = await client.run(['topics', ...bs, '--list', '--command-config', properties(name, lines)])
      expect(r.code, name).toBe(1)
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1)
      expect(r.stderr, name).toMatch(message)
      expect(Date.now() - started, name).toBeLessThan(8_000)
    }
  })

  it('closes a connection that sends anything but ApiVersions and SASL before authenticating', async () => {
    broker.setServerProperties({listeners: 'SASL_PLAINTEXT://127.0.0.1:0', ...USERS})
    const port = await broker.kafkaPort()
    const wire = await KafkaWireClient.connect(port)
    const versions = await wire.request(APIS.ApiVersions, 0, {})
    expect(versions.apiKeys.map((k) => k.apiKey)).toEqual(expect.arrayContaining([17, 36]))
    await expect(wire.request(APIS.Metadata, 1, {topics: null})).rejects.toThrow(/closed the connection/)
    // The daemon serves on: a client that authenticates is answered.
    const r = await client.run([
      'topics',
      '--bootstrap-server',
      `127.0.0.1:${port}`,
      '--list',
      '--command-config',
      properties('alice', plain('alice', 'alice-secret')),
    ])
    expect(r.code).toBe(0)
  })

  it('runs over TLS as SASL_SSL', async () => {
    broker.setServerProperties({
      listeners: 'SASL_SSL://127.0.0.1:0',
      'ssl.keystore.location': join(TLS, 'broker.pem'),
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    })
    const port = await broker.kafkaPort()
    const config = properties('tls', [
      ...plain('alice', 'alice-secret', 'SASL_SSL'),
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(TLS, 'ca.pem')}`,
    ])
    const r = await client.run([
      'topics',
      '--bootstrap-server',
      `localhost:${port}`,
      '--list',
      '--command-config',
      config,
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('serves SCRAM-SHA-256 and SCRAM-SHA-512 users managed with configs, stored salted, and refuses wrong ones', async () => {
    broker.setServerProperties({
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
    })
    const port = await broker.kafkaPort()
    // The broker's own home manages its users over the socket, as kafka-configs does over the wire.
    const added = await broker.run([
      'configs',
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      'alice',
      '--add-config',
      'SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-512]',
    ])
    expect(added.stderr).toBe('')
    expect(added.stdout).toBe('Completed updating config for user alice.\n')
    const described = await broker.run(['configs', '--describe', '--entity-type', 'users', '--entity-name', 'alice'])
    expect(described.stdout).toBe(
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n",
    )
    // Never the password: the database holds salts and keys only.
    const db = readFileSync(join(broker.dir, 'kafkalite.db')).toString('latin1')
    const wal = existsSync(join(broker.dir, 'kafkalite.db-wal'))
      ? readFileSync(join(broker.dir, 'kafkalite.db-wal')).toString('latin1')
      : ''
    expect(db + wal).not.toContain('alice-secret')

    const scram = (mechanism: string, user: string, password: string) => [
      'security.protocol=SASL_PLAINTEXT',
      `sasl.mechanism=${mechanism}`,
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    ]
    const bs = ['--bootstrap-server', `127.0.0.1:${port}`]
    const topic = uniqueTopic()
    const sha256 = properties('sha256', scram('SCRAM-SHA-256', 'alice', 'alice-secret'))
    const created = await client.run(['topics', ...bs, '--create', '--topic', topic, '--command-config', sha256])
    expect(created.stderr).toBe('')
    const sha512 = properties('sha512', scram('SCRAM-SHA-512', 'alice', 'alice-512'))
    const listed = await client.run(['topics', ...bs, '--list', '--command-config', sha512])
    expect(listed.stdout).toContain(topic)

    for (const [name, lines] of [
      ['wrong', scram('SCRAM-SHA-256', 'alice', 'nope')],
      ['nobody', scram('SCRAM-SHA-256', 'mallory', 'x')],
      ['crossed', scram('SCRAM-SHA-512', 'alice', 'alice-secret')],
    ] as const) {
      const r = await client.run(['topics', ...bs, '--list', '--command-config', properties(name, [...lines])])
      expect(r.code, name).toBe(1)
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1)
      expect(r.stderr, name).toMatch(
        /Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-(256|512)/,
      )
    }

    // Deleted, the credential no longer authenticates; the other mechanism still does.
    const deleted = await broker.run(['configs', '--alter', '--user', 'alice', '--delete-config', 'SCRAM-SHA-256'])
    expect(deleted.stdout).toBe('Completed updating config for user alice.\n')
    expect((await client.run(['topics', ...bs, '--list', '--command-config', sha256])).code).toBe(1)
    expect((await client.run(['topics', ...bs, '--list', '--command-config', sha512])).code).toBe(0)
    // Users survive a restart.
    await broker.run(['daemon', 'stop'])
    await broker.run(['daemon', 'start'])
    const again = await broker.kafkaPort()
    const after = await client.run([
      'topics',
      '--bootstrap-server',
      `127.0.0.1:${again}`,
      '--list',
      '--command-config',
      sha512,
    ])
    expect(after.stdout).toContain(topic)
  })

  it('creates SCRAM users given to storage format --add-scram, as kafka-storage.sh does, at the first start', async () => {
    const props = join(broker.dir, 'server.properties')
    broker.setServerProperties({
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    })
    const formatted = await broker.run([
      'storage',
      'format',
      '-t',
      'AAAAAAAAAAAAAAAAAAAAAA',
      '-c',
      props,
      '--add-scram',
      'SCRAM-SHA-512=[name=carol,iterations=8192,password=carol-secret]',
    ])
    expect(formatted.stderr).toBe('')
    const pending = join(broker.dir, 'scram-bootstrap.json')
    expect(statSync(pending).mode & 0o777).toBe(0o600)
    expect(readFileSync(pending, 'utf8')).not.toContain('carol-secret') // salted, never the password
    const port = await broker.kafkaPort()
    const carol = properties('carol', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="carol-secret";',
    ])
    const listed = await client.run([
      'topics',
      '--bootstrap-server',
      `127.0.0.1:${port}`,
      '--list',
      '--command-config',
      carol,
    ])
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect(existsSync(pending)).toBe(false) // stored, and the file gone
    const described = await broker.run(['configs', '--describe', '--user', 'carol'])
    expect(described.stdout).toBe(
      "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=8192\n",
    )
    const bad = await broker.run([
      'storage',
      'format',
      '-t',
      'AAAAAAAAAAAAAAAAAAAAAA',
      '-c',
      props,
      '-g',
      '--add-scram',
      'SCRAM-SHA-1=[name=x,password=y]',
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /^Error: Invalid --add-scram 'SCRAM-SHA-1=\[name=x,password=y\]': unknown mechanism SCRAM-SHA-1/,
    )
  })

  it('refuses to start with a mechanism kafkalite does not speak, or without users', async () => {
    broker.setServerProperties({listeners: 'SASL_PLAINTEXT://127.0.0.1:0'})
    const gssapi = await broker.run(['daemon', 'start'])
    expect(gssapi.code).toBe(1)
    expect(gssapi.stderr).toContain('sasl.enabled.mechanisms names GSSAPI')
    broker.setServerProperties({'sasl.enabled.mechanisms': 'PLAIN'})
    const noUsers = await broker.run(['daemon', 'start'])
    expect(noUsers.code).toBe(1)
    expect(noUsers.stderr).toContain('set listener.name.sasl_plaintext.plain.sasl.jaas.config')
  })
})
