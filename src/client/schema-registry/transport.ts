// How the registry client reaches a registry: HTTP(S) to the URLs of schema.registry.url (Confluent's, or
// kafkalite's HTTP listener), or the local daemon's socket (the `schemaRegistry` request) when no URL is given. Both
// carry one REST call and return its status and JSON text; the client above does not know which it used.
import {Agent as HttpAgent, request as httpRequest} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https'
import {KafkaException} from '../../errors.js'
import {Connection, type ConnectionOptions} from '../connection.js'
import {tlsFailure, type RegistryTls} from './tls.js'

/** One REST call's answer. */
export interface RestResponse {
  status: number
  body: string
}

export interface RegistryTransport {
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<RestResponse>
  close(): Promise<void>
}

/** TLS and auth of the HTTP transport. */
export interface HttpTransportOptions {
  urls: string[]
  /** `user:password` for basic auth, or undefined. */
  userInfo?: string
  /** The TLS of https URLs (registryTls): the CAs, the client certificate, the host name check. */
  tls?: RegistryTls
  timeoutMs: number
}

/** Confluent's media type, sent and accepted. */
const MEDIA_TYPE = 'application/vnd.schemaregistry.v1+json'

/** HTTP(S) to a registry's URLs: the first that answers is used until it stops answering. */
export class HttpTransport implements RegistryTransport {
  readonly #options: HttpTransportOptions
  readonly #http = new HttpAgent({keepAlive: true, maxSockets: 16})
  readonly #https: HttpsAgent
  #current = 0

  constructor(options: HttpTransportOptions) {
    this.#options = options
    // Only what is set: node:tls takes a key present with the value undefined as the setting itself (an undefined
    // checkServerIdentity is called, and fails every handshake).
    this.#https = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      ...(options.tls
        ? {secureContext: options.tls.secureContext, checkServerIdentity: options.tls.checkServerIdentity}
        : {}),
    })
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<RestResponse> {
    const urls = this.#options.urls
    let last: NodeJS.ErrnoException | undefined
    let lastUrl = ''
    for (let i = 0; i < urls.length; i++) {
      const index = (this.#current + i) % urls.length
      try {
        const response = await this.#send(urls[index]!, method, path, body)
        this.#current = index
        return response
      } catch (error) {
        last = error as NodeJS.ErrnoException
        lastUrl = urls[index]!
      }
    }
    const shown = (u: string) => u.replace(/\/+$/, '')
    const tls = last && lastUrl.startsWith('https:') ? tlsFailure(last, this.#options.tls) : undefined
    if (tls !== undefined) {
      throw new KafkaException(
        'SSL_AUTHENTICATION_FAILED',
        `TLS with the schema registry at ${shown(lastUrl)} failed: ${tls}.`,
      )
    }
    throw new KafkaException(
      'NETWORK_EXCEPTION',
      `Cannot reach the schema registry at ${urls.map(shown).join(', ')}: ${last?.message ?? 'no URL'}. Check schema.registry.url.`,
    )
  }

  /**
   * One request, sent again once on a new connection when a kept-alive one turns out closed by the registry (the
   * race Node's documentation describes for reusedSocket): a steady producer that pauses is not failed by it.
   */
  async #send(base: string, method: string, path: string, body: unknown): Promise<RestResponse> {
    try {
      return await this.#sendOnce(base, method, path, body)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (!this.#onReusedSocket.has(error as Error) || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw error
      return this.#sendOnce(base, method, path, body)
    }
  }

  /** Errors of requests sent on a kept-alive connection. */
  readonly #onReusedSocket = new WeakSet<Error>()

  #sendOnce(base: string, method: string, path: string, body: unknown): Promise<RestResponse> {
    const url = new URL(base.replace(/\/+$/, '') + path)
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const headers: Record<string, string | number> = {Accept: MEDIA_TYPE}
    if (payload) {
      headers['Content-Type'] = MEDIA_TYPE
      headers['Content-Length'] = payload.length
    }
    const userInfo = this.#options.userInfo
    if (userInfo) headers.Authorization = `Basic ${Buffer.from(userInfo).toString('base64')}`
    const https = url.protocol === 'https:'
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {method, headers, agent: https ? this.#https : this.#http, timeout: this.#options.timeoutMs},
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}))
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#options.timeoutMs} ms`)))
      req.on('error', (error) => {
        if (req.reusedSocket) this.#onReusedSocket.add(error)
        reject(error)
      })
      req.end(payload)
    })
  }

  async close(): Promise<void> {
    this.#http.destroy()
    this.#https.destroy()
  }
}

/** The local daemon's registry, over its socket (no TCP port): the daemon is started if it is not running. */
export class LocalTransport implements RegistryTransport {
  readonly #options: ConnectionOptions
  #connection: Promise<Connection> | undefined

  constructor(options: ConnectionOptions) {
    this.#options = options
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<RestResponse> {
    let connection = await this.#connect()
    if (connection.closed) {
      this.#connection = undefined
      connection = await this.#connect()
    }
    return connection.request('schemaRegistry', {
      method,
      path,
      body: body === undefined ? '' : JSON.stringify(body),
    })
  }

  #connect(): Promise<Connection> {
    this.#connection ??= Connection.open(this.#options).catch((error: unknown) => {
      this.#connection = undefined
      throw error
    })
    return this.#connection
  }

  async close(): Promise<void> {
    const connection = this.#connection
    this.#connection = undefined
    if (connection) (await connection.catch(() => undefined))?.close()
  }
}
