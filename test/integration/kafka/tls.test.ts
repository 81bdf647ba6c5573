// kafkalite's SSL listener (listener.security.protocol.map NAME:SSL, PEM key store) and kafkalite's client over TLS:
// one home's daemon listens, the commands of another home (which never starts a daemon) reach it with
// security.protocol=SSL and the test CA (test/fixtures/tls).
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'
import {KafkaProducer, StringSerializer} from '../../../src/client/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const TLS = fileURLToPath(new URL('../../fixtures/tls', import.meta.url))
const broker = TestHome.forEachTest()
const client = TestHome.forEachTest()

afterEach(() => {
  expect(existsSync(join(client.dir, 'daemon.pid'))).toBe(false)
})

function properties(name: string, lines: string[]): string {
  const path = join(client.dir, `${name}.properties`)
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

const trusting = (ca = 'ca.pem') => [
  'security.protocol=SSL',
  'ssl.truststore.type=PEM',
  `ssl.truststore.location=${join(TLS, ca)}`,
  'request.timeout.ms=10000',
]

describe('an SSL listener', () => {
  it('serves kafkalite’s commands over TLS: topics, produce and consume', async () => {
    broker.setServerProperties({
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.location': join(TLS, 'broker.pem'),
    })
    const port = await broker.kafkaPort()
    const config = properties('ssl', trusting())
    const bs = ['--bootstrap-server', `localhost:${port}`]
    const topic = uniqueTopic()
    const created = await client.run(['topics', ...bs, '--create', '--topic', topic, '--command-config', config])
    expect(created.stderr).toBe('')
    expect(created.stdout).toBe(`Created topic ${topic}.\n`)
    const produced = await client.run(['console-producer', ...bs, '--topic', topic, '--producer.config', config], {
      input: 'one\ntwo\n',
    })
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const consumed = await client.run([
      'console-consumer',
      ...bs,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '2',
      '--consumer.config',
      config,
    ])
    expect(consumed.stdout).toBe('one\ntwo\n')
    // The broker's own home reads the same records over its socket.
    const local = await broker.run(['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', '2'])
    expect(local.stdout).toBe('one\ntwo\n')
  })

  it('is refused in one line by a client that does not trust its certificate, or that speaks PLAINTEXT to it', async () => {
    broker.setServerProperties({listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': join(TLS, 'broker.pem')})
    const port = await broker.kafkaPort()
    const untrusting = properties('other', trusting('other-ca.pem'))
    const started = Date.now()
    const r = await client.run([
      'topics',
      '--bootstrap-server',
      `localhost:${port}`,
      '--list',
      '--command-config',
      untrusting,
    ])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(
      new RegExp(`SSL handshake with the Kafka broker at localhost:${port} failed: .*certificate`),
    )
    expect(Date.now() - started).toBeLessThan(8_000) // at once, not after request.timeout.ms
    // A PLAINTEXT client gets no Kafka answer from a TLS port: it fails after its timeout, naming the address.
    const plain = properties('plain', ['request.timeout.ms=1500'])
    const p = await client.run([
      'topics',
      '--bootstrap-server',
      `localhost:${port}`,
      '--list',
      '--command-config',
      plain,
    ])
    expect(p.code).toBe(1)
    expect(p.stderr).toContain(`localhost:${port}`)
    // The daemon is still there for a client that does trust it.
    const ok = await client.run([
      'topics',
      '--bootstrap-server',
      `localhost:${port}`,
      '--list',
      '--command-config',
      properties('ok', trusting()),
    ])
    expect(ok.code).toBe(0)
  })

  it('asks for a client certificate with ssl.client.auth=required', async () => {
    broker.setServerProperties({
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.location': join(TLS, 'broker.pem'),
      'ssl.truststore.location': join(TLS, 'ca.pem'),
      'ssl.client.auth': 'required',
    })
    const port = await broker.kafkaPort()
    const bs = ['--bootstrap-server', `localhost:${port}`]
    const without = await client.run(['topics', ...bs, '--list', '--command-config', properties('anon', trusting())])
    expect(without.code).toBe(1)
    expect(without.stderr.trim().split('\n')).toHaveLength(1)
    const withCert = properties('cert', [
      ...trusting(),
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(TLS, 'client.pem')}`,
    ])
    const r = await client.run(['topics', ...bs, '--list', '--command-config', withCert])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it("takes a client certificate's subject as the user of client quotas, as Kafka's principal builder does", async () => {
    broker.setServerProperties({
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.location': join(TLS, 'broker.pem'),
      'ssl.truststore.location': join(TLS, 'ca.pem'),
      'ssl.client.auth': 'required',
      // One window of credit: a quota shows at once.
      'quota.window.num': 2,
    })
    const port = await broker.kafkaPort()
    const topic = uniqueTopic('tls-quota')
    const throttled = async () => {
      const producer = new KafkaProducer(
        {
          ...client.config,
          'bootstrap.servers': `localhost:${port}`,
          'security.protocol': 'SSL',
          'ssl.truststore.type': 'PEM',
          'ssl.truststore.location': join(TLS, 'ca.pem'),
          'ssl.keystore.type': 'PEM',
          'ssl.keystore.location': join(TLS, 'client.pem'),
          'linger.ms': '0',
        },
        new StringSerializer(),
        new StringSerializer(),
      )
      try {
        for (let i = 0; i < 3; i++) await producer.send({topic, partition: 0, key: null, value: 'v'.repeat(20_000)})
        return producer.metrics().get('produce-throttle-time-max')!.value
      } finally {
        await producer.close()
      }
    }
    const quota = (user: string) =>
      broker.run(['configs', '--alter', '--user', user, '--add-config', 'producer_byte_rate=20000'])
    // A quota for another user: not this client's.
    expect((await quota('CN=someone-else')).code).toBe(0)
    expect(await throttled()).toBe(0)
    // The certificate's subject (test/fixtures/tls/client.pem: CN=test-client) is the user.
    expect((await quota('CN=test-client')).code).toBe(0)
    expect(await throttled()).toBeGreaterThan(0)
  }, 30_000)

  it('refuses to start without a PEM key store, in one line naming what to set', async () => {
    broker.setServerProperties({listeners: 'SSL://127.0.0.1:0'})
    const none = await broker.run(['daemon', 'start'])
    expect(none.code).toBe(1)
    expect(none.stderr.trim().split('\n')).toHaveLength(1)
    expect(none.stderr).toContain('Listener SSL (SSL): set ssl.keystore.location')
    broker.setServerProperties({
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.type': 'JKS',
      'ssl.keystore.location': '/nonexistent/broker.jks',
    })
    const jks = await broker.run(['daemon', 'start'])
    expect(jks.code).toBe(1)
    expect(jks.stderr).toContain('ssl.keystore.type=JKS: kafkalite reads PEM stores only')
  })
})
