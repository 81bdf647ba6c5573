// A consumer's membership in a group: Kafka's ConsumerCoordinator. It joins the group, runs the assignor when it
// is the leader, applies its assignment with the rebalance listener's callbacks, heartbeats in the background, and
// rejoins when the coordinator says a rebalance is in progress.
//
// Eager protocol (range, roundrobin, sticky): before rejoining, the member commits and revokes everything.
// Cooperative protocol (cooperative-sticky only): the member keeps its partitions (and keeps consuming them) while
// it rejoins; the leader withholds partitions that change owner, the losing owner revokes just those and rejoins,
// and a second rebalance hands them to their new owner.
import {toKafkaException, type KafkaException} from '../errors.js'
import type {Method, Requests, Responses} from '../protocol/socket/messages.js'
import {assignorFor, type Assignor} from './assignors.js'
import type {TopicPartition} from '../protocol/kafka/topic-partition.js'
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../protocol/kafka/consumer-protocol.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

/** Kafka's ConsumerRebalanceListener. Callbacks may be async; the consumer waits for them. */
export interface ConsumerRebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>
  /** Partitions taken away without a chance to commit (the member was fenced or timed out). Default: revoked. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>
}

export interface GroupSettings {
  groupId: string
  groupInstanceId: string | null
  clientId: string
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  requestTimeoutMs: number
  /** metadata.max.age.ms: how often a pattern subscription looks for new topics (and partition counts change). */
  metadataMaxAgeMs: number
  assignors: Assignor[]
}

/** What the membership needs from its consumer. */
export interface MembershipHost {
  request<M extends Method>(method: M, params: Requests[M], timeoutMs?: number): Promise<Responses[M]>
  /** Every topic name known to the broker (for pattern subscriptions). */
  allTopics(): Promise<string[]>
  /** Partition counts of topics (creating them when auto-creation is allowed, as a subscription does). */
  partitionCounts(topics: string[]): Promise<Map<string, number>>
  /** Commits the positions of these partitions (auto-commit before a revocation). */
  commitPositions(partitions: TopicPartition[]): Promise<void>
  /** The partitions the consumer fetches from now on. */
  setAssignment(partitions: TopicPartition[]): void
  autoCommit: boolean
  /** Reports an error that a heartbeat met to the next poll. */
  fail(error: KafkaException): void
  wake(): void
}

export type Subscription = {topics: string[]} | {pattern: RegExp}

export interface GroupMetadata {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

const sortTps = (tps: TopicPartition[]) =>
  tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
const minus = (a: TopicPartition[], b: TopicPartition[]) => {
  const drop = new Set(b.map((tp) => tpKey(tp.topic, tp.partition)))
  return a.filter((tp) => !drop.has(tpKey(tp.topic, tp.partition)))
}

export class GroupMember {
  readonly #s: GroupSettings
  readonly #host: MembershipHost
  readonly #protocol: 'EAGER' | 'COOPERATIVE'
  #subscription: Subscription
  #listener: ConsumerRebalanceListener
  #memberId = ''
  #generation = -1
  #owned: TopicPartition[] = []
  #subscribedTopics: string[] = []
  #needsJoin = true
  #lost = false
  #rebalancing: Promise<void> | null = null
  #beating = false
  #beats = 0 // bumped to stop the running heartbeat loop
  #lastPoll = Date.now()
  #lastMetadataCheck = 0
  /**
   * The leader's view of the topics it assigned, with their partition counts (Kafka's assignmentSnapshot): when
   * metadata shows other counts (partitions added, a topic deleted or created again with fewer), it rejoins so that
   * the group is assigned what exists now. Null on other members.
   */
  #assignedCounts: {topics: string[]; counts: Map<string, number>} | null = null
  #closed = false

  constructor(
    settings: GroupSettings,
    host: MembershipHost,
    subscription: Subscription,
    listener: ConsumerRebalanceListener,
  ) {
    this.#s = settings
    this.#host = host
    this.#subscription = subscription
    this.#listener = listener
    // Cooperative only when every configured assignor supports it, as Kafka's ConsumerCoordinator decides.
    this.#protocol = settings.assignors.every((a) => a.supportedProtocols.includes('COOPERATIVE'))
      ? 'COOPERATIVE'
      : 'EAGER'
  }

  get rebalanceProtocol(): 'EAGER' | 'COOPERATIVE' {
    return this.#protocol
  }

  /** The topics of the subscription, as of the last join. */
  get subscribedTopics(): string[] {
    return [...this.#subscribedTopics]
  }

  get assignment(): TopicPartition[] {
    return [...this.#owned]
  }

  get rebalancing(): boolean {
    return this.#rebalancing !== null
  }

  metadata(): GroupMetadata {
    return {
      groupId: this.#s.groupId,
      generationId: this.#generation,
      memberId: this.#memberId,
      groupInstanceId: this.#s.groupInstanceId,
    }
  }

  /** Changes the subscription: the next poll rejoins. */
  resubscribe(subscription: Subscription, listener: ConsumerRebalanceListener): void {
    this.#subscription = subscription
    this.#listener = listener
    this.#needsJoin = true
  }

  /** A fetch met a partition the broker cannot serve: the next poll checks the metadata. */
  metadataStale(): void {
    this.#lastMetadataCheck = 0
  }

  /** Asks for a rebalance at the next poll (Kafka's enforceRebalance). */
  requestRejoin(): void {
    this.#needsJoin = true
  }

  /**
   * Called by every poll: starts a rebalance when one is needed and returns it. The consumer waits for it only when
   * it owns nothing; with the cooperative protocol, owned partitions keep being read meanwhile.
   */
  poll(): Promise<void> | null {
    this.#lastPoll = Date.now()
    if (this.#closed) return null
    if (this.#rebalancing) return this.#rebalancing
    if (!this.#needsJoin) {
      if (Date.now() - this.#lastMetadataCheck > this.#s.metadataMaxAgeMs) void this.#checkSubscription()
      if (!this.#needsJoin) return null
    }
    this.#rebalancing = this.#rebalance().finally(() => {
      this.#rebalancing = null
      this.#host.wake()
    })
    // Errors reach the next poll through host.fail; the promise itself never rejects.
    return this.#rebalancing
  }

  /** Pattern subscriptions and partition-count changes: a rebalance when the topics to read have changed. */
  async #checkSubscription(): Promise<void> {
    this.#lastMetadataCheck = Date.now()
    try {
      const topics = await this.#topicsToSubscribe()
      if (topics.join('\n') !== this.#subscribedTopics.join('\n')) this.#needsJoin = true
      const assigned = this.#assignedCounts
      if (assigned !== null && !this.#needsJoin) {
        const now = await this.#host.partitionCounts(assigned.topics)
        if (assigned.topics.some((t) => (now.get(t) ?? 0) !== (assigned.counts.get(t) ?? 0))) this.#needsJoin = true
      }
    } catch {
      // the next check will tell
    }
  }

  async #topicsToSubscribe(): Promise<string[]> {
    if ('topics' in this.#subscription) return [...new Set(this.#subscription.topics)].sort()
    const pattern = this.#subscription.pattern
    return (await this.#host.allTopics()).filter((t) => pattern.test(t)).sort()
  }

  async #rebalance(): Promise<void> {
    try {
      while (this.#needsJoin && !this.#closed) {
        this.#needsJoin = false
        await this.#prepare()
        await this.#joinAndSync()
      }
      this.#startHeartbeats()
    } catch (error) {
      const e = toKafkaException(error)
      if (
        e.code === 'FENCED_INSTANCE_ID' ||
        e.code === 'INCONSISTENT_GROUP_PROTOCOL' ||
        e.code === 'INVALID_SESSION_TIMEOUT' ||
        e.code === 'INVALID_GROUP_ID'
      ) {
        this.#host.fail(e)
        this.#stopHeartbeats()
        return
      }
      // Connection trouble, a rebalance restarted under us: try again at the next poll.
      if (e.code === 'UNKNOWN_MEMBER_ID') this.#resetMembership()
      this.#needsJoin = true
      if (e.code !== 'REBALANCE_IN_PROGRESS' && e.code !== 'UNKNOWN_MEMBER_ID' && e.code !== 'ILLEGAL_GENERATION') {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  /** Before rejoining: partitions lost (fenced or expired), or all revoked (eager). */
  async #prepare(): Promise<void> {
    if (this.#lost) {
      this.#lost = false
      const lost = this.#owned
      this.#owned = []
      this.#host.setAssignment([])
      if (lost.length > 0)
        await (this.#listener.onPartitionsLost ?? this.#listener.onPartitionsRevoked)?.call(this.#listener, lost)
      return
    }
    if (this.#protocol === 'EAGER' && this.#owned.length > 0) {
      await this.#revoke(this.#owned)
    }
  }

  async #revoke(partitions: TopicPartition[]): Promise<void> {
    if (this.#host.autoCommit) {
      await this.#host.commitPositions(partitions).catch(() => {})
    }
    this.#owned = minus(this.#owned, partitions)
    this.#host.setAssignment(this.#owned)
    await this.#listener.onPartitionsRevoked?.(partitions)
  }

  async #joinAndSync(): Promise<void> {
    const s = this.#s
    this.#subscribedTopics = await this.#topicsToSubscribe()
    this.#lastMetadataCheck = Date.now()
    const metadata = encodeSubscription({
      topics: this.#subscribedTopics,
      ownedPartitions: this.#owned,
      generation: this.#generation,
    })
    this.#stopHeartbeats()
    const joined = await this.#host.request(
      'joinGroup',
      {
        groupId: s.groupId,
        sessionTimeoutMs: s.sessionTimeoutMs,
        rebalanceTimeoutMs: s.maxPollIntervalMs,
        memberId: this.#memberId,
        groupInstanceId: s.groupInstanceId,
        protocolType: 'consumer',
        protocols: s.assignors.map((a) => ({name: a.name, metadata})),
        clientId: s.clientId,
      },
      // A join waits for the whole group: up to the rebalance timeout, as Kafka's client allows.
      s.maxPollIntervalMs + 5000,
    )
    this.#memberId = joined.memberId
    this.#generation = joined.generationId
    // Heartbeats during CompletingRebalance keep the session alive while the leader assigns.
    this.#startHeartbeats()
    let assignments: {memberId: string; assignment: string}[] = []
    this.#assignedCounts = null
    if (joined.leader === joined.memberId && joined.members.length > 0) {
      assignments = await this.#assign(joined.protocolName, joined.members)
    }
    const synced = await this.#host.request(
      'syncGroup',
      {
        groupId: s.groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: s.groupInstanceId,
        assignments,
      },
      s.maxPollIntervalMs + 5000,
    )
    await this.#apply(sortTps(decodeAssignment(synced.assignment).partitions))
  }

  /** The leader's job: run the selected assignor over every member's subscription. */
  async #assign(
    protocol: string,
    members: Responses['joinGroup']['members'],
  ): Promise<{memberId: string; assignment: string}[]> {
    const assignor = assignorFor(protocol)
    const subscriptions = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      ...decodeSubscription(m.metadata),
    }))
    const topics = [...new Set(subscriptions.flatMap((m) => m.topics))]
    const counts = await this.#host.partitionCounts(topics)
    this.#assignedCounts = {topics, counts}
    const result = assignor.assign(counts, subscriptions)
    if (this.#protocol === 'COOPERATIVE') {
      // A partition moving to a new owner is withheld until its current owner has revoked it (next rebalance).
      const owner = new Map<string, string>()
      for (const m of subscriptions)
        for (const tp of m.ownedPartitions) owner.set(tpKey(tp.topic, tp.partition), m.memberId)
      for (const [memberId, partitions] of result) {
        result.set(
          memberId,
          partitions.filter((tp) => {
            const current = owner.get(tpKey(tp.topic, tp.partition))
            return current === undefined || current === memberId || !result.has(current)
          }),
        )
      }
    }
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment({partitions: result.get(m.memberId) ?? []}),
    }))
  }

  async #apply(assigned: TopicPartition[]): Promise<void> {
    const revoked = minus(this.#owned, assigned)
    const added = minus(assigned, this.#owned)
    if (revoked.length > 0) {
      await this.#revoke(revoked)
      // The revoked partitions go to their new owners in a second rebalance.
      if (this.#protocol === 'COOPERATIVE') this.#needsJoin = true
    }
    this.#owned = sortTps([...this.#owned, ...added])
    this.#host.setAssignment(this.#owned)
    await this.#listener.onPartitionsAssigned?.(added)
  }

  /**
   * Heartbeats run in the background, one after the other: each is parked at the coordinator for up to
   * heartbeat.interval.ms and answered at once when a rebalance starts, so the member learns of it within
   * milliseconds; an answer that comes back early (an error) is followed by the rest of the interval.
   */
  #startHeartbeats(): void {
    if (this.#beating || this.#closed) return
    this.#beating = true
    const run = ++this.#beats
    void (async () => {
      while (this.#beats === run && !this.#closed) {
        const started = Date.now()
        if (!(await this.#beat())) break
        const rest = this.#s.heartbeatIntervalMs - (Date.now() - started)
        if (rest > 0 && this.#beats === run) await new Promise((resolve) => setTimeout(resolve, rest).unref())
      }
    })()
  }

  #stopHeartbeats(): void {
    this.#beats++
    this.#beating = false
  }

  /** One heartbeat; false when heartbeats should stop. */
  async #beat(): Promise<boolean> {
    if (this.#memberId === '') return false
    if (Date.now() - this.#lastPoll > this.#s.maxPollIntervalMs) {
      // Kafka's poll timeout: a member that stopped polling leaves, so its partitions move to live members.
      this.#stopHeartbeats()
      await this.leave(
        `consumer poll timeout has expired: the time between polls exceeded max.poll.interval.ms (${this.#s.maxPollIntervalMs} ms)`,
      )
      this.#lost = true
      this.#needsJoin = true
      return false
    }
    const generation = this.#generation
    // Never parked past the poll deadline, so that the check above still runs in time.
    const waitMs = Math.max(
      0,
      Math.min(this.#s.heartbeatIntervalMs, this.#s.maxPollIntervalMs - (Date.now() - this.#lastPoll)),
    )
    try {
      await this.#host.request(
        'heartbeat',
        {
          groupId: this.#s.groupId,
          generationId: this.#generation,
          memberId: this.#memberId,
          groupInstanceId: this.#s.groupInstanceId,
          waitMs,
        },
        waitMs + this.#s.requestTimeoutMs,
      )
    } catch (error) {
      const e = toKafkaException(error)
      // An answer about a generation this member has left behind (it rejoined meanwhile, or is rejoining now:
      // its own join may be what started the rebalance) says nothing about the current one.
      if (this.#rebalancing || generation !== this.#generation) return true
      if (e.code === 'REBALANCE_IN_PROGRESS') {
        this.#needsJoin = true
        this.#host.wake()
      } else if (e.code === 'ILLEGAL_GENERATION' || e.code === 'UNKNOWN_MEMBER_ID') {
        this.#stopHeartbeats()
        if (e.code === 'UNKNOWN_MEMBER_ID') this.#resetMembership()
        this.#lost = true
        this.#needsJoin = true
        this.#host.wake()
        return false
      } else if (e.code === 'FENCED_INSTANCE_ID') {
        this.#stopHeartbeats()
        this.#host.fail(e)
        return false
      }
      // Anything else (a restarting daemon): the next heartbeat tries again.
    }
    return true
  }

  #resetMembership(): void {
    this.#memberId = ''
    this.#generation = -1
  }

  /** Leaves the group now (close, unsubscribe, poll timeout). Static members stay registered, as in Kafka. */
  async leave(reason: string): Promise<void> {
    this.#stopHeartbeats()
    const memberId = this.#memberId
    this.#resetMembership()
    if (memberId === '' || this.#s.groupInstanceId !== null) return
    await this.#host
      .request(
        'leaveGroup',
        {groupId: this.#s.groupId, members: [{memberId, groupInstanceId: null, reason}]},
        this.#s.requestTimeoutMs,
      )
      .catch(() => {})
  }

  /** Revokes (committing when auto-commit is on) and leaves: the consumer is closing or unsubscribing. */
  async close(): Promise<void> {
    if (this.#closed) return
    // A join in flight may wait for the whole group; leaving makes it fail rather than waiting for it.
    this.#closed = true
    if (this.#owned.length > 0) await this.#revoke(this.#owned).catch(() => {})
    await this.leave('the consumer is being closed')
  }
}
