// What a Kafka client knows of a cluster, as Kafka's Metadata and NetworkClient keep it: the brokers, each
// partition's leader, and the group and transaction coordinators; one connection per broker, opened on first use
// (the bootstrap addresses only until the first metadata answer names the brokers), with reconnect.backoff.ms between
// attempts to a broker that could not be reached.
import {KafkaException} from '../../errors.js'
import {APIS, ZERO_UUID, type MetadataResponse} from '../../protocol/kafka/codec/index.js'
import {addressText, BrokerConnection, type BrokerAddress, type BrokerConnectionOptions} from './broker-connection.js'
import {kafkaError} from './errors.js'

export interface ClusterOptions extends BrokerConnectionOptions {
  bootstrap: BrokerAddress[]
  /** reconnect.backoff.ms: the wait before connecting again to a broker that could not be reached. */
  reconnectBackoffMs: number
}

export interface PartitionInfo {
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offline: number[]
  error: number
}

export interface TopicInfo {
  name: string
  topicId: string
  internal: boolean
  error: number
  partitions: PartitionInfo[]
}

/** Kafka's FindCoordinator key types. */
export const COORDINATOR_GROUP = 0
export const COORDINATOR_TRANSACTION = 1

/** The highest Metadata version asked for: v12, with topic names (v13 adds only a top-level error code). */
const METADATA_MAX_VERSION = 12

interface Node {
  address: BrokerAddress
  connection: Promise<BrokerConnection> | null
  /** When a connection may next be tried after one failed. */
  retryAt: number
}

export class KafkaCluster {
  readonly options: ClusterOptions
  readonly #nodes = new Map<number, Node>()
  readonly #bootstrap: Node[]
  readonly #topics = new Map<string, TopicInfo>()
  readonly #coordinators = new Map<string, number>()
  clusterId: string | null = null
  controllerId = -1
  #nextBootstrap = 0
  #closed = false

  constructor(options: ClusterOptions) {
    this.options = options
    this.#bootstrap = options.bootstrap.map((address) => ({address, connection: null, retryAt: 0}))
  }

  /** The brokers of the last metadata answer, by node id. */
  get brokers(): ReadonlyMap<number, BrokerAddress> {
    return new Map([...this.#nodes].map(([id, n]) => [id, n.address]))
  }

  /** The bootstrap addresses as given, for messages. */
  get bootstrapText(): string {
    return this.options.bootstrap.map(addressText).join(',')
  }

  topic(name: string): TopicInfo | undefined {
    return this.#topics.get(name)
  }

  /** A connection to a broker of the last metadata answer. */
  connection(nodeId: number): Promise<BrokerConnection> {
    const node = this.#nodes.get(nodeId)
    if (node === undefined) {
      return Promise.reject(
        new KafkaException('LEADER_NOT_AVAILABLE', `Broker ${nodeId} is not in the cluster's metadata.`),
      )
    }
    return this.#open(node)
  }

  /**
   * A connection to any broker: one already open, else the known brokers and the bootstrap addresses in turn. Fails
   * when none can be reached, naming the addresses.
   */
  async anyConnection(): Promise<BrokerConnection> {
    for (const node of [...this.#nodes.values(), ...this.#bootstrap]) {
      if (node.connection !== null) {
        const c = await node.connection.catch(() => null)
        if (c !== null && !c.closed) return c
      }
    }
    const candidates = [...this.#nodes.values(), ...this.#bootstrap]
    let lastError: Error | undefined
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[(this.#nextBootstrap + i) % candidates.length]!
      try {
        const c = await this.#open(node)
        this.#nextBootstrap = (this.#nextBootstrap + i) % candidates.length
        return c
      } catch (error) {
        lastError = error as Error
      }
    }
    this.#nextBootstrap = (this.#nextBootstrap + 1) % Math.max(1, candidates.length)
    throw (
      lastError ?? new KafkaException('NETWORK_EXCEPTION', `No Kafka broker could be reached at ${this.bootstrapText}.`)
    )
  }

  /**
   * Asks any broker for metadata (all topics when `topics` is null) and keeps what it says. Topics with an error
   * are returned with it and not kept.
   */
  async metadata(topics: readonly string[] | null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
    const c = await this.anyConnection()
    const res = await c.request(
      APIS.Metadata,
      {
        topics: topics === null ? null : topics.map((name) => ({name, topicId: ZERO_UUID})),
        allowAutoTopicCreation,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      {version: c.versionFor(APIS.Metadata, METADATA_MAX_VERSION)},
    )
    this.#learn(res)
    return res
  }

  /** The leader of a partition, from the cache; undefined when unknown. */
  leaderOf(topic: string, partition: number): number | undefined {
    const p = this.#topics.get(topic)?.partitions[partition]
    return p === undefined || p.leader < 0 ? undefined : p.leader
  }

  /** Forgets a topic's partitions, so the next request for it asks for metadata again. */
  forgetTopic(topic: string): void {
    this.#topics.delete(topic)
  }

  /** Makes sure the cache knows these topics (asking once for those it lacks); returns the ones still unknown. */
  async ensureTopics(topics: Iterable<string>): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.#topics.has(t))
    if (missing.length > 0) await this.metadata(missing)
  }

  /** The node id of a group's (type 0) or transactional id's (type 1) coordinator, found with FindCoordinator. */
  async coordinator(keyType: number, key: string): Promise<number> {
    const cached = this.#coordinators.get(`${keyType}\0${key}`)
    if (cached !== undefined && this.#nodes.has(cached)) return cached
    const c = await this.anyConnection()
    const version = c.versionFor(APIS.FindCoordinator)
    const res = await c.request(
      APIS.FindCoordinator,
      version >= 4 ? {keyType, coordinatorKeys: [key]} : {key, keyType},
      {version},
    )
    const found =
      version >= 4
        ? res.coordinators![0]!
        : {
            nodeId: res.nodeId ?? -1,
            host: res.host ?? '',
            port: res.port ?? -1,
            errorCode: res.errorCode ?? 0,
            errorMessage: res.errorMessage ?? null,
          }
    if (found.errorCode !== 0) {
      throw kafkaError(
        found.errorCode,
        found.errorMessage,
        `Finding the ${keyType === COORDINATOR_GROUP ? 'group' : 'transaction'} coordinator of '${key}'`,
      )
    }
    this.#addNode(found.nodeId, {host: found.host, port: found.port})
    this.#coordinators.set(`${keyType}\0${key}`, found.nodeId)
    return found.nodeId
  }

  /** Forgets a coordinator after NOT_COORDINATOR or a lost connection. */
  forgetCoordinator(keyType: number, key: string): void {
    this.#coordinators.delete(`${keyType}\0${key}`)
  }

  /** Closes every connection. */
  close(): void {
    this.#closed = true
    for (const node of [...this.#nodes.values(), ...this.#bootstrap]) {
      void node.connection?.then(
        (c) => c.close(),
        () => {},
      )
      node.connection = null
    }
  }

  #learn(res: MetadataResponse): void {
    this.clusterId = res.clusterId ?? null
    this.controllerId = res.controllerId ?? -1
    for (const b of res.brokers) this.#addNode(b.nodeId, {host: b.host, port: b.port})
    for (const t of res.topics) {
      if (t.name === null) continue
      if (t.errorCode !== 0) {
        this.#topics.delete(t.name)
        continue
      }
      const partitions: PartitionInfo[] = []
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offline: p.offlineReplicas ?? [],
          error: p.errorCode,
        }
      }
      this.#topics.set(t.name, {
        name: t.name,
        topicId: t.topicId ?? ZERO_UUID,
        internal: t.isInternal ?? false,
        error: 0,
        partitions,
      })
    }
  }

  #addNode(nodeId: number, address: BrokerAddress): void {
    const node = this.#nodes.get(nodeId)
    if (node !== undefined && node.address.host === address.host && node.address.port === address.port) return
    void node?.connection?.then(
      (c) => c.close(),
      () => {},
    )
    this.#nodes.set(nodeId, {address, connection: null, retryAt: 0})
  }

  #open(node: Node): Promise<BrokerConnection> {
    if (this.#closed) {
      return Promise.reject(new KafkaException('ILLEGAL_STATE', 'The client has been closed.'))
    }
    if (node.connection !== null) return node.connection
    const wait = node.retryAt - Date.now()
    const opening = (wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait).unref()) : Promise.resolve()).then(
      () => BrokerConnection.open(node.address, this.options),
    )
    node.connection = opening
    opening.then(
      (c) =>
        c.onClose(() => {
          if (node.connection === opening) node.connection = null
        }),
      () => {
        if (node.connection === opening) node.connection = null
        node.retryAt = Date.now() + this.options.reconnectBackoffMs
      },
    )
    return opening
  }
}
