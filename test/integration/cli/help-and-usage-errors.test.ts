// kafkalite --help, --version on every command, and usage errors: an unknown command or a bad flag value, named on one line with exit code 2.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()

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
