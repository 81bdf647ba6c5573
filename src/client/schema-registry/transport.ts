// How the registry client reaches a registry: HTTP(S) to the URLs of schema.registry.url (Confluent's, or
// kafkalite's HTTP listener), or the local daemon's socket (the `schemaRegistry` request) when no URL is given. Both
// carry one REST call and return its status and JSON text; the client above does not know which it used.
import {readFileSync} from 'node:fs'
import {Agent as HttpAgent, request as httpRequest} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https'
import {KafkaException} from '../../errors.js'
import {Connection, type ConnectionOptions} from '../connection.js'

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
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  keyPassword?: string
  /** false: the server's certificate is not checked against its name (endpoint identification off). */
  checkHostname: boolean
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
    this.#https = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      passphrase: options.keyPassword,
      checkServerIdentity: options.checkHostname ? undefined : () => undefined,
    })
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<RestResponse> {
    const urls = this.#options.urls
    let last: Error | undefined
    for (let i = 0; i < urls.length; i++) {
      const index = (this.#current + i) % urls.length
      try {
        const response = await this.#send(urls[index]!, method, path, body)
        this.#current = index
        return response
      } catch (error) {
        last = error as Error
      }
    }
    throw new KafkaException(
      'NETWORK_EXCEPTION',
      `Cannot reach the schema registry at ${urls.join(', ')}: ${last?.message ?? 'no URL'}. Check schema.registry.url.`,
    )
  }

  #send(base: string, method: string, path: string, body: unknown): Promise<RestResponse> {
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
      req.on('error', reject)
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

/** A PEM file's bytes, or a clear error naming the setting. */
export function readPem(setting: string, path: string | undefined): Buffer | undefined {
  if (path === undefined || path === '') return undefined
  try {
    return readFileSync(path)
  } catch (error) {
    throw new KafkaException('INVALID_CONFIG', `Cannot read ${setting} '${path}': ${(error as Error).message}`)
  }
}
