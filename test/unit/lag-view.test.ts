import {describe, expect, it} from 'vitest'
import type {LagGroupData as GroupView} from '../../src/protocol/socket/messages.js'
import {
  GROUP_COLUMNS,
  duration,
  groupCells,
  initialState,
  keyAction,
  plainTable,
  reducer,
  rowCount,
  screenOf,
  sparkline,
  visibleGroups,
  type Action,
  type ViewState,
} from '../../src/tui/lag/view.js'

const group = (
  groupId: string,
  totalLag: number,
  status: GroupView['status'],
  topics: string[] = ['t'],
): GroupView => ({
  groupId,
  state: 'Stable',
  members: 1,
  assignor: 'range',
  totalLag,
  maxLag: null,
  lagSeconds: totalLag / 10,
  consumeRate: 0,
  produceRate: 0,
  eta: null,
  trend: [],
  skew: null,
  status,
  partitions: topics.map((topic, partition) => ({
    topic,
    partition,
    committed: 0,
    logStart: 0,
    logEnd: totalLag,
    lag: totalLag,
    lagSeconds: totalLag / 10,
    owner: null,
    status: status === 'ERR' ? 'STALL' : status,
    trend: [],
    consumeRate: 0,
    produceRate: 0,
  })),
})

const loaded = (): ViewState =>
  reducer(initialState(1000), {
    type: 'snapshot',
    now: 1,
    groups: [group('alpha', 10, 'OK'), group('beta', 500, 'WARN', ['t', 'u']), group('gamma', 50, 'ERR')],
  })

const run = (s: ViewState, ...actions: Action[]) => actions.reduce(reducer, s)

describe('the lag viewer state', () => {
  it('sorts by lag, then cycles through lag in time, status and name', () => {
    const s = loaded()
    expect(visibleGroups(s).map((g) => g.groupId)).toEqual(['beta', 'gamma', 'alpha'])
    const byTime = run(s, {type: 'sort'})
    expect(byTime.sort).toBe('time')
    const byStatus = run(byTime, {type: 'sort'})
    expect(visibleGroups(byStatus).map((g) => g.groupId)).toEqual(['gamma', 'beta', 'alpha'])
    const byName = run(byStatus, {type: 'sort'})
    expect(visibleGroups(byName).map((g) => g.groupId)).toEqual(['alpha', 'beta', 'gamma'])
    expect(run(byName, {type: 'sort'}).sort).toBe('lag')
  })

  it('moves the selection within the rows and drills into a group, a topic, and back', () => {
    let s = run(loaded(), {type: 'move', delta: 5})
    expect(s.selected).toBe(2)
    s = run(s, {type: 'move', delta: -10})
    expect(s.selected).toBe(0)
    s = run(s, {type: 'enter'})
    expect(screenOf(s)).toEqual({kind: 'group', groupId: 'beta'})
    expect(rowCount(s)).toBe(2)
    s = run(s, {type: 'move', delta: 1}, {type: 'enter'})
    expect(screenOf(s)).toEqual({kind: 'topic', topic: 'u'})
    expect(rowCount(s)).toBe(1) // only beta reads u
    s = run(s, {type: 'back'}, {type: 'back'})
    expect(screenOf(s)).toEqual({kind: 'groups'})
    expect(run(s, {type: 'back'}).stack).toHaveLength(1)
  })

  it('filters by regex as it is typed, and shows only groups with issues', () => {
    let s = run(loaded(), {type: 'filterStart'}, {type: 'filterType', text: 'a$'})
    expect(visibleGroups(s).map((g) => g.groupId)).toEqual(['beta', 'gamma', 'alpha'])
    s = run(s, {type: 'filterType', text: '^(al|ga)'}, {type: 'filterCommit'})
    expect(s.typing).toBeNull()
    expect(visibleGroups(s).map((g) => g.groupId)).toEqual(['gamma', 'alpha'])
    s = run(s, {type: 'issues'})
    expect(visibleGroups(s).map((g) => g.groupId)).toEqual(['gamma'])
    // An unfinished pattern matches nothing instead of failing.
    expect(visibleGroups(run(loaded(), {type: 'filterStart'}, {type: 'filterType', text: '('}))).toEqual([])
    // Esc while typing clears the filter (the issues-only switch stays).
    expect(visibleGroups(run(s, {type: 'filterStart'}, {type: 'filterCancel'})).map((g) => g.groupId)).toEqual([
      'beta',
      'gamma',
    ])
  })

  it('pauses, refreshes, and halves or doubles the interval within bounds', () => {
    let s = run(loaded(), {type: 'pause'}, {type: 'refresh'})
    expect(s).toMatchObject({paused: true, refreshes: 1})
    s = run(s, {type: 'interval', longer: false}, {type: 'interval', longer: false}, {type: 'interval', longer: false})
    expect(s.intervalMs).toBe(250)
    s = run(s, ...Array.from({length: 12}, (): Action => ({type: 'interval', longer: true})))
    expect(s.intervalMs).toBe(60_000)
  })

  it('lengthens the refresh interval on + and shortens it on -, as the help says', () => {
    const key = (input: string): Action => ({type: 'key', input, key: {}})
    expect(run(loaded(), key('+')).intervalMs).toBe(2000)
    expect(run(loaded(), key('-')).intervalMs).toBe(500)
    expect(run(loaded(), key('++')).intervalMs).toBe(4000)
  })

  it('keeps the selection valid when a refresh has fewer rows, and keeps errors until the next snapshot', () => {
    let s = run(loaded(), {type: 'move', delta: 2}, {type: 'error', message: 'daemon gone'})
    expect(s.error).toBe('daemon gone')
    s = run(s, {type: 'snapshot', now: 2, groups: [group('alpha', 1, 'OK')]})
    expect(s).toMatchObject({selected: 0, error: null})
  })

  it('maps keys to actions, and typed characters to the filter while filtering', () => {
    const s = loaded()
    expect(keyAction(s, 'q', {})).toBe('quit')
    expect(keyAction(s, 'j', {})).toEqual({type: 'move', delta: 1})
    expect(keyAction(s, '', {upArrow: true})).toEqual({type: 'move', delta: -1})
    expect(keyAction(s, '', {return: true})).toEqual({type: 'enter'})
    expect(keyAction(s, '', {escape: true})).toEqual({type: 'back'})
    expect(keyAction(s, '+', {})).toEqual({type: 'interval', longer: true})
    expect(keyAction(s, 'x', {})).toBeNull()
    const typing = run(s, {type: 'filterStart'}, {type: 'filterType', text: 'ab'})
    expect(keyAction(typing, 'q', {})).toEqual({type: 'filterType', text: 'abq'})
    expect(keyAction(typing, '', {backspace: true})).toEqual({type: 'filterType', text: 'a'})
    expect(keyAction(typing, '', {return: true})).toEqual({type: 'filterCommit'})
  })
})

describe('cells', () => {
  it('applies each key of a chunk of several (fast typing, tmux send-keys, a paste)', () => {
    const key = (input: string): Action => ({type: 'key', input, key: {}})
    // '/', 'g', 'a', Enter in one chunk: a committed filter.
    const filtered = run(loaded(), key('/ga\r'))
    expect(filtered.filter).toBe('ga')
    expect(filtered.typing).toBeNull()
    expect(visibleGroups(filtered).map((g) => g.groupId)).toEqual(['gamma'])
    // 'jj': two moves down.
    expect(run(loaded(), key('jj')).selected).toBe(2)
    // While filtering, a pasted pattern is one piece of text.
    const typing = run(loaded(), key('/'), key('b|g'))
    expect(typing.typing).toBe('b|g')
  })

  it('deletes one character per backspace, also when several arrive in one chunk', () => {
    const key = (input: string): Action => ({type: 'key', input, key: {}})
    const typing = run(loaded(), key('/'), key('abcd'))
    // DEL (what a terminal's Backspace sends) and ^H, several at once as a held key or a fast typist sends them.
    expect(run(typing, key('\x7f\x7f')).typing).toBe('ab')
    expect(run(typing, key('\b\b\b')).typing).toBe('a')
    expect(run(typing, key('\x7f\x7fxy')).typing).toBe('abxy')
    expect(run(typing, key('\x7f'.repeat(9))).typing).toBe('')
    // Other control characters never go into the filter.
    expect(run(typing, key('\x01\x02')).typing).toBe('abcd')
    // Outside the filter, a chunk of backspaces does nothing.
    expect(run(loaded(), key('\x7f\x7f'))).toEqual(loaded())
  })

  it("shows the time to catch up, '-' when there is no lag or the group keeps up, '∞' when the lag grows", () => {
    const eta = (g: Partial<GroupView>) => groupCells({...group('g', 100, 'OK'), ...g})[GROUP_COLUMNS.indexOf('ETA')]
    expect(eta({totalLag: 0, eta: 0})).toBe('-')
    expect(eta({eta: 75})).toBe('1m15s')
    // Consumed as fast as produced: Burrow's OK (the lag does not grow), nothing to catch up on.
    expect(eta({eta: null, status: 'OK', consumeRate: 50, produceRate: 50})).toBe('-')
    expect(eta({eta: null, status: 'WARN'})).toBe('∞')
    expect(eta({eta: null, status: 'ERR'})).toBe('∞')
  })

  it('draws sparklines scaled to their maximum', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▁▂▄█')
    expect(sparkline([0, 0])).toBe('▁▁')
    expect(sparkline([])).toBe('')
    expect(sparkline([1, 2, 3], 2)).toBe('▆█')
  })

  it('writes durations compactly', () => {
    expect(duration(2.5)).toBe('2.5s')
    expect(duration(75)).toBe('1m15s')
    expect(duration(7260)).toBe('2h01m')
    expect(duration(null)).toBe('∞')
  })

  it('prints plain tables with padded columns', () => {
    expect(plainTable(['A', 'BB'], [['long', 'x']])).toBe('A    BB\nlong x\n')
  })
})
