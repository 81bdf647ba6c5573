// The producer's public types, as Kafka's Java client names them (ProducerRecord, RecordMetadata, Callback,
// ProducerInterceptor), plus the offsets a transaction commits. Every role of the producer reads them; none owns them.
import type {KafkaException} from '../../errors.js'
import type {RecordHeader} from '../../protocol/kafka/record-batch.js'
import type {Configurable} from '../interceptors.js'

export interface ProducerRecord<K, V> {
  topic: string
  /** An explicit partition wins over the key. */
  partition?: number | null
  key?: K | null
  value?: V | null
  /** Ordered headers (duplicates allowed), or an object of header name to value. */
  headers?: readonly RecordHeader[] | Record<string, string | Buffer | null> | null
  /** Create time in ms; default now. */
  timestamp?: number | null
}

/** What the broker assigned to an acknowledged record. offset is -1 with acks=0. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
  timestamp: number
  serializedKeySize: number
  serializedValueSize: number
}

/**
 * Called once per record. On an error, `metadata` still names the topic and partition (offset and timestamp -1;
 * null when the record never got a partition), as Kafka's Callback does.
 */
export type SendCallback = (error: KafkaException | null, metadata: RecordMetadata | null) => void

/** Kafka's ProducerInterceptor: sees every record before it is serialized, and every acknowledgement. */
export interface ProducerInterceptor<K = unknown, V = unknown> extends Configurable {
  /** May return a changed record (or the same one). */
  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V>
  onAcknowledgement(metadata: RecordMetadata | null, error: KafkaException | null): void
}

/** Offsets to commit with a transaction, by partition. */
export interface OffsetToCommit {
  topic: string
  partition: number
  offset: number
  metadata?: string
}
