// kafka-configs (ConfigCommand): how it reads --add-config and --delete-config, what it prints, and its rules for
// user SCRAM credentials. The command (commands/configs.ts) drives the Admin client with these.
import type {ConfigEntry} from '../client/admin.js'
import {usageError} from '../errors.js'
import {isScramMechanism, SCRAM_DEFAULT_ITERATIONS, type ScramMechanism} from '../scram.js'

/** A lookahead that is true outside `[...]`: commas and `=` inside brackets belong to the value. */
const OUTSIDE_BRACKETS = String.raw`(?=[^\]]*(?:\[|$))`

/**
 * --add-config `k1=v1,k2=[v1,v2],k3=v3`, as ConfigCommand.parseConfigsToBeAdded reads it: split on commas outside
 * brackets, each pair on its first `=` outside brackets, brackets removed from values, keys checked.
 */
export function parseConfigsToAdd(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const item of text.split(new RegExp(`,${OUTSIDE_BRACKETS}`))) {
    const pair = item.split(new RegExp(String.raw`\s*=\s*${OUTSIDE_BRACKETS}`))
    if (pair.length !== 2) {
      throw usageError(
        'Invalid entity config: all configs to be added must be in the format "key=val" or  "key=[val1,val2]" to group values which contain commas.',
      )
    }
    const key = pair[0]!.trim()
    checkKey(key)
    out.set(key, pair[1]!.replace(/\[?\]?/g, '').trim())
  }
  return out
}

/** --add-config-file: a properties file's entries, keys checked as --add-config's are. */
export function configsFromProperties(props: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(props)) {
    checkKey(key)
    out.set(key, value)
  }
  return out
}

/** --delete-config `k1,k2`. */
export function parseConfigsToDelete(text: string): string[] {
  return text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
}

function checkKey(key: string): void {
  if (!/^[a-zA-Z0-9._-]*$/.test(key)) throw usageError(`Invalid character found for config key: ${key}`)
}

/** One config line of `--describe`: `  name=value sensitive=false synonyms={SOURCE:name=value, ...}`. */
export function configLine(e: ConfigEntry): string {
  const value = e.sensitive ? null : e.value
  const synonyms = e.synonyms.map((s) => `${s.source}:${s.name}=${e.sensitive ? null : s.value}`).join(', ')
  return `  ${e.name}=${value} sensitive=${e.sensitive} synonyms={${synonyms}}`
}

/** What `--describe` lists of a topic: its overrides (Kafka's dynamic topic configs), or everything with --all. */
export function topicConfigsToShow(entries: readonly ConfigEntry[], all: boolean): ConfigEntry[] {
  return entries
    .filter((e) => all || e.source === 'DYNAMIC_TOPIC_CONFIG')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** A SCRAM credential to set: `SCRAM-SHA-256=[iterations=8192,password=alice-secret]` read as ConfigCommand does. */
export interface ScramUpsert {
  mechanism: ScramMechanism
  iterations: number
  password: string
}

/**
 * A user's --add-config and --delete-config, as ConfigCommand.alterUserScramCredentialConfigs takes them: only
 * SCRAM mechanisms (kafkalite has no quotas), `[iterations=N,]password=...`, iterations at least the mechanism's
 * minimum (4096).
 */
export function userScramChanges(
  add: ReadonlyMap<string, string>,
  remove: readonly string[],
): {upserts: ScramUpsert[]; deletes: ScramMechanism[]} {
  const quota = [...add.keys(), ...remove].filter((k) => QUOTA_CONFIGS.has(k))
  if (quota.length > 0) {
    throw usageError(
      `kafkalite has no client quotas: ${quota.join(', ')} cannot be set for users; only SCRAM credentials (SCRAM-SHA-256, SCRAM-SHA-512) can.`,
    )
  }
  const unknownAdded = [...add.keys()].filter((k) => !isScramMechanism(k))
  if (unknownAdded.length > 0) {
    throw usageError(
      `Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: [${unknownAdded.join(', ')}]`,
    )
  }
  const unknownDeleted = remove.filter((k) => !isScramMechanism(k))
  if (unknownDeleted.length > 0) {
    throw usageError(
      `Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: [${unknownDeleted.join(', ')}]`,
    )
  }
  const upserts = [...add].map(([mechanism, value]) => {
    const m = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(value)
    if (m === null) throw usageError(`Invalid credential property ${mechanism}=${value}`)
    const iterations = m[1] === undefined ? SCRAM_DEFAULT_ITERATIONS : Number(m[1])
    const minimum = 4096
    if (!Number.isSafeInteger(iterations) || iterations < minimum) {
      throw usageError(`Iterations ${m[1]} is less than the minimum ${minimum} required for ${mechanism}`)
    }
    return {mechanism: mechanism as ScramMechanism, iterations, password: m[2]!}
  })
  return {upserts, deletes: remove as ScramMechanism[]}
}

/**
 * `SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, ...`, the mechanisms in
 * the broker's order, as Kafka's tool prints them.
 */
export function scramDescriptionLine(user: string, credentials: readonly {mechanism: string; iterations: number}[]) {
  const text = credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')
  return `SCRAM credential configs for user-principal '${user}' are ${text}`
}

/** Kafka's client quota config names (QuotaConfig): kafkalite enforces none. */
const QUOTA_CONFIGS = new Set([
  'producer_byte_rate',
  'consumer_byte_rate',
  'request_percentage',
  'controller_mutation_rate',
  'connection_creation_rate',
])

/**
 * kafka-storage.sh format's --add-scram: `SCRAM-SHA-256=[name=alice,password=alice-secret]`, or with
 * `iterations=`, or `salt=` and `saltedpassword=` (base64, quotes allowed) instead of a password.
 */
export function parseAddScram(text: string): {
  name: string
  mechanism: ScramMechanism
  iterations: number
  password?: string
  salt?: Buffer
  saltedPassword?: Buffer
} {
  const m = /^([A-Za-z0-9-]+)=\[(.*)\]$/s.exec(text.trim())
  const bad = (why: string) =>
    usageError(
      `Invalid --add-scram '${text}': ${why}. Use SCRAM-SHA-256=[name=alice,password=alice-secret] (or SCRAM-SHA-512; iterations=, or salt= and saltedpassword= instead of password=).`,
    )
  if (m === null) throw bad('expected MECHANISM=[key=value,...]')
  const mechanism = m[1]!
  if (!isScramMechanism(mechanism)) throw bad(`unknown mechanism ${mechanism}`)
  const fields = new Map<string, string>()
  for (const part of m[2]!.split(',')) {
    const eq = part.indexOf('=')
    if (eq <= 0) throw bad(`'${part}' is not key=value`)
    fields.set(
      part.slice(0, eq).trim().toLowerCase(),
      part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/s, '$1'),
    )
  }
  const name = fields.get('name')
  if (!name) throw bad('name= is missing')
  const iterations = fields.has('iterations') ? Number(fields.get('iterations')) : SCRAM_DEFAULT_ITERATIONS
  if (!Number.isSafeInteger(iterations) || iterations < 4096 || iterations > 16384) {
    throw bad(`iterations ${fields.get('iterations')} is outside 4096-16384`)
  }
  const password = fields.get('password')
  if (password !== undefined) return {name, mechanism, iterations, password}
  const salt = fields.get('salt')
  const salted = fields.get('saltedpassword')
  if (salt === undefined || salted === undefined) throw bad('give password=, or salt= and saltedpassword=')
  return {name, mechanism, iterations, salt: Buffer.from(salt, 'base64'), saltedPassword: Buffer.from(salted, 'base64')}
}
