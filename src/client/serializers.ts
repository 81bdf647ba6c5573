// Kafka's Serializer/Deserializer interfaces and the built-in ones, as classes (`new StringSerializer()`, as in
// Java). They can also be named in config: `key.serializer` / `value.serializer` (and the deserializers) take a
// class, an instance, or a name: Kafka's class name (org.apache.kafka.common.serialization.StringSerializer), its
// simple name, or string / bytes / json; and Confluent's schema-registry serdes by their class names
// (io.confluent.kafka.serializers.KafkaAvroSerializer, ...), which load avsc or ajv only when first used.
import {KafkaException} from '../errors.js'
import type {RecordHeader} from '../protocol/kafka/record-batch.js'
import type {ClientConfig} from './config.js'
import type {Deserializer, Serializer} from './serde-types.js'

export type {Deserializer, Serializer} from './serde-types.js'

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

const SERIALIZERS: Record<string, () => Serializer<never>> = {
  string: () => new StringSerializer(),
  stringserializer: () => new StringSerializer(),
  bytes: () => new BufferSerializer(),
  bytearrayserializer: () => new BufferSerializer(),
  bytesserializer: () => new BufferSerializer(),
  json: () => new JsonSerializer(),
  kafkaavroserializer: () =>
    new DeferredSerializer(async () => new (await import('./schema-registry/avro-serde.js')).KafkaAvroSerializer()),
  kafkajsonschemaserializer: () =>
    new DeferredSerializer(
      async () => new (await import('./schema-registry/json-schema-serde.js')).KafkaJsonSchemaSerializer(),
    ),
}

const DESERIALIZERS: Record<string, () => Deserializer<unknown>> = {
  string: () => new StringDeserializer(),
  stringdeserializer: () => new StringDeserializer(),
  bytes: () => new BufferDeserializer(),
  bytearraydeserializer: () => new BufferDeserializer(),
  bytesdeserializer: () => new BufferDeserializer(),
  json: () => new JsonDeserializer(),
  kafkaavrodeserializer: () =>
    new DeferredDeserializer(async () => new (await import('./schema-registry/avro-serde.js')).KafkaAvroDeserializer()),
  kafkajsonschemadeserializer: () =>
    new DeferredDeserializer(
      async () => new (await import('./schema-registry/json-schema-serde.js')).KafkaJsonSchemaDeserializer(),
    ),
}

const KNOWN = (table: Record<string, unknown>) =>
  ['String', 'ByteArray', 'Json', 'KafkaAvro', 'KafkaJsonSchema']
    .map((n) => n + (table === SERIALIZERS ? 'Serializer' : 'Deserializer'))
    .join(', ')

/**
 * A serializer named in config whose module loads on first use (Confluent's serdes need avsc or ajv, which other
 * clients should not pay for at startup): its prepare loads the module, configures the real serializer and
 * delegates; a null value (a tombstone) needs none of it.
 */
class DeferredSerializer<T> implements Serializer<T> {
  readonly #load: () => Promise<Serializer<T>>
  #real: Serializer<T> | null = null
  #loading: Promise<void> | null = null
  #config: ClientConfig = {}
  #isKey = false

  constructor(load: () => Promise<Serializer<T>>) {
    this.#load = load
  }

  configure(config: ClientConfig, isKey: boolean): void {
    this.#config = config
    this.#isKey = isKey
  }

  prepare(topic: string, data: T | null | undefined, headers?: RecordHeader[]): Promise<void> | null {
    if (this.#real !== null) return this.#real.prepare?.(topic, data, headers) ?? null
    if (data === null || data === undefined) return null
    this.#loading ??= this.#load().then((real) => {
      real.configure?.(this.#config, this.#isKey)
      this.#real = real
    })
    return this.#loading.then(() => this.#real!.prepare?.(topic, data, headers) ?? undefined)
  }

  serialize(topic: string, data: T | null | undefined, headers?: RecordHeader[]): Buffer | null {
    if (this.#real === null) {
      if (data === null || data === undefined) return null
      throw new KafkaException(
        'ILLEGAL_STATE',
        'The serializer was called before its prepare: send records through KafkaProducer.',
      )
    }
    return this.#real.serialize(topic, data, headers)
  }

  async close(): Promise<void> {
    await this.#real?.close?.()
  }
}

/** DeferredSerializer's counterpart for deserializers. */
class DeferredDeserializer<T> implements Deserializer<T> {
  readonly #load: () => Promise<Deserializer<T>>
  #real: Deserializer<T> | null = null
  #loading: Promise<void> | null = null
  #config: ClientConfig = {}
  #isKey = false

  constructor(load: () => Promise<Deserializer<T>>) {
    this.#load = load
  }

  configure(config: ClientConfig, isKey: boolean): void {
    this.#config = config
    this.#isKey = isKey
  }

  prepare(topic: string, data: Buffer | null, headers?: readonly RecordHeader[]): Promise<void> | null {
    if (this.#real !== null) return this.#real.prepare?.(topic, data, headers) ?? null
    if (data === null) return null
    this.#loading ??= this.#load().then((real) => {
      real.configure?.(this.#config, this.#isKey)
      this.#real = real
    })
    return this.#loading.then(() => this.#real!.prepare?.(topic, data, headers) ?? undefined)
  }

  deserialize(topic: string, data: Buffer | null, headers?: readonly RecordHeader[]): T | null {
    if (this.#real === null) {
      if (data === null) return null
      throw new KafkaException(
        'ILLEGAL_STATE',
        'The deserializer was called before its prepare: read records through KafkaConsumer.',
      )
    }
    return this.#real.deserialize(topic, data, headers)
  }

  async close(): Promise<void> {
    await this.#real?.close?.()
  }
}

/**
 * The (de)serializer named by a config (`key.serializer`, ...), or undefined when the config does not name one. A
 * class or a name is instantiated and configured with the client's config, as Kafka's clients do; an instance is
 * taken as it is.
 */
function fromConfig<T extends {configure?(config: ClientConfig, isKey: boolean): void}>(
  config: ClientConfig,
  name: string,
  table: Record<string, () => T>,
): T | undefined {
  const v = config[name] as unknown
  if (v === undefined || v === null || v === '') return undefined
  const isKey = name.startsWith('key.')
  let made: T
  if (typeof v === 'function') made = new (v as new () => T)()
  else if (typeof v === 'object') return v as T
  else {
    const simple = String(v).trim().split('.').at(-1)!.toLowerCase()
    const found = table[simple]
    if (found === undefined) {
      throw new KafkaException(
        'INVALID_CONFIG',
        `Invalid value ${String(v)} for configuration ${name}: Class ${String(v)} could not be found (kafkalite knows ${KNOWN(table)}; pass a class or an instance from code for others).`,
      )
    }
    made = found()
  }
  made.configure?.(config, isKey)
  return made
}

export function serializerFromConfig<T>(config: ClientConfig, name: string): Serializer<T> | undefined {
  return fromConfig(config, name, SERIALIZERS) as Serializer<T> | undefined
}

export function deserializerFromConfig<T>(config: ClientConfig, name: string): Deserializer<T> | undefined {
  return fromConfig(config, name, DESERIALIZERS) as Deserializer<T> | undefined
}
