import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ROOT, TestHome, uniqueTopic} from '../helpers/env.js'

let home: TestHome

beforeEach(() => {
  home = new TestHome()
})

afterEach(async () => {
  await home.cleanup()
})

describe('kafkalite shims', () => {
  it('writes kafka-* executables that run Kafka-style scripts unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kl-shims-'))
    try {
      const res = await home.run(['shims', dir])
      expect(res.code).toBe(0)
      for (const name of [
        'kafka-topics',
        'kafka-topics.sh',
        'kafka-console-producer.sh',
        'kafka-console-consumer.sh',
      ]) {
        expect(statSync(join(dir, name)).mode & 0o111).not.toBe(0)
      }
      const env = {...home.env, PATH: `${dir}:${process.env.PATH}`}
      const sh = (script: string) => execFileSync('sh', ['-c', script], {env, encoding: 'utf8'})
      sh('kafka-topics.sh --bootstrap-server localhost:9092 --create --topic quickstart-events --partitions 1')
      sh(
        "printf 'hello\\nworld\\n' | kafka-console-producer.sh --bootstrap-server localhost:9092 --topic quickstart-events",
      )
      const out = sh(
        'kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic quickstart-events --from-beginning --max-messages 2 2>/dev/null',
      )
      expect(out).toBe('hello\nworld\n')
      expect(sh('kafka-topics --bootstrap-server localhost:9092 --list')).toBe('quickstart-events\n')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('leaves a file that is not a shim alone unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kl-shims-'))
    try {
      writeFileSync(join(dir, 'kafka-topics.sh'), '#!/bin/sh\necho real kafka\n')
      const res = await home.run(['shims', dir])
      expect(res.code).toBe(2)
      expect(res.stderr).toMatch(/kafka-topics\.sh' exists and is not a kafkalite shim; use --force to overwrite it/)
      expect(readFileSync(join(dir, 'kafka-topics.sh'), 'utf8')).toMatch(/real kafka/)
      expect((await home.run(['shims', dir, '--force'])).code).toBe(0)
      expect(readFileSync(join(dir, 'kafka-topics.sh'), 'utf8')).toMatch(/kafkalite shim/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('kafkalite quickstart', () => {
  it('starts the broker, creates a topic, produces and reads back records', async () => {
    const res = await home.run(['quickstart'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^1\. The broker runs \(pid \d+, kafkalite \d+\.\d+\.\d+\) with its data in /)
    expect(res.stdout).toMatch(/2\. Created topic quickstart-events with 3 partitions\./)
    expect(res.stdout).toMatch(/4\. Read 3 records back from the beginning:/)
    expect(res.stdout).toMatch(/partition 0 {2}offset 0 {2}alice: This is my first event/)
    expect(res.stdout).toMatch(/partition 1 {2}offset 0 {2}dave: This is my second event/)
    const again = await home.run(['quickstart', '--json'])
    const result = JSON.parse(again.stdout) as {topic: string; consumed: number; produced: {offset: number}[]}
    expect(result).toMatchObject({topic: 'quickstart-events', consumed: 6})
    expect(result.produced).toHaveLength(3)
  })
})

describe('client properties files', () => {
  it('reads --producer.config and --consumer.config, with --*-property taking precedence', async () => {
    const topic = uniqueTopic()
    const producerConfig = join(home.dir, 'producer.properties')
    writeFileSync(producerConfig, '# a Kafka producer config\nacks=0\ncompression.type=gzip\nclient.id=from-file\n')
    const produced = await home.run(
      ['console-producer', '--topic', topic, '--producer.config', producerConfig, '--producer-property', 'acks=all'],
      {input: 'a\nb\n'},
    )
    expect(produced.code).toBe(0)
    const consumerConfig = join(home.dir, 'consumer.properties')
    writeFileSync(consumerConfig, 'auto.offset.reset=earliest\n')
    const consumed = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--consumer.config',
      consumerConfig,
      '--max-messages',
      '2',
    ])
    expect(consumed.stdout).toBe('a\nb\n')
  })

  it('refuses a missing properties file by name', async () => {
    const res = await home.run(['console-producer', '--topic', 't', '--producer.config', '/nonexistent/p.properties'], {
      input: '',
    })
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/Cannot read properties file '\/nonexistent\/p\.properties'/)
  })

  it("refuses an unknown producer setting value with Kafka's message", async () => {
    const res = await home.run(['console-producer', '--topic', 't', '--producer-property', 'acks=some'], {input: 'x\n'})
    expect(res.code).toBe(1)
    expect(res.stderr).toBe('Error: Invalid value some for configuration acks: String must be one of: all, -1, 0, 1\n')
  })
})

describe('help', () => {
  it('documents every command and exits 0', async () => {
    const res = await home.run(['--help'])
    expect(res.code).toBe(0)
    for (const command of ['topics', 'console-producer', 'console-consumer', 'daemon', 'shims', 'quickstart']) {
      expect(res.stdout).toContain(command)
    }
    const topics = await home.run(['topics', '--help'])
    expect(topics.stdout).toMatch(/--if-not-exists/)
    expect(existsSync(join(home.dir, 'daemon.pid'))).toBe(false) // --help never starts the broker
  })
})

describe('--version', () => {
  it("prints the version and exits 0 on every command, as Kafka's tools do, without starting the broker", async () => {
    const root = await home.run(['--version'])
    expect(root.code).toBe(0)
    expect(root.stdout).toMatch(/^kafkalite\/\d+\.\d+\.\d+ /)
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: object}
    const ids = Object.keys(manifest.commands)
    expect(ids.length).toBeGreaterThan(10)
    // Required flags (console-producer's --topic) and arguments do not stand in the way, as in Kafka.
    for (const id of ids) {
      const res = await home.run([...id.split(':'), '--version'])
      expect({id, code: res.code, stdout: res.stdout, stderr: res.stderr}).toEqual({
        id,
        code: 0,
        stdout: root.stdout,
        stderr: '',
      })
    }
    expect(existsSync(join(home.dir, 'daemon.pid'))).toBe(false)
  }, 120_000)
})

describe('usage errors', () => {
  it('name an unknown command and suggest the closest one, with exit code 2', async () => {
    const res = await home.run(['topcs', '--list'])
    expect(res.code).toBe(2)
    expect(res.stderr).toBe("Error: Unknown command 'topcs'. Did you mean 'topics'? See 'kafkalite --help'.\n")
  })

  it('name the bad flag value on one line', async () => {
    const res = await home.run(['topics', '--create', '--topic', 'x', '--partitions', 'abc'])
    expect(res.code).toBe(2)
    expect(res.stderr).toBe(
      "Error: Parsing --partitions: Expected an integer but received: abc. See 'kafkalite topics --help'.\n",
    )
  })
})
