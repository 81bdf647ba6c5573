// The lag viewer's state and its reducer, the key bindings, and the text of every cell. Pure: the ink components
// only lay these out, and `kafkalite lag --once` prints the same rows as plain text.
import type {LagPartitionsDetail} from '../../protocol/socket/messages.js'
import type {
  LagGroupData as GroupView,
  LagGroupStatus as GroupStatus,
  LagPartitionData as PartitionView,
  LagPartitionStatus as PartitionStatus,
} from '../../protocol/socket/messages.js'

export type SortKey = 'lag' | 'time' | 'status' | 'name'
export const SORT_KEYS: readonly SortKey[] = ['lag', 'time', 'status', 'name']

export type Screen = {kind: 'groups'} | {kind: 'group'; groupId: string} | {kind: 'topic'; topic: string}

export interface ViewState {
  groups: GroupView[]
  /** The daemon's clock at the last snapshot (0 before the first). */
  now: number
  error: string | null
  /** Screens drilled into, the current one last. */
  stack: Screen[]
  selected: number
  sort: SortKey
  /** Regex over group names (groups screen) or topic names (group screen). */
  filter: string
  /** The filter being typed after `/`, or null. */
  typing: string | null
  onlyIssues: boolean
  paused: boolean
  intervalMs: number
  /** Bumped by `r`: the polling hook refreshes when it changes. */
  refreshes: number
  /** Set by `q`: the app exits. */
  quit: boolean
}

export type Action =
  | {type: 'snapshot'; groups: GroupView[]; now: number}
  | {type: 'error'; message: string}
  | {type: 'move'; delta: number}
  | {type: 'enter'}
  | {type: 'back'}
  | {type: 'sort'}
  | {type: 'filterStart'}
  | {type: 'filterType'; text: string}
  | {type: 'filterCommit'}
  | {type: 'filterCancel'}
  | {type: 'issues'}
  | {type: 'pause'}
  /** `+` lengthens the refresh interval (twice as long), `-` shortens it (half as long). */
  | {type: 'interval'; longer: boolean}
  | {type: 'refresh'}
  /** A key press, mapped to its action against the state it arrives in (keys typed faster than renders included). */
  | {type: 'key'; input: string; key: KeyPress}

export const MIN_INTERVAL_MS = 250
export const MAX_INTERVAL_MS = 60_000

export function initialState(intervalMs: number): ViewState {
  return {
    groups: [],
    now: 0,
    error: null,
    stack: [{kind: 'groups'}],
    selected: 0,
    sort: 'lag',
    filter: '',
    typing: null,
    onlyIssues: false,
    paused: false,
    intervalMs,
    refreshes: 0,
    quit: false,
  }
}

const STATUS_RANK: Record<GroupStatus | PartitionStatus, number> = {
  ERR: 3,
  STOP: 3,
  STALL: 3,
  REWIND: 3,
  WARN: 2,
  OK: 1,
}

export const screenOf = (s: ViewState): Screen => s.stack.at(-1)!

/** The partitions a screen shows, as the viewer asks the daemon for them: none for the groups, or the drilled-in ones. */
export function detailOf(screen: Screen): LagPartitionsDetail {
  if (screen.kind === 'groups') return 'none'
  return screen.kind === 'group' ? {groupId: screen.groupId} : {topic: screen.topic}
}

function regex(filter: string): RegExp | null {
  if (filter === '') return null
  try {
    return new RegExp(filter, 'i')
  } catch {
    return /$^/ // an unfinished pattern matches nothing rather than everything
  }
}

/** The groups of the groups screen: filtered (regex, issues only) and sorted. */
export function visibleGroups(s: ViewState): GroupView[] {
  const re = regex(s.filter)
  const groups = s.groups.filter((g) => (!re || re.test(g.groupId)) && (!s.onlyIssues || g.status !== 'OK'))
  const byName = (a: GroupView, b: GroupView) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0)
  const compare: Record<SortKey, (a: GroupView, b: GroupView) => number> = {
    lag: (a, b) => b.totalLag - a.totalLag || byName(a, b),
    time: (a, b) => (b.lagSeconds ?? -1) - (a.lagSeconds ?? -1) || byName(a, b),
    status: (a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status] || b.totalLag - a.totalLag || byName(a, b),
    name: byName,
  }
  return groups.sort(compare[s.sort])
}

/** The partitions of the group screen (filter over topic names, issues only). */
export function visiblePartitions(s: ViewState, group: GroupView): PartitionView[] {
  const re = regex(s.filter)
  return group.partitions.filter((p) => (!re || re.test(p.topic)) && (!s.onlyIssues || p.status !== 'OK'))
}

/** The topic screen: each group reading the topic, with its lag and worst status on it. */
export function topicReaders(s: ViewState, topic: string) {
  return s.groups
    .map((g) => {
      const parts = g.partitions.filter((p) => p.topic === topic)
      const worst = parts.reduce<PartitionStatus>(
        (w, p) => (STATUS_RANK[p.status] > STATUS_RANK[w] ? p.status : w),
        'OK',
      )
      const seconds = parts.map((p) => p.lagSeconds ?? 0)
      return {
        groupId: g.groupId,
        partitions: parts.length,
        lag: parts.reduce((n, p) => n + (p.lag ?? 0), 0),
        lagSeconds: seconds.length === 0 ? 0 : Math.max(...seconds),
        status: worst,
      }
    })
    .filter((r) => r.partitions > 0)
    .sort((a, b) => b.lag - a.lag || (a.groupId < b.groupId ? -1 : 1))
}

/** How many rows the current screen has (to keep the selection inside). */
export function rowCount(s: ViewState): number {
  const screen = screenOf(s)
  if (screen.kind === 'groups') return visibleGroups(s).length
  if (screen.kind === 'topic') return topicReaders(s, screen.topic).length
  const group = s.groups.find((g) => g.groupId === screen.groupId)
  return group ? visiblePartitions(s, group).length : 0
}

const clamp = (s: ViewState): ViewState => ({...s, selected: Math.max(0, Math.min(s.selected, rowCount(s) - 1))})

export function reducer(s: ViewState, a: Action): ViewState {
  switch (a.type) {
    case 'snapshot':
      return clamp({...s, groups: a.groups, now: a.now, error: null})
    case 'error':
      return {...s, error: a.message}
    case 'move':
      return clamp({...s, selected: s.selected + a.delta})
    case 'enter': {
      const screen = screenOf(s)
      if (screen.kind === 'groups') {
        const g = visibleGroups(s)[s.selected]
        return g ? {...s, stack: [...s.stack, {kind: 'group', groupId: g.groupId}], selected: 0, filter: ''} : s
      }
      if (screen.kind === 'group') {
        const group = s.groups.find((g) => g.groupId === screen.groupId)
        const p = group && visiblePartitions(s, group)[s.selected]
        return p ? {...s, stack: [...s.stack, {kind: 'topic', topic: p.topic}], selected: 0, filter: ''} : s
      }
      const reader = topicReaders(s, screen.topic)[s.selected]
      return reader ? {...s, stack: [...s.stack, {kind: 'group', groupId: reader.groupId}], selected: 0} : s
    }
    case 'back':
      return s.stack.length > 1 ? clamp({...s, stack: s.stack.slice(0, -1), selected: 0, filter: ''}) : s
    case 'sort':
      return clamp({...s, sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length]!, selected: 0})
    case 'filterStart':
      return {...s, typing: s.filter}
    case 'filterType':
      return s.typing === null ? s : clamp({...s, typing: a.text, filter: a.text, selected: 0})
    case 'filterCommit':
      return {...s, typing: null}
    case 'filterCancel':
      return clamp({...s, typing: null, filter: ''})
    case 'issues':
      return clamp({...s, onlyIssues: !s.onlyIssues, selected: 0})
    case 'pause':
      return {...s, paused: !s.paused}
    case 'interval': {
      const next = a.longer ? s.intervalMs * 2 : s.intervalMs / 2
      return {...s, intervalMs: Math.max(MIN_INTERVAL_MS, Math.min(MAX_INTERVAL_MS, next))}
    }
    case 'refresh':
      return {...s, refreshes: s.refreshes + 1}
    case 'key': {
      // Several keys in one chunk (typed faster than the terminal hands them over, a held Backspace, or pasted): one
      // at a time, an Enter or a Backspace (DEL or ^H) among them included. A pasted filter stays one piece of text.
      const chars = [...a.input]
      if (chars.length > 1 && /^[\x20-\x7e\r\x7f\b]+$/.test(a.input)) {
        const oneByOne = s.typing === null || /[\r\x7f\b]/.test(a.input)
        if (oneByOne) return chars.reduce<ViewState>((state, c) => reducer(state, singleKey(c)), s)
      }
      const action = keyAction(s, a.input, a.key)
      if (action === 'quit') return {...s, quit: true}
      return action === null ? s : reducer(s, action)
    }
  }
}

/** One character of a chunk of keys, as ink reports a key typed alone. */
function singleKey(c: string): Action {
  if (c === '\r') return {type: 'key', input: '', key: {return: true}}
  if (c === '\x7f' || c === '\b') return {type: 'key', input: '', key: {backspace: true}}
  return {type: 'key', input: c, key: {}}
}

/** A key press as ink reports it. */
export interface KeyPress {
  upArrow?: boolean
  downArrow?: boolean
  return?: boolean
  escape?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
}

/** What a key does in this state: an action, 'quit', or nothing. */
export function keyAction(s: ViewState, input: string, key: KeyPress): Action | 'quit' | null {
  if (s.typing !== null) {
    if (key.return) return {type: 'filterCommit'}
    if (key.escape) return {type: 'filterCancel'}
    if (key.backspace || key.delete) return {type: 'filterType', text: [...s.typing].slice(0, -1).join('')}
    // Control characters (a lone ^A, say) never go into the pattern.
    if (input !== '' && !key.ctrl && ![...input].some((c) => c < ' ' || c === '\x7f')) {
      return {type: 'filterType', text: s.typing + input}
    }
    return null
  }
  if (input === 'q' || (key.ctrl && input === 'c')) return 'quit'
  if (key.upArrow || input === 'k') return {type: 'move', delta: -1}
  if (key.downArrow || input === 'j') return {type: 'move', delta: 1}
  if (key.return) return {type: 'enter'}
  if (key.escape) return {type: 'back'}
  const simple: Record<string, Action> = {
    s: {type: 'sort'},
    '/': {type: 'filterStart'},
    o: {type: 'issues'},
    p: {type: 'pause'},
    '+': {type: 'interval', longer: true},
    '-': {type: 'interval', longer: false},
    r: {type: 'refresh'},
  }
  return simple[input] ?? null
}

// ---- cells ----------------------------------------------------------------------------------------------------

const BARS = '▁▂▃▄▅▆▇█'

/** A sparkline of the values, scaled from 0 to their maximum, `width` characters at most (the latest values). */
export function sparkline(values: readonly number[], width = 12): string {
  const shown = values.slice(-width)
  if (shown.length === 0) return ''
  const max = Math.max(...shown)
  return shown.map((v) => (max <= 0 ? BARS[0] : BARS[Math.min(7, Math.floor((v / max) * 7.999))])).join('')
}

export function count(n: number | null): string {
  if (n === null) return '-'
  if (n >= 10_000_000) return `${(n / 1_000_000).toFixed(0)}M`
  if (n >= 100_000) return `${(n / 1000).toFixed(0)}k`
  return String(Math.round(n))
}

export function rate(n: number): string {
  if (n === 0) return '0'
  return n >= 100 ? count(n) : n.toFixed(1)
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '∞'
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
}

export const GROUP_COLUMNS = [
  'GROUP',
  'STATE',
  'MEMBERS',
  'ASSIGNOR',
  'LAG',
  'MAX-LAG-PARTITION',
  'LAG-TIME',
  'CONSUME/s',
  'PRODUCE/s',
  'ETA',
  'TREND',
  'STATUS',
] as const

export function groupCells(g: GroupView): string[] {
  return [
    g.groupId,
    g.state,
    String(g.members),
    g.assignor || '-',
    count(g.totalLag),
    g.maxLag ? `${g.maxLag.topic}-${g.maxLag.partition}:${count(g.maxLag.lag)}` : '-',
    g.lagSeconds === null ? '-' : duration(g.lagSeconds),
    rate(g.consumeRate),
    rate(g.produceRate),
    etaCell(g),
    sparkline(g.trend),
    g.status,
  ]
}

/**
 * The time to catch up at the current rates, as kafkatop shows it: '-' with no lag, and '-' too when the lag is not
 * growing (Burrow's OK: a group that keeps up with its producers has nothing to catch up on); '∞' only when the lag
 * grows or the group stopped (WARN, ERR).
 */
function etaCell(g: GroupView): string {
  if (g.totalLag === 0) return '-'
  if (g.eta !== null) return duration(g.eta)
  return g.status === 'OK' ? '-' : '∞'
}

export const PARTITION_COLUMNS = [
  'TOPIC',
  'PARTITION',
  'COMMITTED',
  'LOG-START',
  'LOG-END',
  'LAG',
  'LAG-TIME',
  'OWNER',
  'CLIENT',
  'HOST',
  'TREND',
  'STATUS',
] as const

export function partitionCells(p: PartitionView): string[] {
  return [
    p.topic,
    String(p.partition),
    p.committed === null ? '-' : String(p.committed),
    String(p.logStart),
    String(p.logEnd),
    count(p.lag),
    p.lagSeconds === null ? '-' : duration(p.lagSeconds),
    p.owner?.memberId ?? '-',
    p.owner?.clientId ?? '-',
    p.owner?.host ?? '-',
    sparkline(p.trend),
    p.status,
  ]
}

export const TOPIC_COLUMNS = ['GROUP', 'PARTITIONS', 'LAG', 'LAG-TIME', 'STATUS'] as const

export function topicCells(r: ReturnType<typeof topicReaders>[number]): string[] {
  return [r.groupId, String(r.partitions), count(r.lag), duration(r.lagSeconds), r.status]
}

/** Column widths that fit the cells. */
export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)))
}

/**
 * The columns a narrow terminal gives up, first to last. The others (the name, PARTITION, LAG and STATUS) always stay,
 * so that a group's health is on screen at any width.
 */
const DROP_ORDER = [
  'HOST',
  'CLIENT',
  'ASSIGNOR',
  'MEMBERS',
  'OWNER',
  'PRODUCE/s',
  'CONSUME/s',
  'TREND',
  'LOG-START',
  'PARTITIONS',
  'MAX-LAG-PARTITION',
  'STATE',
  'COMMITTED',
  'LOG-END',
  'ETA',
  'LAG-TIME',
]

/**
 * Which columns fit `maxWidth` (indexes, in order) and their widths: the first column (names) gives up space down to
 * 20 characters, then whole columns go in DROP_ORDER, then the names shrink down to 12.
 */
export function fitColumns(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidth: number,
): {columns: number[]; widths: number[]} {
  const all = columnWidths(header, rows)
  let columns = header.map((_, i) => i)
  const total = () => columns.reduce((n, i) => n + all[i]! + 1, -1)
  const shrinkNames = (floor: number) => {
    if (total() > maxWidth) all[0] = Math.max(Math.min(all[0]!, floor), all[0]! - (total() - maxWidth))
  }
  shrinkNames(20)
  for (const name of DROP_ORDER) {
    if (total() <= maxWidth) break
    const i = header.indexOf(name)
    if (i >= 0) columns = columns.filter((c) => c !== i)
  }
  shrinkNames(12)
  return {columns, widths: columns.map((i) => all[i]!)}
}

export function fit(text: string, width: number): string {
  const chars = [...text]
  return chars.length <= width ? text + ' '.repeat(width - chars.length) : `${chars.slice(0, width - 1).join('')}…`
}

/** A plain-text table (the --once and non-terminal output). */
export function plainTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // Every column: a pipe or a file has no width.
  const widths = columnWidths(header, rows)
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => fit(c, widths[i]!))
      .join(' ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}
