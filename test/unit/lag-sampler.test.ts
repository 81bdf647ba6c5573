// The lag viewer's own sampling against a Kafka cluster (src/cli/lag-sampler.ts), over a fake Admin whose log ends
// and commits move between refreshes: lag in records at once, lag in time and rates once it has history, commits
// kept only when they move.
import {describe, expect, it} from 'vitest'
import type {Admin} from '../../src/client/admin.js'
import {LagSampler} from '../../src/cli/lag-sampler.js'

function fakeAdmin(state: {end: number; committed: number}): Admin {
  return {
    listConsumerGroups: async () => [{groupId: 'g', protocolType: 'consumer', state: 'Stable'}],
    describeConsumerGroups: async () => [
      {
        groupId: 'g',
        state: 'Stable',
        assignor: 'range',
        generationId: 1,
        members: [
          {
            memberId: 'm',
            groupInstanceId: null,
            clientId: 'c',
            host: '/127.0.0.1',
            topics: ['t'],
            assignment: [{topic: 't', partition: 0}],
          },
        ],
      },
    ],
    listConsumerGroupOffsets: async () => [{topic: 't', partition: 0, offset: state.committed, metadata: ''}],
    listOffsets: async (parts: {spec: string}[]) =>
      parts.map((p) => ({topic: 't', partition: 0, offset: p.spec === 'earliest' ? 0 : state.end, timestamp: -1})),
    describeTopics: async () => [],
  } as unknown as Admin
}

describe('the lag sampler', () => {
  it('gives lag in records at once and lag in time once the log ends have history', async () => {
    const state = {end: 100, committed: 40}
    let now = 1_000_000
    const sampler = new LagSampler(fakeAdmin(state), () => now)
    const first = await sampler.snapshot({groups: null, topics: null, partitions: 'all'})
    expect(first.groups[0]!.totalLag).toBe(60)
    expect(first.groups[0]!.partitions[0]!.owner?.clientId).toBe('c')
    // 10 s later the log has grown by 100 records and the group has read up to where the log ended before.
    now += 10_000
    state.end = 200
    state.committed = 100
    const second = await sampler.snapshot({groups: null, topics: null, partitions: 'all'})
    const p = second.groups[0]!.partitions[0]!
    expect(p.lag).toBe(100)
    // The log reached offset 100 at the first refresh: 10 s ago.
    expect(p.lagSeconds).toBeCloseTo(10, 0)
    expect(second.groups[0]!.produceRate).toBeGreaterThan(0)
    // Partitions only when asked.
    const none = await sampler.snapshot({groups: null, topics: null, partitions: 'none'})
    expect(none.groups[0]!.partitions).toEqual([])
  })
})
