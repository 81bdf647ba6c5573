// The generated Kafka codec, message by message and version by version, with inputs made from the definitions.
import {describe, expect, it} from 'vitest'
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  encodeResponseFrameChunks,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/protocol/kafka/codec/frame.js'
import {Reader} from '../../src/protocol/kafka/codec/reader.js'
import {SchemaException} from '../../src/protocol/kafka/codec/schema-exception.js'
import {Writer} from '../../src/protocol/kafka/codec/writer.js'
import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '../../src/protocol/kafka/messages/consumer-protocol.js'
import {
  APIS,
  API_KEYS,
  ApiVersions,
  DeleteGroups,
  Fetch,
  InitProducerId,
  JoinGroup,
  KAFKA_RELEASE,
  Metadata,
  Produce,
  TxnOffsetCommit,
  apiByKey,
} from '../../src/protocol/kafka/messages/index.js'
import {MESSAGES, Samples, codecOf, expectedDecode, versionsOf, type Variant} from '../helpers/kafka-samples.js'

const VARIANTS: Variant[] = ['values', 'nulls']

function encodeSample(name: string, version: number, variant: Variant, largeRecords = true) {
  const message = MESSAGES.find((m) => m.name === name)!
  const seed = version * 97 + (variant === 'nulls' ? 1 : 0)
  const sample = new Samples(seed, {largeRecords}).message(message, version, variant)
  const w = new Writer(16)
  codecOf(message).write(w, version, sample)
  return {message, sample, bytes: w.finish()}
}

/** Decodes with the generated reader; asserts that the whole input was read. */
function decodeAll(name: string, version: number, bytes: Buffer) {
  const message = MESSAGES.find((m) => m.name === name)!
  const r = new Reader(bytes)
  r.context = `${name} v${version}`
  const value = codecOf(message).read(r, version)
  expect(r.pos, `${name} v${version} left bytes unread`).toBe(bytes.length)
  return value
}

describe('the Kafka codec generated from the definitions', () => {
  it('covers the 34 APIs of issue 11, SASL, the SCRAM and quota APIs, DescribeLogDirs, the headers and the consumer protocol, from Apache Kafka 4.4.0', () => {
    expect(KAFKA_RELEASE).toBe('4.4.0')
    expect(Object.keys(APIS)).toHaveLength(40)
    expect(Object.keys(APIS)).toEqual(
      expect.arrayContaining([
        'SaslAuthenticate',
        'DescribeClientQuotas',
        'AlterClientQuotas',
        'DescribeUserScramCredentials',
        'AlterUserScramCredentials',
        'DescribeLogDirs',
      ]),
    )
    expect(MESSAGES.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'RequestHeader',
        'ResponseHeader',
        'ConsumerProtocolSubscription',
        'ConsumerProtocolAssignment',
      ]),
    )
    expect(MESSAGES).toHaveLength(40 * 2 + 4)
  })

  for (const message of MESSAGES) {
    const versions = versionsOf(message)
    it(`round-trips ${message.name} at every version (${versions[0]}-${versions.at(-1)}) with every field set`, () => {
      for (const version of versions) {
        for (const variant of VARIANTS) {
          const {sample, bytes} = encodeSample(message.name, version, variant)
          const decoded = decodeAll(message.name, version, bytes)
          expect(decoded, `${message.name} v${version} (${variant})`).toEqual(expectedDecode(message, version, sample))
          const again = new Writer()
          codecOf(message).write(again, version, decoded)
          expect(again.finish().equals(bytes), `${message.name} v${version} (${variant}) re-encoded differently`).toBe(
            true,
          )
        }
      }
    })

    it(`throws SchemaException when ${message.name} is cut short at any byte, at every version`, () => {
      for (const version of versions) {
        const {bytes} = encodeSample(message.name, version, 'values', false)
        for (let cut = 0; cut < bytes.length; cut++) {
          let error: unknown = null
          try {
            decodeAll(message.name, version, bytes.subarray(0, cut))
          } catch (e) {
            error = e
          }
          expect(error, `${message.name} v${version} cut at ${cut} of ${bytes.length}`).toBeInstanceOf(SchemaException)
        }
      }
    })
  }
})

describe('the registry', () => {
  it('gives each API its key, versions and first flexible version', () => {
    expect(apiByKey(0)).toBe(Produce)
    expect(apiByKey(99)).toBeUndefined()
    expect(API_KEYS.SaslHandshake).toBe(17)
    expect([Produce.minVersion, Produce.maxVersion, Produce.flexibleFrom]).toEqual([3, 13, 9])
    expect([Fetch.minVersion, Fetch.maxVersion, Fetch.flexibleFrom]).toEqual([4, 18, 12])
    expect([JoinGroup.minVersion, JoinGroup.flexibleFrom]).toEqual([0, 6])
    expect([Metadata.minVersion, Metadata.maxVersion]).toEqual([0, 13])
    expect(APIS.SaslHandshake.flexibleFrom).toBeNull()
  })

  it('keeps the versions Kafka 4 removed that clients still send, and says which they are', () => {
    expect([APIS.CreateTopics.minVersion, APIS.CreateTopics.kafkaMinVersion]).toEqual([0, 2])
    expect([APIS.DeleteTopics.minVersion, APIS.DeleteTopics.kafkaMinVersion]).toEqual([0, 1])
    expect([APIS.DescribeConfigs.minVersion, APIS.DescribeConfigs.kafkaMinVersion]).toEqual([0, 1])
    expect(Produce.kafkaMinVersion).toBe(Produce.minVersion)
    expect(APIS.InitProducerId.latestVersionUnstable).toBe(true)
  })

  it('refuses a version outside an API range with UNSUPPORTED_VERSION', () => {
    expect(() => Produce.decodeRequest(2, Buffer.alloc(0))).toThrow(/Produce v2 is not supported/)
    expect(() => Produce.encodeRequest(14, {transactionalId: null, acks: 1, timeoutMs: 1, topicData: []})).toThrow(
      expect.objectContaining({code: 'UNSUPPORTED_VERSION'}),
    )
  })
})

describe('headers', () => {
  it('uses request header v2 and response header v1 from the first flexible version', () => {
    expect(requestHeaderVersion(Produce, 8)).toBe(1)
    expect(requestHeaderVersion(Produce, 9)).toBe(2)
    expect(responseHeaderVersion(Produce, 8)).toBe(0)
    expect(responseHeaderVersion(Produce, 9)).toBe(1)
    expect(requestHeaderVersion(APIS.SaslHandshake, 1)).toBe(1)
  })

  it('answers ApiVersions with response header v0 even at flexible versions', () => {
    expect(requestHeaderVersion(ApiVersions, 3)).toBe(2)
    expect(responseHeaderVersion(ApiVersions, 3)).toBe(0)
    const frame = encodeResponseFrame(ApiVersions, 3, 9, {errorCode: 0, apiKeys: [], throttleTimeMs: 0})
    // size, correlation id, then the body straight away: no tagged-field byte after the correlation id.
    expect(frame.subarray(0, 10).toString('hex')).toBe('0000000c' + '00000009' + '0000')
  })

  it('round-trips a request frame through its header', () => {
    const body = {
      transactionalId: 'tx-1',
      acks: -1,
      timeoutMs: 1500,
      topicData: [{name: 'orders', partitionData: [{index: 2, records: Buffer.from('batch')}]}],
    }
    for (const version of [3, 9, 12]) {
      const frame = encodeRequestFrame(Produce, version, {correlationId: 42, clientId: 'app'}, body)
      expect(frame.readInt32BE(0)).toBe(frame.length - 4)
      const decoded = decodeRequestFrame(frame.subarray(4))
      expect(decoded.api).toBe(Produce)
      expect(decoded.header).toEqual({requestApiKey: 0, requestApiVersion: version, correlationId: 42, clientId: 'app'})
      expect(decoded.body).toMatchObject({transactionalId: 'tx-1', acks: -1, timeoutMs: 1500})
    }
  })

  it('refuses a request for an API key or version it does not speak with UNSUPPORTED_VERSION', () => {
    const header = Buffer.from('00630000000000010000', 'hex') // api key 99, v0, correlation 1, empty client id
    expect(() => decodeRequestFrame(header)).toThrow(expect.objectContaining({code: 'UNSUPPORTED_VERSION'}))
    const produceV2 = Buffer.from('00000002000000010000', 'hex')
    expect(() => decodeRequestFrame(produceV2)).toThrow(/Produce v2 is not supported/)
  })
})

describe('records', () => {
  it('decodes records as a slice of the frame, never a copy', () => {
    const batch = Buffer.alloc(300, 7)
    const frame = encodeRequestFrame(
      Produce,
      9,
      {correlationId: 1, clientId: null},
      {
        transactionalId: null,
        acks: 1,
        timeoutMs: 100,
        topicData: [{name: 't', partitionData: [{index: 0, records: batch}]}],
      },
    )
    const decoded = decodeRequestFrame(frame.subarray(4)).body as {
      topicData: {partitionData: {records: Buffer}[]}[]
    }
    const records = decoded.topicData[0]!.partitionData[0]!.records
    expect(records.equals(batch)).toBe(true)
    expect(records.buffer).toBe(frame.buffer)
  })

  it('hands large record sets to the socket as their own chunks, without copying them', () => {
    const big = Buffer.alloc(5000, 1)
    const small = Buffer.alloc(100, 2)
    const partition = (index: number, records: Buffer) => ({
      partitionIndex: index,
      errorCode: 0,
      highWatermark: 10,
      lastStableOffset: 10,
      abortedTransactions: null,
      records,
    })
    const body = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{topic: 'orders', partitions: [partition(0, big), partition(1, small), partition(2, big)]}],
    }
    for (const version of [4, 11, 12, 16]) {
      const chunks = encodeResponseFrameChunks(Fetch, version, 5, body)
      expect(chunks.filter((c) => c === big)).toHaveLength(2)
      const frame = Buffer.concat(chunks)
      expect(frame.readInt32BE(0)).toBe(frame.length - 4)
      expect(frame.equals(encodeResponseFrame(Fetch, version, 5, body))).toBe(true)
      const decoded = decodeResponseFrame(Fetch, version, frame.subarray(4))
      expect(decoded.header.correlationId).toBe(5)
      const partitions = decoded.body.responses[0]!.partitions
      expect(partitions.map((p) => p.records?.length)).toEqual([5000, 100, 5000])
    }
  })
})

describe('the versions Apache Kafka 4.4 added', () => {
  const topicId = 'ADc4xjh0Qiu6888kK7Il9Q'
  const partitions = [{partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: ''}]
  const commit = {
    transactionalId: 'tx',
    groupId: 'g',
    producerId: 2,
    producerEpoch: 0,
    generationIdOrMemberEpoch: 7,
    memberId: 'm',
    groupInstanceId: null,
  }

  it('names TxnOffsetCommit topics by name up to v5 and by topic ID from v6, in requests and responses', () => {
    const v5 = TxnOffsetCommit.decodeRequest(
      5,
      TxnOffsetCommit.encodeRequest(5, {...commit, topics: [{name: 'orders', topicId, partitions}]}),
    )
    expect(v5.topics[0]).toMatchObject({name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions}) // the zero UUID
    expect(v5.generationIdOrMemberEpoch).toBe(7)
    const v6 = TxnOffsetCommit.decodeRequest(
      6,
      TxnOffsetCommit.encodeRequest(6, {...commit, topics: [{name: 'orders', topicId, partitions}]}),
    )
    expect(v6.topics[0]).toMatchObject({name: '', topicId, partitions})
    const response = {
      throttleTimeMs: 0,
      topics: [{name: 'orders', topicId, partitions: [{partitionIndex: 0, errorCode: 0}]}],
    }
    expect(TxnOffsetCommit.decodeResponse(5, TxnOffsetCommit.encodeResponse(5, response)).topics[0]!.name).toBe(
      'orders',
    )
    expect(TxnOffsetCommit.decodeResponse(6, TxnOffsetCommit.encodeResponse(6, response)).topics[0]).toMatchObject({
      name: '',
      topicId,
    })
  })

  it('carries the cluster and node a client means to reach in ApiVersions v5 only, null and -1 when it names none', () => {
    const request = {
      clientSoftwareName: 'apache-kafka-java',
      clientSoftwareVersion: '4.4.0',
      clusterId: 'c1',
      nodeId: 3,
    }
    expect(ApiVersions.decodeRequest(5, ApiVersions.encodeRequest(5, request))).toMatchObject({
      clusterId: 'c1',
      nodeId: 3,
    })
    expect(ApiVersions.encodeRequest(4, request)).toEqual(
      ApiVersions.encodeRequest(4, {...request, clusterId: null, nodeId: -1}),
    )
    const bootstrap = {clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '4.4.0'}
    expect(ApiVersions.decodeRequest(5, ApiVersions.encodeRequest(5, bootstrap))).toMatchObject({
      clusterId: null,
      nodeId: -1,
    })
  })

  it('gives each DeleteGroups result an error message from v3', () => {
    const response = {throttleTimeMs: 0, results: [{groupId: 'g', errorCode: 69, errorMessage: 'no such group'}]}
    expect(DeleteGroups.decodeResponse(3, DeleteGroups.encodeResponse(3, response)).results[0]!.errorMessage).toBe(
      'no such group',
    )
    expect(DeleteGroups.decodeResponse(2, DeleteGroups.encodeResponse(2, response)).results[0]!.errorMessage).toBeNull()
  })

  it('marks none of them unstable, while InitProducerId v6 (two-phase commit) stays unstable', () => {
    expect(
      [ApiVersions, TxnOffsetCommit, DeleteGroups].map((api) => [api.maxVersion, api.latestVersionUnstable]),
    ).toEqual([
      [5, false],
      [6, false],
      [3, false],
    ])
    expect([InitProducerId.maxVersion, InitProducerId.latestVersionUnstable]).toEqual([6, true])
  })
})

describe('tagged fields', () => {
  it('writes a known tagged field only when it differs from its default', () => {
    const base = {errorCode: 0, apiKeys: [], throttleTimeMs: 0}
    const plain = ApiVersions.encodeResponse(3, base)
    expect(ApiVersions.encodeResponse(3, {...base, finalizedFeaturesEpoch: -1, zkMigrationReady: false})).toEqual(plain)
    const tagged = ApiVersions.encodeResponse(3, {...base, finalizedFeaturesEpoch: 3})
    expect(tagged.length).toBe(plain.length + 10)
    expect(ApiVersions.decodeResponse(3, tagged).finalizedFeaturesEpoch).toBe(3)
    expect(ApiVersions.decodeResponse(3, plain).finalizedFeaturesEpoch).toBe(-1)
  })

  it('keeps unknown tagged fields in tag order around the known ones', () => {
    // Fetch v12 knows tag 0 (ClusterId) of the request; tag 1 (ReplicaState) only from v15, so at v12 it is unknown.
    const request = {
      clusterId: 'c1',
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [],
      forgottenTopicsData: [],
      rackId: '',
      unknownTaggedFields: [{tag: 1, data: Buffer.from([9])}],
    }
    const bytes = Fetch.encodeRequest(12, request)
    // ... | tagged fields: 2 | tag 0, 3 bytes, "c1" | tag 1, 1 byte, 09
    expect(bytes.subarray(-9).toString('hex')).toBe('02' + '0003036331' + '010109')
    const decoded = Fetch.decodeRequest(12, bytes)
    expect(decoded.clusterId).toBe('c1')
    expect(decoded.unknownTaggedFields).toEqual([{tag: 1, data: Buffer.from([9])}])
    expect(Fetch.encodeRequest(12, decoded).equals(bytes)).toBe(true)
  })
})

describe('encoding errors', () => {
  it('refuses values that do not fit their type, naming the message', () => {
    expect(() => Produce.encodeRequest(3, {transactionalId: null, acks: 70000, timeoutMs: 1, topicData: []})).toThrow(
      /ProduceRequest v3: 70000 does not fit an int16/,
    )
    expect(() =>
      Metadata.encodeResponse(10, {
        brokers: [],
        controllerId: 1,
        topics: [{errorCode: 0, name: 't', topicId: 'not-a-uuid', isInternal: false, partitions: []}],
      }),
    ).toThrow(/'not-a-uuid' is not a uuid/)
  })

  it('refuses null in a field that is nullable only from a later version', () => {
    const response = {errorCode: 0, generationId: 1, protocolName: null, leader: 'a', memberId: 'a', members: []}
    expect(() => JoinGroup.encodeResponse(6, response)).toThrow(SchemaException)
    expect(JoinGroup.decodeResponse(7, JoinGroup.encodeResponse(7, response)).protocolName).toBeNull()
    // Metadata's topic array is nullable from v1: v0 has no null array.
    expect(() => Metadata.encodeRequest(0, {topics: null})).toThrow(SchemaException)
    expect(Metadata.decodeRequest(1, Metadata.encodeRequest(1, {topics: null})).topics).toBeNull()
  })

  it('refuses strings longer than Kafka allows', () => {
    const groupId = 'g'.repeat(32768)
    expect(() => APIS.Heartbeat.encodeRequest(0, {groupId, generationId: 1, memberId: 'm'})).toThrow(/32767/)
    expect(() => APIS.Heartbeat.encodeRequest(4, {groupId, generationId: 1, memberId: 'm'})).toThrow(/32767/)
  })
})

describe('the consumer protocol', () => {
  it('writes Subscription and Assignment after their version, at every version', () => {
    for (let version = 0; version <= 3; version++) {
      const subscription = {
        topics: ['a', 'b'],
        userData: Buffer.from([1]),
        ownedPartitions: [{topic: 'a', partitions: [0, 2]}],
        generationId: 4,
        rackId: 'r1',
      }
      const encoded = encodeConsumerProtocolSubscription(version, subscription)
      expect(encoded.readInt16BE(0)).toBe(version)
      const {version: read, value} = decodeConsumerProtocolSubscription(encoded)
      expect(read).toBe(version)
      expect(value.topics).toEqual(['a', 'b'])
      expect(value.ownedPartitions).toEqual(version >= 1 ? subscription.ownedPartitions : [])
      expect(value.generationId).toBe(version >= 2 ? 4 : -1)
      const assignment = {assignedPartitions: [{topic: 'a', partitions: [1]}], userData: null}
      const a = decodeConsumerProtocolAssignment(encodeConsumerProtocolAssignment(version, assignment))
      expect(a).toEqual({version, value: assignment})
    }
  })

  it('reads a newer Subscription version as the newest it knows, as Kafka does', () => {
    const v3 = encodeConsumerProtocolSubscription(3, {topics: ['t'], userData: null, rackId: 'x'})
    const v9 = Buffer.concat([Buffer.from([0, 9]), v3.subarray(2), Buffer.from('future fields')])
    const {version, value} = decodeConsumerProtocolSubscription(v9)
    expect(version).toBe(9)
    expect(value).toMatchObject({topics: ['t'], rackId: 'x'})
    expect(() => decodeConsumerProtocolSubscription(Buffer.from([0xff, 0xff]))).toThrow(SchemaException)
  })
})

describe('records written as several stored batches', () => {
  it('writes a list of buffers as one records field, byte for byte what the joined buffer gives, without copying them', () => {
    const parts = [Buffer.alloc(2000, 1), Buffer.from([1, 2, 3]), Buffer.alloc(3000, 7)]
    for (const compact of [false, true]) {
      const joined = new Writer()
      joined.records(Buffer.concat(parts), compact)
      const listed = new Writer()
      listed.records(parts, compact)
      expect(listed.finish().equals(joined.finish())).toBe(true)
      const chunks = new Writer()
      chunks.records(parts, compact)
      const out = chunks.finishChunks()
      // The large batches go to the socket as themselves (no copy); the small one is copied into the buffer.
      expect(out).toContain(parts[0])
      expect(out).toContain(parts[2])
    }
  })
})
