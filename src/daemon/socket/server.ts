// The daemon's socket server: accepts connections on the Unix socket, decodes frames, validates each request once
// with its zod schema and dispatches it through the handler map. Whatever a client sends, the daemon answers with
// an error or closes that one connection; it never crashes because of a request.
import {lstatSync, unlinkSync, type Stats} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import type {z} from 'zod'
import {KafkaException, type ErrorData} from '../../errors.js'
import {
  encodeFrame,
  FRAME_PREFIX,
  KIND_ERROR,
  KIND_REQUEST,
  KIND_RESPONSE,
  parseFrame,
  type Frame,
} from '../../protocol/socket/frame.js'
import {refuseLink} from '../../paths.js'
import {headerShapeProblem} from '../../protocol/socket/header-shape.js'
import {requestSchemas, type Method} from '../../protocol/socket/messages.js'
import {FramedConnection, type ConnectionContext} from '../connection.js'
import type {ClientQuotas, QuotaClient} from '../../broker/core.js'
import type {HandlerContext, Handlers} from './handlers.js'

export class DaemonServer {
  readonly #server: Server
  readonly connections = new Set<SocketConnection>()

  constructor(handlers: Handlers, context: ConnectionContext, quotas: ClientQuotas) {
    this.#server = createServer((socket) => {
      const connection = new SocketConnection(socket, handlers, context, quotas)
      this.connections.add(connection)
      socket.once('close', () => this.connections.delete(connection))
    })
  }

  /**
   * Listens on `path` with mode 0600. The caller holds the database lock, so a socket already at `path` can only be
   * left over from a daemon that crashed: it is removed. Anything else there (a file, a symbolic link) is refused,
   * not deleted or followed.
   */
  listen(path: string): Promise<void> {
    refuseLink(path)
    let stale: Stats | undefined
    try {
      stale = lstatSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (stale !== undefined && !stale.isSocket()) {
      throw new KafkaException(
        'HOME_NOT_USABLE',
        `'${path}' is not a socket: move it away, and kafkalite puts its socket there.`,
      )
    }
    if (stale !== undefined) unlinkSync(path)
    return new Promise((resolve, reject) => {
      // Created 0600 from the start (umask), not chmodded after a window in which others could connect (and chmod
      // would follow a link put in its place).
      const umask = process.umask(0o177)
      this.#server.once('error', reject)
      this.#server.listen(path, () => {
        process.umask(umask)
        this.#server.off('error', reject)
        resolve()
      })
    })
  }

  /** Stops accepting, lets replies in flight go out, then closes every connection. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve())
      for (const c of this.connections) c.end()
    })
  }
}

/** What the server tracks of one request's quotas. */
interface RequestQuota {
  /** The handler applied quotas itself (ctx.throttle). */
  handled: boolean
  /** When handling started (process.hrtime.bigint()), 0n while no request quota is set. */
  started: bigint
  /** The synchronous part of the handling, in ns, once the handler has returned; -1 before. */
  syncNanos: number
}

/**
 * A client of the socket protocol: JSON-headed frames, each request answered with its correlation id. Client quotas
 * as on the Kafka listener: produce and fetch apply theirs (handlers.ts); every other request but hello has its
 * handling time counted against request_percentage, and a client over it has its connection muted for the throttle
 * time after the reply.
 */
class SocketConnection extends FramedConnection {
  readonly #handlers: Handlers
  readonly #quotas: ClientQuotas
  /** The socket authenticates no one: Kafka's principal for that is ANONYMOUS. hello gives the client id. */
  readonly #quotaClient: QuotaClient = {user: 'ANONYMOUS', clientId: ''}

  constructor(socket: Socket, handlers: Handlers, context: ConnectionContext, quotas: ClientQuotas) {
    super(socket, context, FRAME_PREFIX - 4)
    this.#handlers = handlers
    this.#quotas = quotas
  }

  protected override onFrame(bytes: Buffer): void {
    let frame: Frame
    try {
      frame = parseFrame(bytes)
    } catch (error) {
      this.protocolError(error)
      this.end()
      return
    }
    this.#onFrame(frame)
  }

  protected override storageFailed(bytes: Buffer, error: KafkaException): void {
    let id: number
    try {
      id = parseFrame(bytes).correlationId
    } catch {
      return // it was answered with a protocol error, which closed the connection
    }
    this.#replyError(id, error.toJSON())
  }

  protected override protocolError(error: unknown): void {
    const data =
      error instanceof KafkaException ? error.toJSON() : {code: 'INVALID_REQUEST' as const, message: String(error)}
    this.#reply(0, KIND_ERROR, JSON.stringify(data))
  }

  #onFrame(frame: Frame): void {
    const id = frame.correlationId
    if (frame.kind !== KIND_REQUEST) {
      this.#replyError(id, {
        code: 'INVALID_REQUEST',
        message: `Unexpected frame kind ${frame.kind}; clients send requests (0)`,
      })
      return
    }
    const shape = headerShapeProblem(frame.header)
    if (shape !== undefined) {
      this.#replyError(id, {code: 'INVALID_REQUEST', message: shape})
      return
    }
    let method: Method
    let params: unknown
    try {
      const header = JSON.parse(frame.header.toString('utf8')) as {m?: unknown; p?: unknown}
      if (typeof header.m !== 'string' || !Object.hasOwn(requestSchemas, header.m)) {
        this.#replyError(id, {code: 'INVALID_REQUEST', message: `Unknown method '${String(header.m)}'`})
        return
      }
      method = header.m as Method
      params = header.p ?? {}
    } catch {
      this.#replyError(id, {code: 'INVALID_REQUEST', message: 'Malformed request: the header is not valid JSON'})
      return
    }
    const parsed = (requestSchemas[method] as z.ZodType).safeParse(params)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
      this.#replyError(id, {code: 'INVALID_REQUEST', message: `Invalid ${method} request: ${issues}`})
      return
    }
    const quota: RequestQuota = {
      handled: method === 'hello',
      started: this.#quotas.request.enabled ? process.hrtime.bigint() : 0n,
      syncNanos: -1,
    }
    const ctx: HandlerContext = {
      payload: frame.payload,
      onClose: (callback) => this.onClose(callback),
      waitForResponseBytes: (maxWaitMs) => this.waitForResponseBytes(maxWaitMs),
      reserveResponse: () => this.reserveResponse(),
      quotaClient: this.#quotaClient,
      requestBytes: frame.payload.length + frame.header.length,
      handlingNanos: () =>
        quota.started === 0n
          ? 0
          : quota.syncNanos >= 0
            ? quota.syncNanos
            : Number(process.hrtime.bigint() - quota.started),
      throttle: (ms) => {
        quota.handled = true
        this.throttle(ms)
      },
    }
    let result: unknown
    try {
      result = (this.#handlers[method] as (req: unknown, ctx: HandlerContext) => unknown)(parsed.data, ctx)
    } catch (error) {
      this.#fail(id, method, error)
      return
    }
    if (quota.started !== 0n) quota.syncNanos = Number(process.hrtime.bigint() - quota.started)
    if (result instanceof Promise) {
      // Parked (a long-poll fetch, a join waiting for the rebalance): counted until answered, for backpressure.
      this.requestStarted()
      result
        .then(
          (value) => {
            this.#requestQuota(ctx, quota)
            this.#succeed(id, ctx, value)
          },
          (error: unknown) => this.#fail(id, method, error),
        )
        .finally(() => {
          ctx.afterReply?.()
          this.requestDone()
        })
    } else {
      this.#requestQuota(ctx, quota)
      this.#succeed(id, ctx, result)
    }
  }

  /** request_percentage for a request whose handler did not apply quotas itself: mutes the connection when over. */
  #requestQuota(ctx: HandlerContext, quota: RequestQuota): void {
    if (quota.handled || quota.started === 0n) return
    this.throttle(this.#quotas.throttleRequest(ctx.quotaClient, ctx.handlingNanos()))
  }

  #succeed(id: number, ctx: HandlerContext, result: unknown): void {
    if (ctx.noReply) return
    this.#reply(id, KIND_RESPONSE, JSON.stringify(result), ctx.replyPayload)
  }

  #fail(id: number, method: string, error: unknown): void {
    if (error instanceof KafkaException) {
      this.#replyError(id, error.toJSON())
      return
    }
    this.context.log.error(`${method} failed: ${(error as Error)?.stack ?? String(error)}`)
    this.#replyError(id, {
      code: 'UNKNOWN_SERVER_ERROR',
      message: `${method} failed: ${(error as Error)?.message ?? error}`,
    })
  }

  #replyError(id: number, data: ErrorData): void {
    this.#reply(id, KIND_ERROR, JSON.stringify(data))
  }

  #reply(id: number, kind: number, header: string, payload?: Buffer[]): void {
    this.write(encodeFrame(id, kind, header, payload))
  }
}
