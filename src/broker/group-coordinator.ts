// The group coordinator: Kafka's classic consumer-group protocol (group-coordinator/.../classic/ClassicGroup.java).
//
// States: Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and Dead for deleted groups. A rebalance
// starts when a member joins, leaves, or its session expires; it completes once every member has sent JoinGroup
// again (or the rebalance timeout passed, dropping the stragglers). The coordinator then bumps the generation,
// picks the protocol every member supports that most members prefer, and answers: the leader gets every member's
// subscription and computes the assignment, which it hands back with SyncGroup; every member gets its own share.
// Static members (group.instance.id) keep their assignment across a restart within the session timeout.
//
// Membership follows Kafka's rules: a member stays while it heartbeats within its session timeout, and a member that
// is waiting for a rebalance to complete (a parked JoinGroup or SyncGroup) is not expired by its session: the
// rebalance timeout decides for it. kafkalite's own socket adds one rule its clients ask for (`joinGroup` with a
// connection): a dynamic member whose connection closes leaves at once, so a crashed consumer's partitions move without
// waiting for its session to expire. Kafka's protocol joins without one (null): its clients reconnect freely.
import {randomUUID} from 'node:crypto'
import {CorruptDatabaseException, KafkaException, KafkaStorageException, type ErrorData} from '../errors.js'
import type {GroupDescriptionData, GroupState, ParsedRequests, Responses} from '../protocol/socket/messages.js'
import type {OffsetRow, Store} from '../store/store.js'
import type {Broker} from './broker.js'
import {decodeSubscription} from '../protocol/kafka/consumer-protocol.js'
import type {CoordinatorConfig} from './broker-config.js'
import type {Logger} from './logger.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

/** What is persisted of a member. */
interface MemberRecord {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocols: {name: string; metadata: string}[]
  assignment: string
}

type JoinResult = Responses['joinGroup']
/** SyncGroup's answer, with the group's protocol type (Kafka's SyncGroup v5+ response carries it). */
type SyncResult = Responses['syncGroup'] & {protocolType: string}
type Settle<T> = {resolve: (value: T) => void; reject: (error: KafkaException) => void}

interface Member {
  record: MemberRecord
  join: Settle<JoinResult> | null
  sync: Settle<SyncResult> | null
  session: NodeJS.Timeout | null
  /** Unregisters the connection-close callback of a dynamic member. */
  unwatch: (() => void) | null
}

interface Group {
  id: string
  state: GroupState
  protocolType: string
  protocol: string
  generation: number
  leader: string
  members: Map<string, Member>
  /** group.instance.id -> member id */
  statics: Map<string, string>
  timer: NodeJS.Timeout | null
  /** True while a new group waits group.initial.rebalance.delay.ms before its first rebalance completes. */
  delaying: boolean
  /** Parked heartbeats, answered with REBALANCE_IN_PROGRESS as soon as a rebalance starts. */
  heartbeats: Set<HeartbeatWaiter>
  /** Member ids given with MEMBER_ID_REQUIRED, each forgotten unless it joins within its session timeout. */
  pending: Map<string, NodeJS.Timeout>
  /** When the group last became Empty (Kafka's currentStateTimestamp): offsets.retention.minutes counts from it. */
  emptySince: number
}

interface HeartbeatWaiter {
  resolve: () => void
  reject: (error: KafkaException) => void
}

/** Opaque identity of a client connection, with a way to hear when it closes. */
export interface ConnectionRef {
  onClose(callback: () => void): () => void
}

/** How a front end's JoinGroup is treated, beyond the request. */
export interface JoinOptions {
  /** The member's address as DescribeGroups reports it (`/127.0.0.1`); `/localhost` when not given. */
  clientHost?: string
  /**
   * KIP-394 (Kafka's JoinGroup v4+): a new dynamic member is first answered MEMBER_ID_REQUIRED with the member id to
   * join with, and counts as a member only once it joins with that id, so a client retrying a timed-out join leaves
   * no half-joined members behind.
   */
  requireKnownMemberId?: boolean
}

/** The answer to the first JoinGroup of a new dynamic member under KIP-394: join again with `memberId`. */
export class MemberIdRequiredException extends KafkaException {
  readonly memberId: string
  constructor(memberId: string, groupId: string) {
    super('MEMBER_ID_REQUIRED', `Join group '${groupId}' again with the member id '${memberId}' the coordinator gave.`)
    this.memberId = memberId
  }
}

const error = (code: ConstructorParameters<typeof KafkaException>[0], message: string) =>
  new KafkaException(code, message)
const unknownMember = (memberId: string, groupId: string) =>
  error('UNKNOWN_MEMBER_ID', `The coordinator is not aware of member '${memberId}' of group '${groupId}'.`)
const fenced = (instanceId: string) =>
  error(
    'FENCED_INSTANCE_ID',
    `The broker rejected this static consumer since another consumer with the same group.instance.id '${instanceId}' has registered with a different member.id.`,
  )

/** The coordinator's collaborators, given at construction (the broker core wires them: src/broker/core.ts). */
export interface GroupCoordinatorOptions {
  /** The clock (tests pass a fake one). */
  now?: () => number
  /** Told of every commit once it is stored (the lag history keeps the last ones). */
  onCommitted?: (rows: readonly OffsetRow[]) => void
}

export class GroupCoordinator {
  readonly #groups = new Map<string, Group>()
  readonly #store: Store
  readonly #broker: Broker
  readonly #config: CoordinatorConfig
  readonly #log: Logger
  readonly #now: () => number
  readonly #onCommitted: ((rows: readonly OffsetRow[]) => void) | null

  constructor(
    store: Store,
    broker: Broker,
    config: CoordinatorConfig,
    log: Logger,
    options: GroupCoordinatorOptions = {},
  ) {
    this.#store = store
    this.#broker = broker
    this.#config = config
    this.#log = log
    this.#now = options.now ?? Date.now
    this.#onCommitted = options.onCommitted ?? null
    this.#load()
  }

  /** Groups and members come back after a restart; members get a fresh session in which to reconnect. */
  #load(): void {
    for (const row of this.#store.listGroups()) {
      const group = this.#newGroup(row.groupId)
      group.protocolType = row.protocolType
      group.protocol = row.protocol
      group.generation = row.generation
      group.leader = row.leader
      for (const record of JSON.parse(row.members) as MemberRecord[]) {
        const member: Member = {record, join: null, sync: null, session: null, unwatch: null}
        group.members.set(record.memberId, member)
        if (record.groupInstanceId !== null) group.statics.set(record.groupInstanceId, record.memberId)
        this.#touch(group, member)
      }
      this.#groups.set(group.id, group)
      if (group.members.size === 0) {
        group.state = 'Empty'
        group.emptySince = row.updatedAt ?? this.#now()
      } else if (row.state === 'Stable') group.state = 'Stable'
      else this.#prepareRebalance(group, 'the coordinator restarted during a rebalance')
    }
  }

  #newGroup(id: string): Group {
    return {
      id,
      state: 'Empty',
      protocolType: '',
      protocol: '',
      generation: 0,
      leader: '',
      members: new Map(),
      statics: new Map(),
      timer: null,
      delaying: false,
      heartbeats: new Set(),
      pending: new Map(),
      emptySince: this.#now(),
    }
  }

  #group(id: string, create: boolean): Group | undefined {
    let group = this.#groups.get(id)
    if (!group && create) {
      group = this.#newGroup(id)
      this.#groups.set(id, group)
    }
    return group
  }

  /**
   * Saves a group's membership, which serves only to resume it after a restart: the coordinator's memory is the
   * truth while it runs. A save the storage refuses (a full disk) is logged and left to the group's next change;
   * what runs on (a rebalance, a timer) must not stop halfway because of it.
   */
  #persist(group: Group): void {
    try {
      this.#store.saveGroup(
        {
          groupId: group.id,
          protocolType: group.protocolType,
          protocol: group.protocol,
          generation: group.generation,
          leader: group.leader,
          state: group.state,
          members: JSON.stringify([...group.members.values()].map((m) => m.record)),
        },
        this.#now(),
      )
    } catch (e) {
      if (!(e instanceof KafkaStorageException || e instanceof CorruptDatabaseException)) throw e
      this.#log.warn(`group ${group.id}: its state was not saved (${e.message}); it will be with its next change`)
    }
  }

  // ---- membership -------------------------------------------------------------------------------------------

  /**
   * A member joins (or rejoins) the group; answered when the rebalance completes. `connection` is the member's
   * connection when it leaves with it (kafkalite's socket), null when only its session counts (Kafka's protocol).
   */
  joinGroup(
    req: ParsedRequests['joinGroup'],
    connection: ConnectionRef | null,
    options: JoinOptions = {},
  ): Promise<JoinResult> {
    if (req.groupId === '')
      throw error('INVALID_GROUP_ID', 'The configured group.id is empty: set group.id to join a group.')
    const {minSessionTimeoutMs: min, maxSessionTimeoutMs: max} = this.#config
    if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) {
      throw error(
        'INVALID_SESSION_TIMEOUT',
        `session.timeout.ms ${req.sessionTimeoutMs} is outside the broker's allowed range [${min}, ${max}] (group.min.session.timeout.ms, group.max.session.timeout.ms).`,
      )
    }
    if (req.protocolType === '' || req.protocols.length === 0) {
      throw error(
        'INCONSISTENT_GROUP_PROTOCOL',
        `A member of group '${req.groupId}' must name its protocol type and at least one protocol.`,
      )
    }
    const group = this.#group(req.groupId, true)!
    if (group.members.size > 0) {
      if (req.protocolType !== group.protocolType) {
        throw error(
          'INCONSISTENT_GROUP_PROTOCOL',
          `Group '${group.id}' uses protocol type '${group.protocolType}', not '${req.protocolType}'.`,
        )
      }
      const supported = this.#commonProtocols(
        group,
        req.protocols.map((p) => p.name),
      )
      if (supported.length === 0) {
        throw error(
          'INCONSISTENT_GROUP_PROTOCOL',
          `The member's assignors (${req.protocols.map((p) => p.name).join(', ')}) have none in common with the other members of group '${group.id}'.`,
        )
      }
    }
    if (req.memberId === '' && req.groupInstanceId === null && options.requireKnownMemberId) {
      const memberId = this.#newMemberId(req.clientId)
      const forget = setTimeout(() => group.pending.delete(memberId), req.sessionTimeoutMs)
      forget.unref()
      group.pending.set(memberId, forget)
      throw new MemberIdRequiredException(memberId, group.id)
    }
    let member: Member | undefined
    const pending = group.pending.get(req.memberId)
    if (req.memberId === '' || pending !== undefined) {
      if (pending !== undefined) clearTimeout(pending)
      group.pending.delete(req.memberId)
      const previousId = req.groupInstanceId === null ? undefined : group.statics.get(req.groupInstanceId)
      const previous = previousId === undefined ? undefined : group.members.get(previousId)
      const record: MemberRecord = {
        memberId: req.memberId === '' ? this.#newMemberId(req.clientId) : req.memberId,
        groupInstanceId: req.groupInstanceId,
        clientId: req.clientId,
        clientHost: options.clientHost ?? '/localhost',
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: previous?.record.assignment ?? '',
      }
      member = {record, join: null, sync: null, session: null, unwatch: null}
      if (previous) {
        // A static member is back under a new member id: the old id is fenced, its assignment carries over.
        this.#replace(group, previous, member)
        if (group.state === 'Stable' && sameProtocols(previous.record.protocols, req.protocols)) {
          this.#touch(group, member)
          this.#persist(group)
          return Promise.resolve({
            generationId: group.generation,
            protocolName: group.protocol,
            leader: group.leader,
            memberId: record.memberId,
            members: [],
          })
        }
      } else {
        group.members.set(record.memberId, member)
        if (req.groupInstanceId !== null) group.statics.set(req.groupInstanceId, record.memberId)
        if (group.members.size === 1) group.protocolType = req.protocolType
      }
    } else {
      member = group.members.get(req.memberId)
      if (!member) throw unknownMember(req.memberId, group.id)
      if (req.groupInstanceId !== null && group.statics.get(req.groupInstanceId) !== req.memberId) {
        throw fenced(req.groupInstanceId)
      }
      member.record.protocols = req.protocols
      member.record.sessionTimeoutMs = req.sessionTimeoutMs
      member.record.rebalanceTimeoutMs = req.rebalanceTimeoutMs
      if (options.clientHost !== undefined) member.record.clientHost = options.clientHost
      member.join?.reject(error('REBALANCE_IN_PROGRESS', 'A newer JoinGroup from the same member replaced this one.'))
    }
    this.#watch(member, connection, group)
    this.#touch(group, member)
    const joined = member
    const result = new Promise<JoinResult>((resolve, reject) => {
      joined.join = {resolve, reject}
    })
    if (group.state !== 'PreparingRebalance') this.#prepareRebalance(group, `member ${member.record.memberId} joined`)
    else this.#maybeCompleteJoin(group)
    return result
  }

  /** Kafka's member ids: the client id, a dash and a UUID. */
  #newMemberId(clientId: string): string {
    return `${clientId || 'consumer'}-${randomUUID()}`
  }

  /** Puts `next` in place of `previous` (the same static member under a new id); `previous` is fenced. */
  #replace(group: Group, previous: Member, next: Member): void {
    const fence = fenced(previous.record.groupInstanceId ?? '')
    previous.join?.reject(fence)
    previous.sync?.reject(fence)
    this.#stopMember(previous)
    group.members.delete(previous.record.memberId)
    group.members.set(next.record.memberId, next)
    group.statics.set(next.record.groupInstanceId!, next.record.memberId)
    if (group.leader === previous.record.memberId) group.leader = next.record.memberId
  }

  /** A dynamic member leaves as soon as its connection closes; a static one keeps its session running. */
  #watch(member: Member, connection: ConnectionRef | null, group: Group): void {
    member.unwatch?.()
    member.unwatch = null
    if (connection === null || member.record.groupInstanceId !== null) return
    const id = member.record.memberId
    member.unwatch = connection.onClose(() => {
      member.unwatch = null
      if (group.members.get(id) === member) this.#remove(group, member, 'its connection closed')
    })
  }

  #touch(group: Group, member: Member): void {
    if (member.session) {
      member.session.refresh()
      return
    }
    member.session = setTimeout(() => {
      member.session = null
      if (group.members.get(member.record.memberId) !== member) return
      if (member.join !== null || member.sync !== null) {
        // Waiting for the rebalance to complete counts as heartbeating (Kafka's hasSatisfiedHeartbeat): the
        // rebalance timeout removes a member that does not rejoin, and completing the rebalance restarts its session.
        this.#touch(group, member)
        return
      }
      this.#log.info(`group ${group.id}: member ${member.record.memberId} session expired`)
      this.#remove(group, member, 'its session expired')
    }, member.record.sessionTimeoutMs)
    member.session.unref()
  }

  #stopMember(member: Member): void {
    if (member.session) clearTimeout(member.session)
    member.session = null
    member.unwatch?.()
    member.unwatch = null
  }

  #remove(group: Group, member: Member, reason: string): void {
    this.#stopMember(member)
    const gone = error('UNKNOWN_MEMBER_ID', `Member ${member.record.memberId} left group '${group.id}': ${reason}.`)
    member.join?.reject(gone)
    member.sync?.reject(gone)
    group.members.delete(member.record.memberId)
    if (
      member.record.groupInstanceId !== null &&
      group.statics.get(member.record.groupInstanceId) === member.record.memberId
    ) {
      group.statics.delete(member.record.groupInstanceId)
    }
    if (group.leader === member.record.memberId) group.leader = ''
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
      this.#prepareRebalance(group, `member ${member.record.memberId} left: ${reason}`)
    } else if (group.state === 'PreparingRebalance') {
      this.#maybeCompleteJoin(group)
    } else {
      this.#persist(group)
    }
  }

  #prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      const again = error('REBALANCE_IN_PROGRESS', `Group '${group.id}' is rebalancing again: ${reason}.`)
      for (const m of group.members.values()) {
        m.sync?.reject(again)
        m.sync = null
      }
    }
    const wasEmpty = group.state === 'Empty'
    group.state = 'PreparingRebalance'
    const rebalancing = error('REBALANCE_IN_PROGRESS', `Group '${group.id}' is rebalancing: rejoin it.`)
    for (const waiter of [...group.heartbeats]) waiter.reject(rebalancing)
    this.#log.info(`group ${group.id}: preparing rebalance (${reason})`)
    if (group.timer) clearTimeout(group.timer)
    const rebalanceTimeout = Math.max(0, ...[...group.members.values()].map((m) => m.record.rebalanceTimeoutMs))
    if (wasEmpty && this.#config.initialRebalanceDelayMs > 0) {
      // Kafka's InitialDelayedJoin: let the other members of a starting application join the same rebalance.
      group.delaying = true
      group.timer = setTimeout(
        () => {
          group.delaying = false
          group.timer = null
          this.#maybeCompleteJoin(group, true)
        },
        Math.min(this.#config.initialRebalanceDelayMs, rebalanceTimeout || Infinity),
      )
    } else {
      group.timer = setTimeout(() => {
        group.timer = null
        this.#maybeCompleteJoin(group, true)
      }, rebalanceTimeout)
    }
    this.#persist(group)
    this.#maybeCompleteJoin(group)
  }

  /** Completes the join phase once every member has rejoined, or at the deadline (`force`) without the others. */
  #maybeCompleteJoin(group: Group, force = false): void {
    if (group.state !== 'PreparingRebalance' || group.delaying) return
    const waiting = [...group.members.values()].filter((m) => m.join === null)
    if (waiting.length > 0 && !force) return
    if (group.timer) clearTimeout(group.timer)
    group.timer = null
    for (const m of waiting) {
      this.#log.info(`group ${group.id}: member ${m.record.memberId} did not rejoin in time; removing it`)
      this.#stopMember(m)
      m.sync?.reject(unknownMember(m.record.memberId, group.id))
      group.members.delete(m.record.memberId)
      if (m.record.groupInstanceId !== null) group.statics.delete(m.record.groupInstanceId)
    }
    group.generation++
    if (group.members.size === 0) {
      group.state = 'Empty'
      group.emptySince = this.#now()
      group.protocol = ''
      group.leader = ''
      this.#persist(group)
      return
    }
    group.protocol = this.#selectProtocol(group)
    if (!group.members.has(group.leader)) group.leader = group.members.keys().next().value!
    group.state = 'CompletingRebalance'
    const everyone = [...group.members.values()].map((m) => ({
      memberId: m.record.memberId,
      groupInstanceId: m.record.groupInstanceId,
      metadata: m.record.protocols.find((p) => p.name === group.protocol)?.metadata ?? '',
    }))
    this.#log.info(
      `group ${group.id}: generation ${group.generation} with ${group.members.size} member(s), protocol ${group.protocol}, leader ${group.leader}`,
    )
    for (const m of group.members.values()) {
      const join = m.join!
      m.join = null
      this.#touch(group, m) // a fresh session from the end of the wait (Kafka's completeAndScheduleNextHeartbeatExpiration)
      join.resolve({
        generationId: group.generation,
        protocolName: group.protocol,
        leader: group.leader,
        memberId: m.record.memberId,
        members: m.record.memberId === group.leader ? everyone : [],
      })
    }
    // A leader that never sends its assignment: rebalance again after the rebalance timeout.
    const generation = group.generation
    const rebalanceTimeout = Math.max(...[...group.members.values()].map((m) => m.record.rebalanceTimeoutMs))
    group.timer = setTimeout(() => {
      group.timer = null
      if (group.state === 'CompletingRebalance' && group.generation === generation) {
        this.#prepareRebalance(group, 'the leader did not send the assignment in time')
      }
    }, rebalanceTimeout)
    this.#persist(group)
  }

  /** Kafka's selectProtocol: among the assignors every member supports, the one most members list first. */
  #selectProtocol(group: Group): string {
    const members = [...group.members.values()]
    const candidates = this.#commonProtocols(group)
    const votes = new Map<string, number>()
    for (const m of members) {
      const vote = m.record.protocols.find((p) => candidates.includes(p.name))?.name
      if (vote) votes.set(vote, (votes.get(vote) ?? 0) + 1)
    }
    let best = candidates[0] ?? ''
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c
    return best
  }

  #commonProtocols(group: Group, extra?: string[]): string[] {
    const lists = [...group.members.values()].map((m) => m.record.protocols.map((p) => p.name))
    if (extra) lists.push(extra)
    const [first = [], ...rest] = lists
    return first.filter((name) => rest.every((l) => l.includes(name)))
  }

  #member(group: Group | undefined, groupId: string, memberId: string, instanceId: string | null): Member {
    const member = group?.members.get(memberId)
    if (!group || !member) {
      if (group && instanceId !== null && group.statics.has(instanceId)) throw fenced(instanceId)
      throw unknownMember(memberId, groupId)
    }
    if (instanceId !== null && group.statics.get(instanceId) !== memberId) throw fenced(instanceId)
    return member
  }

  /**
   * The leader hands in every member's assignment; each member gets its own once it has. `expected` is the protocol
   * type and name the member was told (Kafka's SyncGroup v5+), checked against the group's when given.
   */
  syncGroup(
    req: ParsedRequests['syncGroup'],
    expected: {protocolType?: string | null; protocolName?: string | null} = {},
  ): Promise<SyncResult> | SyncResult {
    const group = this.#groups.get(req.groupId)
    const member = this.#member(group, req.groupId, req.memberId, req.groupInstanceId)
    const g = group!
    if (req.generationId !== g.generation) {
      throw error(
        'ILLEGAL_GENERATION',
        `Generation ${req.generationId} is not the current generation ${g.generation} of group '${g.id}'.`,
      )
    }
    if (expected.protocolType != null && expected.protocolType !== g.protocolType) {
      throw error(
        'INCONSISTENT_GROUP_PROTOCOL',
        `Group '${g.id}' uses protocol type '${g.protocolType}', not '${expected.protocolType}'.`,
      )
    }
    if (expected.protocolName != null && g.protocol !== '' && expected.protocolName !== g.protocol) {
      throw error(
        'INCONSISTENT_GROUP_PROTOCOL',
        `Group '${g.id}' uses the assignor '${g.protocol}' in generation ${g.generation}, not '${expected.protocolName}'.`,
      )
    }
    this.#touch(g, member)
    if (g.state === 'PreparingRebalance')
      throw error('REBALANCE_IN_PROGRESS', `Group '${g.id}' is rebalancing: rejoin it.`)
    if (g.state === 'Stable') {
      return {protocolType: g.protocolType, protocolName: g.protocol, assignment: member.record.assignment}
    }
    const result = new Promise<SyncResult>((resolve, reject) => {
      member.sync?.reject(error('REBALANCE_IN_PROGRESS', 'A newer SyncGroup from the same member replaced this one.'))
      member.sync = {resolve, reject}
    })
    if (req.memberId === g.leader) {
      const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]))
      for (const m of g.members.values()) m.record.assignment = given.get(m.record.memberId) ?? ''
      g.state = 'Stable'
      if (g.timer) clearTimeout(g.timer)
      g.timer = null
      this.#persist(g)
      for (const m of g.members.values()) {
        const sync = m.sync
        m.sync = null
        if (sync) this.#touch(g, m)
        sync?.resolve({protocolType: g.protocolType, protocolName: g.protocol, assignment: m.record.assignment})
      }
    }
    return result
  }

  heartbeat(
    req: ParsedRequests['heartbeat'],
    connection?: ConnectionRef,
  ): Responses['heartbeat'] | Promise<Responses['heartbeat']> {
    const group = this.#groups.get(req.groupId)
    const member = this.#member(group, req.groupId, req.memberId, req.groupInstanceId)
    const g = group!
    this.#touch(g, member)
    if (req.generationId !== g.generation) {
      throw error(
        'ILLEGAL_GENERATION',
        `Generation ${req.generationId} is not the current generation ${g.generation} of group '${g.id}'.`,
      )
    }
    if (g.state === 'PreparingRebalance')
      throw error('REBALANCE_IN_PROGRESS', `Group '${g.id}' is rebalancing: rejoin it.`)
    if (req.waitMs === 0) return {}
    // Parked until the wait is over, or answered at once when a rebalance starts (see #prepareRebalance).
    return new Promise((resolve, reject) => {
      const waiter: HeartbeatWaiter = {
        resolve: () => {
          done()
          if (g.members.get(member.record.memberId) === member) this.#touch(g, member)
          resolve({})
        },
        reject: (e) => {
          done()
          reject(e)
        },
      }
      const timer = setTimeout(waiter.resolve, req.waitMs)
      const unregister = connection?.onClose(() => done())
      const done = () => {
        clearTimeout(timer)
        unregister?.()
        g.heartbeats.delete(waiter)
      }
      g.heartbeats.add(waiter)
    })
  }

  leaveGroup(req: ParsedRequests['leaveGroup']): Responses['leaveGroup'] {
    const group = this.#groups.get(req.groupId)
    return {
      members: req.members.map((m) => {
        try {
          let memberId = m.memberId
          if (memberId === '' && m.groupInstanceId !== null) memberId = group?.statics.get(m.groupInstanceId) ?? ''
          const member = this.#member(group, req.groupId, memberId, m.groupInstanceId)
          this.#remove(group!, member, m.reason ?? 'it left the group')
          return {memberId: m.memberId, groupInstanceId: m.groupInstanceId}
        } catch (e) {
          return {memberId: m.memberId, groupInstanceId: m.groupInstanceId, error: (e as KafkaException).toJSON()}
        }
      }),
    }
  }

  // ---- offsets ----------------------------------------------------------------------------------------------

  offsetCommit(req: ParsedRequests['offsetCommit']): Responses['offsetCommit'] {
    const group = this.checkCommitter(req)
    const {rows, results} = this.offsetRows(req.groupId, req.offsets)
    this.#store.commitOffsets(rows)
    this.#onCommitted?.(rows)
    // A group that only has offsets (a standalone consumer's, or a reset's) exists as Empty, as in Kafka.
    if (group.members.size === 0) this.#persist(group)
    return {results}
  }

  /**
   * Checks that a commit may be made to the group: by one of its members in the current generation, or a simple
   * commit (generation -1, no member id) to a group without members. Creates the group when it does not exist.
   */
  checkCommitter(req: {groupId: string; generationId: number; memberId: string; groupInstanceId: string | null}) {
    if (req.groupId === '')
      throw error('INVALID_GROUP_ID', 'The configured group.id is empty: set group.id to commit offsets.')
    const group = this.#group(req.groupId, true)!
    if (req.generationId < 0 && req.memberId === '') {
      // A simple commit (a standalone consumer, or an offset reset): only while the group has no members.
      if (group.members.size > 0) {
        throw error(
          'UNKNOWN_MEMBER_ID',
          `Group '${group.id}' has active members (${group.state}); only its members can commit offsets now.`,
        )
      }
    } else {
      const member = this.#member(group, req.groupId, req.memberId, req.groupInstanceId)
      if (req.generationId !== group.generation) {
        throw error(
          'ILLEGAL_GENERATION',
          `Commit cannot be completed since the group has already rebalanced (generation ${req.generationId}, now ${group.generation}).`,
        )
      }
      if (group.state === 'CompletingRebalance') {
        throw error('REBALANCE_IN_PROGRESS', `Group '${group.id}' is rebalancing: commit again after it completes.`)
      }
      this.#touch(group, member)
    }
    return group
  }

  /** The rows of committed offsets, and an UNKNOWN_TOPIC_OR_PARTITION result for each partition that is missing. */
  offsetRows(
    groupId: string,
    offsets: readonly {
      topic: string
      partition: number
      offset: number
      leaderEpoch?: number
      metadata: string | null
    }[],
  ): {rows: OffsetRow[]; results: Responses['offsetCommit']['results']} {
    const now = this.#now()
    const results: Responses['offsetCommit']['results'] = []
    const rows: OffsetRow[] = []
    for (const o of offsets) {
      const topic = this.#broker.topic(o.topic)
      if (!topic || o.partition >= topic.partitions.length) {
        results.push({
          topic: o.topic,
          partition: o.partition,
          error: error('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${o.topic}-${o.partition} does not exist.`).toJSON(),
        })
        continue
      }
      rows.push({
        groupId,
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        leaderEpoch: o.leaderEpoch ?? -1,
        metadata: o.metadata ?? '',
        commitTimestamp: now,
      })
      results.push({topic: o.topic, partition: o.partition})
    }
    return {rows, results}
  }

  /** Writes the offsets a transaction committed (called inside the transaction's SQLite transaction). */
  commitTransactional(rows: readonly OffsetRow[]): void {
    this.#store.commitOffsets(rows)
    this.#onCommitted?.(rows)
    for (const groupId of new Set(rows.map((r) => r.groupId))) {
      const group = this.#group(groupId, true)!
      if (group.members.size === 0) this.#persist(group)
    }
  }

  offsetFetch(req: ParsedRequests['offsetFetch']): Responses['offsetFetch'] {
    const stored = this.#store.fetchOffsets(req.groupId)
    const row = (o: (typeof stored)[number]) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      commitTimestamp: o.commitTimestamp,
    })
    if (req.partitions === null) return {offsets: stored.map(row)}
    const byKey = new Map(stored.map((o) => [tpKey(o.topic, o.partition), o]))
    return {
      offsets: req.partitions.map((p) => {
        const o = byKey.get(tpKey(p.topic, p.partition))
        return o ? row(o) : {...p, offset: -1, leaderEpoch: -1, metadata: '', commitTimestamp: -1}
      }),
    }
  }

  offsetDelete(req: ParsedRequests['offsetDelete']): Responses['offsetDelete'] {
    const group = this.#groups.get(req.groupId)
    if (!group || group.state === 'Dead')
      throw error('GROUP_ID_NOT_FOUND', `The group id '${req.groupId}' does not exist.`)
    const subscribed = this.#subscribedTopics(group)
    const results: Responses['offsetDelete']['results'] = []
    const deletable: {topic: string; partition: number}[] = []
    for (const p of req.partitions) {
      if (!this.#broker.topic(p.topic)) {
        results.push({
          ...p,
          error: error('UNKNOWN_TOPIC_OR_PARTITION', 'This server does not host this topic-partition.').toJSON(),
        })
      } else if (subscribed.has(p.topic)) {
        const e = error(
          'GROUP_SUBSCRIBED_TO_TOPIC',
          'Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.',
        )
        results.push({...p, error: e.toJSON()})
      } else {
        deletable.push(p)
        results.push({...p})
      }
    }
    this.#store.deleteOffsets(group.id, deletable)
    return {results}
  }

  /** The topics a consumer group's members subscribe to, read from their ConsumerProtocol subscriptions. */
  #subscribedTopics(group: Group): Set<string> {
    const topics = new Set<string>()
    if (group.protocolType !== 'consumer') return topics // another protocol's metadata: opaque, as in Kafka
    for (const m of group.members.values()) {
      const metadata =
        m.record.protocols.find((p) => p.name === group.protocol)?.metadata ?? m.record.protocols[0]?.metadata
      if (metadata !== undefined) for (const t of decodeSubscription(metadata).topics) topics.add(t)
    }
    return topics
  }

  // ---- admin ------------------------------------------------------------------------------------------------

  listGroups(req: ParsedRequests['listGroups']): Responses['listGroups'] {
    const wanted = new Set(req.states.map((s) => s.toLowerCase()))
    const groups = [...this.#groups.values()]
      .filter((g) => g.state !== 'Dead' && (wanted.size === 0 || wanted.has(g.state.toLowerCase())))
      .map((g) => ({groupId: g.id, protocolType: g.protocolType || 'consumer', state: g.state}))
    return {groups}
  }

  describeGroups(req: ParsedRequests['describeGroups']): Responses['describeGroups'] {
    return {
      groups: req.groupIds.map((id): GroupDescriptionData => {
        const g = this.#groups.get(id)
        if (!g) return {groupId: id, state: 'Dead', protocolType: '', protocol: '', generationId: -1, members: []}
        return {
          groupId: id,
          state: g.state,
          protocolType: g.protocolType || 'consumer',
          protocol: g.state === 'Stable' || g.state === 'CompletingRebalance' ? g.protocol : '',
          generationId: g.generation,
          members: [...g.members.values()].map((m) => ({
            memberId: m.record.memberId,
            groupInstanceId: m.record.groupInstanceId,
            clientId: m.record.clientId,
            clientHost: m.record.clientHost,
            metadata:
              m.record.protocols.find((p) => p.name === g.protocol)?.metadata ?? m.record.protocols[0]?.metadata ?? '',
            assignment: m.record.assignment,
          })),
        }
      }),
    }
  }

  deleteGroups(req: ParsedRequests['deleteGroups']): Responses['deleteGroups'] {
    return {
      results: req.groupIds.map((id) => {
        const g = this.#groups.get(id)
        let failure: ErrorData | undefined
        if (!g || g.state === 'Dead') failure = error('GROUP_ID_NOT_FOUND', 'The group id does not exist.').toJSON()
        else if (g.members.size > 0) failure = error('NON_EMPTY_GROUP', 'The group is not empty.').toJSON()
        if (failure) return {groupId: id, error: failure}
        this.#store.deleteGroup(id) // first: a refused delete leaves the group as it was
        if (g!.timer) clearTimeout(g!.timer)
        this.#groups.delete(id)
        return {groupId: id}
      }),
    }
  }

  /** Every group that is not Dead, with its description and its committed offsets (the lag viewer's snapshot). */
  snapshot(groupIds: readonly string[] | null): {description: GroupDescriptionData; offsets: OffsetRow[]}[] {
    const ids = groupIds ?? this.listGroups({states: []}).groups.map((g) => g.groupId)
    const offsets = new Map<string, OffsetRow[]>()
    for (const row of this.#store.fetchOffsets()) {
      let list = offsets.get(row.groupId)
      if (list === undefined) offsets.set(row.groupId, (list = []))
      list.push(row)
    }
    return this.describeGroups({groupIds: [...ids]})
      .groups.filter((g) => g.state !== 'Dead' || (offsets.get(g.groupId)?.length ?? 0) > 0)
      .map((description) => ({description, offsets: offsets.get(description.groupId) ?? []}))
  }

  /**
   * Kafka's offset expiration (GroupMetadata.removeExpiredOffsets, offsets.retention.minutes): the committed offsets
   * of a group that has been Empty for the retention expire together; those of a group without group management (a
   * standalone consumer's, protocol type empty) each expire that long after their commit. A group left Empty without
   * offsets goes (Dead). Groups with members keep theirs. Returns what expired, for the lag history.
   */
  expireOffsets(
    retentionMs: number,
  ): {groupId: string; partitions: {topic: string; partition: number}[]; groupGone: boolean}[] {
    const now = this.#now()
    const byGroup = new Map<string, OffsetRow[]>()
    for (const row of this.#store.fetchOffsets()) {
      let list = byGroup.get(row.groupId)
      if (list === undefined) byGroup.set(row.groupId, (list = []))
      list.push(row)
    }
    const expired: {groupId: string; partitions: {topic: string; partition: number}[]; groupGone: boolean}[] = []
    for (const [groupId, offsets] of byGroup) {
      const group = this.#groups.get(groupId)
      if (group !== undefined && group.state !== 'Empty') continue
      const standalone = group === undefined || group.protocolType === ''
      const gone = offsets.filter((o) =>
        standalone ? now - o.commitTimestamp >= retentionMs : now - group.emptySince >= retentionMs,
      )
      if (gone.length === 0) continue
      const partitions = gone.map((o) => ({topic: o.topic, partition: o.partition}))
      const groupGone = gone.length === offsets.length && (group === undefined || group.members.size === 0)
      if (groupGone) {
        this.#store.deleteGroup(groupId)
        if (group?.timer) clearTimeout(group.timer)
        this.#groups.delete(groupId)
      } else {
        this.#store.deleteOffsets(groupId, partitions)
      }
      this.#log.info(
        `group ${groupId}: ${gone.length} committed offset(s) expired (offsets.retention.minutes)${groupGone ? '; the group is removed' : ''}`,
      )
      expired.push({groupId, partitions, groupGone})
    }
    return expired
  }

  /** Offsets of a deleted topic go with it. */
  onTopicDeleted(topic: string): void {
    this.#store.deleteOffsetsOfTopic(topic)
  }

  /** Stops the timers (daemon shutdown); the state is already persisted. */
  close(): void {
    for (const g of this.#groups.values()) {
      if (g.timer) clearTimeout(g.timer)
      for (const waiter of [...g.heartbeats]) waiter.resolve()
      for (const m of g.members.values()) this.#stopMember(m)
      for (const t of g.pending.values()) clearTimeout(t)
    }
  }
}

function sameProtocols(a: MemberRecord['protocols'], b: MemberRecord['protocols']): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata === b[i]!.metadata)
}
