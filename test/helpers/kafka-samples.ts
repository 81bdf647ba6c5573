// Test inputs for the Kafka codec, made from the definitions themselves: for any message and version, a value with a
// non-default value in every field the version has (strings with non-ASCII characters, int64s above 2^32, records
// large enough to travel as their own chunk, unknown tagged fields in flexible versions), or with null in every
// field the version lets be null; and what the decoder must return for it (the same, plus Kafka's defaults for the
// fields the version lacks).
import {fileURLToPath} from 'node:url'
import {
  canonicalDefault,
  fieldVersions,
  inRange,
  isFlexible,
  loadDefinitions,
  nullableVersions,
  type Field,
  type Message,
  type Range,
} from '../../scripts/kafka-codec/model.mjs'
import {EMPTY_BYTES, ZERO_UUID, type Reader} from '../../src/protocol/kafka/codec/reader.js'
import type {Writer} from '../../src/protocol/kafka/codec/writer.js'
import {
  readConsumerProtocolAssignment,
  readConsumerProtocolSubscription,
  writeConsumerProtocolAssignment,
  writeConsumerProtocolSubscription,
} from '../../src/protocol/kafka/messages/consumer-protocol.js'
import {
  readRequestHeader,
  readResponseHeader,
  writeRequestHeader,
  writeResponseHeader,
} from '../../src/protocol/kafka/messages/headers.js'
import {apiByKey} from '../../src/protocol/kafka/messages/index.js'

export const DEFINITIONS_DIR = fileURLToPath(new URL('../../src/protocol/kafka/definitions', import.meta.url))

/** Every message of the definitions: API requests and responses, headers, consumer protocol structures. */
export const MESSAGES: Message[] = loadDefinitions(DEFINITIONS_DIR)

type Value = Record<string, unknown>

/** The generated reader and writer of a message. */
export interface MessageCodec {
  read(r: Reader, version: number): Value
  write(w: Writer, version: number, v: Value): void
}

const DATA_CODECS: Record<string, MessageCodec> = {
  RequestHeader: {read: readRequestHeader as never, write: writeRequestHeader as never},
  ResponseHeader: {read: readResponseHeader as never, write: writeResponseHeader as never},
  ConsumerProtocolSubscription: {
    read: readConsumerProtocolSubscription as never,
    write: writeConsumerProtocolSubscription as never,
  },
  ConsumerProtocolAssignment: {
    read: readConsumerProtocolAssignment as never,
    write: writeConsumerProtocolAssignment as never,
  },
}

export function codecOf(message: Message): MessageCodec {
  if (message.apiKey === null) {
    const codec = DATA_CODECS[message.name]
    if (!codec) throw new Error(`no codec for ${message.name}`)
    return codec
  }
  const api = apiByKey(message.apiKey)
  if (!api) throw new Error(`no codec for API key ${message.apiKey}`)
  return message.kind === 'request'
    ? {read: api.readRequest as never, write: api.writeRequest as never}
    : {read: api.readResponse as never, write: api.writeResponse as never}
}

/** Every version of a message. */
export function versionsOf(message: Message): number[] {
  const out: number[] = []
  for (let v = message.versions.lo; v <= message.versions.hi; v++) out.push(v)
  return out
}

export const camel = (name: string): string => name[0]!.toLowerCase() + name.slice(1)

/** A field's default as the decoder returns it. */
export function defaultValue(field: Field): unknown {
  const d = canonicalDefault(field)
  if (d === 'null') return null
  if (d === '[]') return []
  if (d === '{}') return undefined
  if (d === 'zero') return ZERO_UUID
  if (d === 'empty') return EMPTY_BYTES
  if (d === 'true' || d === 'false') return d === 'true'
  if (d.startsWith('"')) return JSON.parse(d) as string
  return Number(d)
}

export type Variant = 'values' | 'nulls'

/** Makes sample values; `seed` varies them between calls. */
export class Samples {
  private k: number
  /** Records of 2000 bytes (written as their own chunk) in every other sample; off for byte-by-byte tests. */
  private readonly largeRecords: boolean

  constructor(seed = 1, {largeRecords = true}: {largeRecords?: boolean} = {}) {
    this.k = seed
    this.largeRecords = largeRecords
  }

  /** A value of a message at a version: every field the version has, non-default (or null where allowed). */
  message(message: Message, version: number, variant: Variant): Value {
    return this.struct(message.fields, message.versions, message, version, variant)
  }

  private struct(fields: Field[], range: Range, message: Message, version: number, variant: Variant): Value {
    const out: Value = {}
    for (const f of fields) {
      const present = fieldVersions(f, range)
      if (!inRange(version, present)) continue
      const nullable = inRange(version, nullableVersions(f, present))
      if (variant === 'nulls' && nullable) {
        out[camel(f.name)] = null
        continue
      }
      out[camel(f.name)] = f.array
        ? [this.element(f, present!, message, version, variant), this.element(f, present!, message, version, variant)]
        : this.element(f, present!, message, version, variant)
    }
    if (isFlexible(message, version) && variant === 'values') {
      out.unknownTaggedFields = [
        {tag: 7, data: Buffer.from([this.k++ & 0xff, 2, 3])},
        {tag: 4242, data: Buffer.alloc(0)},
      ]
    }
    return out
  }

  private element(f: Field, present: Range, message: Message, version: number, variant: Variant): unknown {
    const k = ++this.k
    if (f.structName !== null) return this.struct(f.fields!, present, message, version, variant)
    switch (f.base) {
      case 'bool':
        return canonicalDefault(f) !== 'true'
      case 'int8':
        return 10 + (k % 100)
      case 'int16':
        return 300 + k
      case 'uint16':
        return 60000 + (k % 1000)
      case 'int32':
      case 'varint':
        return k % 2 === 0 ? 70000 + k : -(70000 + k)
      case 'uint32':
        return 3_000_000_000 + k
      case 'int64':
      case 'varlong':
        return k % 2 === 0 ? 2 ** 40 + k : -(2 ** 35) - k
      case 'float64':
        return 1.5 + k
      case 'uuid':
        return Buffer.from(Array.from({length: 16}, (_, i) => (k * 31 + i * 7) & 0xff)).toString('base64url')
      case 'string':
        return k % 5 === 0 ? `long-${'x'.repeat(60)}-${k}` : `s${k}-é`
      case 'bytes':
        return Buffer.from(Array.from({length: 1 + (k % 7)}, (_, i) => (k + i) & 0xff))
      case 'records':
        return Buffer.alloc(k % 2 === 0 && this.largeRecords ? 2000 : 40, k & 0xff)
      default:
        throw new Error(`no sample for type ${f.type}`)
    }
  }
}

/**
 * What decoding an encoded sample returns: the sample's fields, Kafka's defaults for the fields the version lacks,
 * and nothing for tagged struct fields left at their default.
 */
export function expectedDecode(message: Message, version: number, sample: Value): Value {
  return expectStruct(message.fields, message.versions, version, sample)
}

function expectStruct(fields: Field[], range: Range, version: number, sample: Value): Value {
  const out: Value = {}
  for (const f of fields) {
    const id = camel(f.name)
    const present = fieldVersions(f, range)
    if (present === null) continue
    if (!inRange(version, present)) {
      out[id] = f.structName !== null && !f.array ? undefined : defaultValue(f)
      continue
    }
    const v = sample[id]
    if (f.structName === null || v === null || v === undefined) out[id] = v
    else if (f.array) out[id] = (v as Value[]).map((e) => expectStruct(f.fields!, present, version, e))
    else out[id] = expectStruct(f.fields!, present, version, v as Value)
  }
  if (sample.unknownTaggedFields !== undefined) out.unknownTaggedFields = sample.unknownTaggedFields
  return out
}
