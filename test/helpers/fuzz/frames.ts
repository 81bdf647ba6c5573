// Frames for the fuzzer: random bytes, frames with mutated prefixes, requests with mutated JSON, and produce requests
// whose batches are mutated (batches.ts). Every frame comes from a seeded generator, so a seed and a frame index
// name one frame for good.
import {DEFAULT_MAX_FRAME_BYTES, encodeFrame, FRAME_PREFIX, KIND_REQUEST} from '../../../src/protocol/socket/frame.js'
import {OFFSET} from '../../../src/protocol/kafka/record-batch.js'
import {requestSchemas, type Method} from '../../../src/protocol/socket/messages.js'
import {makeBatch, batchKey, type FuzzBatch, type FuzzProducers} from './batches.js'
import type {Rng} from './prng.js'

/** A partitioned topic the fuzzer writes to and reads from. */
export interface FuzzTopic {
  name: string
  partitions: number
}

/** What the generators know of the daemon they fuzz (set up before the run). */
export interface FuzzContext {
  /** Topics produce, fetch and the other data requests name. Never deleted, altered or repartitioned. */
  dataTopics: FuzzTopic[]
  /** Topics the admin requests (create, delete, alter, create partitions) may name, with random names. */
  adminTopics: string[]
  groups: string[]
  producers: FuzzProducers
}

/** One batch of a produce frame, and what the daemon must do with it. */
export interface SentBatch {
  topic: string
  partition: number
  /** batchKey of the bytes sent. */
  key: string
  mustRefuse: boolean
  mutation: string
  /** Producer id, epoch and first sequence as sent: an idempotent retry is answered with the first write's offset. */
  producerId: bigint
  producerEpoch: number
  baseSequence: number
}

/** One fuzzed frame as written to the socket. */
export interface FuzzFrame {
  /** Index over the whole run: with the seed, it names this frame. */
  index: number
  /** What was generated and how it was mutated. */
  what: string
  bytes: Buffer
  /** A correlation id unique on its connection, so the reply can be matched; 0 when the frame's id is fuzzed. */
  correlationId: number
  /** The daemon cannot find the next frame after this one (a broken prefix): it goes last on its connection. */
  breaksStream: boolean
  produce?: {acks: number; mustFail: boolean; batches: SentBatch[]}
}

/** Methods the fuzzer calls with JSON alone (produce frames are made apart). Not shutdown: it may stop the daemon. */
type JsonMethod = Exclude<Method, 'produce' | 'shutdown'>
const METHODS = (Object.keys(requestSchemas) as Method[]).filter(
  (m): m is JsonMethod => m !== 'shutdown' && m !== 'produce',
)

// Placeholders for JSON that JSON.stringify cannot write (1e400, deep nesting, raw text): swapped in afterwards.
const RAW = '\u0000RAW:'
const raw = (text: string) => `${RAW}${text}`
const RAW_PATTERN = /"\\u0000RAW:((?:[^"\\]|\\.)*)"/g
const stringify = (value: unknown) =>
  JSON.stringify(value).replace(RAW_PATTERN, (_, text: string) => JSON.parse(`"${text}"`) as string)

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
]
const CONFIG_NAMES = [
  'retention.ms',
  'retention.bytes',
  'cleanup.policy',
  'compression.type',
  'max.message.bytes',
  'message.timestamp.type',
  'segment.bytes',
  'min.insync.replicas',
  'message.timestamp.before.max.ms',
  'bogus.name',
  ...PROTOTYPE_NAMES,
]

function topicName(rng: Rng, ctx: FuzzContext, admin = false): string {
  const r = rng.next()
  if (admin) return r < 0.7 ? rng.pick(ctx.adminTopics) : randomName(rng)
  if (r < 0.8) return rng.pick(ctx.dataTopics).name
  if (r < 0.9) return rng.pick(ctx.adminTopics)
  return randomName(rng)
}

function randomName(rng: Rng): string {
  return rng.pick([
    () => `fz-r-${rng.int(0, 9999)}`,
    () => rng.text(rng.int(0, 20)),
    () => rng.pick(PROTOTYPE_NAMES),
    () => '.'.repeat(rng.int(1, 2)),
    () => 'x'.repeat(rng.int(249, 260)),
    () => '',
  ])()
}

function dataPartition(rng: Rng, ctx: FuzzContext): {topic: string; partition: number} {
  const t = rng.pick(ctx.dataTopics)
  return {topic: t.name, partition: rng.chance(0.95) ? rng.int(0, t.partitions - 1) : rng.int(t.partitions, 100)}
}

function configs(rng: Rng): Record<string, string> {
  const out: Record<string, string> = {}
  for (let n = rng.int(0, 3); n > 0; n--) {
    const name = rng.chance(0.8) ? rng.pick(CONFIG_NAMES) : rng.text(rng.int(0, 20))
    const value = rng.pick(['1', '-1', '0', 'delete', 'compact', 'gzip', 'zstd', 'LogAppendTime', '1e400', rng.text(8)])
    // An own '__proto__' key, as JSON.parse makes it, not a prototype change.
    Object.defineProperty(out, name, {value, enumerable: true, configurable: true, writable: true})
  }
  return out
}

/** Valid (or nearly valid) parameters for each method, naming the fuzzer's topics, groups and producers. */
function params(method: JsonMethod, rng: Rng, ctx: FuzzContext): unknown {
  const group = () => (rng.chance(0.9) ? rng.pick(ctx.groups) : rng.text(rng.int(0, 12)))
  const partitions = (n = rng.int(1, 4)) => Array.from({length: n}, () => dataPartition(rng, ctx))
  const txn = ctx.producers.transactional
  switch (method) {
    case 'hello':
      return {protocol: rng.int(0, 3), version: rng.pick(['0.1.0', '', '99.0.0']), clientId: rng.text(8)}
    case 'metadata':
      return {
        topics: rng.chance(0.3) ? null : Array.from({length: rng.int(0, 3)}, () => topicName(rng, ctx)),
        allowAutoTopicCreation: rng.chance(0.3),
      }
    case 'createTopics':
      return {
        topics: Array.from({length: rng.int(1, 3)}, () => ({
          name: topicName(rng, ctx, true),
          numPartitions: rng.pick([-1, 1, 2, 3, 0, -2]),
          replicationFactor: rng.pick([-1, 1, 2]),
          configs: configs(rng),
        })),
        validateOnly: rng.chance(0.3),
      }
    case 'deleteTopics':
      return {names: Array.from({length: rng.int(1, 2)}, () => topicName(rng, ctx, true))}
    case 'createPartitions':
      return {
        topics: [{name: topicName(rng, ctx, true), count: rng.int(0, 6)}],
        validateOnly: rng.chance(0.3),
      }
    case 'describeConfigs':
      return {topics: [topicName(rng, ctx)], includeDefaults: rng.chance(0.5)}
    case 'alterConfigs':
      return {
        topics: [
          {name: topicName(rng, ctx, true), set: configs(rng), delete: rng.chance(0.3) ? [rng.pick(CONFIG_NAMES)] : []},
        ],
        validateOnly: rng.chance(0.3),
      }
    case 'listOffsets':
      return {
        isolationLevel: rng.int(0, 1),
        partitions: partitions().map((p) => ({...p, timestamp: rng.pick([-1, -2, -3, 0, Date.now()])})),
      }
    case 'fetch':
      return {
        maxWaitMs: rng.chance(0.9) ? rng.int(0, 50) : rng.int(0, 2000),
        minBytes: rng.pick([0, 1, 1000]),
        maxBytes: rng.pick([1, 1000, 1 << 20]),
        isolationLevel: rng.int(0, 1),
        partitions: partitions().map((p) => ({...p, offset: rng.int(0, 200), maxBytes: rng.pick([1, 5000, 1 << 20])})),
      }
    case 'joinGroup':
      return {
        groupId: group(),
        sessionTimeoutMs: rng.pick([6000, 10000, 1, 10 ** 9]),
        rebalanceTimeoutMs: rng.pick([100, 1000, 60000]),
        memberId: rng.chance(0.7) ? '' : rng.text(10),
        groupInstanceId: rng.chance(0.8) ? null : rng.text(5),
        protocolType: rng.pick(['consumer', '', 'connect']),
        protocols: [{name: rng.pick(['range', 'roundrobin', 'x']), metadata: rng.text(rng.int(0, 40))}],
        clientId: rng.text(5),
      }
    case 'syncGroup':
      return {
        groupId: group(),
        generationId: rng.int(-1, 3),
        memberId: rng.text(10),
        assignments: [{memberId: rng.text(10), assignment: rng.text(20)}],
      }
    case 'heartbeat':
      return {groupId: group(), generationId: rng.int(-1, 3), memberId: rng.text(10), waitMs: rng.int(0, 50)}
    case 'leaveGroup':
      return {groupId: group(), members: [{memberId: rng.text(10), reason: rng.text(5)}]}
    case 'offsetCommit':
      return {
        groupId: group(),
        offsets: partitions().map((p) => ({...p, offset: rng.int(0, 1000), metadata: rng.text(5)})),
      }
    case 'offsetFetch':
      return {groupId: group(), partitions: rng.chance(0.3) ? null : partitions(), requireStable: rng.chance(0.5)}
    case 'listGroups':
      return {states: rng.chance(0.5) ? [] : [rng.pick(['Empty', 'Stable', 'bogus'])]}
    case 'describeGroups':
    case 'deleteGroups':
      return {groupIds: [group()]}
    case 'offsetDelete':
      return {groupId: group(), partitions: partitions()}
    case 'initProducerId':
      return {
        transactionalId: rng.pick([null, `fz-txn-${rng.int(0, 3)}`, rng.text(6)]),
        transactionTimeoutMs: rng.pick([1, 1000, 60_000]),
      }
    case 'txnOffsetCommit':
      return {
        transactionalId: rng.chance(0.7) ? txn.transactionalId : rng.text(6),
        producerId: txn.producerId,
        producerEpoch: txn.producerEpoch,
        groupId: group(),
        offsets: partitions().map((p) => ({...p, offset: rng.int(0, 100)})),
      }
    case 'endTxn':
      return {
        transactionalId: rng.chance(0.7) ? txn.transactionalId : rng.text(6),
        producerId: rng.chance(0.8) ? txn.producerId : rng.int(-1, 100),
        producerEpoch: rng.chance(0.8) ? txn.producerEpoch : rng.int(-1, 5),
        committed: rng.chance(0.5),
        retry: rng.chance(0.2),
        ...(rng.chance(0.3) ? {expected: partitions().map((p) => ({...p, lastSequence: rng.int(-1, 20)}))} : {}),
      }
    case 'listTransactions':
      return {stateFilters: rng.chance(0.5) ? [] : ['Ongoing'], producerIdFilters: [], durationFilterMs: -1}
    case 'describeTransactions':
      return {transactionalIds: [rng.chance(0.5) ? txn.transactionalId : rng.text(6)]}
    case 'describeProducers':
      return {partitions: partitions()}
    case 'writeTxnMarkers':
      return {
        markers: [
          {
            producerId: rng.chance(0.5) ? txn.producerId : rng.int(0, 1000),
            producerEpoch: rng.chance(0.5) ? txn.producerEpoch : rng.int(0, 5),
            committed: rng.chance(0.5),
            partitions: partitions(rng.int(1, 2)),
          },
        ],
      }
    case 'lagSnapshot':
      return {
        groups: rng.chance(0.5) ? null : [group()],
        partitions: rng.pick(['all', 'none', {groupId: group()}, {topic: topicName(rng, ctx)}]),
      }
    case 'schemaRegistry': {
      const subject = rng.pick(['fz-value', 'fz-key', rng.text(rng.int(0, 8)), '%2F..', 'a%zz'])
      const schema = rng.pick([
        '"string"',
        '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}',
        `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"long","default":${rng.int(0, 9)}}]}`,
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        '['.repeat(rng.int(1, 5000)),
        rng.text(rng.int(0, 40)),
      ])
      const body = rng.pick([
        () => JSON.stringify({schema, schemaType: rng.pick(['AVRO', 'JSON', 'PROTOBUF', 'X'])}),
        () => JSON.stringify({schema, references: [{name: rng.text(3), subject: 'fz-value', version: rng.int(-1, 3)}]}),
        () =>
          JSON.stringify({compatibility: rng.pick(['NONE', 'FULL', 'bogus']), mode: rng.pick(['READWRITE', 'IMPORT'])}),
        () => '{"schema": ' + '['.repeat(rng.int(1, 100_000)),
        () => rng.text(rng.int(0, 50)),
        () => '',
      ])()
      return {
        method: rng.pick(['GET', 'POST', 'PUT', 'DELETE']),
        path: rng.pick([
          `/subjects/${subject}/versions`,
          `/subjects/${subject}/versions/${rng.pick(['1', 'latest', '0', '-1', 'x', '99999999999'])}`,
          `/subjects/${subject}`,
          `/subjects/${subject}?permanent=${rng.chance(0.5)}`,
          `/schemas/ids/${rng.int(-1, 5)}`,
          `/compatibility/subjects/${subject}/versions/latest?verbose=true`,
          `/config/${subject}`,
          '/config',
          '/mode',
          `/${rng.text(rng.int(0, 20))}`,
        ]),
        body,
      }
    }
    case 'describeClientQuotas':
      return {
        components: Array.from({length: rng.int(0, 3)}, () => ({
          entityType: rng.pick(['user', 'client-id', 'ip', '', rng.text(4)]),
          matchType: rng.int(-1, 3),
          match: rng.chance(0.5) ? null : rng.text(6),
        })),
        strict: rng.chance(0.5),
      }
    case 'alterClientQuotas':
      // For a user no fuzzing client is (they are all ANONYMOUS), with values no meter reaches or the broker
      // refuses: one mutation cannot make a quota that throttles the fuzzer's own connections.
      return {
        entries: [
          {
            entity: [
              {entityType: 'user', entityName: 'fuzz-quota-user'},
              ...(rng.chance(0.5) ? [{entityType: 'client-id', entityName: rng.chance(0.5) ? null : rng.text(6)}] : []),
            ],
            ops: [
              {
                key: rng.pick([
                  'producer_byte_rate',
                  'consumer_byte_rate',
                  'request_percentage',
                  'controller_mutation_rate',
                  'x',
                ]),
                value: rng.pick([1e12, 0, -1, 'NaN', 'Infinity', 1e30, 2.5e12 + 0.5]),
                remove: rng.chance(0.3),
              },
            ],
          },
        ],
        validateOnly: rng.chance(0.5),
      }
    case 'status':
      return {}
  }
}

/** A value of another type, or at the edge of its type. */
function strangeValue(rng: Rng): unknown {
  return rng.pick<() => unknown>([
    () => null,
    () => rng.pick([true, false]),
    () => rng.pick([0, -1, 1.5, -0.5]),
    () => rng.pick(['', rng.text(10), '1', 'null']),
    () => [],
    () => ({}),
    () => [rng.text(3), 1, null],
    // Numbers JSON can carry but a double cannot hold, or that are past every bound.
    () => raw(rng.pick(['1e400', '-1e400', '9223372036854775807', '9007199254740993', '1e308', '2147483648'])),
    () => rng.pick([2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, 2 ** 31 - 1]),
    () => raw(deep(rng)),
    () => 'x'.repeat(rng.chance(0.9) ? rng.int(1000, 10_000) : rng.int(100_000, 1_000_000)),
    () => raw(`[${'0,'.repeat(rng.pick([1000, 100_001]))}0]`),
    () => protoObject(rng),
  ])()
}

/** Deeply nested arrays or objects, as JSON text. */
function deep(rng: Rng): string {
  const depth = rng.chance(0.8) ? rng.int(10, 2000) : rng.int(10_000, 200_000)
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** An object with an own '__proto__' (or another prototype name) key. */
function protoObject(rng: Rng, base: object = {}): object {
  const out = {...base}
  const value = rng.pick<unknown>([{}, {polluted: true}, null, 1, [], {m: 'shutdown'}])
  Object.defineProperty(out, rng.pick(PROTOTYPE_NAMES), {value, enumerable: true, configurable: true, writable: true})
  return out
}

/** Applies one mutation somewhere in a parameters tree. */
function mutateTree(rng: Rng, value: unknown): {value: unknown; how: string} {
  // Walk to a random node, then change it or one of its keys.
  const isContainer = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
  const root = {v: structuredClone(value) as unknown}
  let parent: Record<string, unknown> = root
  let key = 'v'
  for (let depth = 0; depth < 6 && isContainer(parent[key]) && rng.chance(0.7); depth++) {
    const node = parent[key] as Record<string, unknown>
    const keys = Object.keys(node)
    if (keys.length === 0) break
    parent = node
    key = rng.pick(keys)
  }
  const how = rng.weighted({delete: 3, strange: 6, proto: 2, extra: 1})
  if (how === 'delete' && parent !== root) {
    delete parent[key]
    return {value: root.v, how: `delete ${key}`}
  }
  if (how === 'proto' && isContainer(parent[key]) && !Array.isArray(parent[key])) {
    parent[key] = protoObject(rng, parent[key] as object)
    return {value: root.v, how: `__proto__ key in ${key}`}
  }
  if (how === 'extra' && isContainer(parent[key]) && !Array.isArray(parent[key])) {
    ;(parent[key] as Record<string, unknown>)[rng.text(5)] = strangeValue(rng)
    return {value: root.v, how: `unknown key in ${key}`}
  }
  parent[key] = strangeValue(rng)
  return {value: root.v, how: `strange ${key}`}
}

/** Text that is not one JSON request object. */
function badHeaderText(rng: Rng, valid: string): {text: string | Buffer; how: string} {
  return rng.pick<() => {text: string | Buffer; how: string}>([
    () => ({text: valid.slice(0, rng.int(0, valid.length - 1)), how: 'truncated JSON'}),
    () => ({text: rng.bytes(rng.int(0, 200)), how: 'random bytes'}),
    () => ({text: Buffer.concat([Buffer.from(valid), Buffer.from([0xff, 0xfe, 0xc0])]), how: 'invalid UTF-8'}),
    () => ({text: `\ufeff${valid}`, how: 'byte order mark'}),
    () => ({text: `${valid} ${valid}`, how: 'two objects'}),
    () => ({text: valid.replace(/}$/, ',}'), how: 'trailing comma'}),
    () => ({text: rng.pick(['null', '1', '"produce"', '[]', 'true', '{}', 'NaN', '']), how: 'not an object'}),
    () => ({text: `{"m":"metadata","m":${JSON.stringify(rng.pick(METHODS))},"p":{"topics":null}}`, how: 'duplicate m'}),
    () => ({text: deep(rng), how: 'deep nesting'}),
  ])()
}

/** A method name the daemon does not know, or one that is not a string. */
function badMethod(rng: Rng): unknown {
  return rng.pick<() => unknown>([
    () => rng.pick(PROTOTYPE_NAMES),
    () => rng.text(rng.int(0, 20)),
    () => rng.pick(['Produce', 'produce ', 'FETCH', 'shutdown\u0000', '']),
    () => rng.pick([1, null, true, [], {}, ['produce']]),
    () => raw(deep(rng)),
    () => 'm'.repeat(rng.int(1000, 100_000)),
  ])()
}

const request = (id: number, header: string | Buffer, payload?: Buffer) => {
  if (typeof header === 'string') return Buffer.concat(encodeFrame(id, KIND_REQUEST, header, payload))
  // A header that is not valid UTF-8 cannot go through encodeFrame's string.
  const prefix = Buffer.alloc(FRAME_PREFIX)
  prefix.writeUInt32BE(FRAME_PREFIX - 4 + header.length + (payload?.length ?? 0), 0)
  prefix.writeUInt32BE(id >>> 0, 4)
  prefix.writeUInt8(KIND_REQUEST, 8)
  prefix.writeUInt32BE(header.length, 9)
  return Buffer.concat([prefix, header, payload ?? Buffer.alloc(0)])
}

/** A produce request of one to seven batches, maybe with a mutated request around valid or mutated batches. */
function produceFrame(rng: Rng, ctx: FuzzContext, id: number, index: number, previous: FuzzBatch[]): FuzzFrame {
  const acks = rng.pick([-1, -1, -1, 1, 1, 0])
  const batches: SentBatch[] = []
  const specs: {topic: string; partition: number; size: number | unknown}[] = []
  const parts: Buffer[] = []
  for (let n = 1 + (rng.chance(0.8) ? rng.int(0, 2) : rng.int(0, 6)); n > 0; n--) {
    let target = dataPartition(rng, ctx)
    let targetMust = target.partition >= ctx.dataTopics.find((t) => t.name === target.topic)!.partitions
    if (rng.chance(0.02)) {
      target = {topic: `fz-none-${rng.int(0, 999)}`, partition: 0}
      targetMust = true
    }
    // Now and then a resend of an earlier batch of this connection: a retry, as far as the daemon can tell.
    let batch: FuzzBatch
    if (previous.length > 0 && rng.chance(0.03)) {
      const original = rng.pick(previous)
      batch = {...original, mutation: `${original.mutation}+resend`}
    } else {
      batch = makeBatch(rng, ctx.producers)
      previous.push(batch)
    }
    batches.push({
      ...target,
      key: batchKey(batch.bytes),
      producerId: batch.bytes.readBigInt64BE(OFFSET.producerId),
      producerEpoch: batch.bytes.readInt16BE(OFFSET.producerEpoch),
      baseSequence: batch.bytes.readInt32BE(OFFSET.baseSequence),
      mustRefuse: batch.mustRefuse || targetMust,
      mutation: targetMust ? `${batch.mutation}+unknown-partition` : batch.mutation,
    })
    specs.push({...target, size: batch.bytes.length})
    parts.push(batch.bytes)
  }
  let payload = Buffer.concat(parts)
  let mustFail = false
  let how = ''
  // The request around the batches: sizes that do not add up, sizes of the wrong type, extra keys.
  const requestMutation = rng.weighted({none: 85, sum: 4, shift: 3, type: 2, extra: 2, trailing: 2, empty: 1, acks: 1})
  const p: Record<string, unknown> = {acks, timeoutMs: rng.pick([0, 1000, 30_000]), batches: specs}
  switch (requestMutation) {
    case 'sum': {
      const s = rng.pick(specs)
      s.size = Math.max(1, (s.size as number) + rng.pick([-1, 1, 1000, -(s.size as number) + 1]))
      mustFail = specs.reduce((t, x) => t + (x.size as number), 0) !== payload.length
      how = 'sizes do not add up'
      break
    }
    case 'shift': {
      if (specs.length < 2) break
      const i = rng.int(0, specs.length - 2)
      const k = rng.int(1, 40)
      if ((specs[i + 1]!.size as number) - k < 1) break
      specs[i]!.size = (specs[i]!.size as number) + k
      specs[i + 1]!.size = (specs[i + 1]!.size as number) - k
      batches[i]!.mustRefuse = batches[i + 1]!.mustRefuse = true
      batches[i]!.mutation += '+size-shifted'
      batches[i + 1]!.mutation += '+size-shifted'
      how = 'sizes shifted'
      break
    }
    case 'type':
      rng.pick(specs).size = rng.pick<unknown>(['12', null, 1.5, -1, 0, raw('1e400')])
      mustFail = true
      how = 'size of another type'
      break
    case 'extra':
      Object.assign(p, protoObject(rng))
      how = '__proto__ key'
      break
    case 'trailing':
      payload = Buffer.concat([payload, rng.bytes(rng.int(1, 100))])
      mustFail = true
      how = 'payload longer than the batches'
      break
    case 'empty':
      p.batches = []
      mustFail = true
      how = 'no batches'
      break
    case 'acks':
      p.acks = rng.pick([2, -2, 'all', null])
      mustFail = true
      how = 'bad acks'
      break
  }
  if (mustFail) for (const b of batches) b.mustRefuse = true
  const mutations = batches.map((b) => b.mutation).join(', ')
  return {
    index,
    what: `produce acks=${acks} [${mutations}]${how ? ` (${how})` : ''}`,
    bytes: request(id, stringify({m: 'produce', p}), payload),
    correlationId: id,
    breaksStream: false,
    produce: {acks, mustFail, batches},
  }
}

/** A frame that the daemon can still split from the stream after it: it answers (or ignores) it and reads on. */
function inStreamFrame(rng: Rng, ctx: FuzzContext, id: number, index: number, previous: FuzzBatch[]): FuzzFrame {
  const kind = rng.weighted({produce: 45, valid: 15, params: 15, header: 8, method: 5, frameKind: 3, body: 5})
  const frame = (what: string, bytes: Buffer): FuzzFrame => ({
    index,
    what,
    bytes,
    correlationId: id,
    breaksStream: false,
  })
  const method = rng.pick(METHODS)
  switch (kind) {
    case 'produce':
      return produceFrame(rng, ctx, id, index, previous)
    case 'valid':
      return frame(`${method}`, request(id, stringify({m: method, p: params(method, rng, ctx)})))
    case 'params': {
      const mutated = mutateTree(rng, params(method, rng, ctx))
      return frame(`${method} (${mutated.how})`, request(id, stringify({m: method, p: mutated.value})))
    }
    case 'header': {
      const {text, how} = badHeaderText(rng, stringify({m: method, p: params(method, rng, ctx)}))
      return frame(`header: ${how}`, request(id, text))
    }
    case 'method': {
      const m = badMethod(rng)
      const p = rng.pick<unknown>([{}, null, [], 1, protoObject(rng)])
      return frame(`unknown method`, request(id, stringify(rng.chance(0.8) ? {m, p} : protoObject(rng, {m, p}))))
    }
    case 'frameKind': {
      const bytes = request(id, stringify({m: 'status', p: {}}))
      bytes[8] = rng.int(1, 255)
      if (rng.chance(0.3)) bytes.writeUInt32BE(rng.pick([0, 0xffffffff]), 4)
      return {...frame(`frame kind ${bytes[8]}`, bytes), correlationId: 0}
    }
    case 'body': {
      // A well-formed prefix around random bytes, with a header length that fits in the frame.
      const body = rng.bytes(rng.size(200, 5000))
      const bytes = Buffer.alloc(FRAME_PREFIX + body.length)
      bytes.writeUInt32BE(FRAME_PREFIX - 4 + body.length, 0)
      bytes.writeUInt32BE(id, 4)
      bytes.writeUInt32BE(rng.int(0, body.length), 9)
      body.copy(bytes, FRAME_PREFIX)
      return frame('random body', bytes)
    }
  }
}

/** A frame after which the stream cannot be split into frames: the daemon answers with an error and closes. */
function streamBreakingFrame(rng: Rng, id: number, index: number): FuzzFrame {
  const frame = (what: string, bytes: Buffer): FuzzFrame => ({index, what, bytes, correlationId: 0, breaksStream: true})
  const valid = request(id, stringify({m: 'status', p: {}}))
  return rng.pick<() => FuzzFrame>([
    () => frame('random bytes', rng.bytes(rng.int(1, 4096))),
    () => {
      const bytes = Buffer.from(valid)
      bytes.writeUInt32BE(rng.int(0, FRAME_PREFIX - 5), 0)
      return frame('length shorter than a frame header', bytes)
    },
    () => {
      const bytes = Buffer.from(valid)
      bytes.writeUInt32BE(rng.int(DEFAULT_MAX_FRAME_BYTES + 1, 0xffffffff), 0)
      return frame('length past socket.request.max.bytes', bytes)
    },
    () => {
      const bytes = Buffer.from(valid)
      bytes.writeUInt32BE(rng.int(bytes.length - FRAME_PREFIX + 1, 0xffffffff), 9)
      return frame('header length past the frame end', bytes)
    },
    () => {
      // A frame announced whole but sent in part: the daemon holds its place in the request memory pool, not bytes.
      const bytes = Buffer.from(valid)
      bytes.writeUInt32BE(rng.int(bytes.length, DEFAULT_MAX_FRAME_BYTES), 0)
      return frame('length past the bytes sent', bytes)
    },
    () => frame('frame cut short', valid.subarray(0, rng.int(1, valid.length - 1))),
  ])()
}

/** The frames of one connection: `count` frames, the last of which may break the stream. */
export function connectionFrames(rng: Rng, ctx: FuzzContext, firstIndex: number, count: number): FuzzFrame[] {
  const frames: FuzzFrame[] = []
  const previous: FuzzBatch[] = []
  for (let i = 0; i < count; i++) {
    const id = i + 1
    const last = i === count - 1
    frames.push(
      last && rng.chance(0.25)
        ? streamBreakingFrame(rng, id, firstIndex + i)
        : inStreamFrame(rng, ctx, id, firstIndex + i, previous),
    )
  }
  return frames
}
