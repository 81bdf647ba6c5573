// Broker settings, with Kafka's names and defaults, read from the optional server.properties in the home.
import {existsSync, readFileSync} from 'node:fs'
import {
  DEFAULT_SECURITY_PROTOCOL_MAP,
  kafkaListenersOf,
  listenerAddresses,
  pemTlsServerSettings,
  type KafkaListenerSpec,
  type ListenerAddress,
  type TlsServerSettings,
} from '../bootstrap.js'
import {KafkaException} from '../errors.js'
import {parseProperties, setOwn} from '../properties.js'
import {DEFAULT_MAX_FRAME_BYTES} from '../protocol/socket/frame.js'
import type {ConfigEntryData, ConfigType} from '../protocol/socket/messages.js'
import type {Durability} from '../store/open.js'
import {
  BROKER_SYNONYMS,
  TOPIC_CONFIGS,
  validateValue,
  type ConfigDef,
  type DynamicBrokerConfigs,
} from './topic-config.js'

/** What a front end allows its connections (a client that floods or never reads must not grow the daemon). */
export interface NetworkConfig {
  /** socket.request.max.bytes: the largest request. */
  maxFrameBytes: number
  /** connections.max.idle.ms: a connection with no traffic and nothing in flight this long is closed. */
  connectionsMaxIdleMs: number
  /** queued.max.request.bytes: bytes of requests being received, daemon-wide (-1: no bound). */
  queuedMaxRequestBytes: number
  /** kafkalite.queued.max.response.bytes: bytes of responses written but not yet read by clients, daemon-wide. */
  queuedMaxResponseBytes: number
  /** kafkalite.socket.receive.timeout.ms: a request that has started arriving must finish within this. */
  receiveTimeoutMs: number
}

/** A Kafka-protocol listener to open. */
export type KafkaListenerConfig = KafkaListenerSpec

/** The group coordinator's settings. */
export interface CoordinatorConfig {
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members before its first rebalance. */
  initialRebalanceDelayMs: number
  minSessionTimeoutMs: number
  maxSessionTimeoutMs: number
}

/** The transaction coordinator's settings. */
export interface TransactionConfig {
  /** transaction.max.timeout.ms: the largest transaction.timeout.ms a producer may ask for. */
  maxTimeoutMs: number
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms: how often expired transactions are looked for. */
  abortIntervalMs: number
  /** transactional.id.expiration.ms: a transactional id without a transaction for this long is forgotten. */
  idExpirationMs: number
  /** transaction.remove.expired.transaction.cleanup.interval.ms: how often expired ids are looked for. */
  removeIntervalMs: number
}

/** Retention and the log cleaner's settings (log-manager.ts). */
export interface LogManagerConfig {
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs: number
  /** log.cleaner.enable */
  cleanerEnable: boolean
  /** log.cleaner.backoff.ms: how long the cleaner sleeps when no partition is due. */
  cleanerBackoffMs: number
  /** The most keys one cleaner pass maps (from log.cleaner.dedupe.buffer.size). */
  cleanerMaxKeys: number
}

/** The lag history's settings. */
export interface LagHistoryConfig {
  /** One sample per partition (and per group partition) per interval at most. */
  sampleIntervalMs: number
  /** Samples kept per partition's log-end series: past it, the series is thinned to three quarters of it. */
  logSamples: number
  /** Commits kept per group partition (Burrow's window, 10 by default as Burrow's `intervals`). */
  commitSamples: number
  /** How often changed series are saved. */
  flushIntervalMs: number
}

export interface BrokerConfig {
  /** `node.id` / `broker.id`: the id shown as Leader, Replicas and Isr. */
  brokerId: number
  autoCreateTopics: boolean
  numPartitions: number
  deleteTopicEnable: boolean
  /** The largest frame the daemon accepts (`socket.request.max.bytes`). */
  maxFrameBytes: number
  /** Limits every front end applies to its connections. */
  network: NetworkConfig
  /** `log.flush.interval.messages=1` asks for an fsync on every commit (power-loss durability). */
  durability: Durability
  listeners: ListenerAddress[]
  /**
   * The Kafka-protocol listeners to open: only those `listeners` names explicitly (nothing listens on TCP unless
   * asked), without the KRaft controller's (controller.listener.names: kafkalite has no controller).
   */
  kafkaListeners: KafkaListenerConfig[]
  /** Broker settings that set topic-config defaults (`log.retention.hours`, `message.max.bytes`, ...). */
  topicDefaults: Record<string, string>
  /** Every setting server.properties and the overrides gave, validated: DescribeConfigs' STATIC_BROKER_CONFIG. */
  given: Record<string, string>
  /** The file read, or null when there is none (defaults, or only command-line overrides). */
  file: string | null
  /** The settings as given (the file's, with command-line overrides applied), before validation. */
  settings: Record<string, string>
  /** The group coordinator's settings. */
  groups: CoordinatorConfig
  transactions: TransactionConfig
  /** producer.id.expiration.ms and its check interval: when a partition forgets an idle producer. */
  producerIds: {expirationMs: number; checkIntervalMs: number}
  /** The lag history's settings. */
  lagHistory: LagHistoryConfig
  /** Retention and the log cleaner. */
  logs: LogManagerConfig
  /** offsets.retention.minutes and its check interval: when an empty group's committed offsets expire. */
  offsetsRetention: {retentionMs: number; checkIntervalMs: number}
  /** quota.window.num and quota.window.size.seconds: the samples client quotas are measured over. */
  quotaWindows: {samples: number; windowMs: number}
  /** The schema registry's HTTP front end: where it listens (nowhere unless asked), its body limit, its users. */
  schemaRegistry: SchemaRegistryConfig
  /** Settings kafkalite does not know; logged at startup as Kafka logs unused configs. */
  unknown: string[]
  /**
   * Skip the per-record validation of produced batches (validateRecords). Exists only so that `npm run bench` can
   * measure what that validation costs, against a daemon without it; never set from server.properties, only by the
   * daemon from KAFKALITE_BENCH_SKIP_RECORD_VALIDATION=1 (src/daemon/main.ts).
   */
  benchSkipRecordValidation?: boolean
}

/** A schema registry listener: plain HTTP, or HTTPS with the registry's TLS settings. */
export interface RegistryListener {
  protocol: 'http' | 'https'
  host: string
  port: number
}

/** Where the schema registry listens over HTTP(S), and whom it lets in. */
export interface SchemaRegistryConfig {
  /** kafkalite.schema.registry.listeners: http:// and https:// addresses (none: no TCP port, the socket only). */
  listeners: RegistryListener[]
  /**
   * The https listeners' certificate, key and client-certificate rule (kafkalite.schema.registry.ssl.*, Kafka's
   * ssl.* names with PEM stores); null when no listener is https.
   */
  tls: TlsServerSettings | null
  /** kafkalite.schema.registry.max.request.bytes: the largest request body. */
  maxRequestBytes: number
  /** kafkalite.schema.registry.basic.auth.users: user:password pairs, separated by commas (none: no auth). */
  basicAuthUsers: string
  /** kafkalite.schema.registry.basic.auth.users.file: a file of user:password lines (Jetty's realm format too). */
  basicAuthUsersFile: string
}

interface BrokerDef {
  type: 'INT' | 'BOOLEAN' | 'STRING'
  default: string
  min?: number
  max?: number
  /** A secret (a key, a password): DescribeConfigs gives no value for it, as Kafka's does for PASSWORD configs. */
  sensitive?: boolean
}

/** The broker settings kafkalite reads besides the topic-config synonyms. */
export const BROKER_SETTINGS: Readonly<Record<string, BrokerDef>> = {
  'node.id': {type: 'INT', default: '1', min: 0},
  'broker.id': {type: 'INT', default: '1', min: 0},
  'auto.create.topics.enable': {type: 'BOOLEAN', default: 'true'},
  'num.partitions': {type: 'INT', default: '1', min: 1},
  'default.replication.factor': {type: 'INT', default: '1', min: 1, max: 1},
  'delete.topic.enable': {type: 'BOOLEAN', default: 'true'},
  'socket.request.max.bytes': {type: 'INT', default: String(DEFAULT_MAX_FRAME_BYTES), min: 1024},
  'connections.max.idle.ms': {type: 'INT', default: '600000', min: 1},
  // Kafka's default is -1 (no bound); kafkalite bounds what clients can make it hold: one largest request.
  'queued.max.request.bytes': {type: 'INT', default: String(DEFAULT_MAX_FRAME_BYTES), min: -1},
  // kafkalite's own: responses (fetched records, mostly) written to clients that have not read them yet.
  'kafkalite.queued.max.response.bytes': {type: 'INT', default: String(32 << 20), min: 1 << 20},
  'kafkalite.socket.receive.timeout.ms': {type: 'INT', default: '30000', min: 1},
  listeners: {type: 'STRING', default: 'PLAINTEXT://localhost:9092'},
  'advertised.listeners': {type: 'STRING', default: 'PLAINTEXT://localhost:9092'},
  'listener.security.protocol.map': {type: 'STRING', default: DEFAULT_SECURITY_PROTOCOL_MAP},
  // TLS of SSL listeners, PEM stores only (each may also be set per listener: listener.name.<name>.ssl.*).
  'ssl.keystore.type': {type: 'STRING', default: 'PEM'},
  'ssl.keystore.location': {type: 'STRING', default: ''},
  'ssl.keystore.key': {type: 'STRING', default: '', sensitive: true},
  'ssl.keystore.certificate.chain': {type: 'STRING', default: ''},
  'ssl.key.password': {type: 'STRING', default: '', sensitive: true},
  'ssl.truststore.type': {type: 'STRING', default: 'PEM'},
  'ssl.truststore.location': {type: 'STRING', default: ''},
  'ssl.truststore.certificates': {type: 'STRING', default: ''},
  'ssl.client.auth': {type: 'STRING', default: 'none'},
  // SASL listeners: PLAIN so far, its users in listener.name.<name>.plain.sasl.jaas.config (user_<name>="...").
  'sasl.enabled.mechanisms': {type: 'STRING', default: 'GSSAPI'},
  'controller.listener.names': {type: 'STRING', default: ''},
  // Accepted so that Kafka's own server.properties (the quickstart's, KRaft) start kafkalite unchanged.
  'process.roles': {type: 'STRING', default: 'broker,controller'},
  'inter.broker.listener.name': {type: 'STRING', default: 'PLAINTEXT'},
  'controller.quorum.bootstrap.servers': {type: 'STRING', default: ''},
  'controller.quorum.voters': {type: 'STRING', default: ''},
  'log.dirs': {type: 'STRING', default: ''},
  'log.dir': {type: 'STRING', default: ''},
  // Kafka's default is 3000 ms; a local broker serving tests and CI wants its first rebalance sooner.
  'group.initial.rebalance.delay.ms': {type: 'INT', default: '100', min: 0},
  'group.min.session.timeout.ms': {type: 'INT', default: '6000', min: 1},
  'group.max.session.timeout.ms': {type: 'INT', default: '1800000', min: 1},
  'transaction.max.timeout.ms': {type: 'INT', default: '900000', min: 1},
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': {type: 'INT', default: '10000', min: 1},
  'transactional.id.expiration.ms': {type: 'INT', default: '604800000', min: 1},
  'transaction.remove.expired.transaction.cleanup.interval.ms': {type: 'INT', default: '3600000', min: 1},
  'producer.id.expiration.ms': {type: 'INT', default: '86400000', min: 1},
  'producer.id.expiration.check.interval.ms': {type: 'INT', default: '600000', min: 1},
  'log.retention.check.interval.ms': {type: 'INT', default: '300000', min: 1},
  'log.cleaner.enable': {type: 'BOOLEAN', default: 'true'},
  'log.cleaner.backoff.ms': {type: 'INT', default: '15000', min: 0},
  // Bounds the keys of one cleaner pass: one per 128 bytes (a JavaScript map entry costs about that), 1M keys by
  // default; a pass over more keys cleans up to where the map filled, and the next pass goes on from there.
  'log.cleaner.dedupe.buffer.size': {type: 'INT', default: '134217728', min: 1 << 20},
  'offsets.retention.minutes': {type: 'INT', default: '10080', min: 1},
  'offsets.retention.check.interval.ms': {type: 'INT', default: '600000', min: 1},
  // Client quotas are measured over quota.window.num samples of quota.window.size.seconds (Kafka's QuotaConfig).
  'quota.window.num': {type: 'INT', default: '11', min: 1},
  'quota.window.size.seconds': {type: 'INT', default: '1', min: 1},
  // kafkalite's own: the lag history behind `kafkalite lag` (src/daemon/lag-history.ts).
  'kafkalite.lag.sample.interval.ms': {type: 'INT', default: '1000', min: 1},
  // Thinning a full series costs (samples / 4) x samples steps on the append path (measured 0.4 ms at 300, 4 ms at
  // 1000, once per samples / 4 intervals of a partition): bounded here.
  'kafkalite.lag.samples': {type: 'INT', default: '300', min: 8, max: 1000},
  'kafkalite.lag.commits': {type: 'INT', default: '10', min: 2},
  // kafkalite's own: the Confluent-compatible schema registry's HTTP front end (the socket serves it regardless).
  'kafkalite.schema.registry.listeners': {type: 'STRING', default: ''},
  'kafkalite.schema.registry.max.request.bytes': {type: 'INT', default: String(16 << 20), min: 1024},
  'kafkalite.schema.registry.basic.auth.users': {type: 'STRING', default: '', sensitive: true},
  'kafkalite.schema.registry.basic.auth.users.file': {type: 'STRING', default: ''},
  // The https listeners' TLS: Kafka's ssl.* names (as Confluent's registry names its own), PEM stores only.
  'kafkalite.schema.registry.ssl.keystore.type': {type: 'STRING', default: 'PEM'},
  'kafkalite.schema.registry.ssl.keystore.location': {type: 'STRING', default: ''},
  'kafkalite.schema.registry.ssl.keystore.key': {type: 'STRING', default: '', sensitive: true},
  'kafkalite.schema.registry.ssl.keystore.certificate.chain': {type: 'STRING', default: ''},
  'kafkalite.schema.registry.ssl.key.password': {type: 'STRING', default: '', sensitive: true},
  'kafkalite.schema.registry.ssl.truststore.type': {type: 'STRING', default: 'PEM'},
  'kafkalite.schema.registry.ssl.truststore.location': {type: 'STRING', default: ''},
  'kafkalite.schema.registry.ssl.truststore.certificates': {type: 'STRING', default: ''},
  'kafkalite.schema.registry.ssl.client.auth': {type: 'STRING', default: 'none'},
}

/**
 * Reads and validates server.properties; a missing file gives Kafka's defaults. `overrides` win over the file, as
 * `kafka-server-start.sh --override name=value` does (`daemon start --listeners`, `--override`).
 */
export function loadBrokerConfig(file: string, overrides: Readonly<Record<string, string>> = {}): BrokerConfig {
  const present = existsSync(file)
  let props: Record<string, string> = {}
  if (present) {
    try {
      props = parseProperties(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new KafkaException('BROKER_CONFIG_INVALID', `Cannot read ${file}: ${(error as Error).message}`)
    }
  }
  for (const [name, value] of Object.entries(overrides)) setOwn(props, name, value)
  const config = brokerConfigFrom(props, present ? file : Object.keys(overrides).length > 0 ? '--override' : null)
  return {...config, file: present ? file : null}
}

/** Validates broker settings given as a map (the parsed server.properties). */
export function brokerConfigFrom(props: Readonly<Record<string, string>>, file: string | null): BrokerConfig {
  const where = file ? ` in ${file}` : ''
  const values: Record<string, string> = {}
  const topicDefaults: Record<string, string> = {}
  const unknown: string[] = []
  for (const [name, raw] of Object.entries(props)) {
    try {
      if (Object.hasOwn(BROKER_SETTINGS, name)) {
        values[name] = validateValue(name, raw, BROKER_SETTINGS[name]!)
      } else if (BROKER_SYNONYMS.has(name)) {
        const def = Object.values(TOPIC_CONFIGS).find((d) => d.synonyms?.some((s) => s.name === name))!
        topicDefaults[name] = validateValue(name, raw, def)
      } else if (/^listener\.name\.[a-z0-9_]+\.(ssl\.|sasl\.|plain\.sasl\.jaas\.config$)/.test(name)) {
        // Per-listener TLS and SASL settings (read with the listeners, src/bootstrap.ts): known, not shown.
      } else {
        unknown.push(name)
      }
    } catch (error) {
      const message = (error as Error).message.replace(`configuration ${name}:`, `configuration ${name}${where}:`)
      throw new KafkaException('BROKER_CONFIG_INVALID', message)
    }
  }
  if (values['default.replication.factor'] !== undefined && values['default.replication.factor'] !== '1') {
    throw new KafkaException(
      'BROKER_CONFIG_INVALID',
      `default.replication.factor${where} must be 1: kafkalite is one broker`,
    )
  }
  const get = (name: string) => values[name] ?? BROKER_SETTINGS[name]!.default
  let listeners: ListenerAddress[]
  try {
    listeners = listenerAddresses(props)
  } catch (error) {
    throw new KafkaException('BROKER_CONFIG_INVALID', `${(error as Error).message}${where}`)
  }
  return {
    brokerId: Number(values['node.id'] ?? get('broker.id')),
    autoCreateTopics: get('auto.create.topics.enable') === 'true',
    numPartitions: Number(get('num.partitions')),
    deleteTopicEnable: get('delete.topic.enable') === 'true',
    maxFrameBytes: Number(get('socket.request.max.bytes')),
    network: {
      maxFrameBytes: Number(get('socket.request.max.bytes')),
      connectionsMaxIdleMs: Number(get('connections.max.idle.ms')),
      queuedMaxRequestBytes: Number(get('queued.max.request.bytes')),
      queuedMaxResponseBytes: Number(get('kafkalite.queued.max.response.bytes')),
      receiveTimeoutMs: Number(get('kafkalite.socket.receive.timeout.ms')),
    },
    durability: topicDefaults['log.flush.interval.messages'] === '1' ? 'power-loss' : 'process-crash',
    listeners,
    kafkaListeners: kafkaListeners(props, where),
    topicDefaults,
    given: {...values, ...topicDefaults},
    groups: {
      initialRebalanceDelayMs: Number(get('group.initial.rebalance.delay.ms')),
      minSessionTimeoutMs: Number(get('group.min.session.timeout.ms')),
      maxSessionTimeoutMs: Number(get('group.max.session.timeout.ms')),
    },
    transactions: {
      maxTimeoutMs: Number(get('transaction.max.timeout.ms')),
      abortIntervalMs: Number(get('transaction.abort.timed.out.transaction.cleanup.interval.ms')),
      idExpirationMs: Number(get('transactional.id.expiration.ms')),
      removeIntervalMs: Number(get('transaction.remove.expired.transaction.cleanup.interval.ms')),
    },
    producerIds: {
      expirationMs: Number(get('producer.id.expiration.ms')),
      checkIntervalMs: Number(get('producer.id.expiration.check.interval.ms')),
    },
    lagHistory: {
      sampleIntervalMs: Number(get('kafkalite.lag.sample.interval.ms')),
      logSamples: Number(get('kafkalite.lag.samples')),
      commitSamples: Number(get('kafkalite.lag.commits')),
      flushIntervalMs: 1000,
    },
    logs: {
      retentionCheckIntervalMs: Number(get('log.retention.check.interval.ms')),
      cleanerEnable: get('log.cleaner.enable') === 'true',
      cleanerBackoffMs: Number(get('log.cleaner.backoff.ms')),
      cleanerMaxKeys: Math.floor(Number(get('log.cleaner.dedupe.buffer.size')) / 128),
    },
    offsetsRetention: {
      retentionMs: Number(get('offsets.retention.minutes')) * 60_000,
      checkIntervalMs: Number(get('offsets.retention.check.interval.ms')),
    },
    quotaWindows: {
      samples: Number(get('quota.window.num')),
      windowMs: Number(get('quota.window.size.seconds')) * 1000,
    },
    schemaRegistry: {
      ...registryListenersOf(props, get('kafkalite.schema.registry.listeners'), where),
      maxRequestBytes: Number(get('kafkalite.schema.registry.max.request.bytes')),
      basicAuthUsers: get('kafkalite.schema.registry.basic.auth.users'),
      basicAuthUsersFile: get('kafkalite.schema.registry.basic.auth.users.file'),
    },
    file,
    settings: {...props},
    unknown,
  }
}

/**
 * kafkalite.schema.registry.listeners: `http://host:port` and `https://host:port` separated by commas. A listener
 * without a host binds loopback (127.0.0.1); port 0 picks a free port.
 */
export function registryListeners(value: string, where = ''): RegistryListener[] {
  const out: RegistryListener[] = []
  for (const raw of value.split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const m = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d{1,5})\/?$/i.exec(item)
    const refuse = (why: string) =>
      new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Invalid kafkalite.schema.registry.listeners '${item}'${where}: ${why}, for example http://127.0.0.1:8081 or https://127.0.0.1:8081.`,
      )
    if (!m) throw refuse('use http://host:port or https://host:port')
    const port = Number(m[3])
    if (port > 65535) throw refuse('the port must be 0 to 65535')
    const host = m[2]!.replace(/^\[|\]$/g, '')
    out.push({protocol: m[1]!.toLowerCase() as 'http' | 'https', host: host === '' ? '127.0.0.1' : host, port})
  }
  return out
}

/** The registry's listeners, and the TLS settings its https listeners serve with (read only when one is https). */
function registryListenersOf(
  props: Readonly<Record<string, string>>,
  value: string,
  where: string,
): Pick<SchemaRegistryConfig, 'listeners' | 'tls'> {
  const listeners = registryListeners(value, where)
  const https = listeners.find((l) => l.protocol === 'https')
  if (https === undefined) return {listeners, tls: null}
  const prefix = 'kafkalite.schema.registry.'
  const tls = pemTlsServerSettings(
    (key) => {
      const v = props[prefix + key]
      // Confluent's registry takes ssl.client.auth=true/false for its own listener: required or none.
      if (key === 'ssl.client.auth' && v !== undefined && /^(true|false)$/i.test(v.trim())) {
        return v.trim().toLowerCase() === 'true' ? 'required' : 'none'
      }
      return v
    },
    (key) => prefix + key,
    (why) =>
      new KafkaException(
        'BROKER_CONFIG_INVALID',
        `The schema registry's listener https://${https.host.includes(':') ? `[${https.host}]` : https.host}:${https.port}${where}: ${why}.`,
      ),
  )
  return {listeners, tls}
}

/** The Kafka-protocol listeners `listeners` asks for (see kafkaListenersOf), naming the file in errors. */
function kafkaListeners(props: Readonly<Record<string, string>>, where: string): KafkaListenerConfig[] {
  try {
    return kafkaListenersOf(props)
  } catch (error) {
    throw new KafkaException('BROKER_CONFIG_INVALID', `${(error as Error).message.replace(/\.$/, '')}${where}`)
  }
}

/** Kafka's type of a broker setting, where it differs from the type kafkalite validates it as. */
const KAFKA_TYPES: Readonly<Record<string, ConfigType>> = {
  'advertised.listeners': 'LIST',
  listeners: 'LIST',
  'connections.max.idle.ms': 'LONG',
  'queued.max.request.bytes': 'LONG',
  'log.retention.check.interval.ms': 'LONG',
  'log.cleaner.backoff.ms': 'LONG',
  'log.cleaner.dedupe.buffer.size': 'LONG',
  'offsets.retention.check.interval.ms': 'LONG',
  'controller.listener.names': 'LIST',
  'controller.quorum.bootstrap.servers': 'LIST',
  'controller.quorum.voters': 'LIST',
  'process.roles': 'LIST',
  'log.dir': 'LIST',
  'log.dirs': 'LIST',
  'log.retention.hours': 'INT',
  'log.retention.minutes': 'INT',
  'log.roll.hours': 'INT',
}

/**
 * Kafka's defaults of the broker synonyms of topic configs, where they are not the topic config's default: the
 * hours are the defaults, the finer units unset (null). advertised.listeners unset means the listeners themselves.
 */
const KAFKA_DEFAULTS: Readonly<Record<string, string | null>> = {
  'advertised.listeners': null,
  'log.retention.ms': null,
  'log.retention.minutes': null,
  'log.retention.hours': '168',
  'log.roll.ms': null,
  'log.roll.hours': '168',
  'log.roll.jitter.ms': null,
  'log.flush.interval.ms': null,
}

/** Broker settings kafka-configs may change at run time: the broker defaults of topic configs (Kafka's DynamicLogConfig). */
export const DYNAMIC_BROKER_SETTINGS: ReadonlySet<string> = BROKER_SYNONYMS

/**
 * The broker's settings as Kafka's DescribeConfigs lists resource type BROKER: every setting kafkalite reads, sorted
 * by name, with the value this broker's dynamic configs, the cluster's dynamic defaults, server.properties (or an
 * override) or the default gave, each source a synonym in that order. Those in DYNAMIC_BROKER_SETTINGS may be changed
 * at run time (readOnly false); the others are read at start.
 */
export function describeBrokerConfigs(
  config: BrokerConfig,
  dynamic: DynamicBrokerConfigs = {broker: {}, cluster: {}},
): ConfigEntryData[] {
  const topicDefs = new Map<string, ConfigDef>()
  for (const def of Object.values(TOPIC_CONFIGS)) for (const s of def.synonyms ?? []) topicDefs.set(s.name, def)
  const names = [...new Set([...Object.keys(BROKER_SETTINGS), ...topicDefs.keys()])].sort()
  return names.map((name) => {
    const def = Object.hasOwn(BROKER_SETTINGS, name) ? BROKER_SETTINGS[name]! : topicDefs.get(name)!
    const fallback = Object.hasOwn(KAFKA_DEFAULTS, name) ? KAFKA_DEFAULTS[name]! : def.default
    const synonyms: ConfigEntryData['synonyms'] = []
    const layers = [
      [dynamic.broker, 'DYNAMIC_BROKER_CONFIG'],
      [dynamic.cluster, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
      [config.given, 'STATIC_BROKER_CONFIG'],
    ] as const
    for (const [values, source] of layers) {
      if (Object.hasOwn(values, name)) synonyms.push({name, value: values[name]!, source})
    }
    if (fallback !== null) synonyms.push({name, value: fallback, source: 'DEFAULT_CONFIG'})
    const source = synonyms[0]?.source ?? 'DEFAULT_CONFIG'
    const sensitive = 'sensitive' in def && def.sensitive === true
    return {
      name,
      value: sensitive ? null : (synonyms[0]?.value ?? fallback),
      type: sensitive ? 'PASSWORD' : (KAFKA_TYPES[name] ?? def.type),
      source,
      isDefault: source === 'DEFAULT_CONFIG',
      readOnly: !DYNAMIC_BROKER_SETTINGS.has(name),
      sensitive,
      synonyms: sensitive ? synonyms.map((x) => ({...x, value: null})) : synonyms,
    }
  })
}
