// Client configuration with Kafka's names, defaults and validation messages (ProducerConfig, ConsumerConfig,
// AdminClientConfig). Values may be given as strings (from properties files and --*-property flags) or as numbers
// and booleans (from code).
import {resolveBootstrap, runningListenerAddresses, type BootstrapTarget} from '../bootstrap.js'
import {KafkaException} from '../errors.js'
import {brokerPaths, resolveHome} from '../paths.js'
import {readPropertiesIfPresent} from '../properties.js'

export type ConfigValue = string | number | boolean | undefined | null | readonly unknown[]
export type ClientConfig = Record<string, ConfigValue>

/** Configs every client reads. */
export interface CommonConfig {
  bootstrapServers: string | undefined
  /** Where bootstrap.servers points: the local daemon (also without it), or a Kafka cluster. */
  target: BootstrapTarget
  clientId: string
  requestTimeoutMs: number
  /** retry.backoff.ms and reconnect.backoff.ms, for the Kafka transport. */
  retryBackoffMs: number
  reconnectBackoffMs: number
  /** socket.connection.setup.timeout.ms: how long a connection to a Kafka broker may take to open. */
  connectTimeoutMs: number
  /** The config as given: the Kafka transport reads its security settings from it (security.protocol, ssl.*, sasl.*). */
  given: ClientConfig
  /** kafkalite's own: the broker home (default $KAFKALITE_HOME or the XDG state directory). */
  home: string
}

const invalid = (name: string, value: ConfigValue, why: string) =>
  new KafkaException('INVALID_CONFIG', `Invalid value ${String(value)} for configuration ${name}: ${why}`)

/** Reads typed values out of a config object, with Kafka's error texts. */
export class ConfigReader {
  readonly #config: ClientConfig

  constructor(config: ClientConfig) {
    this.#config = config
  }

  has(name: string): boolean {
    const v = this.#config[name]
    return v !== undefined && v !== null
  }

  string(name: string, fallback: string): string {
    const v = this.#config[name]
    return v === undefined || v === null ? fallback : String(v)
  }

  optionalString(name: string): string | undefined {
    const v = this.#config[name]
    return v === undefined || v === null ? undefined : String(v)
  }

  int(name: string, fallback: number, min = -(2 ** 31), max = 2 ** 53 - 1): number {
    const v = this.#config[name]
    if (v === undefined || v === null || v === '') return fallback
    const n = typeof v === 'number' ? v : /^\s*[-+]?\d+\s*$/.test(String(v)) ? Number(v) : Number.NaN
    if (!Number.isSafeInteger(n)) throw invalid(name, v, 'Not a number of type LONG')
    if (n < min) throw invalid(name, v, `Value must be at least ${min}`)
    if (n > max) throw invalid(name, v, `Value must be no more than ${max}`)
    return n
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.#config[name]
    if (v === undefined || v === null || v === '') return fallback
    if (typeof v === 'boolean') return v
    const s = String(v).trim().toLowerCase()
    if (s === 'true') return true
    if (s === 'false') return false
    throw invalid(name, v, 'Expected value to be either true or false')
  }

  oneOf<T extends string>(name: string, fallback: T, values: readonly T[]): T {
    const v = this.#config[name]
    if (v === undefined || v === null || v === '') return fallback
    const s = String(v).trim()
    const match = values.find((x) => x.toLowerCase() === s.toLowerCase())
    if (match === undefined) throw invalid(name, v, `String must be one of: ${values.join(', ')}`)
    return match
  }
}

/** The configs every client shares, with where `bootstrap.servers` points. */
export function commonConfig(config: ClientConfig, defaultClientId: string): CommonConfig {
  const r = new ConfigReader(config)
  const home = r.optionalString('kafkalite.home') ?? resolveHome()
  const bootstrapServers = r.optionalString('bootstrap.servers')
  let target: BootstrapTarget = {kind: 'local'}
  if (bootstrapServers !== undefined) {
    const paths = brokerPaths(home)
    target = resolveBootstrap(
      bootstrapServers,
      readPropertiesIfPresent(paths.properties),
      runningListenerAddresses(paths.pidFile),
    )
  }
  return {
    bootstrapServers,
    target,
    clientId: r.string('client.id', defaultClientId),
    requestTimeoutMs: r.int('request.timeout.ms', 30_000, 0),
    retryBackoffMs: r.int('retry.backoff.ms', 100, 0),
    reconnectBackoffMs: r.int('reconnect.backoff.ms', 50, 0),
    connectTimeoutMs: r.int('socket.connection.setup.timeout.ms', 10_000, 0),
    given: config,
    home,
  }
}
