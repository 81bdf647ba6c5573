// The lag model: the daemon's lag history turned into what `kafkalite lag` and `consumer-groups --describe --json`
// show (the daemon evaluates it for its lagSnapshot answer). Pure functions, no I/O:
// - lag in records (log end minus committed offset) and in seconds, by interpolating the committed offset into the
//   partition's (time, log end) history, as kafka-lag-exporter does;
// - consume and produce rates, and the time to catch up;
// - Burrow's status per partition (OK, WARN, STOP, STALL, REWIND) from the sliding window of the group's last
//   commits, and per group (OK, WARN, ERR), with Burrow's rules and no hand-tuned thresholds;
// - a trend of the group's total lag over the history the daemon kept.
import type {
  LagPartitionsDetail,
  GroupState,
  LagGroupData,
  LagGroupStatus,
  LagPartitionData,
  LagPartitionStatus,
} from '../protocol/socket/messages.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

export type PartitionStatus = LagPartitionStatus
export type GroupStatus = LagGroupStatus
export type PartitionView = LagPartitionData
export type GroupView = LagGroupData

/** [time ms, log end offset] */
export type LogSample = readonly [number, number]
/** [time ms, committed offset, log end offset then] */
export type CommitSample = readonly [number, number, number]

/** What the model reads: the groups with their members and commits, and the history of the partitions they read. */
export interface LagInputs {
  /** The daemon's clock. */
  now: number
  groups: {
    groupId: string
    state: GroupState
    /** The assignor ('' when none is chosen). */
    protocol: string
    members: {
      memberId: string
      clientId: string
      clientHost: string
      assignment: {topic: string; partition: number}[]
    }[]
    offsets: {
      topic: string
      partition: number
      committed: number
      /** The last commits, oldest first (Burrow's window). */
      commits: readonly CommitSample[]
    }[]
  }[]
  partitions: {
    topic: string
    partition: number
    logStart: number
    logEnd: number
    /** The log end's history, oldest first. */
    samples: readonly LogSample[]
  }[]
}

/** Rates are measured over the last minute of history. */
export const RATE_WINDOW_MS = 60_000
/** Points of a group's total-lag trend. */
export const TREND_POINTS = 20

/**
 * Lag in seconds of a committed offset: now minus the time the log end passed it, interpolated between the two
 * samples around it; before the oldest sample, extrapolated at the rate of the oldest two. 0 when caught up; null
 * when the daemon has no history of the partition (its records were all written before the daemon kept one).
 */
export function lagSeconds(
  committed: number,
  logEnd: number,
  samples: readonly LogSample[],
  now: number,
): number | null {
  if (committed >= logEnd) return 0
  if (samples.length === 0) return null
  const after = firstWhere(samples, (s) => s[1] > committed)
  let reached: number
  if (after === samples.length) {
    // Appended after the newest sample kept (a history not saved before a restart): dated at that sample.
    reached = samples.at(-1)![0]
  } else if (after === 0) {
    const [t0, e0] = samples[0]!
    const next = samples[1]
    const rate = next !== undefined && next[0] > t0 ? (next[1] - e0) / (next[0] - t0) : 0
    reached = rate > 0 ? t0 - (e0 - committed) / rate : t0
  } else {
    const [ta, ea] = samples[after - 1]!
    const [tb, eb] = samples[after]!
    reached = ta + ((committed - ea) / (eb - ea)) * (tb - ta)
  }
  return Math.max(0, now - reached) / 1000
}

/** Records per second at which the log grew over the last minute, up to now. */
export function produceRate(samples: readonly LogSample[], logEnd: number, now: number): number {
  const from = samples[firstWhere(samples, (s) => s[0] >= now - RATE_WINDOW_MS)]
  if (from === undefined || now <= from[0]) return 0
  return Math.max(0, ((logEnd - from[1]) * 1000) / (now - from[0]))
}

/** Records per second the group consumed (committed) over the last minute, up to now. */
export function consumeRate(commits: readonly CommitSample[], now: number): number {
  const recent = commits.filter((c) => c[0] >= now - RATE_WINDOW_MS)
  if (recent.length < 2 || now <= recent[0]![0]) return 0
  return Math.max(0, ((recent.at(-1)![1] - recent[0]![1]) * 1000) / (now - recent[0]![0]))
}

/**
 * Burrow's partition status (its evaluator's rules, in its order) from the window of last commits and the current
 * lag: caught up is OK; a consumer that has not committed for longer than its window spans is STOP, unless it was
 * caught up within that span (`behindSeconds`, how long ago the log passed its committed offset: Burrow's recent zero
 * lag); otherwise, if the lag was never zero in the window: offsets going back, and not back again since, are REWIND,
 * offsets not moving are STALL, a lag that never decreased is WARN. A window of one commit spans no time, so STOP
 * needs two.
 */
export function partitionStatus(
  commits: readonly CommitSample[],
  currentLag: number,
  now: number,
  behindSeconds: number | null = null,
): PartitionStatus {
  if (currentLag <= 0 || commits.length === 0) return 'OK'
  const first = commits[0]!
  const last = commits.at(-1)!
  const span = last[0] - first[0]
  const recentlyCaughtUp = behindSeconds !== null && behindSeconds * 1000 <= span
  if (commits.length >= 2 && now - last[0] > span && !recentlyCaughtUp) return 'STOP'
  const lags = commits.map((c) => c[2] - c[1])
  if (lags.some((l) => l <= 0)) return 'OK'
  const rewind = commits.findIndex((c, i) => i > 0 && c[1] < commits[i - 1]![1])
  if (rewind > 0 && !commits.slice(rewind).some((c) => c[1] >= commits[rewind - 1]![1])) return 'REWIND'
  if (commits.length >= 2 && commits.every((c) => c[1] === first[1])) return 'STALL'
  if (commits.length >= 2 && lags.every((l, i) => i === 0 || l >= lags[i - 1]!)) return 'WARN'
  return 'OK'
}

/** Burrow's group status: ERR when a partition is stopped, stalled or rewound, WARN when one is lagging. */
export function groupStatus(statuses: readonly PartitionStatus[]): GroupStatus {
  if (statuses.some((s) => s === 'STOP' || s === 'STALL' || s === 'REWIND')) return 'ERR'
  return statuses.includes('WARN') ? 'WARN' : 'OK'
}

/** The index of the first element for which `past` holds (length when none does); `past` must hold of a suffix. */
export function firstWhere<T>(series: readonly T[], past: (x: T) => boolean): number {
  let lo = 0
  let hi = series.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (past(series[mid]!)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** The value of a step series at time t: the last sample at or before it (undefined before the first). */
function valueAt<T extends readonly number[]>(series: readonly T[], t: number, index: number): number | undefined {
  return series[firstWhere(series, (s) => s[0]! > t) - 1]?.[index]
}

export interface TrendInput {
  samples: readonly LogSample[]
  commits: readonly CommitSample[]
  logEnd: number
  committed: number | null
}

/** How far back a trend reaches at most. */
export const TREND_SPAN_MS = 5 * 60_000

/**
 * The TREND_POINTS times of a group's trend, oldest first: from its oldest sample or commit (TREND_SPAN_MS back at
 * most) to now; none without history.
 */
export function trendTimes(partitions: readonly Pick<TrendInput, 'samples' | 'commits'>[], now: number): number[] {
  let first = Number.POSITIVE_INFINITY
  for (const p of partitions) first = Math.min(first, p.samples[0]?.[0] ?? first, p.commits[0]?.[0] ?? first)
  if (first === Number.POSITIVE_INFINITY) return []
  const start = Math.max(first, now - TREND_SPAN_MS)
  const step = (now - start) / (TREND_POINTS - 1)
  if (!(step > 0)) return []
  return Array.from({length: TREND_POINTS}, (_, i) => (i === TREND_POINTS - 1 ? now : start + i * step))
}

/** The group's total lag at its trend times (the last one is now: the current lag), oldest first. */
export function lagTrend(partitions: readonly TrendInput[], now: number): number[] {
  return trendTimes(partitions, now).map((t, i) => {
    let total = 0
    for (const p of partitions) {
      const end = i === TREND_POINTS - 1 ? p.logEnd : valueAt(p.samples, t, 1)
      const committed = i === TREND_POINTS - 1 ? p.committed : (valueAt(p.commits, t, 1) ?? null)
      if (end !== undefined && committed !== null) total += Math.max(0, end - committed)
    }
    return total
  })
}

/**
 * How unevenly a group's lag is spread over its partitions, as kafkatop shows it: PAR, the largest lag over the mean
 * (1 when even, the number of partitions when one partition has it all), and Cv, the standard deviation over the mean
 * (0 when even). null without lag or with one partition.
 */
export function lagSkew(lags: readonly number[]): {par: number; cv: number} | null {
  const mean = lags.reduce((n, l) => n + l, 0) / lags.length
  if (lags.length < 2 || !(mean > 0)) return null
  const variance = lags.reduce((n, l) => n + (l - mean) ** 2, 0) / lags.length
  return {par: round(Math.max(...lags) / mean), cv: round(Math.sqrt(variance) / mean)}
}

/** Seconds and rates to a thousandth: finer digits only lengthen the answer. */
function round<T extends number | null>(x: T): T {
  return (x === null ? null : Math.round(x * 1000) / 1000) as T
}

/** The groups of a snapshot, with everything the viewer shows. */
export function buildModel(snapshot: LagInputs): GroupView[] {
  const now = snapshot.now
  const logs = new Map(snapshot.partitions.map((p) => [tpKey(p.topic, p.partition), p]))
  return snapshot.groups.map((g) => {
    const owners = new Map<string, PartitionView['owner']>()
    for (const m of g.members) {
      for (const tp of m.assignment) {
        owners.set(tpKey(tp.topic, tp.partition), {memberId: m.memberId, clientId: m.clientId, host: m.clientHost})
      }
    }
    const keys = new Set([...g.offsets.map((o) => tpKey(o.topic, o.partition)), ...owners.keys()])
    const offsets = new Map(g.offsets.map((o) => [tpKey(o.topic, o.partition), o]))
    const inputs: TrendInput[] = []
    const partitions: PartitionView[] = []
    for (const key of keys) {
      const log = logs.get(key)
      if (log === undefined) continue // a deleted topic
      const o = offsets.get(key)
      const commits = o?.commits ?? []
      const committed = o?.committed ?? null
      const lag = committed === null ? null : Math.max(0, log.logEnd - committed)
      inputs.push({samples: log.samples, commits, logEnd: log.logEnd, committed})
      const behind = committed === null ? null : lagSeconds(committed, log.logEnd, log.samples, now)
      partitions.push({
        topic: log.topic,
        partition: log.partition,
        committed,
        logStart: log.logStart,
        logEnd: log.logEnd,
        lag,
        lagSeconds: round(behind),
        owner: owners.get(key) ?? null,
        status: partitionStatus(commits, lag ?? 0, now, behind),
        trend: commits.map((c) => Math.max(0, c[2] - c[1])),
        consumeRate: round(consumeRate(commits, now)),
        produceRate: round(produceRate(log.samples, log.logEnd, now)),
      })
    }
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
    const totalLag = partitions.reduce((n, p) => n + (p.lag ?? 0), 0)
    const worst = partitions.reduce<PartitionView | null>((w, p) => ((p.lag ?? 0) > (w?.lag ?? 0) ? p : w), null)
    const seconds = partitions.map((p) => p.lagSeconds).filter((s) => s !== null)
    const consume = partitions.reduce((n, p) => n + p.consumeRate, 0)
    const produce = partitions.reduce((n, p) => n + p.produceRate, 0)
    const net = consume - produce
    return {
      groupId: g.groupId,
      state: g.state,
      members: g.members.length,
      assignor: g.protocol,
      totalLag,
      maxLag: worst && (worst.lag ?? 0) > 0 ? {topic: worst.topic, partition: worst.partition, lag: worst.lag!} : null,
      lagSeconds: seconds.length === 0 ? null : Math.max(...seconds),
      consumeRate: round(consume),
      produceRate: round(produce),
      eta: totalLag === 0 ? 0 : net > 0 ? round(totalLag / net) : null,
      trend: lagTrend(inputs, now),
      skew: lagSkew(partitions.map((p) => p.lag ?? 0)),
      status: groupStatus(partitions.map((p) => p.status)),
      partitions,
    }
  })
}

/** Keeps the partitions a lag request asked to see (every group's totals, statuses and trends always stay). */
export function withPartitionDetail(groups: GroupView[], detail: LagPartitionsDetail): GroupView[] {
  return groups.map((g) => {
    if (detail === 'all') return g
    if (detail === 'none') return {...g, partitions: []}
    if ('groupId' in detail) return detail.groupId === g.groupId ? g : {...g, partitions: []}
    return {...g, partitions: g.partitions.filter((p) => p.topic === detail.topic)}
  })
}
