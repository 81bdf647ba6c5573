// Kafka's Serializer/Deserializer interfaces and the built-in ones, as classes (`new StringSerializer()`, as in
// Java). They can also be named in config: `key.serializer` / `value.serializer` (and the deserializers) take a
// class, an instance, or a name: Kafka's class name (org.apache.kafka.common.serialization.StringSerializer), its
// simple name, or string / bytes / json.
import {KafkaException} from '../errors.js'
import type {RecordHeader} from '../protocol/kafka/record-batch.js'
import type {ClientConfig} from './config.js'

/** Turns a value into bytes; null stays null (a tombstone). */
export interface Serializer<T> {
  serialize(topic: string, data: T | null | undefined, headers?: RecordHeader[]): Buffer | null
}

/** Turns bytes back into a value. */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer | null, headers?: readonly RecordHeader[]): T | null
}

/** UTF-8 strings (Kafka's StringSerializer). */
export class StringSerializer implements Serializer<string> {
  serialize(_topic: string, data: string | null | undefined): Buffer | null {
    return data === null || data === undefined ? null : Buffer.from(data, 'utf8')
  }
}

export class StringDeserializer implements Deserializer<string> {
  deserialize(_topic: string, data: Buffer | null): string | null {
    return data === null ? null : data.toString('utf8')
  }
}

/** Raw bytes (Kafka's ByteArraySerializer). */
export class BufferSerializer implements Serializer<Buffer | Uint8Array> {
  serialize(_topic: string, data: Buffer | Uint8Array | null | undefined): Buffer | null {
    return data === null || data === undefined ? null : Buffer.isBuffer(data) ? data : Buffer.from(data)
  }
}

export class BufferDeserializer implements Deserializer<Buffer> {
  deserialize(_topic: string, data: Buffer | null): Buffer | null {
    return data
  }
}

/** JSON documents, UTF-8 encoded. */
export class JsonSerializer implements Serializer<unknown> {
  serialize(_topic: string, data: unknown): Buffer | null {
    return data === null || data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8')
  }
}

export class JsonDeserializer implements Deserializer<unknown> {
  deserialize(_topic: string, data: Buffer | null): unknown {
    return data === null ? null : (JSON.parse(data.toString('utf8')) as unknown)
  }
}

/** The default for both keys and values: a Buffer as it is, a string as UTF-8. */
export const DefaultSerializer: Serializer<Buffer | Uint8Array | string> = {
  serialize: (_topic, data) => {
    if (data === null || data === undefined) return null
    if (typeof data === 'string') return Buffer.from(data, 'utf8')
    return Buffer.isBuffer(data) ? data : Buffer.from(data)
  },
}

const SERIALIZERS: Record<string, new () => Serializer<never>> = {
  string: StringSerializer,
  stringserializer: StringSerializer,
  bytes: BufferSerializer,
  bytearrayserializer: BufferSerializer,
  bytesserializer: BufferSerializer,
  json: JsonSerializer,
}

const DESERIALIZERS: Record<string, new () => Deserializer<unknown>> = {
  string: StringDeserializer,
  stringdeserializer: StringDeserializer,
  bytes: BufferDeserializer,
  bytearraydeserializer: BufferDeserializer,
  bytesdeserializer: BufferDeserializer,
  json: JsonDeserializer,
}

/** The (de)serializer named by a config (`key.serializer`, ...), or undefined when the config does not name one. */
function fromConfig<T>(config: ClientConfig, name: string, table: Record<string, new () => T>): T | undefined {
  const v = config[name] as unknown
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v === 'function') return new (v as new () => T)()
  if (typeof v === 'object') return v as T
  const simple = String(v).trim().split('.').at(-1)!.toLowerCase()
  const found = table[simple]
  if (found === undefined) {
    throw new KafkaException(
      'INVALID_CONFIG',
      `Invalid value ${String(v)} for configuration ${name}: Class ${String(v)} could not be found (kafkalite knows ${[...new Set(Object.values(table).map((c) => c.name))].join(', ')}; pass a class or an instance from code for others).`,
    )
  }
  return new found()
}

export function serializerFromConfig<T>(config: ClientConfig, name: string): Serializer<T> | undefined {
  return fromConfig(config, name, SERIALIZERS) as Serializer<T> | undefined
}

export function deserializerFromConfig<T>(config: ClientConfig, name: string): Deserializer<T> | undefined {
  return fromConfig(config, name, DESERIALIZERS) as Deserializer<T> | undefined
}
