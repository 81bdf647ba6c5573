// Kafka's Serializer and Deserializer interfaces, in a module of their own so that the schema-registry serdes (loaded
// lazily by serializers.ts) and serializers.ts can both name them without an import cycle.
import type {RecordHeader} from '../protocol/kafka/record-batch.js'
import type {ClientConfig} from './config.js'

/** Turns a value into bytes; null stays null (a tombstone). */
export interface Serializer<T> {
  serialize(topic: string, data: T | null | undefined, headers?: RecordHeader[]): Buffer | null
  /**
   * Kafka's configure(configs, isKey): called with the producer's config when the producer creates the serializer
   * from a name in key.serializer / value.serializer (not for an instance passed to its constructor, as in Java).
   */
  configure?(config: ClientConfig, isKey: boolean): void
  /**
   * kafkalite's hook for serializers that need I/O first (a schema registry lookup): returns null when serialize
   * can run now for this value, else a promise that settles when it can (a rejection refuses the record). The
   * producer waits for it, keeping the order of records, and then calls serialize; a steady producer finds what it
   * needs cached and gets null, so the hook costs one call per record.
   */
  prepare?(topic: string, data: T | null | undefined, headers?: RecordHeader[]): Promise<void> | null
  /** Releases what the serializer holds (a registry client); called by the producer's close. */
  close?(): void | Promise<void>
}

/** Turns bytes back into a value. */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer | null, headers?: readonly RecordHeader[]): T | null
  /** Kafka's configure(configs, isKey), as for Serializer. */
  configure?(config: ClientConfig, isKey: boolean): void
  /**
   * As Serializer.prepare: null when deserialize can run now for these bytes (the writer's schema is cached), else
   * a promise that settles when it can. The consumer stops its poll before that record, waits, and goes on.
   */
  prepare?(topic: string, data: Buffer | null, headers?: readonly RecordHeader[]): Promise<void> | null
  /** Releases what the deserializer holds; called by the consumer's close. */
  close?(): void | Promise<void>
}
