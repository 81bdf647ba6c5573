// The broker core: the one protocol-neutral face of the broker, and the one place it is wired. Front ends (the Unix
// socket today, Kafka's protocol next) adapt their requests to these methods and never reach past them, so a rule
// that spans components (deleting a topic drops its committed offsets and its lag history; OffsetFetch with
// require_stable waits out open transactions) is written once, here.
//
// The components, and who calls whom:
// - Broker (broker.ts): topics, configs, the log (produce, read, list offsets, markers);
// - GroupCoordinator: Kafka's classic group protocol and committed offsets;
// - TransactionCoordinator: producer ids, transactions and their markers; the broker asks it to verify every
//   transactional batch before appending it (KIP-890), and it asks the broker to write markers;
// - ClientQuotas: client quotas (user, client-id) and the meters the front ends ask for throttle times;
// - LagHistory: samples of log ends and commits, told by the broker and the group coordinator after each commit;
// - SchemaRegistry: Confluent's schema registry (schema-registry/), reached through one REST router by both the
//   registry's HTTP listener and the socket.
import {statfsSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {CorruptDatabaseException} from '../errors.js'
import type {DaemonStatus, LogDirData, ParsedRequests, Responses} from '../protocol/socket/messages.js'
import type {StorageFailure} from '../store/failure.js'
import type {DatabaseCheck, Store} from '../store/store.js'
import {Broker, type ProduceRequest} from './broker.js'
import type {BrokerConfig} from './broker-config.js'
import {ClientQuotas, type QuotaClient} from './client-quotas.js'
import {fetch, type FetchBudget, type FetchResult} from './fetch.js'
import {GroupCoordinator, type ConnectionRef, type JoinOptions} from './group-coordinator.js'
import {LagHistory} from './lag/history.js'
import {LogManager} from './log-manager.js'
import {lagSnapshot} from './lag/snapshot.js'
import type {Logger} from './logger.js'
import {ScramUsers} from './scram-users.js'
import {SchemaRegistry} from './schema-registry/registry.js'
import {routeRegistryRequest, type RegistryRequest, type RegistryResponse} from './schema-registry/router.js'
import {
  TransactionCoordinator,
  type AddOffsetsToTxnRequest,
  type AddPartitionsToTxnRequest,
  type InitProducerIdRequest,
} from './transaction-coordinator.js'

type Req<M extends keyof ParsedRequests> = ParsedRequests[M]
type Res<M extends keyof Responses> = Responses[M]

export type {ConnectionRef, JoinOptions, QuotaClient}
export type {ClientQuotas}
export {MemberIdRequiredException} from './group-coordinator.js'

/** The broker's own part of `daemon status`: what it holds and where. */
export type BrokerStatus = Pick<
  DaemonStatus,
  'topics' | 'partitions' | 'records' | 'database' | 'diskBytes' | 'durability' | 'topicBytes'
>

export class BrokerCore {
  readonly config: BrokerConfig
  readonly broker: Broker
  readonly groups: GroupCoordinator
  readonly transactions: TransactionCoordinator
  readonly history: LagHistory
  /** SASL/SCRAM users (the Kafka listener's SCRAM exchange checks clients against them). */
  readonly scramUsers: ScramUsers
  /** Client quotas: the front ends ask it how long to throttle a client after each request. */
  readonly quotas: ClientQuotas
  /** Retention, the purge of deleted records, and the log cleaner. */
  readonly logs: LogManager
  readonly #store: Store
  readonly #now: () => number
  #registry: SchemaRegistry | undefined
  readonly #producerExpiry: NodeJS.Timeout
  readonly #offsetExpiry: NodeJS.Timeout
  /** Units of work the storage refused since it last took one. */
  #refused = 0
  #refusalLoggedAt = 0

  constructor(store: Store, config: BrokerConfig, log: Logger, now: () => number = Date.now) {
    this.config = config
    this.#store = store
    this.#now = now
    this.history = new LagHistory(store, config.lagHistory, log)
    this.scramUsers = new ScramUsers(store)
    this.quotas = new ClientQuotas(store, config.quotaWindows, now)
    this.broker = new Broker(store, config, {
      now,
      // Called only while serving requests, after the constructor has created the coordinator.
      verifyTransaction: (producerId, producerEpoch, p) => this.transactions.verifyAppend(producerId, producerEpoch, p),
      onAppended: (p, endOffset, at) => this.history.onAppend(p.topic.row.name, p.index, endOffset, at),
      onLogStartMoved: (p) => this.logs.schedulePurge(p),
    })
    this.logs = new LogManager(this.broker, store, config.logs, log, now)
    this.groups = new GroupCoordinator(store, this.broker, config.groups, log, {
      now,
      onCommitted: (rows) => {
        for (const r of rows) {
          const end = this.broker.topic(r.topic)?.partitions[r.partition]?.nextOffset ?? r.offset
          this.history.onCommit(r.groupId, r.topic, r.partition, r.offset, end, r.commitTimestamp)
        }
      },
    })
    this.transactions = new TransactionCoordinator(store, this.broker, this.groups, config.transactions, log, now)
    store.afterUnit((failure) => this.#afterUnit(failure, log))
    // Kafka's producer.id.expiration.check.interval.ms: idle producers are forgotten by every partition.
    this.#producerExpiry = setInterval(() => {
      try {
        const n = this.broker.expireProducers()
        if (n > 0) log.info(`forgot ${n} idle producer(s) of partitions (producer.id.expiration.ms)`)
      } catch (error) {
        log.error(`could not expire idle producers: ${String(error)}`)
      }
    }, config.producerIds.checkIntervalMs)
    this.#producerExpiry.unref()
    // Kafka's offsets.retention.check.interval.ms: expired committed offsets go, with their lag history.
    this.#offsetExpiry = setInterval(() => {
      try {
        const failure = store.unit(() => this.expireOffsets())
        if (failure) log.warn(`could not expire committed offsets: ${failure.message}`)
      } catch (error) {
        log.error(`could not expire committed offsets: ${String(error)}`)
      }
    }, config.offsetsRetention.checkIntervalMs)
    this.#offsetExpiry.unref()
    this.logs.start()
  }

  // ---- topics and configs ---------------------------------------------------------------------------------------

  /** The name of the topic with this Kafka topic id, if there is one. */
  topicNameById(topicId: string): string | undefined {
    return this.broker.topicById(topicId)?.row.name
  }

  metadata(req: Req<'metadata'>): Res<'metadata'> {
    return this.broker.metadata(req)
  }

  createTopics(req: Req<'createTopics'>): Res<'createTopics'> {
    return this.broker.createTopics(req)
  }

  /** Deletes topics; their committed offsets and lag history go with them, as in Kafka. */
  deleteTopics(req: Req<'deleteTopics'>): Res<'deleteTopics'> {
    const res = this.broker.deleteTopics(req)
    for (const t of res.topics) {
      if (t.error) continue
      this.groups.onTopicDeleted(t.name)
      this.history.forget({topic: t.name})
    }
    return res
  }

  createPartitions(req: Req<'createPartitions'>): Res<'createPartitions'> {
    return this.broker.createPartitions(req)
  }

  describeConfigs(req: Req<'describeConfigs'>): Res<'describeConfigs'> {
    return this.broker.describeConfigs(req)
  }

  alterConfigs(req: Req<'alterConfigs'>): Res<'alterConfigs'> {
    return this.broker.alterConfigs(req)
  }

  describeUserScramCredentials(req: Req<'describeUserScramCredentials'>): Res<'describeUserScramCredentials'> {
    return this.scramUsers.describe(req)
  }

  alterUserScramCredentials(req: Req<'alterUserScramCredentials'>): Res<'alterUserScramCredentials'> {
    return this.scramUsers.alter(req)
  }

  describeClientQuotas(req: Req<'describeClientQuotas'>): Res<'describeClientQuotas'> {
    return this.quotas.describe(req)
  }

  alterClientQuotas(req: Req<'alterClientQuotas'>): Res<'alterClientQuotas'> {
    return this.quotas.alter(req)
  }

  // ---- the log ----------------------------------------------------------------------------------------------------

  /** Appends the request's batches, all committed before any result is returned. */
  produce(req: ProduceRequest): Res<'produce'>['results'] {
    this.logs.lastRequestAt = performance.now()
    return this.broker.produce(req)
  }

  /**
   * Reads records, waiting up to `maxWaitMs` for `minBytes` (a long poll, cancelled when the connection closes), each
   * read within what `budget` grants.
   */
  fetch(req: Req<'fetch'>, connection: ConnectionRef, budget?: FetchBudget): FetchResult | Promise<FetchResult> {
    this.logs.lastRequestAt = performance.now()
    return fetch(this.broker, req, (cancel) => connection.onClose(cancel), budget)
  }

  listOffsets(req: Req<'listOffsets'>): Res<'listOffsets'> {
    return this.broker.listOffsets(req)
  }

  /** Moves partitions' log start offsets forward (Kafka's DeleteRecords); see Broker.deleteRecords for the rules. */
  deleteRecords(req: Req<'deleteRecords'>): Res<'deleteRecords'> {
    return this.broker.deleteRecords(req)
  }

  // ---- consumer groups --------------------------------------------------------------------------------------------

  /** A member joins; `connection` null: only its session counts (Kafka's protocol), else it leaves when that closes. */
  joinGroup(
    req: Req<'joinGroup'>,
    connection: ConnectionRef | null,
    options?: JoinOptions,
  ): ReturnType<GroupCoordinator['joinGroup']> {
    return this.groups.joinGroup(req, connection, options)
  }

  syncGroup(
    req: Req<'syncGroup'>,
    expected?: Parameters<GroupCoordinator['syncGroup']>[1],
  ): ReturnType<GroupCoordinator['syncGroup']> {
    return this.groups.syncGroup(req, expected)
  }

  heartbeat(req: Req<'heartbeat'>, connection: ConnectionRef): ReturnType<GroupCoordinator['heartbeat']> {
    return this.groups.heartbeat(req, connection)
  }

  leaveGroup(req: Req<'leaveGroup'>): Res<'leaveGroup'> {
    return this.groups.leaveGroup(req)
  }

  offsetCommit(req: Req<'offsetCommit'>): Res<'offsetCommit'> {
    return this.groups.offsetCommit(req)
  }

  /** Committed offsets; with `requireStable`, partitions with offsets in an open transaction answer UNSTABLE_OFFSET_COMMIT. */
  offsetFetch(req: Req<'offsetFetch'>): Res<'offsetFetch'> {
    const res = this.groups.offsetFetch(req)
    return req.requireStable ? this.transactions.markUnstable(req.groupId, res) : res
  }

  listGroups(req: Req<'listGroups'>): Res<'listGroups'> {
    return this.groups.listGroups(req)
  }

  describeGroups(req: Req<'describeGroups'>): Res<'describeGroups'> {
    return this.groups.describeGroups(req)
  }

  /** Deletes empty groups and their offsets; their lag history goes with them. */
  deleteGroups(req: Req<'deleteGroups'>): Res<'deleteGroups'> {
    const res = this.groups.deleteGroups(req)
    for (const r of res.results) if (!r.error) this.history.forget({groupId: r.groupId})
    return res
  }

  /** Expires committed offsets past offsets.retention.minutes (GroupCoordinator.expireOffsets), with their lag history. */
  expireOffsets(): number {
    let n = 0
    for (const e of this.groups.expireOffsets(this.config.offsetsRetention.retentionMs)) {
      this.history.forget(e.groupGone ? {groupId: e.groupId} : {groupId: e.groupId, partitions: e.partitions})
      n += e.partitions.length
    }
    return n
  }

  /** Deletes a group's offsets of some partitions; their lag history goes with them. */
  offsetDelete(req: Req<'offsetDelete'>): Res<'offsetDelete'> {
    const res = this.groups.offsetDelete(req)
    this.history.forget({groupId: req.groupId, partitions: res.results.filter((r) => !r.error)})
    return res
  }

  // ---- producers and transactions ---------------------------------------------------------------------------------

  initProducerId(req: InitProducerIdRequest): Res<'initProducerId'> {
    return this.transactions.initProducerId(req)
  }

  /** Partitions join the producer's transaction (Kafka's AddPartitionsToTxn); a result per partition. */
  addPartitionsToTxn(req: AddPartitionsToTxnRequest): ReturnType<TransactionCoordinator['addPartitionsToTxn']> {
    return this.transactions.addPartitionsToTxn(req)
  }

  /** A group's offsets will be committed with the producer's transaction (Kafka's AddOffsetsToTxn). */
  addOffsetsToTxn(req: AddOffsetsToTxnRequest): ReturnType<TransactionCoordinator['addOffsetsToTxn']> {
    return this.transactions.addOffsetsToTxn(req)
  }

  txnOffsetCommit(req: Req<'txnOffsetCommit'>): Res<'txnOffsetCommit'> {
    return this.transactions.txnOffsetCommit(req)
  }

  endTxn(req: Req<'endTxn'>): ReturnType<TransactionCoordinator['endTxn']> {
    return this.transactions.endTxn(req)
  }

  listTransactions(req: Req<'listTransactions'>): ReturnType<TransactionCoordinator['listTransactions']> {
    return this.transactions.listTransactions(req)
  }

  describeTransactions(req: Req<'describeTransactions'>): Res<'describeTransactions'> {
    return this.transactions.describeTransactions(req)
  }

  describeProducers(req: Req<'describeProducers'>): Res<'describeProducers'> {
    return this.transactions.describeProducers(req)
  }

  writeTxnMarkers(req: Req<'writeTxnMarkers'>): Res<'writeTxnMarkers'> {
    return this.transactions.writeTxnMarkers(req)
  }

  // ---- the schema registry -------------------------------------------------------------------------------------------

  /**
   * One call of Confluent Schema Registry's REST API (method, path with query, body), answered as status and JSON
   * text: the HTTP listener and the socket both come here. Runs inside the caller's unit of work.
   */
  schemaRegistry(request: RegistryRequest): RegistryResponse {
    this.#registry ??= new SchemaRegistry(this.#store, this.#now)
    return routeRegistryRequest(this.#registry, request, this.config.schemaRegistry.maxRequestBytes)
  }

  /**
   * Kafka's DescribeLogDirs: this broker has one log directory, the one holding its database, whose partitions'
   * sizes are the bytes of their stored batches. Another broker id is answered INVALID_REQUEST: it is not in the
   * cluster. Topics that do not exist are left out, as Kafka leaves out partitions it does not host.
   */
  describeLogDirs(req: Req<'describeLogDirs'>): Res<'describeLogDirs'> {
    const id = this.config.brokerId
    return {
      brokers: req.brokers.map((broker) =>
        broker === id
          ? {broker, logDirs: [this.#logDir(req.topics)]}
          : {
              broker,
              logDirs: [],
              error: {
                code: 'INVALID_REQUEST',
                message: `Broker ${broker} is not in this cluster: its one broker is ${id}.`,
              },
            },
      ),
    }
  }

  #logDir(topics: Req<'describeLogDirs'>['topics']): LogDirData {
    const dir = this.#store.path === ':memory:' ? ':memory:' : resolve(dirname(this.#store.path))
    let totalBytes = -1
    let usableBytes = -1
    try {
      const fs = statfsSync(dir)
      totalBytes = fs.blocks * fs.bsize
      usableBytes = fs.bavail * fs.bsize
    } catch {
      // an in-memory database, or a file system that cannot say
    }
    const wanted = topics === null ? null : new Map(topics.map((t) => [t.topic, new Set(t.partitions)]))
    const partitions: LogDirData['partitions'] = []
    for (const t of this.broker.topics()) {
      const only = wanted === null ? undefined : wanted.get(t.row.name)
      if (wanted !== null && only === undefined) continue
      for (const p of t.partitions) {
        if (only !== undefined && !only.has(p.index)) continue
        partitions.push({
          topic: t.row.name,
          partition: p.index,
          size: this.broker.partitionBytes(p),
          offsetLag: 0,
          isFuture: false,
        })
      }
    }
    return {logDir: dir, totalBytes, usableBytes, partitions}
  }

  // ---- kafkalite's own ----------------------------------------------------------------------------------------------

  /** Consumer lag evaluated from the lag history (the lag viewer and `consumer-groups --describe --json`). */
  lagSnapshot(req: Req<'lagSnapshot'>): Res<'lagSnapshot'> {
    return lagSnapshot(this.broker, this.groups, this.history, req, this.#now())
  }

  /** SQLite's integrity_check of the whole database (`kafkalite daemon check`); damage found stops the daemon. */
  checkDatabase(): DatabaseCheck & {database: string; bytes: number} {
    return {database: this.#store.path, bytes: this.#store.diskBytes(), ...this.#store.check('integrity_check')}
  }

  /** What the broker holds and where. */
  status(): BrokerStatus {
    return {
      ...this.broker.totals(),
      topicBytes: this.broker.topicBytes(),
      database: this.#store.path,
      diskBytes: this.#store.diskBytes(),
      durability: this.config.durability,
    }
  }

  /**
   * After a unit of work the storage refused (rolled back by the store), memory is read back from disk: the log's
   * offsets and producer state, topics, transactions. Group membership stays as it is (memory is its truth; the
   * store keeps a copy for restarts), and so do lag-history samples (a sample of a rolled-back append is overwritten
   * by the next). The first refusal is logged, then one line a minute while it lasts, and the recovery.
   */
  #afterUnit(failure: StorageFailure | null, log: Logger): void {
    if (failure === null) {
      if (this.#refused > 0) {
        log.info(`the storage takes writes again (${this.#refused} unit(s) of work refused meanwhile)`)
        this.#refused = 0
      }
      return
    }
    this.broker.restore(failure)
    this.transactions.restore()
    this.quotas.restore()
    if (failure instanceof CorruptDatabaseException) return // the daemon reports it, and stops
    const now = this.#now()
    if (this.#refused++ === 0 || now - this.#refusalLoggedAt >= 60_000) {
      log.error(`refusing writes: ${failure.message} (${this.#refused} unit(s) of work refused so far)`)
      this.#refusalLoggedAt = now
    }
  }

  /** Stops the timers of every component (shutdown); the state is already persisted. */
  close(): void {
    clearInterval(this.#producerExpiry)
    clearInterval(this.#offsetExpiry)
    this.logs.close()
    this.groups.close()
    this.transactions.close()
    this.history.close()
  }
}
