// kafkalite shims (kafka-* executables on PATH for Kafka-style scripts) and kafkalite quickstart.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()

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
