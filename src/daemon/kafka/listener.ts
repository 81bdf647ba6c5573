// The Kafka front end: Kafka's wire protocol on TCP, for clients kafkalite did not write (librdkafka, the Java client,
// kafkajs, kafka-python, ...). Opened only when `listeners` asks for it, on loopback unless a host is named. Each
// connection reads size-prefixed frames with the daemon's limits (daemon/connection.ts), answers one request at a
// time in order (as Kafka's broker does), and hands each request to the adapter of its API key (apis/), which speaks
// to the broker core. A frame that cannot be read, an API key or version not served (but ApiVersions), closes that
// connection only, as Kafka closes it. Client quotas: Produce and Fetch apply theirs (apis/00-produce.ts,
// apis/01-fetch.ts); every other request's handling time counts against request_percentage here, and a client over
// it gets the throttle time in its response and its connection muted for that long (KIP-219).
import {createServer, type AddressInfo, type Server, type Socket} from 'node:net'
import {createServer as createTlsServer, type TLSSocket} from 'node:tls'
import {tlsServerOptions, type SaslServerSettings, type TlsServerSettings} from '../../bootstrap.js'
import {SaslSession} from './sasl.js'
import type {BrokerCore} from '../../broker/core.js'
import {KafkaException} from '../../errors.js'
import {
  decodeRequestHeader,
  encodeResponseFrameChunks,
  Reader,
  type RequestHeader,
} from '../../protocol/kafka/codec/index.js'
import {FramedConnection, type ConnectionContext} from '../connection.js'
import {NO_RESPONSE, thrownFields, type AdvertisedEndpoint, type KafkaApi, type KafkaRequestContext} from './api.js'
import {kafkaApis} from './apis/index.js'
import {unsupportedApiVersions} from './apis/18-api-versions.js'

/** A listener to open: Kafka's `listeners` entry, and what `advertised.listeners` says of it. */
export interface ListenerSpec {
  name: string
  /** The address to bind. */
  host: string
  /** 0 picks a free port. */
  port: number
  /** Where clients are told to connect; null: the bound address. */
  advertised: {host: string; port: number} | null
  /** PLAINTEXT, SSL or SASL_SSL with its certificate (`tls`), SASL_PLAINTEXT or SASL_SSL with `sasl`. */
  protocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  tls?: TlsServerSettings
  sasl?: SaslServerSettings
}

/** A listener once open. */
export interface BoundListener {
  name: string
  host: string
  port: number
  advertised: AdvertisedEndpoint
}

/** What a SASL listener answers before authentication: ApiVersions, SaslHandshake, SaslAuthenticate. */
const SASL_STAGE_APIS = new Set([18, 17, 36])

/** The smallest request: api key, api version, correlation id, and a client id's length. */
const MIN_REQUEST_SIZE = 10

export class KafkaListener {
  readonly #core: BrokerCore
  readonly #context: ConnectionContext
  readonly #clusterId: string
  readonly #apis: ReadonlyMap<number, KafkaApi>
  readonly #servers: Server[] = []
  readonly connections = new Set<KafkaConnection>()
  readonly bound: BoundListener[] = []

  constructor(core: BrokerCore, context: ConnectionContext, clusterId: string) {
    this.#core = core
    this.#context = context
    this.#clusterId = clusterId
    this.#apis = new Map(kafkaApis().map((a) => [a.codec.apiKey, a]))
  }

  /** Opens every listener; rejects with one line naming the address when one cannot be opened. */
  async listen(specs: readonly ListenerSpec[]): Promise<BoundListener[]> {
    for (const spec of specs) {
      const tls = spec.protocol === 'SSL' || spec.protocol === 'SASL_SSL' ? spec.tls : undefined
      let server: Server
      try {
        server = tls ? createTlsServer(tlsServerOptions(tls)) : createServer()
      } catch (error) {
        throw new KafkaException(
          'LISTENER_UNAVAILABLE',
          `Cannot listen on ${spec.name}: its certificate or key cannot be used (${(error as Error).message}).`,
        )
      }
      this.#servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(spec, error)))
        server.listen({host: spec.host, port: spec.port}, () => resolve())
      })
      const address = server.address() as AddressInfo
      const endpoint: AdvertisedEndpoint = {
        name: spec.name,
        host: spec.advertised?.host || advertisedHost(spec.host),
        port: spec.advertised?.port || address.port,
      }
      const listener: BoundListener = {name: spec.name, host: address.address, port: address.port, advertised: endpoint}
      this.bound.push(listener)
      // A TLS connection is served once its handshake is done; a failed handshake closes that connection only.
      server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
        const connection = new KafkaConnection(
          socket,
          tls ? tlsPrincipal(socket as TLSSocket) : 'ANONYMOUS',
          this.#context,
          this.#core,
          this.#apis,
          endpoint,
          this.#clusterId,
          spec.sasl
            ? new SaslSession(spec.sasl, (user, mechanism) => this.#core.scramUsers.credential(user, mechanism))
            : null,
        )
        this.connections.add(connection)
        socket.once('close', () => this.connections.delete(connection))
      })
      if (tls) {
        // Logged as Kafka logs a failed authentication, at most once a second (a client may retry in a loop).
        let loggedAt = 0
        server.on('tlsClientError', (error: Error, socket: Socket) => {
          const now = Date.now()
          if (now - loggedAt >= 1000) {
            loggedAt = now
            this.#context.log.info(
              `listener ${spec.name}: failed TLS handshake with ${socket.remoteAddress ?? 'a client'}: ${error.message}`,
            )
          }
          socket.destroy()
        })
      }
      server.on('error', (error) => this.#context.log.error(`listener ${spec.name}: ${error.message}`))
    }
    return this.bound
  }

  /** Stops accepting and ends every connection once its responses are written. */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    ).finally(() => undefined)
    for (const c of this.connections) c.end()
  }
}

/** What clients are told when the listener's host is a wildcard: this machine by a name that reaches it. */
function advertisedHost(bound: string): string {
  if (bound === '' || bound === '0.0.0.0' || bound === '::') return 'localhost'
  return bound
}

function listenError(spec: ListenerSpec, error: NodeJS.ErrnoException): KafkaException {
  const address = `${spec.name}://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`
  const why =
    error.code === 'EADDRINUSE'
      ? 'the port is in use (another Kafka or kafkalite?): stop it, or choose another port (port 0 picks a free one)'
      : error.code === 'EADDRNOTAVAIL'
        ? 'the address is not one of this machine: name a local address, or leave the host empty for loopback'
        : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
          ? 'the host name does not resolve: name an address of this machine, or leave the host empty for loopback'
          : error.code === 'EACCES'
            ? 'permission denied: ports below 1024 need privileges; choose a port above 1023'
            : error.message
  // Its own code, not DAEMON_START_FAILED: the starting client shows this line alone, without the daemon log's tail.
  return new KafkaException('LISTENER_UNAVAILABLE', `Cannot listen on ${address}: ${why}.`)
}

/**
 * The principal of a TLS client, as Kafka's DefaultKafkaPrincipalBuilder names it: its certificate's subject in RFC
 * 2253 order (`CN=client,OU=dev,O=example`), or ANONYMOUS without a client certificate.
 */
function tlsPrincipal(socket: TLSSocket): string {
  const subject = socket.getPeerX509Certificate?.()?.subject
  if (!subject) return 'ANONYMOUS'
  return subject.split('\n').reverse().join(',')
}

/** What the listener tracks of one request's quotas. */
interface RequestQuota {
  /** The adapter applied quotas itself (ctx.throttle). */
  handled: boolean
  /** When handling started (process.hrtime.bigint()), 0n while no request quota is set. */
  started: bigint
  /** The synchronous part of the handling, in ns, once handle() has returned; -1 before. */
  syncNanos: number
}

/** Responses Kafka does not throttle: the SASL exchange before authentication (Kafka's network layer answers it). */
const QUOTA_EXEMPT_APIS = new Set([17, 36])

/** A client connection of the Kafka protocol. */
class KafkaConnection extends FramedConnection {
  /** The principal's name when no SASL user has authenticated: a TLS client's certificate subject, or ANONYMOUS. */
  readonly #principal: string
  readonly #core: BrokerCore
  readonly #apis: ReadonlyMap<number, KafkaApi>
  readonly #endpoint: AdvertisedEndpoint
  readonly #clusterId: string
  readonly #clientHost: string
  /** The SASL exchange of a SASL listener's connection; null on other listeners. */
  readonly #sasl: SaslSession | null

  constructor(
    socket: Socket,
    principal: string,
    context: ConnectionContext,
    core: BrokerCore,
    apis: ReadonlyMap<number, KafkaApi>,
    endpoint: AdvertisedEndpoint,
    clusterId: string,
    sasl: SaslSession | null,
  ) {
    super(socket, context, MIN_REQUEST_SIZE, 1)
    this.#principal = principal
    this.#sasl = sasl
    this.#core = core
    this.#apis = apis
    this.#endpoint = endpoint
    this.#clusterId = clusterId
    this.#clientHost = `/${socket.remoteAddress ?? 'unknown'}`
    socket.setNoDelay(true)
  }

  protected override protocolError(): void {
    // Kafka's protocol has no answer for a stream it cannot split: the connection is closed (by the caller).
  }

  protected override onFrame(frame: Buffer): void {
    const parsed = this.#parse(frame)
    if (parsed === null) return
    const {api, header, req} = parsed
    // Before a SASL client has authenticated, Kafka takes only ApiVersions, SaslHandshake and SaslAuthenticate, and
    // closes the connection on anything else.
    if (this.#sasl !== null && !this.#sasl.authenticated && !SASL_STAGE_APIS.has(api.codec.apiKey)) {
      this.#close(`${api.codec.name} before SASL authentication (client ${header.clientId})`)
      return
    }
    const after: (() => void)[] = []
    const quota: RequestQuota = {
      handled: false,
      started: this.#core.quotas.request.enabled ? process.hrtime.bigint() : 0n,
      syncNanos: -1,
    }
    const ctx = this.#context(header, after, frame.length - 4, quota)
    const finish = () => {
      for (const callback of after) callback()
    }
    let result: unknown
    try {
      result = api.handle(req, ctx)
    } catch (error) {
      this.#respondError(api, req, header, ctx, error)
      finish()
      return
    }
    if (quota.started !== 0n) quota.syncNanos = Number(process.hrtime.bigint() - quota.started)
    if (result instanceof Promise) {
      // Answered later (a long-poll fetch, a join waiting for the rebalance): nothing more is read until then, so
      // responses leave in the order the requests came.
      this.requestStarted()
      result
        .then(
          (value) => this.#respond(api, header, this.#requestQuota(api, ctx, quota, value)),
          (error: unknown) => this.#respondError(api, req, header, ctx, error),
        )
        .finally(() => {
          finish()
          this.requestDone()
        })
    } else {
      this.#respond(api, header, this.#requestQuota(api, ctx, quota, result))
      finish()
    }
  }

  /**
   * Applies request_percentage to a response whose adapter did not apply quotas itself (Kafka's
   * sendResponseMaybeThrottle): its handling time is recorded, and over quota the response carries the throttle time
   * and the connection is muted for it.
   */
  #requestQuota(api: KafkaApi, ctx: KafkaRequestContext, quota: RequestQuota, response: unknown): unknown {
    if (quota.handled || quota.started === 0n || response === NO_RESPONSE) return response
    if (QUOTA_EXEMPT_APIS.has(api.codec.apiKey)) return response
    if (api.codec.apiKey === 18 && this.#sasl !== null && !this.#sasl.authenticated) return response
    const ms = this.#core.quotas.throttleRequest(ctx.quotaClient, ctx.handlingNanos())
    if (ms <= 0) return response
    if (typeof response === 'object' && response !== null && 'throttleTimeMs' in response) {
      ;(response as {throttleTimeMs: number}).throttleTimeMs = ms
    }
    this.throttle(ms)
    return response
  }

  /**
   * The unit of work this request was part of could not be committed (a full disk): it is answered with the
   * storage's error instead (KAFKA_STORAGE_ERROR on the wire). A produce with acks=0 expects no answer: its
   * connection is closed, as Kafka does for such a produce that fails.
   */
  protected override storageFailed(frame: Buffer, error: KafkaException): void {
    const parsed = this.#parse(frame)
    if (parsed === null) return
    const {api, header, req} = parsed
    if (api.codec.apiKey === 0 && (req as {acks?: number}).acks === 0) {
      this.#close(`an acks=0 produce was refused: ${error.message}`)
      return
    }
    this.#respondError(api, req, header, this.#context(header, []), error)
  }

  /** A request's header, API and body; null when it was answered (or the connection closed) already. */
  #parse(frame: Buffer): {api: KafkaApi; header: RequestHeader; req: unknown} | null {
    const body = frame.subarray(4)
    let header: RequestHeader
    let bodyOffset: number
    try {
      ;({header, bodyOffset} = decodeRequestHeader(body))
    } catch (error) {
      this.#close(`a request header could not be read (${(error as Error).message})`)
      return null
    }
    const api = this.#apis.get(header.requestApiKey)
    const version = header.requestApiVersion
    if (api === undefined) {
      this.#close(`API key ${header.requestApiKey} is not one kafkalite serves (client ${header.clientId})`)
      return null
    }
    if (version < api.minVersion || version > api.maxVersion) {
      if (api.codec.apiKey === 18) {
        // KIP-511: ApiVersions of a version the broker does not speak gets a v0 answer with UNSUPPORTED_VERSION and
        // the versions it does speak, so the client can retry with one of them.
        this.write(encodeResponseFrameChunks(api.codec, 0, header.correlationId, unsupportedApiVersions(this.#apis)))
        return null
      }
      this.#close(
        `${api.codec.name} v${version} is not served (v${api.minVersion}-${api.maxVersion}; client ${header.clientId})`,
      )
      return null
    }
    try {
      const r = new Reader(body, bodyOffset)
      r.context = `${api.codec.name}Request v${version}`
      return {api, header, req: api.codec.readRequest(r, version)}
    } catch (error) {
      this.#close(`a ${api.codec.name} v${version} request could not be read (${(error as Error).message})`)
      return null
    }
  }

  #context(
    header: RequestHeader,
    after: (() => void)[],
    requestBytes = 0,
    quota: RequestQuota = {handled: false, started: 0n, syncNanos: -1},
  ): KafkaRequestContext {
    return {
      core: this.#core,
      version: header.requestApiVersion,
      clientId: header.clientId ?? '',
      clientHost: this.#clientHost,
      endpoint: this.#endpoint,
      clusterId: this.#clusterId,
      onClose: (callback) => this.onClose(callback),
      waitForResponseBytes: (maxWaitMs) => this.waitForResponseBytes(maxWaitMs),
      reserveResponse: () => this.reserveResponse(),
      afterResponse: (callback) => after.push(callback),
      sasl: this.#sasl ?? undefined,
      // end(), not destroy(): the answer that says why is written first.
      closeAfterResponse: (why) => after.push(() => this.#close(why, true)),
      quotaClient: {user: this.#sasl?.user ?? this.#principal, clientId: header.clientId ?? ''},
      requestBytes,
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
  }

  #respond(api: KafkaApi, header: RequestHeader, response: unknown): void {
    if (response === NO_RESPONSE || this.closed) return
    let chunks: Buffer[]
    try {
      chunks = encodeResponseFrameChunks(api.codec, header.requestApiVersion, header.correlationId, response)
    } catch (error) {
      this.context.log.error(
        `${api.codec.name} v${header.requestApiVersion}: the response could not be encoded: ${(error as Error).stack ?? error}`,
      )
      this.socket.destroy()
      return
    }
    this.write(chunks)
  }

  #respondError(api: KafkaApi, req: unknown, header: RequestHeader, ctx: KafkaRequestContext, error: unknown): void {
    const {errorCode, errorMessage} = thrownFields(error)
    if (!(error instanceof KafkaException)) {
      this.context.log.error(`${api.codec.name} failed: ${(error as Error)?.stack ?? String(error)}`)
    }
    if (api.errorResponse === undefined) {
      this.#close(`${api.codec.name} failed and has no error response: ${errorMessage}`)
      return
    }
    this.#respond(api, header, api.errorResponse(req, errorCode, errorMessage, ctx))
  }

  #close(why: string, afterWrites = false): void {
    this.context.log.warn(`closing a Kafka connection from ${this.#clientHost}: ${why}`)
    // After the replies held for the unit of work are written (they leave when it commits).
    if (afterWrites) setImmediate(() => this.end())
    else this.socket.destroy()
  }
}
