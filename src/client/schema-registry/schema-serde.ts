// The schema-registry serdes' engine, shared by Avro and JSON Schema (Confluent's AbstractKafkaSchemaSerDe and its
// serializer and deserializer halves). kafkalite's Serializer interface is synchronous, as Kafka's is; the registry
// is not. So the registry work happens in `prepare`, which the producer (and the consumer) call before serialize
// (deserialize) and wait for when it returns a promise: it resolves the schema id of a (schema, topic) once, and
// the writer's schema of an id once. serialize then finds both in a map, and a steady producer makes no registry
// request per record.
import {KafkaException} from '../../errors.js'
import type {RecordHeader} from '../../protocol/kafka/record-batch.js'
import type {ClientConfig} from '../config.js'
import type {SchemaInfo} from './registry-client.js'
import {
  errorCodeOf,
  HEADER_SIZE,
  MAGIC_BYTE,
  registryClientFor,
  registryFailure,
  schemaIdOf,
  serdeSettings,
  wireHeader,
  type RegistryClient,
  type SerdeSettings,
} from './serde-config.js'

/** A schema parsed by its format: what the registry holds, and the name the record name strategies use. */
export interface ParsedSchema {
  info: SchemaInfo
  /** Avro: the full name of a record schema; JSON Schema: its title. undefined for other schemas. */
  recordName: string | undefined
}

/** What a serde is constructed with, besides its config. */
export interface SerdeOptions {
  /** The registry to use instead of the one the config names (schema.registry.url, or the local daemon's). */
  client?: RegistryClient
  /** Whether this serde is for keys (subjects end in -key), as Kafka's configure(configs, isKey) says. */
  isKey?: boolean
}

/** The schema a value is written with, and its id. */
export interface Writer<S> {
  id: number
  schema: S
  /** The 5 bytes of Confluent's wire header for `id`. */
  header: Buffer
}

/** A schema of the application's own (a value's, or the serializer's), and what it resolved to, per topic. */
interface OwnSchema<S> {
  parsed: Promise<S> | null
  byTopic: Map<string, Writer<S>>
  pending: Map<string, Promise<void>>
}

/** The serializer half: the value's schema, resolved to an id per topic through the registry, then the bytes. */
export abstract class SchemaSerializer<T, S extends ParsedSchema> {
  #config: ClientConfig
  #settings: SerdeSettings
  #isKey: boolean
  #client: RegistryClient | null
  #ownsClient = false
  readonly #own = new Map<unknown, OwnSchema<S>>()
  /** Writers for values without a schema of their own (use.latest.version, use.schema.id), by topic. */
  readonly #latest: OwnSchema<S> = {parsed: null, byTopic: new Map(), pending: new Map()}

  /** 'AVRO' or 'JSON', and the word Confluent's messages use for it. */
  protected abstract readonly schemaType: 'AVRO' | 'JSON'
  protected abstract readonly label: string

  constructor(config: ClientConfig = {}, options: SerdeOptions = {}) {
    this.#config = config
    this.#isKey = options.isKey ?? false
    this.#settings = serdeSettings(config, this.#isKey)
    this.#client = options.client ?? null
  }

  /** Kafka's configure: the producer calls it with its config when it creates the serializer from a name. */
  configure(config: ClientConfig, isKey: boolean): void {
    this.#config = config
    this.#isKey = isKey
    this.#settings = serdeSettings(config, isKey)
  }

  protected get isKey(): boolean {
    return this.#isKey
  }

  protected get client(): RegistryClient {
    if (this.#client === null) {
      this.#client = registryClientFor(this.#config)
      this.#ownsClient = true
    }
    return this.#client
  }

  /** The value's own schema (attached to it, or the serializer's), as a key for the caches; undefined when none. */
  protected abstract schemaSourceOf(data: T): unknown
  /** Parses a schema of the application's (loading the format's library on first use). */
  protected abstract parseOwn(source: unknown, client: RegistryClient): Promise<S>
  /** Parses a schema the registry returned, its references resolved through the client. */
  protected abstract parseRegistered(info: SchemaInfo, client: RegistryClient): Promise<S>
  /** For latest.compatibility.strict: why `latest` cannot read what `own` wrote, or null when it can. */
  protected abstract incompatibility(latest: S, own: S): string | null
  /** The value's bytes in Confluent's wire format; throws a SerializationException naming what does not match. */
  protected abstract encode(writer: Writer<S>, data: T, topic: string): Buffer

  prepare(topic: string, data: T | null | undefined, _headers?: RecordHeader[]): Promise<void> | null {
    if (data === null || data === undefined) return null
    const own = this.#ownOf(data)
    if (own.byTopic.has(topic)) return null
    let pending = own.pending.get(topic)
    if (pending === undefined) {
      pending = this.#resolve(topic, own, own === this.#latest ? undefined : this.schemaSourceOf(data)).finally(() =>
        own.pending.delete(topic),
      )
      own.pending.set(topic, pending)
    }
    return pending
  }

  serialize(topic: string, data: T | null | undefined, _headers?: RecordHeader[]): Buffer | null {
    if (data === null || data === undefined) return null
    const writer = this.#ownOf(data).byTopic.get(topic)
    if (writer === undefined) {
      throw new KafkaException(
        'ILLEGAL_STATE',
        `The schema id of this value for topic '${topic}' is not known yet: send it through KafkaProducer, or await the serializer's prepare(topic, value) first.`,
      )
    }
    return this.encode(writer, data, topic)
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client?.close()
  }

  #ownOf(data: T): OwnSchema<S> {
    const source = this.schemaSourceOf(data)
    if (source === undefined) return this.#latest
    let own = this.#own.get(source)
    if (own === undefined) {
      own = {parsed: null, byTopic: new Map(), pending: new Map()}
      this.#own.set(source, own)
    }
    return own
  }

  /** Confluent's serializeImpl: the schema id by auto-registration, use.schema.id, use.latest.version or lookup. */
  async #resolve(topic: string, own: OwnSchema<S>, source: unknown): Promise<void> {
    const s = this.#settings
    const client = this.client
    let schema: S | undefined
    if (source !== undefined) {
      own.parsed ??= this.parseOwn(source, client)
      schema = await own.parsed
    }
    const recordName = schema?.recordName
    if (s.subjectNeedsRecordName && recordName === undefined) {
      throw new KafkaException(
        'SERIALIZATION',
        `In configuration ${this.#isKey ? 'key' : 'value'}.subject.name.strategy = ${s.strategyName}, the message must only be ${this.schemaType === 'AVRO' ? 'an Avro record schema' : 'a JSON Schema with a title'}.`,
      )
    }
    const subject = s.subject(topic, this.#isKey, recordName)
    let writer: {id: number; schema: S}
    if (schema !== undefined && s.autoRegister) {
      const id = await client.register(subject, schema.info, s.normalize).catch((e: unknown) => {
        throw registryFailure(`Error registering ${this.label} schema for subject '${subject}'`, e)
      })
      writer = {id, schema}
    } else if (s.useSchemaId >= 0) {
      const info = await client.getBySubjectAndId(subject, s.useSchemaId).catch((e: unknown) => {
        throw registryFailure(`Error retrieving schema ID ${s.useSchemaId}`, e)
      })
      writer = {id: s.useSchemaId, schema: await this.parseRegistered(info, client)}
    } else if (s.useLatestVersion) {
      const meta = await client.getLatestSchemaMetadata(subject).catch((e: unknown) => {
        throw registryFailure(`Error retrieving latest version of ${this.label} schema for subject '${subject}'`, e)
      })
      const latest = await this.parseRegistered(meta, client)
      if (schema !== undefined && s.latestCompatibilityStrict) {
        const why = this.incompatibility(latest, schema)
        if (why !== null) {
          throw new KafkaException(
            'SERIALIZATION',
            `Incompatible schema of type '${this.schemaType}': version ${meta.version} of subject '${subject}' cannot read values of this schema (${why}). Set latest.compatibility.strict=false to disable this check.`,
          )
        }
      }
      writer = {id: meta.id, schema: latest}
    } else if (schema !== undefined) {
      const id = await client.getId(subject, schema.info, s.normalize).catch((e: unknown) => {
        const code = errorCodeOf(e)
        const hint =
          code === 40401 || code === 40403 ? ' Register the schema first, or set auto.register.schemas=true.' : ''
        throw registryFailure(`Error retrieving ${this.label} schema for subject '${subject}'`, e, hint)
      })
      writer = {id, schema}
    } else {
      throw new KafkaException(
        'SERIALIZATION',
        `A ${this.#isKey ? 'key' : 'value'} for topic '${topic}' has no schema: build it from one (new AvroSchema(...).record({...}) for Avro), give the serializer a schema, or set use.latest.version=true (or use.schema.id) to write it with a registered one.`,
      )
    }
    own.byTopic.set(topic, {...writer, header: wireHeader(writer.id)})
  }
}

/** How a deserializer reads values of one writer's schema. */
export interface Reader<S, T> {
  writer: S
  read: (data: Buffer) => T
}

/** The deserializer half: the writer's schema by the id in the bytes (fetched once), then the value. */
export abstract class SchemaDeserializer<T, S extends ParsedSchema> {
  #config: ClientConfig
  #settings: SerdeSettings
  #isKey: boolean
  #client: RegistryClient | null
  #ownsClient = false
  /** Readers by schema id; under use.latest.version, by topic first (each topic's subject has its own latest). */
  readonly #readers = new Map<number, Reader<S, T>>()
  readonly #readersByTopic = new Map<string, Map<number, Reader<S, T>>>()
  readonly #pending = new Map<string, Promise<void>>()

  protected abstract readonly label: string

  constructor(config: ClientConfig = {}, options: SerdeOptions = {}) {
    this.#config = config
    this.#isKey = options.isKey ?? false
    this.#settings = serdeSettings(config, this.#isKey)
    this.#client = options.client ?? null
  }

  configure(config: ClientConfig, isKey: boolean): void {
    this.#config = config
    this.#isKey = isKey
    this.#settings = serdeSettings(config, isKey)
  }

  protected get client(): RegistryClient {
    if (this.#client === null) {
      this.#client = registryClientFor(this.#config)
      this.#ownsClient = true
    }
    return this.#client
  }

  /** Parses a schema the registry returned, its references resolved through the client. */
  protected abstract parseRegistered(info: SchemaInfo, client: RegistryClient): Promise<S>
  /** The reader the application configured (a reader schema), or null to read with the writer's schema. */
  protected abstract configuredReader(client: RegistryClient): Promise<S | null>
  /** A reader of values written with `writer`, into `reader` when given (schema resolution). */
  protected abstract readerFor(writer: S, reader: S | null, id: number): (data: Buffer) => T

  #readersOf(topic: string): Map<number, Reader<S, T>> {
    if (!this.#settings.useLatestVersion) return this.#readers
    let m = this.#readersByTopic.get(topic)
    if (m === undefined) this.#readersByTopic.set(topic, (m = new Map()))
    return m
  }

  prepare(topic: string, data: Buffer | null, _headers?: readonly RecordHeader[]): Promise<void> | null {
    if (data === null || data.length < HEADER_SIZE || data[0] !== MAGIC_BYTE) return null
    const id = data.readInt32BE(1)
    const readers = this.#readersOf(topic)
    if (readers.has(id)) return null
    const key = this.#settings.useLatestVersion ? `${topic}\u0000${id}` : String(id)
    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = this.#fetch(topic, id, readers).finally(() => this.#pending.delete(key))
      this.#pending.set(key, pending)
    }
    return pending
  }

  /** The writer's schema of `id`, and the reader schema (configured, or the subject's latest version). */
  async #fetch(topic: string, id: number, readers: Map<number, Reader<S, T>>): Promise<void> {
    const client = this.client
    const info = await client.getBySubjectAndId(undefined, id).catch((e: unknown) => {
      throw registryFailure(`Error retrieving ${this.label} schema for id ${id}`, e)
    })
    const writer = await this.parseRegistered(info, client)
    let reader = await this.configuredReader(client)
    if (reader === null && this.#settings.useLatestVersion) {
      const subject = this.#settings.subject(topic, this.#isKey, writer.recordName)
      const meta = await client.getLatestSchemaMetadata(subject).catch((e: unknown) => {
        throw registryFailure(`Error retrieving latest version of ${this.label} schema for subject '${subject}'`, e)
      })
      reader = await this.parseRegistered(meta, client)
    }
    readers.set(id, {writer, read: this.readerFor(writer, reader, id)})
  }

  deserialize(topic: string, data: Buffer | null, _headers?: readonly RecordHeader[]): T | null {
    if (data === null) return null
    const id = schemaIdOf(data)
    const reader = this.#readersOf(topic).get(id)
    if (reader === undefined) {
      throw new KafkaException(
        'ILLEGAL_STATE',
        `The schema of id ${id} is not fetched yet: read records through KafkaConsumer, or await the deserializer's prepare(topic, bytes) first.`,
      )
    }
    return reader.read(data)
  }

  /** The writer's schema of a value this deserializer has prepared (console tools print its id and schema). */
  writerOf(topic: string, data: Buffer): S | undefined {
    return this.#readersOf(topic).get(schemaIdOf(data))?.writer
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client?.close()
  }
}
