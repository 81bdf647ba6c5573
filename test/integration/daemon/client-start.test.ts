// A client's way to the daemon under load: a full listen backlog (more clients connecting at once than the daemon
// has accepted yet) is a daemon that is there, busy, and not "no daemon".
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'

let home: TestHome
let fillers: Socket[] = []
let stopped: number | undefined

beforeEach(() => {
  home = new TestHome()
})

afterEach(async () => {
  if (stopped !== undefined) process.kill(stopped, 'SIGCONT')
  stopped = undefined
  for (const s of fillers) s.destroy()
  fillers = []
  await home.cleanup()
})

/** Connects to `path` until the listen backlog is full (EAGAIN); the connections are kept. */
async function fillBacklog(path: string): Promise<number> {
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const s = connect(path)
      s.once('connect', () => {
        fillers.push(s)
        resolve('connected')
      })
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    if (outcome !== 'connected') {
      expect(outcome).toBe('EAGAIN')
      return fillers.length
    }
  }
}

describe('a daemon whose listen backlog is full', () => {
  it('is waited for, not reported as missing: status and a producer go through once it accepts again', async () => {
    const topic = uniqueTopic()
    expect((await home.run(['topics', '--create', '--topic', topic])).code).toBe(0)
    const pid = home.daemonPid()!
    process.kill(pid, 'SIGSTOP') // it accepts nothing until SIGCONT
    stopped = pid
    expect(await fillBacklog(join(home.dir, 'kafkalite.sock'))).toBeGreaterThan(0)

    const started = Date.now()
    let settled = false
    const status = home.run(['daemon', 'status', '--json'])
    const produce = home.run(['console-producer', '--topic', topic], {input: 'a\nb\n'})
    void Promise.race([status, produce]).then(() => (settled = true))
    // Both meet the full backlog: they must still be waiting (before, status said "no daemon" at once).
    await waitFor(() => Date.now() - started > 1500, 5000, 'the clients to wait on the full backlog')
    expect(settled).toBe(false)
    process.kill(pid, 'SIGCONT')
    stopped = undefined
    for (const s of fillers) s.destroy()

    const s = await status
    expect(s.stderr).toBe('')
    expect(JSON.parse(s.stdout)).toMatchObject({running: true, pid})
    const p = await produce
    expect(p.stderr).toBe('')
    expect(p.code).toBe(0)
    expect(home.daemonPid()).toBe(pid) // no second daemon was started
  })
})
