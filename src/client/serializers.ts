// Kafka's Serializer/Deserializer interfaces and the built-in ones (StringSerializer, ByteArraySerializer, ...).
import type {RecordHeader} from '../protocol/record-batch.js'

/** Turns a value into bytes; null stays null (a tombstone). */
export interface Serializer<T> {
  serialize(topic: string, data: T | null | undefined, headers?: RecordHeader[]): Buffer | null
}

/** Turns bytes back into a value. */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer | null, headers?: readonly RecordHeader[]): T | null
}

/** UTF-8 strings (Kafka's StringSerializer). */
export const StringSerializer: Serializer<string> = {
  serialize: (_topic, data) => (data === null || data === undefined ? null : Buffer.from(data, 'utf8')),
}

export const StringDeserializer: Deserializer<string> = {
  deserialize: (_topic, data) => (data === null ? null : data.toString('utf8')),
}

/** Raw bytes (Kafka's ByteArraySerializer). */
export const BufferSerializer: Serializer<Buffer | Uint8Array> = {
  serialize: (_topic, data) =>
    data === null || data === undefined ? null : Buffer.isBuffer(data) ? data : Buffer.from(data),
}

export const BufferDeserializer: Deserializer<Buffer> = {
  deserialize: (_topic, data) => data,
}

/** JSON documents, UTF-8 encoded. */
export const JsonSerializer: Serializer<unknown> = {
  serialize: (_topic, data) => (data === null || data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8')),
}

export const JsonDeserializer: Deserializer<unknown> = {
  deserialize: (_topic, data) => (data === null ? null : (JSON.parse(data.toString('utf8')) as unknown)),
}

/** The default for both keys and values: a Buffer as it is, a string as UTF-8. */
export const DefaultSerializer: Serializer<Buffer | Uint8Array | string> = {
  serialize: (_topic, data) => {
    if (data === null || data === undefined) return null
    if (typeof data === 'string') return Buffer.from(data, 'utf8')
    return Buffer.isBuffer(data) ? data : Buffer.from(data)
  },
}
