import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Broker} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {
  GroupCoordinator,
  MemberIdRequiredException,
  type ConnectionRef,
  type JoinOptions,
} from '../../src/broker/group-coordinator.js'
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

const join = (
  memberId = '',
  extra: Record<string, unknown> = {},
  conn: ConnectionRef | null = connection(),
  options: JoinOptions = {},
) =>
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
    options,
  )

const state = () => coordinator.describeGroups({groupIds: ['g']}).groups[0]!
const sync = (memberId: string, generationId: number, assignments: {memberId: string; assignment: string}[] = []) =>
  coordinator.syncGroup({groupId: 'g', generationId, memberId, groupInstanceId: null, assignments})
const heartbeat = (memberId: string, generationId: number) =>
  coordinator.heartbeat({groupId: 'g', generationId, memberId, groupInstanceId: null, waitMs: 0})

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
    expect(synced).toEqual({protocolType: 'consumer', protocolName: 'range', assignment: 'A'})
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

  it('answers the first join of a new member with MEMBER_ID_REQUIRED and its id when asked to (KIP-394)', async () => {
    let given = ''
    try {
      await join('', {}, null, {requireKnownMemberId: true})
    } catch (e) {
      expect(e).toBeInstanceOf(MemberIdRequiredException)
      given = (e as MemberIdRequiredException).memberId
    }
    expect(given).toMatch(/^c-/)
    expect(state()).toMatchObject({state: 'Empty', members: []}) // not a member yet
    const joined = await join(given, {}, null, {requireKnownMemberId: true, clientHost: '/10.0.0.7'})
    expect(joined).toMatchObject({memberId: given, leader: given, generationId: 1})
    expect(state().members).toMatchObject([{memberId: given, clientHost: '/10.0.0.7'}])
    // A static member joins at once: its group.instance.id identifies it.
    await expect(join('', {groupInstanceId: 'i-1'}, null, {requireKnownMemberId: true})).resolves.toBeDefined()
  })

  it('forgets a member id given with MEMBER_ID_REQUIRED that is not used within the session timeout', async () => {
    let given = ''
    try {
      await join('', {sessionTimeoutMs: 100}, null, {requireKnownMemberId: true})
    } catch (e) {
      given = (e as MemberIdRequiredException).memberId
    }
    // The session timeout must pass for the id to be forgotten.
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(() => join(given, {sessionTimeoutMs: 100}, null)).toThrow(
      expect.objectContaining({code: 'UNKNOWN_MEMBER_ID'}),
    )
  })

  it('keeps a member joined without a connection while it heartbeats, and removes it when its session expires', async () => {
    const joined = await join('', {sessionTimeoutMs: 200}, null)
    await sync(joined.memberId, 1)
    // Heartbeats over twice the session timeout keep it; then it stops and its session expires.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80))
      expect(heartbeat(joined.memberId, 1)).toEqual({})
    }
    expect(state()).toMatchObject({state: 'Stable', members: [{memberId: joined.memberId}]})
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(state()).toMatchObject({state: 'Empty', members: []})
  })

  it('does not expire a member waiting in a rebalance longer than its session timeout', async () => {
    // A's session (150 ms) is shorter than the rebalance, which waits the rebalance timeout (600 ms) for B.
    const a = await join('', {sessionTimeoutMs: 150, rebalanceTimeoutMs: 600}, null)
    await sync(a.memberId, 1)
    const b = join('', {sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 600}, null)
    const [a2, b2] = await Promise.all([join(a.memberId, {sessionTimeoutMs: 150, rebalanceTimeoutMs: 600}, null), b])
    await Promise.all([sync(b2.memberId, 2), sync(a2.memberId, 2, [])])
    const c = join('', {sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 600}, null)
    const waiting = join(a.memberId, {sessionTimeoutMs: 150, rebalanceTimeoutMs: 600}, null)
    // B never rejoins: the rebalance completes at its timeout without B, and with A, whose JoinGroup waited 600 ms.
    const [a3, c3] = await Promise.all([waiting, c])
    expect(a3.generationId).toBe(3)
    expect(new Set(state().members.map((m) => m.memberId))).toEqual(new Set([a.memberId, c3.memberId]))
  })

  it('refuses a SyncGroup naming another protocol type or assignor than the group uses', async () => {
    const joined = await join()
    expect(() =>
      coordinator.syncGroup(
        {groupId: 'g', generationId: 1, memberId: joined.memberId, groupInstanceId: null, assignments: []},
        {protocolType: 'connect'},
      ),
    ).toThrow(expect.objectContaining({code: 'INCONSISTENT_GROUP_PROTOCOL'}))
    expect(() =>
      coordinator.syncGroup(
        {groupId: 'g', generationId: 1, memberId: joined.memberId, groupInstanceId: null, assignments: []},
        {protocolName: 'roundrobin'},
      ),
    ).toThrow(expect.objectContaining({code: 'INCONSISTENT_GROUP_PROTOCOL'}))
    await expect(
      coordinator.syncGroup(
        {groupId: 'g', generationId: 1, memberId: joined.memberId, groupInstanceId: null, assignments: []},
        {protocolType: 'consumer', protocolName: 'range'},
      ),
    ).resolves.toMatchObject({protocolType: 'consumer', protocolName: 'range'})
  })

  it('refuses a member without a protocol type or protocols', () => {
    expect(() => join('', {protocols: []})).toThrow(expect.objectContaining({code: 'INCONSISTENT_GROUP_PROTOCOL'}))
    expect(() => join('', {protocolType: ''})).toThrow(expect.objectContaining({code: 'INCONSISTENT_GROUP_PROTOCOL'}))
  })
})

describe('offset expiration (offsets.retention.minutes)', () => {
  it("expires an empty group's offsets a retention after it became empty, a standalone commit a retention after it was made", async () => {
    let now = 1_000_000
    const clock = () => now
    const s = Store.open(':memory:')
    const config = brokerConfigFrom(
      {'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '100'},
      null,
    )
    const broker = new Broker(s, config)
    broker.createTopic('t', 2, -1, {})
    const groups = new GroupCoordinator(s, broker, config.groups, quiet, {now: clock})
    const offsets = (groupId: string) => groups.offsetFetch({groupId, partitions: null, requireStable: false}).offsets
    try {
      // A standalone consumer's commits: each expires by its own commit time.
      const commit = (groupId: string, partition: number) =>
        groups.offsetCommit({
          groupId,
          generationId: -1,
          memberId: '',
          groupInstanceId: null,
          offsets: [{topic: 't', partition, offset: 1, metadata: '', leaderEpoch: -1}],
        })
      commit('standalone', 0)
      // A group with management: a member commits, then leaves; the clock starts when the group becomes empty.
      const joined = await groups.joinGroup(
        {
          groupId: 'managed',
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 5_000,
          memberId: '',
          groupInstanceId: null,
          protocolType: 'consumer',
          protocols: [{name: 'range', metadata: ''}],
          clientId: 'c',
        },
        null,
      )
      await groups.syncGroup({
        groupId: 'managed',
        generationId: 1,
        memberId: joined.memberId,
        groupInstanceId: null,
        assignments: [],
      })
      groups.offsetCommit({
        groupId: 'managed',
        generationId: 1,
        memberId: joined.memberId,
        groupInstanceId: null,
        offsets: [{topic: 't', partition: 0, offset: 7, metadata: '', leaderEpoch: -1}],
      })
      now += 100_000 // a Stable group's offsets never expire
      commit('standalone', 1)
      expect(groups.expireOffsets(60_000).map((e) => e.groupId)).toEqual(['standalone'])
      expect(offsets('standalone')).toEqual([expect.objectContaining({partition: 1, offset: 1})])
      expect(offsets('managed')).toEqual([expect.objectContaining({offset: 7})])
      groups.leaveGroup({groupId: 'managed', members: [{memberId: joined.memberId, groupInstanceId: null}]})
      now += 59_999
      expect(groups.expireOffsets(60_000)).toEqual([])
      now += 1
      expect(groups.expireOffsets(60_000)).toEqual([
        {groupId: 'managed', partitions: [{topic: 't', partition: 0}], groupGone: true},
        {groupId: 'standalone', partitions: [{topic: 't', partition: 1}], groupGone: true},
      ])
      expect(offsets('managed')).toEqual([])
      expect(groups.listGroups({states: []}).groups).toEqual([])
    } finally {
      groups.close()
      s.close()
    }
  })
})
