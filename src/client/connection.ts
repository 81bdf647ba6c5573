// One connection to the daemon: framing, correlation ids, requests in flight, timeouts, and the hello exchange that
// makes sure client and daemon speak the same version (restarting a daemon of another version).
import {readFileSync} from 'node:fs'
import {createConnection, type Socket} from 'node:net'
import {KafkaException, TimeoutException, errorFromData} from '../errors.js'
import {packageVersion} from '../package-info.js'
import {brokerPaths, resolveHome, type BrokerPaths} from '../paths.js'
import {
  encodeFrame,
  writeFrame,
  FrameDecoder,
  KIND_ERROR,
  KIND_REQUEST,
  KIND_RESPONSE,
  type Frame,
} from '../protocol/socket/frame.js'
import type {Method, Requests, Responses} from '../protocol/socket/messages.js'
import {PROTOCOL_VERSION} from '../protocol/socket/version.js'
import {openDaemonSocket} from './autostart.js'
import {ConfigReader, type CommonConfig} from './config.js'
import type {Transport, WithPayload} from './transport.js'

export interface ConnectionOptions {
  /** The broker home; default $KAFKALITE_HOME or the XDG state directory. */
  home?: string
  clientId?: string
  /** Start the daemon when it is not running (default true). */
  autoStart?: boolean
  /** Default timeout of a request, Kafka's request.timeout.ms (default 30000). */
  requestTimeoutMs?: number
  /** Told about events worth a line on stderr: a daemon of another version restarted by this connection. */
  onNotice?: (message: string) => void
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  withPayload: boolean
  timer: NodeJS.Timeout | undefined
}

export type {WithPayload}

const MAX_CORRELATION_ID = 0x7fffffff

/** The local daemon's transport: its Unix socket. */
export class Connection implements Transport {
  readonly kind = 'local'
  readonly paths: BrokerPaths
  /** What the daemon said in the hello exchange. */
  daemon!: Responses['hello']
  readonly #socket: Socket
  readonly #decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER)
  readonly #pending = new Map<number, Pending>()
  readonly #closeListeners = new Set<(error: KafkaException) => void>()
  readonly #requestTimeoutMs: number
  #nextId = 1
  #closed: KafkaException | undefined
  /** Until when the daemon throttles this client (a quota's throttleTimeMs): requests wait to be sent. */
  #throttledUntil = 0
  /** Requests waiting for the throttle to end, in order; their timeouts start when they are sent. */
  readonly #held: (() => void)[] = []
  #heldTimer: NodeJS.Timeout | undefined

  private constructor(socket: Socket, paths: BrokerPaths, requestTimeoutMs: number) {
    this.#socket = socket
    this.paths = paths
    this.#requestTimeoutMs = requestTimeoutMs
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#decoder.push(chunk, (frame) => this.#onFrame(frame))
      } catch (error) {
        this.#shutdown(error instanceof KafkaException ? error : new KafkaException('INVALID_REQUEST', String(error)))
      }
    })
    socket.on('error', (error) =>
      this.#shutdown(new KafkaException('CONNECTION_CLOSED', connectionLost(error.message))),
    )
    socket.on('close', () => this.#shutdown(new KafkaException('CONNECTION_CLOSED', connectionLost('socket closed'))))
  }

  /** Connects to the daemon of a home (starting it if needed) and exchanges versions. */
  static async open(options: ConnectionOptions = {}): Promise<Connection> {
    const paths = brokerPaths(options.home ?? resolveHome())
    const autoStart = options.autoStart ?? true
    const timeout = options.requestTimeoutMs ?? 30_000
    let connection = new Connection(await openDaemonSocket(paths, {autoStart}), paths, timeout)
    await connection.#hello(options.clientId)
    if (connection.daemon.version === packageVersion() && connection.daemon.protocol === PROTOCOL_VERSION) {
      return connection
    }
    // A daemon of another kafkalite version (an upgrade, or another install using the same home): stop it and start
    // ours. Its acknowledged data is in the database, which the new daemon migrates.
    const old = connection.daemon
    if (!autoStart) {
      connection.close()
      throw new KafkaException(
        'DAEMON_VERSION_MISMATCH',
        `The kafkalite daemon for ${paths.home} runs version ${old.version}, this is ${packageVersion()}. Restart it with 'kafkalite daemon stop'.`,
      )
    }
    await connection.request('shutdown', {})
    connection.close()
    await waitForExit(old.pid)
    connection = new Connection(await openDaemonSocket(paths, {autoStart}), paths, timeout)
    await connection.#hello(options.clientId)
    if (connection.daemon.version !== packageVersion()) {
      connection.close()
      throw new KafkaException(
        'DAEMON_VERSION_MISMATCH',
        `The kafkalite daemon for ${paths.home} still runs version ${connection.daemon.version} after a restart.`,
      )
    }
    options.onNotice?.(
      `Restarted the kafkalite daemon for ${paths.home}: it ran version ${old.version}, this is ${packageVersion()}.`,
    )
    return connection
  }

  async #hello(clientId: string | undefined): Promise<void> {
    this.daemon = await this.request('hello', {protocol: PROTOCOL_VERSION, version: packageVersion(), clientId})
  }

  get brokerId(): number {
    return this.daemon.brokerId
  }

  /** The daemon's home. */
  get target(): string {
    return this.paths.home
  }

  /** True once the connection is closed; requests then fail with CONNECTION_CLOSED. */
  get closed(): boolean {
    return this.#closed !== undefined
  }

  /** Sends a request and resolves with its reply. */
  request<M extends Method>(method: M, params: Requests[M], payload?: readonly Buffer[], timeoutMs?: number) {
    return this.#send(method, params, payload, false, timeoutMs) as Promise<Responses[M]>
  }

  /** Sends a request whose reply carries a binary payload (fetch). */
  requestWithPayload<M extends Method>(
    method: M,
    params: Requests[M],
    payload?: readonly Buffer[],
    timeoutMs?: number,
  ) {
    return this.#send(method, params, payload, true, timeoutMs) as Promise<WithPayload<Responses[M]>>
  }

  /** Sends a request the daemon does not answer (produce with acks=0). */
  sendOneWay<M extends Method>(method: M, params: Requests[M], payload?: readonly Buffer[]): void {
    if (this.#closed) throw this.#closed
    const id = this.#id()
    this.#gate(() => this.#write(id, method, params, payload))
  }

  /** Calls `listener` once when the connection closes, with the reason. */
  onClose(listener: (error: KafkaException) => void): () => void {
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  /** Closes the connection; requests in flight fail with CONNECTION_CLOSED. */
  close(): void {
    // end(), not destroy(): requests already written (acks=0 produces) still reach the daemon.
    this.#shutdown(new KafkaException('CONNECTION_CLOSED', 'The connection to the kafkalite daemon was closed.'), false)
    this.#socket.end()
  }

  #id(): number {
    const id = this.#nextId
    this.#nextId = id >= MAX_CORRELATION_ID ? 1 : id + 1
    return id
  }

  #send(
    method: Method,
    params: unknown,
    payload: readonly Buffer[] | undefined,
    withPayload: boolean,
    timeoutMs?: number,
  ) {
    if (this.#closed) return Promise.reject(this.#closed)
    const id = this.#id()
    return new Promise((resolve, reject) => {
      const pending: Pending = {resolve, reject, withPayload, timer: undefined}
      this.#pending.set(id, pending)
      this.#gate(() => {
        const ms = timeoutMs ?? this.#requestTimeoutMs
        if (ms > 0) {
          pending.timer = setTimeout(() => {
            this.#pending.delete(id)
            reject(new TimeoutException(`The ${method} request timed out after ${ms} ms.`))
          }, ms)
        }
        this.#write(id, method, params, payload)
      })
    })
  }

  /**
   * Sends now, or once the daemon's throttle ends (KIP-219: a client told it exceeded a quota sends nothing on that
   * connection for the throttle time, as Kafka's clients do; the daemon would not read it meanwhile anyway).
   */
  #gate(send: () => void): void {
    if (this.#held.length === 0 && Date.now() >= this.#throttledUntil) {
      send()
      return
    }
    this.#held.push(send)
    this.#scheduleHeld()
  }

  #scheduleHeld(): void {
    if (this.#heldTimer !== undefined) clearTimeout(this.#heldTimer)
    this.#heldTimer = setTimeout(
      () => {
        this.#heldTimer = undefined
        if (Date.now() < this.#throttledUntil) {
          this.#scheduleHeld()
          return
        }
        for (const send of this.#held.splice(0)) if (!this.#closed) send()
      },
      Math.max(0, this.#throttledUntil - Date.now()),
    )
  }

  #write(id: number, method: Method, params: unknown, payload: readonly Buffer[] | undefined): void {
    writeFrame(this.#socket, encodeFrame(id, KIND_REQUEST, JSON.stringify({m: method, p: params}), payload))
  }

  #onFrame(frame: Frame): void {
    const pending = this.#pending.get(frame.correlationId)
    if (!pending) {
      // Correlation id 0 carries errors about the stream itself, after which the daemon closes the connection.
      if (frame.kind === KIND_ERROR && frame.correlationId === 0) {
        this.#shutdown(errorFromData(JSON.parse(frame.header.toString('utf8')) as object))
      }
      return // a reply that arrived after its request timed out
    }
    this.#pending.delete(frame.correlationId)
    if (pending.timer) clearTimeout(pending.timer)
    const header = JSON.parse(frame.header.toString('utf8')) as unknown
    const throttle = (header as {throttleTimeMs?: unknown} | null)?.throttleTimeMs
    if (typeof throttle === 'number' && throttle > 0) {
      this.#throttledUntil = Math.max(this.#throttledUntil, Date.now() + throttle)
    }
    if (frame.kind === KIND_RESPONSE) {
      pending.resolve(pending.withPayload ? {result: header, payload: frame.payload} : header)
    } else {
      pending.reject(errorFromData(header as object))
    }
  }

  #shutdown(error: KafkaException, destroy = true): void {
    if (this.#closed) return
    this.#closed = error
    for (const pending of this.#pending.values()) {
      if (pending.timer) clearTimeout(pending.timer)
      pending.reject(error)
    }
    this.#pending.clear()
    if (this.#heldTimer !== undefined) clearTimeout(this.#heldTimer)
    this.#held.length = 0
    for (const listener of this.#closeListeners) listener(error)
    this.#closeListeners.clear()
    if (destroy) this.#socket.destroy()
  }
}

const connectionLost = (why: string) =>
  `Lost the connection to the kafkalite daemon (${why}). Check 'kafkalite daemon status' and the daemon log.`

/**
 * True while process `pid` runs. A zombie counts as exited: a detached daemon is reaped by init, which in
 * containers may take a second or more, but a zombie holds no locks and no socket.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat[stat.lastIndexOf(')') + 2]
    return state !== 'Z' && state !== 'X'
  } catch {
    return true // no /proc (macOS): kill(pid, 0) is the answer
  }
}

/** Waits until process `pid` has exited (a stopped daemon releases its database lock only then). */
export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return false
}

/**
 * A transport opened on first use and opened again after it closes: clients outlive a daemon restart (the next
 * request starts a new daemon), as Kafka clients outlive a broker restart. Which transport: the local daemon's
 * socket, or Kafka's protocol to the cluster `bootstrap.servers` names (its code loaded only then).
 */
/** Which broker a client reached, and how: what `-v` and `--json` report. */
export type TransportUsed =
  | {transport: 'unix-socket'; home: string; socket: string}
  | {transport: 'kafka'; bootstrap: string; securityProtocol: string}

const transportsUsed: TransportUsed[] = []
const transportListeners = new Set<(t: TransportUsed) => void>()

function reportTransport(t: TransportUsed): void {
  const key = JSON.stringify(t)
  if (transportsUsed.some((u) => JSON.stringify(u) === key)) return
  transportsUsed.push(t)
  for (const listener of transportListeners) listener(t)
}

/** The brokers this process's clients have reached so far, each once, in order. */
export function usedTransports(): readonly TransportUsed[] {
  return transportsUsed
}

/** Calls `listener` for each broker a client of this process reaches from now on (once per broker). */
export function onTransportUsed(listener: (t: TransportUsed) => void): () => void {
  transportListeners.add(listener)
  return () => transportListeners.delete(listener)
}

export class ReconnectingConnection {
  readonly #options: ConnectionOptions
  readonly #config: CommonConfig | undefined
  #current: Promise<Transport> | null = null
  #open: Transport | null = null
  /** Kafka's default address, tried once: the local daemon when nothing listens there. */
  #resolved: 'local' | 'kafka' | undefined

  constructor(options: ConnectionOptions, config?: CommonConfig) {
    this.#options = options
    this.#config = config
  }

  /** The transport of a client with these common configs. */
  static for(config: CommonConfig, onNotice?: (message: string) => void): ReconnectingConnection {
    return new ReconnectingConnection(
      {
        home: config.home,
        clientId: config.clientId,
        requestTimeoutMs: config.requestTimeoutMs,
        onNotice,
      },
      config,
    )
  }

  get(): Promise<Transport> {
    if (this.#current === null) {
      const opening = this.#openTransport()
      this.#current = opening
      opening.then(
        (connection) => {
          if (this.#current === opening) this.#open = connection
          connection.onClose(() => {
            if (this.#current === opening) this.#current = null
            if (this.#open === connection) this.#open = null
          })
        },
        () => {
          if (this.#current === opening) this.#current = null
        },
      )
    }
    return this.#current
  }

  async #openTransport(): Promise<Transport> {
    const target = this.#config?.target
    if (target !== undefined && target.kind === 'kafka' && this.#resolved === undefined && target.orLocal) {
      this.#resolved = (await somethingListens(target.addresses[0]!)) ? 'kafka' : 'local'
    }
    if (target === undefined || target.kind === 'local' || this.#resolved === 'local') {
      const paths = brokerPaths(this.#options.home ?? resolveHome())
      reportTransport({transport: 'unix-socket', home: paths.home, socket: paths.socket})
      return Connection.open(this.#options)
    }
    const [{KafkaTransport}, {securitySettings}] = await Promise.all([
      import('./kafka/transport.js'),
      import('./kafka/security.js'),
    ])
    const c = this.#config!
    const security = securitySettings(new ConfigReader(c.given))
    reportTransport({
      transport: 'kafka',
      bootstrap: target.addresses.map((a) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`).join(','),
      securityProtocol: security.protocol,
    })
    return KafkaTransport.open({
      security,
      bootstrap: target.addresses,
      clientId: c.clientId,
      requestTimeoutMs: c.requestTimeoutMs,
      retryBackoffMs: c.retryBackoffMs,
      reconnectBackoffMs: c.reconnectBackoffMs,
      connectTimeoutMs: c.connectTimeoutMs,
    })
  }

  /** The transport when it is open now, to write to in this turn of the event loop; null while it opens. */
  get open(): Transport | null {
    return this.#open
  }

  /** Closes the current transport, if any; a later get() opens a new one. */
  async close(): Promise<void> {
    const current = this.#current
    this.#current = null
    this.#open = null
    if (current) (await current.catch(() => null))?.close()
  }
}

/** True when a TCP connection to the address opens within a second (something listens there). */
function somethingListens(address: {host: string; port: number}): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host: address.host, port: address.port})
    const done = (listening: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(listening)
    }
    const timer = setTimeout(() => done(false), 1_000)
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}
