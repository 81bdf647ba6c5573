// What consumers put in the group protocol's opaque fields: Kafka's ConsumerProtocol, Subscription (JoinGroup's
// protocol metadata) and Assignment (SyncGroup's assignment), in Kafka's binary format (an int16 version, then the
// structure; the codec is generated from src/protocol/kafka/definitions/consumer-protocol.def). kafkalite's own
// consumers write them as Kafka's Java client does, so a kafkalite member and a librdkafka or Java member share one
// group and read each other's subscriptions. The broker keeps them as opaque bytes, carried as base64 text where
// kafkalite's socket protocol and store hold them, and reads them only where Kafka's own broker and tools do.
import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from './messages/consumer-protocol.js'
import type {TopicPartition} from './topic-partition.js'

/** The version kafkalite writes: v3 (owned partitions, generation, rack), what Kafka's Java client writes. */
export const CONSUMER_PROTOCOL_VERSION = 3

/** A member's subscription, sent with JoinGroup for each assignor it supports. */
export interface Subscription {
  topics: string[]
  ownedPartitions: TopicPartition[]
  generation: number
  /** Assignor-specific bytes (the sticky assignors' own data), null when none. */
  userData?: Buffer | null
  rackId?: string | null
}

/** A member's share of the partitions, sent by the leader with SyncGroup. */
export interface Assignment {
  partitions: TopicPartition[]
  userData?: Buffer | null
}

/** Kafka's grouping of partitions by topic, in the order the partitions come. */
function byTopic(partitions: readonly TopicPartition[]): {topic: string; partitions: number[]}[] {
  const topics = new Map<string, number[]>()
  for (const p of partitions) {
    let list = topics.get(p.topic)
    if (list === undefined) topics.set(p.topic, (list = []))
    list.push(p.partition)
  }
  return [...topics].map(([topic, list]) => ({topic, partitions: list}))
}

const flatten = (topics: readonly {topic: string; partitions: number[]}[] | undefined): TopicPartition[] =>
  (topics ?? []).flatMap((t) => t.partitions.map((partition) => ({topic: t.topic, partition})))

/**
 * Decodes at the version the bytes name, or, when they do not hold that version's fields, at the versions below it:
 * some clients name a version and write an older one's fields (@platformatic/kafka 1.35 writes v1 without v1's
 * owned partitions). The bytes are not changed; a copy is patched.
 */
function leniently<T>(bytes: Buffer, decode: (data: Buffer) => T): T {
  try {
    return decode(bytes)
  } catch (error) {
    const named = bytes.length >= 2 ? bytes.readInt16BE(0) : 0
    for (let version = Math.min(named, 3) - 1; version >= 0; version--) {
      const copy = Buffer.from(bytes)
      copy.writeInt16BE(version, 0)
      try {
        return decode(copy)
      } catch {
        // try an older version
      }
    }
    throw error
  }
}

/** A subscription as Kafka's bytes. */
export function subscriptionBytes(s: Subscription): Buffer {
  return encodeConsumerProtocolSubscription(CONSUMER_PROTOCOL_VERSION, {
    topics: s.topics,
    userData: s.userData ?? null,
    ownedPartitions: byTopic(s.ownedPartitions),
    generationId: s.generation,
    rackId: s.rackId ?? null,
  })
}

/**
 * A subscription from Kafka's bytes, any version (v0 has no owned partitions, v1 no generation). Bytes that are not a
 * subscription (another protocol type's metadata) give an empty one: the broker never fails a group over them.
 */
export function subscriptionFromBytes(bytes: Buffer): Subscription {
  try {
    const {value} = leniently(bytes, decodeConsumerProtocolSubscription)
    return {
      topics: value.topics,
      ownedPartitions: flatten(value.ownedPartitions),
      generation: value.generationId ?? -1,
      userData: value.userData,
      rackId: value.rackId ?? null,
    }
  } catch {
    return {topics: [], ownedPartitions: [], generation: -1}
  }
}

/** An assignment as Kafka's bytes. */
export function assignmentBytes(a: Assignment): Buffer {
  return encodeConsumerProtocolAssignment(CONSUMER_PROTOCOL_VERSION, {
    assignedPartitions: byTopic(a.partitions),
    userData: a.userData ?? null,
  })
}

/** An assignment from Kafka's bytes, any version; empty bytes (no assignment yet) or other bytes give none. */
export function assignmentFromBytes(bytes: Buffer): Assignment {
  if (bytes.length === 0) return {partitions: []}
  try {
    const {value} = leniently(bytes, decodeConsumerProtocolAssignment)
    return {partitions: flatten(value.assignedPartitions), userData: value.userData}
  } catch {
    return {partitions: []}
  }
}

/** The subscription as the base64 text the socket protocol and the store carry. */
export function encodeSubscription(s: Subscription): string {
  return subscriptionBytes(s).toString('base64')
}

export function decodeSubscription(text: string): Subscription {
  return subscriptionFromBytes(Buffer.from(text, 'base64'))
}

/** The assignment as the base64 text the socket protocol and the store carry. */
export function encodeAssignment(a: Assignment): string {
  return assignmentBytes(a).toString('base64')
}

export function decodeAssignment(text: string): Assignment {
  return assignmentFromBytes(Buffer.from(text, 'base64'))
}
