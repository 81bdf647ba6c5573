// A partition's log-end history, shaped for the daemon that keeps it and for the snapshots it serves. Pure:
// - thinning: a series that outgrows its bound loses the samples whose loss changes least the lag in time they give,
//   relative to that lag, so recent history stays dense, old history grows sparse (the series keeps reaching back
//   further than its bound of samples at one per interval), and the corners of idle gaps stay;
// - selection: the few samples of a series that the lag model reads for one snapshot (the two around each group's
//   committed offset, the trend's points, the start of the rate window), so that a refresh carries tens of samples
//   per partition instead of hundreds, and the model answers exactly as it would from the whole series.
import type {LagSnapshotData} from '../protocol/messages.js'
import {RATE_WINDOW_MS, firstWhere, trendTimes, type LogSample} from './model.js'

/**
 * How much the time the log reached samples[i]'s offset moves when samples[i] is dropped (the neighbours are then
 * interpolated), relative to how long ago that was. 0 when no offset is looked up through it (a flat run).
 */
export function removalCost(samples: readonly LogSample[], i: number, now: number): number {
  const [ta, ea] = samples[i - 1]!
  const [t, e] = samples[i]!
  const [tb, eb] = samples[i + 1]!
  if (eb === ea) return 0
  const estimate = ta + ((e - ea) / (eb - ea)) * (tb - ta)
  return Math.abs(t - estimate) / Math.max(1, now - t)
}

/** Drops samples, the cheapest to lose first (never the first or the last), until `target` are left. In place. */
export function thin<T extends LogSample>(samples: T[], target: number, now: number): void {
  const keep = Math.max(2, target)
  while (samples.length > keep) {
    let best = 1
    let bestCost = Number.POSITIVE_INFINITY
    for (let i = 1; i < samples.length - 1; i++) {
      const cost = removalCost(samples, i, now)
      if (cost < bestCost) {
        best = i
        bestCost = cost
      }
    }
    samples.splice(best, 1)
  }
}

/**
 * The samples of a partition's history that the lag model reads, for the committed offsets of the groups reading
 * the partition and the times of their trends, at `now`: the first two (extrapolation, the trend's start), the
 * last, the two around each committed offset (interpolation), the last one at or before each trend time, and the
 * first of the rate window.
 */
export function neededSamples<T extends LogSample>(
  samples: readonly T[],
  committed: Iterable<number>,
  times: Iterable<number>,
  now: number,
): T[] {
  const n = samples.length
  if (n <= 3) return [...samples]
  const keep = new Set<number>([0, 1, n - 1, firstWhere(samples, (s) => s[0] >= now - RATE_WINDOW_MS)])
  for (const offset of committed) {
    const after = firstWhere(samples, (s) => s[1] > offset)
    keep.add(after)
    keep.add(after - 1)
  }
  for (const t of times) {
    // The last sample at or before t: the one before the first after t.
    keep.add(firstWhere(samples, (s) => s[0] > t) - 1)
  }
  return [...keep]
    .filter((i) => i >= 0 && i < n)
    .sort((a, b) => a - b)
    .map((i) => samples[i]!)
}

/**
 * A snapshot with each partition's history cut down to the samples the lag model reads for it (neededSamples, for
 * the groups of the snapshot): buildModel gives the same answer from it as from the whole snapshot.
 */
export function trimSnapshot(snapshot: LagSnapshotData): LagSnapshotData {
  const key = (topic: string, partition: number) => `${partition}:${topic}`
  const logs = new Map(snapshot.partitions.map((p) => [key(p.topic, p.partition), p]))
  const needs = new Map<string, {committed: number[]; times: number[]}>()
  const need = (k: string) => {
    let n = needs.get(k)
    if (n === undefined) needs.set(k, (n = {committed: [], times: []}))
    return n
  }
  for (const g of snapshot.groups) {
    const offsets = new Map(g.offsets.map((o) => [key(o.topic, o.partition), o]))
    const keys = new Set([
      ...offsets.keys(),
      ...g.members.flatMap((m) => m.assignment.map((tp) => key(tp.topic, tp.partition))),
    ])
    const read = [...keys].filter((k) => logs.has(k))
    // The same partitions and histories as buildModel's trend of this group.
    const times = trendTimes(
      read.map((k) => ({samples: logs.get(k)!.samples, commits: offsets.get(k)?.commits ?? []})),
      snapshot.now,
    )
    for (const k of read) {
      const n = need(k)
      const o = offsets.get(k)
      if (o !== undefined) n.committed.push(o.committed)
      n.times.push(...times)
    }
  }
  return {
    ...snapshot,
    partitions: snapshot.partitions.map((p) => {
      const n = needs.get(key(p.topic, p.partition))
      return {...p, samples: neededSamples(p.samples, n?.committed ?? [], n?.times ?? [], snapshot.now)}
    }),
  }
}
