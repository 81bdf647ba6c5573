import {Flags} from '@oclif/core'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {BaseCommand} from '../cli/base-command.js'
import {LagSampler} from '../cli/lag-sampler.js'
import {connectionFlags} from '../cli/flags.js'
import {parseShortDuration} from '../cli/group-reset.js'
import {KafkaException, usageError} from '../errors.js'
import {GROUP_COLUMNS, groupCells, initialState, plainTable, visibleGroups} from '../tui/lag/view.js'
import {packageRoot} from '../package-info.js'
import type {LagGroupData, LagPartitionsDetail, LagSnapshotData} from '../protocol/socket/messages.js'

export interface LagResult {
  now: number
  groups: LagGroupData[]
}

const FAIL_LEVELS = ['WARN', 'ERR'] as const

export default class Lag extends BaseCommand {
  static override description = `Watch consumer lag live: every group's lag in records and in time, rates, time to catch up, trend and Burrow-style health.

In a terminal this is a live view (refreshed every --interval): groups with their state, members, assignor, total lag, the partition that lags most, lag in time (how long ago the oldest unconsumed record was written), consume and produce rates, the time to catch up, a sparkline of the total lag, and a status computed as Burrow does from each partition's last commits (OK, WARN, STOP, STALL, REWIND; per group OK, WARN, ERR). Enter drills into a group (its partitions with committed offset, log start and end, lag, owner, and the skew of its lag: PAR and Cv) and from a partition into the groups reading its topic; Esc goes back. Keys: arrows or j/k, Enter, Esc, s sort, / filter (regex), o only groups with issues, p pause, + and - lengthen and shorten the refresh interval, r refresh, q quit. When the daemon stops or restarts, the last numbers stay on screen marked STALE, and the viewer reconnects at the next refresh (or on r).

The daemon keeps the history behind lag in time, rates and trends (samples of each partition's log end, each group's last commits; see kafkalite.lag.* in server.properties), so it is there when the viewer opens, and evaluates it for each refresh. Against a Kafka cluster (--bootstrap-server), the viewer samples that history itself at each refresh, as kafka-lag-exporter does: lag in time and rates appear from the second refresh, and a consumer that commits the same offset again shows as STOP rather than STALL. q, Ctrl-C, SIGTERM and SIGHUP restore the terminal; when stdin is not a terminal the view refreshes without keys until Ctrl-C. With --once, or when stdout is not a terminal (a pipe, CI), one plain snapshot is printed instead; --json prints it as JSON. --fail-on WARN or ERR exits 1 when a group is in that state or worse, for CI.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --group billing --interval 500ms',
    '<%= config.bin %> <%= command.id %> --once --fail-on ERR',
    '<%= config.bin %> <%= command.id %> --topic orders --json',
  ]

  static override flags = {
    ...connectionFlags,
    group: Flags.string({description: 'Only this group (repeatable).', multiple: true, helpValue: '<group>'}),
    topic: Flags.string({description: 'Only lag on this topic (repeatable).', multiple: true, helpValue: '<topic>'}),
    interval: Flags.string({
      description: 'Refresh interval of the live view: 1s, 500ms, 2m (seconds without a unit). Default 1s.',
      helpValue: '<duration>',
    }),
    once: Flags.boolean({description: 'Print one snapshot and exit, even in a terminal.'}),
    'fail-on': Flags.string({
      description: 'Exit 1 when a group is in this state or worse (WARN: WARN or ERR; ERR: ERR only).',
      options: [...FAIL_LEVELS],
      helpValue: '<WARN|ERR>',
    }),
  }

  async run(): Promise<LagResult> {
    const {flags} = await this.parse(Lag)
    this.checkBootstrap(flags)
    const intervalMs = parseShortDuration(flags.interval ?? '1s', '--interval')
    if (intervalMs < 100) throw usageError(`Invalid --interval '${flags.interval}': use at least 100ms.`)
    // The local daemon keeps the lag history; against a Kafka cluster the viewer samples it itself.
    const scope = {groups: flags.group ?? null, topics: flags.topic ?? null}
    const cluster = await this.cluster()
    let fetch: (partitions: LagPartitionsDetail) => Promise<LagSnapshotData>
    if (cluster === null) {
      const control = await this.control()
      fetch = (partitions) => control.lagSnapshot({...scope, partitions})
    } else {
      const sampler = new LagSampler(cluster)
      fetch = (partitions) => sampler.snapshot({...scope, partitions})
    }
    const live = process.stdout.isTTY === true && !flags.once && !this.jsonEnabled()
    // The first snapshot before anything is drawn: a bad --group or --topic is one line, not a broken screen. The
    // live view opens on the groups, without their partitions.
    const snapshot = await fetch(live ? 'none' : 'all')
    const missing = (flags.group ?? []).filter((id) => !snapshot.groups.some((g) => g.groupId === id))
    if (missing.length > 0 && flags.topic === undefined) {
      throw new KafkaException(
        'GROUP_ID_NOT_FOUND',
        `Consumer group '${missing[0]}' does not exist. List the groups with 'kafkalite consumer-groups --list'.`,
      )
    }
    if (live) {
      // ink and react are loaded here only: no other command pays for them. React's production build (a frame of
      // 200 groups measured 5-7% faster than with the development build's checks).
      process.env.NODE_ENV ??= 'production'
      const viewer = (await outsideCi(
        () => import(pathToFileURL(join(packageRoot(), 'dist', 'tui', 'lag', 'app.js')).href),
      )) as {
        runViewer: (
          fetch: (partitions: LagPartitionsDetail) => Promise<LagSnapshotData>,
          intervalMs: number,
          initial: LagSnapshotData,
        ) => Promise<void>
      }
      await viewer.runViewer(fetch, intervalMs, snapshot)
      return {now: Date.now(), groups: []}
    }
    const groups = snapshot.groups
    if (!this.jsonEnabled()) {
      const state = {...initialState(intervalMs), groups}
      process.stdout.write(plainTable(GROUP_COLUMNS, visibleGroups(state).map(groupCells)))
    }
    const failOn = flags['fail-on']
    if (failOn !== undefined) {
      const failing = groups.filter((g) => g.status === 'ERR' || (failOn === 'WARN' && g.status === 'WARN'))
      if (failing.length > 0) {
        if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({now: snapshot.now, groups}, null, 2)}\n`)
        const which = failing.map((g) => {
          const bad = g.partitions.filter((p) => p.status !== 'OK').map((p) => `${p.topic}-${p.partition} ${p.status}`)
          return `${g.groupId} is ${g.status} (${bad.join(', ')})`
        })
        throw new KafkaException('LAG_CHECK_FAILED', `--fail-on ${failOn}: group ${which.join('; group ')}.`)
      }
    }
    return {now: snapshot.now, groups}
  }
}

/**
 * Runs `load` with CI and CONTINUOUS_INTEGRATION hidden from the environment. ink reads them once, when it is first
 * imported (is-in-ci), and then draws nothing but the last frame and ignores resizes; the viewer runs live only on a
 * terminal, which it decides itself, so a terminal in a CI job (tmux in a pipeline, say) gets the live view too.
 */
async function outsideCi<T>(load: () => Promise<T>): Promise<T> {
  const names = ['CI', 'CONTINUOUS_INTEGRATION'] as const
  const saved = names.map((name) => process.env[name])
  for (const name of names) delete process.env[name]
  try {
    return await load()
  } finally {
    names.forEach((name, i) => {
      if (saved[i] !== undefined) process.env[name] = saved[i]
    })
  }
}
