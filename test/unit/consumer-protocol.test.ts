// Kafka's ConsumerProtocol, as kafkalite's consumers write it and as other clients wrote it: the subscriptions and
// assignments real clients sent (captured frames) read as what they are, and kafkalite's own read back the same.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {decodeRequestFrame, type JoinGroupRequest, type SyncGroupRequest} from '../../src/protocol/kafka/codec/index.js'
import {
  assignmentBytes,
  assignmentFromBytes,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  subscriptionBytes,
  subscriptionFromBytes,
} from '../../src/protocol/kafka/consumer-protocol.js'
import {FRAMES_DIR} from '../helpers/kafka-frames.js'

const request = <T>(file: string) => decodeRequestFrame(readFileSync(join(FRAMES_DIR, file)).subarray(4)).body as T

describe("Kafka's ConsumerProtocol", () => {
  for (const client of ['java', 'platformatic', 'confluent', 'kafkajs', 'kcat', 'kafka-python']) {
    it(`reads the subscription and the assignments ${client} sent`, () => {
      const joinFile = readdir().find((f) => f.startsWith('JoinGroup_') && f.endsWith(`_request_${client}.bin`))!
      const join = request<JoinGroupRequest>(joinFile)
      expect(join.protocolType).toBe('consumer')
      const subscription = subscriptionFromBytes(join.protocols[0]!.metadata)
      expect(subscription.topics.length).toBeGreaterThan(0)
      for (const t of subscription.topics) expect(t).toMatch(/^[A-Za-z0-9._-]+$/)
      const syncFile = readdir().find((f) => f.startsWith('SyncGroup_') && f.endsWith(`_request_${client}.bin`))!
      const sync = request<SyncGroupRequest>(syncFile)
      // The leader's assignments cover only the topics the members subscribed to.
      for (const a of sync.assignments) {
        for (const p of assignmentFromBytes(a.assignment).partitions) expect(subscription.topics).toContain(p.topic)
      }
    })
  }

  it("writes version 3, as Kafka's Java client does, and reads back what it wrote", () => {
    const s = {
      topics: ['orders', 'payments'],
      ownedPartitions: [
        {topic: 'orders', partition: 0},
        {topic: 'orders', partition: 2},
        {topic: 'payments', partition: 1},
      ],
      generation: 7,
    }
    const bytes = subscriptionBytes(s)
    expect(bytes.readInt16BE(0)).toBe(3)
    expect(subscriptionFromBytes(bytes)).toMatchObject(s)
    expect(decodeSubscription(encodeSubscription(s))).toMatchObject(s)
    const a = {partitions: s.ownedPartitions}
    expect(assignmentBytes(a).readInt16BE(0)).toBe(3)
    expect(assignmentFromBytes(assignmentBytes(a)).partitions).toEqual(a.partitions)
    expect(decodeAssignment(encodeAssignment(a)).partitions).toEqual(a.partitions)
  })

  it('gives an empty subscription or assignment for bytes that are not one (another protocol, or none yet)', () => {
    expect(subscriptionFromBytes(Buffer.from('{"topics":["x"]}'))).toEqual({
      topics: [],
      ownedPartitions: [],
      generation: -1,
    })
    expect(assignmentFromBytes(Buffer.alloc(0))).toEqual({partitions: []})
    expect(assignmentFromBytes(Buffer.from([0xff, 0xff, 1]))).toEqual({partitions: []})
  })
})

function readdir(): string[] {
  return readdirSync(FRAMES_DIR)
}
