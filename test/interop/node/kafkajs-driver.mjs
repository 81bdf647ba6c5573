// The interoperability suite's driver for kafkajs.   node kafkajs-driver.mjs <scenario> '<json parameters>'
import {randomUUID} from 'node:crypto'
import kafkajs from 'kafkajs'
import {b64, deadline, emit, leaveRequested, main, rangeAssign, stopAfter, unb64, waitFor} from './common.mjs'

const {Kafka, logLevel, AssignerProtocol, ConfigResourceTypes} = kafkajs

// kafkajs logs to stdout by default; the contract keeps stdout for JSON.
const logCreator = () => (entry) => process.stderr.write(`${JSON.stringify({level: entry.label, ...entry.log})}\n`)

function client(p) {
  return new Kafka({
    clientId: p.clientId ?? 'interop-kafkajs',
    brokers: [p.bootstrap],
    logLevel: logLevel.WARN,
    logCreator,
    retry: {retries: 8},
  })
}

// kafkajs's own assigners are named RoundRobinAssigner etc., a name no other client lists, so a group that mixes
// kafkajs with other clients needs an assigner that speaks Kafka's consumer protocol under Kafka's name "range".
const rangeAssigner = ({cluster}) => ({
  name: 'range',
  version: 0,
  protocol: ({topics}) => ({
    name: 'range',
    metadata: AssignerProtocol.MemberMetadata.encode({version: 0, topics, userData: Buffer.alloc(0)}),
  }),
  async assign({members, topics}) {
    const subscriptions = new Map(
      members.map((m) => [m.memberId, AssignerProtocol.MemberMetadata.decode(m.memberMetadata).topics]),
    )
    const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]))
    const assignment = rangeAssign(subscriptions, counts)
    return members.map(({memberId}) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: Object.fromEntries(assignment.get(memberId)),
        userData: Buffer.alloc(0),
      }),
    }))
  },
})

const headersIn = (record) => {
  const headers = {}
  for (const [name, value] of record.headers ?? []) {
    const v = unb64(value)
    if (name in headers) headers[name] = [headers[name], v].flat()
    else headers[name] = v
  }
  return headers
}

const headersOut = (headers) =>
  Object.entries(headers ?? {}).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((x) => [name, b64(x)]))

const recordOut = (topic, partition, m) => ({
  topic,
  partition,
  offset: Number(m.offset),
  timestamp: Number(m.timestamp),
  key: b64(m.key),
  value: b64(m.value),
  headers: headersOut(m.headers),
})

const messageIn = (r) => ({
  key: unb64(r.key),
  value: unb64(r.value),
  headers: headersIn(r),
  ...(r.partition !== undefined ? {partition: r.partition} : {}),
  ...(r.timestamp !== undefined && r.timestamp !== null ? {timestamp: String(r.timestamp)} : {}),
})

async function withAdmin(p, use) {
  const admin = client(p).admin()
  await admin.connect()
  try {
    return await use(admin)
  } finally {
    await admin.disconnect()
  }
}

const metadata = (p) =>
  withAdmin(p, async (admin) => {
    const cluster = await admin.describeCluster()
    const names = await admin.listTopics()
    const {topics} = await admin.fetchTopicMetadata({topics: names})
    return {
      brokers: cluster.brokers.map((b) => ({id: b.nodeId, host: b.host, port: b.port})),
      topics: topics
        .map((t) => ({name: t.name, partitions: t.partitions.length}))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
    }
  })

const createTopic = (p) =>
  withAdmin(p, async (admin) => {
    const created = await admin.createTopics({
      topics: [{topic: p.topic, numPartitions: p.partitions}],
      waitForLeaders: true,
    })
    if (!created) throw new Error(`topic ${p.topic} already exists`)
    return {created: p.topic}
  })

/** Per-record offsets from kafkajs's per-partition base offsets (records of one partition keep their order). */
function offsetsOf(records, metadataList) {
  const next = new Map(metadataList.map((m) => [m.partition, Number(m.baseOffset)]))
  const only = metadataList.length === 1 ? metadataList[0].partition : undefined
  return records.map((r) => {
    const partition = r.partition ?? only
    const offset = next.get(partition)
    next.set(partition, offset + 1)
    return {partition, offset}
  })
}

async function produce(p) {
  const producer = client(p).producer({
    idempotent: Boolean(p.idempotent),
    maxInFlightRequests: p.idempotent ? 1 : undefined,
    allowAutoTopicCreation: false,
  })
  await producer.connect()
  try {
    const sent = await producer.send({topic: p.topic, acks: -1, messages: p.records.map(messageIn)})
    return {offsets: offsetsOf(p.records, sent)}
  } finally {
    await producer.disconnect()
  }
}

async function partitionsOf(p) {
  if (p.partitions) return p.partitions
  return withAdmin(p, async (admin) => (await admin.fetchTopicOffsets(p.topic)).map((o) => o.partition).sort())
}

/** kafkajs has no assign(): a consumer in a group of its own reads from the beginning. */
async function consume(p) {
  const until = deadline(p)
  const wanted = new Set(await partitionsOf(p))
  const consumer = client(p).consumer({
    groupId: `interop-${randomUUID()}`,
    readUncommitted: (p.isolation ?? 'read_uncommitted') === 'read_uncommitted',
    maxWaitTimeInMs: 200,
  })
  await consumer.connect()
  const records = []
  let done = false
  try {
    await consumer.subscribe({topic: p.topic, fromBeginning: true})
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({topic, partition, message}) => {
        if (done || !wanted.has(partition)) return
        records.push(recordOut(topic, partition, message))
        if (stopAfter(records, p, records.at(-1))) done = true
      },
    })
    await waitFor('records', () => (done || until.passed() ? true : undefined), until.left() + 1000)
    return {records}
  } finally {
    await consumer.disconnect()
  }
}

function groupConsumer(p, extra = {}) {
  return client(p).consumer({
    groupId: p.group,
    partitionAssigners: [rangeAssigner],
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
    ...extra,
  })
}

async function groupMember(p) {
  const leave = leaveRequested()
  const consumer = groupConsumer(p)
  consumer.on(consumer.events.GROUP_JOIN, ({payload}) => {
    emit({event: 'assigned', partitions: [...(payload.memberAssignment[p.topic] ?? [])].sort((a, b) => a - b)})
  })
  await consumer.connect()
  await consumer.subscribe({topic: p.topic, fromBeginning: true})
  let consumed = 0
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({topic, partition, message}) => {
      emit({...recordOut(topic, partition, message), event: 'record'})
      consumed++
    },
  })
  await leave
  await consumer.disconnect() // sends LeaveGroup
  return {left: true, consumed}
}

async function commit(p) {
  const until = deadline(p, 30_000)
  const consumer = groupConsumer(p)
  await consumer.connect()
  let next = -1
  try {
    await consumer.subscribe({topic: p.topic, fromBeginning: true})
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({message}) => {
        next = Math.max(next, Number(message.offset) + 1)
      },
    })
    await waitFor(`offset ${p.offset}`, () => (next >= p.offset ? true : undefined), until.left())
    await consumer.commitOffsets([{topic: p.topic, partition: 0, offset: String(p.offset)}])
    return {committed: p.offset}
  } finally {
    await consumer.disconnect()
  }
}

async function resume(p) {
  const until = deadline(p, 30_000)
  const committed = await withAdmin(p, async (admin) => {
    const [topic] = await admin.fetchOffsets({groupId: p.group, topics: [p.topic]})
    const offset = Number(topic.partitions.find((x) => x.partition === 0).offset)
    return offset >= 0 ? offset : null
  })
  const consumer = groupConsumer(p)
  await consumer.connect()
  let first
  try {
    await consumer.subscribe({topic: p.topic, fromBeginning: true})
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({message}) => {
        first ??= Number(message.offset)
      },
    })
    await waitFor('a record', () => first, until.left())
    return {committed, firstOffset: first}
  } finally {
    await consumer.disconnect()
  }
}

function transactionalProducer(p) {
  return client(p).producer({
    transactionalId: p.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  })
}

async function transactions(p) {
  const producer = transactionalProducer(p)
  await producer.connect()
  const outcomes = []
  try {
    for (const t of p.transactions) {
      const txn = await producer.transaction()
      await txn.send({topic: p.topic, acks: -1, messages: t.records.map(messageIn)})
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
    await producer.disconnect()
  }
}

async function consumeTransformProduce(p) {
  const until = deadline(p, 30_000)
  const consumer = groupConsumer(p, {readUncommitted: false})
  const producer = transactionalProducer(p)
  await Promise.all([consumer.connect(), producer.connect()])
  const batch = []
  try {
    await consumer.subscribe({topic: p.input, fromBeginning: true})
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({topic, partition, message}) => {
        if (batch.length < p.count) batch.push({topic, partition, message})
      },
    })
    await waitFor(`${p.count} records`, () => (batch.length >= p.count ? true : undefined), until.left())
    await consumer.stop()
    const txn = await producer.transaction()
    await txn.send({
      topic: p.output,
      acks: -1,
      messages: batch.map(({message}) => ({
        key: message.key,
        value: Buffer.concat([Buffer.from(p.prefix), message.value]),
        headers: message.headers,
      })),
    })
    const next = new Map()
    for (const {topic, partition, message} of batch)
      next.set(`${topic}\0${partition}`, {topic, partition, offset: Number(message.offset) + 1})
    const byTopic = new Map()
    for (const {topic, partition, offset} of next.values()) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), {partition, offset: String(offset)}])
    }
    await txn.sendOffsets({
      consumerGroupId: p.group,
      topics: [...byTopic].map(([topic, partitions]) => ({topic, partitions})),
    })
    await txn.commit()
    return {transformed: batch.length}
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()])
  }
}

const offsetsForTimes = (p) =>
  withAdmin(p, async (admin) => {
    const partition = p.partition ?? 0
    const offsets = []
    for (const ts of p.timestamps) {
      const found = (await admin.fetchTopicOffsetsByTimestamp(p.topic, ts)).find((o) => o.partition === partition)
      offsets.push(found === undefined || Number(found.offset) < 0 ? null : Number(found.offset))
    }
    return {offsets}
  })

const deleteRecords = (p) =>
  withAdmin(p, async (admin) => {
    const partition = p.partition ?? 0
    // deleteTopicRecords fails with "Topic metadata not loaded" unless the admin client fetched it first.
    await admin.fetchTopicMetadata({topics: [p.topic]})
    await admin.deleteTopicRecords({topic: p.topic, partitions: [{partition, offset: String(p.before)}]})
    // deleteTopicRecords resolves without the new low watermark: ask for it.
    const found = (await admin.fetchTopicOffsets(p.topic)).find((o) => o.partition === partition)
    return {lowWatermark: Number(found.low)}
  })

// kafkajs alters configs only with the legacy AlterConfigs, which replaces the topic's overrides.
const configs = (p) =>
  withAdmin(p, async (admin) => {
    if (p.set) {
      const configEntries = Object.entries(p.set).map(([name, value]) => ({name, value}))
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{type: ConfigResourceTypes.TOPIC, name: p.topic, configEntries}],
      })
    }
    const {resources} = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {type: ConfigResourceTypes.TOPIC, name: p.topic, configNames: p.topicConfigs},
        {type: ConfigResourceTypes.BROKER, name: p.broker ?? '1', configNames: p.brokerConfigs},
      ],
    })
    const values = (r) => Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))
    return {
      topic: values(resources.find((r) => r.resourceType === ConfigResourceTypes.TOPIC)),
      broker: values(resources.find((r) => r.resourceType === ConfigResourceTypes.BROKER)),
    }
  })

const watermarks = (p) =>
  withAdmin(p, async (admin) => ({
    partitions: (await admin.fetchTopicOffsets(p.topic))
      .filter((o) => !p.partitions || p.partitions.includes(o.partition))
      .map((o) => ({partition: o.partition, low: Number(o.low), high: Number(o.high)}))
      .sort((a, b) => a.partition - b.partition),
  }))

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
