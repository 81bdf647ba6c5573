// The admin APIs of the Kafka listener, spoken over a raw TCP socket with kafkalite's own generated codec against a
// real daemon (listeners=PLAINTEXT://127.0.0.1:0): CreatePartitions, DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs, DeleteRecords, DescribeCluster and OffsetForLeaderEpoch, at their lowest and highest
// versions, with Kafka's error codes. Real Kafka clients run the same APIs in test/interop.
import {Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {
  APIS,
  decodeResponseFrame,
  encodeRequestFrame,
  type ApiCodec,
  type DescribeConfigsResponse,
} from '../../../src/protocol/kafka/codec/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

/** Kafka's error codes the tests expect (Errors.java). */
const ERR = {
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  UNKNOWN_LEADER_EPOCH: 75,
  MISMATCHED_ENDPOINT_TYPE: 114,
} as const
const TOPIC = 2
const BROKER = 4

/** One Kafka connection: requests in order, each answered before the next is sent. */
class KafkaConnection {
  readonly #socket: Socket
  #buffered = Buffer.alloc(0)
  #waiting: ((frame: Buffer) => void) | undefined
  #correlationId = 0

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk])
      if (this.#buffered.length < 4) return
      const size = this.#buffered.readInt32BE(0)
      if (this.#buffered.length < 4 + size) return
      const frame = this.#buffered.subarray(4, 4 + size)
      this.#buffered = this.#buffered.subarray(4 + size)
      this.#waiting?.(frame)
    })
  }

  static connect(port: number): Promise<KafkaConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket()
      socket.once('error', reject)
      socket.connect(port, '127.0.0.1', () => resolve(new KafkaConnection(socket)))
    })
  }

  async send<Req, Res>(api: ApiCodec<Req, Res>, version: number, body: Req): Promise<Res> {
    const correlationId = ++this.#correlationId
    const answered = new Promise<Buffer>((resolve) => (this.#waiting = resolve))
    this.#socket.write(encodeRequestFrame(api, version, {correlationId, clientId: 'admin-test'}, body))
    const {header, body: response} = decodeResponseFrame(api, version, await answered)
    expect(header.correlationId).toBe(correlationId)
    return response
  }

  close(): void {
    this.#socket.destroy()
  }
}

const home = TestHome.forEachTest({serverProperties: {listeners: 'PLAINTEXT://127.0.0.1:0', 'num.partitions': 2}})
let connection: KafkaConnection | undefined

afterEach(() => {
  connection?.close()
  connection = undefined
})

/** Starts the home's daemon and connects to its Kafka listener. */
async function connect(): Promise<KafkaConnection> {
  expect((await home.run(['daemon', 'start'])).code).toBe(0)
  const status = JSON.parse((await home.run(['daemon', 'status', '--json'])).stdout) as {
    listeners: {port: number}[]
  }
  connection = await KafkaConnection.connect(status.listeners[0]!.port)
  return connection
}

async function partitionCount(kafka: KafkaConnection, topic: string): Promise<number> {
  const md = await kafka.send(APIS.Metadata, 12, {topics: [{name: topic}], allowAutoTopicCreation: false})
  return md.topics[0]!.partitions.length
}

const describeTopic = async (kafka: KafkaConnection, topic: string, version = 4, includeSynonyms = false) =>
  (
    await kafka.send(APIS.DescribeConfigs, version, {
      resources: [{resourceType: TOPIC, resourceName: topic, configurationKeys: null}],
      includeSynonyms,
      includeDocumentation: true,
    })
  ).results[0]!

/** The topic's overrides: the entries whose source is the topic's own config (1). */
const overrides = async (kafka: KafkaConnection, topic: string) =>
  Object.fromEntries(
    (await describeTopic(kafka, topic)).configs.filter((c) => c.configSource === 1).map((c) => [c.name, c.value]),
  )

const configEntry = (result: DescribeConfigsResponse['results'][number], name: string) =>
  result.configs.find((c) => c.name === name)

describe('ApiVersions', () => {
  it('advertises the admin APIs with their versions, and not OffsetForLeaderEpoch', async () => {
    const kafka = await connect()
    const {apiKeys} = await kafka.send(APIS.ApiVersions, 3, {clientSoftwareName: 't', clientSoftwareVersion: '1'})
    const range = (key: number) => apiKeys.find((k) => k.apiKey === key)
    expect(range(21)).toMatchObject({minVersion: 0, maxVersion: 2}) // DeleteRecords
    expect(range(32)).toMatchObject({minVersion: 0, maxVersion: 4}) // DescribeConfigs
    expect(range(33)).toMatchObject({minVersion: 0, maxVersion: 2}) // AlterConfigs
    expect(range(37)).toMatchObject({minVersion: 0, maxVersion: 3}) // CreatePartitions
    expect(range(44)).toMatchObject({minVersion: 0, maxVersion: 1}) // IncrementalAlterConfigs
    expect(range(60)).toMatchObject({minVersion: 0, maxVersion: 2}) // DescribeCluster
    expect(range(23)).toBeUndefined() // OffsetForLeaderEpoch: served, not advertised
  })
})

describe('CreatePartitions', () => {
  it.each([0, 3])('raises the partition count at v%i, and only raises it', async (version) => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const create = (count: number, validateOnly = false, assignments: {brokerIds: number[]}[] | null = null) =>
      kafka.send(APIS.CreatePartitions, version, {
        topics: [{name: topic, count, assignments}],
        timeoutMs: 1000,
        validateOnly,
      })
    expect((await create(5, true)).results).toEqual([expect.objectContaining({name: topic, errorCode: 0})])
    expect(await partitionCount(kafka, topic)).toBe(2)
    expect((await create(4, false, [{brokerIds: [1]}, {brokerIds: [1]}])).results[0]!.errorCode).toBe(0)
    expect(await partitionCount(kafka, topic)).toBe(4)
    expect((await create(4)).results[0]).toMatchObject({
      errorCode: ERR.INVALID_PARTITIONS,
      errorMessage: 'Topic already has 4 partition(s).',
    })
    expect((await create(3)).results[0]!.errorCode).toBe(ERR.INVALID_PARTITIONS)
  })

  it("refuses assignments to other brokers or of the wrong number, a duplicate and an unknown topic, with Kafka's codes", async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.createTopic(topic, 1)
    const res = await kafka.send(APIS.CreatePartitions, 3, {
      topics: [
        {name: topic, count: 3, assignments: [{brokerIds: [1]}]},
        {name: 'nope', count: 2, assignments: null},
        {name: 'twice', count: 2, assignments: null},
        {name: 'twice', count: 3, assignments: null},
      ],
      timeoutMs: 1000,
      validateOnly: false,
    })
    expect(res.results).toEqual([
      {
        name: topic,
        errorCode: ERR.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.',
      },
      expect.objectContaining({name: 'nope', errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION}),
      {name: 'twice', errorCode: ERR.INVALID_REQUEST, errorMessage: 'Duplicate topic name.'},
    ])
    const other = await kafka.send(APIS.CreatePartitions, 1, {
      topics: [{name: topic, count: 2, assignments: [{brokerIds: [2]}]}],
      timeoutMs: 1000,
      validateOnly: false,
    })
    expect(other.results[0]).toMatchObject({
      errorCode: ERR.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'The manual partition assignment includes broker 2, but no such broker is registered.',
    })
    expect(await partitionCount(kafka, topic)).toBe(1)
  })
})

describe('DescribeConfigs', () => {
  it('lists every config of a topic with its source, type and synonyms when asked', async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.withAdmin((admin) => admin.createTopics([{name: topic, configs: {'retention.ms': '60000'}}]))
    const plain = await describeTopic(kafka, topic)
    expect(plain).toMatchObject({errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: topic})
    expect(configEntry(plain, 'retention.ms')).toEqual(
      expect.objectContaining({
        value: '60000',
        configSource: 1,
        readOnly: false,
        isSensitive: false,
        synonyms: [],
        configType: 5,
        documentation: null,
      }),
    )
    expect(configEntry(plain, 'cleanup.policy')).toMatchObject({value: 'delete', configSource: 5, configType: 7})
    const withSynonyms = configEntry(await describeTopic(kafka, topic, 1, true), 'retention.ms')!
    expect(withSynonyms.synonyms![0]).toEqual(
      expect.objectContaining({name: 'retention.ms', value: '60000', source: 1}),
    )
    const v0 = await describeTopic(kafka, topic, 0)
    expect(configEntry(v0, 'retention.ms')!.isDefault).toBe(false)
    expect(configEntry(v0, 'segment.bytes')!.isDefault).toBe(true)
  })

  it("lists the broker's settings for its node id, none for the cluster default, and keeps only the keys asked", async () => {
    const kafka = await connect()
    const res = await kafka.send(APIS.DescribeConfigs, 4, {
      resources: [
        {resourceType: BROKER, resourceName: '1', configurationKeys: null},
        {resourceType: BROKER, resourceName: '', configurationKeys: null},
        {resourceType: BROKER, resourceName: '1', configurationKeys: ['num.partitions', 'log.retention.hours']},
        {resourceType: BROKER, resourceName: '7', configurationKeys: null},
      ],
      includeSynonyms: true,
      includeDocumentation: false,
    })
    const [all, cluster, some, other] = res.results
    expect(configEntry(all!, 'num.partitions')).toEqual(
      expect.objectContaining({value: '2', configSource: 4, readOnly: true, configType: 3}),
    )
    expect(configEntry(all!, 'listeners')).toMatchObject({value: 'PLAINTEXT://127.0.0.1:0', configType: 7})
    expect(cluster).toMatchObject({errorCode: 0, configs: []})
    expect(some!.configs.map((c) => [c.name, c.value, c.configSource])).toEqual([
      ['log.retention.hours', '168', 5],
      ['num.partitions', '2', 4],
    ])
    expect(other).toMatchObject({
      errorCode: ERR.INVALID_REQUEST,
      errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 7',
      configs: [],
    })
  })

  it('answers an unknown topic and a resource type it does not serve for that resource only', async () => {
    const kafka = await connect()
    const res = await kafka.send(APIS.DescribeConfigs, 2, {
      resources: [
        {resourceType: TOPIC, resourceName: 'nope', configurationKeys: null},
        {resourceType: 8, resourceName: '1', configurationKeys: null},
      ],
      includeSynonyms: false,
    })
    expect(res.results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([
      ['nope', ERR.UNKNOWN_TOPIC_OR_PARTITION, 0],
      ['1', ERR.INVALID_REQUEST, 0],
    ])
  })
})

describe('AlterConfigs', () => {
  it("replaces a topic's overrides wholesale, as Kafka's legacy AlterConfigs does", async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    const alter = (configs: {name: string; value: string | null}[], validateOnly = false, version = 2) =>
      kafka.send(APIS.AlterConfigs, version, {
        resources: [{resourceType: TOPIC, resourceName: topic, configs}],
        validateOnly,
      })
    await home.createTopic(topic)
    await alter([
      {name: 'retention.ms', value: '60000'},
      {name: 'cleanup.policy', value: 'compact'},
    ])
    expect(await overrides(kafka, topic)).toEqual({'cleanup.policy': 'compact', 'retention.ms': '60000'})
    expect((await alter([{name: 'segment.bytes', value: '1048576'}], false, 0)).responses[0]!.errorCode).toBe(0)
    expect(await overrides(kafka, topic)).toEqual({'segment.bytes': '1048576'})
    expect((await alter([], true)).responses[0]!.errorCode).toBe(0)
    expect(await overrides(kafka, topic)).toEqual({'segment.bytes': '1048576'})
    expect((await alter([{name: 'retention.ms', value: 'soon'}])).responses[0]).toEqual(
      expect.objectContaining({
        errorCode: ERR.INVALID_CONFIG,
        errorMessage: 'Invalid value soon for configuration retention.ms: Not a number of type LONG',
      }),
    )
    expect((await alter([{name: 'retention.ms', value: null}])).responses[0]).toMatchObject({
      errorCode: ERR.INVALID_REQUEST,
      errorMessage: 'Null value not supported for : retention.ms',
    })
  })

  it('refuses a change of a broker setting read at start, and a resource given twice; replaces dynamic ones', async () => {
    const kafka = await connect()
    const res = await kafka.send(APIS.AlterConfigs, 1, {
      resources: [
        {resourceType: BROKER, resourceName: '1', configs: [{name: 'num.partitions', value: '3'}]},
        {resourceType: TOPIC, resourceName: 'twice', configs: []},
        {resourceType: TOPIC, resourceName: 'twice', configs: []},
        {resourceType: BROKER, resourceName: '', configs: [{name: 'log.retention.ms', value: '60000'}]},
      ],
      validateOnly: false,
    })
    expect(res.responses.map((r) => r.errorCode)).toEqual([
      ERR.INVALID_REQUEST,
      ERR.INVALID_REQUEST,
      ERR.INVALID_REQUEST,
      0,
    ])
    expect(res.responses[0]!.errorMessage).toMatch(/^Cannot update these configs dynamically: Set\(num.partitions\)\. /)
    expect(res.responses[1]!.errorMessage).toBe('Each resource must appear at most once.')
    const described = await kafka.send(APIS.DescribeConfigs, 4, {
      resources: [{resourceType: BROKER, resourceName: '', configurationKeys: null}],
      includeSynonyms: true,
      includeDocumentation: false,
    })
    expect(described.results[0]!.configs).toEqual([
      expect.objectContaining({name: 'log.retention.ms', value: '60000', configSource: 3, readOnly: false}),
    ])
  })
})

describe('IncrementalAlterConfigs', () => {
  it('sets, deletes, appends to and subtracts from list configs, each resource all or nothing', async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.createTopic(topic)
    const alter = async (configs: {name: string; configOperation: number; value: string | null}[], version = 1) =>
      (
        await kafka.send(APIS.IncrementalAlterConfigs, version, {
          resources: [{resourceType: TOPIC, resourceName: topic, configs}],
          validateOnly: false,
        })
      ).responses[0]!
    await alter([
      {name: 'retention.ms', configOperation: 0, value: '60000'},
      {name: 'cleanup.policy', configOperation: 2, value: 'compact'},
    ])
    expect(await overrides(kafka, topic)).toEqual({'cleanup.policy': 'delete,compact', 'retention.ms': '60000'})
    await alter(
      [
        {name: 'retention.ms', configOperation: 1, value: null},
        {name: 'cleanup.policy', configOperation: 3, value: 'delete'},
      ],
      0,
    )
    expect(await overrides(kafka, topic)).toEqual({'cleanup.policy': 'compact'})
    expect(
      await alter([
        {name: 'segment.bytes', configOperation: 0, value: '1048576'},
        {name: 'retention.ms', configOperation: 2, value: '5'},
      ]),
    ).toMatchObject({
      errorCode: ERR.INVALID_CONFIG,
      errorMessage: "Can't APPEND to key retention.ms because its type is not LIST.",
    })
    expect(await overrides(kafka, topic)).toEqual({'cleanup.policy': 'compact'})
    expect(
      await alter([
        {name: 'retention.ms', configOperation: 0, value: '1'},
        {name: 'retention.ms', configOperation: 1, value: null},
      ]),
    ).toMatchObject({errorCode: ERR.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys'})
    expect((await alter([{name: 'retention.ms', configOperation: 7, value: '1'}])).errorCode).toBe(ERR.INVALID_REQUEST)
  })
})

describe('DeleteRecords', () => {
  it('moves the log start offset: earliest answers it, a fetch below it is OFFSET_OUT_OF_RANGE', async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    await home.produceToEach(topic, 1, 5)
    const deleteBefore = (offset: number, partition = 0, version = 2) =>
      kafka.send(APIS.DeleteRecords, version, {
        topics: [{name: topic, partitions: [{partitionIndex: partition, offset}]}],
        timeoutMs: 1000,
      })
    expect((await deleteBefore(3)).topics).toEqual([
      expect.objectContaining({name: topic, partitions: [expect.objectContaining({lowWatermark: 3, errorCode: 0})]}),
    ])
    const earliest = await kafka.send(APIS.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{name: topic, partitions: [{partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2}]}],
    })
    expect(earliest.topics[0]!.partitions[0]!.offset).toBe(3)
    const fetch = (offset: number) =>
      kafka.send(APIS.Fetch, 11, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset: offset,
                logStartOffset: -1,
                partitionMaxBytes: 1 << 20,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      })
    expect((await fetch(2)).responses[0]!.partitions[0]).toMatchObject({errorCode: ERR.OFFSET_OUT_OF_RANGE})
    expect((await fetch(3)).responses[0]!.partitions[0]).toMatchObject({errorCode: 0, logStartOffset: 3})
    const [atEnd] = await home.withAdmin((admin) => admin.listOffsets([{topic, partition: 0, spec: 'earliest'}]))
    expect(atEnd!.offset).toBe(3) // the socket front end sees the same log start
    expect((await deleteBefore(-1, 0, 0)).topics[0]!.partitions[0]).toMatchObject({lowWatermark: 5, errorCode: 0})
    expect((await deleteBefore(9)).topics[0]!.partitions[0]).toMatchObject({
      lowWatermark: -1,
      errorCode: ERR.OFFSET_OUT_OF_RANGE,
    })
    expect((await deleteBefore(0, 7)).topics[0]!.partitions[0]!.errorCode).toBe(ERR.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('refuses a compacted topic with POLICY_VIOLATION', async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.withAdmin((admin) => admin.createTopics([{name: topic, configs: {'cleanup.policy': 'compact'}}]))
    const res = await kafka.send(APIS.DeleteRecords, 1, {
      topics: [{name: topic, partitions: [{partitionIndex: 0, offset: 0}]}],
      timeoutMs: 1000,
    })
    expect(res.topics[0]!.partitions[0]).toMatchObject({lowWatermark: -1, errorCode: ERR.POLICY_VIOLATION})
  })
})

describe('DescribeCluster', () => {
  it('describes this broker as the whole cluster and its controller, with the cluster id Metadata gives', async () => {
    const kafka = await connect()
    const md = await kafka.send(APIS.Metadata, 12, {topics: [], allowAutoTopicCreation: false})
    for (const version of [0, 2]) {
      const res = await kafka.send(APIS.DescribeCluster, version, {
        includeClusterAuthorizedOperations: version === 2,
        endpointType: 1,
        includeFencedBrokers: false,
      })
      expect(res).toMatchObject({errorCode: 0, clusterId: md.clusterId, controllerId: 1})
      expect(res.brokers).toEqual([
        expect.objectContaining({brokerId: 1, host: '127.0.0.1', port: md.brokers[0]!.port}),
      ])
      expect(res.clusterAuthorizedOperations).toBe(version === 2 ? 0b1_1111_1010_0000 : -2147483648)
    }
  })

  it('answers a request for the controllers with MISMATCHED_ENDPOINT_TYPE', async () => {
    const kafka = await connect()
    const res = await kafka.send(APIS.DescribeCluster, 1, {includeClusterAuthorizedOperations: false, endpointType: 2})
    expect(res).toMatchObject({
      errorCode: ERR.MISMATCHED_ENDPOINT_TYPE,
      errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      brokers: [],
      clusterId: '',
    })
  })
})

describe('OffsetForLeaderEpoch', () => {
  it('ends leader epoch 0 at the log end, knows no other, and refuses a newer current epoch', async () => {
    const kafka = await connect()
    const topic = uniqueTopic()
    await home.createTopic(topic, 1)
    await home.produceToEach(topic, 1, 3)
    const ask = async (leaderEpoch: number, currentLeaderEpoch = -1, partition = 0) =>
      (
        await kafka.send(APIS.OffsetForLeaderEpoch, 4, {
          replicaId: -1,
          topics: [{topic, partitions: [{partition, currentLeaderEpoch, leaderEpoch}]}],
        })
      ).topics[0]!.partitions[0]!
    expect(await ask(0)).toMatchObject({errorCode: 0, leaderEpoch: 0, endOffset: 3})
    expect(await ask(0, 0)).toMatchObject({errorCode: 0, leaderEpoch: 0, endOffset: 3})
    expect(await ask(-1)).toMatchObject({errorCode: 0, leaderEpoch: -1, endOffset: -1})
    expect(await ask(0, 1)).toMatchObject({errorCode: ERR.UNKNOWN_LEADER_EPOCH, endOffset: -1})
    expect(await ask(0, -1, 4)).toMatchObject({errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION})
  })
})
