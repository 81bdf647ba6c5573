// The idempotence and transaction APIs of the Kafka listener, spoken by hand with kafkalite's generated codec over a
// TCP socket: exact versions, exact error codes. Kafka's rules for clients of transaction version 1 (partitions
// added explicitly): AddPartitionsToTxn makes the transaction Ongoing, EndTxn succeeds only on what was begun (or as
// the retry of an end already made), epochs fence, KIP-360 bumps an epoch on request, offsets committed in a
// transaction wait for it; and what a Kafka client did shows in kafkalite's own `transactions` commands.
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {APIS} from '../../../src/protocol/kafka/codec/index.js'
import {TestHome, uniqueTopic} from '../../helpers/env.js'
import {KAFKA_LISTENER, KafkaSocket, producerBatch, startWithListener} from '../../helpers/kafka-socket.js'

// Kafka's error codes (Errors.java).
const NONE = 0
const UNKNOWN_TOPIC_OR_PARTITION = 3
const INVALID_REQUEST = 42
const INVALID_PRODUCER_EPOCH = 47
const INVALID_TXN_STATE = 48
const INVALID_TRANSACTION_TIMEOUT = 50
const INVALID_PRODUCER_ID_MAPPING = 49
const OPERATION_NOT_ATTEMPTED = 55
const PRODUCER_FENCED = 90
const UNKNOWN_MEMBER_ID = 25

// One daemon for the file: each test uses its own transactional ids and topics.
const home = new TestHome({serverProperties: KAFKA_LISTENER})
let port = 0
const wires: KafkaSocket[] = []
let topic = ''

beforeAll(async () => {
  port = await startWithListener(home)
})
afterAll(() => home.cleanup())
afterEach(() => {
  for (const w of wires.splice(0)) w.close()
})

async function connect(): Promise<KafkaSocket> {
  const wire = await KafkaSocket.connect(port)
  wires.push(wire)
  return wire
}

async function newTopic(partitions = 2): Promise<string> {
  topic = uniqueTopic('txn')
  await home.createTopic(topic, partitions)
  return topic
}

interface Producer {
  transactionalId: string
  producerId: number
  producerEpoch: number
}

async function initProducer(wire: KafkaSocket, transactionalId: string, version = 4): Promise<Producer> {
  const res = await wire.request(APIS.InitProducerId, version, {transactionalId, transactionTimeoutMs: 60_000})
  expect(res.errorCode).toBe(NONE)
  return {transactionalId, producerId: res.producerId, producerEpoch: res.producerEpoch}
}

/** AddPartitionsToTxn v3 (or `version`): each partition's error code, `topic-partition` => code. */
async function addPartitions(
  wire: KafkaSocket,
  p: Producer,
  partitions: Record<string, number[]>,
  version = 3,
): Promise<Record<string, number>> {
  const res = await wire.request(APIS.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: p.transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: Object.entries(partitions).map(([name, ps]) => ({name, partitions: ps})),
  })
  const codes: Record<string, number> = {}
  for (const t of res.resultsByTopicV3AndBelow ?? []) {
    for (const r of t.resultsByPartition) codes[`${t.name}-${r.partitionIndex}`] = r.partitionErrorCode
  }
  return codes
}

async function endTxn(wire: KafkaSocket, p: Producer, committed: boolean, version = 3): Promise<number> {
  const res = await wire.request(APIS.EndTxn, version, {...p, committed})
  return res.errorCode
}

/** Produces `values` as one transactional batch of producer `p` to partition 0; its error code. */
async function produceTxn(wire: KafkaSocket, p: Producer, values: string[], baseSequence = 0): Promise<number> {
  const records = producerBatch(values, {...p, baseSequence, transactional: true})
  const res = await wire.request(APIS.Produce, 9, {
    transactionalId: p.transactionalId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{name: topic, partitionData: [{index: 0, records}]}],
  })
  return res.responses[0]!.partitionResponses[0]!.errorCode
}

async function describeTxn(wire: KafkaSocket, id: string) {
  const res = await wire.request(APIS.DescribeTransactions, 0, {transactionalIds: [id]})
  return res.transactionStates[0]!
}

describe('the Kafka listener’s transaction APIs', () => {
  it('InitProducerId without a transactional id gives every idempotent producer a new id at epoch 0', async () => {
    const wire = await connect()
    const a = await wire.request(APIS.InitProducerId, 0, {transactionalId: null, transactionTimeoutMs: 60_000})
    const b = await wire.request(APIS.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: a.producerId,
      producerEpoch: 0,
    })
    expect([a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch]).toEqual([NONE, 0, NONE, 0])
    expect(b.producerId).not.toBe(a.producerId)
  })

  it('InitProducerId refuses an empty transactional id and a timeout of 0 or above transaction.max.timeout.ms', async () => {
    const wire = await connect()
    const init = (transactionalId: string, transactionTimeoutMs: number) =>
      wire.request(APIS.InitProducerId, 4, {transactionalId, transactionTimeoutMs})
    expect(await init('', 60_000)).toMatchObject({errorCode: INVALID_REQUEST, producerId: -1, producerEpoch: -1})
    expect((await init(uniqueTopic('tx-zero'), 0)).errorCode).toBe(INVALID_TRANSACTION_TIMEOUT)
    expect((await init(uniqueTopic('tx-long'), 900_001)).errorCode).toBe(INVALID_TRANSACTION_TIMEOUT)
  })

  it('AddPartitionsToTxn makes the transaction Ongoing with those partitions, as DescribeTransactions and ListTransactions report', async () => {
    const wire = await connect()
    await newTopic()
    const p = await initProducer(wire, uniqueTopic('tx-add'))
    expect(await describeTxn(wire, p.transactionalId)).toMatchObject({errorCode: NONE, transactionState: 'Empty'})

    expect(await addPartitions(wire, p, {[topic]: [0, 1]})).toEqual({[`${topic}-0`]: NONE, [`${topic}-1`]: NONE})
    const described = await describeTxn(wire, p.transactionalId)
    expect(described).toMatchObject({
      errorCode: NONE,
      transactionState: 'Ongoing',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      transactionTimeoutMs: 60_000,
      topics: [{topic, partitions: [0, 1]}],
    })
    expect(described.transactionStartTimeMs).toBeGreaterThan(Date.now() - 60_000)

    const listed = await wire.request(APIS.ListTransactions, 1, {
      stateFilters: ['Ongoing', 'NotAState'],
      producerIdFilters: [p.producerId],
      durationFilter: -1,
    })
    expect(listed).toMatchObject({
      errorCode: NONE,
      unknownStateFilters: ['NotAState'],
      transactionStates: [{transactionalId: p.transactionalId, producerId: p.producerId, transactionState: 'Ongoing'}],
    })
    expect(await endTxn(wire, p, false)).toBe(NONE)
    expect(await describeTxn(wire, p.transactionalId)).toMatchObject({transactionState: 'CompleteAbort', topics: []})
  })

  it('AddPartitionsToTxn adds nothing when a partition does not exist: UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for the others', async () => {
    const wire = await connect()
    await newTopic(1)
    const p = await initProducer(wire, uniqueTopic('tx-unknown'))
    expect(await addPartitions(wire, p, {[topic]: [0, 7], 'no-such-topic': [0]})).toEqual({
      [`${topic}-0`]: OPERATION_NOT_ATTEMPTED,
      [`${topic}-7`]: UNKNOWN_TOPIC_OR_PARTITION,
      'no-such-topic-0': UNKNOWN_TOPIC_OR_PARTITION,
    })
    expect(await describeTxn(wire, p.transactionalId)).toMatchObject({transactionState: 'Empty', topics: []})
  })

  it('EndTxn ends only what was begun, and answers the retry of an end already made with success', async () => {
    const wire = await connect()
    await newTopic()
    const p = await initProducer(wire, uniqueTopic('tx-end'))
    // Nothing begun: neither end is valid (transaction version 1).
    expect(await endTxn(wire, p, true)).toBe(INVALID_TXN_STATE)
    expect(await endTxn(wire, p, false)).toBe(INVALID_TXN_STATE)

    expect(await addPartitions(wire, p, {[topic]: [0]})).toEqual({[`${topic}-0`]: NONE})
    expect(await produceTxn(wire, p, ['committed'])).toBe(NONE)
    expect(await endTxn(wire, p, true)).toBe(NONE)
    expect(await endTxn(wire, p, true)).toBe(NONE) // a retry whose first answer was lost
    expect(await endTxn(wire, p, false)).toBe(INVALID_TXN_STATE) // an abort cannot undo a commit

    expect(await addPartitions(wire, p, {[topic]: [0]})).toEqual({[`${topic}-0`]: NONE})
    expect(await produceTxn(wire, p, ['aborted'], 1)).toBe(NONE)
    expect(await endTxn(wire, p, false)).toBe(NONE)
    expect(await endTxn(wire, p, false)).toBe(NONE)
    expect(await endTxn(wire, p, true)).toBe(INVALID_TXN_STATE)

    // read_committed sees the committed record and is told which producer's records were aborted.
    const fetched = await wire.request(APIS.Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{topic, partitions: [{partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20}]}],
      forgottenTopicsData: [],
      rackId: '',
    })
    const data = fetched.responses[0]!.partitions[0]!
    // Offsets: 0 committed, 1 its commit marker, 2 aborted, 3 its abort marker.
    expect(data).toMatchObject({errorCode: NONE, highWatermark: 4, lastStableOffset: 4})
    expect(data.abortedTransactions).toEqual([{producerId: p.producerId, firstOffset: 2}])
  })

  it('a stale epoch is PRODUCER_FENCED from the versions that know it and INVALID_PRODUCER_EPOCH before; another producer id is INVALID_PRODUCER_ID_MAPPING', async () => {
    const wire = await connect()
    await newTopic()
    const id = uniqueTopic('tx-fenced')
    const old = await initProducer(wire, id)
    expect(await addPartitions(wire, old, {[topic]: [0]})).toEqual({[`${topic}-0`]: NONE})
    expect(await produceTxn(wire, old, ['zombie'])).toBe(NONE)

    // A new producer with the same id aborts the open transaction, bumping the epoch twice (fence, then its own).
    const current = await initProducer(wire, id)
    expect(current.producerId).toBe(old.producerId)
    expect(current.producerEpoch).toBe(old.producerEpoch + 2)
    expect(await describeTxn(wire, id)).toMatchObject({transactionState: 'Empty', producerEpoch: current.producerEpoch})

    expect(await endTxn(wire, old, true, 1)).toBe(INVALID_PRODUCER_EPOCH)
    expect(await endTxn(wire, old, true, 2)).toBe(PRODUCER_FENCED)
    expect(await addPartitions(wire, old, {[topic]: [0, 1]}, 1)).toEqual({
      [`${topic}-0`]: INVALID_PRODUCER_EPOCH,
      [`${topic}-1`]: INVALID_PRODUCER_EPOCH,
    })
    expect(await addPartitions(wire, old, {[topic]: [0]}, 3)).toEqual({[`${topic}-0`]: PRODUCER_FENCED})
    const offsets = await wire.request(APIS.AddOffsetsToTxn, 3, {...old, groupId: 'g'})
    expect(offsets.errorCode).toBe(PRODUCER_FENCED)
    // The zombie's batch is refused by the partition too, with a code every client reads as fenced.
    expect([INVALID_PRODUCER_EPOCH, PRODUCER_FENCED]).toContain(await produceTxn(wire, old, ['late'], 1))

    const stranger = {...current, producerId: current.producerId + 1000}
    expect(await endTxn(wire, stranger, true)).toBe(INVALID_PRODUCER_ID_MAPPING)
    expect(await endTxn(wire, {...current, transactionalId: uniqueTopic('never-initialized')}, true)).toBe(
      INVALID_PRODUCER_ID_MAPPING,
    )
  })

  it('InitProducerId v3+ with the producer’s own id and epoch bumps its epoch (KIP-360); the retry gets the same epoch; any other epoch is fenced', async () => {
    const wire = await connect()
    const id = uniqueTopic('tx-kip360')
    const first = await initProducer(wire, id)
    const bump = (producerId: number, producerEpoch: number, version = 4) =>
      wire.request(APIS.InitProducerId, version, {
        transactionalId: id,
        transactionTimeoutMs: 60_000,
        producerId,
        producerEpoch,
      })

    const bumped = await bump(first.producerId, first.producerEpoch)
    expect(bumped).toMatchObject({
      errorCode: NONE,
      producerId: first.producerId,
      producerEpoch: first.producerEpoch + 1,
    })
    expect(await bump(first.producerId, first.producerEpoch)).toMatchObject({
      errorCode: NONE,
      producerEpoch: first.producerEpoch + 1,
    })
    expect((await bump(first.producerId, first.producerEpoch + 7)).errorCode).toBe(PRODUCER_FENCED)
    expect((await bump(first.producerId, first.producerEpoch + 7, 3)).errorCode).toBe(INVALID_PRODUCER_EPOCH)
    expect((await bump(first.producerId + 1000, 0)).errorCode).toBe(PRODUCER_FENCED)
    expect(await bump(first.producerId, -1)).toMatchObject({
      errorCode: INVALID_REQUEST,
      producerId: -1,
      producerEpoch: -1,
    })
    expect(await describeTxn(wire, id)).toMatchObject({producerEpoch: first.producerEpoch + 1})
  })

  it('offsets sent with TxnOffsetCommit are committed with the transaction, and never when it aborts', async () => {
    const wire = await connect()
    await newTopic()
    const group = uniqueTopic('group')
    const committed = () => home.withAdmin((admin) => admin.listConsumerGroupOffsets(group))
    const p = await initProducer(wire, uniqueTopic('tx-offsets'))
    const commitOffsets = (offset: number, extra: object = {}) =>
      wire.request(APIS.TxnOffsetCommit, 3, {
        transactionalId: p.transactionalId,
        groupId: group,
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {name: topic, partitions: [{partitionIndex: 0, committedOffset: offset, committedMetadata: 'm'}]},
          {name: 'no-such-topic', partitions: [{partitionIndex: 0, committedOffset: offset, committedMetadata: ''}]},
        ],
        ...extra,
      })
    const codes = (res: Awaited<ReturnType<typeof commitOffsets>>) =>
      res.topics.map((t) => t.partitions.map((x) => x.errorCode))

    expect((await wire.request(APIS.AddOffsetsToTxn, 3, {...p, groupId: group})).errorCode).toBe(NONE)
    expect(await describeTxn(wire, p.transactionalId)).toMatchObject({transactionState: 'Ongoing'})
    expect(codes(await commitOffsets(5))).toEqual([[NONE], [UNKNOWN_TOPIC_OR_PARTITION]])
    expect(await committed()).toEqual([])
    expect(await endTxn(wire, p, false)).toBe(NONE)
    expect(await committed()).toEqual([])

    expect((await wire.request(APIS.AddOffsetsToTxn, 3, {...p, groupId: group})).errorCode).toBe(NONE)
    expect(codes(await commitOffsets(7))).toEqual([[NONE], [UNKNOWN_TOPIC_OR_PARTITION]])
    expect(await endTxn(wire, p, true)).toBe(NONE)
    expect(await committed()).toMatchObject([{topic, partition: 0, offset: 7, metadata: 'm'}])

    // KIP-447: group metadata, when given, must name a current member of the group.
    expect((await wire.request(APIS.AddOffsetsToTxn, 3, {...p, groupId: group})).errorCode).toBe(NONE)
    const stale = await commitOffsets(9, {generationIdOrMemberEpoch: 3, memberId: 'gone'})
    expect(codes(stale)).toEqual([[UNKNOWN_MEMBER_ID], [UNKNOWN_MEMBER_ID]])
  })

  it('DescribeProducers shows a transactional producer with the first offset of its open transaction', async () => {
    const wire = await connect()
    await newTopic(1)
    const p = await initProducer(wire, uniqueTopic('tx-producers'))
    expect(await addPartitions(wire, p, {[topic]: [0]})).toEqual({[`${topic}-0`]: NONE})
    expect(await produceTxn(wire, p, ['a', 'b'])).toBe(NONE)
    const res = await wire.request(APIS.DescribeProducers, 0, {
      topics: [
        {name: topic, partitionIndexes: [0, 3]},
        {name: 'no-such-topic', partitionIndexes: [0]},
      ],
    })
    expect(res.topics).toMatchObject([
      {
        name: topic,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: NONE,
            activeProducers: [
              {producerId: p.producerId, producerEpoch: p.producerEpoch, lastSequence: 1, currentTxnStartOffset: 0},
            ],
          },
          {partitionIndex: 3, errorCode: UNKNOWN_TOPIC_OR_PARTITION, activeProducers: []},
        ],
      },
      {name: 'no-such-topic', partitions: [{partitionIndex: 0, errorCode: UNKNOWN_TOPIC_OR_PARTITION}]},
    ])
    expect(await endTxn(wire, p, true)).toBe(NONE)
  })

  it('kafkalite transactions list and describe show a transaction a Kafka client opened', async () => {
    const wire = await connect()
    await newTopic()
    const p = await initProducer(wire, uniqueTopic('tx-cli'))
    expect(await addPartitions(wire, p, {[topic]: [1, 0]})).toEqual({[`${topic}-1`]: NONE, [`${topic}-0`]: NONE})

    const listed = await home.run(['transactions', 'list', '--json'])
    expect(listed.code).toBe(0)
    expect((JSON.parse(listed.stdout) as {transactions: unknown[]}).transactions).toContainEqual({
      transactionalId: p.transactionalId,
      producerId: p.producerId,
      state: 'Ongoing',
      coordinator: 1,
    })
    const described = await home.run(['transactions', 'describe', '--transactional-id', p.transactionalId])
    expect(described.code).toBe(0)
    const row = described.stdout.split('\n')[1]!.trim().split(/\s+/)
    expect(row).toEqual([
      '1',
      p.transactionalId,
      String(p.producerId),
      String(p.producerEpoch),
      'Ongoing',
      '60000',
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/^\d+$/),
      `${topic}-0,${topic}-1`,
    ])
    expect(await endTxn(wire, p, true)).toBe(NONE)
    const after = await home.run(['transactions', 'describe', '--transactional-id', p.transactionalId, '--json'])
    expect(JSON.parse(after.stdout)).toMatchObject({state: 'CompleteCommit', partitions: []})
  })
})
