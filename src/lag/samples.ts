// Thinning a partition's log-end history (pure; the daemon keeps the history): a series that outgrows its bound
// loses the samples whose loss changes least the lag in time they give, relative to that lag, so recent history
// stays dense, old history grows sparse (the series reaches back further than its bound of samples at one per
// interval), and the corners of idle gaps stay.
import type {LogSample} from './model.js'

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
