// The live lag viewer (`kafkalite lag` in a terminal): display-only ink components over the pure view state of
// view.ts, and one polling hook that asks the daemon for one snapshot per refresh. Loaded only by the lag command,
// so no other command pays for ink and react.
import {Box, Text, render, useApp, useInput, useStdout} from 'ink'
import {useEffect, useReducer, useState} from 'react'
import {buildModel} from './model.js'
import type {LagSnapshotData} from '../protocol/messages.js'
import {
  GROUP_COLUMNS,
  PARTITION_COLUMNS,
  TOPIC_COLUMNS,
  columnWidths,
  duration,
  fit,
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

// ANSI colours of the status column (the table is one Text: laying out one node instead of a node per cell
// measured 4x faster for 200 groups).
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

/**
 * A table, cut to the terminal's width and to `height` rows around the selection, whose status column (the last)
 * is coloured and whose selected row is inverted.
 */
export function Table(props: {
  header: readonly string[]
  rows: readonly (readonly string[])[]
  selected: number
  width: number
  height: number
}) {
  const {header, rows, selected, width, height} = props
  const widths = columnWidths(header, rows, width)
  const visible = Math.max(1, height)
  const first = Math.max(0, Math.min(selected - Math.floor(visible / 2), rows.length - visible))
  const line = (cells: readonly string[], isSelected: boolean, isHeader = false) => {
    const status = cells.at(-1)!
    const body = cells
      .slice(0, -1)
      .map((c, i) => fit(c, widths[i]!))
      .join(' ')
    const room = width - [...body].length - 1
    if (room <= 0) return fit(body, width)
    const tail = fit(status, Math.min(room, Math.max(status.length, 6))).trimEnd()
    const [on, off] = isHeader ? BOLD : (COLORS[status] ?? ['', ''])
    const text = `${body} ${on}${tail}${off}`
    return isSelected ? `${INVERSE[0]}${text}${INVERSE[1]}` : isHeader ? `${BOLD[0]}${text}${BOLD[1]}` : text
  }
  const lines = [line(header, false, true)]
  rows.slice(first, first + visible).forEach((cells, i) => lines.push(line(cells, first + i === selected)))
  if (rows.length === 0) lines.push('\x1b[2m(nothing to show)\x1b[22m')
  return <Text>{lines.join('\n')}</Text>
}

export function Header(props: {state: ViewState}) {
  const s = props.state
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
    s.paused ? 'PAUSED' : `every ${duration(s.intervalMs / 1000)}`,
  ].filter((f) => f !== '')
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">
          kafkalite lag
        </Text>
        {`  ${title}  `}
        <Text dimColor>{flags.join(' · ')}</Text>
      </Text>
      {s.error !== null ? <Text color="red">{s.error}</Text> : null}
    </Box>
  )
}

export function Footer() {
  return (
    <Text dimColor wrap="truncate">
      ↑↓/jk move · enter drill in · esc back · s sort · / filter · o issues only · p pause · +/- interval · r refresh ·
      q quit
    </Text>
  )
}

/** The whole screen for a state, at a terminal size. */
export function Screen(props: {state: ViewState; width: number; height: number}) {
  const {state: s, width, height} = props
  const screen = screenOf(s)
  const tableHeight = height - 4 - (s.error !== null ? 1 : 0)
  let table
  if (screen.kind === 'groups') {
    table = (
      <Table
        header={GROUP_COLUMNS}
        rows={visibleGroups(s).map(groupCells)}
        selected={s.selected}
        width={width}
        height={tableHeight}
      />
    )
  } else if (screen.kind === 'group') {
    const group = s.groups.find((g) => g.groupId === screen.groupId)
    table = group ? (
      <Box flexDirection="column">
        <Text
          dimColor
        >{`state ${group.state} · ${group.members} member(s) · assignor ${group.assignor || '-'} · lag ${group.totalLag} · status ${group.status}`}</Text>
        <Table
          header={PARTITION_COLUMNS}
          rows={visiblePartitions(s, group).map(partitionCells)}
          selected={s.selected}
          width={width}
          height={tableHeight - 1}
        />
      </Box>
    ) : (
      <Text color="yellow">{`Group ${screen.groupId} is gone.`}</Text>
    )
  } else {
    table = (
      <Table
        header={TOPIC_COLUMNS}
        rows={topicReaders(s, screen.topic).map(topicCells)}
        selected={s.selected}
        width={width}
        height={tableHeight}
      />
    )
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header state={s} />
      <Box flexGrow={1} flexDirection="column">
        {table}
      </Box>
      <Footer />
    </Box>
  )
}

export type SnapshotSource = () => Promise<LagSnapshotData>

/** Polls the daemon: one snapshot per interval (none while paused), and one at once on `r`. */
export function usePolling(fetch: SnapshotSource, state: ViewState, dispatch: (a: Action) => void): void {
  useEffect(() => {
    let cancelled = false
    let timer: NodeJS.Timeout | undefined
    const tick = async () => {
      try {
        const snapshot = await fetch()
        if (!cancelled) dispatch({type: 'snapshot', groups: buildModel(snapshot), now: snapshot.now})
      } catch (error) {
        if (!cancelled) dispatch({type: 'error', message: (error as Error).message})
      }
      if (!cancelled && !state.paused) timer = setTimeout(() => void tick(), state.intervalMs)
    }
    if (!state.paused || state.refreshes > 0) void tick()
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [fetch, state.paused, state.intervalMs, state.refreshes, dispatch])
}

function useTerminalSize(): {width: number; height: number} {
  const {stdout} = useStdout()
  const read = () => ({width: stdout.columns || 100, height: stdout.rows || 30})
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  })
  return size
}

export function App(props: {fetch: SnapshotSource; intervalMs: number}) {
  const [state, dispatch] = useReducer(reducer, props.intervalMs, initialState)
  const {exit} = useApp()
  const size = useTerminalSize()
  usePolling(props.fetch, state, dispatch)
  useInput((input, key) => dispatch({type: 'key', input, key}))
  useEffect(() => {
    if (state.quit) exit()
  }, [state.quit, exit])
  return <Screen state={state} width={size.width} height={size.height} />
}

/**
 * Runs the viewer in the terminal until `q`: on the alternate screen, so that quitting (or a crash) gives the
 * terminal back as it was.
 */
export async function runViewer(fetch: SnapshotSource, intervalMs: number): Promise<void> {
  const out = process.stdout
  const leave = () => out.write('\x1b[?1049l\x1b[?25h')
  out.write('\x1b[?1049h\x1b[H')
  process.once('exit', leave)
  try {
    const instance = render(<App fetch={fetch} intervalMs={intervalMs} />, {exitOnCtrlC: false})
    await instance.waitUntilExit()
  } finally {
    process.off('exit', leave)
    leave()
  }
}
