// kafka-configs (ConfigCommand): how it reads its entities, --add-config and --delete-config, what it prints, and its
// rules for user SCRAM credentials and client quotas. The command (commands/configs.ts) drives the Admin client with
// these.
import type {ClientQuotaEntity, ClientQuotaEntry, ClientQuotaFilterComponent, ConfigEntry} from '../client/admin.js'
import {usageError} from '../errors.js'
import {javaDouble, javaHashMapOrder, javaMapHash, javaStringHash} from '../java-text.js'
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
 * A user's SCRAM credentials to set and delete (only SCRAM mechanisms: see quotaOrScramChanges),
 * `[iterations=N,]password=...`, iterations at least the mechanism's minimum (4096), as
 * ConfigCommand.alterUserScramCredentialConfigs reads them.
 */
export function userScramChanges(
  add: ReadonlyMap<string, string>,
  remove: readonly string[],
): {upserts: ScramUpsert[]; deletes: ScramMechanism[]} {
  const upserts = [...add].map(([mechanism, value]) => {
    const m = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(value)
    if (m === null) throw usageError(`Invalid credential property ${mechanism}=${value}`)
    const iterations = m[1] === undefined || m[1] === '-1' ? SCRAM_DEFAULT_ITERATIONS : Number(m[1])
    const minimum = 4096
    if (!Number.isSafeInteger(iterations) || iterations < minimum) {
      throw usageError(`Iterations ${m[1]} is less than the minimum ${minimum} required for ${mechanism}`)
    }
    return {mechanism: mechanism as ScramMechanism, iterations, password: m[2]!}
  })
  return {upserts, deletes: remove as ScramMechanism[]}
}

/** Kafka's client quota config names (QuotaConfig.isClientOrUserQuotaConfig). */
export const QUOTA_CONFIGS: ReadonlySet<string> = new Set([
  'producer_byte_rate',
  'consumer_byte_rate',
  'request_percentage',
  'controller_mutation_rate',
])

/** Names joined as Kafka's tool joins a HashSet of them: in the set's iteration order, with commas. */
function javaSetText(names: readonly string[]): string {
  const unique = [...new Set(names)]
  return javaHashMapOrder(unique.map(javaStringHash), 16)
    .map((i) => unique[i]!)
    .join(',')
}

/**
 * What an --alter of users or clients changes, with ConfigCommand.alterConfig's rules: clients (or a user with a
 * client) take quota configs only; users take quota configs or SCRAM credentials, not both at once, and no SCRAM
 * credentials for the default user.
 */
export function quotaOrScramChanges(
  add: ReadonlyMap<string, string>,
  remove: readonly string[],
  types: readonly string[],
  names: readonly string[],
): 'quotas' | 'scram' {
  const isScram = (k: string) => isScramMechanism(k)
  const unknownAdd = [...add.keys()].filter((k) => !isScram(k) && !QUOTA_CONFIGS.has(k))
  const scramAdd = [...add.keys()].filter(isScram)
  const unknownDelete = remove.filter((k) => !isScram(k) && !QUOTA_CONFIGS.has(k))
  const scramDelete = remove.filter(isScram)
  const quotas = [...add.keys(), ...remove].some((k) => QUOTA_CONFIGS.has(k))
  if (types[0] === 'clients' || types.length === 2) {
    if (unknownAdd.length + scramAdd.length > 0) {
      throw usageError(
        `Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: ${javaSetText([...unknownAdd, ...scramAdd])}`,
      )
    }
    if (unknownDelete.length + scramDelete.length > 0) {
      throw usageError(
        `Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: ${javaSetText([...unknownDelete, ...scramDelete])}`,
      )
    }
  } else {
    if (unknownAdd.length > 0) {
      throw usageError(
        `Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: ${javaSetText(unknownAdd)}`,
      )
    }
    if (unknownDelete.length > 0) {
      throw usageError(
        `Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: ${javaSetText(unknownDelete)}`,
      )
    }
    if (scramAdd.length + scramDelete.length > 0) {
      if (names.includes('')) {
        throw usageError(
          'The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.',
        )
      }
      if (quotas) {
        throw usageError(
          "Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.",
        )
      }
    }
  }
  return quotas ? 'quotas' : 'scram'
}

/** Kafka's quota entity type of a kafka-configs entity type. */
const QUOTA_ENTITY_TYPE: Readonly<Record<string, string>> = {users: 'user', clients: 'client-id', ips: 'ip'}

/**
 * The client quota filter of kafka-configs' entities (getAllClientQuotasConfigs): per entity type, its name, the
 * default (''), or any name when the type has no name; strict (containsOnly).
 */
export function quotaFilterComponents(
  types: readonly string[],
  names: readonly string[],
): ClientQuotaFilterComponent[] {
  const components: ClientQuotaFilterComponent[] = []
  for (let i = 0; i < Math.max(types.length, names.length); i++) {
    if (i >= types.length) throw usageError('More entity names specified than entity types')
    const entityType = QUOTA_ENTITY_TYPE[types[i]!]
    if (entityType === undefined) throw usageError(`Unexpected entity type ${types[i]}`)
    const name = names[i]
    components.push(name === undefined ? {entityType} : {entityType, match: name === '' ? null : name})
  }
  return components
}

/** The quota entity of kafka-configs' entities, for an alteration: names, null for a default. */
export function quotaEntity(types: readonly string[], names: readonly string[]): ClientQuotaEntity {
  const entity: ClientQuotaEntity = {}
  types.forEach((t, i) => {
    entity[QUOTA_ENTITY_TYPE[t]!] = names[i] === '' ? null : names[i]!
  })
  return entity
}

/**
 * Java's Double.parseDouble, as ConfigCommand reads a quota value: surrounding whitespace, a sign, NaN, Infinity,
 * decimal with an exponent and an f/d suffix, hexadecimal with a binary exponent. undefined where Java throws.
 */
export function javaParseDouble(text: string): number | undefined {
  // eslint-disable-next-line no-control-regex
  const s = text.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '')
  const m =
    /^([+-]?)(?:(NaN)|(Infinity)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?|0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)[fFdD]?)$/.exec(
      s,
    )
  if (m === null) return undefined
  const sign = m[1] === '-' ? -1 : 1
  if (m[2] !== undefined) return NaN
  if (m[3] !== undefined) return sign * Infinity
  if (m[4] !== undefined) return sign * Number(m[4])
  const whole = m[5] ?? ''
  const fraction = m[6] ?? ''
  if (whole === '' && fraction === '') return undefined
  const mantissa = parseInt(`${whole}${fraction}` || '0', 16) / 16 ** fraction.length
  return sign * mantissa * 2 ** Number(m[7])
}

/** Java's hashCode of a ClientQuotaEntity: Objects.hash(entries), its map's entries' key and value hashes XORed. */
function entityHash(entity: ClientQuotaEntity): number {
  return (31 + javaMapHash(Object.entries(entity))) | 0
}

/**
 * The entities of a describeClientQuotas answer in the order Kafka's tool prints them: that of the HashMap the admin
 * client returns them in.
 */
export function inJavaOrder(entries: readonly ClientQuotaEntry[]): ClientQuotaEntry[] {
  return javaHashMapOrder(
    entries.map((e) => entityHash(e.entity)),
    entries.length,
  ).map((i) => entries[i]!)
}

/**
 * `Quota configs for user-principal 'alice', client-id 'c1' are producer_byte_rate=1024.0, ...`: the entity's parts
 * (user, client-id, ip; `the default user-principal` for a default), its quotas in the order of Kafka's HashMap, the
 * values as Java prints doubles.
 */
export function quotaDescriptionLine(entry: ClientQuotaEntry): string {
  const parts: string[] = []
  for (const [type, label] of [
    ['user', 'user-principal'],
    ['client-id', 'client-id'],
    ['ip', 'ip'],
  ] as const) {
    if (!Object.hasOwn(entry.entity, type)) continue
    const name = entry.entity[type]
    parts.push(name === null || name === '' ? `the default ${label}` : `${label} '${name}'`)
  }
  const keys = Object.keys(entry.values)
  const values = javaHashMapOrder(keys.map(javaStringHash), keys.length)
    .map((i) => `${keys[i]}=${javaDouble(entry.values[keys[i]!]!)}`)
    .join(', ')
  return `Quota configs for ${parts.join(', ')} are ${values}`
}

/**
 * `SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, ...`, the mechanisms in
 * the broker's order, as Kafka's tool prints them.
 */
export function scramDescriptionLine(user: string, credentials: readonly {mechanism: string; iterations: number}[]) {
  const text = credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')
  return `SCRAM credential configs for user-principal '${user}' are ${text}`
}

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
