// The socket front end's handlers: one per request method, each a thin adapter onto the broker core (broker/core.ts),
// which owns every rule. The map is typed by the protocol's method list, so a method without a handler is a compile
// error; requests reach a handler already validated by its zod schema.
import type {DaemonStatus, Method, ParsedRequests, Responses} from '../../protocol/socket/messages.js'
import {PROTOCOL_VERSION} from '../../protocol/socket/version.js'
import type {BrokerCore, QuotaClient} from '../../broker/core.js'
import {KafkaException} from '../../errors.js'
import type {ResponseReservation} from '../connection.js'

/** What a handler can see of the request beyond its parameters, and how it shapes the reply. */
export interface HandlerContext {
  /** Binary payload of the request (record batches of a produce). */
  readonly payload: Buffer
  /** Registers a callback run when the requesting connection closes; returns a function that unregisters it. */
  onClose(callback: () => void): () => void
  /** Waits up to `maxWaitMs` while the daemon-wide response budget has nothing for this connection. */
  waitForResponseBytes(maxWaitMs: number): Promise<void>
  /** A reservation of the daemon-wide response budget for the reply being built (see daemon/connection.ts). */
  reserveResponse(): ResponseReservation
  /** Buffers to send as the reply's payload (record batches of a fetch). */
  replyPayload?: Buffer[]
  /** Set to skip the reply (produce with acks=0). */
  noReply?: boolean
  /** Run once the reply (or the error) is written. */
  afterReply?: () => void
  /**
   * Who the request comes from, as client quotas see it: ANONYMOUS (the socket authenticates no one) and the client
   * id the connection's hello gave. The connection's own: hello sets its client id.
   */
  readonly quotaClient: QuotaClient
  /** The request's size: its frame. */
  readonly requestBytes: number
  /** Time spent handling the request (its synchronous part, once it waits), in ns; 0 while no request quota is set. */
  handlingNanos(): number
  /**
   * Throttles the client for exceeding a quota: nothing more is read from its connection for `ms` after this
   * reply. Produce and fetch call it (0 within quota); for other requests the server applies the request-time quota.
   */
  throttle(ms: number): void
}

/** The daemon's own facts that some handlers report. */
export interface DaemonInfo {
  version: string
  startedAt: number
  home: string
  socket: string
  log: string
  connections: () => number
  /** The Kafka listeners open, with what they advertise. */
  listeners: () => DaemonStatus['listeners']
  /** The schema registry's HTTP listeners open. */
  schemaRegistry: () => DaemonStatus['schemaRegistry']
  shutdown: () => void
}

export type Handler<M extends Method> = (
  req: ParsedRequests[M],
  ctx: HandlerContext,
) => Responses[M] | Promise<Responses[M]>

export type Handlers = {[M in Method]: Handler<M>}

export function createHandlers(core: BrokerCore, info: DaemonInfo): Handlers {
  return {
    hello: (req, ctx) => {
      ctx.quotaClient.clientId = req.clientId ?? ''
      return {
        protocol: PROTOCOL_VERSION,
        version: info.version,
        pid: process.pid,
        brokerId: core.config.brokerId,
        home: info.home,
        startedAt: info.startedAt,
      }
    },
    metadata: (req) => core.metadata(req),
    createTopics: (req) => core.createTopics(req),
    deleteTopics: (req) => core.deleteTopics(req),
    createPartitions: (req) => core.createPartitions(req),
    describeConfigs: (req) => core.describeConfigs(req),
    alterConfigs: (req) => core.alterConfigs(req),
    listOffsets: (req) => core.listOffsets(req),
    deleteRecords: (req) => core.deleteRecords(req),
    produce: (req, ctx) => {
      ctx.noReply = req.acks === 0
      // The socket protocol lists each batch's size in the header and carries the batches, in that order, as the
      // frame's payload: each batch is a view of it, not a copy.
      let declared = 0
      for (const b of req.batches) declared += b.size
      if (declared !== ctx.payload.length) {
        throw new KafkaException(
          'INVALID_REQUEST',
          `Produce request lists ${declared} bytes of batches but carries ${ctx.payload.length} bytes.`,
        )
      }
      let position = 0
      const batches = req.batches.map((b) => {
        const records = ctx.payload.subarray(position, position + b.size)
        position += b.size
        return {topic: b.topic, partition: b.partition, records}
      })
      const results = core.produce({acks: req.acks, timeoutMs: req.timeoutMs, batches})
      // Client quotas, as the Kafka listener applies them: producer_byte_rate on the request's bytes, and
      // request_percentage on its handling time unless acks=0.
      const throttleTimeMs = core.quotas.enforced
        ? core.quotas.throttleProduce(ctx.quotaClient, ctx.requestBytes, req.acks, ctx.handlingNanos())
        : 0
      ctx.throttle(throttleTimeMs)
      return throttleTimeMs > 0 ? {results, throttleTimeMs} : {results}
    },
    fetch: async (req, ctx) => {
      // The records a fetch may read come out of the daemon-wide budget of responses clients have not read yet:
      // a client that never reads its fetches cannot make the daemon hold more (it gets less, down to nothing).
      const started = Date.now()
      await ctx.waitForResponseBytes(req.maxWaitMs)
      const budget = ctx.reserveResponse()
      ctx.afterReply = () => budget.releaseAll() // once the response is written and counted
      const maxWaitMs = Math.max(0, req.maxWaitMs - (Date.now() - started))
      const quotas = core.quotas
      // consumer_byte_rate caps what one fetch may read (Kafka's maxValueInQuotaWindow), at least one byte.
      const maxBytes = quotas.fetch.enabled
        ? Math.max(1, Math.min(req.maxBytes, Math.floor(quotas.fetchMaxBytes(ctx.quotaClient))))
        : req.maxBytes
      const result = await core.fetch({...req, maxWaitMs, maxBytes}, ctx, budget)
      if (quotas.enforced) {
        let bytes = 0
        for (const b of result.payload) bytes += b.length
        const throttleTimeMs = quotas.throttleFetch(ctx.quotaClient, bytes, ctx.handlingNanos())
        ctx.throttle(throttleTimeMs)
        // Over quota: an empty answer (the bytes were not counted), as Kafka's throttled fetch.
        if (throttleTimeMs > 0) return {partitions: [], throttleTimeMs}
      }
      ctx.replyPayload = result.payload
      return result.header
    },
    joinGroup: (req, ctx) => core.joinGroup(req, ctx),
    syncGroup: (req) => core.syncGroup(req),
    heartbeat: (req, ctx) => core.heartbeat(req, ctx),
    leaveGroup: (req) => core.leaveGroup(req),
    offsetCommit: (req) => core.offsetCommit(req),
    offsetFetch: (req) => core.offsetFetch(req),
    listGroups: (req) => core.listGroups(req),
    describeGroups: (req) => core.describeGroups(req),
    deleteGroups: (req) => core.deleteGroups(req),
    offsetDelete: (req) => core.offsetDelete(req),
    initProducerId: (req) => core.initProducerId(req),
    txnOffsetCommit: (req) => core.txnOffsetCommit(req),
    endTxn: (req) => core.endTxn(req),
    listTransactions: (req) => core.listTransactions(req),
    describeTransactions: (req) => core.describeTransactions(req),
    describeProducers: (req) => core.describeProducers(req),
    writeTxnMarkers: (req) => core.writeTxnMarkers(req),
    describeLogDirs: (req) => core.describeLogDirs(req),
    describeUserScramCredentials: (req) => core.describeUserScramCredentials(req),
    alterUserScramCredentials: (req) => core.alterUserScramCredentials(req),
    describeClientQuotas: (req) => core.describeClientQuotas(req),
    alterClientQuotas: (req) => core.alterClientQuotas(req),
    lagSnapshot: (req) => core.lagSnapshot(req),
    schemaRegistry: (req) => core.schemaRegistry(req),
    status: () => ({
      pid: process.pid,
      version: info.version,
      startedAt: info.startedAt,
      uptimeMs: Date.now() - info.startedAt,
      home: info.home,
      socket: info.socket,
      log: info.log,
      ...core.status(),
      connections: info.connections(),
      listeners: info.listeners(),
      schemaRegistry: info.schemaRegistry(),
      config: core.config.file,
      settings: core.config.settings,
    }),
    checkDatabase: () => ({...core.checkDatabase(), exists: true, by: 'daemon'}),
    shutdown: () => {
      setImmediate(info.shutdown)
      return {pid: process.pid}
    },
  }
}
