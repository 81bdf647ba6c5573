// Confluent's KafkaAvroSerializer and KafkaAvroDeserializer, on avsc (a well-kept Avro implementation for JavaScript,
// the one Confluent's own JS client uses, so both write the same bytes for the same value). Records are plain
// objects (avsc's representation: unions unwrapped where unambiguous, bytes as Buffers, longs as numbers), checked
// against the schema as they are encoded: a value that does not match is refused before it is sent, naming the field.
// avsc loads on the first prepare, not when this module is imported.
import type * as Avsc from 'avsc'
import {KafkaException} from '../../errors.js'
import type {ClientConfig} from '../config.js'
import type {SchemaInfo, SchemaReference} from './registry-client.js'
import {HEADER_SIZE, shown, type RegistryClient} from './serde-config.js'
import {
  SchemaDeserializer,
  SchemaSerializer,
  type ParsedSchema,
  type SerdeOptions,
  type Writer,
} from './schema-serde.js'

type Avro = typeof Avsc
let avsc: Avro | null = null
let loading: Promise<Avro> | null = null

/** avsc, loaded once on first use. */
export async function loadAvsc(): Promise<Avro> {
  loading ??= import('avsc').then((m) => (avsc = ((m as {default?: Avro}).default ?? m) as Avro))
  return loading
}

/** An Avro schema as the application gives it: JSON text, or the parsed JSON. */
export type AvroSchemaDefinition = string | Record<string, unknown> | unknown[]

const SCHEMA = Symbol.for('kafkalite.avro.schema')

/**
 * Avro's Schema: a schema the application writes with (Java's `new Schema.Parser().parse(text)`). Its `record`
 * builds values of it. The JSON is checked here; the Avro rules when a serializer first uses it.
 */
export class AvroSchema {
  readonly text: string
  readonly definition: unknown
  readonly references: SchemaReference[]

  constructor(schema: AvroSchemaDefinition, references: SchemaReference[] = []) {
    if (typeof schema === 'string') {
      try {
        this.definition = JSON.parse(schema) as unknown
      } catch (error) {
        throw new KafkaException(
          'SERIALIZATION',
          `Invalid Avro schema ${shown(schema)}: it is not JSON (${(error as Error).message}).`,
        )
      }
      this.text = schema
    } else {
      this.definition = schema
      this.text = JSON.stringify(schema)
    }
    this.references = references
  }

  /**
   * A record of this schema (Java's GenericData.Record): a plain object of its fields, carrying the schema on its
   * prototype (not as a field) so that the serializer knows what to write it with. A record schema's fields are
   * copied in the schema's order (others are left out: they are not the schema's); for other schemas, all of them.
   */
  record<R extends Record<string, unknown>>(fields: R): GenericRecord & R {
    this.#make ??= recordMaker(this)
    return this.#make(fields) as GenericRecord & R
  }

  #make: ((fields: Record<string, unknown>) => GenericRecord) | undefined

  /** The schema of a record built by `record`, if it was. */
  static of(value: unknown): AvroSchema | undefined {
    return typeof value === 'object' && value !== null
      ? ((value as Record<symbol, unknown>)[SCHEMA] as AvroSchema | undefined)
      : undefined
  }
}

/**
 * Builds the records of a schema fast: one class per schema, its prototype carrying the schema (a symbol property
 * per record cost ~2 µs: defineProperty moves an object to dictionary mode), its constructor assigning the schema's
 * fields in order, so that every record has one shape and avsc's compiled writer stays monomorphic.
 */
function recordMaker(schema: AvroSchema): (fields: Record<string, unknown>) => GenericRecord {
  const proto: object = Object.create(Object.prototype) as object
  Object.defineProperty(proto, SCHEMA, {value: schema, enumerable: false})
  const def = schema.definition as {type?: unknown; fields?: {name?: unknown}[]}
  const names =
    typeof def === 'object' &&
    def !== null &&
    (def.type === 'record' || def.type === 'error') &&
    Array.isArray(def.fields)
      ? def.fields
          .map((f) => f.name)
          .filter((n): n is string => typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))
      : null
  if (names === null || names.length !== (def.fields?.length ?? -1)) {
    return (fields) => Object.assign(Object.create(proto) as GenericRecord, fields)
  }
  // Field names are checked against Avro's name rule above: the code is only `this.<name> = f.<name>` lines.
  const Ctor = new Function('f', names.map((n) => `this.${n} = f.${n}`).join('\n')) as unknown as new (
    f: Record<string, unknown>,
  ) => GenericRecord
  Ctor.prototype = proto
  return (fields) => new Ctor(fields)
}

/** An Avro record: a plain object of field values (Java's GenericRecord), built with AvroSchema.record or by hand. */
export type GenericRecord = Record<string, unknown>

/** A schema parsed by avsc. */
export interface ParsedAvroSchema extends ParsedSchema {
  type: Avsc.Type
}

/** Parses an Avro schema with its references (fetched from the registry, each parsed into one avsc registry first). */
export async function parseAvro(info: SchemaInfo, client: RegistryClient | null): Promise<ParsedAvroSchema> {
  const avro = await loadAvsc()
  const registry: Record<string, Avsc.Type> = {}
  const seen = new Set<string>()
  const addReferences = async (refs: readonly SchemaReference[] | undefined) => {
    for (const ref of refs ?? []) {
      const key = `${ref.subject}\u0000${ref.version}`
      if (seen.has(key)) continue
      seen.add(key)
      if (client === null) throw new KafkaException('SERIALIZATION', `Schema reference ${ref.name} needs a registry.`)
      const meta = await client.getSchemaMetadata(ref.subject, ref.version)
      await addReferences(meta.references)
      forSchema(avro, meta.schema, registry)
    }
  }
  await addReferences(info.references)
  const type = forSchema(avro, info.schema, registry)
  const named = type as Avsc.Type & {name?: string}
  return {info, type, recordName: type.typeName === 'record' || type.typeName === 'error' ? named.name : undefined}
}

function forSchema(avro: Avro, text: string, registry: Record<string, Avsc.Type>): Avsc.Type {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new KafkaException(
      'SERIALIZATION',
      `Invalid Avro schema ${shown(text)}: it is not JSON (${(error as Error).message}).`,
    )
  }
  try {
    return avro.Type.forSchema(json as Avsc.Schema, {registry})
  } catch (error) {
    throw new KafkaException('SERIALIZATION', `Invalid Avro schema ${shown(text)}: ${(error as Error).message}.`)
  }
}

/** The type's name as an error message shows it: `int`, `record User`, `union [null, string]`. */
export function describeType(type: Avsc.Type): string {
  const t = type as Avsc.Type & {name?: string; types?: Avsc.Type[]; symbols?: string[]}
  switch (t.typeName) {
    case 'record':
    case 'error':
    case 'fixed':
      return `${t.typeName} ${t.name ?? ''}`.trim()
    case 'enum':
      return `enum ${t.name ?? ''} (one of ${t.symbols!.join(', ')})`
    case 'union:unwrapped':
    case 'union:wrapped':
      return `union [${t.types!.map(describeType).join(', ')}]`
    case 'array':
    case 'map':
      return t.typeName
    default:
      return t.typeName.startsWith('logical:')
        ? describeType((t as unknown as {underlyingType: Avsc.Type}).underlyingType)
        : t.typeName
  }
}

/**
 * Why a value does not match its schema, in one line: `Field "age" of record "User": expected int, got "abc"`. The
 * first mismatch avsc finds, with the path of fields (and array indices, map keys) that leads to it.
 */
export function avroMismatch(type: Avsc.Type, value: unknown): string {
  let found: {path: string[]; any: unknown; type: Avsc.Type} | undefined
  type.isValid(value, {
    errorHook: (path: string[], any: unknown, t: Avsc.Type) => {
      found ??= {path, any, type: t}
    },
  })
  if (found === undefined) return `the value does not match ${describeType(type)}`
  const got = found.any === undefined ? 'nothing (the field is missing and has no default)' : shown(found.any)
  const name = (type as {name?: string}).name
  if (found.path.length === 0) return `expected ${describeType(found.type)}, got ${got}`
  return `Field "${found.path.join('.')}" of ${name === undefined ? 'the value' : `record "${name}"`}: expected ${describeType(found.type)}, got ${got}`
}

/** The Avro serde options: a schema to write values with (values built by AvroSchema.record carry their own). */
export interface AvroSerializerOptions extends SerdeOptions {
  schema?: AvroSchema | AvroSchemaDefinition
}

/**
 * Confluent's KafkaAvroSerializer. Configure it as Kafka's clients do (`value.serializer:
 * 'io.confluent.kafka.serializers.KafkaAvroSerializer'` with `schema.registry.url`), or construct it with a config.
 */
export class KafkaAvroSerializer<T = unknown> extends SchemaSerializer<T, ParsedAvroSchema> {
  protected readonly schemaType = 'AVRO' as const
  protected readonly label = 'Avro'
  readonly #schema: AvroSchema | undefined
  #scratch = Buffer.allocUnsafe(64 * 1024)
  /** The schema id whose header the scratch buffer starts with. */
  #scratchId = -1

  constructor(config: ClientConfig = {}, options: AvroSerializerOptions = {}) {
    super(config, options)
    const s = options.schema
    this.#schema = s === undefined ? undefined : s instanceof AvroSchema ? s : new AvroSchema(s)
  }

  protected schemaSourceOf(data: T): unknown {
    return (typeof data === 'object' && data !== null ? AvroSchema.of(data) : undefined) ?? this.#schema
  }

  protected parseOwn(source: unknown, client: RegistryClient): Promise<ParsedAvroSchema> {
    const s = source as AvroSchema
    return parseAvro({schema: s.text, schemaType: 'AVRO', references: s.references}, client).then((parsed) => ({
      ...parsed,
      // Registered as written: the registry compares schemas in Avro's canonical form.
      info: s.references.length > 0 ? {schema: s.text, references: s.references} : {schema: s.text},
    }))
  }

  protected parseRegistered(info: SchemaInfo, client: RegistryClient): Promise<ParsedAvroSchema> {
    return parseAvro(info, client)
  }

  protected incompatibility(latest: ParsedAvroSchema, own: ParsedAvroSchema): string | null {
    try {
      latest.type.createResolver(own.type)
      return null
    } catch (error) {
      return (error as Error).message
    }
  }

  protected encode(writer: Writer<ParsedAvroSchema>, data: T, topic: string): Buffer {
    const type = writer.schema.type
    let end: number
    try {
      end = type.encode(data, this.#scratch, HEADER_SIZE)
      if (end < 0) {
        this.#scratch = Buffer.allocUnsafe(Math.max(this.#scratch.length * 2, this.#scratch.length - end + 1024))
        this.#scratchId = -1
        end = type.encode(data, this.#scratch, HEADER_SIZE)
      }
    } catch {
      throw new KafkaException(
        'SERIALIZATION',
        `Error serializing Avro message for topic '${topic}': ${avroMismatch(type, data)}.`,
      )
    }
    if (this.#scratchId !== writer.id) {
      writer.header.copy(this.#scratch, 0)
      this.#scratchId = writer.id
    }
    const out = Buffer.allocUnsafe(end)
    this.#scratch.copy(out, 0, 0, end)
    return out
  }
}

/** The Avro deserializer's options: a reader schema to resolve every writer's schema into (Avro's resolution). */
export interface AvroDeserializerOptions extends SerdeOptions {
  readerSchema?: AvroSchema | AvroSchemaDefinition
}

/**
 * Confluent's KafkaAvroDeserializer: reads the schema id, fetches the writer's schema once per id, and decodes; with a
 * reader schema (or use.latest.version: the subject's latest version) it resolves the writer's schema into it.
 */
export class KafkaAvroDeserializer<T = unknown> extends SchemaDeserializer<T, ParsedAvroSchema> {
  protected readonly label = 'Avro'
  readonly #readerSchema: AvroSchema | undefined
  #reader: Promise<ParsedAvroSchema | null> | null = null

  constructor(config: ClientConfig = {}, options: AvroDeserializerOptions = {}) {
    super(config, options)
    const s = options.readerSchema
    this.#readerSchema = s === undefined ? undefined : s instanceof AvroSchema ? s : new AvroSchema(s)
  }

  protected parseRegistered(info: SchemaInfo, client: RegistryClient): Promise<ParsedAvroSchema> {
    return parseAvro(info, client)
  }

  protected configuredReader(client: RegistryClient): Promise<ParsedAvroSchema | null> {
    const s = this.#readerSchema
    this.#reader ??=
      s === undefined ? Promise.resolve(null) : parseAvro({schema: s.text, references: s.references}, client)
    return this.#reader
  }

  protected readerFor(writer: ParsedAvroSchema, reader: ParsedAvroSchema | null, id: number): (data: Buffer) => T {
    let resolver: Avsc.Resolver | undefined
    const type = reader?.type ?? writer.type
    if (reader !== null && !reader.type.equals(writer.type)) {
      try {
        resolver = reader.type.createResolver(writer.type)
      } catch (error) {
        throw new KafkaException(
          'SERIALIZATION',
          `The reader schema cannot read values of schema id ${id}: ${(error as Error).message}.`,
        )
      }
    }
    return (data) => {
      let decoded: {value: unknown; offset: number}
      try {
        decoded = type.decode(data, HEADER_SIZE, resolver)
      } catch (error) {
        throw new KafkaException(
          'SERIALIZATION',
          `Error deserializing Avro message for id ${id}: ${(error as Error).message}.`,
        )
      }
      if (decoded.offset < 0) {
        throw new KafkaException(
          'SERIALIZATION',
          `Error deserializing Avro message for id ${id}: the ${data.length - HEADER_SIZE} byte(s) end before the value does.`,
        )
      }
      return decoded.value as T
    }
  }
}

/** The avsc type of a schema already parsed (console tools: a schema given on the command line). */
export function avscLoaded(): Avro {
  if (avsc === null) throw new KafkaException('ILLEGAL_STATE', 'avsc is not loaded yet: await loadAvsc() first.')
  return avsc
}
