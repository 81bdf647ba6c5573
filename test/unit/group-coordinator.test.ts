import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Broker} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {GroupCoordinator, type ConnectionRef} from '../../src/broker/group-coordinator.js'
import {createLogger} from '../../src/broker/logger.js'
import {Store} from '../../src/store/store.js'

let store: Store
let coordinator: GroupCoordinator
const quiet = createLogger(() => {})

const connection = (): ConnectionRef & {close(): void} => {
  const callbacks = new Set<() => void>()
  return {
    onClose: (cb) => {
      callbacks.add(cb)
      return () => callbacks.delete(cb)
    },
    close: () => {
      for (const cb of callbacks) cb()
    },
  }
}

const join = (memberId = '', extra: Record<string, unknown> = {}, conn = connection()) =>
  coordinator.joinGroup(
    {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 5_000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{name: 'range', metadata: '{"topics":["t"]}'}],
      clientId: 'c',
      ...extra,
    },
    conn,
  )

const state = () => coordinator.describeGroups({groupIds: ['g']}).groups[0]!

beforeEach(() => {
  store = Store.open(':memory:')
  const config = brokerConfigFrom(
    {'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '100'},
    null,
  )
  const broker = new Broker(store, config)
  broker.createTopic('t', 2, -1, {})
  coordinator = new GroupCoordinator(store, broker, config.groups, quiet)
})

afterEach(() => {
  coordinator.close()
  store.close()
})

describe('the group coordinator', () => {
  it('walks a group through Empty, PreparingRebalance, CompletingRebalance, Stable and back to Empty', async () => {
    expect(state().state).toBe('Dead') // unknown groups describe as Dead, as in Kafka
    const joined = await join()
    expect(joined).toMatchObject({generationId: 1, protocolName: 'range', leader: joined.memberId})
    expect(joined.members).toHaveLength(1) // the leader gets every member's subscription
    expect(state().state).toBe('CompletingRebalance')
    const synced = await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      assignments: [{memberId: joined.memberId, assignment: 'A'}],
    })
    expect(synced).toEqual({protocolName: 'range', assignment: 'A'})
    expect(state()).toMatchObject({state: 'Stable', generationId: 1})
    coordinator.leaveGroup({groupId: 'g', members: [{memberId: joined.memberId, groupInstanceId: null}]})
    expect(state()).toMatchObject({state: 'Empty', generationId: 2, members: []})
  })

  it('waits for every member to rejoin before completing a rebalance, and sends each its own assignment', async () => {
    const first = await join()
    await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: first.memberId,
      groupInstanceId: null,
      assignments: [],
    })
    const second = join()
    expect(state().state).toBe('PreparingRebalance')
    expect(() =>
      coordinator.heartbeat({
        groupId: 'g',
        generationId: 1,
        memberId: first.memberId,
        groupInstanceId: null,
        waitMs: 0,
      }),
    ).toThrow(expect.objectContaining({code: 'REBALANCE_IN_PROGRESS'}))
    const rejoined = join(first.memberId)
    const [a, b] = await Promise.all([rejoined, second])
    expect(a.generationId).toBe(2)
    expect(b.generationId).toBe(2)
    expect(a.leader).toBe(first.memberId) // the leader stays the leader
    expect(b.members).toEqual([])
    const followerSync = coordinator.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: b.memberId,
      groupInstanceId: null,
      assignments: [],
    })
    await coordinator.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: a.memberId,
      groupInstanceId: null,
      assignments: [
        {memberId: a.memberId, assignment: 'for-a'},
        {memberId: b.memberId, assignment: 'for-b'},
      ],
    })
    expect((await followerSync).assignment).toBe('for-b')
  })

  it('removes a dynamic member whose connection closes, at once', async () => {
    const conn = connection()
    const joined = await join('', {}, conn)
    await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      assignments: [],
    })
    conn.close()
    expect(state()).toMatchObject({state: 'Empty', members: []})
  })

  it('refuses stale generations, unknown members and session timeouts outside the broker range', async () => {
    const joined = await join()
    expect(() =>
      coordinator.heartbeat({
        groupId: 'g',
        generationId: 0,
        memberId: joined.memberId,
        groupInstanceId: null,
        waitMs: 0,
      }),
    ).toThrow(expect.objectContaining({code: 'ILLEGAL_GENERATION'}))
    expect(() =>
      coordinator.heartbeat({groupId: 'g', generationId: 1, memberId: 'nobody', groupInstanceId: null, waitMs: 0}),
    ).toThrow(expect.objectContaining({code: 'UNKNOWN_MEMBER_ID'}))
    expect(() => join('', {sessionTimeoutMs: 10})).toThrow(expect.objectContaining({code: 'INVALID_SESSION_TIMEOUT'}))
    expect(() => join('', {protocols: [{name: 'roundrobin', metadata: '{}'}]})).toThrow(
      expect.objectContaining({code: 'INCONSISTENT_GROUP_PROTOCOL'}),
    )
  })

  it('selects the assignor most members prefer among those all support', async () => {
    // A starting group waits group.initial.rebalance.delay.ms for more members: all three join one rebalance.
    coordinator.close()
    const config = brokerConfigFrom({'group.initial.rebalance.delay.ms': '50'}, null)
    coordinator = new GroupCoordinator(store, new Broker(store, config), config.groups, quiet)
    const a = join('', {
      protocols: [
        {name: 'roundrobin', metadata: ''},
        {name: 'range', metadata: ''},
      ],
    })
    const b = join('', {
      protocols: [
        {name: 'range', metadata: ''},
        {name: 'roundrobin', metadata: ''},
      ],
    })
    const c = join('', {
      protocols: [
        {name: 'roundrobin', metadata: ''},
        {name: 'sticky', metadata: ''},
      ],
    })
    const results = await Promise.all([a, b, c])
    expect(results.map((r) => r.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin'])
  })

  it('accepts simple commits only while the group has no members', async () => {
    const commit = (generationId = -1, memberId = '') =>
      coordinator.offsetCommit({
        groupId: 'g',
        generationId,
        memberId,
        groupInstanceId: null,
        offsets: [{topic: 't', partition: 0, offset: 5, metadata: 'm', leaderEpoch: -1}],
      })
    expect(commit().results).toEqual([{topic: 't', partition: 0}])
    expect(coordinator.offsetFetch({groupId: 'g', partitions: null, requireStable: false}).offsets[0]).toMatchObject({
      offset: 5,
      metadata: 'm',
    })
    const joined = await join()
    expect(() => commit()).toThrow(expect.objectContaining({code: 'UNKNOWN_MEMBER_ID'}))
    expect(() => commit(1, joined.memberId)).toThrow(expect.objectContaining({code: 'REBALANCE_IN_PROGRESS'}))
    await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      assignments: [],
    })
    expect(commit(1, joined.memberId).results).toEqual([{topic: 't', partition: 0}])
    expect(() => commit(0, joined.memberId)).toThrow(expect.objectContaining({code: 'ILLEGAL_GENERATION'}))
  })

  it('persists groups and offsets so a new coordinator resumes them', async () => {
    const joined = await join()
    await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      assignments: [{memberId: joined.memberId, assignment: 'A'}],
    })
    coordinator.close()
    const config = brokerConfigFrom(
      {'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '100'},
      null,
    )
    coordinator = new GroupCoordinator(store, new Broker(store, config), config.groups, quiet)
    expect(state()).toMatchObject({state: 'Stable', generationId: 1})
    expect(
      coordinator.heartbeat({
        groupId: 'g',
        generationId: 1,
        memberId: joined.memberId,
        groupInstanceId: null,
        waitMs: 0,
      }),
    ).toEqual({})
  })
})
