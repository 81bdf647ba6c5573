// The log-end history as the daemon keeps it: idle gaps dated right, thinning that keeps what lag in time needs,
// persistence across restarts.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {LagHistoryConfig} from '../../src/broker/broker-config.js'
import {LagHistory} from '../../src/broker/lag/history.js'
import type {Logger} from '../../src/broker/logger.js'
import {lagSeconds, type LogSample} from '../../src/lag/model.js'
import {removalCost, thin} from '../../src/lag/samples.js'
import {Store} from '../../src/store/store.js'

const config: LagHistoryConfig = {sampleIntervalMs: 1000, logSamples: 8, commitSamples: 3, flushIntervalMs: 60_000}
const silent = {info: () => {}, warn: () => {}, error: () => {}} as unknown as Logger

let dir: string
let store: Store

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kl-lag-'))
  store = Store.open(join(dir, 'db'))
})

afterEach(() => {
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

describe('the log-end history', () => {
  it('keeps the last append of each interval', () => {
    const history = new LagHistory(store, config, silent)
    history.onAppend('orders', 0, 10, 1_000)
    history.onAppend('orders', 0, 20, 1_400)
    history.onAppend('orders', 0, 30, 2_100)
    expect(history.logSamples('orders', 0)).toEqual([
      [1_400, 20],
      [2_100, 30],
    ])
    history.close()
  })

  it('dates records appended after an idle gap from the end of the gap, not its start', () => {
    const history = new LagHistory(store, config, silent)
    history.onAppend('orders', 0, 100, 1_000)
    // An hour without appends, then 10 records.
    history.onAppend('orders', 0, 110, 3_601_000)
    expect(history.logSamples('orders', 0)).toEqual([
      [1_000, 100],
      [3_600_999, 100],
      [3_601_000, 110],
    ])
    // A consumer at offset 100 (the first record after the gap) at 3,611 s is 10 s behind, not an hour.
    expect(lagSeconds(100, 110, history.logSamples('orders', 0), 3_611_000)).toBeCloseTo(10.001, 6)
    history.close()
  })

  it('thins a series past its bound to three quarters of it, keeping its first and last samples', () => {
    const history = new LagHistory(store, config, silent)
    for (let i = 0; i <= 8; i++) history.onAppend('orders', 0, (i + 1) * 100, (i + 1) * 1_000)
    const samples = history.logSamples('orders', 0)
    expect(samples).toHaveLength(6)
    expect(samples[0]).toEqual([1_000, 100])
    expect(samples.at(-1)).toEqual([9_000, 900])
    history.close()
  })

  it('saves the series, thinned ones whole, and finds them again after a restart', () => {
    const first = new LagHistory(store, config, silent)
    for (let i = 0; i < 5; i++) first.onAppend('orders', 0, (i + 1) * 100, (i + 1) * 1_000)
    first.flush()
    for (let i = 5; i < 12; i++) first.onAppend('orders', 0, (i + 1) * 100, (i + 1) * 1_000)
    first.onCommit('billing', 'orders', 0, 50, 100, 1_500)
    first.close()
    const second = new LagHistory(store, config, silent)
    expect(second.logSamples('orders', 0)).toEqual(first.logSamples('orders', 0))
    expect(second.commitSamples('billing', 'orders', 0)).toEqual([[1_500, 50, 100]])
    second.forget({groupId: 'billing', partitions: [{topic: 'orders', partition: 0}]})
    second.close()
    const third = new LagHistory(store, config, silent)
    expect(third.commitSamples('billing', 'orders', 0)).toEqual([])
    expect(third.logSamples('orders', 0)).toEqual(first.logSamples('orders', 0))
    third.close()
  })
})

describe('thinning', () => {
  it('costs nothing to drop a sample on a straight line or inside a flat run', () => {
    expect(
      removalCost(
        [
          [0, 0],
          [1_000, 10],
          [2_000, 20],
        ],
        1,
        10_000,
      ),
    ).toBe(0)
    expect(
      removalCost(
        [
          [0, 5],
          [1_000, 5],
          [2_000, 5],
        ],
        1,
        10_000,
      ),
    ).toBe(0)
  })

  it('weighs the error against how long ago the sample was', () => {
    // Dropping [1 s, 10] dates offset 10 at 0.5 s instead of 1 s: 0.5 s off, at 9 s ago.
    const samples: LogSample[] = [
      [0, 0],
      [1_000, 10],
      [2_000, 40],
    ]
    expect(removalCost(samples, 1, 10_000)).toBeCloseTo(500 / 9_000, 9)
  })

  it('keeps the corner of an idle gap and drops samples of a steady rate first', () => {
    // A steady 10 records/s for 5 s, an idle gap until 60 s, then a burst.
    const samples: LogSample[] = [
      [0, 0],
      [1_000, 10],
      [2_000, 20],
      [3_000, 30],
      [4_000, 40],
      [5_000, 50],
      [59_999, 50],
      [60_000, 60],
    ]
    thin(samples, 4, 61_000)
    expect(samples).toEqual([
      [0, 0],
      [5_000, 50],
      [59_999, 50],
      [60_000, 60],
    ])
  })
})
