// Kafka's LogManager background work, off the request path: retention (every log.retention.check.interval.ms, whole
// segments past retention.ms or retention.bytes, and those below the log start offset), the purge of the batches
// below each log start offset, and the log cleaner (log-cleaner.ts). Each runs in small steps, one SQLite unit of
// work each, scheduled between requests: a producer never waits for more than one step.
import type {Store} from '../store/store.js'
import type {LogManagerConfig} from './broker-config.js'
import type {Broker, PartitionState} from './broker.js'
import {CleanerPass, cleanableOf, filthiest, type Cleanable, type CleanerStats} from './log-cleaner.js'
import type {Logger} from './logger.js'
import {segmentEnd, segmentsToDelete} from './segments.js'

/** Batches deleted per purge step. */
const PURGE_BATCHES = 64
/** The time one cleaner step may take, in ms. */
const CLEANER_STEP_MS = 4
/**
 * While clients are being served (a request within this many ms), background work takes at most a quarter of the
 * daemon's time: after a step of d ms it waits 3d. Otherwise the next step runs at once. The daemon serves requests
 * and runs the cleaner on one thread (Kafka's cleaner has threads of its own), so without this a long pass took
 * about half of a producer's throughput.
 */
const BUSY_WINDOW_MS = 20
const BUSY_SHARE = 0.25

export class LogManager {
  readonly #broker: Broker
  readonly #store: Store
  readonly #config: LogManagerConfig
  readonly #log: Logger
  readonly #now: () => number
  readonly #timers: NodeJS.Timeout[] = []
  /** Partitions with batches below their log start offset, to purge. */
  readonly #purging = new Set<PartitionState>()
  #purgeScheduled = false
  #pass: CleanerPass | null = null
  #cleanerTimer: NodeJS.Timeout | null = null
  #closed = false
  /** Told after each cleaner pass (tests and the bench wait on it). */
  onCleaned: ((stats: CleanerStats) => void) | null = null
  /** When a client request was last served (performance.now()): the broker core notes it. */
  lastRequestAt = -Infinity

  constructor(broker: Broker, store: Store, config: LogManagerConfig, log: Logger, now: () => number = Date.now) {
    this.#broker = broker
    this.#store = store
    this.#config = config
    this.#log = log
    this.#now = now
  }

  /** Starts the timers, and the purge of what an earlier run left below the log start offsets. */
  start(): void {
    // What an earlier run left below the log start offsets is looked for a second after the start, not in it: a
    // start reads no batch (a damaged page is met by the request that needs it, not by the start).
    const leftovers = setTimeout(
      () =>
        this.#unit(() => {
          for (const t of this.#broker.topics()) {
            for (const p of t.partitions) {
              if (this.#store.hasBatchesBelow(t.row.id, p.index, p.logStartOffset)) this.schedulePurge(p)
            }
          }
        }),
      1000,
    )
    leftovers.unref()
    this.#timers.push(leftovers)
    const retention = setInterval(
      () => this.#unit(() => this.enforceRetention()),
      this.#config.retentionCheckIntervalMs,
    )
    retention.unref()
    this.#timers.push(retention)
    if (this.#config.cleanerEnable) this.#scheduleCleaner(this.#config.cleanerBackoffMs)
  }

  /** Stops the timers and the cleaner, after a last checkpoint of the active segments' totals. */
  close(): void {
    this.#unit(() => this.#broker.saveSegmentCheckpoint())
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    if (this.#cleanerTimer) clearTimeout(this.#cleanerTimer)
  }

  /** Runs `work` as a unit of work; a storage failure is logged (the next tick tries again). */
  #unit(work: () => void): boolean {
    if (this.#closed) return false
    try {
      const failure = this.#store.unit(work)
      if (failure) this.#log.warn(`log maintenance deferred: ${failure.message}`)
      return failure === null
    } catch (error) {
      this.#log.error(`log maintenance failed: ${error instanceof Error ? error.message : String(error)}`)
      return false
    }
  }

  /**
   * One retention pass over every partition (Kafka's LogManager.cleanupLogs): deletes the segments that are past
   * the topic's retention.ms or retention.bytes (cleanup.policy with delete), and those below the log start offset.
   * Returns the number of segments deleted.
   */
  enforceRetention(): number {
    const now = this.#now()
    let deleted = 0
    for (const t of this.#broker.topics()) {
      const retention = t.deletes ? {ms: t.retentionMs, bytes: t.retentionBytes} : {ms: -1, bytes: -1}
      for (const p of t.partitions) {
        const {count, reason} = segmentsToDelete(p.segments, p.logStartOffset, p.nextOffset, now, retention)
        if (count === 0) continue
        const start = Math.max(p.logStartOffset, segmentEnd(p.segments, count - 1, p.nextOffset))
        const why =
          reason === 'time'
            ? `retention time ${t.retentionMs}ms breach`
            : reason === 'size'
              ? `retention size ${t.retentionBytes} bytes breach`
              : 'log start offset'
        this.#log.info(
          `deleting ${count} segment(s) of ${t.row.name}-${p.index} due to ${why}: log start offset ${p.logStartOffset} -> ${start}`,
        )
        this.#broker.moveLogStart(p, start, count)
        deleted += count
      }
    }
    return deleted
  }

  /** Purges a partition's batches below its log start offset, in steps (the broker calls this when it moves). */
  schedulePurge(p: PartitionState): void {
    this.#purging.add(p)
    if (this.#purgeScheduled || this.#closed) return
    this.#purgeScheduled = true
    setImmediate(() => this.#purgeStep())
  }

  #purgeStep(): void {
    const started = performance.now()
    this.#purgeScheduled = false
    const p = this.#purging.values().next().value
    if (p === undefined || this.#closed) return
    let deleted = 0
    const ok = p.topic.deleted || this.#unit(() => (deleted = this.#broker.purge(p, PURGE_BATCHES)))
    if (p.topic.deleted || (ok && deleted < PURGE_BATCHES)) {
      this.#purging.delete(p)
      if (ok && !p.topic.deleted) this.#refreshSegments(p, p.logStartOffset, p.logStartOffset + 1)
    }
    if (this.#purging.size === 0) return
    this.#purgeScheduled = true
    if (ok) this.#next(started, () => this.#purgeStep())
    else setTimeout(() => this.#purgeStep(), 1000).unref()
  }

  /** Runs the next step of background work at once, or later while clients are being served (BUSY_SHARE). */
  #next(stepStarted: number, step: () => void): void {
    const now = performance.now()
    if (now - this.lastRequestAt > BUSY_WINDOW_MS) {
      setImmediate(step)
      return
    }
    const wait = ((now - stepStarted) * (1 - BUSY_SHARE)) / BUSY_SHARE
    setTimeout(step, Math.max(1, Math.round(wait))).unref()
  }

  /** Whether a cleaner pass is under way. */
  get cleaning(): boolean {
    return this.#pass !== null
  }

  /** The compacted partitions due for cleaning now, dirtiest first. */
  cleanable(): Cleanable[] {
    const now = this.#now()
    const out: Cleanable[] = []
    for (const t of this.#broker.topics()) {
      if (!t.compacted) continue
      for (const p of t.partitions) {
        const c = cleanableOf(this.#store, p, now)
        if (c) out.push(c)
      }
    }
    return out
  }

  #scheduleCleaner(delayMs: number): void {
    if (this.#closed) return
    this.#cleanerTimer = setTimeout(() => this.#cleanerTick(), delayMs)
    this.#cleanerTimer.unref()
  }

  /** Starts a pass over the filthiest partition, or sleeps log.cleaner.backoff.ms when none is due. */
  #cleanerTick(): void {
    let next: Cleanable | null = null
    try {
      next = filthiest(this.cleanable())
    } catch (error) {
      this.#log.error(`log cleaner: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (next === null) {
      this.#scheduleCleaner(this.#config.cleanerBackoffMs)
      return
    }
    this.#pass = new CleanerPass(this.#store, next, this.#now(), this.#config.cleanerMaxKeys)
    const {p, firstDirty, firstUncleanable, ratio} = next
    this.#log.info(
      `log cleaner: cleaning ${p.topic.row.name}-${p.index}: dirty offsets ${firstDirty} to ${firstUncleanable}, dirty ratio ${ratio.toFixed(2)}${next.overdue ? ' (due: max.compaction.lag.ms or a delete horizon)' : ''}`,
    )
    setImmediate(() => this.#cleanerStep(next))
  }

  #cleanerStep(c: Cleanable): void {
    const pass = this.#pass
    if (pass === null || this.#closed) return
    if (!pass.valid) {
      this.#pass = null
      this.#scheduleCleaner(0)
      return
    }
    let done = false
    const started = performance.now()
    const ok = this.#unit(() => (done = pass.step(CLEANER_STEP_MS)))
    if (!ok) {
      this.#pass = null
      this.#scheduleCleaner(this.#config.cleanerBackoffMs)
      return
    }
    if (!done) {
      this.#next(started, () => this.#cleanerStep(c))
      return
    }
    const p = c.p
    const end = Math.max(pass.stats.endOffset, p.cleanOffset)
    this.#unit(() => {
      this.#store.setCleanOffset(p.topic.row.id, p.index, end)
      p.cleanOffset = end
    })
    p.deleteHorizon = pass.stats.deleteHorizon
    this.#refreshSegments(p, p.logStartOffset, end)
    this.#pass = null
    const s = pass.stats
    this.#log.info(
      `log cleaner: cleaned ${s.topic}-${s.partition} up to offset ${s.endOffset}: ${s.keys} keys, ${s.bytesBefore} -> ${s.bytesAfter} bytes, ${s.deletedBatches} batches deleted, ${s.rewrittenBatches} rewritten`,
    )
    this.onCleaned?.(s)
    this.#scheduleCleaner(0)
  }

  /** Reads the totals of the closed segments overlapping [from, to) back from their batches, and saves them. */
  #refreshSegments(p: PartitionState, from: number, to: number): void {
    const id = p.topic.row.id
    this.#unit(() => {
      const rows = []
      for (let i = 0; i < p.segments.length - 1; i++) {
        const s = p.segments[i]!
        const end = segmentEnd(p.segments, i, p.nextOffset)
        if (end <= from || s.baseOffset >= to) continue
        const stats = this.#store.segmentStats(id, p.index, s.baseOffset, end)
        s.size = stats.size
        if (stats.maxTimestamp >= 0) s.maxTimestamp = stats.maxTimestamp
        rows.push({topic: id, partition: p.index, ...s, statsEnd: end})
      }
      if (rows.length > 0) this.#store.saveSegments(rows)
    })
  }
}
