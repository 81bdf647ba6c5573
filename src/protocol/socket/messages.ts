// The control requests of the socket protocol: one zod schema per request, validated once at the daemon's door,
// and the TypeScript shape of every response. Clients import only the *types* of this module (`import type`),
// so zod is never loaded by a command that does not start the daemon.
import {z} from 'zod'
import type {ErrorData} from '../../errors.js'

const int = z.number().int()
const nonNegative = int.min(0)
const topic = z.string().max(1000)
const isolationLevel = z.union([z.literal(0), z.literal(1)])
const groupId = z.string().max(1000)
/**
 * Every array a request carries is bounded: a request is at most socket.request.max.bytes, but a header of a
 * million tiny entries would still cost the daemon seconds to validate and walk. 100,000 partitions (or topics,
 * groups, ids) in one request is far past what any client sends.
 */
export const MAX_REQUEST_ARRAY = 100_000
const list = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_REQUEST_ARRAY)
/**
 * Config names to values, kept as parsed: z.record would drop a '__proto__' key silently, and every name a user
 * gives must reach the broker's check (which refuses unknown names, Object.prototype's included).
 */
const configMap = z.custom<Record<string, string>>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length <= 1000 &&
    Object.values(v).every((x) => typeof x === 'string'),
  'expected an object of at most 1000 config names with string values',
)

/** Request schemas, keyed by method name. */
export const requestSchemas = {
  /** First request of every connection: versions of both sides. */
  hello: z.object({protocol: int, version: z.string(), clientId: z.string().optional()}),
  /** Topics and their partition counts; creates missing topics when allowed and auto.create.topics.enable is on. */
  metadata: z.object({topics: list(topic).nullable(), allowAutoTopicCreation: z.boolean().default(false)}),
  /** Kafka's CreateTopics: -1 partitions or replication factor means the broker default. */
  createTopics: z.object({
    topics: list(
      z.object({
        name: topic,
        numPartitions: int.default(-1),
        replicationFactor: int.default(-1),
        configs: configMap.default({}),
      }),
    ),
    validateOnly: z.boolean().default(false),
  }),
  /** Kafka's DeleteTopics. */
  deleteTopics: z.object({names: list(topic)}),
  /** Kafka's CreatePartitions: raises a topic's partition count to `count`. */
  createPartitions: z.object({
    topics: list(z.object({name: topic, count: int})),
    validateOnly: z.boolean().default(false),
  }),
  /**
   * Kafka's DescribeConfigs for topics, and for brokers: a broker's id (every setting, with its source), or '' (the
   * cluster's dynamic defaults only).
   */
  describeConfigs: z.object({
    topics: list(topic),
    includeDefaults: z.boolean().default(false),
    brokers: list(z.string().max(64)).default([]),
  }),
  /**
   * Kafka's IncrementalAlterConfigs for topics: DELETE, SET, then APPEND and SUBTRACT (list configs: values added
   * when missing, removed when present). `replace` is Kafka's legacy AlterConfigs: the overrides not set are deleted.
   */
  alterConfigs: z.object({
    topics: list(
      z.object({
        name: topic,
        set: configMap.default({}),
        delete: list(z.string()).default([]),
        append: configMap.default({}),
        subtract: configMap.default({}),
        replace: z.boolean().default(false),
      }),
    ),
    /** Dynamic broker configs: of a broker by its id, or of every broker (''); SET and DELETE only. */
    brokers: list(
      z.object({
        name: z.string().max(64),
        set: configMap.default({}),
        delete: list(z.string()).default([]),
        replace: z.boolean().default(false),
      }),
    ).default([]),
    validateOnly: z.boolean().default(false),
  }),
  /** Kafka's DeleteRecords: moves each partition's log start offset up to `offset` (-1: the high watermark). */
  deleteRecords: z.object({
    partitions: list(z.object({topic, partition: nonNegative, offset: int})),
  }),
  /** Kafka's ListOffsets: timestamp -1 latest, -2 earliest, -3 max timestamp, else the first offset at or after it. */
  listOffsets: z.object({
    isolationLevel: isolationLevel.default(0),
    partitions: list(z.object({topic, partition: nonNegative, timestamp: int})),
  }),
  /** Kafka's Produce; the payload holds the record batches listed in `batches`, concatenated in that order. */
  produce: z.object({
    acks: z.union([z.literal(-1), z.literal(0), z.literal(1)]),
    timeoutMs: nonNegative.default(30_000),
    batches: list(z.object({topic, partition: nonNegative, size: int.min(1)})).min(1),
  }),
  /** Kafka's Fetch, a long poll: answered once minBytes are available or maxWaitMs have passed. */
  fetch: z.object({
    maxWaitMs: nonNegative.max(3_600_000),
    minBytes: nonNegative.default(1),
    maxBytes: int.min(1),
    isolationLevel: isolationLevel.default(0),
    partitions: list(z.object({topic, partition: nonNegative, offset: nonNegative, maxBytes: int.min(1)})),
  }),
  /** Kafka's JoinGroup (classic protocol): answered when the rebalance completes. memberId '' for a new member. */
  joinGroup: z.object({
    groupId,
    sessionTimeoutMs: int,
    rebalanceTimeoutMs: int,
    memberId: z.string(),
    groupInstanceId: z.string().nullable().default(null),
    protocolType: z.string(),
    /** Each assignor's metadata: opaque bytes as base64 (for consumers, Kafka's ConsumerProtocol Subscription). */
    protocols: list(z.object({name: z.string(), metadata: z.string()})).min(1),
    clientId: z.string().default(''),
    reason: z.string().optional(),
  }),
  /** Kafka's SyncGroup: the leader sends every member's assignment; every member receives its own. */
  syncGroup: z.object({
    groupId,
    generationId: int,
    memberId: z.string(),
    groupInstanceId: z.string().nullable().default(null),
    /** Each member's assignment: opaque bytes as base64 (for consumers, Kafka's ConsumerProtocol Assignment). */
    assignments: list(z.object({memberId: z.string(), assignment: z.string()})).default([]),
  }),
  /** Kafka's Heartbeat: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin. */
  heartbeat: z.object({
    groupId,
    generationId: int,
    memberId: z.string(),
    groupInstanceId: z.string().nullable().default(null),
    /**
     * kafkalite: park the heartbeat up to this long, answering at once with REBALANCE_IN_PROGRESS when a rebalance
     * starts, so members learn of it within milliseconds instead of at their next heartbeat.
     */
    waitMs: nonNegative.max(3_600_000).default(0),
  }),
  /** Kafka's LeaveGroup. */
  leaveGroup: z.object({
    groupId,
    members: list(
      z.object({
        memberId: z.string(),
        groupInstanceId: z.string().nullable().default(null),
        reason: z.string().optional(),
      }),
    ),
  }),
  /** Kafka's OffsetCommit: a member's commit (its generation) or a simple commit (-1, '') to a group without members. */
  offsetCommit: z.object({
    groupId,
    generationId: int.default(-1),
    memberId: z.string().default(''),
    groupInstanceId: z.string().nullable().default(null),
    offsets: list(
      z.object({
        topic,
        partition: nonNegative,
        offset: int.min(0),
        metadata: z.string().nullable().default(''),
        leaderEpoch: int.default(-1),
      }),
    ),
  }),
  /**
   * Kafka's OffsetFetch: committed offsets of some partitions, or of all (partitions null). With requireStable
   * (KIP-447, what read_committed consumers send) a partition with offsets pending in an open transaction answers
   * UNSTABLE_OFFSET_COMMIT, so the consumer waits for the transaction to end.
   */
  offsetFetch: z.object({
    groupId,
    partitions: list(z.object({topic, partition: nonNegative})).nullable(),
    requireStable: z.boolean().default(false),
  }),
  /** Kafka's ListGroups, optionally filtered by state. */
  listGroups: z.object({states: list(z.string()).default([])}),
  /** Kafka's DescribeGroups. */
  describeGroups: z.object({groupIds: list(groupId)}),
  /** Kafka's DeleteGroups: only groups without active members. */
  deleteGroups: z.object({groupIds: list(groupId)}),
  /** Kafka's OffsetDelete: fails per partition while the group is subscribed to the topic. */
  offsetDelete: z.object({groupId, partitions: list(z.object({topic, partition: nonNegative}))}),
  /**
   * Kafka's InitProducerId: a producer id and epoch for an idempotent producer (transactionalId null), or for a
   * transactional id, which fences its older producers (epoch bump) and aborts what they left open.
   */
  initProducerId: z.object({
    transactionalId: z.string().min(1).max(1000).nullable().default(null),
    transactionTimeoutMs: int.min(1).default(60_000),
  }),
  /**
   * Kafka's AddOffsetsToTxn and TxnOffsetCommit in one: offsets a consumer group commits when the transaction
   * commits. The group member fields, when given, are checked as a commit's are (KIP-447).
   */
  txnOffsetCommit: z.object({
    transactionalId: z.string().min(1),
    producerId: int,
    producerEpoch: int,
    groupId,
    generationId: int.default(-1),
    memberId: z.string().default(''),
    groupInstanceId: z.string().nullable().default(null),
    offsets: list(
      z.object({topic, partition: nonNegative, offset: int.min(0), metadata: z.string().nullable().default('')}),
    ),
  }),
  /** Kafka's EndTxn: commits or aborts the producer's open transaction (markers written to every partition). */
  endTxn: z.object({
    transactionalId: z.string().min(1),
    producerId: int,
    producerEpoch: int,
    committed: z.boolean(),
    /**
     * kafkalite: the last sequence the producer sent to each partition of the transaction. Given, the daemon
     * commits only if all of them are in the log (TRANSACTION_INCOMPLETE otherwise), so a producer can send the
     * commit right behind its last batches instead of after their acknowledgements.
     */
    expected: list(z.object({topic, partition: nonNegative, lastSequence: int})).optional(),
    /**
     * This EndTxn resends one whose answer was lost (KIP-890's "retry"): a retried commit of a completed commit, or
     * abort of a completed abort, succeeds; anything else on a completed transaction is INVALID_TXN_STATE.
     */
    retry: z.boolean().optional(),
  }),
  /** Kafka's ListTransactions. */
  listTransactions: z.object({
    stateFilters: list(z.string()).default([]),
    producerIdFilters: list(int).default([]),
    /** Only transactions running longer than this many ms; -1 for all. */
    durationFilterMs: int.default(-1),
  }),
  /** Kafka's DescribeTransactions. */
  describeTransactions: z.object({transactionalIds: list(z.string())}),
  /** Kafka's DescribeProducers: the producer state of partitions. */
  describeProducers: z.object({partitions: list(z.object({topic, partition: nonNegative}))}),
  /**
   * Kafka's DescribeLogDirs, as the admin client sends it to each broker of `brokers`: each one's log directories,
   * with the size of each partition's log, for every topic (null) or these partitions.
   */
  describeLogDirs: z.object({
    brokers: list(int),
    topics: list(z.object({topic, partitions: list(nonNegative)}))
      .nullable()
      .default(null),
  }),
  /** Kafka's WriteTxnMarkers, as the admin client uses it to abort a hanging transaction. */
  writeTxnMarkers: z.object({
    markers: list(
      z.object({
        producerId: int.min(0),
        producerEpoch: int.min(0),
        coordinatorEpoch: int.default(0),
        committed: z.boolean(),
        partitions: list(z.object({topic, partition: nonNegative})),
      }),
    ),
  }),
  /** Kafka's DescribeUserScramCredentials: these users' SCRAM mechanisms and iterations, or every user's (null). */
  describeUserScramCredentials: z.object({users: list(z.string().max(1000)).nullable().default(null)}),
  /**
   * Kafka's AlterUserScramCredentials. As from Kafka's admin client, an upsertion carries the salt and the salted
   * password (base64), never the password; the broker keeps StoredKey and ServerKey only.
   */
  alterUserScramCredentials: z.object({
    deletions: list(z.object({name: z.string().max(1000), mechanism: z.string().max(100)})).default([]),
    upsertions: list(
      z.object({
        name: z.string().max(1000),
        mechanism: z.string().max(100),
        iterations: int,
        salt: z.string().max(1000),
        saltedPassword: z.string().max(1000),
      }),
    ).default([]),
  }),
  /**
   * Kafka's DescribeClientQuotas: the quota entities matching every component (matchType 0: the entity named
   * `match`, 1: the default entity, 2: any entity of the type), and with `strict` no other entity type.
   */
  describeClientQuotas: z.object({
    components: list(
      z.object({
        entityType: z.string().max(1000),
        matchType: int,
        match: z.string().max(1000).nullable().default(null),
      }),
    ),
    strict: z.boolean().default(false),
  }),
  /**
   * Kafka's AlterClientQuotas: per entity (types to names, null the default), quota keys to set or remove. A value
   * JSON cannot carry (NaN, Infinity) travels as its name, so that the broker refuses it as Kafka's does.
   */
  alterClientQuotas: z.object({
    entries: list(
      z.object({
        entity: list(z.object({entityType: z.string().max(1000), entityName: z.string().max(1000).nullable()})),
        ops: list(
          z.object({
            key: z.string().max(1000),
            value: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).default(0),
            remove: z.boolean().default(false),
          }),
        ),
      }),
    ),
    validateOnly: z.boolean().default(false),
  }),
  /**
   * kafkalite: everything the lag viewer shows, in one request: the groups (all, or these) with their lag per
   * partition (or only on these topics) in records and in time, rates, trends and Burrow's statuses, evaluated by
   * the daemon from its lag history.
   */
  lagSnapshot: z.object({
    groups: list(groupId).nullable().default(null),
    topics: list(topic).nullable().default(null),
    /**
     * Whose lag per partition to include (every group's totals, statuses and trends are always there): all (the
     * default), none, one group's, or every group's on one topic. The viewer asks only for what its screen shows.
     */
    partitions: z.union([z.literal('all'), z.literal('none'), z.object({groupId}), z.object({topic})]).default('all'),
  }),
  /** The daemon's own state, for `daemon status`. */
  /**
   * One call of the schema registry's REST API (Confluent's), answered as the HTTP listener would answer it: the
   * path carries the query, the body is the JSON text sent (at most kafkalite.schema.registry.max.request.bytes).
   */
  schemaRegistry: z.object({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
    path: z.string().min(1).max(100_000),
    body: z.string().default(''),
  }),
  status: z.object({}),
  /** SQLite's integrity_check of the whole database, for `daemon check` (the daemon serves nothing else meanwhile). */
  checkDatabase: z.object({}),
  /** Graceful stop: answers, then closes the listener, the connections and the database. */
  shutdown: z.object({}),
} as const

export type Method = keyof typeof requestSchemas
export type Requests = {[M in Method]: z.input<(typeof requestSchemas)[M]>}
export type ParsedRequests = {[M in Method]: z.output<(typeof requestSchemas)[M]>}

/** Kafka's config sources, as `ConfigEntry.ConfigSource` names them. */
export type ConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  // The sources only a Kafka cluster reports (kafkalite's broker has no dynamic broker configs).
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'

/** Kafka's ConfigEntry.ConfigType: the type of a config's value. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD'

export interface ConfigEntryData {
  name: string
  value: string | null
  type: ConfigType
  source: ConfigSource
  isDefault: boolean
  readOnly: boolean
  sensitive: boolean
  synonyms: {name: string; value: string | null; source: ConfigSource}[]
}

export interface TopicMetadataData {
  name: string
  topicId: string
  internal: boolean
  partitions: number
  /** The topic's effective max.message.bytes, so a producer can refuse an oversized record before sending it. */
  maxMessageBytes: number
  /**
   * Each partition's leader, replicas and in-sync replicas, when the broker is a Kafka cluster (the local daemon is
   * the one broker of its cluster: every partition's leader, replica and in-sync replica).
   */
  partitionDetails?: {partition: number; leader: number; replicas: number[]; isr: number[]; offline: number[]}[]
  error?: ErrorData
}

export interface PartitionResultBase {
  topic: string
  partition: number
  error?: ErrorData
}

/** Response shapes, keyed by method name. */
export interface Responses {
  hello: {protocol: number; version: string; pid: number; brokerId: number; home: string; startedAt: number}
  /** `brokers`: the brokers of a Kafka cluster (absent for the local daemon, broker `brokerId`). */
  metadata: {brokerId: number; brokers?: {id: number; host: string; port: number}[]; topics: TopicMetadataData[]}
  createTopics: {
    topics: {name: string; topicId?: string; numPartitions?: number; replicationFactor?: number; error?: ErrorData}[]
  }
  deleteTopics: {topics: {name: string; error?: ErrorData}[]}
  createPartitions: {topics: {name: string; error?: ErrorData}[]}
  describeConfigs: {
    topics: {name: string; configs: ConfigEntryData[]; error?: ErrorData}[]
    brokers?: {name: string; configs: ConfigEntryData[]; error?: ErrorData}[]
  }
  alterConfigs: {topics: {name: string; error?: ErrorData}[]; brokers?: {name: string; error?: ErrorData}[]}
  listOffsets: {partitions: (PartitionResultBase & {offset: number; timestamp: number})[]}
  /** Each partition's log start offset after the request (-1 with an error). */
  deleteRecords: {partitions: (PartitionResultBase & {lowWatermark: number})[]}
  produce: {
    results: (PartitionResultBase & {baseOffset: number; logAppendTime: number; logStartOffset: number})[]
    /** Kafka's throttle_time_ms: the client exceeded a quota; the daemon reads nothing more from it for this long. */
    throttleTimeMs?: number
  }
  fetch: {
    partitions: (PartitionResultBase & {
      highWatermark: number
      lastStableOffset: number
      logStartOffset: number
      /** Bytes of this partition's batches in the payload, which holds the partitions in this order. */
      size: number
      /** read_committed only: aborted transactions overlapping the returned batches (Kafka's transaction index). */
      abortedTransactions?: {producerId: number; firstOffset: number}[]
    })[]
    /**
     * Kafka's throttle_time_ms: the client exceeded its consumer_byte_rate (or request_percentage); the response is
     * empty, as Kafka's, and the daemon reads nothing more from the connection for this long.
     */
    throttleTimeMs?: number
  }
  joinGroup: {
    generationId: number
    protocolName: string
    leader: string
    memberId: string
    /** Every member's subscription metadata, for the leader only (empty for the others). */
    members: {memberId: string; groupInstanceId: string | null; metadata: string}[]
  }
  syncGroup: {protocolName: string; assignment: string}
  heartbeat: Record<string, never>
  leaveGroup: {members: {memberId: string; groupInstanceId: string | null; error?: ErrorData}[]}
  offsetCommit: {results: PartitionResultBase[]}
  offsetFetch: {
    offsets: (PartitionResultBase & {offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number})[]
  }
  listGroups: {groups: {groupId: string; protocolType: string; state: GroupState}[]}
  describeGroups: {groups: GroupDescriptionData[]}
  deleteGroups: {results: {groupId: string; error?: ErrorData}[]}
  offsetDelete: {results: PartitionResultBase[]}
  initProducerId: {producerId: number; producerEpoch: number}
  txnOffsetCommit: {results: PartitionResultBase[]}
  endTxn: Record<string, never>
  listTransactions: {
    /** coordinatorId: the broker that answered for it (a Kafka cluster's; the local broker leaves it out). */
    transactions: {transactionalId: string; producerId: number; state: TransactionState; coordinatorId?: number}[]
  }
  describeTransactions: {transactions: TransactionDescriptionData[]}
  describeProducers: {partitions: (PartitionResultBase & {producers: ProducerStateData[]})[]}
  writeTxnMarkers: {results: PartitionResultBase[]}
  /** Each broker asked for: its log directories, or why it could not answer. */
  describeLogDirs: {brokers: {broker: number; logDirs: LogDirData[]; error?: ErrorData}[]}
  describeUserScramCredentials: {
    results: {user: string; error?: ErrorData; credentials: {mechanism: string; iterations: number}[]}[]
  }
  alterUserScramCredentials: {results: {user: string; error?: ErrorData}[]}
  describeClientQuotas: {entries: ClientQuotaEntryData[]}
  alterClientQuotas: {entries: {entity: ClientQuotaEntityData[]; error?: ErrorData}[]}
  lagSnapshot: LagSnapshotData
  /** The HTTP status and the response body's JSON text. */
  schemaRegistry: {status: number; body: string}
  status: DaemonStatus
  checkDatabase: DatabaseCheckData
  shutdown: {pid: number}
}

/** A log directory of a broker (Kafka's LogDirDescription) and the partitions it holds (Kafka's ReplicaInfo). */
export interface LogDirData {
  logDir: string
  error?: ErrorData
  /** The size of its volume, and what is free of it; -1 when unknown. */
  totalBytes: number
  usableBytes: number
  /** size: the bytes of the partition's log; offsetLag: its log end minus its high watermark. */
  partitions: {topic: string; partition: number; size: number; offsetLag: number; isFuture: boolean}[]
}

/** One part of a client quota entity: its type (user, client-id) and name, null for the default (`<default>`). */
export interface ClientQuotaEntityData {
  entityType: string
  entityName: string | null
}

/** A client quota entity with its quotas (Kafka's DescribeClientQuotas entry). */
export interface ClientQuotaEntryData {
  entity: ClientQuotaEntityData[]
  values: {key: string; value: number}[]
}

/** What `kafkalite daemon check` found. */
export interface DatabaseCheckData {
  database: string
  /** false: there is no database yet, and nothing to check. */
  exists: boolean
  check: 'integrity_check' | 'quick_check'
  intact: boolean
  /** What SQLite reports, one line each (at most 100); empty when intact. */
  problems: string[]
  /** Size of the database and its write-ahead log. */
  bytes: number
  elapsedMs: number
  /** Who ran it: the running daemon, or a process of its own while no daemon runs. */
  by: 'daemon' | 'offline'
}

/** Burrow's status of a group's partition, from its window of last commits. */
export type LagPartitionStatus = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND'
/** Burrow's status of a group: ERR when a partition is stopped, stalled or rewound, WARN when one lags. */
export type LagGroupStatus = 'OK' | 'WARN' | 'ERR'

/** A group's lag on one partition (src/lag/model.ts). */
export interface LagPartitionData {
  topic: string
  partition: number
  /** null when the group has committed nothing for the partition. */
  committed: number | null
  logStart: number
  logEnd: number
  lag: number | null
  /** How far behind in time the committed offset is: now minus when the log reached it; null without history. */
  lagSeconds: number | null
  owner: {memberId: string; clientId: string; host: string} | null
  status: LagPartitionStatus
  /** The lag at each of the last commits, oldest first. */
  trend: number[]
  /** Records per second committed, and appended, over the last minute. */
  consumeRate: number
  produceRate: number
}

/** A group's lag (src/lag/model.ts). */
export interface LagGroupData {
  groupId: string
  state: GroupState
  members: number
  assignor: string
  totalLag: number
  /** The partition with the largest lag. */
  maxLag: {topic: string; partition: number; lag: number} | null
  /** The largest lag in seconds of its partitions. */
  lagSeconds: number | null
  consumeRate: number
  produceRate: number
  /** Seconds to catch up at the current rates; null when the lag is not shrinking. */
  eta: number | null
  /** The total lag over the last minutes, oldest first. */
  trend: number[]
  /** How unevenly the lag is spread over the partitions (kafkatop's PAR and Cv); null without lag. */
  skew: {par: number; cv: number} | null
  status: LagGroupStatus
  /** Empty unless asked for (the lagSnapshot request's `partitions`). */
  partitions: LagPartitionData[]
}

/** Whose partitions a lag snapshot details: see the lagSnapshot request. */
export type LagPartitionsDetail = 'all' | 'none' | {groupId: string} | {topic: string}

/** The lagSnapshot answer: every group's lag, evaluated by the daemon from its history. */
export interface LagSnapshotData {
  /** The daemon's clock when the snapshot was taken. */
  now: number
  groups: LagGroupData[]
}

/** Kafka's transaction states (TransactionState.java). */
export type TransactionState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence'

export interface TransactionDescriptionData {
  transactionalId: string
  state: TransactionState
  producerId: number
  producerEpoch: number
  transactionTimeoutMs: number
  /** Start of the open transaction, -1 when none is open. */
  transactionStartTimeMs: number
  partitions: {topic: string; partition: number}[]
  /** The transaction coordinator's broker id (a Kafka cluster's; the local broker leaves it out). */
  coordinatorId?: number
  error?: ErrorData
}

/** One producer's state on a partition (Kafka's DescribeProducers). */
export interface ProducerStateData {
  producerId: number
  producerEpoch: number
  lastSequence: number
  lastTimestamp: number
  coordinatorEpoch: number
  /** First offset of the producer's open transaction on the partition, -1 when none is open. */
  currentTxnStartOffset: number
}

/** Kafka's classic group states. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export interface GroupDescriptionData {
  groupId: string
  state: GroupState
  protocolType: string
  /** The selected assignor ('' while none is). */
  protocol: string
  generationId: number
  members: {
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    /** The member's subscription (JSON of the consumer protocol). */
    metadata: string
    /** Its current assignment (JSON of the consumer protocol), '' before the first sync. */
    assignment: string
  }[]
  error?: ErrorData
}

export interface DaemonStatus {
  pid: number
  version: string
  startedAt: number
  uptimeMs: number
  home: string
  socket: string
  database: string
  log: string
  topics: number
  partitions: number
  /** Offsets held in all partitions: high watermark minus log start offset, summed. */
  records: number
  /** Size of the database with its write-ahead log. */
  diskBytes: number
  /** Bytes of each topic's stored record batches, by name (what retention and compaction bound). */
  topicBytes: Record<string, number>
  connections: number
  durability: 'process-crash' | 'power-loss'
  /** The Kafka-protocol listeners open (none unless `listeners` asks for them), with what Metadata advertises. */
  listeners: {name: string; host: string; port: number; advertisedHost: string; advertisedPort: number}[]
  /** The schema registry's HTTP listeners open (none unless kafkalite.schema.registry.listeners asks), bound. */
  schemaRegistry: {host: string; port: number; url: string}[]
  /** The settings file the daemon read (the home's server.properties, or kafka-server-start's), null when none. */
  config: string | null
  /** Its broker settings as given: the file's, with command-line overrides applied. */
  settings: Record<string, string>
}
