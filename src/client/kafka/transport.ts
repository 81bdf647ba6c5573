// The client's transport to any Kafka cluster: the Kafka-shaped requests of the client's roles (the same ones the
// local daemon takes on its socket) sent over Kafka's wire protocol, as Kafka's own clients send them:
// - produce and fetch split by partition leader, each broker's part sent to it, the answers put back in order;
// - group requests to the group coordinator, transaction requests to the transaction coordinator (FindCoordinator),
//   retried after NOT_COORDINATOR and its kin with retry.backoff.ms;
// - a transactional producer's partitions added to its transaction (AddPartitionsToTxn) before its first batch to
//   each, and EndTxn sent only once every batch before it is acknowledged;
// - a partition whose leader moved (NOT_LEADER_OR_FOLLOWER and its kin) makes the next request ask for metadata.
// The roles' retry rules (which errors to retry, for how long) stay theirs: this file only translates and routes.
import {KafkaException, TimeoutException, toKafkaException, type ErrorData} from '../../errors.js'
import {
  APIS,
  EMPTY_BYTES,
  type FetchRequest,
  type ListOffsetsRequest,
  type ProduceRequest,
  type ProduceResponse,
} from '../../protocol/kafka/codec/index.js'
import {ATTRIBUTE, OFFSET} from '../../protocol/kafka/record-batch.js'
import type {
  ConfigEntryData,
  ConfigSource,
  ConfigType,
  GroupState,
  Method,
  Requests,
  Responses,
  TransactionState,
} from '../../protocol/socket/messages.js'
import type {Transport, WithPayload} from '../transport.js'
import {addressText, type BrokerAddress, type BrokerConnection} from './broker-connection.js'
import {COORDINATOR_GROUP, COORDINATOR_TRANSACTION, KafkaCluster} from './cluster.js'
import {errorData, kafkaError} from './errors.js'
import type {SecuritySettings} from './security.js'
import {isScramMechanism, SCRAM_MECHANISMS, scramMechanismByType} from '../../scram.js'

export interface KafkaTransportOptions {
  bootstrap: BrokerAddress[]
  security?: SecuritySettings
  clientId: string
  requestTimeoutMs: number
  retryBackoffMs?: number
  reconnectBackoffMs?: number
  connectTimeoutMs?: number
}

/**
 * The highest versions asked for: topic names on the wire (v13+ of Produce and Fetch take topic ids only), and
 * transactions as KIP-890 part 1 runs them (Produce v12 and EndTxn v5 are part 2's: a broker then adds partitions
 * by itself and bumps the epoch at every EndTxn, which the producer's transaction manager does not follow yet).
 */
const PRODUCE_MAX = 11
const END_TXN_MAX = 4
const INIT_PRODUCER_ID_MAX = 5
const FETCH_MAX = 12
const OFFSET_COMMIT_MAX = 9
const OFFSET_FETCH_MAX = 9
const TXN_OFFSET_COMMIT_MAX = 5
/** AddPartitionsToTxn v4+ is for brokers; clients send v3 and below. */
const ADD_PARTITIONS_MAX = 3

/** Errors of opening a connection that a retry cannot change. */
const FATAL_AT_CONNECT = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'SSL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
])

/** Errors after which a coordinator must be looked up again. */
const COORDINATOR_ERRORS = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS'])
/** Partition errors after which the partition's leader must be looked up again. */
const LEADER_ERRORS = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NETWORK_EXCEPTION',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
])

const CONFIG_SOURCES: Record<number, ConfigSource> = {
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
}
const CONFIG_TYPES: Record<number, ConfigType> = {
  1: 'BOOLEAN',
  2: 'STRING',
  3: 'INT',
  4: 'SHORT',
  5: 'LONG',
  6: 'DOUBLE',
  7: 'LIST',
  8: 'CLASS',
  9: 'PASSWORD',
}
const RESOURCE_TOPIC = 2
const RESOURCE_BROKER = 4

/** The largest record a cluster's topic takes is the broker's to say: the producer's own limit applies first. */
const UNKNOWN_MAX_MESSAGE_BYTES = 0x7fffffff

interface Routed<T> {
  node: number | undefined
  items: {index: number; item: T}[]
}

/** Groups items by the node a function names (undefined: no leader known). */
function byNode<T>(items: readonly T[], nodeOf: (item: T) => number | undefined): Routed<T>[] {
  const groups = new Map<number | undefined, Routed<T>>()
  items.forEach((item, index) => {
    const node = nodeOf(item)
    let g = groups.get(node)
    if (g === undefined) groups.set(node, (g = {node, items: []}))
    g.items.push({index, item})
  })
  return [...groups.values()]
}

/**
 * Splits each broker's batches into requests that carry at most one batch per partition, as Kafka requires (a broker
 * keeps only one of a partition's batches in a request, and drops the others without a word): the first batch of
 * each partition, then the second, in order.
 */
function oneBatchPerPartition<T extends {topic: string; partition: number}>(groups: Routed<T>[]): Routed<T>[] {
  const out: Routed<T>[] = []
  for (const g of groups) {
    const seen = new Map<string, number>()
    const rounds: Routed<T>['items'][] = []
    for (const entry of g.items) {
      const key = `${entry.item.topic}\0${entry.item.partition}`
      const round = seen.get(key) ?? 0
      seen.set(key, round + 1)
      ;(rounds[round] ??= []).push(entry)
    }
    for (const items of rounds) out.push({node: g.node, items})
  }
  return out
}

/** Groups topic-partition items into Kafka's topic -> partitions arrays, keeping the first appearance order. */
/** A response's partition answers (topics[].name, partitions[].partitionIndex) by `topic\0partition`. */
function answersByPartition<P extends {partitionIndex: number}>(
  topics: readonly {name: string; partitions: readonly P[]}[],
): Map<string, P> {
  const out = new Map<string, P>()
  for (const t of topics) for (const p of t.partitions) out.set(`${t.name}\0${p.partitionIndex}`, p)
  return out
}

function byTopic<T extends {topic: string}>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const i of items) {
    let list = out.get(i.topic)
    if (list === undefined) out.set(i.topic, (list = []))
    list.push(i)
  }
  return out
}

const noError = (code: number, message?: string | null) => errorData(code, message)
const withError = <T extends object>(base: T, error: ErrorData | undefined): T & {error?: ErrorData} =>
  error === undefined ? base : {...base, error}

/** The complete batches of a fetched partition: a broker may end its answer with a part of a batch. */
function completeBatches(records: Buffer | null): Buffer {
  if (records === null || records.length === 0) return EMPTY_BYTES
  let at = 0
  while (at + 12 <= records.length) {
    const size = 12 + records.readInt32BE(at + OFFSET.batchLength)
    if (at + size > records.length) break
    at += size
  }
  return at === records.length ? records : records.subarray(0, at)
}

export class KafkaTransport implements Transport {
  readonly kind = 'kafka'
  readonly cluster: KafkaCluster
  brokerId = -1
  readonly #retryBackoffMs: number
  readonly #requestTimeoutMs: number
  readonly #closeListeners = new Set<(error: KafkaException) => void>()
  /** The transactional id of each producer id this client initialised. */
  readonly #transactionalIds = new Map<number, string>()
  /** The partitions already added to each producer's open transaction. */
  readonly #txnPartitions = new Map<number, Set<string>>()
  /** Produce requests of each transactional producer still unanswered, which its EndTxn waits for. */
  readonly #inFlight = new Map<number, Set<Promise<unknown>>>()
  /** What each member's last JoinGroup chose, which its SyncGroup repeats. */
  readonly #joined = new Map<string, {protocolType: string; protocolName: string | null}>()
  /** The last produce request being routed: the next one is written after it. */
  #produceOrder: Promise<void> = Promise.resolve()
  #closed: KafkaException | undefined

  private constructor(cluster: KafkaCluster, options: KafkaTransportOptions) {
    this.cluster = cluster
    this.#retryBackoffMs = options.retryBackoffMs ?? 100
    this.#requestTimeoutMs = options.requestTimeoutMs
  }

  /**
   * Connects to the cluster: asks a bootstrap broker for the brokers, retrying with backoff until the request
   * timeout; fails then with one line naming the addresses, as Kafka's tools fail.
   */
  static async open(options: KafkaTransportOptions): Promise<KafkaTransport> {
    const cluster = new KafkaCluster({
      bootstrap: options.bootstrap,
      clientId: options.clientId,
      requestTimeoutMs: options.requestTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? Math.min(10_000, options.requestTimeoutMs || 10_000),
      reconnectBackoffMs: options.reconnectBackoffMs ?? 50,
      security: options.security,
    })
    const transport = new KafkaTransport(cluster, options)
    const deadline = Date.now() + (options.requestTimeoutMs || 30_000)
    for (;;) {
      try {
        const res = await cluster.metadata([])
        transport.brokerId = res.brokers[0]?.nodeId ?? -1
        return transport
      } catch (error) {
        // A refused password, an untrusted certificate or a missing mechanism: no retry can change it.
        if (error instanceof KafkaException && FATAL_AT_CONNECT.has(error.code)) {
          cluster.close()
          throw error
        }
        if (Date.now() + (options.retryBackoffMs ?? 100) >= deadline) {
          cluster.close()
          const why = error instanceof Error ? error.message : String(error)
          throw new TimeoutException(
            `Timed out waiting for a node of the Kafka cluster at ${cluster.bootstrapText}: ${why}`,
          )
        }
        await sleep(Math.max(options.retryBackoffMs ?? 100, 200))
      }
    }
  }

  get target(): string {
    return this.cluster.bootstrapText
  }

  get node(): {id: number; host: string; port: number} | undefined {
    const b = this.cluster.brokers.get(this.brokerId)
    return b === undefined ? undefined : {id: this.brokerId, host: b.host, port: b.port}
  }

  get closed(): boolean {
    return this.#closed !== undefined
  }

  onClose(listener: (error: KafkaException) => void): () => void {
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = new KafkaException('CONNECTION_CLOSED', `The connection to ${this.target} was closed.`)
    this.cluster.close()
    for (const l of this.#closeListeners) l(this.#closed)
    this.#closeListeners.clear()
  }

  request<M extends Method>(
    method: M,
    params: Requests[M],
    payload?: readonly Buffer[],
    timeoutMs?: number,
  ): Promise<Responses[M]> {
    return this.#dispatch(method, params, payload, timeoutMs).then((r) => r.result as Responses[M])
  }

  requestWithPayload<M extends Method>(
    method: M,
    params: Requests[M],
    payload?: readonly Buffer[],
    timeoutMs?: number,
  ): Promise<WithPayload<Responses[M]>> {
    return this.#dispatch(method, params, payload, timeoutMs) as Promise<WithPayload<Responses[M]>>
  }

  sendOneWay<M extends Method>(method: M, params: Requests[M], payload?: readonly Buffer[]): void {
    void this.#dispatch(method, params, payload, undefined).catch(() => {})
  }

  async #dispatch(
    method: Method,
    params: unknown,
    payload: readonly Buffer[] | undefined,
    timeoutMs: number | undefined,
  ): Promise<{result: unknown; payload: Buffer}> {
    if (this.#closed) throw this.#closed
    const none = EMPTY_BYTES
    const p = params as never
    switch (method) {
      case 'metadata':
        return {result: await this.#metadata(p), payload: none}
      case 'produce':
        return {result: await this.#produce(p, payload ?? []), payload: none}
      case 'fetch':
        return this.#fetch(p, timeoutMs)
      case 'listOffsets':
        return {result: await this.#listOffsets(p), payload: none}
      case 'createTopics':
        return {result: await this.#createTopics(p), payload: none}
      case 'deleteTopics':
        return {result: await this.#deleteTopics(p), payload: none}
      case 'createPartitions':
        return {result: await this.#createPartitions(p), payload: none}
      case 'describeConfigs':
        return {result: await this.#describeConfigs(p), payload: none}
      case 'alterConfigs':
        return {result: await this.#alterConfigs(p), payload: none}
      case 'deleteRecords':
        return {result: await this.#deleteRecords(p), payload: none}
      case 'joinGroup':
        return {result: await this.#joinGroup(p, timeoutMs), payload: none}
      case 'syncGroup':
        return {result: await this.#syncGroup(p, timeoutMs), payload: none}
      case 'heartbeat':
        return {result: await this.#heartbeat(p), payload: none}
      case 'leaveGroup':
        return {result: await this.#leaveGroup(p), payload: none}
      case 'offsetCommit':
        return {result: await this.#offsetCommit(p), payload: none}
      case 'offsetFetch':
        return {result: await this.#offsetFetch(p), payload: none}
      case 'listGroups':
        return {result: await this.#listGroups(p), payload: none}
      case 'describeGroups':
        return {result: await this.#describeGroups(p), payload: none}
      case 'deleteGroups':
        return {result: await this.#deleteGroups(p), payload: none}
      case 'offsetDelete':
        return {result: await this.#offsetDelete(p), payload: none}
      case 'initProducerId':
        return {result: await this.#initProducerId(p), payload: none}
      case 'txnOffsetCommit':
        return {result: await this.#txnOffsetCommit(p), payload: none}
      case 'endTxn':
        return {result: await this.#endTxn(p), payload: none}
      case 'listTransactions':
        return {result: await this.#listTransactions(p), payload: none}
      case 'describeTransactions':
        return {result: await this.#describeTransactions(p), payload: none}
      case 'describeProducers':
        return {result: await this.#describeProducers(p), payload: none}
      case 'describeLogDirs':
        return {result: await this.#describeLogDirs(p), payload: none}
      case 'describeUserScramCredentials':
        return {result: await this.#describeUserScramCredentials(p), payload: none}
      case 'alterUserScramCredentials':
        return {result: await this.#alterUserScramCredentials(p), payload: none}
      case 'describeClientQuotas':
        return {result: await this.#describeClientQuotas(p), payload: none}
      case 'alterClientQuotas':
        return {result: await this.#alterClientQuotas(p), payload: none}
      default:
        throw new KafkaException(
          'UNSUPPORTED_VERSION',
          `'${method}' is kafkalite's own request: it needs the local kafkalite daemon, not the Kafka cluster at ${this.target}.`,
        )
    }
  }

  // --- Topics and records -------------------------------------------------------------------------------------

  async #metadata(req: Requests['metadata']): Promise<Responses['metadata']> {
    const res = await this.cluster.metadata(req.topics, req.allowAutoTopicCreation ?? false)
    return {
      brokerId: this.brokerId,
      brokers: res.brokers.map((b) => ({id: b.nodeId, host: b.host, port: b.port})),
      topics: res.topics
        .filter((t) => t.name !== null)
        .map((t) =>
          withError(
            {
              name: t.name!,
              topicId: t.topicId ?? '',
              internal: t.isInternal ?? false,
              partitions: t.partitions.length,
              maxMessageBytes: UNKNOWN_MAX_MESSAGE_BYTES,
              partitionDetails: [...t.partitions]
                .sort((a, b) => a.partitionIndex - b.partitionIndex)
                .map((p) => ({
                  partition: p.partitionIndex,
                  leader: p.leaderId,
                  replicas: p.replicaNodes,
                  isr: p.isrNodes,
                  offline: p.offlineReplicas ?? [],
                })),
            },
            noError(t.errorCode),
          ),
        ),
    }
  }

  /** The leader of each partition, asking for metadata once for the topics the cache lacks. */
  async #leaders(items: readonly {topic: string; partition: number}[]): Promise<(number | undefined)[]> {
    const missing = items.filter((i) => this.cluster.leaderOf(i.topic, i.partition) === undefined).map((i) => i.topic)
    if (missing.length > 0) await this.cluster.metadata([...new Set(missing)]).catch(() => {})
    return items.map((i) => this.cluster.leaderOf(i.topic, i.partition))
  }

  /**
   * One request per leader for the partitions `items` name, and each partition settled with its own answer: `send`
   * writes one broker's request for its partitions and returns their answers by `topic\0partition`; `settle` gets a
   * partition's answer, or its error (no leader known, no answer, a failed request, the partition's error code).
   * A partition whose error says its leader moved has its topic's metadata forgotten, so that a retry asks again.
   */
  async #perLeader<
    I extends {topic: string; partition: number},
    A extends {errorCode: number; errorMessage?: string | null},
  >(
    items: readonly I[],
    send: (connection: BrokerConnection, items: I[]) => Promise<Map<string, A>>,
    settle: (index: number, item: I, answer: A | undefined, error: ErrorData | undefined) => void,
  ): Promise<void> {
    const leaders = await this.#leaders(items)
    await Promise.all(
      byNode(items, (p) => leaders[items.indexOf(p)]).map(async ({node, items: routed}) => {
        let answers: Map<string, A>
        try {
          if (node === undefined) {
            throw new KafkaException('LEADER_NOT_AVAILABLE', 'No leader is known for the partition.')
          }
          answers = await send(
            await this.cluster.connection(node),
            routed.map((r) => r.item),
          )
        } catch (error) {
          const e = (
            error instanceof KafkaException ? error : new KafkaException('NETWORK_EXCEPTION', String(error))
          ).toJSON()
          for (const {index, item} of routed) {
            this.#onPartitionError(item.topic, e)
            settle(index, item, undefined, e)
          }
          return
        }
        for (const {index, item} of routed) {
          const answer = answers.get(`${item.topic}\0${item.partition}`)
          const error: ErrorData | undefined =
            answer === undefined
              ? {code: 'NETWORK_EXCEPTION', message: 'No answer.'}
              : noError(answer.errorCode, answer.errorMessage)
          if (error) this.#onPartitionError(item.topic, error)
          settle(index, item, answer, error)
        }
      }),
    )
  }

  /** Marks a partition's leader as unknown after an error that says it moved. */
  #onPartitionError(topic: string, error: ErrorData | undefined): void {
    if (error !== undefined && LEADER_ERRORS.has(error.code)) this.cluster.forgetTopic(topic)
  }

  /**
   * Produce requests are written to the brokers in the order the producer sends them (its sequences depend on it):
   * the routing (metadata, AddPartitionsToTxn, connecting) of each waits for the one before; the answers do not.
   */
  #produce(req: Requests['produce'], payload: readonly Buffer[]): Promise<Responses['produce']> {
    const routed = this.#produceOrder.then(() => this.#sendProduce(req, payload))
    this.#produceOrder = routed.then(
      () => undefined,
      () => undefined,
    )
    return routed.then((answer) => answer())
  }

  /** Routes and writes one produce request; resolves, once written, with a function that awaits the answers. */
  async #sendProduce(
    req: Requests['produce'],
    payload: readonly Buffer[],
  ): Promise<() => Promise<Responses['produce']>> {
    const batches = req.batches.map((b, i) => ({...b, records: payload[i]!}))
    const leaders = await this.#leaders(batches)
    const results: Responses['produce']['results'] = batches.map((b) => ({
      topic: b.topic,
      partition: b.partition,
      baseOffset: -1,
      logAppendTime: -1,
      logStartOffset: -1,
    }))
    const fail = (index: number, error: ErrorData) => {
      results[index] = {...results[index]!, error}
      this.#onPartitionError(batches[index]!.topic, error)
    }
    const failAll = (items: readonly {index: number}[], error: unknown) => {
      const e = error instanceof KafkaException ? error : new KafkaException('NETWORK_EXCEPTION', String(error))
      for (const {index} of items) fail(index, e.toJSON())
    }
    const answers: Promise<void>[] = []
    let throttleTimeMs = 0
    for (const {node, items} of oneBatchPerPartition(byNode(batches, (b) => leaders[batches.indexOf(b)]))) {
      if (node === undefined) {
        for (const {index, item} of items) {
          fail(index, {
            code: 'LEADER_NOT_AVAILABLE',
            message: `No leader is known for ${item.topic}-${item.partition}.`,
          })
        }
        continue
      }
      let sending: Promise<ProduceResponse | undefined>
      try {
        const first = items[0]!.item.records
        const attributes = first.readInt16BE(OFFSET.attributes)
        const producerId = Number(first.readBigInt64BE(OFFSET.producerId))
        const transactionalId =
          (attributes & ATTRIBUTE.transactional) !== 0 ? (this.#transactionalIds.get(producerId) ?? null) : null
        if (transactionalId !== null) {
          await this.#addPartitionsToTxn(
            transactionalId,
            producerId,
            first.readInt16BE(OFFSET.producerEpoch),
            items.map((i) => i.item),
          )
        }
        const body: ProduceRequest = {
          transactionalId,
          acks: req.acks,
          timeoutMs: req.timeoutMs ?? 30_000,
          topicData: [...byTopic(items.map((i) => i.item))].map(([name, parts]) => ({
            name,
            partitionData: parts.map((p) => ({index: p.partition, records: p.records})),
          })),
        }
        const connection = await this.cluster.connection(node)
        sending = connection.request(APIS.Produce, body, {
          version: connection.versionFor(APIS.Produce, PRODUCE_MAX),
          noResponse: req.acks === 0,
        })
        if (transactionalId !== null) this.#track(producerId, sending)
      } catch (error) {
        failAll(items, error)
        continue
      }
      answers.push(
        sending.then(
          (res) => {
            if (req.acks === 0 || res === undefined) return
            throttleTimeMs = Math.max(throttleTimeMs, res.throttleTimeMs)
            const answer = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>()
            for (const t of res.responses) {
              for (const p of t.partitionResponses) answer.set(`${t.name}\0${p.index}`, p)
            }
            for (const {index, item} of items) {
              const p = answer.get(`${item.topic}\0${item.partition}`)
              if (p === undefined) {
                fail(index, {code: 'NETWORK_EXCEPTION', message: `No answer for ${item.topic}-${item.partition}.`})
                continue
              }
              const error = noError(p.errorCode, p.errorMessage)
              if (error) {
                fail(index, error)
                continue
              }
              results[index] = {
                topic: item.topic,
                partition: item.partition,
                baseOffset: p.baseOffset,
                logAppendTime: p.logAppendTimeMs,
                logStartOffset: p.logStartOffset ?? -1,
              }
            }
          },
          (error: unknown) => failAll(items, error),
        ),
      )
    }
    return () => Promise.all(answers).then(() => (throttleTimeMs > 0 ? {results, throttleTimeMs} : {results}))
  }

  #track<T>(producerId: number, request: Promise<T>): Promise<T> {
    let set = this.#inFlight.get(producerId)
    if (set === undefined) this.#inFlight.set(producerId, (set = new Set()))
    set.add(request)
    const done = () => set.delete(request)
    request.then(done, done)
    return request
  }

  async #fetch(req: Requests['fetch'], timeoutMs: number | undefined): Promise<WithPayload<Responses['fetch']>> {
    const leaders = await this.#leaders(req.partitions)
    type Result = Responses['fetch']['partitions'][number]
    const results: Result[] = req.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
      size: 0,
    }))
    const bytes: Buffer[] = req.partitions.map(() => EMPTY_BYTES)
    const fail = (index: number, error: ErrorData) => {
      results[index] = {...results[index]!, error}
      this.#onPartitionError(req.partitions[index]!.topic, error)
    }
    const groups = byNode(req.partitions, (p) => leaders[req.partitions.indexOf(p)])
    let throttleTimeMs = 0
    // Several leaders: each is asked to wait only when every partition is caught up (the caller's long poll), so a
    // quiet broker does not hold back the records of a busy one.
    await Promise.all(
      groups.map(async ({node, items}) => {
        if (node === undefined) {
          for (const {index, item} of items) {
            fail(index, {
              code: 'LEADER_NOT_AVAILABLE',
              message: `No leader is known for ${item.topic}-${item.partition}.`,
            })
          }
          return
        }
        try {
          const connection = await this.cluster.connection(node)
          const body: FetchRequest = {
            replicaId: -1,
            maxWaitMs: req.maxWaitMs,
            minBytes: req.minBytes ?? 1,
            maxBytes: req.maxBytes,
            isolationLevel: req.isolationLevel ?? 0,
            sessionId: 0,
            sessionEpoch: -1,
            topics: [...byTopic(items.map((i) => i.item))].map(([topic, parts]) => ({
              topic,
              partitions: parts.map((p) => ({
                partition: p.partition,
                currentLeaderEpoch: -1,
                fetchOffset: p.offset,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
                partitionMaxBytes: p.maxBytes,
              })),
            })),
            forgottenTopicsData: [],
            rackId: '',
          }
          const res = await connection.request(APIS.Fetch, body, {
            version: connection.versionFor(APIS.Fetch, FETCH_MAX),
            timeoutMs: timeoutMs ?? req.maxWaitMs + this.#requestTimeoutMs,
          })
          throttleTimeMs = Math.max(throttleTimeMs, res.throttleTimeMs ?? 0)
          if (res.errorCode !== undefined && res.errorCode !== 0) {
            const e = noError(res.errorCode)!
            for (const {index} of items) fail(index, e)
            return
          }
          const answer = new Map<string, (typeof res.responses)[number]['partitions'][number]>()
          for (const t of res.responses) {
            for (const p of t.partitions) answer.set(`${t.topic}\0${p.partitionIndex}`, p)
          }
          for (const {index, item} of items) {
            const p = answer.get(`${item.topic}\0${item.partition}`)
            if (p === undefined) continue // not answered: fetched again next time
            const error = noError(p.errorCode)
            if (error) {
              fail(index, error)
              continue
            }
            const records = completeBatches(p.records as Buffer | null)
            bytes[index] = records
            const r: Result = {
              topic: item.topic,
              partition: item.partition,
              highWatermark: p.highWatermark,
              lastStableOffset: p.lastStableOffset,
              logStartOffset: p.logStartOffset ?? -1,
              size: records.length,
            }
            if (p.abortedTransactions !== null && p.abortedTransactions.length > 0) {
              r.abortedTransactions = p.abortedTransactions.map((a) => ({
                producerId: a.producerId,
                firstOffset: a.firstOffset,
              }))
            }
            results[index] = r
          }
        } catch (error) {
          const e = error instanceof KafkaException ? error : new KafkaException('NETWORK_EXCEPTION', String(error))
          for (const {index} of items) fail(index, e.toJSON())
        }
      }),
    )
    // Closed meanwhile (the consumer is closing): the fetch fails as a whole, as on a lost socket, not per partition.
    if (this.#closed) throw this.#closed
    const result = throttleTimeMs > 0 ? {partitions: results, throttleTimeMs} : {partitions: results}
    return {result, payload: bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes)}
  }

  async #listOffsets(req: Requests['listOffsets']): Promise<Responses['listOffsets']> {
    const results: Responses['listOffsets']['partitions'] = req.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      offset: -1,
      timestamp: -1,
    }))
    await this.#perLeader(
      req.partitions,
      async (connection, items) => {
        const body: ListOffsetsRequest = {
          replicaId: -1,
          isolationLevel: req.isolationLevel ?? 0,
          topics: [...byTopic(items)].map(([name, parts]) => ({
            name,
            partitions: parts.map((p) => ({
              partitionIndex: p.partition,
              currentLeaderEpoch: -1,
              timestamp: p.timestamp,
            })),
          })),
          timeoutMs: this.#requestTimeoutMs,
        }
        return answersByPartition((await connection.request(APIS.ListOffsets, body)).topics)
      },
      (index, item, answer, error) => {
        results[index] = error
          ? {...results[index]!, error}
          : {topic: item.topic, partition: item.partition, offset: answer!.offset, timestamp: answer!.timestamp}
      },
    )
    return {partitions: results}
  }

  async #deleteRecords(req: Requests['deleteRecords']): Promise<Responses['deleteRecords']> {
    const results: Responses['deleteRecords']['partitions'] = []
    await this.#perLeader(
      req.partitions,
      async (connection, items) => {
        const res = await connection.request(APIS.DeleteRecords, {
          topics: [...byTopic(items)].map(([name, parts]) => ({
            name,
            partitions: parts.map((p) => ({partitionIndex: p.partition, offset: p.offset})),
          })),
          timeoutMs: this.#requestTimeoutMs,
        })
        return answersByPartition(res.topics)
      },
      (index, item, answer, error) => {
        results[index] = withError(
          {topic: item.topic, partition: item.partition, lowWatermark: answer?.lowWatermark ?? -1},
          error,
        )
      },
    )
    return {partitions: results}
  }

  async #createTopics(req: Requests['createTopics']): Promise<Responses['createTopics']> {
    const c = await this.cluster.anyConnection()
    const res = await c.request(APIS.CreateTopics, {
      topics: req.topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({name, value})),
      })),
      timeoutMs: this.#requestTimeoutMs,
      validateOnly: req.validateOnly ?? false,
    })
    return {
      topics: res.topics.map((t) =>
        withError(
          {
            name: t.name,
            topicId: t.topicId,
            numPartitions: t.numPartitions,
            replicationFactor: t.replicationFactor,
          },
          noError(t.errorCode, t.errorMessage),
        ),
      ),
    }
  }

  async #deleteTopics(req: Requests['deleteTopics']): Promise<Responses['deleteTopics']> {
    const c = await this.cluster.anyConnection()
    const version = c.versionFor(APIS.DeleteTopics)
    const res = await c.request(
      APIS.DeleteTopics,
      version >= 6
        ? {
            topics: req.names.map((name) => ({name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA'})),
            timeoutMs: this.#requestTimeoutMs,
          }
        : {topicNames: req.names, timeoutMs: this.#requestTimeoutMs},
      {version},
    )
    for (const name of req.names) this.cluster.forgetTopic(name)
    return {
      topics: res.responses.map((t) => withError({name: t.name ?? ''}, noError(t.errorCode, t.errorMessage))),
    }
  }

  async #createPartitions(req: Requests['createPartitions']): Promise<Responses['createPartitions']> {
    const c = await this.cluster.anyConnection()
    const res = await c.request(APIS.CreatePartitions, {
      topics: req.topics.map((t) => ({name: t.name, count: t.count, assignments: null})),
      timeoutMs: this.#requestTimeoutMs,
      validateOnly: req.validateOnly ?? false,
    })
    for (const t of req.topics) this.cluster.forgetTopic(t.name)
    return {topics: res.results.map((t) => withError({name: t.name}, noError(t.errorCode, t.errorMessage)))}
  }

  async #describeConfigs(req: Requests['describeConfigs']): Promise<Responses['describeConfigs']> {
    const c = await this.cluster.anyConnection()
    const brokers = req.brokers ?? []
    const res = await c.request(APIS.DescribeConfigs, {
      resources: [
        ...req.topics.map((name) => ({resourceType: RESOURCE_TOPIC, resourceName: name, configurationKeys: null})),
        ...brokers.map((name) => ({resourceType: RESOURCE_BROKER, resourceName: name, configurationKeys: null})),
      ],
      includeSynonyms: true,
      includeDocumentation: false,
    })
    const includeDefaults = req.includeDefaults ?? false
    const entries = (r: (typeof res.results)[number]) =>
      withError(
        {
          name: r.resourceName,
          configs: r.configs
            .map((e): ConfigEntryData => ({
              name: e.name,
              value: e.value,
              type: CONFIG_TYPES[e.configType ?? 0] ?? 'STRING',
              source: CONFIG_SOURCES[e.configSource ?? 5] ?? 'DEFAULT_CONFIG',
              isDefault: (e.configSource ?? 5) === 5 || (e.isDefault ?? false),
              readOnly: e.readOnly,
              sensitive: e.isSensitive,
              synonyms: (e.synonyms ?? []).map((s) => ({
                name: s.name,
                value: s.value,
                source: CONFIG_SOURCES[s.source] ?? 'DEFAULT_CONFIG',
              })),
            }))
            .filter(
              (e) =>
                includeDefaults ||
                (r.resourceType === RESOURCE_TOPIC ? e.source === 'DYNAMIC_TOPIC_CONFIG' : !e.isDefault),
            ),
        },
        noError(r.errorCode, r.errorMessage),
      )
    const out: Responses['describeConfigs'] = {
      topics: res.results.filter((r) => r.resourceType === RESOURCE_TOPIC).map(entries),
    }
    if (brokers.length > 0) out.brokers = res.results.filter((r) => r.resourceType === RESOURCE_BROKER).map(entries)
    return out
  }

  async #alterConfigs(req: Requests['alterConfigs']): Promise<Responses['alterConfigs']> {
    const c = await this.cluster.anyConnection()
    const validateOnly = req.validateOnly ?? false
    const out: Responses['alterConfigs']['topics'] = []
    const replace = req.topics.filter((t) => t.replace)
    const incremental = req.topics.filter((t) => !t.replace)
    if (incremental.length > 0) {
      const res = await c.request(APIS.IncrementalAlterConfigs, {
        resources: incremental.map((t) => ({
          resourceType: RESOURCE_TOPIC,
          resourceName: t.name,
          configs: [
            ...(t.delete ?? []).map((name) => ({name, configOperation: 1, value: null})),
            ...Object.entries(t.set ?? {}).map(([name, value]) => ({name, configOperation: 0, value})),
            ...Object.entries(t.append ?? {}).map(([name, value]) => ({name, configOperation: 2, value})),
            ...Object.entries(t.subtract ?? {}).map(([name, value]) => ({name, configOperation: 3, value})),
          ],
        })),
        validateOnly,
      })
      for (const r of res.responses) out.push(withError({name: r.resourceName}, noError(r.errorCode, r.errorMessage)))
    }
    if (replace.length > 0) {
      const res = await c.request(APIS.AlterConfigs, {
        resources: replace.map((t) => ({
          resourceType: RESOURCE_TOPIC,
          resourceName: t.name,
          configs: Object.entries(t.set ?? {}).map(([name, value]) => ({name, value})),
        })),
        validateOnly,
      })
      for (const r of res.responses) out.push(withError({name: r.resourceName}, noError(r.errorCode, r.errorMessage)))
    }
    const brokers = req.brokers ?? []
    if (brokers.length === 0) return {topics: out}
    const changes = brokers.map((b) => ({
      resourceType: RESOURCE_BROKER,
      resourceName: b.name,
      configs: [
        ...(b.delete ?? []).map((name) => ({name, configOperation: 1, value: null})),
        ...Object.entries(b.set ?? {}).map(([name, value]) => ({name, configOperation: 0, value})),
      ],
    }))
    const res = await c.request(APIS.IncrementalAlterConfigs, {resources: changes, validateOnly})
    return {
      topics: out,
      brokers: res.responses.map((r) => withError({name: r.resourceName}, noError(r.errorCode, r.errorMessage))),
    }
  }

  // --- Groups -------------------------------------------------------------------------------------------------

  /**
   * Sends a request to a group's or transaction's coordinator, looking it up again and retrying after
   * NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS or a lost connection, with
   * retry.backoff.ms, until the request timeout. `errorOf` reads the answer's coordinator-level error.
   */
  async #toCoordinator<T>(
    keyType: number,
    key: string,
    send: (c: BrokerConnection) => Promise<T>,
    errorOf: (res: T) => number,
  ): Promise<T> {
    const deadline = Date.now() + this.#requestTimeoutMs
    for (;;) {
      let retriable: KafkaException
      try {
        const node = await this.cluster.coordinator(keyType, key)
        const res = await send(await this.cluster.connection(node))
        const code = errorOf(res)
        const e = noError(code)
        if (e === undefined || !COORDINATOR_ERRORS.has(e.code)) return res
        retriable = kafkaError(code, null, `The coordinator of '${key}'`)
      } catch (error) {
        const e = error instanceof KafkaException ? error : new KafkaException('NETWORK_EXCEPTION', String(error))
        if (!COORDINATOR_ERRORS.has(e.code) && e.code !== 'NETWORK_EXCEPTION' && e.code !== 'LEADER_NOT_AVAILABLE')
          throw e
        retriable = e
      }
      this.cluster.forgetCoordinator(keyType, key)
      if (Date.now() + this.#retryBackoffMs > deadline) throw retriable
      await sleep(this.#retryBackoffMs)
    }
  }

  #group<T>(groupId: string, send: (c: BrokerConnection) => Promise<T>, errorOf: (res: T) => number): Promise<T> {
    return this.#toCoordinator(COORDINATOR_GROUP, groupId, send, errorOf)
  }

  async #joinGroup(req: Requests['joinGroup'], timeoutMs: number | undefined): Promise<Responses['joinGroup']> {
    const send = (memberId: string) =>
      this.#group(
        req.groupId,
        (c) =>
          c.request(
            APIS.JoinGroup,
            {
              groupId: req.groupId,
              sessionTimeoutMs: req.sessionTimeoutMs,
              rebalanceTimeoutMs: req.rebalanceTimeoutMs,
              memberId,
              groupInstanceId: req.groupInstanceId ?? null,
              protocolType: req.protocolType,
              protocols: req.protocols.map((p) => ({name: p.name, metadata: Buffer.from(p.metadata, 'base64')})),
              reason: req.reason ?? null,
            },
            {timeoutMs: timeoutMs ?? req.rebalanceTimeoutMs + 5_000},
          ),
        (r) => r.errorCode,
      )
    let res = await send(req.memberId)
    // KIP-394: a new member is given its id first, and joins again with it at once.
    if (noError(res.errorCode)?.code === 'MEMBER_ID_REQUIRED') res = await send(res.memberId)
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `Joining group '${req.groupId}'`)
    this.#joined.set(`${req.groupId}\0${res.memberId}`, {
      protocolType: res.protocolType ?? req.protocolType,
      protocolName: res.protocolName ?? null,
    })
    return {
      generationId: res.generationId,
      protocolName: res.protocolName ?? '',
      leader: res.leader,
      memberId: res.memberId,
      members: res.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        metadata: m.metadata.toString('base64'),
      })),
    }
  }

  async #syncGroup(req: Requests['syncGroup'], timeoutMs: number | undefined): Promise<Responses['syncGroup']> {
    const res = await this.#group(
      req.groupId,
      (c) =>
        c.request(
          APIS.SyncGroup,
          {
            groupId: req.groupId,
            generationId: req.generationId,
            memberId: req.memberId,
            groupInstanceId: req.groupInstanceId ?? null,
            // v5+: the protocol the JoinGroup answer chose (Kafka's consumer sends both).
            protocolType: this.#joined.get(`${req.groupId}\0${req.memberId}`)?.protocolType ?? null,
            protocolName: this.#joined.get(`${req.groupId}\0${req.memberId}`)?.protocolName ?? null,
            assignments: (req.assignments ?? []).map((a) => ({
              memberId: a.memberId,
              assignment: Buffer.from(a.assignment, 'base64'),
            })),
          },
          timeoutMs === undefined ? {} : {timeoutMs},
        ),
      (r) => r.errorCode,
    )
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `Syncing group '${req.groupId}'`)
    return {protocolName: res.protocolName ?? '', assignment: res.assignment.toString('base64')}
  }

  async #heartbeat(req: Requests['heartbeat']): Promise<Responses['heartbeat']> {
    // Kafka's brokers answer at once: a heartbeat kafkalite's daemon would park is simply sent later by the member.
    if ((req.waitMs ?? 0) > 0) await sleep(Math.min(req.waitMs ?? 0, 1_000))
    const res = await this.#group(
      req.groupId,
      (c) =>
        c.request(APIS.Heartbeat, {
          groupId: req.groupId,
          generationId: req.generationId,
          memberId: req.memberId,
          groupInstanceId: req.groupInstanceId ?? null,
        }),
      (r) => r.errorCode,
    )
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `Heartbeat of group '${req.groupId}'`)
    return {}
  }

  async #leaveGroup(req: Requests['leaveGroup']): Promise<Responses['leaveGroup']> {
    const res = await this.#group(
      req.groupId,
      (c) =>
        c.request(APIS.LeaveGroup, (version) =>
          version >= 3
            ? {
                groupId: req.groupId,
                members: req.members.map((m) => ({
                  memberId: m.memberId,
                  groupInstanceId: m.groupInstanceId ?? null,
                  reason: m.reason ?? null,
                })),
              }
            : {groupId: req.groupId, memberId: req.members[0]?.memberId ?? ''},
        ),
      (r) => r.errorCode,
    )
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `Leaving group '${req.groupId}'`)
    return {
      members: (res.members ?? []).map((m) =>
        withError({memberId: m.memberId, groupInstanceId: m.groupInstanceId}, noError(m.errorCode)),
      ),
    }
  }

  async #offsetCommit(req: Requests['offsetCommit']): Promise<Responses['offsetCommit']> {
    const res = await this.#group(
      req.groupId,
      (c) =>
        c.request(
          APIS.OffsetCommit,
          {
            groupId: req.groupId,
            generationIdOrMemberEpoch: req.generationId ?? -1,
            memberId: req.memberId ?? '',
            groupInstanceId: req.groupInstanceId ?? null,
            topics: [...byTopic(req.offsets)].map(([name, parts]) => ({
              name,
              partitions: parts.map((p) => ({
                partitionIndex: p.partition,
                committedOffset: p.offset,
                committedLeaderEpoch: p.leaderEpoch ?? -1,
                committedMetadata: p.metadata === undefined ? '' : p.metadata,
              })),
            })),
          },
          {version: c.versionFor(APIS.OffsetCommit, OFFSET_COMMIT_MAX)},
        ),
      (r) => r.topics[0]?.partitions[0]?.errorCode ?? 0,
    )
    return {
      results: res.topics.flatMap((t) =>
        t.partitions.map((p) => withError({topic: t.name ?? '', partition: p.partitionIndex}, noError(p.errorCode))),
      ),
    }
  }

  async #offsetFetch(req: Requests['offsetFetch']): Promise<Responses['offsetFetch']> {
    const topics =
      req.partitions === null
        ? null
        : [...byTopic(req.partitions)].map(([name, parts]) => ({name, partitionIndexes: parts.map((p) => p.partition)}))
    const res = await this.#group(
      req.groupId,
      (c) => {
        const version = c.versionFor(APIS.OffsetFetch, OFFSET_FETCH_MAX)
        return c
          .request(
            APIS.OffsetFetch,
            version >= 8
              ? {
                  groups: [{groupId: req.groupId, memberId: null, memberEpoch: -1, topics}],
                  requireStable: req.requireStable ?? false,
                }
              : {groupId: req.groupId, topics, requireStable: req.requireStable ?? false},
            {version},
          )
          .then((r) =>
            version >= 8
              ? {errorCode: r.groups![0]!.errorCode, topics: r.groups![0]!.topics}
              : {errorCode: r.errorCode ?? 0, topics: r.topics ?? []},
          )
      },
      (r) => r.errorCode,
    )
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `Fetching the offsets of group '${req.groupId}'`)
    return {
      offsets: res.topics.flatMap((t) =>
        t.partitions.map((p) =>
          withError(
            {
              topic: t.name ?? '',
              partition: p.partitionIndex,
              offset: p.committedOffset,
              leaderEpoch: p.committedLeaderEpoch ?? -1,
              metadata: p.metadata ?? '',
              commitTimestamp: -1,
            },
            noError(p.errorCode),
          ),
        ),
      ),
    }
  }

  /** Every broker of the cluster, for the requests each answers for its own part (ListGroups, ListTransactions). */
  async #everyBroker<T>(send: (c: BrokerConnection) => Promise<T>): Promise<T[]> {
    return (await this.#everyBrokerById(send)).map(([, answer]) => answer)
  }

  /** Each broker's answer, with the broker's id. */
  async #everyBrokerById<T>(send: (c: BrokerConnection) => Promise<T>): Promise<[number, T][]> {
    if (this.cluster.brokers.size === 0) await this.cluster.metadata([])
    return Promise.all(
      [...this.cluster.brokers.keys()].map(async (id): Promise<[number, T]> => [
        id,
        await send(await this.cluster.connection(id)),
      ]),
    )
  }

  async #listGroups(req: Requests['listGroups']): Promise<Responses['listGroups']> {
    const states = req.states ?? []
    const answers = await this.#everyBroker((c) =>
      c.request(APIS.ListGroups, (version) => ({
        statesFilter: version >= 4 ? states : [],
        typesFilter: [],
      })),
    )
    const groups: Responses['listGroups']['groups'] = []
    for (const res of answers) {
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, 'Listing groups')
      for (const g of res.groups) {
        const state = (g.groupState ?? '') as GroupState
        if (states.length > 0 && (state as string) !== '' && !states.includes(state)) continue
        groups.push({groupId: g.groupId, protocolType: g.protocolType, state})
      }
    }
    return {groups}
  }

  async #describeGroups(req: Requests['describeGroups']): Promise<Responses['describeGroups']> {
    const groups = await Promise.all(
      req.groupIds.map(async (groupId) => {
        const res = await this.#group(
          groupId,
          (c) => c.request(APIS.DescribeGroups, {groups: [groupId], includeAuthorizedOperations: false}),
          (r) => r.groups[0]?.errorCode ?? 0,
        )
        const g = res.groups[0]!
        const notFound = noError(g.errorCode)?.code === 'GROUP_ID_NOT_FOUND'
        return withError(
          {
            groupId: g.groupId,
            state: (notFound ? 'Dead' : g.groupState) as GroupState,
            protocolType: g.protocolType,
            protocol: g.protocolData,
            generationId: -1,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId ?? null,
              clientId: m.clientId,
              clientHost: m.clientHost,
              metadata: m.memberMetadata.toString('base64'),
              assignment: m.memberAssignment.toString('base64'),
            })),
          },
          notFound ? undefined : noError(g.errorCode, g.errorMessage),
        )
      }),
    )
    return {groups}
  }

  async #deleteGroups(req: Requests['deleteGroups']): Promise<Responses['deleteGroups']> {
    const results = await Promise.all(
      req.groupIds.map(async (groupId) => {
        const res = await this.#group(
          groupId,
          (c) => c.request(APIS.DeleteGroups, {groupsNames: [groupId]}),
          (r) => r.results[0]?.errorCode ?? 0,
        )
        const r = res.results[0]!
        return withError({groupId: r.groupId}, noError(r.errorCode, r.errorMessage))
      }),
    )
    return {results}
  }

  async #offsetDelete(req: Requests['offsetDelete']): Promise<Responses['offsetDelete']> {
    const res = await this.#group(
      req.groupId,
      (c) =>
        c.request(APIS.OffsetDelete, {
          groupId: req.groupId,
          topics: [...byTopic(req.partitions)].map(([name, parts]) => ({
            name,
            partitions: parts.map((p) => ({partitionIndex: p.partition})),
          })),
        }),
      (r) => r.errorCode,
    )
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `Deleting offsets of group '${req.groupId}'`)
    return {
      results: res.topics.flatMap((t) =>
        t.partitions.map((p) => withError({topic: t.name, partition: p.partitionIndex}, noError(p.errorCode))),
      ),
    }
  }

  // --- Transactions -------------------------------------------------------------------------------------------

  #txn<T>(transactionalId: string, send: (c: BrokerConnection) => Promise<T>, errorOf: (res: T) => number) {
    return this.#toCoordinator(COORDINATOR_TRANSACTION, transactionalId, send, errorOf)
  }

  async #initProducerId(req: Requests['initProducerId']): Promise<Responses['initProducerId']> {
    const transactionalId = req.transactionalId ?? null
    const body = {
      transactionalId,
      transactionTimeoutMs: req.transactionTimeoutMs ?? 60_000,
      producerId: -1,
      producerEpoch: -1,
    }
    const send = (c: BrokerConnection) =>
      c.request(APIS.InitProducerId, body, {version: c.versionFor(APIS.InitProducerId, INIT_PRODUCER_ID_MAX)})
    const res =
      transactionalId === null
        ? await send(await this.cluster.anyConnection())
        : await this.#txn(transactionalId, send, (r) => r.errorCode)
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, 'InitProducerId')
    if (transactionalId !== null) {
      this.#transactionalIds.set(res.producerId, transactionalId)
      this.#txnPartitions.delete(res.producerId)
    }
    return {producerId: res.producerId, producerEpoch: res.producerEpoch}
  }

  /** Adds the partitions of a producer's batches to its transaction, the first time each is written to. */
  async #addPartitionsToTxn(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    batches: readonly {topic: string; partition: number}[],
  ): Promise<void> {
    let added = this.#txnPartitions.get(producerId)
    if (added === undefined) this.#txnPartitions.set(producerId, (added = new Set()))
    const missing = batches.filter((b) => !added.has(`${b.topic}\0${b.partition}`))
    if (missing.length === 0) return
    const topics = [...byTopic(missing)].map(([name, parts]) => ({name, partitions: parts.map((p) => p.partition)}))
    const deadline = Date.now() + this.#requestTimeoutMs
    for (;;) {
      const res = await this.#txn(
        transactionalId,
        (c) =>
          c.request(
            APIS.AddPartitionsToTxn,
            {
              v3AndBelowTransactionalId: transactionalId,
              v3AndBelowProducerId: producerId,
              v3AndBelowProducerEpoch: producerEpoch,
              v3AndBelowTopics: topics,
            },
            {version: c.versionFor(APIS.AddPartitionsToTxn, ADD_PARTITIONS_MAX)},
          ),
        (r) => r.resultsByTopicV3AndBelow?.[0]?.resultsByPartition[0]?.partitionErrorCode ?? 0,
      )
      let concurrent = false
      for (const t of res.resultsByTopicV3AndBelow ?? []) {
        for (const p of t.resultsByPartition) {
          const e = noError(p.partitionErrorCode)
          if (e?.code === 'CONCURRENT_TRANSACTIONS') concurrent = true
          else if (e !== undefined && e.code !== 'OPERATION_NOT_ATTEMPTED') {
            throw kafkaError(p.partitionErrorCode, null, `Adding ${t.name}-${p.partitionIndex} to the transaction`)
          }
        }
      }
      if (!concurrent) break
      // The previous transaction's markers are still being written: Kafka's producer retries.
      if (Date.now() > deadline) throw new TimeoutException('Adding partitions to the transaction timed out.')
      await sleep(Math.min(this.#retryBackoffMs, 20))
    }
    for (const b of missing) added.add(`${b.topic}\0${b.partition}`)
  }

  async #txnOffsetCommit(req: Requests['txnOffsetCommit']): Promise<Responses['txnOffsetCommit']> {
    const added = await this.#txn(
      req.transactionalId,
      (c) =>
        c.request(APIS.AddOffsetsToTxn, {
          transactionalId: req.transactionalId,
          producerId: req.producerId,
          producerEpoch: req.producerEpoch,
          groupId: req.groupId,
        }),
      (r) => r.errorCode,
    )
    if (added.errorCode !== 0) throw kafkaError(added.errorCode, null, `Adding the offsets of '${req.groupId}'`)
    const res = await this.#group(
      req.groupId,
      (c) =>
        c.request(
          APIS.TxnOffsetCommit,
          {
            transactionalId: req.transactionalId,
            groupId: req.groupId,
            producerId: req.producerId,
            producerEpoch: req.producerEpoch,
            generationIdOrMemberEpoch: req.generationId ?? -1,
            memberId: req.memberId ?? '',
            groupInstanceId: req.groupInstanceId ?? null,
            topics: [...byTopic(req.offsets)].map(([name, parts]) => ({
              name,
              partitions: parts.map((p) => ({
                partitionIndex: p.partition,
                committedOffset: p.offset,
                committedLeaderEpoch: -1,
                committedMetadata: p.metadata === undefined ? '' : p.metadata,
              })),
            })),
          },
          {version: c.versionFor(APIS.TxnOffsetCommit, TXN_OFFSET_COMMIT_MAX)},
        ),
      (r) => r.topics[0]?.partitions[0]?.errorCode ?? 0,
    )
    return {
      results: res.topics.flatMap((t) =>
        t.partitions.map((p) => withError({topic: t.name ?? '', partition: p.partitionIndex}, noError(p.errorCode))),
      ),
    }
  }

  async #endTxn(req: Requests['endTxn']): Promise<Responses['endTxn']> {
    // Kafka's coordinator ends the transaction as soon as it is asked: every batch must be acknowledged first.
    const inFlight = this.#inFlight.get(req.producerId)
    if (inFlight !== undefined && inFlight.size > 0) await Promise.allSettled([...inFlight])
    const deadline = Date.now() + this.#requestTimeoutMs
    for (;;) {
      const res = await this.#txn(
        req.transactionalId,
        (c) =>
          c.request(
            APIS.EndTxn,
            {
              transactionalId: req.transactionalId,
              producerId: req.producerId,
              producerEpoch: req.producerEpoch,
              committed: req.committed,
            },
            {version: c.versionFor(APIS.EndTxn, END_TXN_MAX)},
          ),
        (r) => r.errorCode,
      )
      const e = noError(res.errorCode)
      if (e?.code === 'CONCURRENT_TRANSACTIONS' && Date.now() < deadline) {
        await sleep(Math.min(this.#retryBackoffMs, 20))
        continue
      }
      if (e !== undefined) throw kafkaError(res.errorCode, null, req.committed ? 'Committing' : 'Aborting')
      this.#txnPartitions.delete(req.producerId)
      return {}
    }
  }

  async #listTransactions(req: Requests['listTransactions']): Promise<Responses['listTransactions']> {
    const answers = await this.#everyBrokerById((c) =>
      c.request(APIS.ListTransactions, {
        stateFilters: req.stateFilters ?? [],
        producerIdFilters: req.producerIdFilters ?? [],
        durationFilter: req.durationFilterMs ?? -1,
        transactionalIdPattern: null,
      }),
    )
    const transactions: Responses['listTransactions']['transactions'] = []
    for (const [coordinatorId, res] of answers) {
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, 'Listing transactions')
      for (const t of res.transactionStates) {
        transactions.push({
          transactionalId: t.transactionalId,
          producerId: t.producerId,
          state: t.transactionState as TransactionState,
          coordinatorId,
        })
      }
    }
    return {transactions}
  }

  // --- SCRAM users -------------------------------------------------------------------------------------------------

  async #describeUserScramCredentials(
    req: Requests['describeUserScramCredentials'],
  ): Promise<Responses['describeUserScramCredentials']> {
    const c = await this.cluster.anyConnection()
    const res = await c.request(APIS.DescribeUserScramCredentials, {
      users: req.users === null || req.users === undefined ? null : req.users.map((name) => ({name})),
    })
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, res.errorMessage, 'Describing SCRAM credentials')
    return {
      results: res.results.map((r) =>
        withError(
          {
            user: r.user,
            credentials: r.credentialInfos.map((i) => ({
              mechanism: scramMechanismByType(i.mechanism) ?? `UNKNOWN(${i.mechanism})`,
              iterations: i.iterations,
            })),
          },
          noError(r.errorCode, r.errorMessage),
        ),
      ),
    }
  }

  async #alterUserScramCredentials(
    req: Requests['alterUserScramCredentials'],
  ): Promise<Responses['alterUserScramCredentials']> {
    const type = (mechanism: string) => (isScramMechanism(mechanism) ? SCRAM_MECHANISMS.get(mechanism)!.type : 0)
    const c = await this.cluster.anyConnection()
    const res = await c.request(APIS.AlterUserScramCredentials, {
      deletions: (req.deletions ?? []).map((d) => ({name: d.name, mechanism: type(d.mechanism)})),
      upsertions: (req.upsertions ?? []).map((u) => ({
        name: u.name,
        mechanism: type(u.mechanism),
        iterations: u.iterations,
        salt: Buffer.from(u.salt, 'base64'),
        saltedPassword: Buffer.from(u.saltedPassword, 'base64'),
      })),
    })
    return {results: res.results.map((r) => withError({user: r.user}, noError(r.errorCode, r.errorMessage)))}
  }

  // --- Client quotas ------------------------------------------------------------------------------------------------

  /** DescribeClientQuotas to any broker (each answers from the cluster's metadata). */
  async #describeClientQuotas(req: Requests['describeClientQuotas']): Promise<Responses['describeClientQuotas']> {
    const c = await this.cluster.anyConnection()
    const res = await c.request(APIS.DescribeClientQuotas, {
      components: req.components.map((x) => ({
        entityType: x.entityType,
        matchType: x.matchType,
        match: x.match ?? null,
      })),
      strict: req.strict ?? false,
    })
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, res.errorMessage, 'Describing client quotas')
    return {
      entries: (res.entries ?? []).map((e) => ({
        entity: e.entity.map((x) => ({entityType: x.entityType, entityName: x.entityName})),
        values: e.values.map((v) => ({key: v.key, value: v.value})),
      })),
    }
  }

  /** AlterClientQuotas to any broker (a KRaft broker forwards it to the controller). */
  async #alterClientQuotas(req: Requests['alterClientQuotas']): Promise<Responses['alterClientQuotas']> {
    const c = await this.cluster.anyConnection()
    const res = await c.request(APIS.AlterClientQuotas, {
      entries: req.entries.map((e) => ({
        entity: e.entity.map((x) => ({entityType: x.entityType, entityName: x.entityName})),
        ops: e.ops.map((op) => ({
          key: op.key,
          value: op.remove ? 0 : Number(op.value ?? 0),
          remove: op.remove ?? false,
        })),
      })),
      validateOnly: req.validateOnly ?? false,
    })
    return {
      entries: res.entries.map((e) =>
        withError(
          {entity: e.entity.map((x) => ({entityType: x.entityType, entityName: x.entityName}))},
          noError(e.errorCode, e.errorMessage),
        ),
      ),
    }
  }

  async #describeTransactions(req: Requests['describeTransactions']): Promise<Responses['describeTransactions']> {
    const transactions = await Promise.all(
      req.transactionalIds.map(async (id) => {
        const res = await this.#txn(
          id,
          (c) => c.request(APIS.DescribeTransactions, {transactionalIds: [id]}),
          (r) => r.transactionStates[0]?.errorCode ?? 0,
        )
        const t = res.transactionStates[0]!
        // The coordinator that answered (found and cached by #txn).
        const coordinatorId = await this.cluster.coordinator(COORDINATOR_TRANSACTION, id)
        return withError(
          {
            transactionalId: t.transactionalId,
            state: t.transactionState as TransactionState,
            producerId: t.producerId,
            producerEpoch: t.producerEpoch,
            transactionTimeoutMs: t.transactionTimeoutMs,
            transactionStartTimeMs: t.transactionStartTimeMs,
            partitions: t.topics.flatMap((x) => x.partitions.map((partition) => ({topic: x.topic, partition}))),
            coordinatorId,
          },
          noError(t.errorCode),
        )
      }),
    )
    return {transactions}
  }

  /** DescribeLogDirs to each broker asked for, as Kafka's Admin sends it; a broker that fails carries its error. */
  async #describeLogDirs(req: Requests['describeLogDirs']): Promise<Responses['describeLogDirs']> {
    const topics = req.topics ? req.topics.map((t) => ({topic: t.topic, partitions: [...t.partitions]})) : null
    if (req.brokers.some((b) => !this.cluster.brokers.has(b))) await this.cluster.metadata([])
    const brokers = await Promise.all(
      req.brokers.map(async (broker): Promise<Responses['describeLogDirs']['brokers'][number]> => {
        try {
          const connection = await this.cluster.connection(broker)
          const res = await connection.request(APIS.DescribeLogDirs, {topics})
          const error = noError(res.errorCode ?? 0)
          if (error !== undefined) return {broker, logDirs: [], error}
          return {
            broker,
            logDirs: res.results.map((r) =>
              withError(
                {
                  logDir: r.logDir,
                  totalBytes: r.totalBytes ?? -1,
                  usableBytes: r.usableBytes ?? -1,
                  partitions: r.topics.flatMap((t) =>
                    t.partitions.map((p) => ({
                      topic: t.name,
                      partition: p.partitionIndex,
                      size: p.partitionSize,
                      offsetLag: p.offsetLag,
                      isFuture: p.isFutureKey,
                    })),
                  ),
                },
                noError(r.errorCode),
              ),
            ),
          }
        } catch (error) {
          const e = toKafkaException(error)
          return {broker, logDirs: [], error: e.toJSON()}
        }
      }),
    )
    return {brokers}
  }

  async #describeProducers(req: Requests['describeProducers']): Promise<Responses['describeProducers']> {
    const results: Responses['describeProducers']['partitions'] = []
    await this.#perLeader(
      req.partitions,
      async (connection, items) => {
        const res = await connection.request(APIS.DescribeProducers, {
          topics: [...byTopic(items)].map(([name, parts]) => ({
            name,
            partitionIndexes: parts.map((p) => p.partition),
          })),
        })
        return answersByPartition(res.topics)
      },
      (index, item, answer, error) => {
        results[index] = withError(
          {
            topic: item.topic,
            partition: item.partition,
            producers: (answer?.activeProducers ?? []).map((s) => ({...s})),
          },
          error,
        )
      },
    )
    return {partitions: results}
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export {addressText}
