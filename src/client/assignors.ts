// Kafka's consumer partition assignors (range, roundrobin, sticky, cooperative-sticky), computing what the group
// leader of Kafka's Java client computes. Members are always taken in Kafka's order: static members (with a
// groupInstanceId) first, sorted by it, then the others sorted by memberId.

import type {TopicPartition} from '../protocol/kafka/topic-partition.js'

export type {TopicPartition}

export interface MemberSubscription {
  memberId: string
  groupInstanceId?: string | null
  /** Subscribed topics. */
  topics: string[]
  /** What the member owned before this rebalance (sticky assignors use it). */
  ownedPartitions: TopicPartition[]
  /** Generation in which ownedPartitions were assigned (-1 if none). */
  generation: number
}

export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE'

export interface Assignor {
  name: 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky'
  /** EAGER only, or EAGER and COOPERATIVE (cooperative-sticky). */
  supportedProtocols: readonly RebalanceProtocol[]
  /**
   * partitionsPerTopic: topic -> number of partitions (topics missing from it are ignored). Returns memberId ->
   * assigned partitions, every member present (possibly with []), partitions sorted by topic then partition.
   */
  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    members: readonly MemberSubscription[],
  ): Map<string, TopicPartition[]>
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const compareMembers = (a: MemberSubscription, b: MemberSubscription): number => {
  const ga = a.groupInstanceId ?? null
  const gb = b.groupInstanceId ?? null
  if (ga !== null && gb !== null) return compareStrings(ga, gb) || compareStrings(a.memberId, b.memberId)
  if (ga !== null) return -1
  if (gb !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

const compareTopicPartitions = (a: TopicPartition, b: TopicPartition): number =>
  compareStrings(a.topic, b.topic) || a.partition - b.partition

const sortMembers = (members: readonly MemberSubscription[]): MemberSubscription[] => [...members].sort(compareMembers)

/** The topics some member subscribes to that exist, sorted. */
function subscribedTopics(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]) {
  const topics = new Set<string>()
  for (const m of members) for (const t of m.topics) if (partitionsPerTopic.has(t)) topics.add(t)
  return [...topics].sort(compareStrings)
}

const partitionCount = (partitionsPerTopic: ReadonlyMap<string, number>, topic: string): number =>
  Math.max(0, partitionsPerTopic.get(topic) ?? 0)

function emptyAssignment(sorted: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(sorted.map((m) => [m.memberId, []]))
}

function sortAssignment(assignment: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  for (const list of assignment.values()) list.sort(compareTopicPartitions)
  return assignment
}

function rangeAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  members: readonly MemberSubscription[],
): Map<string, TopicPartition[]> {
  const sorted = sortMembers(members)
  const assignment = emptyAssignment(sorted)
  for (const topic of subscribedTopics(partitionsPerTopic, sorted)) {
    const consumers = sorted.filter((m) => m.topics.includes(topic))
    const count = partitionCount(partitionsPerTopic, topic)
    const each = Math.floor(count / consumers.length)
    const extra = count % consumers.length
    let next = 0
    consumers.forEach((m, i) => {
      const list = assignment.get(m.memberId) ?? []
      for (let n = each + (i < extra ? 1 : 0); n > 0; n--) list.push({topic, partition: next++})
    })
  }
  return sortAssignment(assignment)
}

function roundRobinAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  members: readonly MemberSubscription[],
): Map<string, TopicPartition[]> {
  const sorted = sortMembers(members)
  const assignment = emptyAssignment(sorted)
  const subscriptions = sorted.map((m) => new Set(m.topics))
  let cursor = 0
  for (const topic of subscribedTopics(partitionsPerTopic, sorted)) {
    for (let partition = 0; partition < partitionCount(partitionsPerTopic, topic); partition++) {
      // Some member subscribes to the topic, so this stops within one turn of the circle.
      while (!subscriptions[cursor % sorted.length]?.has(topic)) cursor++
      const member = sorted[cursor % sorted.length]
      if (member) assignment.get(member.memberId)?.push({topic, partition})
      cursor++
    }
  }
  return sortAssignment(assignment)
}

/**
 * The sticky assignment: balanced first (members with identical subscriptions differ by at most one partition, and
 * for heterogeneous subscriptions no partition can be moved along a chain of subscribers to make a member with k
 * partitions give one to a member with at most k - 2), then as many partitions as possible stay with their owner.
 */
function stickyAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  members: readonly MemberSubscription[],
): Map<string, TopicPartition[]> {
  const sorted = sortMembers(members)
  const n = sorted.length
  const subscriptions = sorted.map((m) => new Set(m.topics.filter((t) => partitionCount(partitionsPerTopic, t) > 0)))
  const partitions: TopicPartition[] = []
  const index = new Map<string, number>()
  const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`
  for (const topic of subscribedTopics(partitionsPerTopic, sorted)) {
    for (let partition = 0; partition < partitionCount(partitionsPerTopic, topic); partition++) {
      index.set(key(topic, partition), partitions.length)
      partitions.push({topic, partition})
    }
  }
  const topicOf = (p: number): string => partitions[p]?.topic ?? ''

  // Valid claims on previously owned partitions; a partition claimed twice goes to the higher generation, or nobody.
  const claims = new Map<number, {member: number; generation: number}[]>()
  sorted.forEach((m, member) => {
    for (const tp of m.ownedPartitions) {
      const p = index.get(key(tp.topic, tp.partition))
      if (p === undefined || !subscriptions[member]?.has(tp.topic)) continue
      const list = claims.get(p) ?? []
      if (!list.some((c) => c.member === member)) list.push({member, generation: m.generation})
      claims.set(p, list)
    }
  })
  const owned: Set<number>[] = sorted.map(() => new Set())
  for (const [p, list] of claims) {
    const newest = Math.max(...list.map((c) => c.generation))
    const winners = list.filter((c) => c.generation === newest)
    if (winners.length === 1 && winners[0]) owned[winners[0].member]?.add(p)
  }

  const holdings: Set<number>[] = sorted.map(() => new Set())
  const size = (member: number): number => holdings[member]?.size ?? 0
  const first = subscriptions[0]
  const homogeneous =
    first !== undefined && subscriptions.every((s) => s.size === first.size && [...s].every((t) => first.has(t)))
  if (homogeneous) {
    // Quotas: floor(P/M) each, one more for the P%M members owning the most; each keeps its own up to its quota.
    const quota = new Array<number>(n).fill(Math.floor(partitions.length / n))
    const byOwned = [...Array(n).keys()].sort((a, b) => (owned[b]?.size ?? 0) - (owned[a]?.size ?? 0) || a - b)
    for (const member of byOwned.slice(0, partitions.length % n)) quota[member] = (quota[member] ?? 0) + 1
    owned.forEach((mine, member) => {
      for (const p of [...mine].sort((a, b) => a - b).slice(0, quota[member] ?? 0)) holdings[member]?.add(p)
    })
  } else {
    owned.forEach((mine, member) => {
      for (const p of mine) holdings[member]?.add(p)
    })
  }

  // Every partition nobody holds goes to the eligible member holding the fewest (the most constrained ones first).
  const eligible = partitions.map((tp) => [...Array(n).keys()].filter((m) => subscriptions[m]?.has(tp.topic)))
  const held = new Set(holdings.flatMap((h) => [...h]))
  const unassigned = [...partitions.keys()]
    .filter((p) => !held.has(p))
    .sort((a, b) => (eligible[a]?.length ?? 0) - (eligible[b]?.length ?? 0) || a - b)
  for (const p of unassigned) {
    let best = -1
    for (const m of eligible[p] ?? []) if (best < 0 || size(m) < size(best)) best = m
    if (best >= 0) holdings[best]?.add(p)
  }

  // Which partition `from` would hand over to `to`: one it did not own before if possible, then the lowest.
  const movable = (from: number, to: number): number | undefined => {
    let best: number | undefined
    let bestOwned = true
    for (const p of holdings[from] ?? []) {
      if (!subscriptions[to]?.has(topicOf(p))) continue
      const wasOwned = owned[from]?.has(p) ?? false
      if (best === undefined || (bestOwned && !wasOwned) || (bestOwned === wasOwned && p < best)) {
        best = p
        bestOwned = wasOwned
      }
    }
    return best
  }

  // A chain of moves from `donor` to a member holding at most size(donor) - 2, the least loaded and nearest.
  const findChain = (donor: number): {from: number; to: number; partition: number}[] | undefined => {
    const parent = new Map<number, {from: number; partition: number}>()
    const distance = new Map<number, number>([[donor, 0]])
    const queue = [donor]
    for (let head = 0; head < queue.length; head++) {
      const from = queue[head] ?? donor
      for (let to = 0; to < n; to++) {
        if (distance.has(to)) continue
        const partition = movable(from, to)
        if (partition === undefined) continue
        distance.set(to, (distance.get(from) ?? 0) + 1)
        parent.set(to, {from, partition})
        queue.push(to)
      }
    }
    let target = -1
    for (const m of queue) {
      if (m === donor || size(m) > size(donor) - 2) continue
      if (
        target < 0 ||
        size(m) < size(target) ||
        (size(m) === size(target) &&
          ((distance.get(m) ?? 0) < (distance.get(target) ?? 0) ||
            (distance.get(m) === distance.get(target) && m < target)))
      )
        target = m
    }
    if (target < 0) return undefined
    const chain: {from: number; to: number; partition: number}[] = []
    for (let to = target; to !== donor;) {
      const step = parent.get(to)
      if (!step) return undefined
      chain.push({from: step.from, to, partition: step.partition})
      to = step.from
    }
    return chain
  }

  // Each chain lowers the sum of squared sizes, so this ends.
  for (;;) {
    const donors = [...Array(n).keys()].sort((a, b) => size(b) - size(a) || a - b)
    let moved = false
    for (const donor of donors) {
      if (size(donor) < 2) break
      const chain = findChain(donor)
      if (!chain) continue
      for (const {from, to, partition} of chain) {
        holdings[from]?.delete(partition)
        holdings[to]?.add(partition)
      }
      moved = true
      break
    }
    if (!moved) break
  }

  const assignment = emptyAssignment(sorted)
  sorted.forEach((m, member) => {
    const list = assignment.get(m.memberId)
    for (const p of holdings[member] ?? []) {
      const tp = partitions[p]
      if (tp && list) list.push({...tp})
    }
  })
  return sortAssignment(assignment)
}

export const ASSIGNORS: Readonly<Record<string, Assignor>> = Object.freeze({
  range: {name: 'range', supportedProtocols: ['EAGER'], assign: rangeAssign},
  roundrobin: {name: 'roundrobin', supportedProtocols: ['EAGER'], assign: roundRobinAssign},
  sticky: {name: 'sticky', supportedProtocols: ['EAGER'], assign: stickyAssign},
  'cooperative-sticky': {
    name: 'cooperative-sticky',
    supportedProtocols: ['COOPERATIVE', 'EAGER'],
    assign: stickyAssign,
  },
})

const CLASS_NAMES: Readonly<Record<string, string>> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.StickyAssignor': 'sticky',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
}

/**
 * Maps Kafka class names (org.apache.kafka.clients.consumer.RangeAssignor, RoundRobinAssignor, StickyAssignor,
 * CooperativeStickyAssignor) and short names to an assignor; throws Error(`Class ${name} cannot be found`) otherwise.
 */
export function assignorFor(name: string): Assignor {
  const short = Object.hasOwn(CLASS_NAMES, name) ? CLASS_NAMES[name] : name
  const assignor = short !== undefined && Object.hasOwn(ASSIGNORS, short) ? ASSIGNORS[short] : undefined
  if (!assignor) throw new Error(`Class ${name} cannot be found`)
  return assignor
}
