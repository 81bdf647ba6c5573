// What consumers put in the group protocol's opaque fields (Kafka's ConsumerProtocol: Subscription and Assignment).
// kafkalite encodes them as JSON: only kafkalite clients read them.
import type {TopicPartition} from './topic-partition.js'

/** A member's subscription, sent with JoinGroup for each assignor it supports. */
export interface Subscription {
  topics: string[]
  ownedPartitions: TopicPartition[]
  generation: number
}

/** A member's share of the partitions, sent by the leader with SyncGroup. */
export interface Assignment {
  partitions: TopicPartition[]
}

export function encodeSubscription(s: Subscription): string {
  return JSON.stringify(s)
}

export function decodeSubscription(text: string): Subscription {
  try {
    const s = JSON.parse(text) as Partial<Subscription>
    return {topics: s.topics ?? [], ownedPartitions: s.ownedPartitions ?? [], generation: s.generation ?? -1}
  } catch {
    return {topics: [], ownedPartitions: [], generation: -1}
  }
}

export function encodeAssignment(a: Assignment): string {
  return JSON.stringify(a)
}

export function decodeAssignment(text: string): Assignment {
  if (text === '') return {partitions: []}
  try {
    return {partitions: (JSON.parse(text) as Partial<Assignment>).partitions ?? []}
  } catch {
    return {partitions: []}
  }
}
