// The consumer's configuration (Kafka's ConsumerConfig): names, defaults and validation as the Java client has them.
import {KafkaException} from '../errors.js'
import {assignorFor, type Assignor} from './assignors.js'
import {commonConfig, ConfigReader, type ClientConfig, type CommonConfig} from './config.js'
import type {IsolationLevel} from './offset-spec.js'

/** The consumer's settings, read once from its config. */
export interface ConsumerSettings extends CommonConfig {
  groupId: string | undefined
  groupInstanceId: string | null
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  enableAutoCommit: boolean
  autoCommitIntervalMs: number
  assignors: Assignor[]
  allowAutoCreateTopics: boolean
  metadataMaxAgeMs: number
  autoOffsetReset: 'earliest' | 'latest' | 'none'
  isolationLevel: IsolationLevel
  fetchMinBytes: number
  fetchMaxWaitMs: number
  fetchMaxBytes: number
  maxPartitionFetchBytes: number
  maxPollRecords: number
  checkCrcs: boolean
  /** retry.backoff.ms: how long a partition waits before it is fetched again after a retriable error. */
  retryBackoffMs: number
}

/** Reads the consumer's settings, refusing bad values with Kafka's messages. */
export function consumerSettings(config: ClientConfig): ConsumerSettings {
  const r = new ConfigReader(config)
  const groupId = r.optionalString('group.id')
  const strategies = r
    .string('partition.assignment.strategy', 'range,cooperative-sticky')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
  return {
    ...commonConfig(config, 'consumer-1'),
    groupId,
    groupInstanceId: r.optionalString('group.instance.id') ?? null,
    sessionTimeoutMs: r.int('session.timeout.ms', 45_000, 1),
    heartbeatIntervalMs: r.int('heartbeat.interval.ms', 3000, 1),
    maxPollIntervalMs: r.int('max.poll.interval.ms', 300_000, 1),
    // Kafka turns auto-commit on by default, but only a consumer with a group.id can commit.
    enableAutoCommit: groupId !== undefined && r.boolean('enable.auto.commit', true),
    autoCommitIntervalMs: r.int('auto.commit.interval.ms', 5000, 0),
    assignors: strategies.map((name) => {
      try {
        return assignorFor(name)
      } catch {
        throw new KafkaException(
          'INVALID_CONFIG',
          `Invalid value ${name} for configuration partition.assignment.strategy: Class ${name} cannot be found (use range, roundrobin, sticky or cooperative-sticky)`,
        )
      }
    }),
    allowAutoCreateTopics: r.boolean('allow.auto.create.topics', true),
    metadataMaxAgeMs: r.int('metadata.max.age.ms', 300_000, 0),
    autoOffsetReset: r.oneOf('auto.offset.reset', 'latest', ['earliest', 'latest', 'none'] as const),
    isolationLevel: r.oneOf('isolation.level', 'read_uncommitted', ['read_uncommitted', 'read_committed'] as const),
    fetchMinBytes: r.int('fetch.min.bytes', 1, 0),
    fetchMaxWaitMs: r.int('fetch.max.wait.ms', 500, 0),
    fetchMaxBytes: r.int('fetch.max.bytes', 52_428_800, 1),
    maxPartitionFetchBytes: r.int('max.partition.fetch.bytes', 1_048_576, 1),
    maxPollRecords: r.int('max.poll.records', 500, 1),
    checkCrcs: r.boolean('check.crcs', true),
    retryBackoffMs: r.int('retry.backoff.ms', 100, 0),
  }
}
