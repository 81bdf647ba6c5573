// The exactly-once proof (issue 4): a consume-transform-produce loop with sendOffsetsToTransaction, killed with
// kill -9 at random points and restarted, must leave each input record exactly once, in order, in the output read
// with read_committed. bench/exactly-once.mjs runs the same harness longer.
import {describe, expect, it} from 'vitest'
import {runExactlyOnce} from '../../../bench/exactly-once.mjs'
import {QUICK_GROUPS, TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest({serverProperties: QUICK_GROUPS})

describe('exactly once', () => {
  it('survives kill -9 of the processing process at random points, many times', async () => {
    const result = await runExactlyOnce({home: home.dir, records: 6000, kills: 12, pauseMs: 20})
    console.log(`exactly once: ${result.processorKills} processor kills survived, ${result.restarts} starts`)
    expect(result.processorKills).toBe(12)
    expect(result.mismatches).toEqual([])
    expect(result.outputRecords).toBe(6000)
  }, 180_000)

  it('survives kill -9 of the daemon and of the processor, alternately', async () => {
    const result = await runExactlyOnce({home: home.dir, records: 6000, kills: 12, killDaemon: true, pauseMs: 20})
    console.log(
      `exactly once: ${result.daemonKills} daemon kills and ${result.processorKills} processor kills survived`,
    )
    expect(result.daemonKills).toBe(6)
    expect(result.processorKills).toBe(6)
    expect(result.mismatches).toEqual([])
    expect(result.outputRecords).toBe(6000)
  }, 180_000)
})
