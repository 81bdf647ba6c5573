// `--bootstrap-server` compatibility. Scripts written for Kafka pass an address; kafkalite has no network listener,
// so an address is only a name for the local broker: the broker's listener address (localhost:9092 unless
// server.properties says otherwise) means "the daemon of this KAFKALITE_HOME", anything else is refused clearly.
import {hostname} from 'node:os'
import {KafkaException, usageError} from './errors.js'

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
 * Checks a `--bootstrap-server` / `bootstrap.servers` value as Kafka's tools do (`host:port[,host:port]`), then
 * requires every entry to name the local broker.
 */
export function checkBootstrapServers(value: string, props: Readonly<Record<string, string>>): void {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (entries.length === 0) throw usageError(`Error while validating the bootstrap address '${value}'`)
  const listeners = listenerAddresses(props)
  const me = hostname()
  for (const entry of entries) {
    const match = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry)
    if (!match) throw usageError(`Please provide valid host:port like host1:9091,host2:9092 (got '${entry}')`)
    const host = match[1]!
    const port = Number(match[2])
    const local = listeners.some((l) => l.port === port && (host === l.host || LOOPBACK.has(host) || host === me))
    if (!local) {
      const here = listeners.map((l) => `${l.host || 'localhost'}:${l.port}`).join(',')
      throw new KafkaException(
        'REMOTE_CLUSTER_UNSUPPORTED',
        `Bootstrap server '${entry}' is not the local kafkalite broker (${here}); remote clusters are not supported yet. Drop --bootstrap-server or use ${here}.`,
      )
    }
  }
}

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
