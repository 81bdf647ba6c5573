// kafkalite --help, and usage errors: an unknown command or a bad flag value, named on one line with exit code 2.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'

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
