// The viewer's components rendered as frames with ink-testing-library: the screen for a state, and the whole app
// driven by key presses over snapshots from a fake daemon.
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {App, Screen} from '../../src/lag/app.js'
import type {LagSnapshotData} from '../../src/protocol/messages.js'
import {buildModel} from '../../src/lag/model.js'
import {initialState, reducer} from '../../src/lag/view.js'

const snapshot = (now: number, end: number): LagSnapshotData => ({
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
          commitTimestamp: now - 1000,
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
      offsets: [{topic: 'orders', partition: 0, committed: end, commitTimestamp: now, commits: [[now, end, end]]}],
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

const tick = () => new Promise((r) => setTimeout(r, 30))

describe('the lag viewer components', () => {
  it('renders the groups table with lag, lag in time, trend and status, and a dimmed key footer', () => {
    const state = reducer(initialState(1000), {
      type: 'snapshot',
      groups: buildModel(snapshot(100_000, 300)),
      now: 100_000,
    })
    const {lastFrame} = render(<Screen state={state} width={150} height={12} />)
    const frame = lastFrame()!
    expect(frame).toMatch(/kafkalite lag\s+consumer groups \(2\/2\)/)
    expect(frame).toMatch(/GROUP\s+STATE\s+MEMBERS\s+ASSIGNOR\s+LAG\s+MAX-LAG-PARTITION\s+LAG-TIME/)
    expect(frame).toMatch(/billing\s+Stable\s+1\s+range\s+200\s+orders-0:200\s+6\.7s/)
    expect(frame).toMatch(/billing.*WARN/)
    expect(frame).toMatch(/audit\s+Empty\s+0\s+-\s+0\s+-.*OK/)
    expect(frame).toContain('q quit')
  })

  it('drills into a group and back, sorts and filters on key presses', async () => {
    let end = 300
    const fetch = async () => snapshot(100_000, (end += 10))
    const {lastFrame, stdin, unmount} = render(<App fetch={fetch} intervalMs={60_000} />)
    await tick()
    expect(lastFrame()).toMatch(/billing[\s\S]*audit/)
    stdin.write('\r') // enter: billing, the most lagging, is selected
    await tick()
    expect(lastFrame()).toMatch(/group billing/)
    expect(lastFrame()).toMatch(/orders\s+0\s+100\s+0\s+310\s+210.*member-1\s+billing-app\s+\/localhost/)
    stdin.write('\u001B') // escape
    await tick()
    expect(lastFrame()).toMatch(/consumer groups \(2\/2\)/)
    stdin.write('s')
    stdin.write('s')
    stdin.write('s') // by name
    await tick()
    expect(lastFrame()).toMatch(/sort: name[\s\S]*audit[\s\S]*billing/)
    stdin.write('/')
    stdin.write('bil')
    await tick()
    expect(lastFrame()).toMatch(/filter: \/bil/)
    expect(lastFrame()).toMatch(/consumer groups \(1\/2\)/)
    stdin.write('\r')
    stdin.write('r') // refresh now: a new snapshot with a longer log
    await tick()
    expect(lastFrame()).toMatch(/billing\s+Stable\s+1\s+range\s+220/)
    stdin.write('p')
    await tick()
    expect(lastFrame()).toContain('PAUSED')
    unmount()
  })

  it('shows an error from the daemon and keeps the last data', async () => {
    let calls = 0
    const fetch = async () => {
      if (calls++ > 0) throw new Error('Lost the connection to the kafkalite daemon')
      return snapshot(100_000, 300)
    }
    const {lastFrame, stdin, unmount} = render(<App fetch={fetch} intervalMs={60_000} />)
    await tick()
    stdin.write('r')
    await tick()
    expect(lastFrame()).toMatch(/Lost the connection to the kafkalite daemon/)
    expect(lastFrame()).toMatch(/billing/)
    unmount()
  })
})
