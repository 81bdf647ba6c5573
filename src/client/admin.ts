// The Admin client, shaped like Kafka's Java Admin: topics, partitions, configs and offsets. Each call resolves when
// every item succeeded and rejects with the first item's error otherwise, like `result.all().get()` in Java.
import {errorFromData, KafkaException, toKafkaException, type ErrorData} from '../errors.js'
import {isScramMechanism, randomSalt, saltedPassword, SCRAM_DEFAULT_ITERATIONS} from '../scram.js'
import type {
  ConfigEntryData,
  GroupState,
  ProducerStateData,
  Method,
  Requests,
  Responses,
  TransactionDescriptionData,
  TransactionState,
} from '../protocol/socket/messages.js'
import {decodeAssignment, decodeSubscription} from '../protocol/kafka/consumer-protocol.js'
import {commonConfig, type ClientConfig} from './config.js'
import {ReconnectingConnection} from './connection.js'
import type {Transport, TransportKind} from './transport.js'
import {specTimestamp, type IsolationLevel, type OffsetSpec} from './offset-spec.js'

export type {IsolationLevel, OffsetSpec}

export interface NewTopic {
  name: string
  /** Default: the broker's num.partitions. */
  numPartitions?: number
  /** Default: the broker's default.replication.factor (1). */
  replicationFactor?: number
  configs?: Record<string, string>
}

export interface CreatedTopic {
  name: string
  topicId: string
  numPartitions: number
  replicationFactor: number
}

export interface TopicListing {
  name: string
  topicId: string
  internal: boolean
}

export interface Node {
  id: number
  host: string
  port: number
}

export interface TopicPartitionInfo {
  partition: number
  /** null while the partition has no leader. */
  leader: Node | null
  replicas: Node[]
  isr: Node[]
}

export interface TopicDescription {
  name: string
  topicId: string
  internal: boolean
  partitions: TopicPartitionInfo[]
}

export type ConfigEntry = ConfigEntryData

/** What deleteRecords did to a partition (Kafka's DeletedRecords): its new log start offset, or why it could not. */
export interface DeletedRecords {
  topic: string
  partition: number
  /** The partition's log start offset after the deletion; -1 with an error. */
  lowWatermark: number
  error?: KafkaException
}

export interface ListOffsetsResultInfo {
  topic: string
  partition: number
  offset: number
  timestamp: number
}

const throwFirst = (items: readonly {error?: ErrorData}[]) => {
  for (const item of items) if (item.error) throw errorFromData(item.error)
}

export class Admin {
  readonly #connections: ReconnectingConnection
  readonly #brokerId: number
  readonly #node: Node | undefined
  /** Which broker this Admin reaches: the local daemon, or a Kafka cluster. */
  readonly kind: TransportKind
  /** What it reaches: the daemon's home, or the cluster's bootstrap addresses. */
  readonly target: string

  private constructor(connections: ReconnectingConnection, first: Transport) {
    this.#connections = connections
    this.#brokerId = first.brokerId
    this.#node = first.node
    this.kind = first.kind
    this.target = first.target
  }

  /** Connects to the local broker (starting it when needed), as Kafka's `Admin.create(props)`. */
  static async create(config: ClientConfig = {}, options: {onNotice?: (message: string) => void} = {}): Promise<Admin> {
    const common = commonConfig(config, 'adminclient-1')
    // Connected now, so that a daemon that cannot start fails here; reconnected on the next call after the
    // connection closes (an idle connection closed by the daemon, a daemon restart), as Kafka's Admin reconnects.
    const connections = ReconnectingConnection.for(common, options.onNotice)
    const first = await connections.get()
    return new Admin(connections, first)
  }

  /** The broker node: one broker, whose id is its node.id. */
  node(): Node {
    return this.#node ?? {id: this.#brokerId, host: 'localhost', port: 9092}
  }

  async createTopics(topics: readonly NewTopic[], options: {validateOnly?: boolean} = {}): Promise<CreatedTopic[]> {
    const res = await this.#request('createTopics', {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        configs: t.configs ?? {},
      })),
      validateOnly: options.validateOnly ?? false,
    })
    throwFirst(res.topics)
    return res.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId!,
      numPartitions: t.numPartitions!,
      replicationFactor: t.replicationFactor!,
    }))
  }

  /** The cluster's brokers (Kafka's describeCluster().nodes()): the local daemon is one broker, shown as node(). */
  async describeCluster(): Promise<{nodes: Node[]}> {
    const res = await this.#request('metadata', {topics: [], allowAutoTopicCreation: false})
    const nodes = res.brokers?.map((b) => ({id: b.id, host: b.host, port: b.port})) ?? [this.node()]
    return {nodes: nodes.sort((a, b) => a.id - b.id)}
  }

  /** Topic names, sorted; internal topics only when `listInternal`. */
  async listTopics(options: {listInternal?: boolean} = {}): Promise<TopicListing[]> {
    const res = await this.#request('metadata', {topics: null, allowAutoTopicCreation: false})
    return res.topics
      .filter((t) => options.listInternal || !t.internal)
      .map((t) => ({name: t.name, topicId: t.topicId, internal: t.internal}))
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    const res = await this.#request('metadata', {topics: [...names], allowAutoTopicCreation: false})
    throwFirst(res.topics)
    const local = this.node()
    const brokers = new Map((res.brokers ?? []).map((b) => [b.id, b]))
    // A broker the metadata does not list (a leader that is down): Kafka's Node.noNode() keeps its id.
    const node = (id: number): Node => brokers.get(id) ?? {id, host: '', port: -1}
    return res.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      internal: t.internal,
      partitions:
        t.partitionDetails?.map((p) => ({
          partition: p.partition,
          leader: p.leader < 0 ? null : node(p.leader),
          replicas: p.replicas.map(node),
          isr: p.isr.map(node),
        })) ??
        Array.from({length: t.partitions}, (_, partition) => ({
          partition,
          leader: local,
          replicas: [local],
          isr: [local],
        })),
    }))
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const res = await this.#request('deleteTopics', {names: [...names]})
    throwFirst(res.topics)
  }

  /** Raises partition counts: `{topic: newTotalCount}`. */
  async createPartitions(counts: Record<string, number>, options: {validateOnly?: boolean} = {}): Promise<void> {
    const res = await this.#request('createPartitions', {
      topics: Object.entries(counts).map(([name, count]) => ({name, count})),
      validateOnly: options.validateOnly ?? false,
    })
    throwFirst(res.topics)
  }

  /** Configs of topics: the overrides, or every config with `includeDefaults`. */
  async describeConfigs(
    topics: readonly string[],
    options: {includeDefaults?: boolean} = {},
  ): Promise<Map<string, ConfigEntry[]>> {
    const res = await this.#request('describeConfigs', {
      topics: [...topics],
      includeDefaults: options.includeDefaults ?? false,
    })
    throwFirst(res.topics)
    return new Map(res.topics.map((t) => [t.name, t.configs]))
  }

  /**
   * Kafka's incrementalAlterConfigs for topics: `{topic: {set: {name: value}, delete: [name]}}`, and for list configs
   * (cleanup.policy) `append` and `subtract` of comma-separated values (AlterConfigOp.OpType APPEND and SUBTRACT).
   */
  async incrementalAlterConfigs(
    changes: Record<
      string,
      {
        set?: Record<string, string>
        delete?: string[]
        append?: Record<string, string>
        subtract?: Record<string, string>
      }
    >,
    options: {validateOnly?: boolean} = {},
  ): Promise<void> {
    const res = await this.#request('alterConfigs', {
      topics: Object.entries(changes).map(([name, c]) => ({
        name,
        set: c.set ?? {},
        delete: c.delete ?? [],
        append: c.append ?? {},
        subtract: c.subtract ?? {},
      })),
      validateOnly: options.validateOnly ?? false,
    })
    throwFirst(res.topics)
  }

  /**
   * Configs of brokers (Kafka's describeConfigs of ConfigResource.Type.BROKER): by broker id, every setting with its
   * source, or only those not at their default without `includeDefaults`; '' names the cluster's dynamic defaults.
   */
  async describeBrokerConfigs(
    brokers: readonly string[],
    options: {includeDefaults?: boolean} = {},
  ): Promise<Map<string, ConfigEntry[]>> {
    const res = await this.#request('describeConfigs', {
      topics: [],
      brokers: [...brokers],
      includeDefaults: options.includeDefaults ?? false,
    })
    throwFirst(res.brokers ?? [])
    return new Map((res.brokers ?? []).map((b) => [b.name, b.configs]))
  }

  /**
   * Changes dynamic broker configs (Kafka's incrementalAlterConfigs of BROKER resources): `{brokerId: {set, delete}}`,
   * '' for every broker's defaults. They take effect at once, without a restart.
   */
  async incrementalAlterBrokerConfigs(
    changes: Record<string, {set?: Record<string, string>; delete?: string[]}>,
    options: {validateOnly?: boolean} = {},
  ): Promise<void> {
    const res = await this.#request('alterConfigs', {
      topics: [],
      brokers: Object.entries(changes).map(([name, c]) => ({name, set: c.set ?? {}, delete: c.delete ?? []})),
      validateOnly: options.validateOnly ?? false,
    })
    throwFirst(res.brokers ?? [])
  }

  /** Offsets of partitions by OffsetSpec; offset -1 when no record matches a timestamp. */
  async listOffsets(
    partitions: readonly {topic: string; partition: number; spec: OffsetSpec}[],
    options: {isolationLevel?: IsolationLevel} = {},
  ): Promise<ListOffsetsResultInfo[]> {
    const req: Requests['listOffsets'] = {
      isolationLevel: options.isolationLevel === 'read_committed' ? 1 : 0,
      partitions: partitions.map((p) => ({topic: p.topic, partition: p.partition, timestamp: specTimestamp(p.spec)})),
    }
    const res = await this.#request('listOffsets', req)
    throwFirst(res.partitions)
    return res.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      offset: p.offset,
      timestamp: p.timestamp,
    }))
  }

  /**
   * Kafka's deleteRecords: deletes the records of each partition before `beforeOffset` (RecordsToDelete.beforeOffset;
   * -1 for the high watermark) by moving its log start offset there. Per-partition outcome, as Java's
   * `lowWatermarks()`: the new log start offset, or the error (OffsetOutOfRangeException above the high watermark).
   */
  async deleteRecords(
    partitions: readonly {topic: string; partition: number; beforeOffset: number}[],
  ): Promise<DeletedRecords[]> {
    const res = await this.#request('deleteRecords', {
      partitions: partitions.map((p) => ({topic: p.topic, partition: p.partition, offset: p.beforeOffset})),
    })
    return res.partitions.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      lowWatermark: r.lowWatermark,
      ...(r.error ? {error: errorFromData(r.error)} : {}),
    }))
  }

  // ---- consumer groups ------------------------------------------------------------------------------------

  /** Every group, optionally only those in these states (case-insensitive). */
  async listConsumerGroups(states: readonly string[] = []): Promise<ConsumerGroupListing[]> {
    const res = await this.#request('listGroups', {states: [...states]})
    return res.groups.sort((a, b) => (a.groupId < b.groupId ? -1 : 1))
  }

  /** Groups with their state, assignor and members (an unknown group comes back as Dead with no members). */
  async describeConsumerGroups(groupIds: readonly string[]): Promise<ConsumerGroupDescription[]> {
    const res = await this.#request('describeGroups', {groupIds: [...groupIds]})
    return res.groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      assignor: g.protocol,
      generationId: g.generationId,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        topics: decodeSubscription(m.metadata).topics,
        assignment: decodeAssignment(m.assignment).partitions,
      })),
    }))
  }

  /** A group's committed offsets. */
  async listConsumerGroupOffsets(groupId: string): Promise<CommittedOffset[]> {
    const res = await this.#request('offsetFetch', {groupId, partitions: null})
    return res.offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      commitTimestamp: o.commitTimestamp,
    }))
  }

  /** Sets a group's committed offsets; the group must have no active members. */
  async alterConsumerGroupOffsets(
    groupId: string,
    offsets: readonly {topic: string; partition: number; offset: number}[],
  ) {
    const res = await this.#request('offsetCommit', {groupId, offsets: [...offsets]})
    throwFirst(res.results)
  }

  /** Deletes groups without active members; per-group outcome. */
  async deleteConsumerGroups(groupIds: readonly string[]): Promise<{groupId: string; error?: KafkaException}[]> {
    const res = await this.#request('deleteGroups', {groupIds: [...groupIds]})
    return res.results.map((r) =>
      r.error ? {groupId: r.groupId, error: errorFromData(r.error)} : {groupId: r.groupId},
    )
  }

  /** Deletes a group's committed offsets of these partitions; per-partition outcome. */
  async deleteConsumerGroupOffsets(
    groupId: string,
    partitions: readonly {topic: string; partition: number}[],
  ): Promise<{topic: string; partition: number; error?: KafkaException}[]> {
    const res = await this.#request('offsetDelete', {groupId, partitions: [...partitions]})
    return res.results.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      ...(r.error ? {error: errorFromData(r.error)} : {}),
    }))
  }

  // ---- transactions ---------------------------------------------------------------------------------------

  /**
   * Kafka's listTransactions: transactional ids with their producer id and state. Filters as in
   * ListTransactionsOptions: `states` (filterStates), `producerIds` (filterProducerIds) and `durationFilterMs`
   * (filterOnDuration: only transactions open longer than this; -1, the default, for all).
   */
  async listTransactions(options: ListTransactionsOptions = {}): Promise<TransactionListing[]> {
    const res = await this.#request('listTransactions', {
      stateFilters: [...(options.states ?? [])],
      producerIdFilters: [...(options.producerIds ?? [])],
      durationFilterMs: options.durationFilterMs ?? -1,
    })
    return res.transactions.map((t) => ({...t, coordinatorId: t.coordinatorId ?? this.node().id}))
  }

  /**
   * Kafka's describeTransactions, as `all()`: rejects with the first id's error, TransactionalIdNotFoundException
   * for an id the coordinator does not know.
   */
  async describeTransactions(transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
    if (transactionalIds.length === 0) return []
    const res = await this.#request('describeTransactions', {transactionalIds: [...transactionalIds]})
    throwFirst(res.transactions)
    return res.transactions.map(({error: _error, ...t}) => ({...t, coordinatorId: t.coordinatorId ?? this.node().id}))
  }

  /**
   * Kafka's describeProducers: the producers with state on each partition (UnknownTopicOrPartitionException for a
   * missing one). `brokerId` (DescribeProducersOptions) names the replica to ask: kafkalite has one broker.
   */
  async describeProducers(
    partitions: readonly {topic: string; partition: number}[],
    options: {brokerId?: number} = {},
  ): Promise<PartitionProducerState[]> {
    const broker = this.node().id
    if (options.brokerId !== undefined && options.brokerId !== broker) {
      throw new KafkaException(
        'INVALID_REQUEST',
        `Broker ${options.brokerId} is not a replica of any partition: kafkalite is the single broker ${broker}`,
      )
    }
    if (partitions.length === 0) return []
    const res = await this.#request('describeProducers', {partitions: [...partitions]})
    throwFirst(res.partitions)
    return res.partitions.map(({error: _error, ...p}) => p)
  }

  /**
   * Kafka's describeUserScramCredentials: every user's SCRAM mechanisms and iterations, or these users' (as `all()`:
   * rejects with the first user's error, ResourceNotFoundException for a user with no credential).
   */
  async describeUserScramCredentials(users?: readonly string[]): Promise<UserScramCredentialsDescription[]> {
    const res = await this.#request('describeUserScramCredentials', {users: users ? [...users] : null})
    throwFirst(res.results)
    return res.results.map((r) => ({user: r.user, credentialInfos: r.credentials}))
  }

  /**
   * Kafka's alterUserScramCredentials: upsertions (a password, salted here as Kafka's admin client salts it: a
   * random salt, PBKDF2 with the mechanism's hash) and deletions. Resolves with each user's error, if any.
   */
  async alterUserScramCredentials(
    alterations: readonly UserScramCredentialAlteration[],
  ): Promise<{user: string; error?: KafkaException}[]> {
    const deletions: {name: string; mechanism: string}[] = []
    const upsertions: {name: string; mechanism: string; iterations: number; salt: string; saltedPassword: string}[] = []
    for (const a of alterations) {
      if (!isScramMechanism(a.mechanism)) {
        throw new KafkaException('UNSUPPORTED_SASL_MECHANISM', `Unknown SCRAM mechanism ${a.mechanism}`)
      }
      if (a.password === undefined) {
        deletions.push({name: a.user, mechanism: a.mechanism})
        continue
      }
      const iterations = a.iterations ?? SCRAM_DEFAULT_ITERATIONS
      const salt = randomSalt()
      upsertions.push({
        name: a.user,
        mechanism: a.mechanism,
        iterations,
        salt: salt.toString('base64'),
        // Kafka's admin client refuses bad iterations before salting; the broker checks again.
        saltedPassword:
          iterations >= 1 ? saltedPassword(a.mechanism, a.password, salt, iterations).toString('base64') : '',
      })
    }
    const res = await this.#request('alterUserScramCredentials', {deletions, upsertions})
    return res.results.map((r) => (r.error ? {user: r.user, error: toKafkaException(r.error)} : {user: r.user}))
  }

  /**
   * Kafka's describeClientQuotas: the quotas of the entities the filter matches (every component: a name, the
   * default with `match: null`, any name without `match`; `strict`: entities with no other parts, Kafka's
   * ClientQuotaFilter.containsOnly). No components: every entity (ClientQuotaFilter.all()). A bad filter rejects with
   * the broker's InvalidRequestException.
   */
  async describeClientQuotas(filter: ClientQuotaFilter = {components: []}): Promise<ClientQuotaEntry[]> {
    const res = await this.#request('describeClientQuotas', {
      components: filter.components.map((c) => ({
        entityType: c.entityType,
        matchType: c.match === undefined ? 2 : c.match === null ? 1 : 0,
        match: c.match ?? null,
      })),
      strict: filter.strict ?? false,
    })
    return res.entries.map((e) => ({
      entity: Object.fromEntries(e.entity.map((p) => [p.entityType, p.entityName])),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }))
  }

  /**
   * Kafka's alterClientQuotas: per entity, quota keys set (a value) or removed (null), all of an entity's or none.
   * Resolves when every entity was altered (`validateOnly`: checked only), and rejects with the first entity's error
   * otherwise, as `all().get()`.
   */
  async alterClientQuotas(
    entries: readonly ClientQuotaAlteration[],
    options: {validateOnly?: boolean} = {},
  ): Promise<void> {
    if (entries.length === 0) return
    const res = await this.#request('alterClientQuotas', {
      entries: entries.map((e) => ({
        entity: Object.entries(e.entity).map(([entityType, entityName]) => ({entityType, entityName})),
        ops: e.ops.map((op) =>
          op.value === null
            ? {key: op.key, remove: true}
            : // JSON has no NaN or Infinity: they travel as their names, for the broker to refuse.
              {key: op.key, value: Number.isFinite(op.value) ? op.value : (String(op.value) as 'NaN')},
        ),
      })),
      validateOnly: options.validateOnly ?? false,
    })
    throwFirst(res.entries)
  }

  /**
   * Kafka's abortTransaction: writes an ABORT marker for a producer's open transaction on one partition
   * (InvalidTxnStateException when that producer has none open there).
   */
  async abortTransaction(spec: AbortTransactionSpec): Promise<void> {
    const res = await this.#request('writeTxnMarkers', {
      markers: [
        {
          producerId: spec.producerId,
          producerEpoch: spec.producerEpoch,
          coordinatorEpoch: spec.coordinatorEpoch,
          committed: false,
          partitions: [{topic: spec.topic, partition: spec.partition}],
        },
      ],
    })
    throwFirst(res.results)
  }

  /**
   * Kafka's describeLogDirs(brokers).allDescriptions(): each broker's log directories, by path, with the partitions in
   * each (their size in bytes, offset lag, and whether they are a future replica). Rejects with the first broker's
   * error; a directory that could not be read carries its own.
   */
  async describeLogDirs(brokers: readonly number[]): Promise<Map<number, Map<string, LogDirDescription>>> {
    const res = await this.#request('describeLogDirs', {brokers: [...brokers], topics: null})
    throwFirst(res.brokers)
    return new Map(
      res.brokers.map((b) => [
        b.broker,
        new Map(
          b.logDirs.map((d) => [
            d.logDir,
            {
              ...(d.error === undefined ? {} : {error: errorFromData(d.error)}),
              replicaInfos: d.partitions.map((p) => ({...p})),
              totalBytes: d.totalBytes,
              usableBytes: d.usableBytes,
            },
          ]),
        ),
      ]),
    )
  }

  close(): void {
    void this.#connections.close()
  }

  async #request<M extends Method>(method: M, params: Requests[M]): Promise<Responses[M]> {
    return (await this.#connections.get()).request(method, params)
  }
}

/** Kafka's ReplicaInfo, with its partition: the size of its log in bytes, its offset lag, whether it is a future log. */
export interface ReplicaInfo {
  topic: string
  partition: number
  size: number
  offsetLag: number
  isFuture: boolean
}

/** Kafka's LogDirDescription: a log directory's partitions, the size of its volume and what is free (-1: unknown). */
export interface LogDirDescription {
  error?: KafkaException
  replicaInfos: ReplicaInfo[]
  totalBytes: number
  usableBytes: number
}

/**
 * Kafka's ClientQuotaEntity: its parts, entity type (`user`, `client-id`) to name, null for the default
 * (`<default>`): `{user: 'alice'}`, `{'client-id': null}`, `{user: 'alice', 'client-id': 'c1'}`.
 */
export type ClientQuotaEntity = Record<string, string | null>

/**
 * Kafka's ClientQuotaFilterComponent: an entity type, and what its name must be: `match` a name (ofEntity), null for
 * the default (ofDefaultEntity), or left out for any name (ofEntityType).
 */
export interface ClientQuotaFilterComponent {
  entityType: string
  match?: string | null
}

/** Kafka's ClientQuotaFilter: `contains` the components, or with `strict` `containsOnly` them. */
export interface ClientQuotaFilter {
  components: readonly ClientQuotaFilterComponent[]
  strict?: boolean
}

/** One entity and its quotas (an entry of Kafka's DescribeClientQuotasResult.entities()). */
export interface ClientQuotaEntry {
  entity: ClientQuotaEntity
  values: Record<string, number>
}

/** Kafka's ClientQuotaAlteration: an entity and its ops, each setting a quota key (a value) or removing it (null). */
export interface ClientQuotaAlteration {
  entity: ClientQuotaEntity
  ops: readonly {key: string; value: number | null}[]
}

/** Kafka's UserScramCredentialsDescription: a user's SCRAM mechanisms with their iterations. */
export interface UserScramCredentialsDescription {
  user: string
  credentialInfos: {mechanism: string; iterations: number}[]
}

/**
 * Kafka's UserScramCredentialUpsertion (with `password`) or UserScramCredentialDeletion (without): `mechanism`
 * SCRAM-SHA-256 or SCRAM-SHA-512, `iterations` 4096 by default.
 */
export interface UserScramCredentialAlteration {
  user: string
  mechanism: string
  iterations?: number
  password?: string
}

export interface TransactionListing {
  transactionalId: string
  producerId: number
  state: TransactionState
  /** The broker whose transaction coordinator holds it. */
  coordinatorId: number
}

export interface TransactionDescription extends Omit<TransactionDescriptionData, 'error'> {
  coordinatorId: number
}

export type ProducerState = ProducerStateData

export interface PartitionProducerState {
  topic: string
  partition: number
  producers: ProducerState[]
}

export interface ListTransactionsOptions {
  states?: readonly TransactionState[]
  producerIds?: readonly number[]
  durationFilterMs?: number
}

/** Kafka's AbortTransactionSpec: the producer whose open transaction on a partition to abort. */
export interface AbortTransactionSpec {
  topic: string
  partition: number
  producerId: number
  producerEpoch: number
  coordinatorEpoch: number
}

export type {TransactionState}

export interface ConsumerGroupListing {
  groupId: string
  protocolType: string
  state: GroupState
}

export interface MemberDescription {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  host: string
  /** Subscribed topics. */
  topics: string[]
  assignment: {topic: string; partition: number}[]
}

export interface ConsumerGroupDescription {
  groupId: string
  state: GroupState
  /** The selected assignor ('' for an empty group). */
  assignor: string
  generationId: number
  members: MemberDescription[]
}

export interface CommittedOffset {
  topic: string
  partition: number
  offset: number
  /** The leader epoch the committing consumer gave (-1: none). */
  leaderEpoch: number
  metadata: string
  commitTimestamp: number
}
