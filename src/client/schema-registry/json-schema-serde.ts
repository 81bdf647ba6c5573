// Confluent's KafkaJsonSchemaSerializer and KafkaJsonSchemaDeserializer, validating with ajv (the JSON Schema
// validator most of the JavaScript world uses, Confluent's JS client included). Values are any JSON values; the
// bytes after Confluent's 5-byte header are the value's JSON text (JSON.stringify, as Confluent's JS client writes
// it). Unlike Confluent's Java serializer, kafkalite validates by default (json.fail.invalid.schema=false turns it
// off). The drafts ajv knows: draft-07 (and 06) by default, 2019-09 and 2020-12 when the schema's $schema says so;
// formats ("format": "date-time") are not checked. ajv loads on the first prepare, not when this module is imported.
import type {ErrorObject, ValidateFunction} from 'ajv'
import {KafkaException} from '../../errors.js'
import {ConfigReader, type ClientConfig} from '../config.js'
import type {SchemaInfo, SchemaReference} from './registry-client.js'
import {HEADER_SIZE, shown, type RegistryClient} from './serde-config.js'
import {
  SchemaDeserializer,
  SchemaSerializer,
  type ParsedSchema,
  type SerdeOptions,
  type Writer,
} from './schema-serde.js'

/** The part of ajv's Ajv class used here (its own type is a namespace merged with the class). */
interface AjvInstance {
  compile(schema: object): ValidateFunction
  addSchema(schema: object, key: string): unknown
}
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance

/** The ajv class for a schema's $schema: draft-07 by default, 2019-09 and 2020-12 when it names them. */
async function ajvFor(schema: unknown): Promise<AjvInstance> {
  const draft = typeof schema === 'object' && schema !== null ? (schema as {$schema?: unknown}).$schema : undefined
  let Ajv: AjvConstructor
  const pick = (m: unknown) => ((m as {default?: unknown}).default ?? m) as AjvConstructor
  if (typeof draft === 'string' && draft.includes('2020-12')) Ajv = pick(await import('ajv/dist/2020.js'))
  else if (typeof draft === 'string' && draft.includes('2019-09')) Ajv = pick(await import('ajv/dist/2019.js'))
  else if (typeof draft === 'string' && /draft-0[34]/.test(draft)) {
    throw new KafkaException(
      'SERIALIZATION',
      `JSON Schema ${draft} is not supported: kafkalite validates draft-06, draft-07, 2019-09 and 2020-12 schemas.`,
    )
  } else Ajv = pick(await import('ajv'))
  return new Ajv({strict: false, logger: false, validateFormats: false, verbose: true, allErrors: false})
}

/** A JSON Schema the application writes with: its JSON text or the parsed JSON. */
export class JsonSchema {
  readonly text: string
  readonly definition: unknown
  readonly references: SchemaReference[]

  constructor(schema: string | Record<string, unknown> | boolean, references: SchemaReference[] = []) {
    if (typeof schema === 'string') {
      try {
        this.definition = JSON.parse(schema) as unknown
      } catch (error) {
        throw new KafkaException(
          'SERIALIZATION',
          `Invalid JSON Schema ${shown(schema)}: it is not JSON (${(error as Error).message}).`,
        )
      }
      this.text = schema
    } else {
      this.definition = schema
      this.text = JSON.stringify(schema)
    }
    this.references = references
  }
}

/** A JSON Schema compiled by ajv. */
export interface ParsedJsonSchema extends ParsedSchema {
  validate: ValidateFunction
}

/** Compiles a JSON Schema with its references (each added to ajv under its reference name). */
export async function parseJsonSchema(info: SchemaInfo, client: RegistryClient | null): Promise<ParsedJsonSchema> {
  let json: unknown
  try {
    json = JSON.parse(info.schema)
  } catch (error) {
    throw new KafkaException(
      'SERIALIZATION',
      `Invalid JSON Schema ${shown(info.schema)}: it is not JSON (${(error as Error).message}).`,
    )
  }
  const ajv = await ajvFor(json)
  const seen = new Set<string>()
  const addReferences = async (refs: readonly SchemaReference[] | undefined) => {
    for (const ref of refs ?? []) {
      if (seen.has(ref.name)) continue
      seen.add(ref.name)
      if (client === null) throw new KafkaException('SERIALIZATION', `Schema reference ${ref.name} needs a registry.`)
      const meta = await client.getSchemaMetadata(ref.subject, ref.version)
      await addReferences(meta.references)
      ajv.addSchema(JSON.parse(meta.schema) as object, ref.name)
    }
  }
  await addReferences(info.references)
  let validate: ValidateFunction
  try {
    validate = ajv.compile(json as object)
  } catch (error) {
    throw new KafkaException('SERIALIZATION', `Invalid JSON Schema ${shown(info.schema)}: ${(error as Error).message}.`)
  }
  const title = typeof json === 'object' && json !== null ? (json as {title?: unknown}).title : undefined
  return {info: {...info, schemaType: 'JSON'}, validate, recordName: typeof title === 'string' ? title : undefined}
}

/** ajv's first error in one line: `field "age" must be integer, got "abc"`. */
export function jsonSchemaMismatch(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0]
  if (e === undefined) return 'the value does not match the schema'
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  const where = path.length === 0 ? 'the value' : `field "${path.join('.')}"`
  let message = e.message ?? 'does not match the schema'
  if (e.keyword === 'required')
    message = `must have property "${(e.params as {missingProperty: string}).missingProperty}"`
  if (e.keyword === 'additionalProperties') {
    message = `must not have property "${(e.params as {additionalProperty: string}).additionalProperty}"`
  }
  return `${where} ${message}${e.keyword === 'required' || e.keyword === 'additionalProperties' ? '' : `, got ${shown(e.data)}`}`
}

export interface JsonSchemaSerializerOptions extends SerdeOptions {
  /** The schema values are written with (else use.latest.version or use.schema.id picks a registered one). */
  schema?: JsonSchema | string | Record<string, unknown>
}

/** Confluent's KafkaJsonSchemaSerializer: validates each value, then writes its JSON after the 5-byte header. */
export class KafkaJsonSchemaSerializer<T = unknown> extends SchemaSerializer<T, ParsedJsonSchema> {
  protected readonly schemaType = 'JSON' as const
  protected readonly label = 'JSON'
  readonly #schema: JsonSchema | undefined
  #validate = true

  constructor(config: ClientConfig = {}, options: JsonSchemaSerializerOptions = {}) {
    super(config, options)
    const s = options.schema
    this.#schema = s === undefined ? undefined : s instanceof JsonSchema ? s : new JsonSchema(s)
    this.#validate = new ConfigReader(config).boolean('json.fail.invalid.schema', true)
  }

  override configure(config: ClientConfig, isKey: boolean): void {
    super.configure(config, isKey)
    this.#validate = new ConfigReader(config).boolean('json.fail.invalid.schema', true)
  }

  protected schemaSourceOf(): unknown {
    return this.#schema
  }

  protected parseOwn(source: unknown, client: RegistryClient): Promise<ParsedJsonSchema> {
    const s = source as JsonSchema
    return parseJsonSchema(
      {schema: s.text, schemaType: 'JSON', ...(s.references.length > 0 ? {references: s.references} : {})},
      client,
    )
  }

  protected parseRegistered(info: SchemaInfo, client: RegistryClient): Promise<ParsedJsonSchema> {
    return parseJsonSchema(info, client)
  }

  protected incompatibility(): string | null {
    return null
  }

  protected encode(writer: Writer<ParsedJsonSchema>, data: T, topic: string): Buffer {
    if (this.#validate && !writer.schema.validate(data)) {
      throw new KafkaException(
        'SERIALIZATION',
        `Validation error in JSON ${shown(data)} for topic '${topic}': ${jsonSchemaMismatch(writer.schema.validate.errors)}.`,
      )
    }
    const text = JSON.stringify(data)
    const out = Buffer.allocUnsafe(HEADER_SIZE + Buffer.byteLength(text))
    writer.header.copy(out, 0)
    out.write(text, HEADER_SIZE)
    return out
  }
}

/** Confluent's KafkaJsonSchemaDeserializer: the JSON after the header, validated against the writer's schema. */
export class KafkaJsonSchemaDeserializer<T = unknown> extends SchemaDeserializer<T, ParsedJsonSchema> {
  protected readonly label = 'JSON'
  #validate = true

  constructor(config: ClientConfig = {}, options: SerdeOptions = {}) {
    super(config, options)
    this.#validate = new ConfigReader(config).boolean('json.fail.invalid.schema', true)
  }

  override configure(config: ClientConfig, isKey: boolean): void {
    super.configure(config, isKey)
    this.#validate = new ConfigReader(config).boolean('json.fail.invalid.schema', true)
  }

  protected parseRegistered(info: SchemaInfo, client: RegistryClient): Promise<ParsedJsonSchema> {
    return parseJsonSchema(info, client)
  }

  protected configuredReader(): Promise<ParsedJsonSchema | null> {
    return Promise.resolve(null)
  }

  protected readerFor(writer: ParsedJsonSchema, reader: ParsedJsonSchema | null, id: number): (data: Buffer) => T {
    const schema = reader ?? writer
    return (data) => {
      let value: unknown
      try {
        value = JSON.parse(data.toString('utf8', HEADER_SIZE))
      } catch (error) {
        throw new KafkaException(
          'SERIALIZATION',
          `Error deserializing JSON message for id ${id}: ${(error as Error).message}.`,
        )
      }
      if (this.#validate && !schema.validate(value)) {
        throw new KafkaException(
          'SERIALIZATION',
          `Validation error in JSON ${shown(value)} (schema id ${id}): ${jsonSchemaMismatch(schema.validate.errors)}.`,
        )
      }
      return value as T
    }
  }
}
