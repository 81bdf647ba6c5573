// Golden frames: whole Kafka frames from test/fixtures/kafka-frames/ (written by hand from Kafka's specs, or captured
// from real clients; naming scheme in its README.md) decode, and re-encode byte for byte.
import {describe, expect, it} from 'vitest'
import type {ApiCodec} from '../../src/protocol/kafka/codec/api.js'
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../../src/protocol/kafka/codec/frame.js'
import {SchemaException} from '../../src/protocol/kafka/codec/schema-exception.js'
import {decodeConsumerProtocolSubscription} from '../../src/protocol/kafka/messages/consumer-protocol.js'
import {APIS, type JoinGroupRequest, type ProduceRequest} from '../../src/protocol/kafka/messages/index.js'
import {decodeRecords, validateBatch} from '../../src/protocol/kafka/record-batch.js'
import {loadFrames, type FrameFixture} from '../helpers/kafka-frames.js'

const FRAMES = loadFrames()
const frame = (file: string) => FRAMES.find((f) => f.file === file)!.bytes

function apiOf(fixture: FrameFixture): ApiCodec {
  const api = (APIS as Record<string, ApiCodec>)[fixture.api]
  if (!api) throw new Error(`${fixture.file}: no API named ${fixture.api}`)
  return api
}

/** Decodes a fixture frame (size included) and encodes what came out. */
function roundTrip(fixture: FrameFixture): {decoded: unknown; encoded: Buffer} {
  const api = apiOf(fixture)
  const payload = fixture.bytes.subarray(4)
  if (fixture.direction === 'request') {
    const {header, body} = decodeRequestFrame(payload)
    expect(header.requestApiKey).toBe(api.apiKey)
    expect(header.requestApiVersion).toBe(fixture.version)
    return {decoded: {header, body}, encoded: encodeRequestFrame(api, fixture.version, header, body)}
  }
  const {header, body} = decodeResponseFrame(api, fixture.version, payload)
  const encoded = encodeResponseFrame(api, fixture.version, header.correlationId, body, header.unknownTaggedFields)
  return {decoded: {header, body}, encoded}
}

function decodeOnly(fixture: FrameFixture, payload: Buffer): void {
  if (fixture.direction === 'request') decodeRequestFrame(payload)
  else decodeResponseFrame(apiOf(fixture), fixture.version, payload)
}

describe('golden Kafka frames', () => {
  it('has frames to check', () => {
    expect(FRAMES.length).toBeGreaterThanOrEqual(6)
  })

  for (const fixture of FRAMES) {
    describe(fixture.file, () => {
      it('holds one frame, whose size prefix counts the bytes after it', () => {
        expect(fixture.bytes.readInt32BE(0)).toBe(fixture.bytes.length - 4)
      })

      it(fixture.note === 'decode-only' ? 'decodes' : 'decodes and re-encodes to the same bytes', () => {
        const {encoded} = roundTrip(fixture)
        if (fixture.note !== 'decode-only') expect(encoded.toString('hex')).toBe(fixture.bytes.toString('hex'))
      })

      it('throws SchemaException when cut short at any byte', () => {
        const payload = fixture.bytes.subarray(4)
        for (let cut = 0; cut < payload.length; cut++) {
          expect(() => decodeOnly(fixture, payload.subarray(0, cut)), `cut at ${cut}`).toThrow(SchemaException)
        }
      })
    })
  }
})

describe('frames written by hand from the spec', () => {
  it('encodes the ApiVersions v3 response byte for byte, with response header v0', () => {
    const body = {
      errorCode: 0,
      apiKeys: [
        {apiKey: 0, minVersion: 3, maxVersion: 9},
        {apiKey: 18, minVersion: 0, maxVersion: 3},
      ],
      throttleTimeMs: 0,
    }
    expect(encodeResponseFrame(APIS.ApiVersions, 3, 1, body)).toEqual(frame('ApiVersions_v3_response_spec.hex'))
    const withFeatures = {
      ...body,
      supportedFeatures: [{name: 'x', minVersion: 1, maxVersion: 2}],
      finalizedFeaturesEpoch: 1,
    }
    expect(encodeResponseFrame(APIS.ApiVersions, 3, 7, withFeatures)).toEqual(
      frame('ApiVersions_v3_response_spec_features.hex'),
    )
    const decoded = decodeResponseFrame(
      APIS.ApiVersions,
      3,
      frame('ApiVersions_v3_response_spec_features.hex').subarray(4),
    )
    expect(decoded.header).toEqual({correlationId: 7})
    expect(decoded.body).toEqual({...withFeatures, finalizedFeatures: [], zkMigrationReady: false})
  })

  it('encodes the ApiVersions v3 request with header v2 and an int16-length client id', () => {
    const body = {clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2'}
    const encoded = encodeRequestFrame(APIS.ApiVersions, 3, {correlationId: 0, clientId: 'rdkafka'}, body)
    expect(encoded).toEqual(frame('ApiVersions_v3_request_spec.hex'))
  })

  it('encodes the Metadata v0 request that kafka-python sends', () => {
    const encoded = encodeRequestFrame(
      APIS.Metadata,
      0,
      {correlationId: 2, clientId: 'kafka-python'},
      {topics: [{name: 'orders'}]},
    )
    expect(encoded).toEqual(frame('Metadata_v0_request_spec.hex'))
    const {header, body} = decodeRequestFrame(frame('Metadata_v0_request_spec.hex').subarray(4))
    expect(header).toEqual({requestApiKey: 3, requestApiVersion: 0, correlationId: 2, clientId: 'kafka-python'})
    // Fields v0 lacks read as Kafka's defaults.
    expect(body).toEqual({
      topics: [{topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders'}],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    })
  })

  it('encodes the Produce v3 request around a RecordBatch it neither copies nor parses', () => {
    const golden = frame('Produce_v3_request_spec.hex')
    const {body} = decodeRequestFrame(golden.subarray(4))
    const records = (body as ProduceRequest).topicData[0]!.partitionData[0]!.records! as Buffer // decoders give one Buffer
    expect(records.buffer).toBe(golden.buffer)
    expect(validateBatch(records, 0, records.length).recordCount).toBe(1)
    expect(decodeRecords(records).map((r) => r.value?.toString())).toEqual(['hello'])
    const encoded = encodeRequestFrame(
      APIS.Produce,
      3,
      {correlationId: 3, clientId: 'rdkafka'},
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30000,
        topicData: [{name: 'orders', partitionData: [{index: 0, records}]}],
      },
    )
    expect(encoded).toEqual(golden)
  })

  it('keeps the unknown tagged fields of a flexible JoinGroup, and its subscription reads as ConsumerProtocol v0', () => {
    const golden = frame('JoinGroup_v6_request_spec_tagged-fields.hex')
    const {header, body} = decodeRequestFrame(golden.subarray(4))
    const join = body as JoinGroupRequest
    expect(header.clientId).toBe('consumer-1')
    expect(join).toMatchObject({
      groupId: 'g1',
      sessionTimeoutMs: 45000,
      rebalanceTimeoutMs: 300000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      unknownTaggedFields: [{tag: 2, data: Buffer.from([1])}],
    })
    expect(join.protocols[0]!.name).toBe('range')
    expect(join.protocols[0]!.unknownTaggedFields).toEqual([{tag: 5, data: Buffer.from('abcd', 'hex')}])
    const subscription = decodeConsumerProtocolSubscription(join.protocols[0]!.metadata)
    expect(subscription).toEqual({
      version: 0,
      value: {topics: ['orders'], userData: null, ownedPartitions: [], generationId: -1, rackId: null},
    })
    expect(encodeRequestFrame(APIS.JoinGroup, 6, header, join)).toEqual(golden)
  })
})
