// One handler per request method. The map is typed by the protocol's method list, so a method without a handler is
// a compile error; requests reach a handler already validated by its zod schema.
import type {Method, ParsedRequests, Responses} from '../../protocol/socket/messages.js'
import {PROTOCOL_VERSION} from '../../protocol/socket/version.js'
import type {Broker} from '../../broker/broker.js'
import {fetch} from '../../broker/fetch.js'
import type {GroupCoordinator} from '../../broker/group-coordinator.js'
import type {LagHistory} from '../../broker/lag/history.js'
import {lagSnapshot} from '../../broker/lag/snapshot.js'
import type {TransactionCoordinator} from '../../broker/transaction-coordinator.js'

/** What a handler can see of the request beyond its parameters, and how it shapes the reply. */
export interface HandlerContext {
  /** Binary payload of the request (record batches of a produce). */
  readonly payload: Buffer
  /** Registers a callback run when the requesting connection closes; returns a function that unregisters it. */
  onClose(callback: () => void): () => void
  /** Buffers to send as the reply's payload (record batches of a fetch). */
  replyPayload?: Buffer[]
  /** Set to skip the reply (produce with acks=0). */
  noReply?: boolean
}

/** The daemon's own facts that some handlers report. */
export interface DaemonInfo {
  version: string
  startedAt: number
  home: string
  socket: string
  log: string
  connections: () => number
  shutdown: () => void
}

export type Handler<M extends Method> = (
  req: ParsedRequests[M],
  ctx: HandlerContext,
) => Responses[M] | Promise<Responses[M]>

export type Handlers = {[M in Method]: Handler<M>}

export function createHandlers(
  broker: Broker,
  groups: GroupCoordinator,
  transactions: TransactionCoordinator,
  history: LagHistory,
  info: DaemonInfo,
): Handlers {
  return {
    hello: () => ({
      protocol: PROTOCOL_VERSION,
      version: info.version,
      pid: process.pid,
      brokerId: broker.config.brokerId,
      home: info.home,
      startedAt: info.startedAt,
    }),
    metadata: (req) => broker.metadata(req),
    createTopics: (req) => broker.createTopics(req),
    deleteTopics: (req) => {
      const res = broker.deleteTopics(req)
      for (const t of res.topics) {
        if (t.error) continue
        groups.onTopicDeleted(t.name)
        history.forget({topic: t.name})
      }
      return res
    },
    createPartitions: (req) => broker.createPartitions(req),
    describeConfigs: (req) => broker.describeConfigs(req),
    alterConfigs: (req) => broker.alterConfigs(req),
    listOffsets: (req) => broker.listOffsets(req),
    produce: (req, ctx) => {
      ctx.noReply = req.acks === 0
      return {results: broker.produce(req, ctx.payload)}
    },
    fetch: async (req, ctx) => {
      const result = await fetch(broker, req, (cancel) => ctx.onClose(cancel))
      ctx.replyPayload = result.payload
      return result.header
    },
    joinGroup: (req, ctx) => groups.join(req, ctx),
    syncGroup: (req) => groups.sync(req),
    heartbeat: (req, ctx) => groups.heartbeat(req, ctx),
    leaveGroup: (req) => groups.leave(req),
    offsetCommit: (req) => groups.commit(req),
    offsetFetch: (req) => {
      const res = groups.fetch(req)
      return req.requireStable ? transactions.markUnstable(req.groupId, res) : res
    },
    listGroups: (req) => groups.list(req),
    describeGroups: (req) => groups.describe(req),
    deleteGroups: (req) => {
      const res = groups.deleteGroups(req)
      for (const r of res.results) if (!r.error) history.forget({groupId: r.groupId})
      return res
    },
    offsetDelete: (req) => {
      const res = groups.offsetDelete(req)
      history.forget({groupId: req.groupId, partitions: res.results.filter((r) => !r.error)})
      return res
    },
    initProducerId: (req) => transactions.initProducerId(req),
    txnOffsetCommit: (req) => transactions.txnOffsetCommit(req),
    endTxn: (req) => transactions.endTxn(req),
    listTransactions: (req) => transactions.list(req),
    describeTransactions: (req) => transactions.describe(req),
    describeProducers: (req) => transactions.describeProducers(req),
    writeTxnMarkers: (req) => transactions.writeTxnMarkers(req),
    lagSnapshot: (req) => lagSnapshot(broker, groups, history, req, Date.now()),
    status: () => {
      const totals = broker.totals()
      return {
        pid: process.pid,
        version: info.version,
        startedAt: info.startedAt,
        uptimeMs: Date.now() - info.startedAt,
        home: info.home,
        socket: info.socket,
        database: broker.store.path,
        log: info.log,
        ...totals,
        diskBytes: broker.store.diskBytes(),
        connections: info.connections(),
        durability: broker.config.durability,
      }
    },
    shutdown: () => {
      setImmediate(info.shutdown)
      return {pid: process.pid}
    },
  }
}
