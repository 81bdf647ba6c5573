// The schema registry's HTTP front end: Confluent Schema Registry's REST API on node:http, or node:https for an
// https:// listener (its certificate and client-certificate rule from kafkalite.schema.registry.ssl.*, read as the
// Kafka listener's ssl.* are), opened only when kafkalite.schema.registry.listeners (or `daemon start
// --schema-registry`) asks. It does what HTTP needs (the body and its limit, content types, basic auth) and hands
// each call to the broker core's one registry router, the same one the socket's `schemaRegistry` request reaches: no
// registry rule is written here. Each call runs as a unit of work of its own, as a socket read does.
import {timingSafeEqual} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo, Socket} from 'node:net'
import {tlsServerOptions} from '../../bootstrap.js'
import type {BrokerCore} from '../../broker/core.js'
import type {SchemaRegistryConfig} from '../../broker/broker-config.js'
import {KafkaException} from '../../errors.js'
import type {ConnectionContext} from '../connection.js'

/** The media types Confluent's registry consumes; a body of another type is refused with 415. */
const CONSUMED = new Set([
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/json',
  'application/octet-stream',
])

/** A registry listener bound. */
export interface BoundRegistryListener {
  host: string
  port: number
  url: string
}

export class RegistryHttpServer {
  readonly #core: BrokerCore
  readonly #context: ConnectionContext
  readonly #config: SchemaRegistryConfig
  readonly #users: Map<string, Buffer>
  readonly #servers: Server[] = []
  readonly sockets = new Set<Socket>()
  readonly bound: BoundRegistryListener[] = []

  constructor(core: BrokerCore, context: ConnectionContext) {
    this.#core = core
    this.#context = context
    this.#config = core.config.schemaRegistry
    this.#users = basicAuthUsers(this.#config)
  }

  /** Opens every listener; one that cannot (its port in use) fails the daemon's start. */
  async listen(): Promise<BoundRegistryListener[]> {
    for (const l of this.#config.listeners) {
      const host = l.host.includes(':') ? `[${l.host}]` : l.host
      const handler = (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res)
      // What the log calls this listener: its bound port once it has one (port 0 picks it).
      let name = `${l.protocol}://${host}:${l.port}`
      let server: Server
      if (l.protocol === 'https') {
        try {
          server = createHttpsServer(tlsServerOptions(this.#config.tls!), handler)
        } catch (error) {
          throw new KafkaException(
            'BROKER_CONFIG_INVALID',
            `The schema registry cannot listen on https://${host}:${l.port}: its certificate or key cannot be used (${(error as Error).message}). Check kafkalite.schema.registry.ssl.keystore.location and kafkalite.schema.registry.ssl.key.password.`,
          )
        }
        // Logged as the Kafka listener logs a failed handshake, at most once a second (a client may retry in a loop).
        let loggedAt = 0
        server.on('tlsClientError', (error: Error, socket: Socket) => {
          const now = Date.now()
          if (now - loggedAt >= 1000) {
            loggedAt = now
            this.#context.log.info(
              `schema registry ${name}: failed TLS handshake with ${socket.remoteAddress ?? 'a client'}: ${error.message}`,
            )
          }
          socket.destroy()
        })
      } else {
        server = createServer(handler)
      }
      server.requestTimeout = this.#context.config.receiveTimeoutMs
      server.headersTimeout = Math.min(60_000, this.#context.config.receiveTimeoutMs)
      server.keepAliveTimeout = 30_000
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket)
        socket.once('close', () => this.sockets.delete(socket))
      })
      server.on('clientError', (error, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        else socket.destroy(error)
      })
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            new KafkaException(
              'BROKER_CONFIG_INVALID',
              `The schema registry cannot listen on ${host}:${l.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}. Choose another port in kafkalite.schema.registry.listeners (0 picks a free one).`,
            ),
          ),
        )
        server.listen(l.port, l.host, () => resolve())
      })
      this.#servers.push(server)
      const {port} = server.address() as AddressInfo
      name = `${l.protocol}://${host}:${port}`
      this.bound.push({host: l.host, port, url: name})
    }
    return this.bound
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve())
            s.closeAllConnections()
          }),
      ),
    )
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.#config.maxRequestBytes
    if (this.#users.size > 0 && !this.#authorized(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="kafkalite-schema-registry"')
      this.#send(req, res, 401, {error_code: 401, message: 'Unauthorized'})
      req.resume()
      return
    }
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > limit) {
      this.#tooLarge(req, res, limit)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > limit) {
        refused = true
        this.#tooLarge(req, res, limit)
        return
      }
      chunks.push(chunk)
    })
    req.on('error', () => res.destroy())
    req.on('end', () => {
      if (refused) return
      const body = Buffer.concat(chunks)
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      if (body.length > 0 && type !== '' && !CONSUMED.has(type)) {
        this.#send(req, res, 415, {error_code: 415, message: 'HTTP 415 Unsupported Media Type'})
        return
      }
      this.#answer(req, res, body.toString('utf8'))
    })
  }

  #answer(req: IncomingMessage, res: ServerResponse, body: string): void {
    const method = (req.method ?? 'GET').toUpperCase()
    let response: {status: number; body: string} | undefined
    let failure: KafkaException | null
    const call = () => {
      response = this.#core.schemaRegistry({method, path: req.url ?? '/', body})
    }
    try {
      // A GET only reads: no transaction to open and commit around it.
      if (method === 'GET') {
        call()
        failure = null
      } else {
        failure = this.#context.unitOfWork.run(call)
      }
    } catch (error) {
      this.#context.log.error(`schema registry ${method} ${req.url} failed: ${(error as Error)?.stack ?? error}`)
      this.#send(req, res, 500, {
        error_code: 50001,
        message: `Error in the schema registry: ${(error as Error).message}`,
      })
      return
    }
    if (failure !== null || response === undefined) {
      this.#send(req, res, 500, {
        error_code: 50001,
        message: `Error while writing to the backend store: ${failure?.message ?? 'no answer'}`,
      })
      return
    }
    this.#sendText(req, res, response.status, response.body)
  }

  #tooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
    res.setHeader('Connection', 'close')
    this.#send(req, res, 413, {
      error_code: 413,
      message: `The request body is larger than ${limit} bytes (kafkalite.schema.registry.max.request.bytes): send a smaller schema, or raise the setting.`,
    })
    // Stop reading what is left: the connection closes once the answer is out.
    req.pause()
    res.once('finish', () => req.socket.destroy())
  }

  #send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    this.#sendText(req, res, status, JSON.stringify(body))
  }

  #sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
    if (res.headersSent) return
    const bytes = Buffer.from(text)
    res.writeHead(status, {'Content-Type': mediaType(req.headers.accept), 'Content-Length': bytes.length})
    res.end(req.method === 'HEAD' ? undefined : bytes)
  }

  /** HTTP basic auth, passwords compared in constant time. */
  #authorized(header: string | undefined): boolean {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
    if (!m) return false
    const text = Buffer.from(m[1]!, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    if (colon < 0) return false
    const expected = this.#users.get(text.slice(0, colon))
    const given = Buffer.from(text.slice(colon + 1))
    if (!expected) return false
    return expected.length === given.length && timingSafeEqual(expected, given)
  }
}

/** The media type of the answer: the client's first acceptable one of Confluent's, else its v1 type. */
function mediaType(accept: string | undefined): string {
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase()
    if (type === 'application/vnd.schemaregistry.v1+json' || type === 'application/vnd.schemaregistry+json') return type
    if (type === 'application/json') return type
    if (type === '*/*' || type === 'application/*') break
  }
  return 'application/vnd.schemaregistry.v1+json'
}

/**
 * The users basic auth lets in: kafkalite.schema.registry.basic.auth.users (user:password, separated by commas) and
 * the lines of kafkalite.schema.registry.basic.auth.users.file (user:password, or Jetty's `user: password,role...`).
 */
export function basicAuthUsers(
  config: Pick<SchemaRegistryConfig, 'basicAuthUsers' | 'basicAuthUsersFile'>,
): Map<string, Buffer> {
  const users = new Map<string, Buffer>()
  const add = (entry: string, where: string) => {
    const colon = entry.indexOf(':')
    if (colon <= 0) {
      throw new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Invalid user '${entry.slice(0, 40)}' in ${where}: write user:password.`,
      )
    }
    const password = entry
      .slice(colon + 1)
      .trim()
      .split(',')[0]!
      .trim()
    users.set(entry.slice(0, colon).trim(), Buffer.from(password))
  }
  for (const entry of config.basicAuthUsers.split(',')) {
    if (entry.trim() !== '') add(entry.trim(), 'kafkalite.schema.registry.basic.auth.users')
  }
  if (config.basicAuthUsersFile !== '') {
    let text: string
    try {
      text = readFileSync(config.basicAuthUsersFile, 'utf8')
    } catch (error) {
      throw new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Cannot read kafkalite.schema.registry.basic.auth.users.file ${config.basicAuthUsersFile}: ${(error as Error).message}`,
      )
    }
    for (const line of text.split('\n')) {
      const entry = line.trim()
      if (entry !== '' && !entry.startsWith('#')) add(entry, config.basicAuthUsersFile)
    }
  }
  return users
}
