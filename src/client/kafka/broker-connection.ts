// One TCP connection to one Kafka broker, as Kafka's NetworkClient keeps one per node: size-prefixed frames encoded
// by kafkalite's generated codec, correlation ids, a timeout per request (request.timeout.ms), and the ApiVersions
// exchange that opens it, after which every request goes at the highest version both sides speak.
import {Socket} from 'node:net'
import {checkServerIdentity, connect as tlsConnect, type TLSSocket} from 'node:tls'
import {KafkaException, TimeoutException} from '../../errors.js'
import {packageVersion} from '../../package-info.js'
import {
  APIS,
  decodeResponseFrame,
  encodeRequestFrameChunks,
  type ApiCodec,
  type ApiVersionsResponse,
} from '../../protocol/kafka/codec/index.js'
import {kafkaError} from './errors.js'
import {saslExchange, type SecuritySettings} from './security.js'

export interface BrokerAddress {
  host: string
  port: number
}

export interface BrokerConnectionOptions {
  clientId: string
  /** request.timeout.ms: how long a request waits for its response. */
  requestTimeoutMs: number
  /** socket.connection.setup.timeout.ms: how long a connection may take to open. */
  connectTimeoutMs: number
  /** security.protocol and its TLS and SASL settings; PLAINTEXT without. */
  security?: SecuritySettings
}

interface Pending {
  api: ApiCodec
  version: number
  resolve: (body: unknown) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | undefined
}

const MAX_CORRELATION_ID = 0x7fffffff
/** The largest response frame read (Kafka's clients have no cap; this bounds a broken or hostile peer). */
const MAX_RESPONSE_BYTES = 1 << 30

/** OpenSSL's reason out of its error text ("...:SSL routines:fn:tlsv13 alert certificate required:file:line:..."). */
function sslReason(message: string): string {
  return /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]?.trim() ?? message.split('\n')[0]!.trim()
}

export const addressText = (a: BrokerAddress) =>
  a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`

/** The longest throttle a client honours (an hour: Kafka's quota windows are seconds long). */
const MAX_THROTTLE_MS = 3_600_000

export class BrokerConnection {
  readonly address: BrokerAddress
  /** The versions the broker advertised, by API key. */
  readonly #versions = new Map<number, {min: number; max: number}>()
  readonly #socket: Socket
  readonly #options: BrokerConnectionOptions
  readonly #pending = new Map<number, Pending>()
  readonly #closeListeners = new Set<(error: KafkaException) => void>()
  #chunks: Buffer[] = []
  #buffered = 0
  #nextId = 1
  #closed: KafkaException | undefined
  /** Until when the broker throttles this client (a response's throttle_time_ms): requests wait to be sent. */
  #throttledUntil = 0
  /** Requests waiting for the throttle to end, in order; their timeouts start when they are sent. */
  readonly #held: (() => void)[] = []
  #heldTimer: NodeJS.Timeout | undefined

  private constructor(socket: Socket, address: BrokerAddress, options: BrokerConnectionOptions) {
    this.#socket = socket
    this.address = address
    this.#options = options
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.#shutdown(
        // TLS 1.3 refuses a client certificate (or its absence) after the handshake: the first read fails.
        error.code?.startsWith('ERR_SSL_')
          ? new KafkaException(
              'SSL_AUTHENTICATION_FAILED',
              `SSL handshake with the Kafka broker at ${addressText(this.address)} failed: ${sslReason(error.message)}`,
            )
          : this.#lost(error.message),
      ),
    )
    socket.on('close', () => this.#shutdown(this.#lost('the broker closed the connection')))
  }

  /**
   * Opens a connection (TLS for SSL and SASL_SSL), exchanges ApiVersions and authenticates (SASL); fails after
   * connectTimeoutMs with one line naming the address.
   */
  static async open(address: BrokerAddress, options: BrokerConnectionOptions): Promise<BrokerConnection> {
    const tls = options.security?.tls
    const socket = await new Promise<Socket>((resolve, reject) => {
      let s: Socket
      const timer = setTimeout(() => {
        s.destroy()
        reject(
          new TimeoutException(
            `Could not connect to the Kafka broker at ${addressText(address)} within ${options.connectTimeoutMs} ms.`,
          ),
        )
      }, options.connectTimeoutMs)
      const onError = (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        s.destroy()
        reject(
          tls && error.code !== 'ECONNREFUSED' && error.code !== 'ENOTFOUND' && error.code !== 'EAI_AGAIN'
            ? new KafkaException(
                'SSL_AUTHENTICATION_FAILED',
                `SSL handshake with the Kafka broker at ${addressText(address)} failed: ${sslReason(error.message)}`,
              )
            : new KafkaException(
                'NETWORK_EXCEPTION',
                `Could not connect to the Kafka broker at ${addressText(address)} (${error.code ?? error.message}).`,
              ),
        )
      }
      const onConnect = () => {
        clearTimeout(timer)
        s.removeAllListeners('error')
        resolve(s)
      }
      if (tls) {
        s = tlsConnect({
          host: address.host,
          port: address.port,
          servername: /^[\d.]+$|:/.test(address.host) ? undefined : address.host,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          passphrase: tls.passphrase,
          checkServerIdentity: tls.checkHostname ? checkServerIdentity : () => undefined,
        })
        ;(s as TLSSocket).once('secureConnect', onConnect)
      } else {
        s = new Socket()
        s.connect(address.port, address.host, onConnect)
      }
      s.once('error', onError)
    })
    const connection = new BrokerConnection(socket, address, options)
    try {
      await connection.#negotiate()
      if (options.security?.sasl) await connection.#authenticate()
    } catch (error) {
      connection.close()
      throw error
    }
    return connection
  }

  /** SaslHandshake, then SaslAuthenticate until the mechanism's exchange is complete. */
  async #authenticate(): Promise<void> {
    const sasl = this.#options.security!.sasl!
    const where = `the Kafka broker at ${addressText(this.address)}`
    const handshake = await this.request(APIS.SaslHandshake, {mechanism: sasl.mechanism}, {version: 1})
    if (handshake.errorCode !== 0) {
      throw new KafkaException(
        'UNSUPPORTED_SASL_MECHANISM',
        `${where} does not enable SASL mechanism ${sasl.mechanism} (it enables ${handshake.mechanisms.join(', ') || 'none'}).`,
      )
    }
    const exchange = saslExchange(sasl)
    const version = this.versionFor(APIS.SaslAuthenticate, 2)
    let message = exchange.next(null)
    while (message !== null) {
      const res = await this.request(APIS.SaslAuthenticate, {authBytes: message}, {version})
      if (res.errorCode !== 0) {
        throw new KafkaException(
          'SASL_AUTHENTICATION_FAILED',
          `${where} refused user '${sasl.username}' (${sasl.mechanism}): ${res.errorMessage ?? 'authentication failed'}`,
        )
      }
      message = exchange.next(res.authBytes)
    }
  }

  get closed(): boolean {
    return this.#closed !== undefined
  }

  /** The version a request of `api` goes at: the highest both sides speak, or UNSUPPORTED_VERSION. */
  versionFor(api: ApiCodec, max = api.maxVersion, min = api.minVersion): number {
    const theirs = this.#versions.get(api.apiKey)
    if (theirs === undefined) {
      throw new KafkaException(
        'UNSUPPORTED_VERSION',
        `The Kafka broker at ${addressText(this.address)} does not support ${api.name}.`,
      )
    }
    const version = Math.min(max, theirs.max)
    if (version < Math.max(min, theirs.min)) {
      throw new KafkaException(
        'UNSUPPORTED_VERSION',
        `The Kafka broker at ${addressText(this.address)} speaks ${api.name} v${theirs.min}-${theirs.max}; kafkalite needs v${min}-${max}.`,
      )
    }
    return version
  }

  /** True when the broker speaks `api` at `version` or above. */
  supports(api: ApiCodec, version = api.minVersion): boolean {
    const theirs = this.#versions.get(api.apiKey)
    return theirs !== undefined && theirs.max >= version
  }

  /**
   * Sends a request at the negotiated version (or the one given) and resolves with the decoded response body.
   * `noResponse`: Produce with acks=0, which the broker does not answer.
   */
  request<Req, Res>(
    api: ApiCodec<Req, Res>,
    body: Req | ((version: number) => Req),
    options: {version?: number; timeoutMs?: number; noResponse?: boolean} = {},
  ): Promise<Res> {
    if (this.#closed) return Promise.reject(this.#closed)
    let version: number
    let chunks: Buffer[]
    const correlationId = this.#id()
    try {
      version = options.version ?? this.versionFor(api as ApiCodec)
      const b = typeof body === 'function' ? (body as (v: number) => Req)(version) : body
      chunks = encodeRequestFrameChunks(api, version, {correlationId, clientId: this.#options.clientId}, b)
    } catch (error) {
      return Promise.reject(error as Error)
    }
    if (options.noResponse) {
      this.#gate(() => {
        for (const c of chunks) this.#socket.write(c)
      })
      return Promise.resolve(undefined as Res)
    }
    return new Promise<Res>((resolve, reject) => {
      const pending: Pending = {
        api: api as ApiCodec,
        version,
        resolve: resolve as (b: unknown) => void,
        reject,
        timer: undefined,
      }
      this.#pending.set(correlationId, pending)
      this.#gate(() => {
        const ms = options.timeoutMs ?? this.#options.requestTimeoutMs
        if (ms > 0) {
          pending.timer = setTimeout(() => {
            // Kafka's NetworkClient disconnects a node whose request timed out: its later responses are unusable.
            this.#shutdown(
              new TimeoutException(
                `The ${api.name} request to the Kafka broker at ${addressText(this.address)} timed out after ${ms} ms.`,
              ),
            )
          }, ms)
        }
        for (const c of chunks) this.#socket.write(c)
      })
    })
  }

  /**
   * Sends now, or once the broker's throttle ends (KIP-219: a client told it exceeded a quota sends nothing on that
   * connection for throttle_time_ms, as Kafka's NetworkClient does; the broker mutes the channel meanwhile).
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

  onClose(listener: (error: KafkaException) => void): () => void {
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  close(): void {
    this.#shutdown(
      new KafkaException('CONNECTION_CLOSED', `The connection to ${addressText(this.address)} was closed.`),
      false,
    )
    this.#socket.end()
  }

  async #negotiate(): Promise<void> {
    const body = {clientSoftwareName: 'kafkalite', clientSoftwareVersion: packageVersion()}
    let res: ApiVersionsResponse = await this.request(APIS.ApiVersions, body, {version: 3})
    // A broker that does not speak v3 answers UNSUPPORTED_VERSION with its own ranges, at v0 (KIP-511).
    if (res.errorCode === 35) {
      const v0 = res.apiKeys.find((k) => k.apiKey === APIS.ApiVersions.apiKey)
      const version = Math.min(v0?.maxVersion ?? 0, 3)
      res = await this.request(APIS.ApiVersions, body, {version})
    }
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, null, `ApiVersions from ${addressText(this.address)}`)
    for (const k of res.apiKeys) this.#versions.set(k.apiKey, {min: k.minVersion, max: k.maxVersion})
  }

  #id(): number {
    const id = this.#nextId
    this.#nextId = id >= MAX_CORRELATION_ID ? 1 : id + 1
    return id
  }

  #read(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    while (this.#buffered >= 4) {
      let head = this.#chunks[0]!
      if (head.length < 4) {
        head = Buffer.concat(this.#chunks)
        this.#chunks = [head]
      }
      const size = head.readInt32BE(0)
      if (size < 4 || size > MAX_RESPONSE_BYTES) {
        this.#shutdown(
          new KafkaException(
            'NETWORK_EXCEPTION',
            `The Kafka broker at ${addressText(this.address)} sent a frame of ${size} bytes: not Kafka's protocol?`,
          ),
        )
        return
      }
      if (this.#buffered < 4 + size) return
      const all = this.#chunks.length === 1 ? head : Buffer.concat(this.#chunks)
      const frame = all.subarray(4, 4 + size)
      const rest = all.subarray(4 + size)
      this.#chunks = rest.length > 0 ? [rest] : []
      this.#buffered = rest.length
      this.#onFrame(frame)
    }
  }

  #onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0)
    const pending = this.#pending.get(correlationId)
    if (!pending) return
    this.#pending.delete(correlationId)
    if (pending.timer) clearTimeout(pending.timer)
    try {
      const body = decodeResponseFrame(pending.api, pending.version, frame).body
      const answer = body as {throttleTimeMs?: unknown; errorCode?: unknown} | null
      const throttle = answer?.throttleTimeMs
      // ApiVersions is left out (Kafka's NetworkClient handles it apart): a broker that does not speak the version
      // asked answers in v0, which has no throttle time, and the field read from it is not one. A throttle longer
      // than any quota window Kafka allows is not one either.
      if (
        pending.api.name !== 'ApiVersions' &&
        typeof throttle === 'number' &&
        throttle > 0 &&
        throttle <= MAX_THROTTLE_MS
      ) {
        this.#throttledUntil = Math.max(this.#throttledUntil, Date.now() + throttle)
      }
      pending.resolve(body)
    } catch (error) {
      pending.reject(error as Error)
    }
  }

  #lost(why: string): KafkaException {
    return new KafkaException(
      'NETWORK_EXCEPTION',
      `Lost the connection to the Kafka broker at ${addressText(this.address)} (${why}).`,
    )
  }

  #shutdown(error: KafkaException, destroy = true): void {
    if (this.#closed) return
    this.#closed = error
    for (const p of this.#pending.values()) {
      if (p.timer) clearTimeout(p.timer)
      p.reject(error)
    }
    this.#pending.clear()
    if (this.#heldTimer !== undefined) clearTimeout(this.#heldTimer)
    this.#held.length = 0
    for (const l of this.#closeListeners) l(error)
    this.#closeListeners.clear()
    if (destroy) this.#socket.destroy()
  }
}
