// kafkalite's own SSL and SASL listeners with clients nobody here wrote: confluent-kafka (librdkafka) produces and
// lists topics through SASL_PLAINTEXT and SASL_SSL with PLAIN and SCRAM, and is refused a wrong password as Kafka
// refuses it; Kafka's own kafka-configs (ConfigCommand) manages kafkalite's SCRAM users over the wire and prints what
// kafkalite's configs prints.
// The daemon is started here, in a home of its own, whichever broker the rest of the suite runs against.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {INTEROP_DIR, ROOT, interopEnv, runKafkaTool} from './harness/env.js'

const home = mkdtempSync(join(tmpdir(), 'kafkalite-security-'))
const TLS = join(ROOT, 'test', 'fixtures', 'tls')
const ports = {plain: 0, tls: 0}
const cli = (args: string[]) =>
  execFileSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {env: {...process.env, KAFKALITE_HOME: home}})

beforeAll(() => {
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'
  writeFileSync(
    join(home, 'server.properties'),
    [
      'listeners=SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas}`,
      `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas}`,
      `ssl.keystore.location=${join(TLS, 'broker.pem')}`,
    ].join('\n') + '\n',
  )
  cli(['daemon', 'start'])
  const status = JSON.parse(cli(['daemon', 'status', '--json']).toString()) as {
    listeners: {name: string; port: number}[]
  }
  ports.plain = status.listeners.find((l) => l.name === 'SASL_PLAINTEXT')!.port
  ports.tls = status.listeners.find((l) => l.name === 'SASL_SSL')!.port
})

afterAll(() => {
  cli(['daemon', 'stop'])
  rmSync(home, {recursive: true, force: true})
})

function check(...args: string[]): {ok: boolean; topics?: string[]; error?: string} {
  return checkWith('PLAIN', ...args)
}

function checkWith(mechanism: string, ...args: string[]): {ok: boolean; topics?: string[]; error?: string} {
  const out = execFileSync(interopEnv().python, [join(INTEROP_DIR, 'python', 'sasl_check.py'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {...process.env, SASL_MECHANISM: mechanism},
  })
  return JSON.parse(out.trim().split('\n').at(-1)!) as {ok: boolean; topics?: string[]; error?: string}
}

describe("confluent-kafka against kafkalite's SASL listeners", () => {
  it('authenticates with PLAIN over SASL_PLAINTEXT and SASL_SSL', () => {
    expect(check(`127.0.0.1:${ports.plain}`, 'SASL_PLAINTEXT', 'alice', 'alice-secret')).toMatchObject({
      ok: true,
      topics: expect.arrayContaining(['sasl-check']),
    })
    expect(check(`localhost:${ports.tls}`, 'SASL_SSL', 'alice', 'alice-secret', join(TLS, 'ca.pem'))).toMatchObject({
      ok: true,
    })
  })

  it('is refused a wrong password with Kafka’s message', () => {
    const r = check(`127.0.0.1:${ports.plain}`, 'SASL_PLAINTEXT', 'alice', 'wrong')
    expect(r.ok).toBe(false)
    expect(r.error).toContain('Authentication failed: Invalid username or password')
  })

  it("authenticates SCRAM users that Kafka's kafka-configs created over the wire, and describes them as kafkalite does", async () => {
    const alice = join(home, 'alice.properties')
    writeFileSync(
      alice,
      [
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanism=PLAIN',
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
      ].join('\n') + '\n',
    )
    const tool = (...args: string[]) =>
      runKafkaTool('org.apache.kafka.tools.ConfigCommand', [
        '--bootstrap-server',
        `127.0.0.1:${ports.plain}`,
        '--command-config',
        alice,
        ...args,
      ])
    const alter = (config: string) =>
      tool('--alter', '--entity-type', 'users', '--entity-name', 'dave', '--add-config', config)
    // Two mechanisms in one request are refused, as Kafka's controller refuses them; one at a time they are set.
    const both = await alter('SCRAM-SHA-256=[iterations=8192,password=dave-secret],SCRAM-SHA-512=[password=dave-512]')
    expect(both.code).toBe(1)
    expect(both.stderr).toContain(
      'DuplicateResourceException: A user credential cannot be altered twice in the same request',
    )
    expect((await alter('SCRAM-SHA-256=[iterations=8192,password=dave-secret]')).stdout).toBe(
      'Completed updating config for user dave.\n',
    )
    expect((await alter('SCRAM-SHA-512=[password=dave-512]')).stdout).toBe('Completed updating config for user dave.\n')
    const theirs = await tool('--describe', '--entity-type', 'users', '--entity-name', 'dave')
    const ours = cli(['configs', '--describe', '--entity-type', 'users', '--entity-name', 'dave']).toString()
    expect(ours).toBe(theirs.stdout)
    expect(ours).toBe(
      "SCRAM credential configs for user-principal 'dave' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n",
    )
    expect(
      checkWith('SCRAM-SHA-256', `127.0.0.1:${ports.plain}`, 'SASL_PLAINTEXT', 'dave', 'dave-secret'),
    ).toMatchObject({ok: true})
    expect(
      checkWith('SCRAM-SHA-512', `localhost:${ports.tls}`, 'SASL_SSL', 'dave', 'dave-512', join(TLS, 'ca.pem')),
    ).toMatchObject({ok: true})
    const wrong = checkWith('SCRAM-SHA-256', `127.0.0.1:${ports.plain}`, 'SASL_PLAINTEXT', 'dave', 'nope')
    expect(wrong.ok).toBe(false)
    expect(wrong.error).toContain(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    )
    // kafkalite's configs changes them; Kafka's tool sees the change.
    cli(['configs', '--alter', '--user', 'dave', '--delete-config', 'SCRAM-SHA-512'])
    expect((await tool('--describe', '--entity-type', 'users', '--entity-name', 'dave')).stdout).toBe(
      "SCRAM credential configs for user-principal 'dave' are SCRAM-SHA-256=iterations=8192\n",
    )
  }, 120_000)
})
