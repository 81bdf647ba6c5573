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
// - Client quotas (KIP-219): a client over its quota gets its response at once, with the throttle time in it, and
//   then nothing more is read from its connection until that time has passed (Kafka mutes the channel the same way).
import type {Socket} from 'node:net'
import type {KafkaException} from '../errors.js'
import type {NetworkConfig} from '../broker/broker-config.js'
import type {FetchBudget} from '../broker/fetch.js'
import type {Logger} from '../broker/logger.js'
import {LengthPrefixedReader} from '../protocol/kafka/framing.js'
import {RECLAIM_EVERY_BYTES, reclaimChunks} from './reclaim.js'

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
 * Runs the synchronous part of the requests that arrived in one read as one unit of work: the daemon commits their
 * writes in one SQLite transaction (a pipelined produce and commit of a transaction, say, write their shared pages
 * once), and their replies leave only once it is committed.
 */
export interface UnitOfWork {
  /**
   * Runs `work` as one unit. Returns null once its writes are committed, or the storage's refusal (a full disk)
   * once they are rolled back and the broker's memory agrees with the disk again.
   */
  run(work: () => void): KafkaException | null
  /** A count that moves with every write: a request that moved it wrote. */
  writes(): number
  /** Whether the unit running now has met a refusal of the storage (its later requests wait for the next unit). */
  failed(): boolean
}

/** A request handled in a unit of work, with the replies held back until the unit is committed. */
interface HeldRequest {
  /** The request's frame; null for the answer to a stream that could not be split into frames. */
  frame: Buffer | null
  replies: (readonly Buffer[])[]
  /** It wrote, or the storage failed while it was handled. */
  wrote: boolean
  /** It was parked (answered later, outside the unit). */
  parked: boolean
}

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

/** What one response being built holds of the daemon-wide response budget (see FramedConnection.reserveResponse). */
export interface ResponseReservation extends FetchBudget {
  /** Gives back everything still held: the response is written (and counted as unsent bytes, if unsent). */
  releaseAll(): void
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
  /** Bytes received into a large frame since the last reclaimChunks. */
  #largeFrameBytes = 0
  /** The request being handled in a unit of work: its replies are held until the unit is committed. */
  #holding: HeldRequest | null = null
  /** end() was called while replies were held: the connection ends once they are written. */
  #endAfterReplies = false
  #waitingForMemory: (() => void) | null = null
  #receiveTimer: NodeJS.Timeout | null = null
  /** Set while the client is throttled for exceeding a quota: nothing is read until it fires. */
  #throttleTimer: NodeJS.Timeout | null = null
  #throttledUntil = 0
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
      if (this.#inFlight === 0 && this.#throttleTimer === null) {
        context.log.info(`closing a connection idle for ${context.config.connectionsMaxIdleMs} ms`)
        socket.destroy()
      } else {
        socket.setTimeout(context.config.connectionsMaxIdleMs) // a parked request is not idleness: wait again
      }
    })
    socket.on('data', (chunk: Buffer) => {
      this.#reader.append(chunk)
      if (this.#reader.pendingFrameBytes >= RECLAIM_EVERY_BYTES) {
        this.#largeFrameBytes += chunk.length
        if (this.#largeFrameBytes >= RECLAIM_EVERY_BYTES) {
          this.#largeFrameBytes = 0
          reclaimChunks()
        }
      }
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
      if (this.#throttleTimer !== null) clearTimeout(this.#throttleTimer)
      this.#throttleTimer = null
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
    if (this.#pumping) this.#endAfterReplies = true
    else this.socket.end()
  }

  protected abstract onFrame(frame: Buffer): void

  /** Answers once and ends the connection: the stream can no longer be split into frames. */
  protected abstract protocolError(error: unknown): void

  /**
   * Answers a request (one complete frame) with the storage's refusal instead of its reply: the unit of work it
   * was part of could not be committed.
   */
  protected abstract storageFailed(frame: Buffer, error: KafkaException): void

  protected requestStarted(): void {
    this.#inFlight++
  }

  protected requestDone(): void {
    this.#inFlight--
    if (!this.#pumping) this.#pump()
  }

  /**
   * Throttles the client for `ms` (it exceeded a client quota): its response goes out as usual, and nothing more is
   * read from the connection until the time has passed (KIP-219). A longer throttle extends a shorter one.
   */
  protected throttle(ms: number): void {
    if (ms <= 0 || this.closed) return
    const until = Date.now() + ms
    if (until <= this.#throttledUntil) return
    this.#throttledUntil = until
    if (this.#throttleTimer !== null) clearTimeout(this.#throttleTimer)
    this.#throttleTimer = setTimeout(() => {
      this.#throttleTimer = null
      this.#throttledUntil = 0
      this.#pump()
    }, ms)
  }

  /** Whether the client is being throttled now. */
  get throttled(): boolean {
    return this.#throttleTimer !== null
  }

  /** What a fetch of this connection may take of the daemon-wide response budget now (0 when it is spent). */
  #grantable(wanted: number): number {
    const budget = this.context.responses
    return Math.min(
      wanted,
      this.heldResponseBytes === 0 ? Math.max(budget.available, RESPONSE_FLOOR_PER_CONNECTION) : budget.available,
    )
  }

  /** Waits up to `maxWaitMs` while the daemon-wide response budget has nothing for this connection. */
  protected async waitForResponseBytes(maxWaitMs: number): Promise<void> {
    if (this.#grantable(1) > 0 || maxWaitMs <= 0) return
    const budget = this.context.responses
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, maxWaitMs)
      const wait = () => {
        if (this.#grantable(1) > 0) done()
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

  /**
   * A reservation for one response being built (a fetch): it takes bytes of the daemon-wide budget as it reads and
   * gives them back as it finds it did not need them; releaseAll gives back the rest once the response is written.
   */
  protected reserveResponse(): ResponseReservation {
    let held = 0
    const give = (n: number) => {
      const back = Math.min(n, held)
      if (back <= 0) return
      held -= back
      this.#reservedResponseBytes -= back
      this.context.responses.changed()
    }
    return {
      take: (wanted) => {
        const got = this.#grantable(Math.max(0, wanted))
        held += got
        this.#reservedResponseBytes += got
        return got
      },
      give,
      releaseAll: () => give(held),
    }
  }

  /**
   * Writes a response's parts, corked so the size field and the payload leave together; held back while its
   * request's unit of work is not committed yet.
   */
  protected write(parts: readonly Buffer[]): void {
    if (this.#holding !== null) {
      this.#holding.replies.push(parts)
      return
    }
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
    return (
      this.#inFlight >= this.#maxInFlight ||
      this.socket.writableLength > MAX_UNWRITTEN_PER_CONNECTION ||
      this.#throttleTimer !== null
    )
  }

  /**
   * Handles the complete frames buffered while the connection may read, as one unit of work, then decides whether
   * to read on. The replies leave once the unit is committed; when the storage refuses it, the requests that wrote
   * (and those after them, which may have read what was rolled back) are answered with the refusal instead.
   */
  #pump(): void {
    if (this.#pumping || this.closed) return
    this.#pumping = true
    const unit = this.context.unitOfWork
    const held: HeldRequest[] = []
    let failure: KafkaException | null
    try {
      failure = unit.run(() => {
        while (!this.#blocked() && !this.closed && !this.#endAfterReplies) {
          let frame: Buffer | undefined
          try {
            frame = this.#reader.next()
          } catch (error) {
            // Its answer leaves after the replies of the requests before it.
            const answer: HeldRequest = {frame: null, replies: [], wrote: false, parked: false}
            held.push(answer)
            this.#holding = answer
            try {
              this.#fail(error)
            } finally {
              this.#holding = null
            }
            return
          }
          if (frame === undefined) break
          this.#frameDone()
          const request: HeldRequest = {frame, replies: [], wrote: false, parked: false}
          held.push(request)
          const writes = unit.writes()
          const inFlight = this.#inFlight
          this.#holding = request
          try {
            this.onFrame(frame)
          } finally {
            this.#holding = null
          }
          request.wrote = unit.writes() !== writes || unit.failed()
          request.parked = this.#inFlight > inFlight
          if (unit.failed()) break // the rest waits for the next unit
        }
      })
    } finally {
      this.#pumping = false
    }
    this.#release(held, failure)
    if (this.#endAfterReplies) {
      this.socket.end()
      this.socket.pause()
      return
    }
    // The requests left unread by a refused unit are a unit of their own, run against memory read back from disk.
    if (failure !== null && this.#reader.buffered > 0) setImmediate(() => this.#pump())
    this.#flow()
  }

  /** Writes the replies held during a unit of work, in one write (or the refusal of the storage, see #pump). */
  #release(held: readonly HeldRequest[], failure: KafkaException | null): void {
    if (held.length === 0 || this.closed) return
    this.socket.cork()
    process.nextTick(() => this.socket.uncork())
    let refused = false
    for (const request of held) {
      refused ||= failure !== null && request.wrote
      if (refused && !request.parked && request.frame !== null) this.storageFailed(request.frame, failure!)
      else for (const parts of request.replies) this.write(parts)
    }
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
    this.end()
  }
}
