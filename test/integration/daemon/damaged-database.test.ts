// A damaged database: pages overwritten with random bytes, as a failing disk or a stray write would leave them. The
// daemon must say so in one line, stop, and refuse to start (rather than crash and be restarted in a loop) until
// `kafkalite daemon check` finds the database intact.
import {randomBytes} from 'node:crypto'
import {closeSync, copyFileSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {processAlive} from '../../../src/client/connection.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

let home: TestHome

beforeEach(() => {
  home = new TestHome()
})

afterEach(async () => {
  await home.cleanup()
})

const db = () => join(home.dir, 'kafkalite.db')
const log = () => readFileSync(join(home.dir, 'daemon.log'), 'utf8')
const count = (text: string, what: string) => text.split(what).length - 1
const records = Array.from({length: 3000}, (_, i) => `r${i}-${'x'.repeat(1000)}`).join('\n')

/** Overwrites `length` bytes of the database at `offset` with random bytes. */
function damage(offset: number, length: number): void {
  const fd = openSync(db(), 'r+')
  try {
    writeSync(fd, randomBytes(length), 0, length, offset)
  } finally {
    closeSync(fd)
  }
}

/** A topic of about 3.5 MiB, its daemon stopped (the write-ahead log checkpointed into the file). */
async function filledHome(): Promise<string> {
  const topic = uniqueTopic()
  expect((await home.run(['console-producer', '--topic', topic], {input: records})).code).toBe(0)
  expect((await home.run(['daemon', 'stop'])).code).toBe(0)
  return topic
}

const refusal = (dbPath: string) =>
  `The database '${dbPath}' is damaged (SQLITE_CORRUPT: database disk image is malformed): the daemon does not start on it. Run 'kafkalite daemon check' for details`

describe('a damaged database', () => {
  it('stops the daemon at the damaged page with one line, and is refused at every start until checked', async () => {
    const topic = await filledHome()
    damage(Math.floor(statSync(db()).size / 2), 64 * 1024)

    const started = Date.now()
    const read = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--exit-at-end'])
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(read.code).toBe(1)
    expect(read.stderr.trim().split('\n').at(-1)).toBe(
      `Error: The database '${db()}' is damaged (SQLITE_CORRUPT: database disk image is malformed). The daemon stops. Run 'kafkalite daemon check' for details; then restore the home from a backup, or move the database away ('mv ${db()} ${db()}.damaged') to start an empty broker.`,
    )

    // The next commands are refused at once, in one line: no daemon starts, none is restarted in a loop.
    for (let i = 0; i < 3; i++) {
      const list = await home.run(['topics', '--list'])
      expect(list.code).toBe(1)
      expect(list.stderr.trim().split('\n')).toHaveLength(1)
      expect(list.stderr).toContain(refusal(db()))
    }
    expect(count(log(), 'daemon started in')).toBe(2) // the producer's, and the consumer's before it met the damage
    expect(count(log(), 'daemon failed to start')).toBe(3)

    const check = await home.run(['daemon', 'check'])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(`The database ${db()} (`)
    expect(check.stdout).toContain('is damaged: integrity_check found')
    expect(check.stdout).toContain('(no daemon running)')
    expect(count(log(), 'daemon started in')).toBe(2)

    // Moved away: a new, empty broker starts in its place.
    renameSync(db(), `${db()}.damaged`)
    const fresh = await home.run(['topics', '--list'])
    expect(fresh.stderr).toBe('')
    expect(fresh.code).toBe(0)
  })

  it('is found by quick_check when the daemon starts after an unclean stop', async () => {
    const topic = await filledHome()
    expect((await home.run(['console-producer', '--topic', topic], {input: 'more\n'})).code).toBe(0)
    const pid = home.daemonPid()!
    process.kill(pid, 'SIGKILL')
    await expect.poll(() => processAlive(pid)).toBe(false)
    // In the records checkpointed into the file at the clean stop, not in the write-ahead log replayed over it.
    damage(Math.floor(statSync(db()).size / 2), 64 * 1024)

    const list = await home.run(['topics', '--list'])
    expect(list.code).toBe(1)
    expect(list.stderr.trim().split('\n')).toHaveLength(1)
    expect(list.stderr).toMatch(/The database '.*' is damaged \(quick_check: .+\): the daemon does not start on it/)
    expect(count(log(), 'daemon started in')).toBe(2)
    expect(count(log(), 'daemon failed to start')).toBe(1)
  })

  it('refuses a write that meets a damaged page in one line, and the daemon stops', async () => {
    const topic = await filledHome()
    // The root page of the index every append descends.
    const file = new Database(db(), {readonly: true})
    const {rootpage, pageSize} = {
      rootpage: (file.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'batch_by_last_offset'").get() as {
        rootpage: number
      })!.rootpage,
      pageSize: file.pragma('page_size', {simple: true}) as number,
    }
    file.close()
    damage((rootpage - 1) * pageSize, pageSize)

    const produce = await home.run(['console-producer', '--topic', topic], {input: 'one\ntwo\n'})
    expect(produce.code).toBe(1)
    expect(produce.stderr.trim().split('\n')).toHaveLength(1)
    expect(produce.stderr).toContain(`The database '${db()}' is damaged (SQLITE_CORRUPT`)
    const list = await home.run(['topics', '--list'])
    expect(list.code).toBe(1)
    expect(list.stderr).toContain('the daemon does not start on it')
    expect(count(log(), 'daemon started in')).toBe(2)
  })

  it('starts again once the database is restored and daemon check finds it intact', async () => {
    const topic = await filledHome()
    copyFileSync(db(), join(home.dir, 'backup.db'))
    damage(Math.floor(statSync(db()).size / 2), 64 * 1024)
    expect((await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--exit-at-end'])).code).toBe(1)
    // Restored in place (the same file): still refused, until checked.
    copyFileSync(join(home.dir, 'backup.db'), db())
    expect((await home.run(['topics', '--list'])).stderr).toContain('the daemon does not start on it')
    const check = await home.run(['daemon', 'check'])
    expect(check.stdout).toMatch(
      /^The database .* is intact: integrity_check found no problem in \d+ ms \(no daemon running\)\.\n$/,
    )
    expect(check.code).toBe(0)
    const read = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', '3000'])
    expect(read.stdout.trim().split('\n')).toEqual(records.split('\n'))
  })
  it('refuses a file that is not a database in one line that names it', async () => {
    writeFileSync(db(), 'this is not an SQLite database, just text that is long enough '.repeat(20))
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toContain(`The database '${db()}' is damaged (SQLITE_NOTADB: file is not a database)`)
    const check = await home.run(['daemon', 'check'])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain('SQLITE_NOTADB: file is not a database')
  })
})

describe('daemon check', () => {
  it('finds an intact database intact, through the running daemon or on its own, and starts no daemon', async () => {
    const none = await home.run(['daemon', 'check'])
    expect(none.stdout).toBe(`There is no database at ${db()} yet: nothing to check.\n`)
    expect(none.code).toBe(0)
    expect((await home.run(['daemon', 'status'])).code).toBe(1) // still none running

    await home.run(['console-producer', '--topic', uniqueTopic()], {input: 'a\nb\n'})
    const running = await home.run(['daemon', 'check', '--json'])
    expect(running.code).toBe(0)
    expect(JSON.parse(running.stdout)).toMatchObject({
      database: db(),
      exists: true,
      check: 'integrity_check',
      intact: true,
      problems: [],
      by: 'daemon',
    })
    const pid = home.daemonPid()
    await home.run(['daemon', 'stop'])
    const offline = await home.run(['daemon', 'check', '--json'])
    expect(JSON.parse(offline.stdout)).toMatchObject({intact: true, by: 'offline'})
    expect((await home.run(['daemon', 'status'])).code).toBe(1)
    expect(pid).toBeDefined()
  })
})
