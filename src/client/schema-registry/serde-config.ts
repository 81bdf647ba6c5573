// What Confluent's schema-registry serdes share (AbstractKafkaSchemaSerDe and its config): their settings, with
// Confluent's names and defaults; the subject name strategies; the wire format; and the registry client they talk
// to (the local daemon's registry over its socket when schema.registry.url is not set, any Confluent-compatible
// registry over HTTP(S) when it is).
import {KafkaException} from '../../errors.js'
import {ConfigReader, type ClientConfig} from '../config.js'
import {SchemaRegistryClient, type SchemaInfo, type SchemaMetadata} from './registry-client.js'

/** The registry calls the serdes make: a subset of SchemaRegistryClient, so tests may hand an in-memory one. */
export interface RegistryClient {
  register(subject: string, schema: SchemaInfo, normalize?: boolean): Promise<number>
  getId(subject: string, schema: SchemaInfo, normalize?: boolean): Promise<number>
  getBySubjectAndId(subject: string | undefined, id: number): Promise<SchemaInfo>
  getLatestSchemaMetadata(subject: string): Promise<SchemaMetadata>
  getSchemaMetadata(subject: string, version: number): Promise<SchemaMetadata>
  close(): void | Promise<void>
}

/** The registry client a serde's config describes. */
export function registryClientFor(config: ClientConfig): RegistryClient {
  const given: Record<string, string> = {}
  for (const [k, v] of Object.entries(config)) {
    if (v !== undefined && v !== null && typeof v !== 'object') given[k] = String(v)
  }
  return new SchemaRegistryClient(given, {home: given['kafkalite.home']})
}

// ---- subject name strategies ---------------------------------------------------------------------------------------

/** Confluent's SubjectNameStrategy: the subject a schema is registered under, for a topic and key or value. */
export type SubjectNameStrategy = (topic: string, isKey: boolean, recordName: string | undefined) => string

const STRATEGIES: Record<string, {name: string; strategy: SubjectNameStrategy; needsRecordName: boolean}> = {
  topicnamestrategy: {
    name: 'TopicNameStrategy',
    strategy: (topic, isKey) => `${topic}-${isKey ? 'key' : 'value'}`,
    needsRecordName: false,
  },
  recordnamestrategy: {
    name: 'RecordNameStrategy',
    strategy: (_topic, _isKey, recordName) => recordName!,
    needsRecordName: true,
  },
  topicrecordnamestrategy: {
    name: 'TopicRecordNameStrategy',
    strategy: (topic, _isKey, recordName) => `${topic}-${recordName!}`,
    needsRecordName: true,
  },
}

/**
 * The strategy a `key.subject.name.strategy` / `value.subject.name.strategy` names: Confluent's class name
 * (io.confluent.kafka.serializers.subject.TopicNameStrategy), its simple name, or a function.
 */
export function subjectNameStrategy(
  config: ClientConfig,
  isKey: boolean,
): {strategy: SubjectNameStrategy; needsRecordName: boolean; name: string} {
  const key = isKey ? 'key.subject.name.strategy' : 'value.subject.name.strategy'
  const v = config[key] as unknown
  if (v === undefined || v === null || v === '') return {...STRATEGIES.topicnamestrategy!}
  if (typeof v === 'function') return {strategy: v as SubjectNameStrategy, needsRecordName: true, name: 'custom'}
  const simple = String(v).trim().split('.').at(-1)!.toLowerCase()
  const found = STRATEGIES[simple]
  if (found === undefined) {
    throw new KafkaException(
      'INVALID_CONFIG',
      `Invalid value ${String(v)} for configuration ${key}: Class ${String(v)} could not be found (kafkalite knows io.confluent.kafka.serializers.subject.TopicNameStrategy, RecordNameStrategy and TopicRecordNameStrategy).`,
    )
  }
  return {...found}
}

// ---- settings ------------------------------------------------------------------------------------------------------

/** AbstractKafkaSchemaSerDeConfig's settings that kafkalite's serdes read. */
export interface SerdeSettings {
  autoRegister: boolean
  useLatestVersion: boolean
  latestCompatibilityStrict: boolean
  /** use.schema.id: write with this registered schema (-1: not set). */
  useSchemaId: number
  normalize: boolean
  subject: SubjectNameStrategy
  subjectNeedsRecordName: boolean
  strategyName: string
}

export function serdeSettings(config: ClientConfig, isKey: boolean): SerdeSettings {
  const r = new ConfigReader(config)
  const s = subjectNameStrategy(config, isKey)
  return {
    autoRegister: r.boolean('auto.register.schemas', true),
    useLatestVersion: r.boolean('use.latest.version', false),
    latestCompatibilityStrict: r.boolean('latest.compatibility.strict', true),
    useSchemaId: r.int('use.schema.id', -1, -1),
    normalize: r.boolean('normalize.schemas', false),
    subject: s.strategy,
    subjectNeedsRecordName: s.needsRecordName,
    strategyName: s.name,
  }
}

// ---- wire format ---------------------------------------------------------------------------------------------------

// Confluent's wire format, the same for Avro and JSON Schema:
//
//   offset 0  magic byte   0
//   offset 1  schema id    int32, big-endian: the registry's global id of the writer's schema
//   offset 5  payload      Avro binary of the value (no container header), or the JSON document's UTF-8 bytes
export const MAGIC_BYTE = 0
export const HEADER_SIZE = 5

/** The 5-byte header for a schema id. */
export function wireHeader(id: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE)
  h[0] = MAGIC_BYTE
  h.writeInt32BE(id, 1)
  return h
}

/** The schema id of a serialized value; Confluent's "Unknown magic byte!" for bytes not in the wire format. */
export function schemaIdOf(data: Buffer): number {
  if (data.length < HEADER_SIZE || data[0] !== MAGIC_BYTE) {
    throw new KafkaException(
      'SERIALIZATION',
      `Unknown magic byte! The ${data.length} byte(s) start with ${data.subarray(0, 5).toString('hex') || 'nothing'}, not Confluent's magic byte 0 and a schema id: the record was not written by a schema-registry serializer.`,
    )
  }
  return data.readInt32BE(1)
}

// ---- errors --------------------------------------------------------------------------------------------------------

/** A registry failure as Confluent's serdes report it: what they were doing, then the registry's message and code. */
export function registryFailure(what: string, error: unknown, hint = ''): KafkaException {
  const e = error as {message?: string; errorCode?: number; status?: number; code?: string}
  if (error instanceof KafkaException && e.code !== 'SERIALIZATION' && typeof e.errorCode !== 'number') {
    return new KafkaException(error.code, `${what}: ${error.message}${hint}`, {cause: error})
  }
  const code = typeof e.errorCode === 'number' ? ` (error code ${e.errorCode})` : ''
  const message = (e.message ?? String(error)).replace(/\.$/, '')
  return new KafkaException('SERIALIZATION', `${what}: ${message}${code}.${hint}`, {cause: error})
}

/** The registry's error code of a failure, if it came from the registry. */
export function errorCodeOf(error: unknown): number | undefined {
  const code = (error as {errorCode?: unknown} | null)?.errorCode
  return typeof code === 'number' ? code : undefined
}

/** Text as an error message quotes it: as it is, cut at 200 characters. */
export function shownText(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

/** A short, one-line rendering of a value for an error message. */
export function shown(value: unknown): string {
  let s: string
  if (value === undefined) return 'nothing'
  if (Buffer.isBuffer(value)) s = `<${value.length} bytes>`
  else if (typeof value === 'bigint') s = `${value}n`
  else {
    try {
      s = JSON.stringify(value) ?? String(value)
    } catch {
      s = String(value)
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
