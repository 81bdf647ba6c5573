// A client of Confluent Schema Registry, with the names and shapes of Confluent's JavaScript client
// (@confluentinc/schemaregistry's SchemaRegistryClient) and its config names: schema.registry.url (several URLs
// separated by commas, tried in turn), basic.auth.credentials.source=USER_INFO with basic.auth.user.info (or URL:
// the user info of the URL), TLS with PEM files (tls.ts). Without a URL it reaches the local daemon's registry over
// the Unix socket (started when it is not running): no TCP port. Schemas are cached by id, by subject and schema,
// and by subject and version, so a steady producer or consumer makes no registry request per record.
import {KafkaException} from '../../errors.js'
import {registryTls} from './tls.js'
import {HttpTransport, LocalTransport, type RegistryTransport, type RestResponse} from './transport.js'

/** A reference from a schema to a subject's version, under the name the schema uses for it. */
export interface SchemaReference {
  name: string
  subject: string
  version: number
}

/** A schema as registered: its text, its type (AVRO when absent) and its references. */
export interface SchemaInfo {
  schema: string
  schemaType?: 'AVRO' | 'JSON' | 'PROTOBUF'
  references?: SchemaReference[]
}

/** A subject's version of a schema, with the schema's global id. */
export interface SchemaMetadata extends SchemaInfo {
  id: number
  subject: string
  version: number
}

export type Compatibility =
  'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE'

/** Confluent's client settings (the same names as its Java and JavaScript clients and serializers). */
export interface SchemaRegistryConfig {
  /** The registry's URLs, separated by commas; absent or empty: the local daemon's registry, over its socket. */
  'schema.registry.url'?: string
  /** USER_INFO (basic.auth.user.info) or URL (the user info of schema.registry.url). */
  'basic.auth.credentials.source'?: string
  /** `user:password` for HTTP basic auth. */
  'basic.auth.user.info'?: string
  /** A PEM file of the certificate authorities to trust (default: Node's). */
  'schema.registry.ssl.ca.location'?: string
  /** A PEM file of the client's certificate, for a registry that asks for one (it may hold the key too). */
  'schema.registry.ssl.certificate.location'?: string
  /** A PEM file of the client's private key. */
  'schema.registry.ssl.key.location'?: string
  /** The password of an encrypted private key. */
  'schema.registry.ssl.key.password'?: string
  /** `https` (default) checks the server's certificate against its host name; empty (or `none`) turns that off. */
  'schema.registry.ssl.endpoint.identification.algorithm'?: string
  /** Java's name for the CAs to trust (ca.location): a PEM file; ssl.truststore.type must be PEM if given. */
  'schema.registry.ssl.truststore.location'?: string
  'schema.registry.ssl.truststore.type'?: string
  /** Java's name for the client's certificate and key: a PEM key store (the key, then the chain). */
  'schema.registry.ssl.keystore.location'?: string
  'schema.registry.ssl.keystore.type'?: string
  /** How long one request may take (default 30000). */
  'schema.registry.request.timeout.ms'?: number | string
  /** How long getLatestSchemaMetadata answers from its cache (default -1: it asks the registry every time). */
  'latest.cache.ttl.secs'?: number | string
}

/** A refusal of the registry: the HTTP status, Confluent's error_code and its message. */
export class SchemaRegistryError extends KafkaException {
  readonly status: number
  readonly errorCode: number

  constructor(status: number, errorCode: number, message: string) {
    super(status >= 500 ? 'UNKNOWN_SERVER_ERROR' : 'INVALID_REQUEST', message)
    this.name = 'SchemaRegistryError'
    this.status = status
    this.errorCode = errorCode
  }
}

export interface SchemaRegistryClientOptions {
  /** The kafkalite home of the local registry (default: $KAFKALITE_HOME or the XDG state directory). */
  home?: string
  /** Start the local daemon when it is not running (default true). */
  autoStart?: boolean
  /** Told about events worth a line on stderr (a daemon started). */
  onNotice?: (message: string) => void
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

export class SchemaRegistryClient {
  readonly #transport: RegistryTransport
  readonly #latestTtlMs: number
  /** id -> schema. */
  readonly #byId = new Map<number, SchemaInfo>()
  /** subject + schema -> the registered version (register and getId). */
  readonly #bySchema = new Map<string, SchemaMetadata>()
  /** subject + version -> the version. */
  readonly #byVersion = new Map<string, SchemaMetadata>()
  readonly #latest = new Map<string, {at: number; metadata: SchemaMetadata}>()

  constructor(config: SchemaRegistryConfig = {}, options: SchemaRegistryClientOptions = {}) {
    const urls = (config['schema.registry.url'] ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '')
    for (const u of urls) {
      let parsed: URL | undefined
      try {
        parsed = new URL(u)
      } catch {
        parsed = undefined
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        throw new KafkaException(
          'INVALID_CONFIG',
          `Invalid schema.registry.url '${u}': use http://host:port or https://host:port, several separated by commas.`,
        )
      }
    }
    this.#latestTtlMs = Number(config['latest.cache.ttl.secs'] ?? -1) * 1000
    if (urls.length === 0) {
      this.#transport = new LocalTransport({
        home: options.home,
        autoStart: options.autoStart,
        onNotice: options.onNotice,
      })
      return
    }
    const source = (config['basic.auth.credentials.source'] ?? '').toUpperCase()
    let userInfo: string | undefined
    if (source === 'USER_INFO' || (source === '' && config['basic.auth.user.info'])) {
      userInfo = config['basic.auth.user.info']
      if (!userInfo?.includes(':')) {
        throw new KafkaException(
          'INVALID_CONFIG',
          'basic.auth.credentials.source=USER_INFO needs basic.auth.user.info=user:password.',
        )
      }
    } else if (source === 'URL') {
      const u = new URL(urls[0]!)
      userInfo = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`
    } else if (source !== '') {
      throw new KafkaException(
        'INVALID_CONFIG',
        `Invalid basic.auth.credentials.source '${config['basic.auth.credentials.source']}': use USER_INFO or URL.`,
      )
    }
    const timeoutMs = Number(config['schema.registry.request.timeout.ms'] ?? 30_000)
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new KafkaException(
        'INVALID_CONFIG',
        `Invalid schema.registry.request.timeout.ms '${config['schema.registry.request.timeout.ms']}': give a number of milliseconds above 0.`,
      )
    }
    this.#transport = new HttpTransport({
      urls: urls.map((u) => {
        const url = new URL(u)
        url.username = ''
        url.password = ''
        return url.toString()
      }),
      userInfo,
      // Read only for https URLs: a TLS setting next to plain http URLs is not used, as in Confluent's clients.
      ...(urls.some((u) => /^https:/i.test(u)) ? {tls: registryTls(config)} : {}),
      timeoutMs,
    })
  }

  /** Registers a schema under a subject (if it is not already) and returns its id. */
  async register(subject: string, schema: SchemaInfo, normalize = false): Promise<number> {
    return (await this.registerFullResponse(subject, schema, normalize)).id
  }

  /** Registers a schema under a subject (if it is not already) and returns its id, version and text as stored. */
  async registerFullResponse(subject: string, schema: SchemaInfo, normalize = false): Promise<SchemaMetadata> {
    const key = schemaKey(subject, schema, normalize)
    const cached = this.#bySchema.get(key)
    if (cached) return cached
    const r = await this.#call<Partial<SchemaMetadata>>(
      'POST',
      `/subjects/${enc(subject)}/versions?normalize=${normalize}`,
      request(schema),
    )
    const metadata: SchemaMetadata = {
      ...schema,
      ...r,
      id: r.id!,
      subject,
      version: r.version ?? (await this.getId(subject, schema, normalize).then(() => this.#bySchema.get(key)!.version)),
    }
    this.#bySchema.set(key, metadata)
    return metadata
  }

  /** The schema with this id (`subject` names where it was registered; it may be undefined). */
  async getBySubjectAndId(subject: string | undefined, id: number): Promise<SchemaInfo> {
    const cached = this.#byId.get(id)
    if (cached) return cached
    const query = subject ? `?subject=${enc(subject)}` : ''
    const r = await this.#call<SchemaInfo>('GET', `/schemas/ids/${id}${query}`)
    const info = info_(r)
    this.#byId.set(id, info)
    return info
  }

  /** The id of a schema registered under a subject (POST /subjects/{subject}); a 404 when it is not. */
  async getId(subject: string, schema: SchemaInfo, normalize = false): Promise<number> {
    const key = schemaKey(subject, schema, normalize)
    const cached = this.#bySchema.get(key)
    if (cached) return cached.id
    const r = await this.#call<SchemaMetadata>(
      'POST',
      `/subjects/${enc(subject)}?normalize=${normalize}`,
      request(schema),
    )
    this.#bySchema.set(key, metadata(r, subject))
    return r.id
  }

  /** The subject's latest version (cached for latest.cache.ttl.secs when set). */
  async getLatestSchemaMetadata(subject: string): Promise<SchemaMetadata> {
    const hit = this.#latest.get(subject)
    if (hit && this.#latestTtlMs >= 0 && Date.now() - hit.at < this.#latestTtlMs) return hit.metadata
    const r = metadata(await this.#call<SchemaMetadata>('GET', `/subjects/${enc(subject)}/versions/latest`), subject)
    if (this.#latestTtlMs > 0) this.#latest.set(subject, {at: Date.now(), metadata: r})
    this.#byVersion.set(`${subject}\0${r.version}`, r)
    this.#byId.set(r.id, info_(r))
    return r
  }

  /** A subject's version. */
  async getSchemaMetadata(subject: string, version: number): Promise<SchemaMetadata> {
    const key = `${subject}\0${version}`
    const cached = this.#byVersion.get(key)
    if (cached) return cached
    const r = metadata(
      await this.#call<SchemaMetadata>('GET', `/subjects/${enc(subject)}/versions/${version}`),
      subject,
    )
    this.#byVersion.set(key, r)
    this.#byId.set(r.id, info_(r))
    return r
  }

  /** A subject's version numbers. */
  async getAllVersions(subject: string): Promise<number[]> {
    return this.#call<number[]>('GET', `/subjects/${enc(subject)}/versions`)
  }

  /** Every subject with a live version. */
  async getAllSubjects(): Promise<string[]> {
    return this.#call<string[]>('GET', '/subjects')
  }

  /** Deletes a subject's versions (soft, or permanent after soft); returns them. */
  async deleteSubject(subject: string, permanent = false): Promise<number[]> {
    const r = await this.#call<number[]>('DELETE', `/subjects/${enc(subject)}?permanent=${permanent}`)
    this.#forget(subject)
    return r
  }

  /** Deletes a subject's version (soft, or permanent after soft); returns it. */
  async deleteSubjectVersion(subject: string, version: number, permanent = false): Promise<number> {
    const r = await this.#call<number>('DELETE', `/subjects/${enc(subject)}/versions/${version}?permanent=${permanent}`)
    this.#forget(subject)
    return r
  }

  /** Could the subject take this schema as its next version (against the versions its level names)? */
  async testSubjectCompatibility(subject: string, schema: SchemaInfo): Promise<boolean> {
    const r = await this.#call<{is_compatible: boolean}>(
      'POST',
      `/compatibility/subjects/${enc(subject)}/versions/latest`,
      request(schema),
    )
    return r.is_compatible
  }

  /** Is this schema compatible with a subject's version, under the subject's level? */
  async testCompatibility(subject: string, version: number, schema: SchemaInfo): Promise<boolean> {
    const r = await this.#call<{is_compatible: boolean}>(
      'POST',
      `/compatibility/subjects/${enc(subject)}/versions/${version}`,
      request(schema),
    )
    return r.is_compatible
  }

  /** A subject's own compatibility level (a 404 when it has none: see getDefaultCompatibility). */
  async getCompatibility(subject: string): Promise<Compatibility> {
    return (await this.#call<{compatibilityLevel: Compatibility}>('GET', `/config/${enc(subject)}`)).compatibilityLevel
  }

  async updateCompatibility(subject: string, update: Compatibility): Promise<Compatibility> {
    return (await this.#call<{compatibility: Compatibility}>('PUT', `/config/${enc(subject)}`, {compatibility: update}))
      .compatibility
  }

  /** The global compatibility level. */
  async getDefaultCompatibility(): Promise<Compatibility> {
    return (await this.#call<{compatibilityLevel: Compatibility}>('GET', '/config')).compatibilityLevel
  }

  async updateDefaultCompatibility(update: Compatibility): Promise<Compatibility> {
    return (await this.#call<{compatibility: Compatibility}>('PUT', '/config', {compatibility: update})).compatibility
  }

  /**
   * One REST call of Confluent's API, for what the methods above do not cover: the parsed body, or a
   * SchemaRegistryError with the registry's status, error_code and message.
   */
  async rest<T = unknown>(method: Method, path: string, body?: unknown): Promise<T> {
    return this.#call<T>(method, path, body)
  }

  /** Closes the connections to the registry. */
  async close(): Promise<void> {
    await this.#transport.close()
  }

  async #call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const response: RestResponse = await this.#transport.call(method, path, body)
    let parsed: unknown
    try {
      parsed = response.body === '' ? null : JSON.parse(response.body)
    } catch {
      parsed = response.body
    }
    if (response.status >= 200 && response.status < 300) return parsed as T
    const e = parsed as {error_code?: unknown; message?: unknown} | null
    throw new SchemaRegistryError(
      response.status,
      typeof e?.error_code === 'number' ? e.error_code : response.status,
      typeof e?.message === 'string' ? e.message : `HTTP ${response.status}: ${String(response.body).slice(0, 200)}`,
    )
  }

  #forget(subject: string): void {
    for (const map of [this.#bySchema, this.#byVersion]) {
      for (const key of map.keys()) if (key.startsWith(`${subject}\0`)) map.delete(key)
    }
    this.#latest.delete(subject)
  }
}

const enc = encodeURIComponent

function request(schema: SchemaInfo): SchemaInfo {
  return {
    schema: schema.schema,
    ...(schema.schemaType && schema.schemaType !== 'AVRO' ? {schemaType: schema.schemaType} : {}),
    ...(schema.references && schema.references.length > 0 ? {references: schema.references} : {}),
  }
}

function schemaKey(subject: string, schema: SchemaInfo, normalize: boolean): string {
  const refs = (schema.references ?? []).map((r) => `${r.name}\u0001${r.subject}\u0001${r.version}`).join('\u0002')
  return `${subject}\0${normalize ? 1 : 0}\0${schema.schemaType ?? 'AVRO'}\0${refs}\0${schema.schema}`
}

function info_(r: SchemaInfo): SchemaInfo {
  return {
    schema: r.schema,
    schemaType: r.schemaType ?? 'AVRO',
    ...(r.references && r.references.length > 0 ? {references: r.references} : {}),
  }
}

function metadata(r: SchemaMetadata, subject: string): SchemaMetadata {
  return {...info_(r), id: r.id, subject: r.subject ?? subject, version: r.version}
}
