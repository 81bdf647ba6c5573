// The live lag viewer (`kafkalite lag` in a terminal): display-only ink components over the pure view state of
// view.ts, and one polling hook that asks the daemon for one snapshot per refresh. Loaded only by the lag command,
// so no other command pays for ink and react.
import {Box, Transform, render, useApp, useInput, useStdin, useStdout} from 'ink'
import {useEffect, useReducer, useRef, useState} from 'react'
import type {LagPartitionsDetail, LagSnapshotData} from '../../protocol/socket/messages.js'
import {
  GROUP_COLUMNS,
  PARTITION_COLUMNS,
  TOPIC_COLUMNS,
  detailOf,
  duration,
  fit,
  fitColumns,
  groupCells,
  initialState,
  partitionCells,
  reducer,
  screenOf,
  topicCells,
  topicReaders,
  visibleGroups,
  visiblePartitions,
  type Action,
  type ViewState,
} from './view.js'

// The screen is lines of text with ANSI colours, laid out by ink as blocks of blank placeholder text that a
// <Transform> replaces line by line. Two reasons: laying out one node per block instead of a node per cell measured
// 4x faster for 200 groups; and ink 6 keeps every text it measures in a module-level cache that is never emptied,
// which grew the heap by ~29 MB per 1,000 frames of a changing table (100 MB an hour at one refresh a second). A
// placeholder depends only on the block's size, so ink measures each size once.
const COLORS: Record<string, [string, string]> = {
  OK: ['\x1b[32m', '\x1b[39m'],
  WARN: ['\x1b[33m', '\x1b[39m'],
  ERR: ['\x1b[31m', '\x1b[39m'],
  STOP: ['\x1b[31m', '\x1b[39m'],
  STALL: ['\x1b[31m', '\x1b[39m'],
  REWIND: ['\x1b[35m', '\x1b[39m'],
}
const INVERSE = ['\x1b[7m', '\x1b[27m'] as const
const BOLD = ['\x1b[1m', '\x1b[22m'] as const
const DIM = ['\x1b[2m', '\x1b[22m'] as const
const CYAN = ['\x1b[36m', '\x1b[39m'] as const
const RED = ['\x1b[31m', '\x1b[39m'] as const
const YELLOW = ['\x1b[33m', '\x1b[39m'] as const
const paint = (style: readonly [string, string], text: string) => `${style[0]}${text}${style[1]}`

/** Lines of text (ANSI colours allowed, each at most `width` columns), as one block of the layout. */
export function Lines(props: {lines: readonly string[]; width: number}) {
  const {lines, width} = props
  if (lines.length === 0) return null
  const placeholder = `${' '.repeat(Math.max(1, width))}\n`.repeat(lines.length - 1) + ' '.repeat(Math.max(1, width))
  return <Transform transform={(_, i) => lines[i] ?? ''}>{placeholder}</Transform>
}

/**
 * The lines of a table cut to the terminal's width (the less important columns dropped first, see fitColumns) and to
 * `height` rows around the selection, whose status column (the last) is coloured and whose selected row is inverted.
 * Stale rows (the daemon cannot be reached) are dimmed, without colours.
 */
export function tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  selected: number,
  width: number,
  height: number,
  stale = false,
): string[] {
  const {columns, widths} = fitColumns(header, rows, width)
  const visible = Math.max(1, height)
  const first = Math.max(0, Math.min(selected - Math.floor(visible / 2), rows.length - visible))
  const line = (all: readonly string[], isSelected: boolean, isHeader = false) => {
    const cells = columns.map((i) => all[i] ?? '')
    const status = cells.at(-1)!
    const body = cells
      .slice(0, -1)
      .map((c, i) => fit(c, widths[i]!))
      .join(' ')
    const room = width - [...body].length - 1
    if (room <= 0) return fit(body, width)
    const tail = fit(status, Math.min(room, Math.max(status.length, 6))).trimEnd()
    if (stale && !isHeader) {
      const text = paint(DIM, `${body} ${tail}`)
      return isSelected ? paint(INVERSE, text) : text
    }
    const text = `${body} ${paint(isHeader ? BOLD : (COLORS[status] ?? ['', '']), tail)}`
    return isSelected ? paint(INVERSE, text) : isHeader ? paint(BOLD, text) : text
  }
  const lines = [line(header, false, true)]
  rows.slice(first, first + visible).forEach((cells, i) => lines.push(line(cells, first + i === selected)))
  if (rows.length === 0) lines.push(paint(DIM, '(nothing to show)'))
  return lines
}

/** Whether the numbers on screen are old: the last refresh failed (the daemon stopped, say) after one succeeded. */
const isStale = (s: ViewState) => s.error !== null && s.now > 0

/** A daemon time (ms) as the local time of day, HH:MM:SS. */
const timeOfDay = (ms: number) => {
  const d = new Date(ms)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}

/**
 * The title line (what is shown, sort, filter, pause, interval) and the daemon's last error, if any; while the numbers
 * are stale, the title says STALE and a line says from when they are and how the viewer retries.
 */
export function headerLines(s: ViewState, width: number): string[] {
  const screen = screenOf(s)
  const title =
    screen.kind === 'groups'
      ? `consumer groups (${visibleGroups(s).length}/${s.groups.length})`
      : screen.kind === 'group'
        ? `group ${screen.groupId}`
        : `topic ${screen.topic}: groups reading it`
  const flags = [
    `sort: ${s.sort}`,
    s.filter !== '' || s.typing !== null ? `filter: /${s.typing ?? s.filter}${s.typing !== null ? '▏' : ''}/` : '',
    s.onlyIssues ? 'issues only' : '',
    s.paused ? 'PAUSED' : '',
    `every ${duration(s.intervalMs / 1000)}`,
  ].filter((f) => f !== '')
  const name = 'kafkalite lag'
  const stale = isStale(s) ? ' STALE' : ''
  const rest = fit(`  ${title}  ${flags.join(' · ')}`, Math.max(1, width - name.length - stale.length)).trimEnd()
  const split = Math.min(rest.length, `  ${title}  `.length)
  const lines = [
    `${paint(BOLD, paint(CYAN, name))}${stale === '' ? '' : paint(BOLD, paint(RED, stale))}${rest.slice(0, split)}${paint(DIM, rest.slice(split))}`,
  ]
  if (s.error !== null) lines.push(paint(RED, fit(s.error, width).trimEnd()))
  if (stale !== '') {
    const retry = s.paused ? 'paused, r retries now' : `retrying every ${duration(s.intervalMs / 1000)}, r retries now`
    lines.push(paint(YELLOW, fit(`the numbers below are from ${timeOfDay(s.now)}; ${retry}`, width).trimEnd()))
  }
  return lines
}

const KEYS =
  '↑↓/jk move · enter drill in · esc back · s sort · / filter · o issues only · p pause · +/- longer/shorter interval · r refresh · q quit'

const NO_KEYS = 'stdin is not a terminal: no keys · Ctrl-C quits'

/** The keys, dimmed; or, when stdin is not a terminal (no keys can be read), how to quit. */
export function Footer(props: {width: number; keys: boolean}) {
  return <Lines lines={[paint(DIM, fit(props.keys ? KEYS : NO_KEYS, props.width).trimEnd())]} width={props.width} />
}

/** The whole screen for a state, at a terminal size. */
export function Screen(props: {state: ViewState; width: number; height: number; keys?: boolean}) {
  const {state: s, width, height, keys = true} = props
  const screen = screenOf(s)
  const header = headerLines(s, width)
  const stale = isStale(s)
  const tableHeight = height - header.length - 2
  let lines: string[]
  if (screen.kind === 'groups') {
    lines = tableLines(GROUP_COLUMNS, visibleGroups(s).map(groupCells), s.selected, width, tableHeight, stale)
  } else if (screen.kind === 'group') {
    const group = s.groups.find((g) => g.groupId === screen.groupId)
    lines = group
      ? [
          paint(
            DIM,
            fit(
              `state ${group.state} · ${group.members} member(s) · assignor ${group.assignor || '-'} · lag ${group.totalLag}${group.skew ? ` · skew PAR ${group.skew.par.toFixed(2)} Cv ${group.skew.cv.toFixed(2)}` : ''} · status ${group.status}`,
              width,
            ).trimEnd(),
          ),
          ...tableLines(
            PARTITION_COLUMNS,
            visiblePartitions(s, group).map(partitionCells),
            s.selected,
            width,
            tableHeight - 1,
            stale,
          ),
        ]
      : [paint(YELLOW, `Group ${screen.groupId} is gone.`)]
  } else {
    lines = tableLines(
      TOPIC_COLUMNS,
      topicReaders(s, screen.topic).map(topicCells),
      s.selected,
      width,
      tableHeight,
      stale,
    )
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Lines lines={header} width={width} />
      <Box flexGrow={1} flexDirection="column">
        <Lines lines={lines} width={width} />
      </Box>
      <Footer width={width} keys={keys} />
    </Box>
  )
}

/** Asks the daemon for a snapshot, with these partitions. */
export type SnapshotSource = (partitions: LagPartitionsDetail) => Promise<LagSnapshotData>

/**
 * Polls the daemon: one snapshot per interval (none while paused), with the partitions the screen shows, and one at
 * once on `r` or when the screen changes. A viewer that opens with a snapshot asks for the next an interval later.
 */
export function usePolling(fetch: SnapshotSource, state: ViewState, dispatch: (a: Action) => void): void {
  const detail = JSON.stringify(detailOf(screenOf(state)))
  const seen = useRef({refreshes: state.refreshes, detail, mounted: false})
  useEffect(() => {
    const forced = state.refreshes !== seen.current.refreshes || detail !== seen.current.detail
    // Mounted with a snapshot already: the next one is an interval away (state.now is read once, on mount).
    const first = !seen.current.mounted
    seen.current = {refreshes: state.refreshes, detail, mounted: true}
    let cancelled = false
    let timer: NodeJS.Timeout | undefined
    const tick = async () => {
      try {
        const snapshot = await fetch(JSON.parse(detail) as LagPartitionsDetail)
        if (!cancelled) dispatch({type: 'snapshot', groups: snapshot.groups, now: snapshot.now})
      } catch (error) {
        if (!cancelled) dispatch({type: 'error', message: (error as Error).message})
      }
      if (!cancelled && !state.paused) timer = setTimeout(() => void tick(), state.intervalMs)
    }
    if (forced || (!state.paused && !(first && state.now > 0))) void tick()
    else if (!state.paused) timer = setTimeout(() => void tick(), state.intervalMs)
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [fetch, state.paused, state.intervalMs, state.refreshes, detail, dispatch])
}

/**
 * The size the screen takes: the terminal's, one line short. ink 6 redraws an output as tall as the terminal by
 * clearing the whole screen first (a flicker at every refresh); a shorter one is rewritten in place, in one
 * synchronized write.
 */
function useScreenSize(): {width: number; height: number} {
  const {stdout} = useStdout()
  const [size, setSize] = useState(() => screenSize(stdout))
  useEffect(() => {
    const onResize = () => setSize(screenSize(stdout))
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}

const screenSize = (stdout: NodeJS.WriteStream) => ({
  width: stdout.columns || 100,
  height: Math.max(5, (stdout.rows || 30) - 1),
})

export function App(props: {fetch: SnapshotSource; intervalMs: number; initial?: LagSnapshotData}) {
  const [state, dispatch] = useReducer(reducer, props, ({intervalMs, initial}) =>
    initial === undefined
      ? initialState(intervalMs)
      : reducer(initialState(intervalMs), {type: 'snapshot', groups: initial.groups, now: initial.now}),
  )
  const {exit} = useApp()
  const size = useScreenSize()
  usePolling(props.fetch, state, dispatch)
  // Keys need a terminal on stdin (raw mode); without one the view still refreshes, and Ctrl-C (SIGINT) quits.
  const keys = useStdin().isRawModeSupported === true
  useInput((input, key) => dispatch({type: 'key', input, key}), {isActive: keys})
  useEffect(() => {
    if (state.quit) exit()
  }, [state.quit, exit])
  return <Screen state={state} width={size.width} height={size.height} keys={keys} />
}

/**
 * Runs the viewer in the terminal until `q` (or Ctrl-C, SIGINT, SIGTERM, SIGHUP): on the alternate screen, so that quitting
 * (or a crash) gives the terminal back as it was.
 */
export async function runViewer(fetch: SnapshotSource, intervalMs: number, initial?: LagSnapshotData): Promise<void> {
  const out = process.stdout
  const leave = () => out.write('\x1b[?1049l\x1b[?25h')
  out.write('\x1b[?1049h\x1b[H')
  process.once('exit', leave)
  // Not ink 6.8's incrementalRendering: after a frame that ends with a newline it moves the cursor up one line
  // too few, so every refresh drew the screen one line lower and scrolled it.
  const instance = render(<App fetch={fetch} intervalMs={intervalMs} initial={initial} />, {exitOnCtrlC: false})
  const signals = {SIGINT: 2, SIGTERM: 15, SIGHUP: 1} as const
  const onSignal = (signal: keyof typeof signals) => {
    process.exitCode = 128 + signals[signal]
    instance.unmount()
  }
  for (const signal of Object.keys(signals) as (keyof typeof signals)[]) process.once(signal, onSignal)
  try {
    await instance.waitUntilExit()
  } finally {
    for (const signal of Object.keys(signals) as (keyof typeof signals)[]) process.off(signal, onSignal)
    process.off('exit', leave)
    leave()
  }
}
