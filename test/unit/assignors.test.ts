import {describe, expect, it} from 'vitest'
import {ASSIGNORS, assignorFor, type MemberSubscription, type TopicPartition} from '../../src/client/assignors.js'

const member = (
  memberId: string,
  topics: string[],
  ownedPartitions: TopicPartition[] = [],
  generation = ownedPartitions.length > 0 ? 1 : -1,
): MemberSubscription => ({memberId, topics, ownedPartitions, generation})

const tps = (topic: string, ...partitions: number[]): TopicPartition[] =>
  partitions.map((partition) => ({topic, partition}))

const range = (from: number, to: number): number[] => Array.from({length: to - from}, (_, i) => from + i)

const sticky = ASSIGNORS['sticky']!
const cooperative = ASSIGNORS['cooperative-sticky']!

describe('range', () => {
  it('gives each consumer a contiguous range of every topic, the first ones one more', () => {
    const result = ASSIGNORS['range']!.assign(
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
      [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])],
    )
    expect(result.get('C0')).toEqual([...tps('t0', 0, 1), ...tps('t1', 0, 1)])
    expect(result.get('C1')).toEqual([...tps('t0', 2), ...tps('t1', 2)])
  })

  it('splits 7 partitions over 3 consumers as 0-2, 3-4 and 5-6', () => {
    const result = ASSIGNORS['range']!.assign(new Map([['t', 7]]), [
      member('C0', ['t']),
      member('C1', ['t']),
      member('C2', ['t']),
    ])
    expect(result.get('C0')).toEqual(tps('t', 0, 1, 2))
    expect(result.get('C1')).toEqual(tps('t', 3, 4))
    expect(result.get('C2')).toEqual(tps('t', 5, 6))
  })

  it('puts static members first, ignores unknown topics and lists idle members with nothing', () => {
    const result = ASSIGNORS['range']!.assign(new Map([['t', 3]]), [
      member('a', ['t']),
      {...member('z', ['t']), groupInstanceId: 'static'},
      member('idle', ['gone']),
    ])
    expect(result.get('z')).toEqual(tps('t', 0, 1))
    expect(result.get('a')).toEqual(tps('t', 2))
    expect(result.get('idle')).toEqual([])
  })
})

describe('roundrobin', () => {
  it('deals all partitions one by one over the members', () => {
    const result = ASSIGNORS['roundrobin']!.assign(
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
      [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])],
    )
    expect(result.get('C0')).toEqual([...tps('t0', 0, 2), ...tps('t1', 1)])
    expect(result.get('C1')).toEqual([...tps('t0', 1), ...tps('t1', 0, 2)])
  })

  it('skips members not subscribed to the topic of the partition', () => {
    const result = ASSIGNORS['roundrobin']!.assign(
      new Map([
        ['t0', 1],
        ['t1', 2],
        ['t2', 3],
      ]),
      [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])],
    )
    expect(result.get('C0')).toEqual(tps('t0', 0))
    expect(result.get('C1')).toEqual(tps('t1', 0))
    expect(result.get('C2')).toEqual([...tps('t1', 1), ...tps('t2', 0, 1, 2)])
  })
})

describe('sticky and cooperative-sticky', () => {
  const twelve = new Map([['t', 12]])

  it('balances 12 partitions over 3 members, 4 each', () => {
    for (const assignor of [sticky, cooperative]) {
      const result = assignor.assign(twelve, [member('a', ['t']), member('b', ['t']), member('c', ['t'])])
      expect([...result.values()].map((l) => l.length)).toEqual([4, 4, 4])
      expect(new Set([...result.values()].flat().map((tp) => tp.partition)).size).toBe(12)
    }
  })

  it('lets each of two owners keep 4 of its 6 partitions when a third member joins, giving it the other 4', () => {
    for (const assignor of [sticky, cooperative]) {
      const result = assignor.assign(twelve, [
        member('a', ['t'], tps('t', ...range(0, 6))),
        member('b', ['t'], tps('t', ...range(6, 12))),
        member('c', ['t']),
      ])
      const a = result.get('a')!
      const b = result.get('b')!
      expect(a).toHaveLength(4)
      expect(b).toHaveLength(4)
      expect(a.every((tp) => tp.partition < 6)).toBe(true)
      expect(b.every((tp) => tp.partition >= 6)).toBe(true)
      expect(result.get('c')).toEqual(
        tps('t', ...range(0, 12)).filter((tp) => ![...a, ...b].some((x) => x.partition === tp.partition)),
      )
    }
  })

  it('lets the survivors keep everything they had when a member leaves', () => {
    for (const assignor of [sticky, cooperative]) {
      const result = assignor.assign(twelve, [
        member('a', ['t'], tps('t', 0, 1, 2, 3)),
        member('b', ['t'], tps('t', 4, 5, 6, 7)),
      ])
      expect(result.get('a')).toHaveLength(6)
      expect(result.get('b')).toHaveLength(6)
      expect(result.get('a')).toEqual(expect.arrayContaining(tps('t', 0, 1, 2, 3)))
      expect(result.get('b')).toEqual(expect.arrayContaining(tps('t', 4, 5, 6, 7)))
    }
  })

  it('never assigns partitions of topics a member does not subscribe to', () => {
    const topics = new Map([
      ['t0', 2],
      ['t1', 4],
      ['t2', 6],
    ])
    const members = [
      member('a', ['t0'], tps('t1', 0, 1)),
      member('b', ['t0', 't1']),
      member('c', ['t1', 't2'], tps('t0', 0)),
      member('d', ['t2']),
    ]
    const result = sticky.assign(topics, members)
    for (const m of members) {
      for (const tp of result.get(m.memberId)!) expect(m.topics).toContain(tp.topic)
    }
    expect([...result.values()].flat()).toHaveLength(12)
    // a can only take t0's 2 partitions; the other 10 spread as evenly as subscriptions allow.
    expect(result.get('a')).toEqual(tps('t0', 0, 1))
    expect(['b', 'c', 'd'].map((id) => result.get(id)!.length).sort()).toEqual([3, 3, 4])
  })

  it('gives a partition claimed by two members to one of them only', () => {
    const sameGeneration = sticky.assign(new Map([['t', 2]]), [
      member('a', ['t'], tps('t', 0)),
      member('b', ['t'], tps('t', 0)),
    ])
    expect([...sameGeneration.values()].flat().filter((tp) => tp.partition === 0)).toHaveLength(1)
    expect([...sameGeneration.values()].map((l) => l.length)).toEqual([1, 1])

    const newer = sticky.assign(new Map([['t', 2]]), [
      member('a', ['t'], tps('t', 0), 3),
      member('b', ['t'], tps('t', 0), 4),
    ])
    expect(newer.get('b')).toEqual(tps('t', 0))
    expect(newer.get('a')).toEqual(tps('t', 1))
  })

  it('ignores owned partitions that no longer exist', () => {
    const result = sticky.assign(new Map([['t', 2]]), [member('a', ['t'], tps('t', 5)), member('b', ['t'])])
    expect([...result.values()].flat()).toEqual(expect.arrayContaining(tps('t', 0, 1)))
    expect([...result.values()].flat()).toHaveLength(2)
  })

  it('is deterministic and the same for both', () => {
    const topics = new Map([
      ['t0', 5],
      ['t1', 7],
    ])
    const members = [
      member('m3', ['t0', 't1'], tps('t0', 0, 1, 2)),
      member('m1', ['t0', 't1'], tps('t1', 0, 1, 2, 3, 4)),
      member('m2', ['t0', 't1']),
    ]
    const once = sticky.assign(topics, members)
    expect(sticky.assign(topics, [...members].reverse())).toEqual(once)
    expect(cooperative.assign(topics, members)).toEqual(once)
  })

  it('supports the cooperative protocol only for cooperative-sticky', () => {
    expect(cooperative.supportedProtocols).toEqual(['COOPERATIVE', 'EAGER'])
    expect(sticky.supportedProtocols).toEqual(['EAGER'])
  })
})

describe('assignorFor', () => {
  it('accepts short names and Java class names', () => {
    expect(assignorFor('range').name).toBe('range')
    expect(assignorFor('org.apache.kafka.clients.consumer.RangeAssignor').name).toBe('range')
    expect(assignorFor('org.apache.kafka.clients.consumer.RoundRobinAssignor').name).toBe('roundrobin')
    expect(assignorFor('org.apache.kafka.clients.consumer.StickyAssignor').name).toBe('sticky')
    expect(assignorFor('org.apache.kafka.clients.consumer.CooperativeStickyAssignor').name).toBe('cooperative-sticky')
    expect(assignorFor('cooperative-sticky').name).toBe('cooperative-sticky')
  })

  it('rejects other names', () => {
    expect(() => assignorFor('com.example.MyAssignor')).toThrow('Class com.example.MyAssignor cannot be found')
    expect(() => assignorFor('toString')).toThrow('Class toString cannot be found')
  })
})
