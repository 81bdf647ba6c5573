// Consumer groups through the Kafka listener, driven frame by frame by a raw client written with kafkalite's
// generated codec: the classic group protocol's state machine as Kafka's clients see it (two-step joins, rebalances,
// sessions that outlive connections, static members), committed offsets as kafkalite's own tools show them, and one
// group shared by a Kafka-protocol member and kafkalite's console consumer.
import type {ChildProcess} from 'node:child_process'
import {afterEach, describe, expect, test} from 'vitest'
import {
  APIS,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type SyncGroupResponse,
} from '../../../src/protocol/kafka/codec/index.js'
import {
  assignmentBytes,
  assignmentFromBytes,
  subscriptionBytes,
  subscriptionFromBytes,
} from '../../../src/protocol/kafka/consumer-protocol.js'
import {KafkaProducer} from '../../../src/client/index.js'
import {KAFKA_LISTENER, QUICK_GROUPS, TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'
import {KafkaWireClient} from '../../helpers/kafka-wire.js'

const home = TestHome.forEachTest({serverProperties: {...KAFKA_LISTENER, ...QUICK_GROUPS}})

/** Kafka's error codes the tests expect. */
const ERR = {
  NONE: 0,
  ILLEGAL_GENERATION: 22,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
  FENCED_INSTANCE_ID: 82,
  UNSTABLE_OFFSET_COMMIT: 88,
} as const

const clients: KafkaWireClient[] = []
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

async function connect(clientId: string): Promise<KafkaWireClient> {
  const client = await KafkaWireClient.connect(await home.kafkaPort(), clientId)
  clients.push(client)
  return client
}

interface MemberOptions {
  group: string
  topic: string
  sessionTimeoutMs?: number
  groupInstanceId?: string | null
  /** The JoinGroup version (0-9): v4+ joins in two steps. */
  joinVersion?: number
}

/** One member of Kafka's protocol on its own connection, as a Kafka consumer keeps one to its coordinator. */
class Member {
  memberId = ''
  generationId = -1
  leader = ''
  members: JoinGroupResponse['members'] = []
  readonly joinResponses: JoinGroupResponse[] = []

  constructor(
    readonly client: KafkaWireClient,
    readonly options: MemberOptions,
  ) {}

  static async create(clientId: string, options: MemberOptions): Promise<Member> {
    return new Member(await connect(clientId), options)
  }

  #joinRequest(): JoinGroupRequest {
    return {
      groupId: this.options.group,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: 5_000,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId ?? null,
      protocolType: 'consumer',
      protocols: [
        {
          name: 'range',
          metadata: subscriptionBytes({topics: [this.options.topic], ownedPartitions: [], generation: -1}),
        },
      ],
      reason: null,
    }
  }

  /** Sends JoinGroup; answers MEMBER_ID_REQUIRED by joining again with the id given, as Kafka's clients do. */
  async join(): Promise<JoinGroupResponse> {
    const version = this.options.joinVersion ?? 9
    let res = await this.client.request(APIS.JoinGroup, version, this.#joinRequest())
    this.joinResponses.push(res)
    if (res.errorCode === ERR.MEMBER_ID_REQUIRED) {
      this.memberId = res.memberId
      res = await this.client.request(APIS.JoinGroup, version, this.#joinRequest())
      this.joinResponses.push(res)
    }
    if (res.errorCode === ERR.NONE) {
      this.memberId = res.memberId
      this.generationId = res.generationId
      this.leader = res.leader
      this.members = res.members
    }
    return res
  }

  /** SyncGroup v5; the leader hands in the range assignment of the topic's partitions over every member. */
  async sync(partitions = 0): Promise<SyncGroupResponse & {partitions: number[]}> {
    const assignments =
      this.memberId === this.leader
        ? rangeAssign(
            this.options.topic,
            partitions,
            this.members.map((m) => m.memberId),
          )
        : []
    const res = await this.client.request(APIS.SyncGroup, 5, {
      groupId: this.options.group,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId ?? null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    })
    const mine = res.errorCode === 0 ? assignmentFromBytes(res.assignment).partitions : []
    return {...res, partitions: mine.map((p) => p.partition).sort((a, b) => a - b)}
  }

  async heartbeat(version = 4): Promise<number> {
    const res = await this.client.request(APIS.Heartbeat, version, {
      groupId: this.options.group,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId ?? null,
    })
    return res.errorCode
  }

  /** Heartbeats every `everyMs` until stopped, recording each error code. */
  keepAlive(everyMs: number): {codes: number[]; stop: () => void} {
    const codes: number[] = []
    let stopped = false
    const loop = async () => {
      while (!stopped) {
        codes.push(await this.heartbeat().catch(() => -100))
        await new Promise((resolve) => setTimeout(resolve, everyMs)) // the client's heartbeat.interval.ms
      }
    }
    void loop()
    return {codes, stop: () => (stopped = true)}
  }
}

/** Kafka's RangeAssignor for one topic: members sorted by id, each a consecutive range. */
function rangeAssign(topic: string, partitions: number, memberIds: string[]) {
  const sorted = [...memberIds].sort()
  const per = Math.floor(partitions / sorted.length)
  const extra = partitions % sorted.length
  let next = 0
  return sorted.map((memberId, i) => {
    const n = per + (i < extra ? 1 : 0)
    const mine = Array.from({length: n}, (_, k) => ({topic, partition: next + k}))
    next += n
    return {memberId, assignment: assignmentBytes({partitions: mine})}
  })
}

async function describeGroup(client: KafkaWireClient, group: string) {
  const res = await client.request(APIS.DescribeGroups, 5, {groups: [group], includeAuthorizedOperations: false})
  return res.groups[0]!
}

/** `consumer-groups --describe --json` of one group, as kafkalite's CLI shows it. */
async function cliDescribe(group: string, ...extra: string[]) {
  const r = await home.run(['consumer-groups', '--describe', '--group', group, '--json', ...extra])
  expect(r.stderr).toBe('')
  return (JSON.parse(r.stdout) as {groups: CliGroup[]}).groups[0]!
}

interface CliGroup {
  state: string
  members: {memberId: string; host: string; clientId: string; assignment: {topic: string; partition: number}[]}[]
  partitions: {topic: string; partition: number; currentOffset: number | null; consumerId: string | null}[]
}

describe('consumer groups through the Kafka listener', () => {
  test('two members split a topic: the second one joining rebalances the first, which learns it from its heartbeat', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 4)
    const group = 'two-members'
    const a = await Member.create('client-a', {group, topic})
    const first = await a.join()
    // JoinGroup v9 of a new member: MEMBER_ID_REQUIRED with the id to use, then the join itself (KIP-394).
    expect(a.joinResponses[0]).toMatchObject({errorCode: ERR.MEMBER_ID_REQUIRED, generationId: -1})
    expect(a.joinResponses[0]!.memberId).toMatch(/^client-a-/)
    expect(first).toMatchObject({
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: a.memberId,
      memberId: a.joinResponses[0]!.memberId,
      skipAssignment: false,
    })
    expect(first.members.map((m) => subscriptionFromBytes(m.metadata).topics)).toEqual([[topic]])
    expect((await a.sync(4)).partitions).toEqual([0, 1, 2, 3])
    expect(await a.heartbeat()).toBe(ERR.NONE)

    // B joins with JoinGroup v3: no two-step join before v4. Its join waits for A to rejoin.
    const b = await Member.create('client-b', {group, topic, joinVersion: 3})
    const bJoined = b.join()
    await waitFor(async () => (await a.heartbeat()) === ERR.REBALANCE_IN_PROGRESS, 5000, 'A to hear of the rebalance')
    const [aAgain, bFirst] = await Promise.all([a.join(), bJoined])
    expect(b.joinResponses).toHaveLength(1)
    expect(aAgain).toMatchObject({generationId: 2, leader: a.memberId})
    expect(aAgain.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort())
    expect(bFirst).toMatchObject({generationId: 2, leader: a.memberId, members: []})

    // The follower's SyncGroup waits for the leader's; each gets its own half.
    const bSync = b.sync()
    const aSync = await a.sync(4)
    const split = [aSync.partitions, (await bSync).partitions]
    expect(split.flat().sort()).toEqual([0, 1, 2, 3])
    expect(split.map((s) => s.length)).toEqual([2, 2])
    expect(aSync).toMatchObject({protocolType: 'consumer', protocolName: 'range'})
    // A SyncGroup that comes once the group is Stable is answered with the member's assignment.
    expect((await b.sync()).partitions).toEqual(split[1])

    const described = await describeGroup(a.client, group)
    expect(described).toMatchObject({
      errorCode: 0,
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    })
    expect(described.members.map((m) => [m.clientId, m.clientHost]).sort()).toEqual([
      ['client-a', '/127.0.0.1'],
      ['client-b', '/127.0.0.1'],
    ])
    // kafkalite's CLI reads the members and the assignments the Kafka client wrote.
    const cli = await cliDescribe(group, '--members', '--verbose')
    expect(cli.state).toBe('Stable')
    const shown = cli.members.map((m) => [m.memberId, m.host, m.clientId, m.assignment.map((p) => p.partition)])
    expect(shown.sort()).toEqual(
      [
        [a.memberId, '/127.0.0.1', 'client-a', split[0]],
        [b.memberId, '/127.0.0.1', 'client-b', split[1]],
      ].sort(),
    )
  })

  test('a member whose connection closes stays in the group until its session expires', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const group = 'closed-connection'
    const a = await Member.create('client-a', {group, topic, sessionTimeoutMs: 3000})
    const observer = await connect('observer')
    await a.join()
    await a.sync(2)
    const closedAt = Date.now()
    a.client.close()
    expect(await describeGroup(observer, group)).toMatchObject({
      groupState: 'Stable',
      members: [{memberId: a.memberId}],
    })
    // Only the session timeout (3 s from the member's SyncGroup) removes it, not the connection's end.
    await waitFor(
      async () => (await describeGroup(observer, group)).groupState === 'Empty',
      10_000,
      'the session to expire',
    )
    expect(Date.now() - closedAt).toBeGreaterThan(2500)
  })

  test('a member that stops heartbeating is removed after its session timeout though its connection stays open', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const group = 'silent-member'
    const a = await Member.create('client-a', {group, topic, sessionTimeoutMs: 1000})
    const b = await Member.create('client-b', {group, topic, sessionTimeoutMs: 10_000})
    await a.join()
    await a.sync(2)
    const bJoined = b.join()
    await waitFor(async () => (await a.heartbeat()) === ERR.REBALANCE_IN_PROGRESS, 5000, 'A to hear of the rebalance')
    await Promise.all([a.join(), bJoined])
    await Promise.all([a.sync(2), b.sync(2)])
    // B heartbeats every 100 ms; A, its connection open, says nothing from now on.
    const alive = b.keepAlive(100)
    await waitFor(() => alive.codes.includes(ERR.REBALANCE_IN_PROGRESS), 5000, 'the rebalance after A expired')
    alive.stop()
    const alone = await b.join()
    expect(alone).toMatchObject({errorCode: 0, generationId: 3, leader: b.memberId})
    expect(alone.members.map((m) => m.memberId)).toEqual([b.memberId])
    expect((await b.sync(2)).partitions).toEqual([0, 1])
    expect(await a.heartbeat()).toBe(ERR.UNKNOWN_MEMBER_ID)
    expect(await a.heartbeat(0)).toBe(ERR.UNKNOWN_MEMBER_ID) // non-flexible Heartbeat v0 alike
  })

  test('a static member that restarts takes its place and assignment back without a rebalance, and the old id is fenced', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const group = 'static'
    const first = await Member.create('client-s', {group, topic, groupInstanceId: 'instance-1', joinVersion: 5})
    const joined = await first.join()
    expect(first.joinResponses).toHaveLength(1) // a static member joins in one step
    expect(joined.members).toEqual([expect.objectContaining({groupInstanceId: 'instance-1'})])
    await first.sync(2)
    const restarted = await Member.create('client-s', {group, topic, groupInstanceId: 'instance-1', joinVersion: 5})
    const again = await restarted.join()
    expect(again).toMatchObject({errorCode: 0, generationId: 1})
    expect(again.memberId).not.toBe(first.memberId)
    expect((await restarted.sync()).partitions).toEqual([0, 1])
    expect(await first.heartbeat()).toBe(ERR.FENCED_INSTANCE_ID)
    // LeaveGroup v3+ names members in a batch, by group.instance.id too; each is answered on its own.
    const left = await restarted.client.request(APIS.LeaveGroup, 5, {
      groupId: group,
      members: [
        {memberId: '', groupInstanceId: 'instance-1', reason: 'shutting down'},
        {memberId: 'nobody', groupInstanceId: null, reason: null},
      ],
    })
    expect(left).toMatchObject({
      errorCode: 0,
      members: [
        {groupInstanceId: 'instance-1', errorCode: 0},
        {memberId: 'nobody', errorCode: ERR.UNKNOWN_MEMBER_ID},
      ],
    })
    expect((await describeGroup(restarted.client, group)).groupState).toBe('Empty')
  })

  test('offsets committed through the listener are read back by OffsetFetch and shown by consumer-groups --describe', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    await home.produceToEach(topic, 2, 5)
    const group = 'committer'
    const m = await Member.create('client-c', {group, topic})
    await m.join()
    await m.sync(2)
    const commit = (generationId: number, memberId: string, offsets: [number, number]) =>
      m.client.request(APIS.OffsetCommit, 8, {
        groupId: group,
        generationIdOrMemberEpoch: generationId,
        memberId,
        groupInstanceId: null,
        topics: [
          {
            name: topic,
            partitions: offsets.map((o, p) => ({
              partitionIndex: p,
              committedOffset: o,
              committedLeaderEpoch: -1,
              committedMetadata: p === 0 ? 'note' : null,
            })),
          },
        ],
      })
    const codes = (res: Awaited<ReturnType<typeof commit>>) =>
      res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))
    expect(codes(await commit(m.generationId, m.memberId, [3, 5]))).toEqual([0, 0])
    expect(codes(await commit(m.generationId + 1, m.memberId, [4, 4]))).toEqual([
      ERR.ILLEGAL_GENERATION,
      ERR.ILLEGAL_GENERATION,
    ])
    // A simple commit (generation -1, no member id) is refused while the group has members.
    expect(codes(await commit(-1, '', [4, 4]))).toEqual([ERR.UNKNOWN_MEMBER_ID, ERR.UNKNOWN_MEMBER_ID])

    // OffsetFetch v8 asks for several groups at once; a group without offsets answers -1.
    const fetched = await m.client.request(APIS.OffsetFetch, 8, {
      groups: [
        {groupId: group, topics: null},
        {groupId: 'no-such-group', topics: [{name: topic, partitionIndexes: [0]}]},
      ],
      requireStable: true,
    })
    expect(fetched.groups).toMatchObject([
      {
        groupId: group,
        errorCode: 0,
        topics: [
          {
            name: topic,
            partitions: [
              {partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, metadata: 'note', errorCode: 0},
              {partitionIndex: 1, committedOffset: 5, committedLeaderEpoch: -1, metadata: '', errorCode: 0},
            ],
          },
        ],
      },
      {
        groupId: 'no-such-group',
        errorCode: 0,
        topics: [
          {
            name: topic,
            partitions: [
              {partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0},
            ],
          },
        ],
      },
    ])
    // OffsetFetch v1, the oldest served (kafka-python, librdkafka 2.0's feature probe).
    const v1 = await m.client.request(APIS.OffsetFetch, 1, {
      groupId: group,
      topics: [{name: topic, partitionIndexes: [1]}],
    })
    expect(v1.topics).toEqual([
      {name: topic, partitions: [expect.objectContaining({partitionIndex: 1, committedOffset: 5})]},
    ])

    // kafkalite's CLI shows the offsets, the owner of each partition and the lag.
    const cli = await cliDescribe(group)
    expect(cli.partitions.map((p) => [p.partition, p.currentOffset, p.consumerId])).toEqual([
      [0, 3, m.memberId],
      [1, 5, m.memberId],
    ])

    // The group can be neither deleted nor simply committed to while it has members; once the member leaves, both.
    const deleted = await m.client.request(APIS.DeleteGroups, 2, {groupsNames: [group, 'no-such-group']})
    expect(deleted.results.map((r) => r.errorCode)).toEqual([ERR.NON_EMPTY_GROUP, ERR.GROUP_ID_NOT_FOUND])
    const left = await m.client.request(APIS.LeaveGroup, 1, {groupId: group, memberId: m.memberId})
    expect(left.errorCode).toBe(0)
    expect(codes(await commit(-1, '', [4, 4]))).toEqual([0, 0])
    const listed = await m.client.request(APIS.ListGroups, 4, {statesFilter: ['empty']})
    expect(listed.groups).toContainEqual(
      expect.objectContaining({groupId: group, protocolType: 'consumer', groupState: 'Empty'}),
    )
    const dropped = await m.client.request(APIS.OffsetDelete, 0, {
      groupId: group,
      topics: [{name: topic, partitions: [{partitionIndex: 0}]}],
    })
    expect(dropped).toMatchObject({
      errorCode: 0,
      topics: [{name: topic, partitions: [{partitionIndex: 0, errorCode: 0}]}],
    })
    expect((await cliDescribe(group)).partitions.map((p) => [p.partition, p.currentOffset])).toEqual([[1, 4]])
    expect((await m.client.request(APIS.DeleteGroups, 3, {groupsNames: [group]})).results).toMatchObject([
      {groupId: group, errorCode: 0, errorMessage: null},
    ])
    const gone = await describeGroup(m.client, group)
    expect(gone).toMatchObject({errorCode: 0, groupState: 'Dead'})
    const v6 = await m.client.request(APIS.DescribeGroups, 6, {groups: [group], includeAuthorizedOperations: false})
    expect(v6.groups[0]).toMatchObject({errorCode: ERR.GROUP_ID_NOT_FOUND, groupState: 'Dead'})
  })

  test("errors come back as Kafka's codes in the shape of each version, old and flexible", async () => {
    const client = await connect('errors')
    const join = (version: number, body: Partial<JoinGroupRequest>) =>
      client.request(APIS.JoinGroup, version, {
        groupId: 'errors',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 5_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{name: 'range', metadata: subscriptionBytes({topics: ['t'], ownedPartitions: [], generation: -1})}],
        reason: null,
        ...body,
      })
    expect(await join(0, {sessionTimeoutMs: 50})).toMatchObject({
      errorCode: ERR.INVALID_SESSION_TIMEOUT,
      generationId: -1,
      protocolName: '',
    })
    expect(await join(9, {memberId: 'ghost'})).toMatchObject({
      errorCode: ERR.UNKNOWN_MEMBER_ID,
      memberId: 'ghost',
      protocolName: null,
    })
    expect(await join(6, {groupId: ''})).toMatchObject({errorCode: ERR.INVALID_GROUP_ID})
    const sync = await client.request(APIS.SyncGroup, 0, {
      groupId: 'errors',
      generationId: 1,
      memberId: 'ghost',
      assignments: [],
    })
    expect(sync).toMatchObject({errorCode: ERR.UNKNOWN_MEMBER_ID})
    expect(sync.assignment).toHaveLength(0)
    expect(
      await client.request(APIS.Heartbeat, 0, {groupId: 'errors', generationId: 1, memberId: 'ghost'}),
    ).toMatchObject({
      errorCode: ERR.UNKNOWN_MEMBER_ID,
    })
    expect(await client.request(APIS.LeaveGroup, 0, {groupId: 'errors', memberId: 'ghost'})).toMatchObject({
      errorCode: ERR.UNKNOWN_MEMBER_ID,
    })
    const commit = await client.request(APIS.OffsetCommit, 2, {
      groupId: '',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [{name: 't', partitions: [{partitionIndex: 0, committedOffset: 1, committedMetadata: null}]}],
    })
    expect(commit.topics).toMatchObject([
      {name: 't', partitions: [{partitionIndex: 0, errorCode: ERR.INVALID_GROUP_ID}]},
    ])
  })

  test('OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT while a transaction holds offsets of the group', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 1)
    const client = await connect('reader')
    const fetch = (version: number, requireStable: boolean) =>
      client.request(APIS.OffsetFetch, version, {
        groupId: 'txn-group',
        topics: [{name: topic, partitionIndexes: [0]}],
        groups: [{groupId: 'txn-group', topics: [{name: topic, partitionIndexes: [0]}]}],
        requireStable,
      })
    const partitionOf = (res: Awaited<ReturnType<typeof fetch>>) =>
      (res.groups?.[0]?.topics ?? res.topics ?? [])[0]!.partitions[0]!
    const producer = new KafkaProducer({...home.config, 'transactional.id': 'offsets-txn'})
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.sendOffsetsToTransaction([{topic, partition: 0, offset: 7}], 'txn-group')
      for (const version of [7, 8]) {
        expect(partitionOf(await fetch(version, true))).toMatchObject({
          errorCode: ERR.UNSTABLE_OFFSET_COMMIT,
          committedOffset: -1,
        })
        expect(partitionOf(await fetch(version, false))).toMatchObject({errorCode: 0, committedOffset: -1})
      }
      await producer.commitTransaction()
      expect(partitionOf(await fetch(8, true))).toMatchObject({errorCode: 0, committedOffset: 7})
    } finally {
      await producer.close()
    }
  })

  test("kafkalite's console consumer and a Kafka-protocol member share one group and split its partitions", async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 4)
    const group = 'mixed'
    const cli = home.spawn(['console-consumer', '--topic', topic, '--group', group, '--from-beginning'])
    children.push(cli)
    let printed = ''
    cli.stdout!.on('data', (c: Buffer) => (printed += c.toString()))
    // Until the console consumer has joined, the group does not exist.
    await waitFor(
      async () =>
        (await home.run(['consumer-groups', '--describe', '--group', group, '--json'])).stdout.includes('"Stable"'),
      15_000,
      'the console consumer to own the group',
    )

    // The Kafka member joins; the console consumer (the leader, over kafkalite's socket) rejoins and assigns.
    const member = await Member.create('kafka-member', {group, topic})
    const joined = await member.join()
    expect(joined.leader).not.toBe(member.memberId)
    const mine = (await member.sync()).partitions
    expect(mine).toHaveLength(2)
    const theirs = [0, 1, 2, 3].filter((p) => !mine.includes(p))
    const keepAlive = member.keepAlive(200)

    const described = await waitFor(
      async () => {
        const d = await cliDescribe(group)
        return d.state === 'Stable' && d.partitions.every((p) => p.consumerId !== null) ? d : undefined
      },
      10_000,
      'both members to own their partitions',
    )
    const owners = new Map(described.partitions.map((p) => [p.partition, p.consumerId]))
    for (const p of mine) expect(owners.get(p)).toBe(member.memberId)
    for (const p of theirs) expect(owners.get(p)).not.toBe(member.memberId)

    // The console consumer reads only its own partitions.
    await home.produceToEach(topic, 4, 1, {prefix: 'record-'})
    await waitFor(() => theirs.every((p) => printed.includes(`record-${p}-0`)), 10_000, 'the console consumer to read')
    for (const p of mine) expect(printed).not.toContain(`record-${p}-0`)
    keepAlive.stop()
    expect(keepAlive.codes.filter((c) => c !== ERR.NONE)).toEqual([])
  })
})
