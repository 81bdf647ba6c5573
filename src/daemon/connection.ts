// A client connection of any front end (the Unix socket today, Kafka's protocol next): it reads size-prefixed frames
// and applies the limits that keep one client from growing the daemon or holding it up.
//
// - Backpressure: a connection stops reading requests while its unwritten responses exceed a bound or it has too many
//   requests in flight, and reads on once its client has caught up (Kafka mutes a channel the same way).
// - Responses (fetched records, mostly) that clients have not read yet are bounded daemon-wide: a fetch takes its
//   bytes from that budget before it reads anything, and gets less (down to nothing, then it waits) when clients sit
//   on their responses.
// - Requests being received are bounded daemon-wide (queued.max.request.bytes): a connection waits to read a large
//   request until the memory is there; the largest request is always let through when nothing else holds memory.
// - A request that has started arriving must finish within the receive timeout, and a connection with no traffic and
//   nothing in flight for connections.max.idle.ms is closed.
import type {Socket} from 'node:net'
import type {NetworkConfig} from '../broker/broker-config.js'
import type {Logger} from '../broker/logger.js'
import {LengthPrefixedReader} from '../protocol/kafka/framing.js'

/** Requests one connection may have in flight (parked fetches and heartbeats included) before it stops reading. */
export const MAX_IN_FLIGHT_PER_CONNECTION = 32
/** Bytes of written responses a connection may leave unread before the daemon stops reading its requests. */
export const MAX_UNWRITTEN_PER_CONNECTION = 1 << 20
/**
 * What a fetch of a connection that holds no unread response always gets, however spent the daemon-wide budget is:
 * clients that read their responses are never starved by clients that do not.
 */
export const RESPONSE_FLOOR_PER_CONNECTION = 1 << 20

/**
 * Runs the synchronous part of the requests that arrived in one read, as one unit of work: the daemon commits their
 * writes in one SQLite transaction (a pipelined produce and commit of a transaction, say, write their shared pages
 * once). It throws only when that commit fails, and the daemon then exits before any of their replies leaves.
 */
export type UnitOfWork = (work: () => void) => void

/** A daemon-wide budget of bytes, with waiters woken when bytes come back. */
export class MemoryPool {
  /** -1: no bound. */
  readonly capacity: number
  #used = 0
  readonly #waiters = new Set<() => void>()

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get used(): number {
    return this.#used
  }

  /** Takes `n` bytes if they fit; an empty pool always gives (so the largest request can always be read). */
  tryReserve(n: number): boolean {
    if (this.capacity >= 0 && this.#used > 0 && this.#used + n > this.capacity) return false
    this.#used += n
    return true
  }

  release(n: number): void {
    this.#used -= n
    if (this.#waiters.size === 0) return
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const w of waiters) w()
  }

  /** Calls `wake` once bytes come back; returns a function that cancels. */
  whenReleased(wake: () => void): () => void {
    this.#waiters.add(wake)
    return () => this.#waiters.delete(wake)
  }
}

/** The responses clients have not read yet, daemon-wide: what is written but unsent, and what fetches reserved. */
export class ResponseBudget {
  readonly capacity: number
  readonly #connections = new Set<FramedConnection>()
  readonly #waiters = new Set<() => void>()

  constructor(capacity: number) {
    this.capacity = capacity
  }

  add(c: FramedConnection): void {
    this.#connections.add(c)
  }

  delete(c: FramedConnection): void {
    this.#connections.delete(c)
    this.changed()
  }

  /** Bytes held now: unsent responses and reservations of every connection. */
  get used(): number {
    let used = 0
    for (const c of this.#connections) used += c.heldResponseBytes
    return used
  }

  get available(): number {
    return Math.max(0, this.capacity - this.used)
  }

  /** Called when a connection's held bytes went down: wakes whoever waits for budget. */
  changed(): void {
    if (this.#waiters.size === 0) return
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const w of waiters) w()
  }

  whenChanged(wake: () => void): () => void {
    this.#waiters.add(wake)
    return () => this.#waiters.delete(wake)
  }
}

/** What every connection of the daemon shares. */
export interface ConnectionContext {
  config: NetworkConfig
  requests: MemoryPool
  responses: ResponseBudget
  log: Logger
  unitOfWork: UnitOfWork
}

/**
 * One client connection, with its flow control. A front end extends it: `minFrameSize` is its smallest frame,
 * `onFrame` handles one complete frame (size field included), and `protocolError` answers a stream that can no longer
 * be split into frames. Requests are counted with `requestStarted`/`requestDone`; responses go out with `write`.
 */
export abstract class FramedConnection {
  readonly socket: Socket
  protected readonly context: ConnectionContext
  readonly #reader: LengthPrefixedReader
  readonly #onClose = new Set<() => void>()
  #closed = false
  #inFlight = 0
  /** Bytes taken from the request pool for the frame being received. */
  #requestBytes = 0
  /** Bytes reserved from the response budget by requests being answered. */
  #reservedResponseBytes = 0
  #pumping = false
  #waitingForMemory: (() => void) | null = null
  #receiveTimer: NodeJS.Timeout | null = null
  readonly #maxInFlight: number

  /**
   * `maxInFlight`: requests in flight before the connection stops reading. Kafka's protocol answers a connection's
   * requests in order, so its front end handles one at a time (1), as Kafka's broker mutes a channel.
   */
  constructor(
    socket: Socket,
    context: ConnectionContext,
    minFrameSize: number,
    maxInFlight = MAX_IN_FLIGHT_PER_CONNECTION,
  ) {
    this.socket = socket
    this.context = context
    this.#maxInFlight = maxInFlight
    this.#reader = new LengthPrefixedReader(minFrameSize, context.config.maxFrameBytes)
    context.responses.add(this)
    socket.setTimeout(context.config.connectionsMaxIdleMs)
    socket.on('timeout', () => {
      // Kafka's connections.max.idle.ms: nothing sent or received for that long, and nothing parked.
      if (this.#inFlight === 0) {
        context.log.info(`closing a connection idle for ${context.config.connectionsMaxIdleMs} ms`)
        socket.destroy()
      } else {
        socket.setTimeout(context.config.connectionsMaxIdleMs) // a parked request is not idleness: wait again
      }
    })
    socket.on('data', (chunk: Buffer) => {
      this.#reader.append(chunk)
      this.#pump()
    })
    socket.on('drain', () => {
      this.context.responses.changed()
      this.#pump()
    })
    socket.on('error', () => {}) // a client that vanishes mid-write: 'close' follows
    socket.on('close', () => {
      this.#closed = true
      this.#stopReceiveTimer()
      this.#waitingForMemory?.()
      this.#waitingForMemory = null
      if (this.#requestBytes > 0) context.requests.release(this.#requestBytes)
      this.#requestBytes = 0
      context.responses.delete(this)
      for (const callback of this.#onClose) callback()
      this.#onClose.clear()
    })
  }

  get closed(): boolean {
    return this.#closed || this.socket.destroyed
  }

  /** Unsent response bytes and reservations: what this connection holds of the daemon-wide response budget. */
  get heldResponseBytes(): number {
    return this.socket.writableLength + this.#reservedResponseBytes
  }

  /** Registers a callback run when the connection closes; returns a function that unregisters it. */
  onClose(callback: () => void): () => void {
    if (this.#closed) {
      callback()
      return () => {}
    }
    this.#onClose.add(callback)
    return () => this.#onClose.delete(callback)
  }

  /** Ends the connection once its responses are written. */
  end(): void {
    this.socket.end()
  }

  protected abstract onFrame(frame: Buffer): void

  /** Answers once and ends the connection: the stream can no longer be split into frames. */
  protected abstract protocolError(error: unknown): void

  protected requestStarted(): void {
    this.#inFlight++
  }

  protected requestDone(): void {
    this.#inFlight--
    if (!this.#pumping) this.#pump()
  }

  /**
   * Takes up to `wanted` bytes of the daemon-wide response budget for a response being built (a fetch); resolves
   * with what it got, waiting up to `maxWaitMs` while the budget is spent. Give it back with releaseResponseBytes.
   */
  protected async reserveResponseBytes(wanted: number, maxWaitMs: number): Promise<number> {
    const budget = this.context.responses
    const grant = () =>
      Math.min(
        wanted,
        this.heldResponseBytes === 0 ? Math.max(budget.available, RESPONSE_FLOOR_PER_CONNECTION) : budget.available,
      )
    if (grant() === 0 && maxWaitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, maxWaitMs)
        const wait = () => {
          if (grant() > 0) done()
          else cancel = budget.whenChanged(wait)
        }
        let cancel = budget.whenChanged(wait)
        const unClose = this.onClose(done)
        function done() {
          clearTimeout(timer)
          cancel()
          unClose()
          resolve()
        }
      })
    }
    const got = grant()
    this.#reservedResponseBytes += got
    return got
  }

  protected releaseResponseBytes(n: number): void {
    this.#reservedResponseBytes -= n
    this.context.responses.changed()
  }

  /** Writes a response's parts, corked so the size field and the payload leave together. */
  protected write(parts: readonly Buffer[]): void {
    if (this.closed) return
    if (parts.length === 1) {
      this.socket.write(parts[0]!)
      return
    }
    this.socket.cork()
    for (const part of parts) this.socket.write(part)
    this.socket.uncork()
  }

  /** Whether this connection must stop reading requests until its client catches up. */
  #blocked(): boolean {
    return this.#inFlight >= this.#maxInFlight || this.socket.writableLength > MAX_UNWRITTEN_PER_CONNECTION
  }

  /** Handles the complete frames buffered while the connection may read, then decides whether to read on. */
  #pump(): void {
    if (this.#pumping || this.closed) return
    this.#pumping = true
    try {
      // The responses to every request handled here (a pipelined produce and commit, say) leave in one write, after
      // their writes are committed together.
      this.socket.cork()
      process.nextTick(() => this.socket.uncork())
      this.context.unitOfWork(() => {
        while (!this.#blocked() && !this.closed) {
          let frame: Buffer | undefined
          try {
            frame = this.#reader.next()
          } catch (error) {
            this.#fail(error)
            return
          }
          if (frame === undefined) break
          this.#frameDone()
          this.onFrame(frame)
        }
      })
    } finally {
      this.#pumping = false
    }
    this.#flow()
  }

  /** The frame being received is complete: its memory goes back and its receive timer stops. */
  #frameDone(): void {
    if (this.#requestBytes > 0) {
      this.context.requests.release(this.#requestBytes)
      this.#requestBytes = 0
    }
    this.#stopReceiveTimer()
  }

  /** Reads on, or not: backpressure, request memory, and the receive timer of a frame that has started. */
  #flow(): void {
    if (this.closed) return
    if (this.#blocked()) {
      // The wait is the daemon's, not the client's: no receive timeout meanwhile.
      this.#stopReceiveTimer()
      this.socket.pause()
      return
    }
    const pending = this.#reader.pendingFrameBytes
    if (pending > 0 && this.#requestBytes === 0) {
      if (!this.context.requests.tryReserve(pending)) {
        // Wait for memory with this frame's first bytes only; read on when other requests give theirs back.
        this.#stopReceiveTimer()
        this.socket.pause()
        this.#waitingForMemory ??= this.context.requests.whenReleased(() => {
          this.#waitingForMemory = null
          this.#flow()
        })
        return
      }
      this.#requestBytes = pending
    }
    if (this.#reader.buffered > 0) this.#startReceiveTimer()
    this.socket.resume()
  }

  #startReceiveTimer(): void {
    if (this.#receiveTimer !== null) return
    const ms = this.context.config.receiveTimeoutMs
    this.#receiveTimer = setTimeout(() => {
      this.#receiveTimer = null
      this.context.log.warn(`closing a connection: a request did not finish arriving within ${ms} ms`)
      this.socket.destroy()
    }, ms)
    this.#receiveTimer.unref()
  }

  #stopReceiveTimer(): void {
    if (this.#receiveTimer === null) return
    clearTimeout(this.#receiveTimer)
    this.#receiveTimer = null
  }

  #fail(error: unknown): void {
    this.context.log.warn(`closing a connection: ${(error as Error)?.message ?? String(error)}`)
    this.protocolError(error)
    this.socket.end()
    this.socket.pause()
  }
}
