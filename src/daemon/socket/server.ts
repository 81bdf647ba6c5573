// The daemon's socket server: accepts connections on the Unix socket, decodes frames, validates each request once
// with its zod schema and dispatches it through the handler map. Whatever a client sends, the daemon answers with
// an error or closes that one connection; it never crashes because of a request.
import {chmodSync, unlinkSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import type {z} from 'zod'
import {KafkaException, type ErrorData} from '../../errors.js'
import {
  encodeFrame,
  FrameDecoder,
  KIND_ERROR,
  KIND_REQUEST,
  KIND_RESPONSE,
  writeFrame,
  type Frame,
} from '../../protocol/socket/frame.js'
import {requestSchemas, type Method} from '../../protocol/socket/messages.js'
import type {HandlerContext, Handlers} from './handlers.js'
import type {Logger} from '../../broker/logger.js'

/**
 * Runs the synchronous part of the requests that arrived in one read, as one unit of work: the daemon commits their
 * writes in one SQLite transaction (a pipelined produce and commit of a transaction, say, write their shared pages
 * once). It throws only when that commit fails, and the daemon then exits before any of their replies leaves.
 */
export type UnitOfWork = (work: () => void) => void

export class DaemonServer {
  readonly #server: Server
  readonly #handlers: Handlers
  readonly #maxFrameBytes: number
  readonly #log: Logger
  readonly #unitOfWork: UnitOfWork
  readonly connections = new Set<Connection>()

  constructor(handlers: Handlers, options: {maxFrameBytes: number; log: Logger; unitOfWork?: UnitOfWork}) {
    this.#handlers = handlers
    this.#maxFrameBytes = options.maxFrameBytes
    this.#log = options.log
    this.#unitOfWork = options.unitOfWork ?? ((work) => work())
    this.#server = createServer((socket) => {
      const connection = new Connection(socket, this.#handlers, this.#maxFrameBytes, this.#log, this.#unitOfWork)
      this.connections.add(connection)
      socket.once('close', () => this.connections.delete(connection))
    })
  }

  /**
   * Listens on `path` with mode 0600. The caller holds the database lock, so a socket file already at `path` can
   * only be left over from a daemon that crashed: it is removed.
   */
  listen(path: string): Promise<void> {
    try {
      unlinkSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    return new Promise((resolve, reject) => {
      // Created 0600 from the start (umask), not chmodded after a window in which others could connect.
      const umask = process.umask(0o177)
      this.#server.once('error', reject)
      this.#server.listen(path, () => {
        process.umask(umask)
        this.#server.off('error', reject)
        chmodSync(path, 0o600)
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

class Connection {
  readonly #socket: Socket
  readonly #handlers: Handlers
  readonly #decoder: FrameDecoder
  readonly #log: Logger
  readonly #unitOfWork: UnitOfWork
  readonly #onClose = new Set<() => void>()
  #closed = false

  constructor(socket: Socket, handlers: Handlers, maxFrameBytes: number, log: Logger, unitOfWork: UnitOfWork) {
    this.#socket = socket
    this.#handlers = handlers
    this.#decoder = new FrameDecoder(maxFrameBytes)
    this.#log = log
    this.#unitOfWork = unitOfWork
    socket.on('data', (chunk) => this.#onData(chunk))
    socket.on('error', () => {}) // a client that vanishes mid-write: 'close' follows
    socket.on('close', () => {
      this.#closed = true
      for (const callback of this.#onClose) callback()
      this.#onClose.clear()
    })
  }

  end(): void {
    this.#socket.end()
  }

  #onData(chunk: Buffer): void {
    // The replies to every request of this chunk (a pipelined produce and commit, say) leave in one write, after
    // their writes are committed together.
    this.#socket.cork()
    process.nextTick(() => this.#socket.uncork())
    this.#unitOfWork(() => this.#onFrames(chunk))
  }

  #onFrames(chunk: Buffer): void {
    try {
      this.#decoder.push(chunk, (frame) => this.#onFrame(frame))
    } catch (error) {
      // The stream can no longer be split into frames: answer once, then drop this connection only.
      const data =
        error instanceof KafkaException ? error.toJSON() : {code: 'INVALID_REQUEST' as const, message: String(error)}
      this.#log.warn(`closing a connection: ${data.message}`)
      this.#reply(0, KIND_ERROR, JSON.stringify(data))
      this.#socket.end()
      this.#socket.pause()
    }
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
    const ctx: HandlerContext = {
      payload: frame.payload,
      onClose: (callback) => {
        this.#onClose.add(callback)
        return () => this.#onClose.delete(callback)
      },
    }
    let result: unknown
    try {
      result = (this.#handlers[method] as (req: unknown, ctx: HandlerContext) => unknown)(parsed.data, ctx)
    } catch (error) {
      this.#fail(id, method, error)
      return
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.#succeed(id, ctx, value),
        (error: unknown) => this.#fail(id, method, error),
      )
    } else {
      this.#succeed(id, ctx, result)
    }
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
    this.#log.error(`${method} failed: ${(error as Error)?.stack ?? String(error)}`)
    this.#replyError(id, {
      code: 'UNKNOWN_SERVER_ERROR',
      message: `${method} failed: ${(error as Error)?.message ?? error}`,
    })
  }

  #replyError(id: number, data: ErrorData): void {
    this.#reply(id, KIND_ERROR, JSON.stringify(data))
  }

  #reply(id: number, kind: number, header: string, payload?: Buffer[]): void {
    if (this.#closed || this.#socket.destroyed) return
    writeFrame(this.#socket, encodeFrame(id, kind, header, payload))
  }
}
