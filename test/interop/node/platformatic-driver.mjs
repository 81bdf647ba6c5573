// The interoperability suite's driver for @platformatic/kafka.   node platformatic-driver.mjs <scenario> '<json>'
import {randomUUID} from 'node:crypto'
import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  FetchIsolationLevels,
  IncrementalAlterConfigOperationTypes,
  Producer,
} from '@platformatic/kafka'
import {b64, deadline, emit, leaveRequested, main, rangeAssign, stopAfter, unb64, waitFor} from './common.mjs'

const base = (p) => ({clientId: p.clientId ?? 'interop-platformatic', bootstrapBrokers: [p.bootstrap], timeout: 30_000})

// The client's default protocol is named "roundrobin" with its own assignment; a group shared with other clients
// uses Kafka's "range", which every family here lists.
const rangeProtocol = {
  protocols: [{name: 'range', version: 0}],
  partitionAssigner: (_current, members, topics, metadata) => {
    const subscriptions = new Map([...members].map(([id, m]) => [id, m.topics ?? []]))
    const counts = new Map([...topics].map((t) => [t, metadata.topics.get(t).partitionsCount]))
    return [...rangeAssign(subscriptions, counts)].map(([memberId, byTopic]) => ({
      memberId,
      assignments: new Map([...byTopic].map(([topic, partitions]) => [topic, {topic, partitions}])),
    }))
  },
}

const isolation = (p) =>
  (p.isolation ?? 'read_uncommitted') === 'read_committed'
    ? FetchIsolationLevels.READ_COMMITTED
    : FetchIsolationLevels.READ_UNCOMMITTED

const headersIn = (record) => new Map((record.headers ?? []).map(([name, value]) => [Buffer.from(name), unb64(value)]))

const recordOut = (m) => ({
  topic: m.topic,
  partition: m.partition,
  offset: Number(m.offset),
  timestamp: Number(m.timestamp),
  key: b64(m.key),
  value: b64(m.value),
  headers: [...(m.headers ?? new Map())].map(([name, value]) => [Buffer.from(name).toString(), b64(value)]),
})

const messageIn = (topic, r) => ({
  topic,
  key: unb64(r.key) ?? undefined,
  value: unb64(r.value) ?? undefined,
  headers: headersIn(r),
  ...(r.partition !== undefined ? {partition: r.partition} : {}),
  ...(r.timestamp !== undefined && r.timestamp !== null ? {timestamp: BigInt(r.timestamp)} : {}),
})

async function withAdmin(p, use) {
  const admin = new Admin(base(p))
  try {
    return await use(admin)
  } finally {
    await admin.close()
  }
}

const metadata = (p) =>
  withAdmin(p, async (admin) => {
    const names = await admin.listTopics()
    const md = await admin.metadata({topics: names})
    return {
      brokers: [...md.brokers].map(([id, b]) => ({id, host: b.host, port: b.port})),
      topics: [...md.topics]
        .map(([name, t]) => ({name, partitions: t.partitionsCount}))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
    }
  })

const createTopic = (p) =>
  withAdmin(p, async (admin) => {
    await admin.createTopics({topics: [p.topic], partitions: p.partitions, replicas: 1})
    return {created: p.topic}
  })

/** Per-record offsets from the per-partition base offsets the client returns. */
function offsetsOf(records, results) {
  const next = new Map((results ?? []).map((o) => [o.partition, Number(o.offset)]))
  const only = results?.length === 1 ? results[0].partition : undefined
  return records.map((r) => {
    const partition = r.partition ?? only
    const offset = next.get(partition)
    next.set(partition, offset + 1)
    return {partition, offset}
  })
}

async function produce(p) {
  const producer = new Producer({...base(p), idempotent: Boolean(p.idempotent), acks: -1})
  try {
    const result = await producer.send({messages: p.records.map((r) => messageIn(p.topic, r))})
    return {offsets: offsetsOf(p.records, result.offsets)}
  } finally {
    await producer.close()
  }
}

async function partitionsOf(p) {
  if (p.partitions) return p.partitions
  return withAdmin(p, async (admin) => {
    const md = await admin.metadata({topics: [p.topic]})
    return Array.from({length: md.topics.get(p.topic).partitionsCount}, (_, i) => i)
  })
}

function groupConsumer(p, groupId) {
  return new Consumer({...base(p), groupId, sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000})
}

/** Reads from the beginning in a group of its own (the client's streams always belong to a group). */
async function consume(p) {
  const until = deadline(p)
  const wanted = new Set(await partitionsOf(p))
  const consumer = groupConsumer(p, `interop-${randomUUID()}`)
  const records = []
  let done = false
  try {
    const stream = await consumer.consume({
      topics: [p.topic],
      mode: 'earliest',
      autocommit: false,
      isolationLevel: isolation(p),
      maxWaitTime: 200,
    })
    stream.on('data', (m) => {
      if (done || !wanted.has(m.partition)) return
      records.push(recordOut(m))
      if (stopAfter(records, p, records.at(-1))) done = true
    })
    await waitFor('records', () => (done || until.passed() ? true : undefined), until.left() + 1000)
    await stream.close()
    return {records}
  } finally {
    await consumer.close(true)
  }
}

async function groupMember(p) {
  const leave = leaveRequested()
  const consumer = groupConsumer(p, p.group)
  consumer.on('consumer:group:join', ({assignments}) => {
    const mine = (assignments ?? []).filter((a) => a.topic === p.topic).flatMap((a) => a.partitions)
    emit({event: 'assigned', partitions: mine.sort((a, b) => a - b)})
  })
  let consumed = 0
  const stream = await consumer.consume({
    topics: [p.topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
    maxWaitTime: 200,
    ...rangeProtocol,
  })
  stream.on('data', async (m) => {
    emit({...recordOut(m), event: 'record'})
    consumed++
    await m.commit()
  })
  await leave
  await stream.close()
  await consumer.close(true) // sends LeaveGroup
  return {left: true, consumed}
}

async function commit(p) {
  const until = deadline(p, 30_000)
  const consumer = groupConsumer(p, p.group)
  let next = -1
  try {
    const stream = await consumer.consume({topics: [p.topic], mode: 'earliest', autocommit: false, maxWaitTime: 200})
    stream.on('data', (m) => {
      next = Math.max(next, Number(m.offset) + 1)
    })
    await waitFor(`offset ${p.offset}`, () => (next >= p.offset ? true : undefined), until.left())
    await consumer.commit({offsets: [{topic: p.topic, partition: 0, offset: BigInt(p.offset), leaderEpoch: 0}]})
    await stream.close()
    return {committed: p.offset}
  } finally {
    await consumer.close(true)
  }
}

async function resume(p) {
  const until = deadline(p, 30_000)
  const consumer = groupConsumer(p, p.group)
  try {
    const committedMap = await consumer.listCommittedOffsets({topics: [{topic: p.topic, partitions: [0]}]})
    const committed = Number(committedMap.get(p.topic)[0])
    let first
    const stream = await consumer.consume({
      topics: [p.topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 200,
    })
    stream.on('data', (m) => {
      first ??= Number(m.offset)
    })
    await waitFor('a record', () => first, until.left())
    await stream.close()
    return {committed: committed >= 0 ? committed : null, firstOffset: first}
  } finally {
    await consumer.close(true)
  }
}

const transactionalProducer = (p) =>
  new Producer({...base(p), transactionalId: p.transactionalId, idempotent: true, acks: -1})

async function transactions(p) {
  const producer = transactionalProducer(p)
  const outcomes = []
  try {
    for (const t of p.transactions) {
      const txn = await producer.beginTransaction()
      await txn.send({messages: t.records.map((r) => messageIn(p.topic, r))})
      if (t.commit) {
        await txn.commit()
        outcomes.push('committed')
      } else {
        await txn.abort()
        outcomes.push('aborted')
      }
    }
    return {transactions: outcomes}
  } finally {
    await producer.close()
  }
}

async function consumeTransformProduce(p) {
  const until = deadline(p, 30_000)
  const consumer = groupConsumer(p, p.group)
  const producer = transactionalProducer(p)
  const batch = []
  try {
    const stream = await consumer.consume({
      topics: [p.input],
      mode: 'earliest',
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 200,
    })
    stream.on('data', (m) => {
      if (batch.length < p.count) batch.push(m)
    })
    await waitFor(`${p.count} records`, () => (batch.length >= p.count ? true : undefined), until.left())
    stream.pause()
    const txn = await producer.beginTransaction()
    await txn.send({
      messages: batch.map((m) => ({
        topic: p.output,
        key: m.key,
        value: Buffer.concat([Buffer.from(p.prefix), m.value]),
        headers: m.headers,
      })),
    })
    await txn.addConsumer(consumer)
    for (const m of batch) await txn.addOffset(m)
    await txn.commit()
    await stream.close()
    return {transformed: batch.length}
  } finally {
    await Promise.all([consumer.close(true), producer.close()])
  }
}

async function listOffsets(admin, topic, partitions, timestamp) {
  const [listed] = await admin.listOffsets({
    topics: [{name: topic, partitions: partitions.map((partitionIndex) => ({partitionIndex, timestamp}))}],
  })
  return new Map(listed.partitions.map((x) => [x.partitionIndex, Number(x.offset)]))
}

const offsetsForTimes = (p) =>
  withAdmin(p, async (admin) => {
    const partition = p.partition ?? 0
    const offsets = []
    for (const ts of p.timestamps) {
      const offset = (await listOffsets(admin, p.topic, [partition], BigInt(ts))).get(partition)
      offsets.push(offset >= 0 ? offset : null)
    }
    return {offsets}
  })

const deleteRecords = (p) =>
  withAdmin(p, async (admin) => {
    const partition = p.partition ?? 0
    const [deleted] = await admin.deleteRecords({
      topics: [{name: p.topic, partitions: [{partition, offset: BigInt(p.before)}]}],
    })
    return {lowWatermark: Number(deleted.partitions.find((x) => x.partition === partition).lowWatermark)}
  })

const configs = (p) =>
  withAdmin(p, async (admin) => {
    if (p.set) {
      const configs = Object.entries(p.set).map(([name, value]) => ({
        name,
        value,
        configOperation: IncrementalAlterConfigOperationTypes.SET,
      }))
      await admin.incrementalAlterConfigs({
        resources: [{resourceType: ConfigResourceTypes.TOPIC, resourceName: p.topic, configs}],
      })
    }
    const described = await admin.describeConfigs({
      resources: [
        {resourceType: ConfigResourceTypes.TOPIC, resourceName: p.topic, configurationKeys: p.topicConfigs},
        {resourceType: ConfigResourceTypes.BROKER, resourceName: p.broker ?? '1', configurationKeys: p.brokerConfigs},
      ],
    })
    const values = (type) =>
      Object.fromEntries(described.find((r) => r.resourceType === type).configs.map((c) => [c.name, c.value]))
    return {topic: values(ConfigResourceTypes.TOPIC), broker: values(ConfigResourceTypes.BROKER)}
  })

const watermarks = async (p) => {
  const partitions = await partitionsOf(p)
  return withAdmin(p, async (admin) => {
    const low = await listOffsets(admin, p.topic, partitions, -2n)
    const high = await listOffsets(admin, p.topic, partitions, -1n)
    return {
      partitions: partitions.map((partition) => ({partition, low: low.get(partition), high: high.get(partition)})),
    }
  })
}

await main({
  metadata,
  'create-topic': createTopic,
  produce,
  consume,
  'group-member': groupMember,
  commit,
  resume,
  transactions,
  'consume-transform-produce': consumeTransformProduce,
  'offsets-for-times': offsetsForTimes,
  'delete-records': deleteRecords,
  configs,
  watermarks,
})
