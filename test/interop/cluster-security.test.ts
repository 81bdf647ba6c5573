// kafkalite's commands against a Kafka broker that asks for TLS and SASL: Apache Kafka's own, started by this file with
// SSL, SASL_SSL and SASL_PLAINTEXT listeners, PEM stores made with openssl, SCRAM users created as Kafka creates them
// (kafka-storage.sh format --add-scram), and a PLAIN user in its JAAS settings. Each client setting comes from a
// --command-config file as a Kafka user writes it.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {freePort, startApacheKafka, stopBroker, type BrokerHandle} from './harness/broker.js'
import {broker, unique} from './harness/context.js'
import {runKafkaTool, runKafkalite} from './harness/env.js'

const dir = mkdtempSync(join(tmpdir(), 'kafkalite-security-'))
const home = join(dir, 'home')
let secured: BrokerHandle | undefined
const ports = {ssl: 0, saslSsl: 0, saslPlain: 0}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
}

/** A CA, and a broker certificate it signs for localhost and 127.0.0.1; another CA nobody trusts. */
function makeCertificates(): void {
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
    )
  }
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'broker.key',
    '-out',
    'broker.csr',
  )
  openssl(
    'x509',
    '-req',
    '-in',
    'broker.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'broker.pem',
  )
  // Kafka's PEM key store: the PKCS#8 private key, then the certificate chain.
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'broker.key', '-out', 'broker-pkcs8.key')
  execFileSync('sh', ['-c', 'cat broker-pkcs8.key broker.pem > broker-keystore.pem'], {cwd: dir})
}

beforeAll(async () => {
  if (broker.kind !== 'apache-kafka') return
  makeCertificates()
  ports.ssl = await freePort()
  ports.saslSsl = await freePort()
  ports.saslPlain = await freePort()
  secured = await startApacheKafka(join(dir, 'kafka'), {
    listeners: [
      {name: 'SSL', protocol: 'SSL', host: '127.0.0.1', port: ports.ssl, advertisedHost: 'localhost'},
      {name: 'SASL_SSL', protocol: 'SASL_SSL', host: '127.0.0.1', port: ports.saslSsl, advertisedHost: 'localhost'},
      {name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT', host: '127.0.0.1', port: ports.saslPlain},
    ],
    props: [
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(dir, 'broker-keystore.pem')}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(dir, 'ca.pem')}`,
      'ssl.client.auth=none',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ],
    formatArgs: [
      '--add-scram',
      'SCRAM-SHA-256=[name=alice,password=alice-secret]',
      '--add-scram',
      'SCRAM-SHA-512=[name=carol,password=carol-secret]',
    ],
  })
}, 180_000)

afterAll(async () => {
  if (secured) await stopBroker(secured)
  rmSync(dir, {recursive: true, force: true})
})

const kafkalite = (args: readonly string[], input?: string) => runKafkalite(home, args, input)

/** A --command-config file with these lines. */
function properties(name: string, lines: string[]): string {
  const path = join(dir, `${name}.properties`)
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

const trust = (ca = 'ca.pem') => ['ssl.truststore.type=PEM', `ssl.truststore.location=${join(dir, ca)}`]
const jaas = (module: 'plain' | 'scram', user: string, password: string) =>
  `sasl.jaas.config=org.apache.kafka.common.security.${module}.${module === 'plain' ? 'Plain' : 'Scram'}LoginModule required username="${user}" password="${password}";`

describe.skipIf(broker.kind !== 'apache-kafka')('kafkalite against a Kafka broker with TLS and SASL', () => {
  it('lists topics over SSL, trusting the broker’s CA from a PEM file', async () => {
    const config = properties('ssl', ['security.protocol=SSL', ...trust()])
    const r = await kafkalite([
      'topics',
      '--bootstrap-server',
      `localhost:${ports.ssl}`,
      '--list',
      '--command-config',
      config,
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('creates, fills and reads a topic over SASL_SSL with SCRAM-SHA-256 and SCRAM-SHA-512', async () => {
    const topic = unique('secured')
    const alice = properties('alice', [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-256',
      jaas('scram', 'alice', 'alice-secret'),
      ...trust(),
    ])
    const bs = ['--bootstrap-server', `localhost:${ports.saslSsl}`]
    const created = await kafkalite(['topics', ...bs, '--create', '--topic', topic, '--command-config', alice])
    expect(created.stderr).toBe('')
    expect(created.stdout).toBe(`Created topic ${topic}.\n`)
    const produced = await kafkalite(
      ['console-producer', ...bs, '--topic', topic, '--producer.config', alice],
      'one\ntwo\n',
    )
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const carol = properties('carol', [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      jaas('scram', 'carol', 'carol-secret'),
      ...trust(),
    ])
    const consumed = await kafkalite([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '2',
      '--consumer.config',
      carol,
    ])
    expect(consumed.code).toBe(0)
    expect(consumed.stdout).toBe('one\ntwo\n')
  })

  it('authenticates with PLAIN over SASL_PLAINTEXT', async () => {
    const bob = properties('bob', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      jaas('plain', 'bob', 'bob-secret'),
    ])
    const r = await kafkalite([
      'topics',
      '--bootstrap-server',
      `127.0.0.1:${ports.saslPlain}`,
      '--list',
      '--command-config',
      bob,
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('fails at once, in one line, on a wrong password, an untrusted certificate or a mechanism not enabled', async () => {
    const cases: [string, string[], string, RegExp][] = [
      [
        'wrong-password',
        ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-256', jaas('scram', 'alice', 'nope'), ...trust()],
        `localhost:${ports.saslSsl}`,
        /refused user 'alice' \(SCRAM-SHA-256\): Authentication failed/,
      ],
      [
        'untrusted',
        ['security.protocol=SSL', ...trust('other-ca.pem')],
        `localhost:${ports.ssl}`,
        /SSL handshake with the Kafka broker at localhost:\d+ failed: .*certificate/i,
      ],
      [
        'no-mechanism',
        ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-256', jaas('scram', 'alice', 'alice-secret')],
        `127.0.0.1:${ports.saslPlain}`,
        /does not enable SASL mechanism SCRAM-SHA-256 \(it enables PLAIN\)/,
      ],
    ]
    for (const [name, lines, address, message] of cases) {
      const config = properties(name, [...lines, 'request.timeout.ms=20000'])
      const started = Date.now()
      const r = await kafkalite(['topics', '--bootstrap-server', address, '--list', '--command-config', config])
      expect(r.code, name).toBe(1)
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1)
      expect(r.stderr, name).toMatch(message)
      expect(Date.now() - started, `${name}: no retry until the timeout`).toBeLessThan(10_000)
    }
  })

  it("manages SCRAM users and topic configs as Kafka's kafka-configs does, printing what it prints", async () => {
    const bob = properties('bob-configs', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      jaas('plain', 'bob', 'bob-secret'),
    ])
    const connect = ['--bootstrap-server', `127.0.0.1:${ports.saslPlain}`, '--command-config', bob]
    const theirs = async (...args: string[]) =>
      (await runKafkaTool('org.apache.kafka.tools.ConfigCommand', [...connect, ...args])).stdout
    const ours = async (...args: string[]) => {
      const r = await kafkalite(['configs', ...connect, ...args])
      expect(r.stderr).toBe('')
      return r.stdout
    }
    // A user created by kafkalite's configs, salted by kafkalite, authenticates against Kafka's broker.
    expect(
      await ours(
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        'erin',
        '--add-config',
        'SCRAM-SHA-512=[iterations=8192,password=erin-secret],SCRAM-SHA-256=[password=erin-256]',
      ),
    ).toBe('Completed updating config for user erin.\n')
    const described = ['--describe', '--entity-type', 'users', '--entity-name', 'erin']
    expect(await ours(...described)).toBe(await theirs(...described))
    expect(await ours('--describe', '--entity-type', 'users', '--entity-name', 'nobody')).toBe(
      await theirs('--describe', '--entity-type', 'users', '--entity-name', 'nobody'),
    )
    const erin = properties('erin', [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      jaas('scram', 'erin', 'erin-secret'),
      ...trust(),
    ])
    const listed = await kafkalite([
      'topics',
      '--bootstrap-server',
      `localhost:${ports.saslSsl}`,
      '--list',
      '--command-config',
      erin,
    ])
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    // Topic configs: altered by kafkalite, described by both, byte for byte.
    const topic = unique('configs')
    expect((await kafkalite(['topics', ...connect, '--create', '--topic', topic])).code).toBe(0)
    expect(
      await ours('--alter', '--topic', topic, '--add-config', 'retention.ms=86400000,cleanup.policy=[compact,delete]'),
    ).toBe(`Completed updating config for topic ${topic}.\n`)
    for (const args of [
      ['--describe', '--topic', topic],
      ['--describe', '--entity-type', 'topics', '--entity-name', topic],
      ['--describe', '--topic', topic, '--all'],
    ]) {
      expect(await ours(...args), args.join(' ')).toBe(await theirs(...args))
    }
  }, 120_000)
})
