// Kafka's topic configs (storage/.../log/LogConfig.java): names, types, defaults, validators and broker synonyms,
// with Kafka's validation texts. kafkalite stores every valid config and enforces those that a single broker without
// files can (docs/broker.md lists which); the others (flush, index, replication throttles) are accepted and shown.
import {KafkaException} from '../errors.js'
import type {ConfigEntryData, ConfigSource} from '../protocol/socket/messages.js'

type ConfigType = 'LONG' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'LIST'

export interface ConfigDef {
  type: ConfigType
  default: string
  /** Inclusive numeric bounds. */
  min?: number
  max?: number
  /** Allowed values of a STRING, or of each element of a LIST. */
  oneOf?: readonly string[]
  /**
   * Broker configs that set this topic config's default, in priority order (ServerTopicConfigSynonyms). `default`:
   * the broker config's own default in its own unit, where the first synonym has none (log.retention.ms has none,
   * log.retention.hours is 168): DescribeConfigs reports the first synonym with a default as DEFAULT_CONFIG.
   */
  synonyms?: readonly {name: string; toTopic?: (v: string) => string; default?: string}[]
}

const LONG_MAX = '9223372036854775807'
const hoursToMs = (v: string) => String(BigInt(v) * 3_600_000n)
const minutesToMs = (v: string) => String(BigInt(v) * 60_000n)

export const TOPIC_CONFIGS: Readonly<Record<string, ConfigDef>> = {
  'cleanup.policy': {
    type: 'LIST',
    default: 'delete',
    oneOf: ['compact', 'delete'],
    synonyms: [{name: 'log.cleanup.policy'}],
  },
  'compression.gzip.level': {type: 'INT', default: '-1', min: -1, max: 9, synonyms: [{name: 'compression.gzip.level'}]},
  'compression.lz4.level': {type: 'INT', default: '9', min: 1, max: 17, synonyms: [{name: 'compression.lz4.level'}]},
  'compression.type': {
    type: 'STRING',
    default: 'producer',
    oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    synonyms: [{name: 'compression.type'}],
  },
  'compression.zstd.level': {
    type: 'INT',
    default: '3',
    min: -131072,
    max: 22,
    synonyms: [{name: 'compression.zstd.level'}],
  },
  'delete.retention.ms': {
    type: 'LONG',
    default: '86400000',
    min: 0,
    synonyms: [{name: 'log.cleaner.delete.retention.ms'}],
  },
  'file.delete.delay.ms': {type: 'LONG', default: '60000', min: 0, synonyms: [{name: 'log.segment.delete.delay.ms'}]},
  'flush.messages': {type: 'LONG', default: LONG_MAX, min: 1, synonyms: [{name: 'log.flush.interval.messages'}]},
  'flush.ms': {type: 'LONG', default: LONG_MAX, min: 0, synonyms: [{name: 'log.flush.interval.ms'}]},
  'follower.replication.throttled.replicas': {type: 'LIST', default: ''},
  'index.interval.bytes': {type: 'INT', default: '4096', min: 0, synonyms: [{name: 'log.index.interval.bytes'}]},
  'leader.replication.throttled.replicas': {type: 'LIST', default: ''},
  'local.retention.bytes': {type: 'LONG', default: '-2', min: -2, synonyms: [{name: 'log.local.retention.bytes'}]},
  'local.retention.ms': {type: 'LONG', default: '-2', min: -2, synonyms: [{name: 'log.local.retention.ms'}]},
  'max.compaction.lag.ms': {
    type: 'LONG',
    default: LONG_MAX,
    min: 1,
    synonyms: [{name: 'log.cleaner.max.compaction.lag.ms'}],
  },
  'max.message.bytes': {type: 'INT', default: '1048588', min: 0, synonyms: [{name: 'message.max.bytes'}]},
  'message.downconversion.enable': {type: 'BOOLEAN', default: 'true'},
  'message.timestamp.after.max.ms': {
    type: 'LONG',
    default: LONG_MAX,
    min: 0,
    synonyms: [{name: 'log.message.timestamp.after.max.ms'}],
  },
  'message.timestamp.before.max.ms': {
    type: 'LONG',
    default: LONG_MAX,
    min: 0,
    synonyms: [{name: 'log.message.timestamp.before.max.ms'}],
  },
  'message.timestamp.type': {
    type: 'STRING',
    default: 'CreateTime',
    oneOf: ['CreateTime', 'LogAppendTime'],
    synonyms: [{name: 'log.message.timestamp.type'}],
  },
  'min.cleanable.dirty.ratio': {
    type: 'DOUBLE',
    default: '0.5',
    min: 0,
    max: 1,
    synonyms: [{name: 'log.cleaner.min.cleanable.ratio'}],
  },
  'min.compaction.lag.ms': {
    type: 'LONG',
    default: '0',
    min: 0,
    synonyms: [{name: 'log.cleaner.min.compaction.lag.ms'}],
  },
  'min.insync.replicas': {type: 'INT', default: '1', min: 1, synonyms: [{name: 'min.insync.replicas'}]},
  preallocate: {type: 'BOOLEAN', default: 'false', synonyms: [{name: 'log.preallocate'}]},
  'remote.log.copy.disable': {type: 'BOOLEAN', default: 'false'},
  'remote.log.delete.on.disable': {type: 'BOOLEAN', default: 'false'},
  'remote.storage.enable': {type: 'BOOLEAN', default: 'false'},
  'retention.bytes': {type: 'LONG', default: '-1', synonyms: [{name: 'log.retention.bytes'}]},
  'retention.ms': {
    type: 'LONG',
    default: '604800000',
    min: -1,
    synonyms: [
      {name: 'log.retention.ms'},
      {name: 'log.retention.minutes', toTopic: minutesToMs},
      {name: 'log.retention.hours', toTopic: hoursToMs, default: '168'},
    ],
  },
  'segment.bytes': {type: 'INT', default: '1073741824', min: 14, synonyms: [{name: 'log.segment.bytes'}]},
  'segment.index.bytes': {type: 'INT', default: '10485760', min: 4, synonyms: [{name: 'log.index.size.max.bytes'}]},
  'segment.jitter.ms': {type: 'LONG', default: '0', min: 0, synonyms: [{name: 'log.roll.jitter.ms'}]},
  'segment.ms': {
    type: 'LONG',
    default: '604800000',
    min: 1,
    synonyms: [{name: 'log.roll.ms'}, {name: 'log.roll.hours', toTopic: hoursToMs, default: '168'}],
  },
  'unclean.leader.election.enable': {
    type: 'BOOLEAN',
    default: 'false',
    synonyms: [{name: 'unclean.leader.election.enable'}],
  },
}

/** Broker config keys that act as topic-config defaults. */
export const BROKER_SYNONYMS: ReadonlySet<string> = new Set(
  Object.values(TOPIC_CONFIGS).flatMap((d) => (d.synonyms ?? []).map((s) => s.name)),
)

const INTEGER = /^[-+]?\d+$/

/** Validates one broker-or-topic config value by its type and bounds; returns the normalized value. */
export function validateValue(name: string, value: string, def: ConfigDef): string {
  const invalid = (why: string) =>
    new KafkaException('INVALID_CONFIG', `Invalid value ${value} for configuration ${name}: ${why}`)
  const v = value.trim()
  switch (def.type) {
    case 'LONG':
    case 'INT': {
      if (!INTEGER.test(v)) throw invalid(`Not a number of type ${def.type}`)
      const n = BigInt(v)
      const [lo, hi] = def.type === 'INT' ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n]
      if (n < lo || n > hi) throw invalid(`Not a number of type ${def.type}`)
      if (def.min !== undefined && n < BigInt(def.min)) throw invalid(`Value must be at least ${def.min}`)
      if (def.max !== undefined && n > BigInt(def.max)) throw invalid(`Value must be no more than ${def.max}`)
      return n.toString()
    }
    case 'DOUBLE': {
      const n = Number(v)
      if (v === '' || Number.isNaN(n)) throw invalid('Not a number of type DOUBLE')
      if (def.min !== undefined && n < def.min) throw invalid(`Value must be at least ${def.min}`)
      if (def.max !== undefined && n > def.max) throw invalid(`Value must be no more than ${def.max}`)
      return v
    }
    case 'BOOLEAN': {
      const lower = v.toLowerCase()
      if (lower !== 'true' && lower !== 'false') throw invalid('Expected value to be either true or false')
      return lower
    }
    case 'STRING':
      if (def.oneOf && !def.oneOf.includes(v)) throw invalid(`String must be one of: ${def.oneOf.join(', ')}`)
      return v
    case 'LIST': {
      const items = v === '' ? [] : v.split(',').map((s) => s.trim())
      if (def.oneOf) {
        for (const item of items) {
          if (!def.oneOf.includes(item)) throw invalid(`String must be one of: ${def.oneOf.join(', ')}`)
        }
      }
      return items.join(',')
    }
  }
}

/** The definition of a topic config; undefined for any other name (Object.prototype's names included). */
export function topicConfigDef(name: string): ConfigDef | undefined {
  return Object.hasOwn(TOPIC_CONFIGS, name) ? TOPIC_CONFIGS[name] : undefined
}

/** Validates topic-level overrides as Kafka's LogConfig.validate does; returns them normalized. */
export function validateTopicConfigs(configs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(configs)) {
    const def = topicConfigDef(name)
    if (!def) throw new KafkaException('INVALID_CONFIG', `Unknown topic config name: ${name}`)
    out[name] = validateValue(name, value, def)
  }
  const minLag = BigInt(out['min.compaction.lag.ms'] ?? '0')
  const maxLag = BigInt(out['max.compaction.lag.ms'] ?? LONG_MAX)
  if (minLag > maxLag) {
    throw new KafkaException(
      'INVALID_CONFIG',
      `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`,
    )
  }
  return out
}

/** The broker's dynamic configs (kafka-configs --entity-type brokers): this broker's, and the cluster's defaults. */
export interface DynamicBrokerConfigs {
  /** DYNAMIC_BROKER_CONFIG: set for this broker (--entity-name <id>). */
  broker: Readonly<Record<string, string>>
  /** DYNAMIC_DEFAULT_BROKER_CONFIG: set for every broker (--entity-default). */
  cluster: Readonly<Record<string, string>>
}

/**
 * A topic's effective configs: overrides, then broker settings through synonyms (this broker's dynamic configs, the
 * cluster's dynamic defaults, server.properties), then Kafka's defaults.
 */
export class TopicConfigResolver {
  readonly #broker: Readonly<Record<string, string>>
  /** The dynamic broker configs, which kafka-configs changes at run time. */
  dynamic: DynamicBrokerConfigs = {broker: {}, cluster: {}}

  /** `broker`: the validated server.properties entries. */
  constructor(broker: Readonly<Record<string, string>>) {
    this.#broker = broker
  }

  /** Every config of a topic with its source, as DescribeConfigs reports it. */
  describe(overrides: Readonly<Record<string, string>>): ConfigEntryData[] {
    return Object.keys(TOPIC_CONFIGS)
      .sort()
      .map((name) => this.entry(name, overrides))
  }

  /** One config with its source and synonyms. */
  entry(name: string, overrides: Readonly<Record<string, string>>): ConfigEntryData {
    const def = topicConfigDef(name)
    if (!def) throw new KafkaException('INVALID_CONFIG', `Unknown topic config name: ${name}`)
    const synonyms: ConfigEntryData['synonyms'] = []
    if (Object.hasOwn(overrides, name)) {
      synonyms.push({name, value: overrides[name]!, source: 'DYNAMIC_TOPIC_CONFIG'})
    }
    // As Kafka's ConfigHelper lists them: by source first (this broker's, the cluster's, the file's), then by name.
    const layers = [
      [this.dynamic.broker, 'DYNAMIC_BROKER_CONFIG'],
      [this.dynamic.cluster, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
      [this.#broker, 'STATIC_BROKER_CONFIG'],
    ] as const
    for (const [values, source] of layers) {
      for (const s of def.synonyms ?? []) {
        if (Object.hasOwn(values, s.name)) synonyms.push({name: s.name, value: values[s.name]!, source})
      }
    }
    const defaulted = def.synonyms?.find((s) => s.default !== undefined)
    if (defaulted) synonyms.push({name: defaulted.name, value: defaulted.default!, source: 'DEFAULT_CONFIG'})
    else synonyms.push({name: def.synonyms?.[0]?.name ?? name, value: def.default, source: 'DEFAULT_CONFIG'})
    const first = synonyms[0]!
    const source: ConfigSource = first.source
    const value =
      source === 'DEFAULT_CONFIG'
        ? def.default
        : source === 'DYNAMIC_TOPIC_CONFIG'
          ? first.value
          : this.#toTopicValue(def, first.name, first.value!)
    return {
      name,
      value,
      type: def.type,
      source,
      isDefault: source === 'DEFAULT_CONFIG',
      readOnly: false,
      sensitive: false,
      synonyms,
    }
  }

  /** The effective value of one config. */
  value(name: string, overrides: Readonly<Record<string, string>>): string {
    return this.entry(name, overrides).value ?? ''
  }

  #toTopicValue(def: ConfigDef, brokerName: string, value: string): string {
    const synonym = def.synonyms?.find((s) => s.name === brokerName)
    return synonym?.toTopic ? synonym.toTopic(value) : value
  }
}
