// A home on a read-only file system: every command says so in one line naming the home and what to do. Needs a
// read-only mount (root, or a container that allows mount); skipped with a message otherwise.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../../helpers/env.js'

const dir = mkdtempSync(join(tmpdir(), 'kl-ro-'))
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m,mode=0700', 'tmpfs', dir]).status === 0
if (!mounted) {
  rmSync(dir, {recursive: true, force: true})
  process.stderr.write('read-only-home.test.ts: skipped, a read-only tmpfs cannot be mounted here (needs root).\n')
}

const run = (home: string, args: string[], input?: string) =>
  runCli(args, {env: {...process.env, KAFKALITE_HOME: home, NO_COLOR: '1'}, input})

describe.skipIf(!mounted)('a home on a read-only file system', () => {
  afterAll(() => {
    spawnSync('umount', [dir])
    rmSync(dir, {recursive: true, force: true})
  })

  it('is refused in one line that names the home and what to do', async () => {
    const what = `KAFKALITE_HOME '${dir}' is on a read-only file system: kafkalite keeps the broker's data, log and socket there. Remount it read-write, or set KAFKALITE_HOME to a writable directory.`
    const topics = await run(dir, ['topics', '--list'])
    expect(topics.code).toBe(1)
    expect(topics.stderr).toBe(`Error while executing topic command : ${what}\n`)
    const start = await run(dir, ['daemon', 'start'])
    expect(start.code).toBe(1)
    expect(start.stderr).toBe(`Error: ${what}\n`)
    const produce = await run(dir, ['console-producer', '--topic', 't'], 'x\n')
    expect(produce.code).toBe(1)
    expect(produce.stderr).toMatch(new RegExp(`with error: KAFKALITE_HOME '${dir}' is on a read-only file system`))
    expect(produce.stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  it('is refused when the home would be created inside it', async () => {
    const sub = join(dir, 'sub')
    const res = await run(sub, ['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      `Error while executing topic command : Cannot create KAFKALITE_HOME '${sub}': '${dir}' is on a read-only file system. Set KAFKALITE_HOME to a writable directory.\n`,
    )
  })
})
