// A write-ahead log lost after a crash: SQLite replays what is left of it, silently. The next daemon compares the
// database with what the last one noted it had acknowledged, and says what is missing.
import {readFileSync, rmSync, truncateSync} from 'node:fs'
import {join} from 'node:path'
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

const log = () => readFileSync(join(home.dir, 'daemon.log'), 'utf8')
const wal = () => join(home.dir, 'kafkalite.db-wal')
const lines = (n: number, prefix = 'r') =>
  Array.from({length: n}, (_, i) => `${prefix}${i}-${'x'.repeat(500)}`).join('\n')

/** 200 records checkpointed by a clean stop, then 1000 more in the write-ahead log of a daemon killed with kill -9. */
async function crashedWithLog(topic: string): Promise<void> {
  expect((await home.run(['console-producer', '--topic', topic], {input: lines(200, 'old')})).code).toBe(0)
  expect((await home.run(['daemon', 'stop'])).code).toBe(0)
  expect((await home.run(['console-producer', '--topic', topic], {input: lines(1000)})).code).toBe(0)
  const pid = home.daemonPid()!
  process.kill(pid, 'SIGKILL')
  await expect.poll(() => processAlive(pid)).toBe(false)
}

async function endOffset(topic: string): Promise<string> {
  const res = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--timeout-ms', '1000'])
  return res.stdout.trim().split('\n').at(-1)!.slice(0, 10)
}

describe('a lost write-ahead log', () => {
  it('keeps everything after kill -9, and the next daemon says so', async () => {
    const topic = uniqueTopic()
    await crashedWithLog(topic)
    expect((await home.run(['topics', '--list'])).code).toBe(0)
    expect(log()).toContain(
      'the last daemon did not stop cleanly; the database holds every write it acknowledged (1 partition(s), log ends adding up to 1200)',
    )
    expect(log()).not.toContain('WARN the database holds less')
    expect(await endOffset(topic)).toBe('r999-xxxxx')
  })

  it('is found when it was deleted after the crash: the records since the last checkpoint are named as lost', async () => {
    const topic = uniqueTopic()
    await crashedWithLog(topic)
    rmSync(wal())
    expect((await home.run(['topics', '--list'])).code).toBe(0)
    expect(log()).toContain(
      `WARN the database holds less than the last daemon acknowledged before it stopped uncleanly: 1 partition(s) whose log ends add up to 200, where it had acknowledged 1 adding up to 1200`,
    )
    expect(log()).toContain(
      `At least 1000 acknowledged record(s) are gone: the write-ahead log ${wal()} (missing at this start)`,
    )
    expect(await endOffset(topic)).toBe('old199-xxx')
  })

  it('is found when it was truncated after the crash', async () => {
    const topic = uniqueTopic()
    await crashedWithLog(topic)
    truncateSync(wal(), 40_000)
    expect((await home.run(['topics', '--list'])).code).toBe(0)
    expect(log()).toMatch(/WARN the database holds less than the last daemon acknowledged .* At least \d+ acknowledged/)
    expect(log()).toContain(`(40000 bytes at this start)`)
  })

  it('is found when a topic created before the crash is gone with it', async () => {
    expect((await home.run(['topics', '--create', '--topic', 'kept'])).code).toBe(0)
    expect((await home.run(['daemon', 'stop'])).code).toBe(0)
    expect((await home.run(['topics', '--create', '--topic', 'lost', '--partitions', '3'])).code).toBe(0)
    const pid = home.daemonPid()!
    process.kill(pid, 'SIGKILL')
    await expect.poll(() => processAlive(pid)).toBe(false)
    rmSync(wal())
    expect((await home.run(['topics', '--list'])).stdout).toBe('kept\n')
    expect(log()).toContain('At least 0 acknowledged record(s) and 3 partition(s) are gone')
  })

  it('loses nothing when deleted while the daemon runs, if the daemon then stops cleanly', async () => {
    const topic = uniqueTopic()
    expect((await home.run(['console-producer', '--topic', topic], {input: lines(300)})).code).toBe(0)
    rmSync(wal()) // the daemon still holds it open, and checkpoints it at its stop
    expect((await home.run(['console-producer', '--topic', topic], {input: lines(200, 'more')})).code).toBe(0)
    expect((await home.run(['daemon', 'stop'])).code).toBe(0)
    const read = await home.run(['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', '500'])
    expect(read.stdout.trim().split('\n')).toEqual([...lines(300).split('\n'), ...lines(200, 'more').split('\n')])
  })

  it('is not looked for after a clean stop, which checkpoints the log into the database', async () => {
    const topic = uniqueTopic()
    expect((await home.run(['console-producer', '--topic', topic], {input: lines(10)})).code).toBe(0)
    expect((await home.run(['daemon', 'stop'])).code).toBe(0)
    expect((await home.run(['topics', '--list'])).code).toBe(0)
    expect(log()).not.toContain('did not stop cleanly')
    expect(log()).not.toContain('the database holds')
  })
})
