// A real I/O error: the broker home is an ext4 filesystem on a loop device, and ext4 is told to fail
// (trigger_fs_error), after which it refuses every write. SQLite reports SQLITE_IOERR_WRITE. Needs root, losetup,
// mkfs.ext4 and a kernel that offers trigger_fs_error; elsewhere the test is skipped and says why.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {processAlive} from '../../../src/client/connection.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

let home: TestHome
let image: string | undefined
let loop: string | undefined
let mounted = false
let why = ''

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim()
}

beforeEach(() => {
  home = new TestHome()
  try {
    image = join(mkdtempSync(join(tmpdir(), 'kl-ext4-')), 'fs.img')
    sh('truncate', ['-s', '32M', image])
    loop = sh('losetup', ['-f', '--show', image])
    sh('mkfs.ext4', ['-q', loop])
    sh('mount', ['-o', 'errors=remount-ro', loop, home.dir])
    mounted = true
    sh('chmod', ['700', home.dir])
  } catch (error) {
    why = `cannot make an ext4 filesystem on a loop device here (needs root): ${(error as Error).message.split('\n')[0]}`
  }
})

afterEach(async () => {
  await home.run(['daemon', 'stop'])
  const pid = home.daemonPid()
  if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL')
  if (mounted) sh('umount', ['-l', home.dir])
  if (loop) sh('losetup', ['-d', loop])
  if (image) rmSync(join(image, '..'), {recursive: true, force: true})
  mounted = false
  loop = image = undefined
  await home.cleanup()
})

describe('an I/O error', () => {
  it('refuses writes in one line naming the file and SQLite code, and the daemon stays up for reads', async (ctx) => {
    if (!mounted) ctx.skip(why)
    const trigger = `/sys/fs/ext4/${basename(loop!)}/trigger_fs_error`
    if (!existsSync(trigger)) ctx.skip(`this kernel has no ${trigger}: the I/O error test did not run`)
    const topic = uniqueTopic()
    const lines = Array.from({length: 100}, (_, i) => `r${i}`).join('\n')
    expect((await home.run(['console-producer', '--topic', topic], {input: lines})).code).toBe(0)
    const pid = home.daemonPid()

    writeFileSync(trigger, 'kafkalite test\n') // ext4 aborts its journal and refuses writes from now on
    const refused = await home.run(
      [
        'console-producer',
        '--topic',
        topic,
        '--producer-property',
        'delivery.timeout.ms=3000',
        '--producer-property',
        'enable.idempotence=false',
      ],
      {input: 'late\n'},
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toContain(
      `An I/O error (SQLITE_IOERR_WRITE) on '${join(home.dir, 'kafkalite.db')}' in KAFKALITE_HOME '${home.dir}'`,
    )
    expect(home.daemonPid()).toBe(pid)
    expect(processAlive(pid!)).toBe(true)
    const read = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', '100'])
    expect(read.stdout.trim().split('\n')).toEqual(lines.split('\n'))
  })
})
