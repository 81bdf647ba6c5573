// The history behind the lag viewer, kept by the daemon so that it is there when a viewer opens: per partition, a
// bounded series of (time, log end offset) samples, taken on appends at most once per sample interval (the last
// append of each interval, an exact pair; after an idle gap, the first append also adds the pair "the log still
// ended here a millisecond ago", so the records after the gap are not dated back into it); per group and partition,
// the last commits with the log end at the time (Burrow's sliding window). A log series that outgrows its bound is
// thinned (src/lag/samples.ts), so it reaches back further the longer it runs. Series live in memory and are saved
// to SQLite about once a second, only those that changed.
import type {LagSamplesMatch, Store} from '../../store/store.js'
import {thin} from '../../lag/samples.js'
import type {LagHistoryConfig} from '../broker-config.js'
import type {Logger} from '../logger.js'
import {tpKey} from '../../protocol/kafka/topic-partition.js'

/** [time ms, log end offset] */
export type LogSample = [number, number]
/** [time ms, committed offset, log end offset at that time] */
export type CommitSample = [number, number, number]

interface Series<T extends number[]> {
  samples: T[]
  /**
   * Time of the newest sample at the last save: stored samples from there on are rewritten by the next save
   * (-Infinity: the whole series, after a thinning).
   */
  savedFromTs: number
  dirty: boolean
}

const commitKey = (groupId: string, topic: string, partition: number) => `${groupId}\0${partition}:${topic}`

export class LagHistory {
  readonly #store: Store
  readonly #config: LagHistoryConfig
  readonly #log: Logger
  readonly #logSeries = new Map<string, Series<LogSample> & {topic: string; partition: number}>()
  readonly #commitSeries = new Map<string, Series<CommitSample> & {groupId: string; topic: string; partition: number}>()
  readonly #timer: NodeJS.Timeout
  #saveFailing = false

  constructor(store: Store, config: LagHistoryConfig, log: Logger) {
    this.#store = store
    this.#config = config
    this.#log = log
    const stored = store.listLagSamples()
    for (const r of stored.log) {
      const series = this.#logSeriesOf(r.topic, r.partition)
      series.samples.push([r.ts, r.endOffset])
      series.savedFromTs = r.ts
    }
    for (const r of stored.commits) {
      const series = this.#commitSeriesOf(r.groupId, r.topic, r.partition)
      series.samples.push([r.ts, r.committed, r.endOffset])
      series.savedFromTs = r.ts
    }
    this.#timer = setInterval(() => this.flush(), config.flushIntervalMs)
    this.#timer.unref()
  }

  #logSeriesOf(topic: string, partition: number) {
    const key = tpKey(topic, partition)
    let series = this.#logSeries.get(key)
    if (series === undefined) {
      series = {topic, partition, samples: [], savedFromTs: Number.NEGATIVE_INFINITY, dirty: false}
      this.#logSeries.set(key, series)
    }
    return series
  }

  #commitSeriesOf(groupId: string, topic: string, partition: number) {
    const key = commitKey(groupId, topic, partition)
    let series = this.#commitSeries.get(key)
    if (series === undefined) {
      series = {groupId, topic, partition, samples: [], savedFromTs: Number.NEGATIVE_INFINITY, dirty: false}
      this.#commitSeries.set(key, series)
    }
    return series
  }

  /** Adds a sample to a series: the newest sample of the current interval replaces an older one of it. */
  #add<T extends number[]>(series: Series<T>, sample: T, bound: number): void {
    const last = series.samples.at(-1)
    if (last !== undefined && this.#interval(last[0]!) === this.#interval(sample[0]!)) {
      series.samples[series.samples.length - 1] = sample
    } else {
      series.samples.push(sample)
      if (series.samples.length > bound) series.samples.splice(0, series.samples.length - bound)
    }
    series.dirty = true
  }

  #interval(ts: number): number {
    return Math.floor(ts / this.#config.sampleIntervalMs)
  }

  /** A partition's log grew to `endOffset`. */
  onAppend(topic: string, partition: number, endOffset: number, now: number): void {
    const series = this.#logSeriesOf(topic, partition)
    const samples = series.samples
    const last = samples.at(-1)
    series.dirty = true
    if (last !== undefined && this.#interval(last[0]) === this.#interval(now)) {
      samples[samples.length - 1] = [now, endOffset]
      return
    }
    // An idle gap: the log still ended at the last sample's offset just before this append.
    if (last !== undefined && this.#interval(now) - this.#interval(last[0]) > 1 && now - 1 > last[0]) {
      samples.push([now - 1, last[1]])
    }
    samples.push([now, endOffset])
    if (samples.length > this.#config.logSamples) {
      thin(samples, Math.floor((this.#config.logSamples * 3) / 4), now)
      series.savedFromTs = Number.NEGATIVE_INFINITY
    }
  }

  /** A group committed `committed` for a partition whose log ends at `endOffset`. */
  onCommit(groupId: string, topic: string, partition: number, committed: number, endOffset: number, now: number) {
    this.#add(this.#commitSeriesOf(groupId, topic, partition), [now, committed, endOffset], this.#config.commitSamples)
  }

  logSamples(topic: string, partition: number): readonly LogSample[] {
    return this.#logSeries.get(tpKey(topic, partition))?.samples ?? []
  }

  commitSamples(groupId: string, topic: string, partition: number): readonly CommitSample[] {
    return this.#commitSeries.get(commitKey(groupId, topic, partition))?.samples ?? []
  }

  /**
   * Forgets series in memory and in the store: a deleted topic's (every group's commits of it too), a deleted
   * group's, or a group's commits of partitions whose offsets were deleted.
   */
  forget(match: LagSamplesMatch): void {
    this.#store.deleteLagSamples(match)
    if ('partitions' in match) {
      for (const p of match.partitions) this.#commitSeries.delete(commitKey(match.groupId, p.topic, p.partition))
    } else if ('topic' in match) {
      for (const [key, s] of this.#logSeries) if (s.topic === match.topic) this.#logSeries.delete(key)
      for (const [key, s] of this.#commitSeries) if (s.topic === match.topic) this.#commitSeries.delete(key)
    } else {
      for (const [key, s] of this.#commitSeries) if (s.groupId === match.groupId) this.#commitSeries.delete(key)
    }
  }

  /** Saves the series that changed since the last save. */
  flush(): void {
    const log = [...this.#logSeries.values()].filter((s) => s.dirty)
    const commits = [...this.#commitSeries.values()].filter((s) => s.dirty)
    if (log.length === 0 && commits.length === 0) return
    const recent = <T extends number[]>(s: Series<T>) => s.samples.filter((x) => x[0]! >= s.savedFromTs)
    try {
      this.#store.saveLagSamples(
        log.map((s) => ({
          topic: s.topic,
          partition: s.partition,
          fromTs: s.savedFromTs,
          floorTs: s.samples[0]![0],
          samples: recent(s).map(([ts, endOffset]) => ({ts, endOffset})),
        })),
        commits.map((s) => ({
          groupId: s.groupId,
          topic: s.topic,
          partition: s.partition,
          fromTs: s.savedFromTs,
          floorTs: s.samples[0]![0],
          samples: recent(s).map(([ts, committed, endOffset]) => ({ts, committed, endOffset})),
        })),
      )
    } catch (error) {
      // History is a convenience: a failed save is logged (once while saves fail) and retried at the next flush.
      if (!this.#saveFailing) this.#log.warn(`could not save the lag history: ${(error as Error).message}`)
      this.#saveFailing = true
      return
    }
    this.#saveFailing = false
    for (const s of [...log, ...commits]) {
      s.dirty = false
      s.savedFromTs = s.samples.at(-1)![0]!
    }
  }

  close(): void {
    clearInterval(this.#timer)
    this.flush()
  }
}
