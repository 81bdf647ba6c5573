// Confluent's schema-registry console tools (kafka-avro-console-producer / -consumer, kafka-json-schema-console-
// producer / -consumer) on top of Kafka's console loops: the reader is Confluent's SchemaMessageReader (Kafka's line
// splitting, then each key and value read as Avro JSON or JSON and checked against its schema, with the line's
// number in the error), the records go through the library's schema-registry serializers; the formatter is
// Confluent's SchemaMessageFormatter (print.key, print.schema.ids, schema.id.separator, key.deserializer, ...).
// Every --property goes to the serdes too, as Confluent's tools pass them (schema.registry.url, basic.auth.*,
// auto.register.schemas, use.latest.version, ...); without schema.registry.url they use the local daemon's registry.
import {readFileSync} from 'node:fs'
import type {ClientConfig} from '../client/config.js'
import {KafkaProducer} from '../client/producer/producer.js'
import {fromAvroJson, toAvroJson} from '../client/schema-registry/avro-json.js'
import {
  AvroSchema,
  KafkaAvroDeserializer,
  KafkaAvroSerializer,
  parseAvro,
} from '../client/schema-registry/avro-serde.js'
import {
  JsonSchema,
  jsonSchemaMismatch,
  KafkaJsonSchemaDeserializer,
  KafkaJsonSchemaSerializer,
  parseJsonSchema,
} from '../client/schema-registry/json-schema-serde.js'
import type {SchemaInfo, SchemaReference} from '../client/schema-registry/registry-client.js'
import {
  HEADER_SIZE,
  registryClientFor,
  registryFailure,
  schemaIdOf,
  shown,
  shownText,
} from '../client/schema-registry/serde-config.js'
import {
  deserializerFromConfig,
  serializerFromConfig,
  type Deserializer,
  type Serializer,
} from '../client/serializers.js'
import type {RecordView} from '../client/consumer-types.js'
import {KafkaException, usageError} from '../errors.js'
import {parseBoolean} from '../properties.js'
import type {LineParser} from './console-producer.js'
import type {RecordWriter} from './console-consumer.js'
import {OutputBuffer} from './formatter.js'
import {LineMessageReader} from './line-reader.js'

export type SchemaFormat = 'avro' | 'json'

const NAMES = {avro: 'Avro', json: 'JSON'} as const

/** The serdes' config: the client's (the daemon's home, say), then every --property, Confluent's old names mapped. */
function serdeConfig(client: ClientConfig, props: Record<string, string>): ClientConfig {
  const config: ClientConfig = {...client, ...props}
  // Confluent's tools still read `auto.register` (for backward compatibility).
  if (props['auto.register'] !== undefined) config['auto.register.schemas'] = props['auto.register']
  return config
}

/** The key or value schema the properties give: by id from the registry, inline, or from a file (in that order). */
async function schemaOf(
  props: Record<string, string>,
  isKey: boolean,
  format: SchemaFormat,
  fetchById: (id: number) => Promise<SchemaInfo>,
): Promise<SchemaInfo> {
  const which = isKey ? 'key' : 'value'
  const idText = props[`${which}.schema.id`]
  if (idText !== undefined) {
    if (!/^\s*\d+\s*$/.test(idText)) {
      throw usageError(`Error parsing ${which}.schema.id as int: '${idText}'. Give the id of a registered schema.`)
    }
    const id = Number(idText)
    return fetchById(id).catch((e: unknown) => {
      throw registryFailure(`Error retrieving schema for id ${id}`, e)
    })
  }
  let text = props[`${which}.schema`]
  const file = props[`${which}.schema.file`]
  if (text === undefined && file !== undefined) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw usageError(`Error reading schema from ${file}: ${(error as Error).message}`)
    }
  }
  if (text === undefined) {
    throw usageError(
      `Must provide the ${which} schema in either ${which}.schema, ${which}.schema.id, or ${which}.schema.file (--property ${which}.schema='...').`,
    )
  }
  const refsText = props[`${which}.refs`]
  let references: SchemaReference[] | undefined
  if (refsText !== undefined) {
    try {
      references = JSON.parse(refsText) as SchemaReference[]
    } catch (error) {
      throw usageError(`Invalid ${which}.refs ${shown(refsText)}: ${(error as Error).message}`)
    }
  }
  return {schema: text, schemaType: format === 'avro' ? 'AVRO' : 'JSON', ...(references ? {references} : {})}
}

// ---- the producer side ---------------------------------------------------------------------------------------------

/** Reads one key or value text into the value its serializer takes, or throws naming the line and the field. */
type TextReader = (text: string, lineNumber: number) => unknown

/**
 * Confluent's SchemaMessageReader: the producer (with the schema-registry serializers) and the line parser of a
 * schema-registry console producer.
 */
export async function schemaRecordSource(
  format: SchemaFormat,
  clientConfig: ClientConfig,
  producerConfig: ClientConfig,
  props: Record<string, string>,
  onNotice: (message: string) => void,
): Promise<{
  producer: KafkaProducer<unknown, unknown>
  parse: LineParser<unknown, unknown>
  close: () => Promise<void>
}> {
  const lines = new LineMessageReader(props)
  const config = serdeConfig(clientConfig, props)
  const client = registryClientFor(config)
  try {
    const fetchById = (id: number) => client.getBySubjectAndId(undefined, id)
    const parseKey = props['parse.key'] !== undefined && parseBoolean(props['parse.key'])
    const value = await schemaSide(format, config, client, await schemaOf(props, false, format, fetchById), false)
    let key: {serializer: Serializer<unknown>; read: TextReader} | undefined
    if (parseKey && props['key.serializer'] !== undefined) {
      // A key of a plain serializer (StringSerializer, ...): the key's text as it is.
      const serializer = serializerFromConfig<unknown>({'key.serializer': props['key.serializer']}, 'key.serializer')!
      key = {serializer, read: (text) => text}
    } else if (parseKey) {
      key = await schemaSide(format, config, client, await schemaOf(props, true, format, fetchById), true)
    }
    const producer = new KafkaProducer<unknown, unknown>(producerConfig, key?.serializer, value.serializer, {onNotice})
    const parse: LineParser<unknown, unknown> = (line, n) => {
      const p = lines.parse(line, n)
      return {
        key: p.key === null || key === undefined ? null : key.read(p.key.toString('utf8'), n),
        value: p.value === null ? null : value.read(p.value.toString('utf8'), n),
        headers: p.headers,
      }
    }
    return {producer, parse, close: async () => client.close()}
  } catch (error) {
    await client.close()
    throw error
  }
}

/** The serializer of a key or value schema, and the reader of its lines. */
async function schemaSide(
  format: SchemaFormat,
  config: ClientConfig,
  client: ReturnType<typeof registryClientFor>,
  info: SchemaInfo,
  isKey: boolean,
): Promise<{serializer: Serializer<unknown>; read: TextReader}> {
  const invalidSchema = (error: unknown) =>
    usageError(`Invalid ${isKey ? 'key' : 'value'} schema: ${(error as Error).message.replace(/^Invalid /, '')}`)
  if (format === 'avro') {
    const parsed = await parseAvro(info, client).catch((e: unknown) => {
      throw invalidSchema(e)
    })
    const name = parsed.recordName ?? parsed.type.typeName
    const serializer = new KafkaAvroSerializer(config, {
      client,
      isKey,
      schema: new AvroSchema(info.schema, info.references ?? []),
    })
    return {
      serializer,
      read: (text, n) => {
        try {
          return fromAvroJson(parsed.type, text)
        } catch (error) {
          throw new KafkaException(
            'SERIALIZATION',
            `Error deserializing json ${shownText(text)} to Avro of schema ${name} on line ${n}: ${(error as Error).message}.`,
          )
        }
      },
    }
  }
  const parsed = await parseJsonSchema(info, client).catch((e: unknown) => {
    throw invalidSchema(e)
  })
  const serializer = new KafkaJsonSchemaSerializer(config, {
    client,
    isKey,
    schema: new JsonSchema(info.schema, info.references ?? []),
  })
  return {
    serializer,
    read: (text, n) => {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        throw new KafkaException(
          'SERIALIZATION',
          `Error serializing json ${shownText(text)} on line ${n}: ${(error as Error).message}.`,
        )
      }
      if (!parsed.validate(value)) {
        throw new KafkaException(
          'SERIALIZATION',
          `Validation error in JSON ${shownText(text)} on line ${n}: ${jsonSchemaMismatch(parsed.validate.errors)}.`,
        )
      }
      return value
    },
  }
}

// ---- the consumer side ---------------------------------------------------------------------------------------------

const NULL = Buffer.from('null')

/**
 * Confluent's SchemaMessageFormatter (AvroMessageFormatter, JsonSchemaMessageFormatter): timestamp, partition,
 * offset, headers, key and value, each followed by key.separator and the value by line.separator; keys and values
 * decoded with the writer's schema (fetched by the id in the bytes), printed as Avro JSON or compact JSON, each
 * followed by its schema id with print.schema.ids. A record that cannot be decoded stops the consumer, or with
 * --skip-message-on-error is logged and skipped, as Kafka's console consumer does.
 */
export function schemaRecordOutput(
  format: SchemaFormat,
  clientConfig: ClientConfig,
  props: Record<string, string>,
  skipMessageOnError: boolean,
): {write: RecordWriter; close: () => Promise<void>} {
  const on = (name: string) => props[name] !== undefined && props[name].trim().toLowerCase() === 'true'
  const bytes = (name: string, fallback: string) => Buffer.from(props[name] ?? fallback, 'utf8')
  const keySeparator = bytes('key.separator', '\t')
  const lineSeparator = bytes('line.separator', '\n')
  const headersSeparator = props['headers.separator'] ?? ','
  const idSeparator = bytes('schema.id.separator', '\t')
  const nullLiteral = bytes('null.literal', 'null')
  const config = serdeConfig(clientConfig, props)
  const client = registryClientFor(config)
  const avro = format === 'avro' ? new KafkaAvroDeserializer(config, {client}) : null
  const json = format === 'json' ? new KafkaJsonSchemaDeserializer(config, {client}) : null
  const deserializer: Deserializer<unknown> = (avro ?? json)!
  const keyDeserializer =
    props['key.deserializer'] === undefined ? undefined : plainDeserializer(props, 'key.deserializer')
  const headersDeserializer =
    props['headers.deserializer'] === undefined ? undefined : plainDeserializer(props, 'headers.deserializer')
  const printIds = on('print.schema.ids')
  const printKeyId = printIds && keyDeserializer === undefined
  const printKey = on('print.key')
  const print = (topic: string, data: Buffer): string => {
    if (avro !== null) {
      // Printed with the writer's schema, as Confluent's formatter does (no reader schema).
      const {type} = avro.writerOf(topic, data)!
      const decoded = type.decode(data, HEADER_SIZE)
      if (decoded.offset < 0) throw new KafkaException('SERIALIZATION', 'the bytes end before the value does')
      return toAvroJson(type, decoded.value)
    }
    json!.deserialize(topic, data) // validates against the writer's schema (json.fail.invalid.schema)
    return compactJson(data.toString('utf8', HEADER_SIZE))
  }
  const decoded = (topic: string, data: Buffer) => {
    try {
      return print(topic, data)
    } catch (error) {
      throw new KafkaException(
        'SERIALIZATION',
        `Error deserializing ${NAMES[format]} message: ${(error as Error).message}`,
      )
    }
  }
  const slice = (r: RecordView, start: number, length: number) => r.data.subarray(start, start + length)
  const writeRecord = (out: OutputBuffer, r: RecordView) => {
    const sep = () => out.writeBytes(keySeparator, 0, keySeparator.length)
    if (on('print.timestamp')) {
      out.writeString(
        r.timestamp < 0 ? 'NO_TIMESTAMP' : `${r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}:${r.timestamp}`,
      )
      sep()
    }
    if (on('print.partition')) {
      out.writeString(`Partition:${r.partition}`)
      sep()
    }
    if (on('print.offset')) {
      out.writeString(`Offset:${r.offset}`)
      sep()
    }
    if (on('print.headers')) {
      if (r.headers.length === 0) out.writeString('NO_HEADERS')
      r.headers.forEach((h, i) => {
        out.writeString(`${h.key}:`)
        // Confluent's formatter prints a header's value only through headers.deserializer: "null" without one.
        const v = headersDeserializer && h.value !== null ? headersDeserializer.deserialize(r.topic, h.value) : null
        if (v === null || v === undefined) out.writeBytes(nullLiteral, 0, nullLiteral.length)
        else out.writeString(String(v))
        if (i < r.headers.length - 1) out.writeString(headersSeparator)
      })
      sep()
    }
    if (printKey) {
      const key = r.keyLength < 0 ? null : slice(r, r.keyStart, r.keyLength)
      if (key === null) out.writeBytes(nullLiteral, 0, nullLiteral.length)
      else if (keyDeserializer !== undefined) {
        const k = keyDeserializer.deserialize(r.topic, Buffer.from(key))
        if (k === null || k === undefined) out.writeBytes(nullLiteral, 0, nullLiteral.length)
        else out.writeString(Buffer.isBuffer(k) ? k.toString('utf8') : String(k))
      } else out.writeString(decoded(r.topic, key))
      if (printKeyId) {
        out.writeBytes(idSeparator, 0, idSeparator.length)
        if (key === null) out.writeBytes(nullLiteral, 0, nullLiteral.length)
        else out.writeString(String(schemaIdOf(key)))
      }
      sep()
    }
    const value = r.valueLength < 0 ? null : slice(r, r.valueStart, r.valueLength)
    if (value === null) out.writeBytes(nullLiteral, 0, nullLiteral.length)
    else out.writeString(decoded(r.topic, value))
    if (printIds) {
      out.writeBytes(idSeparator, 0, idSeparator.length)
      if (value === null) out.writeBytes(NULL, 0, NULL.length)
      else out.writeString(String(schemaIdOf(value)))
    }
    out.writeBytes(lineSeparator, 0, lineSeparator.length)
  }
  const scratch = new OutputBuffer(4096)
  // A schema fetch that failed: the record it was for fails when it is handed again.
  let failed: {topic: string; partition: number; offset: number; error: unknown} | null = null
  const fail = (error: unknown, r: RecordView): undefined => {
    const message = `Error processing message at offset ${r.offset} of partition ${r.topic}-${r.partition}: ${(error as Error).message}`
    if (!skipMessageOnError) {
      // Skipping is no remedy when the registry cannot be reached or refuses the client: every record would go.
      throw new KafkaException(
        'SERIALIZATION',
        registryUnusable(error)
          ? message
          : `${message.replace(/\.$/, '')}; --skip-message-on-error skips such records.`,
      )
    }
    process.stderr.write(`ERROR Error processing message, skipping this message: ${message}\n`)
    return undefined
  }
  const write: RecordWriter = (out, r) => {
    if (failed !== null && failed.offset === r.offset && failed.partition === r.partition && failed.topic === r.topic) {
      const {error} = failed
      failed = null
      return fail(error, r)
    }
    const key = printKey && keyDeserializer === undefined && r.keyLength >= 0 ? slice(r, r.keyStart, r.keyLength) : null
    const value = r.valueLength < 0 ? null : slice(r, r.valueStart, r.valueLength)
    const k = key === null ? null : deserializer.prepare!(r.topic, key)
    const v = value === null ? null : deserializer.prepare!(r.topic, value)
    // A schema to fetch first: the record is handed again once it is here.
    if (k !== null || v !== null) {
      const at = {topic: r.topic, partition: r.partition, offset: r.offset}
      return Promise.all([k, v]).catch((error: unknown) => (failed = {...at, error}))
    }
    // Written into a scratch buffer first, so that a record that fails halfway prints nothing.
    scratch.take()
    try {
      writeRecord(scratch, r)
    } catch (error) {
      return fail(error, r)
    }
    const done = scratch.take()
    out.writeBytes(done, 0, done.length)
    return undefined
  }
  return {write, close: async () => client.close()}
}

/** A key.deserializer or headers.deserializer of Kafka's (StringDeserializer, ...), as Confluent's formatter takes. */
function plainDeserializer(props: Record<string, string>, name: string): Deserializer<unknown> {
  try {
    return deserializerFromConfig<unknown>({[name]: props[name]}, name)!
  } catch (error) {
    throw usageError(`Error initializing ${name}: ${(error as Error).message}`)
  }
}

/** JSON text without the whitespace between its tokens (strings and numbers kept as written). */
export function compactJson(text: string): string {
  if (!/\s/.test(text)) return text
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === '\\') out += text[++i] ?? ''
      else if (c === '"') inString = false
    } else if (c === '"') {
      inString = true
      out += c
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') out += c
  }
  return out
}

/** A failure of the registry connection itself (unreachable, TLS, credentials), not of the record being read. */
function registryUnusable(error: unknown): boolean {
  const e = error as {code?: string; cause?: {status?: number}} | null
  return (
    e?.code === 'NETWORK_EXCEPTION' ||
    e?.code === 'SSL_AUTHENTICATION_FAILED' ||
    e?.code === 'INVALID_CONFIG' ||
    e?.cause?.status === 401 ||
    e?.cause?.status === 403
  )
}
