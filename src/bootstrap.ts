// Kafka's listener settings, and where `--bootstrap-server` points. kafkalite's own commands reach the local broker
// on its Unix socket, so the local broker's listener addresses (and Kafka's default, localhost:9092, while nothing
// listens there) mean "the daemon of this KAFKALITE_HOME"; any other address is a Kafka cluster, reached over
// Kafka's protocol.
import {readFileSync} from 'node:fs'
import {hostname} from 'node:os'
import type {TlsOptions} from 'node:tls'
import {KafkaException, usageError} from './errors.js'
import {parseJaasConfig} from './jaas.js'

export const DEFAULT_LISTENER = 'PLAINTEXT://localhost:9092'

export interface ListenerAddress {
  host: string
  port: number
}

/** The addresses a broker answers to, from Kafka's `advertised.listeners` (or `listeners`) setting. */
export function listenerAddresses(props: Readonly<Record<string, string>>): ListenerAddress[] {
  const value = props['advertised.listeners'] ?? props.listeners ?? DEFAULT_LISTENER
  const out: ListenerAddress[] = []
  for (const entry of value.split(',')) {
    const match = /^\s*(?:[A-Za-z0-9_]+:\/\/)?(\[[^\]]*\]|[^:]*):(\d+)\s*$/.exec(entry)
    if (!match)
      throw new KafkaException('BROKER_CONFIG_INVALID', `Invalid listener '${entry.trim()}': use NAME://host:port`)
    out.push({host: match[1]!, port: Number(match[2])})
  }
  return out
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', ''])

/**
 * The addresses of the Kafka listeners the home's daemon opened (bound and advertised), from its pid file: a broker
 * started with `--listeners` or `kafka-server-start.sh` answers to them too. None when no daemon runs.
 */
export function runningListenerAddresses(pidFile: string): ListenerAddress[] {
  let listeners: unknown
  try {
    listeners = (JSON.parse(readFileSync(pidFile, 'utf8')) as {listeners?: unknown}).listeners
  } catch {
    return []
  }
  if (!Array.isArray(listeners)) return []
  const out: ListenerAddress[] = []
  for (const l of listeners as {host?: unknown; port?: unknown; advertisedHost?: unknown; advertisedPort?: unknown}[]) {
    if (typeof l.advertisedHost === 'string' && typeof l.advertisedPort === 'number') {
      out.push({host: l.advertisedHost, port: l.advertisedPort})
    }
    if (typeof l.host === 'string' && typeof l.port === 'number') out.push({host: l.host, port: l.port})
  }
  return out
}

/** Where a `--bootstrap-server` / `bootstrap.servers` value points. */
export type BootstrapTarget =
  /** The local daemon of the home, over its Unix socket. */
  | {kind: 'local'}
  /**
   * A Kafka cluster at these addresses; `orLocal`: Kafka's default address (localhost:9092) while the home names
   * no listener of its own: the local daemon when nothing listens there.
   */
  | {kind: 'kafka'; addresses: ListenerAddress[]; orLocal: boolean}

/**
 * Where a `--bootstrap-server` / `bootstrap.servers` value (`host:port[,host:port]`, checked as Kafka's tools check
 * it) points:
 * - every address the local broker's: an address of `listeners` / `advertised.listeners` in the home's
 *   server.properties, or of a listener the running daemon opened (`running`): the local daemon;
 * - Kafka's default, localhost:9092, when the home sets no listeners: the local daemon while nothing listens there
 *   (decided when connecting), else whatever listens there;
 * - anything else: the Kafka cluster at those addresses.
 */
export function resolveBootstrap(
  value: string,
  props: Readonly<Record<string, string>>,
  running: readonly ListenerAddress[] = [],
): BootstrapTarget {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (entries.length === 0) throw usageError(`Error while validating the bootstrap address '${value}'`)
  const configured = props['advertised.listeners'] !== undefined || props.listeners !== undefined
  const listeners = [...(configured ? listenerAddresses(props) : []), ...running]
  const me = hostname()
  const addresses: ListenerAddress[] = []
  let local = true
  let defaultOnly = !configured
  for (const entry of entries) {
    const match = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry)
    if (!match) throw usageError(`Please provide valid host:port like host1:9091,host2:9092 (got '${entry}')`)
    const host = match[1]!
    const port = Number(match[2])
    if (port > 65535) throw usageError(`Please provide valid host:port like host1:9091,host2:9092 (got '${entry}')`)
    const loopback = LOOPBACK.has(host) || host === me
    addresses.push({host: host.startsWith('[') ? host.slice(1, -1) : host || 'localhost', port})
    if (!listeners.some((l) => l.port === port && (host === l.host || loopback))) local = false
    if (!(loopback && port === DEFAULT_PORT)) defaultOnly = false
  }
  if (local) return {kind: 'local'}
  return {kind: 'kafka', addresses, orLocal: defaultOnly}
}

const DEFAULT_PORT = 9092

/** One entry of Kafka's `listeners` or `advertised.listeners`: NAME://host:port. */
export interface NamedListener {
  name: string
  host: string
  port: number
}

/** Parses a `listeners`-style list (`PLAINTEXT://127.0.0.1:9092,CONTROLLER://:9093`); `setting` names it in errors. */
export function parseListeners(value: string, setting: string): NamedListener[] {
  const out: NamedListener[] = []
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue
    const match = /^\s*([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\s*$/.exec(entry)
    if (!match) {
      throw new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Invalid ${setting} entry '${entry.trim()}': use NAME://host:port, for example PLAINTEXT://127.0.0.1:9092 (port 0 picks a free port).`,
      )
    }
    const port = Number(match[3])
    if (port > 65535) {
      throw new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Invalid ${setting} entry '${entry.trim()}': port ${port} is above 65535.`,
      )
    }
    const host = match[2]!.replace(/^\[(.*)\]$/, '$1')
    if (out.some((l) => l.name === match[1]!.toUpperCase())) {
      throw new KafkaException('BROKER_CONFIG_INVALID', `${setting} names listener ${match[1]} twice.`)
    }
    out.push({name: match[1]!.toUpperCase(), host, port})
  }
  return out
}

/** Kafka's default `listener.security.protocol.map`. */
export const DEFAULT_SECURITY_PROTOCOL_MAP =
  'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL'

/** A TLS listener's certificate and key (its PEM key store), and whom it asks for a certificate. */
export interface TlsServerSettings {
  key: string
  cert: string
  passphrase?: string
  /** The CAs a client certificate must chain to (ssl.truststore.*), for ssl.client.auth. */
  ca?: string
  clientAuth: 'none' | 'requested' | 'required'
}

/** A SASL listener's mechanisms and users. */
export interface SaslServerSettings {
  /** sasl.enabled.mechanisms that kafkalite speaks (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  mechanisms: string[]
  /** PLAIN's users and passwords: the user_<name>="password" options of the listener's PLAIN JAAS config. */
  plainUsers: Map<string, string>
}

/** A Kafka-protocol listener to open. */
export interface KafkaListenerSpec {
  name: string
  /** Its listener.security.protocol.map entry: TLS with `tls` for SSL and SASL_SSL, SASL with `sasl`. */
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  tls?: TlsServerSettings
  sasl?: SaslServerSettings
  /** The address to bind: loopback when the listener names no host. */
  host: string
  /** 0 picks a free port. */
  port: number
  /** What advertised.listeners says of it, or null: its bound address. */
  advertised: {host: string; port: number} | null
}

const LOOPBACK_NAMES = new Set(['', 'localhost'])

/**
 * The Kafka-protocol listeners the broker settings `props` ask for: only those `listeners` names explicitly (nothing
 * listens on TCP unless asked), without the KRaft controller's (`controller.listener.names`: kafkalite has no
 * controller), with `advertised.listeners` and `listener.security.protocol.map` applied. kafkalite's listeners speak
 * PLAINTEXT or SSL (PEM stores): a listener mapped to SASL is refused. A listener with no host (or localhost) binds loopback, where
 * Kafka would bind every interface: a host other than loopback must be named.
 */
export function kafkaListenersOf(props: Readonly<Record<string, string>>): KafkaListenerSpec[] {
  if (!Object.hasOwn(props, 'listeners')) return []
  const listeners = parseListeners(props.listeners!, 'listeners')
  const advertised = parseListeners(props['advertised.listeners'] ?? '', 'advertised.listeners')
  const protocols = new Map<string, string>()
  for (const entry of (props['listener.security.protocol.map'] ?? DEFAULT_SECURITY_PROTOCOL_MAP).split(',')) {
    const [name, protocol] = entry.split(':').map((s) => s.trim().toUpperCase())
    if (name && protocol) protocols.set(name, protocol)
  }
  const controllers = new Set(
    (props['controller.listener.names'] ?? '')
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter((s) => s !== ''),
  )
  const out: KafkaListenerSpec[] = []
  for (const l of listeners) {
    if (controllers.has(l.name)) continue
    const protocol = protocols.get(l.name) ?? (l.name === 'PLAINTEXT' ? 'PLAINTEXT' : undefined)
    if (protocol === undefined) {
      throw new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Listener ${l.name} has no security protocol: add ${l.name}:PLAINTEXT to listener.security.protocol.map`,
      )
    }
    if (protocol !== 'PLAINTEXT' && protocol !== 'SSL' && protocol !== 'SASL_PLAINTEXT' && protocol !== 'SASL_SSL') {
      throw new KafkaException(
        'BROKER_CONFIG_INVALID',
        `Listener ${l.name} is ${protocol}: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`,
      )
    }
    const ad = advertised.find((a) => a.name === l.name)
    out.push({
      name: l.name,
      protocol,
      ...(protocol === 'SSL' || protocol === 'SASL_SSL' ? {tls: tlsServerSettings(props, l.name)} : {}),
      ...(protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL' ? {sasl: saslServerSettings(props, l.name)} : {}),
      host: LOOPBACK_NAMES.has(l.host) ? '127.0.0.1' : l.host,
      port: l.port,
      advertised: ad ? {host: ad.host || 'localhost', port: ad.port} : null,
    })
  }
  return out
}

/**
 * The TLS settings of listener `name`: Kafka's ssl.* broker settings, each overridable per listener as
 * `listener.name.<name>.ssl.*`, with PEM stores (a file, or the PEM text itself).
 */
function tlsServerSettings(props: Readonly<Record<string, string>>, name: string): TlsServerSettings {
  return pemTlsServerSettings(
    (key) => props[`listener.name.${name.toLowerCase()}.${key}`] ?? props[key],
    (key) => key,
    (why) => new KafkaException('BROKER_CONFIG_INVALID', `Listener ${name} (SSL): ${why}`),
  )
}

/**
 * A TLS server's settings from Kafka's ssl.* names (PEM stores only: a file, or the PEM text itself), for every
 * listener that serves TLS: Kafka's SSL listeners, and the schema registry's https listeners (the same names under
 * kafkalite.schema.registry.). `get` reads a setting by its Kafka name, `named` gives the name to show in an error.
 */
export function pemTlsServerSettings(
  get: (key: string) => string | undefined,
  named: (key: string) => string,
  invalid: (why: string) => KafkaException,
): TlsServerSettings {
  for (const key of ['ssl.keystore.type', 'ssl.truststore.type']) {
    const type = get(key)
    if (type !== undefined && type.toUpperCase() !== 'PEM') {
      throw invalid(
        `${named(key)}=${type}: kafkalite reads PEM stores only (set ${named(key)}=PEM and convert the store)`,
      )
    }
  }
  const read = (key: string): string => {
    const path = get(key)!
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      throw invalid(`cannot read ${named(key)} '${path}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
    }
  }
  let key: string
  let cert: string
  if (get('ssl.keystore.key') !== undefined && get('ssl.keystore.certificate.chain') !== undefined) {
    key = get('ssl.keystore.key')!
    cert = get('ssl.keystore.certificate.chain')!
  } else if (get('ssl.keystore.location') !== undefined) {
    key = cert = read('ssl.keystore.location')
  } else {
    throw invalid(
      `set ${named('ssl.keystore.location')} to a PEM file holding the private key and the certificate chain`,
    )
  }
  const clientAuth = (get('ssl.client.auth') ?? 'none').trim().toLowerCase()
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') {
    throw invalid(`${named('ssl.client.auth')}=${clientAuth}: use none, requested or required`)
  }
  const out: TlsServerSettings = {key, cert, clientAuth}
  const password = get('ssl.key.password')
  if (password !== undefined) out.passphrase = password
  if (get('ssl.truststore.certificates') !== undefined) out.ca = get('ssl.truststore.certificates')
  else if (get('ssl.truststore.location') !== undefined) out.ca = read('ssl.truststore.location')
  if (clientAuth !== 'none' && out.ca === undefined) {
    throw invalid(
      `${named('ssl.client.auth')}=${clientAuth} needs ${named('ssl.truststore.location')} (the CAs of client certificates)`,
    )
  }
  return out
}

/** node:tls server options for a TLS listener's settings: its key store, and the client certificates it asks for. */
export function tlsServerOptions(tls: TlsServerSettings): TlsOptions {
  return {
    key: tls.key,
    cert: tls.cert,
    passphrase: tls.passphrase,
    ca: tls.ca,
    requestCert: tls.clientAuth !== 'none',
    rejectUnauthorized: tls.clientAuth === 'required',
  }
}

/**
 * The SASL settings of listener `name`: sasl.enabled.mechanisms (or listener.name.<name>.sasl.enabled.mechanisms),
 * and for PLAIN the users of listener.name.<name>.plain.sasl.jaas.config, as Kafka's PlainLoginModule reads them.
 */
function saslServerSettings(props: Readonly<Record<string, string>>, name: string): SaslServerSettings {
  const prefix = `listener.name.${name.toLowerCase()}.`
  const invalid = (why: string) => new KafkaException('BROKER_CONFIG_INVALID', `Listener ${name} (SASL): ${why}`)
  const enabled = (props[`${prefix}sasl.enabled.mechanisms`] ?? props['sasl.enabled.mechanisms'] ?? 'GSSAPI')
    .split(',')
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m !== '')
  const unsupported = enabled.filter((m) => !SERVER_SASL_MECHANISMS.has(m))
  if (unsupported.length > 0) {
    throw invalid(
      `sasl.enabled.mechanisms names ${unsupported.join(', ')}: kafkalite's listeners speak PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; set it to those it should offer`,
    )
  }
  // PLAIN's users come from the listener's JAAS config; SCRAM's are the broker's stored credentials.
  const plainUsers = new Map<string, string>()
  if (!enabled.includes('PLAIN')) return {mechanisms: enabled, plainUsers}
  const jaasKey = `${prefix}plain.sasl.jaas.config`
  const jaas = props[jaasKey]
  if (jaas === undefined) {
    throw invalid(
      `set ${jaasKey} to org.apache.kafka.common.security.plain.PlainLoginModule required user_<name>="<password>";`,
    )
  }
  let options: Map<string, string>
  try {
    ;({options} = parseJaasConfig(jaas))
  } catch (error) {
    throw invalid(`${jaasKey}: ${(error as Error).message}`)
  }
  for (const [key, value] of options) if (key.startsWith('user_')) plainUsers.set(key.slice('user_'.length), value)
  if (plainUsers.size === 0) throw invalid(`${jaasKey} names no user: add user_<name>="<password>"`)
  return {mechanisms: enabled, plainUsers}
}

/** The SASL mechanisms kafkalite's listeners serve. */
const SERVER_SASL_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])

/** A listener as Kafka writes one: NAME://host:port, an IPv6 host in brackets. */
export function listenerUrl(name: string, host: string, port: number): string {
  return `${name}://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** What a bound listener is called in messages: its address, and what it advertises when that differs. */
export function describeListener(l: {
  name: string
  host: string
  port: number
  advertisedHost: string
  advertisedPort: number
}): string {
  const bound = listenerUrl(l.name, l.host, l.port)
  const same = l.advertisedHost === l.host && l.advertisedPort === l.port
  return same
    ? bound
    : `${bound} (advertised as ${listenerUrl(l.name, l.advertisedHost, l.advertisedPort).replace(/^[^:]+:\/\//, '')})`
}
