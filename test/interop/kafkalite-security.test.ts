// kafkalite's own SSL and SASL listeners with a client nobody here wrote: confluent-kafka (librdkafka) produces and
// lists topics through SASL_PLAINTEXT and SASL_SSL with PLAIN, and is refused a wrong password as Kafka refuses it.
// The daemon is started here, in a home of its own, whichever broker the rest of the suite runs against.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {INTEROP_DIR, ROOT, interopEnv} from './harness/env.js'

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
      'sasl.enabled.mechanisms=PLAIN',
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
  const out = execFileSync(interopEnv().python, [join(INTEROP_DIR, 'python', 'sasl_check.py'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
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
})
