// The broker core's log rules, driven directly on an in-memory store: topics (creation, validation, deletion,
// auto-creation), what a produce request must pass (CRC, header, max.message.bytes, producer sequences), what the
// broker does to a batch before storing it (offsets, LogAppendTime, recompression), and how it answers ListOffsets,
// reads and fetches (log end, high watermark, last stable offset behind an open transaction), DeleteRecords (the log
// start moving forward) and the alteration of topic configs. Batches are built with the producer's own encoder.
import {afterEach, describe, expect, it} from 'vitest'
import {Broker, lastStableOffset, type BrokerOptions, type PartitionState} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {readOnce} from '../../src/broker/fetch.js'
import {KafkaException} from '../../src/errors.js'
import {crc32c} from '../../src/protocol/kafka/crc32c.js'
import {
  BatchBuilder,
  checkBatch,
  COMPRESSION,
  decodeRecords,
  OFFSET,
  readBatchHeader,
  TIMESTAMP_TYPE,
  type Codec,
} from '../../src/protocol/kafka/record-batch.js'
import type {ParsedRequests} from '../../src/protocol/socket/messages.js'
import {Store} from '../../src/store/store.js'

const NOW = 1_700_000_000_000
let store: Store | undefined
let clock = NOW

/** A broker on a fresh in-memory store, with server.properties `props` and a clock the test moves. */
function start(props: Record<string, string> = {}, options: BrokerOptions = {}): Broker {
  store = Store.open(':memory:')
  clock = NOW
  return new Broker(store, brokerConfigFrom(props, null), {now: () => clock, ...options})
}

afterEach(() => {
  store?.close()
  store = undefined
})

interface BatchOptions {
  /** Timestamps of the records, one per value (default: 1000, 1001, ...). */
  timestamps?: number[]
  compression?: Codec
  /** Idempotent or transactional: [producerId, epoch, baseSequence, transactional]. */
  producer?: [number, number, number, boolean?]
  keys?: (string | null)[]
}

/** One RecordBatch v2 holding `values`, as a producer encodes it (a copy: the broker writes offsets into it). */
function batch(values: string[], options: BatchOptions = {}): Buffer {
  const b = new BatchBuilder({maxBytes: 1 << 20, compression: options.compression ?? 'none'})
  values.forEach((v, i) => {
    const key = options.keys?.[i]
    b.append(options.timestamps?.[i] ?? 1000 + i, key == null ? null : Buffer.from(key), Buffer.from(v))
  })
  if (options.producer) {
    const [id, epoch, sequence, transactional = false] = options.producer
    b.setProducerState(id, epoch, sequence, transactional)
  }
  return Buffer.from(b.build())
}

/** Produces batches to one partition in one request; returns the per-batch results. */
function produce(broker: Broker, topic: string, partition: number, ...batches: Buffer[]) {
  return broker.produce({acks: -1, timeoutMs: 1000, batches: batches.map((records) => ({topic, partition, records}))})
}

/** Produces one request of batches to several partitions: [topic, partition, batch] each. */
function produceEach(broker: Broker, ...batches: [string, number, Buffer][]) {
  return broker.produce({
    acks: -1,
    timeoutMs: 1000,
    batches: batches.map(([topic, partition, records]) => ({topic, partition, records})),
  })
}

/** The stored batches of a partition from `offset`, as a fetch would return them. */
const stored = (broker: Broker, p: PartitionState, offset = 0) => broker.read(p, offset, 1 << 30).batches

/** Every stored record of a partition as `offset:value`. */
const records = (broker: Broker, p: PartitionState) =>
  stored(broker, p).flatMap((b) => decodeRecords(b).map((r) => `${r.offset}:${r.value?.toString() ?? 'null'}`))

/** Rewrites the CRC-32C of a batch after a test changed a field it covers. */
function reseal(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b, OFFSET.attributes, b.length), OFFSET.crc)
  return b
}

const listOffset = (broker: Broker, topic: string, timestamp: number, isolationLevel: 0 | 1 = 0) =>
  broker.listOffsets({isolationLevel, partitions: [{topic, partition: 0, timestamp}]}).partitions[0]!

describe('topics', () => {
  it('creates a topic with its partitions, empty, and the broker default when -1 is asked', () => {
    const broker = start({'num.partitions': '3'})
    const res = broker.createTopics({
      topics: [
        {name: 'orders', numPartitions: 2, replicationFactor: 1, configs: {}},
        {name: 'defaults', numPartitions: -1, replicationFactor: -1, configs: {}},
      ],
      validateOnly: false,
    })
    expect(res.topics.map((t) => [t.name, t.numPartitions, t.replicationFactor, t.error])).toEqual([
      ['orders', 2, 1, undefined],
      ['defaults', 3, 1, undefined],
    ])
    expect(res.topics[0]!.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(broker.topics().map((t) => t.row.name)).toEqual(['defaults', 'orders'])
    const p = broker.partition('orders', 1)
    expect([p.logStartOffset, p.nextOffset]).toEqual([0, 0])
  })

  it("refuses bad names, duplicates, colliding names, partitions and replication factors with Kafka's errors", () => {
    const broker = start()
    broker.createTopic('a.b', 1, 1, {})
    const create = (name: string, partitions = 1, rf = 1) => {
      const [t] = broker.createTopics({
        topics: [{name, numPartitions: partitions, replicationFactor: rf, configs: {}}],
        validateOnly: false,
      }).topics
      return t!.error
    }
    expect(create('bad name')).toMatchObject({
      code: 'INVALID_TOPIC_EXCEPTION',
      message:
        "Topic name is invalid: 'bad name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    })
    expect(create('x'.repeat(250))?.code).toBe('INVALID_TOPIC_EXCEPTION')
    expect(create('..')?.code).toBe('INVALID_TOPIC_EXCEPTION')
    expect(create('a.b')).toEqual({code: 'TOPIC_ALREADY_EXISTS', message: "Topic 'a.b' already exists."})
    expect(create('a_b')).toMatchObject({
      code: 'INVALID_TOPIC_EXCEPTION',
      message: "Topic 'a_b' collides with existing topic: a.b",
    })
    expect(create('zero', 0)?.code).toBe('INVALID_PARTITIONS')
    expect(create('rf0', 1, 0)?.code).toBe('INVALID_REPLICATION_FACTOR')
    expect(create('rf3', 1, 3)?.message).toMatch(/^Unable to replicate the partition 3 time\(s\)/)
    const twice = broker.createTopics({
      topics: [
        {name: 'twice', numPartitions: 1, replicationFactor: -1, configs: {}},
        {name: 'twice', numPartitions: 1, replicationFactor: -1, configs: {}},
      ],
      validateOnly: false,
    })
    expect(twice.topics.map((t) => t.error?.code)).toEqual([undefined, 'INVALID_REQUEST'])
    expect(broker.topics().map((t) => t.row.name)).toEqual(['a.b', 'twice'])
  })

  it('validates topic configs, and creates nothing when asked only to validate', () => {
    const broker = start()
    const create = (configs: Record<string, string>, validateOnly = false) =>
      broker.createTopics({topics: [{name: 't', numPartitions: 1, replicationFactor: 1, configs}], validateOnly})
        .topics[0]!
    expect(create({'no.such.config': '1'}).error).toEqual({
      code: 'INVALID_CONFIG',
      message: 'Unknown topic config name: no.such.config',
    })
    expect(create({'max.message.bytes': 'big'}).error?.code).toBe('INVALID_CONFIG')
    expect(create({'compression.type': 'brotli'}).error?.message).toMatch(
      /Invalid value brotli for configuration compression.type/,
    )
    expect(create({'compression.type': 'zstd', 'retention.ms': '1000'}, true)).toMatchObject({
      name: 't',
      numPartitions: 1,
    })
    expect(broker.topic('t')).toBeUndefined()
    expect(broker.store.listTopics()).toEqual([])
  })

  it('adds partitions and refuses to keep or lower the count', () => {
    const broker = start()
    broker.createTopic('t', 2, 1, {})
    const grow = (count: number) =>
      broker.createPartitions({topics: [{name: 't', count}], validateOnly: false}).topics[0]!.error
    expect(grow(2)).toEqual({code: 'INVALID_PARTITIONS', message: 'Topic already has 2 partition(s).'})
    expect(grow(1)?.message).toBe('The topic t currently has 2 partition(s); 1 would not be an increase.')
    expect(grow(4)).toBeUndefined()
    expect(broker.partition('t', 3).nextOffset).toBe(0)
    expect(() => broker.partition('t', 4)).toThrow(
      "Partition 4 of topic 't' does not exist (the topic has 4 partition(s): 0-3).",
    )
  })

  it('deletes a topic with its log, wakes its waiting fetches, and lets the name be created again from offset 0', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['a', 'b']))
    const old = broker.partition('t', 0)
    let woken = 0
    old.waiters.add(() => woken++)
    expect(broker.deleteTopics({names: ['t', 'missing']}).topics).toEqual([
      {name: 't'},
      {name: 'missing', error: {code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'missing' does not exist."}},
    ])
    expect(woken).toBe(1)
    expect(old.topic.deleted).toBe(true)
    expect(broker.topic('t')).toBeUndefined()
    expect(broker.store.db.prepare('SELECT count(*) FROM batch').pluck().get()).toBe(0)
    broker.createTopic('t', 1, 1, {})
    expect(produce(broker, 't', 0, batch(['c']))[0]).toMatchObject({baseOffset: 0})
  })

  it('refuses deletion when delete.topic.enable is false', () => {
    const broker = start({'delete.topic.enable': 'false'})
    broker.createTopic('t', 1, 1, {})
    expect(broker.deleteTopics({names: ['t']}).topics[0]!.error?.code).toBe('POLICY_VIOLATION')
    expect(broker.topic('t')).toBeDefined()
  })

  it('creates a missing topic from Metadata only when the client allows it and auto.create.topics.enable is on', () => {
    const broker = start({'num.partitions': '2'})
    expect(broker.metadata({topics: ['auto'], allowAutoTopicCreation: false}).topics[0]!.error?.code).toBe(
      'UNKNOWN_TOPIC_OR_PARTITION',
    )
    expect(broker.topic('auto')).toBeUndefined()
    const [created] = broker.metadata({topics: ['auto'], allowAutoTopicCreation: true}).topics
    expect(created).toMatchObject({name: 'auto', partitions: 2, internal: false})
    expect(created!.error).toBeUndefined()
    for (const allowAutoTopicCreation of [true, false]) {
      const [invalid] = broker.metadata({topics: ['no way'], allowAutoTopicCreation}).topics
      expect(invalid!.error?.code).toBe('INVALID_TOPIC_EXCEPTION')
    }
  })

  it('names the setting when auto.create.topics.enable is off', () => {
    const broker = start({'auto.create.topics.enable': 'false'})
    const [t] = broker.metadata({topics: ['nope'], allowAutoTopicCreation: true}).topics
    expect(t!.error).toEqual({
      code: 'UNKNOWN_TOPIC_OR_PARTITION',
      message:
        "Topic 'nope' does not exist and auto.create.topics.enable is false. Create it with 'kafkalite topics --create --topic nope'.",
    })
    expect(broker.topic('nope')).toBeUndefined()
  })

  it('rebuilds topics, log ends and producer state from the store when it starts again', () => {
    const broker = start()
    broker.createTopic('t', 2, 1, {'message.timestamp.type': 'LogAppendTime'})
    produce(broker, 't', 1, batch(['a', 'b'], {producer: [7, 0, 0]}))
    const again = new Broker(store!, broker.config, {now: () => clock})
    expect(again.partition('t', 1).nextOffset).toBe(2)
    expect(again.topic('t')!.logAppendTime).toBe(true)
    // The producer's sequence survived: its next batch must follow on, and a retry is still known.
    expect(produce(again, 't', 1, batch(['a', 'b'], {producer: [7, 0, 0]}))[0]).toMatchObject({baseOffset: 0})
    expect(produce(again, 't', 1, batch(['c'], {producer: [7, 0, 5]}))[0]!.error?.code).toBe(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    )
  })
})

describe('produce', () => {
  it('assigns consecutive offsets across batches and requests, and stores the base offset in the batch', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    const first = produce(broker, 't', 0, batch(['a', 'b', 'c']), batch(['d']))
    expect(first.map((r) => r.baseOffset)).toEqual([0, 3])
    expect(produce(broker, 't', 0, batch(['e']))[0]).toMatchObject({baseOffset: 4, logAppendTime: -1})
    const p = broker.partition('t', 0)
    expect(p.nextOffset).toBe(5)
    expect(stored(broker, p).map((b) => readBatchHeader(b).baseOffset)).toEqual([0, 3, 4])
    expect(records(broker, p)).toEqual(['0:a', '1:b', '2:c', '3:d', '4:e'])
    for (const b of stored(broker, p)) expect(() => checkBatch(b, 0, b.length)).not.toThrow()
  })

  it('refuses a batch whose CRC does not match, and with it the later batches of its partition in the request', () => {
    const broker = start()
    broker.createTopic('t', 2, 1, {})
    const bad = batch(['corrupted'])
    bad[bad.length - 1]! ^= 0xff // the last byte of the value
    const [before, corrupt, other, after] = produceEach(
      broker,
      ['t', 0, batch(['a'])],
      ['t', 0, bad],
      ['t', 1, batch(['x'])],
      ['t', 0, batch(['b'])],
    )
    expect(corrupt!.error?.code).toBe('CORRUPT_MESSAGE')
    expect(corrupt!.error?.message).toMatch(/^Record batch is corrupt: CRC-32C 0x[0-9a-f]{8} does not match/)
    // Written before it, or on another partition: kept. After it on its partition: it would land out of order.
    expect([before!.baseOffset, other!.baseOffset]).toEqual([0, 0])
    expect(after!.error).toEqual(corrupt!.error)
    expect(records(broker, broker.partition('t', 0))).toEqual(['0:a'])
  })

  it('refuses a header that is not magic 2, a length that is not the size, and counts that disagree', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    const magic1 = batch(['m'])
    magic1.writeInt8(1, OFFSET.magic) // outside the CRC
    const longer = Buffer.concat([batch(['l']), Buffer.alloc(4)]) // the length field no longer says the size
    const counts = batch(['x', 'y'])
    counts.writeInt32BE(5, OFFSET.lastOffsetDelta)
    reseal(counts)
    const [m, l, c] = [magic1, longer, counts].map((b) => produce(broker, 't', 0, b)[0]!.error)
    expect([m?.code, l?.code, c?.code]).toEqual(['CORRUPT_MESSAGE', 'CORRUPT_MESSAGE', 'INVALID_RECORD'])
    expect(m?.message).toMatch(/magic 1/)
    expect(l?.message).toMatch(/length field says \d+ bytes but the batch has \d+/)
    expect(c?.message).toBe('Record batch lastOffsetDelta 5 does not match its 2 records')
    expect(broker.partition('t', 0).nextOffset).toBe(0)
  })

  it('refuses a control batch (a transaction marker) from a client', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    const control = batch(['fake marker'])
    control.writeInt16BE(control.readInt16BE(OFFSET.attributes) | 0x20, OFFSET.attributes)
    reseal(control)
    expect(produce(broker, 't', 0, control)[0]!.error).toEqual({
      code: 'INVALID_RECORD',
      message: 'Clients may not write control batches (transaction markers)',
    })
  })

  it('answers a batch for an unknown topic or partition with its own error', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    expect(produce(broker, 'nope', 0, batch(['a']))[0]!.error?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(produce(broker, 't', 1, batch(['a']))[0]!.error?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(broker.topic('nope')).toBeUndefined() // produce never creates topics; Metadata does
  })

  it("refuses a batch larger than the topic's max.message.bytes, and takes one of exactly that size", () => {
    const broker = start()
    const b = batch(['x'.repeat(200)])
    broker.createTopic('exact', 1, 1, {'max.message.bytes': String(b.length)})
    broker.createTopic('small', 1, 1, {'max.message.bytes': String(b.length - 1)})
    expect(produce(broker, 'exact', 0, Buffer.from(b))[0]!.error).toBeUndefined()
    expect(produce(broker, 'small', 0, Buffer.from(b))[0]!.error).toEqual({
      code: 'MESSAGE_TOO_LARGE',
      message: `The record batch of ${b.length} bytes is larger than max.message.bytes of topic 'small' (${b.length - 1}). Send smaller records or raise the topic's max.message.bytes.`,
    })
    expect(broker.partition('small', 0).nextOffset).toBe(0)
  })

  it('applies a max.message.bytes changed by alterConfigs to the next batch', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    broker.alterConfigs({
      topics: [{name: 't', set: {'max.message.bytes': '100'}, delete: [], append: {}, subtract: {}, replace: false}],
      brokers: [],
      validateOnly: false,
    })
    expect(produce(broker, 't', 0, batch(['x'.repeat(200)]))[0]!.error?.code).toBe('MESSAGE_TOO_LARGE')
  })

  it('refuses a record without a key on a compacted topic', () => {
    const broker = start()
    broker.createTopic('compacted', 1, 1, {'cleanup.policy': 'compact,delete'})
    const [keyless] = produce(broker, 'compacted', 0, batch(['a', 'b'], {keys: ['k', null]}))
    expect(keyless!.error?.code).toBe('INVALID_RECORD')
    expect(keyless!.error?.message).toMatch(/^Compacted topic cannot accept message without key \(record 1 /)
    expect(produce(broker, 'compacted', 0, batch(['a', 'b'], {keys: ['k', 'l']}))[0]).toMatchObject({baseOffset: 0})
  })

  it("skips the per-record checks, and only those, on the bench's baseline (benchSkipRecordValidation)", () => {
    store = Store.open(':memory:')
    const config = {...brokerConfigFrom({}, null), benchSkipRecordValidation: true}
    const broker = new Broker(store, config, {now: () => NOW})
    broker.createTopic('compacted', 1, 1, {'cleanup.policy': 'compact'})
    // A keyless record on a compacted topic fails validateRecords only: stored when it is skipped.
    expect(produce(broker, 'compacted', 0, batch(['a'], {keys: [null]}))[0]).toMatchObject({baseOffset: 0})
    // The batch's own checks still run.
    const bad = batch(['b'], {keys: ['k']})
    bad[bad.length - 1]! ^= 0xff
    expect(produce(broker, 'compacted', 0, bad)[0]!.error?.code).toBe('CORRUPT_MESSAGE')
  })

  it("refuses CreateTime timestamps outside the topic's message.timestamp.before/after.max.ms", () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'message.timestamp.before.max.ms': '1000', 'message.timestamp.after.max.ms': '10'})
    const at = (timestamp: number, topic = 't') =>
      produce(broker, topic, 0, batch(['v'], {timestamps: [timestamp]}))[0]!
    expect(at(NOW - 1001).error?.code).toBe('INVALID_TIMESTAMP')
    expect(at(NOW + 11).error?.message).toBe(
      `Timestamp ${NOW + 11} of record 0 is out of range: the topic accepts timestamps from ${NOW - 1000} to ${NOW + 10} (message.timestamp.before.max.ms, message.timestamp.after.max.ms).`,
    )
    expect(at(NOW - 1000).error).toBeUndefined()
    expect(at(NOW + 10).error).toBeUndefined()
  })

  // Kafka's LogValidator.validateTimestamp bounds a record by the topic's message.timestamp.type, skips a record
  // without a timestamp (-1), and refuses a batch a producer marked LogAppendTime. kafkalite's validateRecords
  // goes by the batch's own timestamp type instead: the next three are those differences.
  it("takes any producer timestamp on a LogAppendTime topic, since the broker's time replaces it", () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {
      'message.timestamp.before.max.ms': '1000',
      'message.timestamp.type': 'LogAppendTime',
    })
    expect(produce(broker, 't', 0, batch(['v'], {timestamps: [0]}))[0]!.error).toBeUndefined()
  })

  it('does not bound a record without a timestamp (-1)', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'message.timestamp.before.max.ms': '1000'})
    expect(produce(broker, 't', 0, batch(['v'], {timestamps: [-1]}))[0]!.error).toBeUndefined()
  })

  it('refuses a batch that a producer marked LogAppendTime (INVALID_TIMESTAMP)', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    const marked = batch(['v'])
    marked.writeInt16BE(marked.readInt16BE(OFFSET.attributes) | 0x08, OFFSET.attributes)
    expect(produce(broker, 't', 0, reseal(marked))[0]!.error?.code).toBe('INVALID_TIMESTAMP')
  })
})

describe('idempotent producers', () => {
  it('answers a retried batch with the offsets of its first write and writes nothing', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    const first = batch(['a', 'b'], {producer: [7, 0, 0]})
    expect(produce(broker, 't', 0, Buffer.from(first))[0]).toMatchObject({baseOffset: 0})
    expect(produce(broker, 't', 0, batch(['c'], {producer: [7, 0, 2]}))[0]).toMatchObject({baseOffset: 2})
    // Both batches again, the older first: each is answered as it was written the first time.
    const again = produce(broker, 't', 0, Buffer.from(first), batch(['c'], {producer: [7, 0, 2]}))
    expect(again.map((r) => [r.baseOffset, r.error])).toEqual([
      [0, undefined],
      [2, undefined],
    ])
    const p = broker.partition('t', 0)
    expect(p.nextOffset).toBe(3)
    expect(records(broker, p)).toEqual(['0:a', '1:b', '2:c'])
  })

  it('answers a retry on a LogAppendTime topic with the append time of the first write', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'message.timestamp.type': 'LogAppendTime'})
    const first = produce(broker, 't', 0, batch(['a'], {producer: [7, 0, 0]}))[0]!
    clock += 5000
    const retry = produce(broker, 't', 0, batch(['a'], {producer: [7, 0, 0]}))[0]!
    expect(retry).toMatchObject({baseOffset: 0, logAppendTime: first.logAppendTime})
    expect(first.logAppendTime).toBe(NOW)
  })

  it('remembers only the last five batches of a producer, as Kafka does', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    for (let seq = 0; seq < 6; seq++) produce(broker, 't', 0, batch([`v${seq}`], {producer: [7, 0, seq]}))
    expect(produce(broker, 't', 0, batch(['v1'], {producer: [7, 0, 1]}))[0]).toMatchObject({baseOffset: 1})
    expect(produce(broker, 't', 0, batch(['v0'], {producer: [7, 0, 0]}))[0]!.error?.code).toBe(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    )
  })

  it("refuses a gap in a producer's sequence with Kafka's message", () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['a', 'b'], {producer: [7, 0, 0]}))
    expect(produce(broker, 't', 0, batch(['x'], {producer: [7, 0, 3]}))[0]!.error).toEqual({
      code: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      message:
        'Out of order sequence number for producer 7 at offset 2 in partition t-0: 3 (incoming seq. number), 1 (current end sequence number)',
    })
    expect(broker.partition('t', 0).nextOffset).toBe(2)
  })

  it('checks sequences across the batches of one request', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    const results = produce(
      broker,
      't',
      0,
      batch(['a'], {producer: [7, 0, 0]}),
      batch(['b'], {producer: [7, 0, 1]}),
      batch(['x'], {producer: [7, 0, 5]}),
    )
    expect(results.map((r) => r.error?.code ?? r.baseOffset)).toEqual([0, 1, 'OUT_OF_ORDER_SEQUENCE_NUMBER'])
  })

  it('starts a new epoch at sequence 0 and refuses the old epoch from then on', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['a'], {producer: [7, 0, 0]}))
    expect(produce(broker, 't', 0, batch(['b'], {producer: [7, 1, 4]}))[0]!.error?.message).toBe(
      'Invalid sequence number for new epoch of producer 7 at offset 1 in partition t-0: 1 (request epoch), 4 (seq. number), 0 (current producer epoch)',
    )
    expect(produce(broker, 't', 0, batch(['b'], {producer: [7, 1, 0]}))[0]).toMatchObject({baseOffset: 1})
    expect(produce(broker, 't', 0, batch(['c'], {producer: [7, 0, 1]}))[0]!.error).toEqual({
      code: 'INVALID_PRODUCER_EPOCH',
      message: 'Epoch of producer 7 at offset 2 in t-0 is 0, which is smaller than the last seen epoch 1',
    })
  })

  it('takes a producer it does not know at its word, whatever its sequence, and wraps at Integer.MAX_VALUE', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    // Two records from sequence 2^31 - 2: the last is 2^31 - 1, so the next batch starts again at 0.
    expect(produce(broker, 't', 0, batch(['a', 'b'], {producer: [7, 0, 2147483646]}))[0]!.error).toBeUndefined()
    expect(produce(broker, 't', 0, batch(['c'], {producer: [7, 0, 0]}))[0]).toMatchObject({baseOffset: 2})
  })

  it('keeps the sequences of each partition apart', () => {
    const broker = start()
    broker.createTopic('t', 2, 1, {})
    produce(broker, 't', 0, batch(['a'], {producer: [7, 0, 0]}))
    produce(broker, 't', 0, batch(['b'], {producer: [7, 0, 1]}))
    // Partition 1 has not seen producer 7: sequence 0 is new there, not a duplicate of partition 0's batch.
    expect(produce(broker, 't', 1, batch(['a'], {producer: [7, 0, 0]}))[0]).toMatchObject({baseOffset: 0})
    expect(broker.partition('t', 1).nextOffset).toBe(1)
  })
})

describe('what the broker does to a batch before storing it', () => {
  it('stamps a LogAppendTime topic with the broker time, in a batch that still passes its CRC', () => {
    const broker = start()
    broker.createTopic('lat', 1, 1, {'message.timestamp.type': 'LogAppendTime'})
    broker.createTopic('create', 1, 1, {})
    const [appended] = produce(broker, 'lat', 0, batch(['a', 'b'], {timestamps: [5, 6]}))
    expect(appended).toMatchObject({baseOffset: 0, logAppendTime: NOW})
    const [b] = stored(broker, broker.partition('lat', 0))
    const header = checkBatch(b!, 0, b!.length)
    expect(header).toMatchObject({timestampType: TIMESTAMP_TYPE.LogAppendTime, maxTimestamp: NOW})
    expect(decodeRecords(b!).map((r) => r.timestamp)).toEqual([NOW, NOW])
    // A CreateTime topic keeps the producer's timestamps and answers -1.
    expect(produce(broker, 'create', 0, batch(['a'], {timestamps: [5]}))[0]!.logAppendTime).toBe(-1)
    expect(decodeRecords(stored(broker, broker.partition('create', 0))[0]!)[0]!.timestamp).toBe(5)
  })

  it("recompresses a batch to the topic's compression.type, keeping its records and producer state", () => {
    const broker = start()
    broker.createTopic('gzip', 1, 1, {'compression.type': 'gzip'})
    produce(
      broker,
      'gzip',
      0,
      batch(['alpha', 'beta'], {compression: 'lz4', keys: ['k', null], producer: [7, 3, 0], timestamps: [10, 20]}),
    )
    const [b] = stored(broker, broker.partition('gzip', 0))
    const header = checkBatch(b!, 0, b!.length)
    expect(header).toMatchObject({compression: COMPRESSION.gzip, producerId: 7, producerEpoch: 3, baseSequence: 0})
    expect(
      decodeRecords(b!).map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()]),
    ).toEqual([
      [0, 10, 'k', 'alpha'],
      [1, 20, null, 'beta'],
    ])
  })

  it("decompresses for compression.type uncompressed, and keeps the producer's bytes for producer", () => {
    const broker = start()
    broker.createTopic('plain', 1, 1, {'compression.type': 'uncompressed'})
    broker.createTopic('as-sent', 1, 1, {})
    produce(broker, 'plain', 0, batch(['a', 'b'], {compression: 'snappy'}))
    const [plain] = stored(broker, broker.partition('plain', 0))
    expect(readBatchHeader(plain!).compression).toBe(COMPRESSION.none)
    expect(decodeRecords(plain!).map((r) => r.value?.toString())).toEqual(['a', 'b'])
    const sent = batch(['a', 'b'], {compression: 'snappy'})
    produce(broker, 'as-sent', 0, Buffer.from(sent))
    expect(stored(broker, broker.partition('as-sent', 0))[0]!.equals(sent)).toBe(true) // base offset 0 either way
  })

  it('refuses a batch that recompression makes larger than max.message.bytes, as Kafka re-checks it', () => {
    // Kafka's UnifiedLog.append checks every batch again after LogValidator may have recompressed it
    // (messageSizeMaybeChanged).
    const broker = start()
    const sent = batch(['x'.repeat(1000)], {compression: 'gzip'})
    broker.createTopic('t', 1, 1, {'compression.type': 'uncompressed', 'max.message.bytes': String(sent.length)})
    expect(produce(broker, 't', 0, sent)[0]!.error?.code).toBe('MESSAGE_TOO_LARGE')
  })
})

describe('ListOffsets', () => {
  /** A topic with batches [t=100, t=200], [t=500, t=300], [t=400], [t=350, t=600]: offsets 0-6. */
  function timestamped(props: Record<string, string> = {}) {
    const broker = start()
    broker.createTopic('t', 1, 1, props)
    produce(broker, 't', 0, batch(['a', 'b'], {timestamps: [100, 200]}))
    produce(broker, 't', 0, batch(['c', 'd'], {timestamps: [500, 300]}))
    produce(broker, 't', 0, batch(['e'], {timestamps: [400]}))
    produce(broker, 't', 0, batch(['f', 'g'], {timestamps: [350, 600]}))
    return broker
  }

  it('answers earliest (-2) with the log start and latest (-1) with the log end', () => {
    const broker = timestamped()
    expect(listOffset(broker, 't', -2)).toMatchObject({offset: 0, timestamp: -1})
    expect(listOffset(broker, 't', -1)).toMatchObject({offset: 7, timestamp: -1})
  })

  it('finds the first offset whose timestamp is at or after a time, inside a batch', () => {
    const broker = timestamped()
    expect(listOffset(broker, 't', 150)).toMatchObject({offset: 1, timestamp: 200})
    expect(listOffset(broker, 't', 200)).toMatchObject({offset: 1, timestamp: 200})
    expect(listOffset(broker, 't', 500)).toMatchObject({offset: 2, timestamp: 500})
    expect(listOffset(broker, 't', 250)).toMatchObject({offset: 2, timestamp: 500}) // the earliest offset, not time
    expect(listOffset(broker, 't', 0)).toMatchObject({offset: 0, timestamp: 100})
    expect(listOffset(broker, 't', 601)).toMatchObject({offset: -1, timestamp: -1})
  })

  it('answers max-timestamp (-3) with the record that holds the largest timestamp', () => {
    const broker = timestamped()
    expect(listOffset(broker, 't', -3)).toMatchObject({offset: 6, timestamp: 600})
    broker.createTopic('empty', 1, 1, {})
    expect(listOffset(broker, 'empty', -3)).toMatchObject({offset: -1, timestamp: -1})
  })

  it('answers by time on a LogAppendTime topic with the first batch appended at or after it', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'message.timestamp.type': 'LogAppendTime'})
    produce(broker, 't', 0, batch(['a', 'b']))
    clock += 1000
    produce(broker, 't', 0, batch(['c']))
    expect(listOffset(broker, 't', NOW + 1)).toMatchObject({offset: 2, timestamp: NOW + 1000})
    expect(listOffset(broker, 't', -3)).toMatchObject({offset: 2, timestamp: NOW + 1000})
  })

  it('refuses a negative time other than -1, -2 and -3, and names an unknown partition', () => {
    const broker = timestamped()
    expect(listOffset(broker, 't', -4).error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Invalid timestamp -4: use -1, -2, -3 or a time in ms.',
    })
    expect(listOffset(broker, 'nope', -1).error?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })
})

describe('reads and fetches', () => {
  it('accepts offsets from the log start to the log end, and names the range otherwise', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['a', 'b']))
    const p = broker.partition('t', 0)
    expect(() => broker.checkOffset(p, 0)).not.toThrow()
    expect(() => broker.checkOffset(p, 2)).not.toThrow() // the log end: a fetch there waits for new records
    expect(() => broker.checkOffset(p, 3)).toThrow(
      'Offset 3 is out of range for partition t-0 (log start 0, log end 2).',
    )
    expect(() => broker.checkOffset(p, -1)).toThrow(/out of range/)
  })

  it('reads from the batch holding the offset, below the end offset, within the byte budget but at least one batch', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['a', 'b', 'c']), batch(['d', 'e']), batch(['f']))
    const p = broker.partition('t', 0)
    const bases = (r: {batches: Buffer[]}) => r.batches.map((b) => readBatchHeader(b).baseOffset)
    expect(bases(broker.read(p, 4, 1 << 20))).toEqual([3, 5]) // offset 4 is inside the batch from 3
    expect(bases(broker.read(p, 0, 1 << 20, 5))).toEqual([0, 3])
    expect(bases(broker.read(p, 0, 1))).toEqual([0]) // a batch larger than the budget still comes back (KIP-74)
    const first = broker.read(p, 0, 1 << 20).batches[0]!.length
    expect(bases(broker.read(p, 0, first + 1))).toEqual([0])
    expect(broker.read(p, 6, 1 << 20)).toEqual({batches: [], bytes: 0})
  })

  it("reports the high watermark, and a fetch's errors per partition", () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['a', 'b']))
    const res = readOnce(broker, {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      partitions: [
        {topic: 't', partition: 0, offset: 1, maxBytes: 1 << 20},
        {topic: 't', partition: 0, offset: 9, maxBytes: 1 << 20},
      ],
    })
    expect(res.header.partitions[0]).toMatchObject({highWatermark: 2, lastStableOffset: 2, logStartOffset: 0})
    expect(res.header.partitions[0]!.size).toBeGreaterThan(0)
    expect(res.header.partitions[1]!.error?.code).toBe('OFFSET_OUT_OF_RANGE')
  })
})

describe('an open transaction', () => {
  /** A broker whose transaction check lets every transactional batch in (the coordinator's part is not tested here). */
  function withTransactions() {
    const broker = start({}, {verifyTransaction: () => null})
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['before']))
    produce(broker, 't', 0, batch(['pending'], {producer: [9, 0, 0, true]}))
    produce(broker, 't', 0, batch(['after']))
    return {broker, p: broker.partition('t', 0)}
  }

  const fetchAll = (broker: Broker, isolationLevel: 0 | 1) =>
    readOnce(broker, {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel,
      partitions: [{topic: 't', partition: 0, offset: 0, maxBytes: 1 << 20}],
    })

  it('holds the last stable offset at its first record while the high watermark moves on', () => {
    const {broker, p} = withTransactions()
    expect(p.nextOffset).toBe(3)
    expect(lastStableOffset(p)).toBe(1)
    expect(listOffset(broker, 't', -1, 0).offset).toBe(3)
    expect(listOffset(broker, 't', -1, 1).offset).toBe(1)
    const committed = fetchAll(broker, 1)
    expect(committed.header.partitions[0]).toMatchObject({highWatermark: 3, lastStableOffset: 1})
    expect(committed.payload.flatMap((b) => decodeRecords(b).map((r) => r.value!.toString()))).toEqual(['before'])
    expect(fetchAll(broker, 0).payload).toHaveLength(3)
  })

  it('releases the last stable offset with the COMMIT marker', () => {
    const {broker, p} = withTransactions()
    broker.writeMarkers([
      {topic: 't', partition: 0, producerId: 9, producerEpoch: 0, committed: true, coordinatorEpoch: 0},
    ])
    expect([p.nextOffset, lastStableOffset(p)]).toEqual([4, 4])
    expect(readBatchHeader(stored(broker, p, 3)[0]!)).toMatchObject({isControl: true, isTransactional: true})
    expect(fetchAll(broker, 1).header.partitions[0]!.abortedTransactions).toEqual([])
  })

  it('lists an aborted transaction for read_committed fetches that cover it', () => {
    const {broker, p} = withTransactions()
    broker.writeMarkers([
      {topic: 't', partition: 0, producerId: 9, producerEpoch: 0, committed: false, coordinatorEpoch: 0},
    ])
    expect(lastStableOffset(p)).toBe(4)
    expect(fetchAll(broker, 1).header.partitions[0]!.abortedTransactions).toEqual([{producerId: 9, firstOffset: 1}])
    expect(broker.abortedTransactions(p, 4, 4)).toEqual([])
  })

  it('writes one marker per open transaction, none for a producer without one', () => {
    const {broker, p} = withTransactions()
    produce(broker, 't', 0, batch(['idempotent'], {producer: [7, 0, 0]})) // offset 3, no transaction
    const marker = (producerId: number) => ({
      topic: 't',
      partition: 0,
      producerId,
      producerEpoch: 0,
      committed: true,
      coordinatorEpoch: 0,
    })
    broker.writeMarkers([marker(7), marker(12), marker(9), marker(9)])
    expect(p.nextOffset).toBe(5) // only producer 9's one marker, at 4
    broker.writeMarkers([marker(9)]) // its transaction has ended: nothing more to mark
    expect(p.nextOffset).toBe(5)
  })

  it('keeps a transaction open across a restart of the broker', () => {
    const {broker} = withTransactions()
    const again = new Broker(store!, broker.config, {now: () => clock, verifyTransaction: () => null})
    expect(lastStableOffset(again.partition('t', 0))).toBe(1)
  })

  it('refuses a transactional batch without a transaction coordinator, or without a producer id', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    expect(produce(broker, 't', 0, batch(['x'], {producer: [9, 0, 0, true]}))[0]!.error?.code).toBe('INVALID_TXN_STATE')
    const anonymous = batch(['y'], {producer: [-1, -1, -1, true]})
    expect(produce(broker, 't', 0, anonymous)[0]!.error).toEqual({
      code: 'INVALID_RECORD',
      message: 'A transactional record batch must carry a producer id',
    })
    expect(broker.partition('t', 0).nextOffset).toBe(0)
  })

  it("writes nothing when the coordinator refuses the producer's transaction", () => {
    const fenced = new KafkaException('PRODUCER_FENCED', 'There is a newer producer with the same transactionalId')
    const broker = start(
      {},
      {
        verifyTransaction: () => {
          throw fenced
        },
      },
    )
    broker.createTopic('t', 1, 1, {})
    expect(produce(broker, 't', 0, batch(['x'], {producer: [9, 0, 0, true]}))[0]!.error).toEqual(fenced.toJSON())
    expect(broker.partition('t', 0).nextOffset).toBe(0)
  })
})

describe('DeleteRecords', () => {
  /** A topic 't' with batches [0-2], [3-4], [5]. */
  function withRecords(configs: Record<string, string> = {}) {
    const broker = start()
    broker.createTopic('t', 2, 1, configs)
    produce(broker, 't', 0, batch(['a', 'b', 'c']), batch(['d', 'e']), batch(['f']))
    return {broker, p: broker.partition('t', 0)}
  }
  /** DeleteRecords, then the purge of the batches below the new log start (the log manager's, in the daemon). */
  const deleteBefore = (broker: Broker, offset: number, partition = 0, topic = 't') => {
    const result = broker.deleteRecords({partitions: [{topic, partition, offset}]}).partitions[0]!
    const p = broker.topic(topic)?.partitions[partition]
    if (p) broker.purge(p, 1000)
    return result
  }

  it('moves the log start offset, deletes the batches below it and keeps the one that straddles it', () => {
    const {broker, p} = withRecords()
    expect(deleteBefore(broker, 4)).toEqual({topic: 't', partition: 0, lowWatermark: 4})
    expect(p.logStartOffset).toBe(4)
    expect(records(broker, p)).toEqual(['3:d', '4:e', '5:f']) // the batch from 3 holds offset 4: it stays whole
    expect(listOffset(broker, 't', -2).offset).toBe(4)
    expect(() => broker.checkOffset(p, 3)).toThrow(
      'Offset 3 is out of range for partition t-0 (log start 4, log end 6).',
    )
    expect(broker.totals().records).toBe(2)
  })

  it('deletes up to the high watermark for -1, and never moves the log start back', () => {
    const {broker, p} = withRecords()
    expect(deleteBefore(broker, 5).lowWatermark).toBe(5)
    expect(deleteBefore(broker, 2).lowWatermark).toBe(5)
    expect(deleteBefore(broker, -1).lowWatermark).toBe(6)
    expect(stored(broker, p, 6)).toEqual([])
    produce(broker, 't', 0, batch(['g']))
    expect(records(broker, p)).toEqual(['6:g'])
  })

  it("refuses an offset above the high watermark or below -1, with Kafka's messages, and moves nothing", () => {
    const {broker, p} = withRecords()
    expect(deleteBefore(broker, 7)).toEqual({
      topic: 't',
      partition: 0,
      lowWatermark: -1,
      error: {
        code: 'OFFSET_OUT_OF_RANGE',
        message:
          'Cannot increment the log start offset to 7 of partition t-0 since it is larger than the high watermark 6',
      },
    })
    expect(deleteBefore(broker, -2).error).toEqual({
      code: 'OFFSET_OUT_OF_RANGE',
      message: 'The offset -2 for partition t-0 is not valid',
    })
    expect(p.logStartOffset).toBe(0)
  })

  it('refuses a topic whose cleanup.policy has no delete, and an unknown partition', () => {
    const {broker} = withRecords({'cleanup.policy': 'compact'})
    expect(deleteBefore(broker, 1).error).toEqual({
      code: 'POLICY_VIOLATION',
      message: 'Records of partition t-0 can not be deleted due to the configured policy',
    })
    broker.createTopic('both', 1, 1, {'cleanup.policy': 'compact,delete'})
    expect(deleteBefore(broker, 0, 0, 'both').error).toBeUndefined()
    expect(deleteBefore(broker, 0, 5).error?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(deleteBefore(broker, 0, 0, 'nope')).toMatchObject({
      lowWatermark: -1,
      error: {code: 'UNKNOWN_TOPIC_OR_PARTITION'},
    })
  })

  it('answers each partition of a request, and keeps the log start of the others', () => {
    const {broker} = withRecords()
    produce(broker, 't', 1, batch(['x', 'y']))
    const res = broker.deleteRecords({
      partitions: [
        {topic: 't', partition: 0, offset: 3},
        {topic: 't', partition: 1, offset: 9},
        {topic: 't', partition: 1, offset: 1},
      ],
    })
    expect(res.partitions.map((r) => [r.partition, r.lowWatermark, r.error?.code])).toEqual([
      [0, 3, undefined],
      [1, -1, 'OFFSET_OUT_OF_RANGE'],
      [1, 1, undefined],
    ])
  })

  it('keeps the new log start across a restart of the broker', () => {
    const {broker} = withRecords()
    deleteBefore(broker, 3)
    const again = new Broker(store!, broker.config, {now: () => clock})
    const p = again.partition('t', 0)
    expect([p.logStartOffset, p.nextOffset]).toEqual([3, 6])
    expect(records(again, p)).toEqual(['3:d', '4:e', '5:f'])
  })

  it('lifts the last stable offset to the log start when records of an open transaction are deleted', () => {
    const broker = start({}, {verifyTransaction: () => null})
    broker.createTopic('t', 1, 1, {})
    produce(broker, 't', 0, batch(['pending'], {producer: [9, 0, 0, true]}))
    produce(broker, 't', 0, batch(['plain']))
    const p = broker.partition('t', 0)
    expect(lastStableOffset(p)).toBe(0)
    deleteBefore(broker, 1)
    expect(lastStableOffset(p)).toBe(1)
  })

  it('answers ListOffsets by time from the log start on a LogAppendTime topic', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'message.timestamp.type': 'LogAppendTime'})
    produce(broker, 't', 0, batch(['a', 'b', 'c']))
    deleteBefore(broker, 2)
    expect(listOffset(broker, 't', 0)).toMatchObject({offset: 2, timestamp: NOW})
  })
})

describe('altering topic configs', () => {
  const alter = (broker: Broker, change: Partial<ParsedRequests['alterConfigs']['topics'][number]>) =>
    broker.alterConfigs({
      topics: [{name: 't', set: {}, delete: [], append: {}, subtract: {}, replace: false, ...change}],
      brokers: [],
      validateOnly: false,
    }).topics[0]!
  const overrides = (broker: Broker) => broker.topic('t')!.row.configs

  it('appends values missing from a list config, from its default without an override, and subtracts them', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {})
    expect(alter(broker, {append: {'cleanup.policy': 'compact,delete'}}).error).toBeUndefined()
    expect(overrides(broker)).toEqual({'cleanup.policy': 'delete,compact'})
    alter(broker, {subtract: {'cleanup.policy': 'delete'}})
    expect(overrides(broker)).toEqual({'cleanup.policy': 'compact'})
    alter(broker, {subtract: {'cleanup.policy': 'compact'}})
    expect(overrides(broker)).toEqual({'cleanup.policy': ''})
  })

  it('refuses APPEND and SUBTRACT on a config that is not a list, and an unknown name', () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'retention.ms': '1000'})
    expect(alter(broker, {append: {'retention.ms': '5'}}).error).toEqual({
      code: 'INVALID_CONFIG',
      message: "Can't APPEND to key retention.ms because its type is not LIST.",
    })
    expect(alter(broker, {subtract: {'retention.ms': '5'}}).error?.message).toBe(
      "Can't SUBTRACT to key retention.ms because its type is not LIST.",
    )
    expect(alter(broker, {append: {'no.such': 'x'}}).error).toEqual({
      code: 'INVALID_CONFIG',
      message: 'Unknown topic config name: no.such',
    })
    expect(overrides(broker)).toEqual({'retention.ms': '1000'})
  })

  it("replaces a topic's overrides wholesale when asked (Kafka's legacy AlterConfigs)", () => {
    const broker = start()
    broker.createTopic('t', 1, 1, {'retention.ms': '1000', 'cleanup.policy': 'compact'})
    alter(broker, {set: {'segment.bytes': '1048576'}, replace: true})
    expect(overrides(broker)).toEqual({'segment.bytes': '1048576'})
    expect(alter(broker, {set: {'retention.ms': 'soon'}, replace: true}).error?.code).toBe('INVALID_CONFIG')
    expect(overrides(broker)).toEqual({'segment.bytes': '1048576'})
  })
})
