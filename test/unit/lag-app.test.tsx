// The viewer's components rendered as frames with ink-testing-library: the screen for a state, and the whole app
// driven by key presses over snapshots from a fake daemon.
import {Readable, Writable} from 'node:stream'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {stripVTControlCharacters} from 'node:util'
import {render as inkRender} from 'ink'
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {App, Screen} from '../../src/tui/lag/app.js'
import {buildModel, type LagInputs} from '../../src/lag/model.js'
import type {LagPartitionsDetail} from '../../src/protocol/socket/messages.js'
import {initialState, reducer} from '../../src/tui/lag/view.js'

setFlagsFromString('--expose-gc')

const snapshot = (now: number, end: number): LagInputs => ({
  now,
  groups: [
    {
      groupId: 'billing',
      state: 'Stable',
      protocol: 'range',
      members: [
        {
          memberId: 'member-1',
          clientId: 'billing-app',
          clientHost: '/localhost',
          assignment: [{topic: 'orders', partition: 0}],
        },
      ],
      offsets: [
        {
          topic: 'orders',
          partition: 0,
          committed: 100,
          commits: [
            [now - 3000, 40, 100],
            [now - 2000, 70, 160],
            [now - 1000, 100, 220],
          ],
        },
      ],
    },
    {
      groupId: 'audit',
      state: 'Empty',
      protocol: '',
      members: [],
      offsets: [{topic: 'orders', partition: 0, committed: end, commits: [[now, end, end]]}],
    },
  ],
  partitions: [
    {
      topic: 'orders',
      partition: 0,
      logStart: 0,
      logEnd: end,
      samples: [
        [now - 10_000, 0],
        [now, end],
      ],
    },
  ],
})

/** The daemon's answer for these inputs. */
const evaluated = (inputs: LagInputs) => ({now: inputs.now, groups: buildModel(inputs)})

/** Waits (up to 5 s: the machine may be busy) until the last frame, without colours, matches. */
async function until(
  frame: () => string | undefined,
  pattern: RegExp | string | ((text: string) => boolean),
): Promise<string> {
  const deadline = Date.now() + 5000
  for (;;) {
    const text = stripVTControlCharacters(frame() ?? '')
    const matches =
      typeof pattern === 'string'
        ? text.includes(pattern)
        : pattern instanceof RegExp
          ? pattern.test(text)
          : pattern(text)
    if (matches) return text
    if (Date.now() > deadline) throw new Error(`the frame never matched ${String(pattern)}:\n${text}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('the lag viewer components', () => {
  it('renders the groups table with lag, lag in time, trend and status, and a dimmed key footer', () => {
    const state = reducer(initialState(1000), {
      type: 'snapshot',
      groups: buildModel(snapshot(100_000, 300)),
      now: 100_000,
    })
    const {lastFrame} = render(<Screen state={state} width={150} height={12} />)
    const coloured = lastFrame()!
    const frame = stripVTControlCharacters(coloured)
    expect(frame).toMatch(/kafkalite lag\s+consumer groups \(2\/2\)/)
    expect(frame).toMatch(/GROUP\s+STATE\s+MEMBERS\s+ASSIGNOR\s+LAG\s+MAX-LAG-PARTITION\s+LAG-TIME/)
    expect(frame).toMatch(/billing\s+Stable\s+1\s+range\s+200\s+orders-0:200\s+6\.7s/)
    expect(frame).toMatch(/billing.*WARN/)
    expect(frame).toMatch(/audit\s+Empty\s+0\s+-\s+0\s+-.*OK/)
    expect(frame).toContain('q quit')
    // Statuses in colour (WARN yellow, OK green), the footer dimmed, and nothing wider than the terminal.
    expect(coloured).toContain('\x1b[33mWARN\x1b[39m')
    expect(coloured).toContain('\x1b[32mOK\x1b[39m')
    expect(coloured).toContain('\x1b[2m↑↓/jk move')
    expect(coloured).toContain('q quit\x1b[22m')
    for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(150)
    expect(frame.split('\n').length).toBeLessThanOrEqual(12)
  })

  it('drills into a group and back, sorts and filters on key presses', async () => {
    let end = 300
    const asked: LagPartitionsDetail[] = []
    const fetch = async (partitions: LagPartitionsDetail) => {
      asked.push(partitions)
      return evaluated(snapshot(100_000, (end += 10)))
    }
    const {lastFrame, stdin, unmount} = render(<App fetch={fetch} intervalMs={60_000} />)
    await until(lastFrame, /billing[\s\S]*audit/)
    stdin.write('\r') // enter: billing, the most lagging, is selected
    await until(lastFrame, /group billing/)
    // 100 columns (ink-testing-library's): HOST, the least telling column (always /localhost), gives way to STATUS.
    await until(lastFrame, /orders\s+0\s+100\s+0\s+320\s+220.*member-1\s+billing-app\s+\S+\s+WARN/)
    stdin.write('\u001B') // escape
    await until(lastFrame, /consumer groups \(2\/2\)/)
    // The groups screen asks for no partitions; drilling in asks at once for the group's.
    await until(() => (asked.length >= 3 ? lastFrame() : ''), /billing/)
    expect(asked.slice(0, 3)).toEqual(['none', {groupId: 'billing'}, 'none'])
    stdin.write('s')
    stdin.write('s')
    stdin.write('s') // by name
    await until(lastFrame, /sort: name[\s\S]*audit[\s\S]*billing/)
    stdin.write('/')
    stdin.write('bil')
    await until(lastFrame, /filter: \/bil/)
    await until(lastFrame, /consumer groups \(1\/2\)/)
    stdin.write('\r')
    stdin.write('r') // refresh now: a new snapshot with a longer log
    await until(lastFrame, /billing\s+Stable\s+1\s+240/)
    stdin.write('p')
    await until(lastFrame, 'PAUSED')
    unmount()
  })

  it('asks the daemon once per interval, not while paused, and at once on r', async () => {
    let calls = 0
    let end = 300
    const fetch = async () => {
      calls++
      return evaluated(snapshot(100_000, (end += 10)))
    }
    // Opened with a first snapshot (the command's): the next one comes an interval later, not at once.
    const {lastFrame, stdin, unmount} = render(
      <App fetch={fetch} intervalMs={250} initial={evaluated(snapshot(100_000, 300))} />,
    )
    await until(lastFrame, /billing\s+Stable\s+1\s+200\b/)
    expect(calls).toBe(0)
    await until(lastFrame, /billing\s+Stable\s+1\s+2[1-9]0\b/)
    stdin.write('p')
    await until(lastFrame, 'PAUSED')
    const paused = calls
    // While paused, r asks once, and changing the interval asks nothing.
    const shows = (n: number) => new RegExp(`billing\\s+Stable\\s+1\\s+${200 + 10 * n}\\b`)
    stdin.write('r')
    await until(lastFrame, shows(paused + 1))
    stdin.write('+') // longer: every 0.5 s
    await until(lastFrame, /PAUSED · every 0\.5s/)
    stdin.write('r')
    await until(() => (calls >= paused + 2 ? lastFrame() : ''), shows(paused + 2))
    expect(calls).toBe(paused + 2)
    unmount()
  })

  it('follows the terminal when it is resized', async () => {
    const {lastFrame, stdout, unmount} = render(
      <App fetch={async () => evaluated(snapshot(100_000, 300))} intervalMs={60_000} />,
    )
    await until(lastFrame, /billing/)
    Object.defineProperty(stdout, 'columns', {value: 60, configurable: true})
    Object.defineProperty(stdout, 'rows', {value: 8, configurable: true})
    stdout.emit('resize')
    const frame = await until(lastFrame, (text) => text.split('\n').every((line) => [...line].length <= 60))
    expect(frame.split('\n').length).toBeLessThanOrEqual(7) // one line short of the terminal
    expect(frame).toMatch(/^billing/m)
    unmount()
  })

  it('runs without keys when stdin is not a terminal, and says so', async () => {
    let written = ''
    const stdout = Object.assign(
      new Writable({
        write: (chunk, _encoding, done) => {
          written += String(chunk)
          done()
        },
      }),
      {columns: 150, rows: 12, isTTY: true},
    ) as unknown as NodeJS.WriteStream
    const stdin = Object.assign(new Readable({read() {}}), {isTTY: false}) as unknown as NodeJS.ReadStream
    const fetch = async () => evaluated(snapshot(100_000, 300))
    // debug: each frame is written whole, also where CI is set (ink then otherwise writes only the last frame, on exit).
    const ink = inkRender(<App fetch={fetch} intervalMs={60_000} />, {stdout, stdin, patchConsole: false, debug: true})
    await until(() => written, /billing[\s\S]*stdin is not a terminal: no keys · Ctrl-C quits/)
    ink.unmount()
  })

  it('keeps STATUS in a narrow terminal, dropping the less important columns first', () => {
    const groups = buildModel(snapshot(100_000, 300))
    const state = reducer(initialState(1000), {type: 'snapshot', groups, now: 100_000})
    for (const width of [70, 50, 34]) {
      const frame = stripVTControlCharacters(render(<Screen state={state} width={width} height={12} />).lastFrame()!)
      for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(width)
      expect(frame).toMatch(/GROUP\s+.*LAG\s+.*STATUS/)
      expect(frame).toMatch(/billing\s+.*200\s+.*WARN/)
      expect(frame).toMatch(/audit\s+.*OK/)
    }
    // At 70 columns the lag in time and the ETA stay; the assignor and the member count go first.
    const at70 = stripVTControlCharacters(render(<Screen state={state} width={70} height={12} />).lastFrame()!)
    expect(at70).toMatch(/LAG-TIME/)
    expect(at70).not.toMatch(/ASSIGNOR|MEMBERS/)
    // The partitions of a group, too.
    const drilled = reducer(state, {type: 'enter'})
    const partitions = stripVTControlCharacters(render(<Screen state={drilled} width={70} height={12} />).lastFrame()!)
    for (const line of partitions.split('\n')) expect([...line].length).toBeLessThanOrEqual(70)
    expect(partitions).toMatch(/TOPIC\s+PARTITION\s+.*LAG\s+.*STATUS/)
    expect(partitions).toMatch(/orders\s+0\s+.*WARN/)
  })

  it('marks the numbers stale while the daemon cannot be reached, and recovers on the next refresh and on r', async () => {
    let down = false
    let end = 300
    const fetch = async () => {
      if (down) throw new Error("No kafkalite daemon is running for /home. Start one with 'kafkalite daemon start'.")
      return evaluated(snapshot(100_000, (end += 10)))
    }
    const {lastFrame, unmount} = render(<App fetch={fetch} intervalMs={250} />)
    await until(lastFrame, /billing\s+Stable\s+1\s+2\d0\b/)
    down = true
    const stale = await until(lastFrame, /No kafkalite daemon is running/)
    expect(stale).toMatch(/STALE/)
    expect(stale).toMatch(/the numbers below are from \d\d:\d\d:\d\d; retrying every 0\.3s, r retries now/)
    expect(stale).toMatch(/billing/) // the last numbers stay, marked stale
    // The daemon is back: the next refresh reconnects, shows new numbers and drops the error.
    down = false
    const back = await until(lastFrame, (text) => !/STALE|No kafkalite daemon/.test(text) && /billing/.test(text))
    expect(back).not.toMatch(/numbers below are from/)
    unmount()
    // Without a timer to wait for (a long interval), r asks at once.
    const slow = render(<App fetch={fetch} intervalMs={60_000} />)
    await until(slow.lastFrame, /billing/)
    down = true
    slow.stdin.write('r')
    await until(slow.lastFrame, /STALE/)
    down = false
    slow.stdin.write('r')
    await until(slow.lastFrame, (text) => !/STALE/.test(text) && /billing/.test(text))
    slow.unmount()
  })

  it('shows an error from the daemon and keeps the last data', async () => {
    let calls = 0
    const fetch = async () => {
      if (calls++ > 0) throw new Error('Lost the connection to the kafkalite daemon')
      return evaluated(snapshot(100_000, 300))
    }
    const {lastFrame, stdin, unmount} = render(<App fetch={fetch} intervalMs={60_000} />)
    await until(lastFrame, /billing/)
    stdin.write('r')
    const frame = await until(lastFrame, /Lost the connection to the kafkalite daemon/)
    expect(frame).toMatch(/billing/)
    unmount()
  })

  it('does not grow the heap frame after frame (ink caches every text it measures)', async () => {
    // A live view of 50 groups whose numbers change at every frame, rendered by one ink instance as the viewer is.
    // When the table was one ink Text, each frame grew the heap by ~18 KB (ink's cache of measured texts).
    const gc = runInNewContext('gc') as () => void
    const [billing] = buildModel(snapshot(100_000, 300))
    const groups = Array.from({length: 50}, (_, g) => ({...billing!, groupId: `group-${g}`}))
    const frame = (i: number) => {
      const state = reducer(initialState(1000), {
        type: 'snapshot',
        groups: groups.map((g, n) => ({...g, totalLag: g.totalLag + i * 50 + n})),
        now: 100_000,
      })
      return <Screen state={state} width={160} height={60} />
    }
    const stdout = Object.assign(new Writable({write: (_chunk, _encoding, done) => done()}), {
      columns: 160,
      rows: 61,
      isTTY: true,
    }) as unknown as NodeJS.WriteStream
    const stdin = Object.assign(new Readable({read() {}}), {isTTY: false}) as unknown as NodeJS.ReadStream
    const ink = inkRender(frame(0), {stdout, stdin, patchConsole: false, maxFps: 0})
    const frames = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        ink.rerender(frame(i))
        await new Promise((r) => setImmediate(r))
      }
    }
    await frames(1, 100) // warm-up
    gc()
    const before = process.memoryUsage().heapUsed
    await frames(100, 400)
    gc()
    const perFrame = (process.memoryUsage().heapUsed - before) / 300
    ink.unmount()
    expect(perFrame).toBeLessThan(8_000)
  })
})
