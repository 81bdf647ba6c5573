// The producer's settings (Kafka's ProducerConfig): the configs KafkaProducer reads, with Kafka's defaults, its
// rules for when idempotence is on (KIP-679), and its error texts for settings that conflict.
import {KafkaException} from '../../errors.js'
import {CODECS, type Codec} from '../../protocol/kafka/record-batch.js'
import {commonConfig, ConfigReader, type ClientConfig, type CommonConfig} from '../config.js'

/** The producer's configs, parsed and checked once. */
export interface ProducerSettings extends CommonConfig {
  acks: -1 | 0 | 1
  batchSize: number
  lingerMs: number
  maxInFlight: number
  maxRequestSize: number
  bufferMemory: number
  retries: number
  retryBackoffMs: number
  deliveryTimeoutMs: number
  /** max.block.ms: how long a send may wait for its topic's metadata while the broker is unreachable. */
  maxBlockMs: number
  compression: Codec
  metadataMaxAgeMs: number
  idempotent: boolean
  transactionalId: string | null
  transactionTimeoutMs: number
}

const invalidConfig = (message: string) => new KafkaException('INVALID_CONFIG', message)

/** Reads and checks the producer's configs; throws INVALID_CONFIG naming the bad value. */
export function producerSettings(config: ClientConfig): ProducerSettings {
  const r = new ConfigReader(config)
  const acks = r.oneOf('acks', 'all', ['all', '-1', '0', '1'] as const)
  const maxInFlight = r.int('max.in.flight.requests.per.connection', 5, 1)
  const retries = r.int('retries', 2147483647, 0)
  const transactionalId = r.optionalString('transactional.id') ?? null
  if (transactionalId === '') throw invalidConfig('transactional.id must not be empty: leave it unset instead.')
  // Kafka's rule (KIP-679): idempotence is on unless turned off, or unless other settings conflict with it and it
  // was not asked for explicitly; asked for explicitly, a conflict is an error.
  const explicit = r.has('enable.idempotence')
  let idempotent = r.boolean('enable.idempotence', true)
  const conflicts = [
    acks !== 'all' && acks !== '-1'
      ? 'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.'
      : null,
    maxInFlight > 5
      ? 'Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.'
      : null,
    retries === 0 ? 'Must set retries to non-zero when using the idempotent producer.' : null,
  ].filter((c) => c !== null)
  if (idempotent && conflicts.length > 0) {
    if (explicit || transactionalId !== null) throw invalidConfig(conflicts[0]!)
    idempotent = false
  }
  if (transactionalId !== null && !idempotent) {
    throw invalidConfig('Cannot set a transactional.id without also enabling idempotence.')
  }
  const compression = r.oneOf('compression.type', 'none', CODECS)
  return {
    ...commonConfig(config, 'producer-1'),
    acks: acks === 'all' || acks === '-1' ? -1 : acks === '0' ? 0 : 1,
    batchSize: r.int('batch.size', 16384, 0),
    lingerMs: r.int('linger.ms', 0, 0),
    maxInFlight,
    maxRequestSize: r.int('max.request.size', 1048576, 1),
    bufferMemory: r.int('buffer.memory', 33554432, 0),
    retries,
    retryBackoffMs: r.int('retry.backoff.ms', 100, 0),
    deliveryTimeoutMs: r.int('delivery.timeout.ms', 120_000, 0),
    maxBlockMs: r.int('max.block.ms', 60_000, 0),
    compression,
    metadataMaxAgeMs: r.int('metadata.max.age.ms', 300_000, 0),
    idempotent,
    transactionalId,
    transactionTimeoutMs: r.int('transaction.timeout.ms', 60_000, 1),
  }
}
