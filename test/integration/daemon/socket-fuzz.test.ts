// A fuzz test of the daemon's socket protocol and record-batch validator: seeded random and mutated frames over many
// connections against a real daemon, which must stay up and small, keep its data byte for byte, refuse what it must
// and store only readable batches. `npm run fuzz -- --frames 1000000 --seed N` runs it longer (test/README.md).
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'
import {DEFAULT_RSS_BOUND_MIB, runFuzz, type FuzzReport} from '../../helpers/fuzz/run.js'

// scripts/fuzz.mjs sets these; `npm test` runs the defaults.
const env = process.env
const number = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : Number(env[name]))
const seed = number('KAFKALITE_FUZZ_SEED') ?? 20_251_010
const frames = number('KAFKALITE_FUZZ_FRAMES') ?? 12_000
const concurrency = number('KAFKALITE_FUZZ_CONCURRENCY') ?? 8
const from = number('KAFKALITE_FUZZ_FROM')
const to = number('KAFKALITE_FUZZ_TO')
const rssBoundMiB = number('KAFKALITE_FUZZ_RSS_BOUND_MIB') ?? DEFAULT_RSS_BOUND_MIB
const replaying = from !== undefined || to !== undefined
// ~10 s for the default 12,000 frames on an idle machine; generous, for a busy one running the whole suite.
const timeoutMs = Math.max(180_000, frames * 30)

/** Mutations the default run must have sent, so that it cannot quietly stop testing one. */
const MUST_COVER = [
  'valid',
  'gzip',
  'snappy',
  'lz4',
  'bad-varint(length)',
  'count-mismatch',
  'offset-delta',
  'key-length-past-end',
  'key-length-negative',
  'value-length-past-end',
  'header-count',
  'header-key-past-end',
  'record-length',
  'records-truncated',
  'records-trailing-bytes',
  'compressed-truncated',
  'compressed-byte-flip',
  'bomb(gzip)',
  'bomb(lz4)',
  'snappy-huge-preamble',
  'large-valid',
  'bad-crc',
  'magic',
  'batch-length',
  'control-flag',
  'transactional-without-producer',
  'unknown-codec',
  'record-count-zero',
  'last-offset-delta',
  'base-offset',
  'size-shifted',
  'unknown-partition',
  'resend',
]

let home: TestHome

beforeEach(() => {
  home = new TestHome()
})

afterEach(async () => {
  await home.cleanup()
})

function summary(r: FuzzReport): string {
  const list = (entries: [string, string | number][]) => entries.map(([k, v]) => `${k} ${v}`).join(', ')
  const byCount = (o: Record<string, number>) => Object.entries(o).sort((a, b) => b[1] - a[1])
  return [
    `fuzz seed ${r.seed}: ${r.framesSent} frames on ${r.connections} connections in ${(r.durationMs / 1000).toFixed(1)} s; ${r.repliesMatched} replies matched; ${r.connectionsTimedOut} connections not closed by the daemon within 10 s`,
    `  batches: ${r.batches.sent} sent (${r.batches.mustRefuse} had to be refused), ${r.batches.acknowledged} acknowledged, ${r.batches.refused} refused; ${r.batches.stored} stored in the end`,
    `  daemon RSS: ${r.rssMiB.afterSetup} MiB after setup, peak ${r.rssMiB.peak} MiB (bound: +${r.rssMiB.bound} MiB); peak in each tenth of the run: ${r.rssMiB.tenths.join(', ')}`,
    `  errors: ${list(byCount(r.errors))}`,
    `  mutations (sent/acknowledged): ${list(Object.entries(r.mutations).map(([k, v]) => [k, `${v.sent}/${v.acknowledged}`]))}`,
    ...r.violations.map((v) => `  VIOLATION ${v}`),
  ].join('\n')
}

describe('the daemon under fuzzed frames', () => {
  it(
    `stays up and small, keeps its data, refuses what it must and stores only readable batches, through ${frames} random and mutated frames (seed ${seed})`,
    async () => {
      const started = await home.run(['daemon', 'start'])
      expect(started.code, started.stderr).toBe(0)
      const report = await runFuzz({
        home: home.dir,
        seed,
        frames,
        concurrency,
        from,
        to,
        rssBoundMiB,
        progress: (line) => console.log(line),
      })
      console.log(summary(report))
      expect(report.violations).toEqual([])
      if (!replaying) {
        expect(report.framesSent).toBeGreaterThanOrEqual(frames)
        // The run reached both sides of the validator, and every kind of damage it knows.
        expect(report.batches.acknowledged).toBeGreaterThan(frames / 10)
        expect(report.batches.refused).toBeGreaterThan(frames / 10)
        if (frames >= 10_000) expect(MUST_COVER.filter((m) => !report.mutations[m])).toEqual([])
      }
    },
    timeoutMs,
  )
})
