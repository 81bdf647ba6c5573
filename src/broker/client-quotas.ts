// Client quotas, with Kafka's rules: which entities may have quotas, which keys and values they take
// (ClientQuotaControlManager), how a filter matches them (ClientQuotasImage.describe), and the meters that enforce
// them (quota-meter.ts) on produce, fetch and request time.
//
// - An entity is a user, a client id, or a user with a client id; either may be the default (Kafka's `<default>`,
//   null on the wire). Quotas of ip entities (connection_creation_rate, KIP-612) are refused: kafkalite does not
//   limit connections.
// - Keys: producer_byte_rate and consumer_byte_rate (bytes per second, whole numbers), request_percentage (percent of
//   one thread's time) and controller_mutation_rate (partitions created or deleted per second). Values must be finite
//   and above 0; removing a key the entity does not have does nothing.
// - An alteration is all or nothing for its entity: one bad op and none of its ops apply; other entities of the
//   request apply. An entity twice in a request, or a key twice for an entity, fails that entity, with Kafka's
//   message ("Ignoring duplicate entity ...").
// - Stored (migrations/0090-client-quotas.ts) and read back at start; the meters follow every change at once.
// - controller_mutation_rate is kept and described, not enforced: kafkalite's CreateTopics, CreatePartitions and
//   DeleteTopics are not throttled.
import {KafkaException, type ErrorData} from '../errors.js'
import {
  javaBucketOrder,
  javaHashMapOrder,
  javaMapHash,
  javaMapText,
  javaStringHash,
  javaTableAfterPutAlls,
  tableSizeFor,
} from '../java-text.js'
import type {ClientQuotaEntityData, ParsedRequests, Responses} from '../protocol/socket/messages.js'
import type {ClientQuotaChange, Store} from '../store/store.js'
import {QuotaMeter, type MeterEntity, type QuotaWindows} from './quota-meter.js'

export type {QuotaWindows}

/** Kafka's client quota config keys (QuotaConfig.userAndClientQuotaConfigs) and their ConfigDef types. */
export const CLIENT_QUOTA_KEYS: Readonly<Record<string, 'LONG' | 'DOUBLE'>> = {
  producer_byte_rate: 'LONG',
  consumer_byte_rate: 'LONG',
  request_percentage: 'DOUBLE',
  controller_mutation_rate: 'DOUBLE',
}

const USER = 'user'
const CLIENT_ID = 'client-id'
const IP = 'ip'

type Describe = ParsedRequests['describeClientQuotas']
type Alter = ParsedRequests['alterClientQuotas']

/** An entity with its quotas. */
interface Entry extends MeterEntity {
  values: Map<string, number>
}

const invalid = (message: string): ErrorData => ({code: 'INVALID_REQUEST', message})

/** Who a request comes from, as quotas see it: the user principal's name (ANONYMOUS unauthenticated) and client id. */
export interface QuotaClient {
  user: string
  clientId: string
}

export class ClientQuotas {
  /** producer_byte_rate: bytes of Produce requests. */
  readonly produce: QuotaMeter
  /** consumer_byte_rate: bytes of Fetch responses. */
  readonly fetch: QuotaMeter
  /** request_percentage: time spent handling requests, as a percentage of one second per second. */
  readonly request: QuotaMeter
  readonly #store: Store
  readonly #entries = new Map<string, Entry>()
  readonly #now: () => number

  constructor(store: Store, windows: QuotaWindows, now: () => number = Date.now) {
    this.#store = store
    this.#now = now
    this.produce = new QuotaMeter('Produce', windows)
    this.fetch = new QuotaMeter('Fetch', windows)
    // Kafka bounds a request-time throttle to one window (ClientRequestQuotaManager.maxThrottleTimeMs).
    this.request = new QuotaMeter('Request', windows, windows.windowMs)
    for (const row of store.listClientQuotas()) this.#apply(row.user, row.clientId, row.key, row.value)
  }

  /** Whether any client quota is enforced: when not, front ends skip measuring altogether. */
  get enforced(): boolean {
    return this.produce.enabled || this.fetch.enabled || this.request.enabled
  }

  /**
   * The throttle time of a Produce request (KafkaApis.handleProduceRequest): its bytes against producer_byte_rate,
   * and (unless acks=0) its handling time against request_percentage; the longer of the two.
   */
  throttleProduce(client: QuotaClient, requestBytes: number, acks: number, requestNanos: number): number {
    const now = this.#now()
    const bandwidth = this.produce.recordAndGetThrottleTimeMs(client.user, client.clientId, requestBytes, now)
    const request = acks === 0 ? 0 : this.#requestTime(client, requestNanos, now)
    return Math.max(bandwidth, request)
  }

  /** The most bytes a fetch of this client may return (Kafka caps fetch.max.bytes at maxValueInQuotaWindow). */
  fetchMaxBytes(client: QuotaClient): number {
    return this.fetch.maxValueInQuotaWindow(client.user, client.clientId, this.#now())
  }

  /**
   * The throttle time of a Fetch response of `responseBytes` (KafkaApis.handleFetchRequest): handling time against
   * request_percentage, then bytes against consumer_byte_rate; the longer of the two. When throttled the bytes are
   * taken back, as the response goes out empty.
   */
  throttleFetch(client: QuotaClient, responseBytes: number, requestNanos: number): number {
    const now = this.#now()
    const request = this.#requestTime(client, requestNanos, now)
    const bandwidth = this.fetch.recordAndGetThrottleTimeMs(client.user, client.clientId, responseBytes, now)
    const throttle = Math.max(bandwidth, request)
    if (throttle > 0) this.fetch.record(client.user, client.clientId, -responseBytes, now)
    return throttle
  }

  /** The throttle time of any other request: its handling time against request_percentage. */
  throttleRequest(client: QuotaClient, requestNanos: number): number {
    return this.#requestTime(client, requestNanos, this.#now())
  }

  #requestTime(client: QuotaClient, nanos: number, now: number): number {
    if (!this.request.enabled) return 0
    // ClientRequestQuotaManager.nanosToPercentage: time as a percentage of one second.
    return this.request.recordAndGetThrottleTimeMs(client.user, client.clientId, (nanos * 100) / 1e9, now)
  }

  /** The quotas of the entities a filter matches (ClientQuotasImage.describe); a bad filter throws. */
  describe(req: Describe): Responses['describeClientQuotas'] {
    const exact = new Map<string, string | null>()
    const any = new Set<string>()
    for (const c of req.components) {
      if (c.entityType === '') throw new KafkaException('INVALID_REQUEST', 'Invalid empty entity type.')
      if (exact.has(c.entityType) || any.has(c.entityType)) {
        throw new KafkaException(
          'INVALID_REQUEST',
          `Entity type ${c.entityType} cannot appear more than once in the filter.`,
        )
      }
      if (c.entityType !== IP && c.entityType !== USER && c.entityType !== CLIENT_ID) {
        throw new KafkaException('UNSUPPORTED_VERSION', `Unsupported entity type ${c.entityType}`)
      }
      if (c.matchType === 0) {
        if (c.match === null) {
          throw new KafkaException(
            'INVALID_REQUEST',
            'Request specified MATCH_TYPE_EXACT, but set match string to null.',
          )
        }
        exact.set(c.entityType, c.match)
      } else if (c.matchType === 1) {
        if (c.match !== null) {
          throw new KafkaException(
            'INVALID_REQUEST',
            'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.',
          )
        }
        exact.set(c.entityType, null)
      } else if (c.matchType === 2) {
        if (c.match !== null) {
          throw new KafkaException(
            'INVALID_REQUEST',
            'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.',
          )
        }
        any.add(c.entityType)
      } else {
        throw new KafkaException('INVALID_REQUEST', `Unknown match type ${c.matchType}`)
      }
    }
    const has = (type: string) => exact.has(type) || any.has(type)
    if (has(IP) && (has(USER) || has(CLIENT_ID))) {
      throw new KafkaException(
        'INVALID_REQUEST',
        'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
      )
    }
    const matches = (e: Entry) => {
      const parts = entityParts(e)
      if (req.strict && parts.size !== exact.size + any.size) return false
      for (const [type, name] of exact) if (!parts.has(type) || parts.get(type) !== name) return false
      for (const type of any) if (!parts.has(type)) return false
      return true
    }
    const entries = this.#kafkaOrder(exact, any)
      .filter(matches)
      .map((e) => ({
        entity: [...entityParts(e)].map(([entityType, entityName]) => ({entityType, entityName})),
        values: kafkaValueOrder([...e.values]).map(([key, value]) => ({key, value})),
      }))
    return {entries}
  }

  /**
   * The entities in the order Kafka 4.4's broker answers them (ClientQuotasImage.matches): that of the HashMap of
   * candidates it builds from its index by type and name, so that a tool that prints the answer as it iterates a
   * HashMap of it prints entities whose buckets collide in Kafka's order. The candidates: with an exact component,
   * a copy of the index's map of that (type, name); else with a type component, the index's maps of every name of
   * that type put into one; else every entity. Ties within a bucket (unknowable: they follow the broker's history)
   * keep a stable order.
   */
  #kafkaOrder(exact: ReadonlyMap<string, string | null>, any: ReadonlySet<string>): Entry[] {
    const all = [...this.#entries.values()].sort(compareEntities)
    const hash = (e: Entry) => (31 + javaMapHash(entityParts(e))) | 0
    /** The index of a type: its names in the order of their HashMap, each with its entities in theirs. */
    const index = (type: string) => {
      const byName = new Map<string | null, Entry[]>()
      for (const e of all) {
        const parts = entityParts(e)
        if (!parts.has(type)) continue
        const name = parts.get(type)!
        byName.set(name, [...(byName.get(name) ?? []), e])
      }
      const names = [...byName.keys()]
      return javaHashMapOrder(names.map((n) => (n === null ? 0 : javaStringHash(n)))).map((i) => {
        const inner = byName.get(names[i]!)!
        return javaHashMapOrder(inner.map(hash)).map((j) => inner[j]!)
      })
    }
    const firstOf = (types: Iterable<string>) => {
      const list = [...types]
      return list[javaHashMapOrder(list.map(javaStringHash))[0]!]
    }
    let inserted: Entry[]
    let table: number
    const firstExact = firstOf(exact.keys())
    const firstAny = firstOf(any)
    if (firstExact !== undefined) {
      const name = exact.get(firstExact)!
      inserted = index(firstExact).find((inner) => entityParts(inner[0]!).get(firstExact) === name) ?? []
      table = tableSizeFor(Math.trunc(inserted.length / 0.75 + 1))
    } else if (firstAny !== undefined) {
      const inners = index(firstAny)
      inserted = inners.flat()
      table = javaTableAfterPutAlls(inners.map((inner) => inner.length))
    } else {
      return javaHashMapOrder(all.map(hash)).map((i) => all[i]!)
    }
    return javaBucketOrder(inserted.map(hash), table).map((i) => inserted[i]!)
  }

  /**
   * Sets and removes quotas (ClientQuotaControlManager.alterClientQuotas): each entity's ops all apply or none do;
   * `validateOnly` checks without applying. A result per entity, in the order of the request.
   */
  alter(req: Alter): Responses['alterClientQuotas'] {
    const results = new Map<string, {entity: ClientQuotaEntityData[]; error?: ErrorData}>()
    const changes: ClientQuotaChange[] = []
    for (const entry of req.entries) {
      // AlterClientQuotasRequest.entries(): the entity as a map (a type given twice: the last name), the ops with
      // a null value for removal.
      const parts = new Map<string, string | null>()
      for (const e of entry.entity) parts.set(e.entityType, e.entityName)
      const key = partsKey(parts)
      const entity = [...parts].map(([entityType, entityName]) => ({entityType, entityName}))
      const ops = new Map<string, number | null>()
      let duplicateKey: string | undefined
      for (const op of entry.ops) {
        if (ops.has(op.key)) duplicateKey ??= op.key
        else ops.set(op.key, op.remove ? null : toNumber(op.value))
      }
      if (duplicateKey !== undefined || results.has(key)) {
        // Kafka marks the entity failed on a duplicate key, then finds it failed and reports it as a duplicate entity.
        results.set(key, {entity, error: invalid(`Ignoring duplicate entity ${entityText(entry.entity)}`)})
        continue
      }
      const problem = this.#alterEntity(parts, ops, changes)
      results.set(key, problem ? {entity, error: problem} : {entity})
    }
    if (!req.validateOnly && changes.length > 0) {
      this.#store.alterClientQuotas(changes)
      for (const c of changes) this.#apply(c.user, c.clientId, c.key, c.value)
    }
    return {entries: [...results.values()]}
  }

  /** Reads the quotas back from the store: a unit of work the storage refused was rolled back. */
  restore(): void {
    for (const e of [...this.#entries.values()]) {
      for (const key of [...e.values.keys()]) this.#apply(e.user, e.clientId, key, null)
    }
    for (const row of this.#store.listClientQuotas()) this.#apply(row.user, row.clientId, row.key, row.value)
  }

  /** Checks one entity's ops; adds its changes to `changes` when all are valid, else returns the first problem. */
  #alterEntity(
    parts: ReadonlyMap<string, string | null>,
    ops: ReadonlyMap<string, number | null>,
    changes: ClientQuotaChange[],
  ): ErrorData | undefined {
    if (parts.size === 0) return invalid('Invalid empty client quota entity')
    // Kafka walks the entity and the ops as HashMaps: the first problem in that order is reported.
    for (const [type, name] of javaOrder([...parts])) {
      if (type !== USER && type !== CLIENT_ID && type !== IP) {
        return invalid(`Unhandled client quota entity type: ${type}`)
      }
      if (name === '') return invalid(`Empty ${type} not supported`)
    }
    if (parts.has(IP)) {
      if (parts.has(USER) || parts.has(CLIENT_ID)) {
        return invalid('Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId')
      }
      return invalid(
        'kafkalite does not limit connections: ip entities (connection_creation_rate, KIP-612) cannot be altered.',
      )
    }
    const user = parts.has(USER) ? (parts.get(USER) ?? '') : null
    const clientId = parts.has(CLIENT_ID) ? (parts.get(CLIENT_ID) ?? '') : null
    const current = this.#entries.get(partsKey(parts))?.values
    const mine: ClientQuotaChange[] = []
    for (const [key, value] of javaOrder([...ops])) {
      if (value === null) {
        if (current?.has(key)) mine.push({user, clientId, key, value: null})
        continue
      }
      const problem = checkQuota(key, value)
      if (problem) return problem
      if (current?.get(key) !== value) mine.push({user, clientId, key, value})
    }
    changes.push(...mine)
    return undefined
  }

  /** Applies one stored change to memory and to the meter of its key. */
  #apply(user: string | null, clientId: string | null, key: string, value: number | null): void {
    const k = partsKey(partsOf(user, clientId))
    let entry = this.#entries.get(k)
    if (value === null) {
      entry?.values.delete(key)
      if (entry?.values.size === 0) this.#entries.delete(k)
    } else {
      if (entry === undefined) this.#entries.set(k, (entry = {user, clientId, values: new Map()}))
      entry.values.set(key, value)
    }
    const meter =
      key === 'producer_byte_rate'
        ? this.produce
        : key === 'consumer_byte_rate'
          ? this.fetch
          : key === 'request_percentage'
            ? this.request
            : undefined
    meter?.update({user, clientId}, value ?? undefined)
  }
}

/**
 * An entity's quotas in the order Kafka's broker answers them: that of its image's HashMap, rebuilt for every change
 * at the size it holds (by bucket; keys in one bucket in the order they were set).
 */
function kafkaValueOrder(values: readonly (readonly [string, number])[]): (readonly [string, number])[] {
  const table = tableSizeFor(Math.trunc(values.length / 0.75 + 1))
  return javaBucketOrder(
    values.map(([k]) => javaStringHash(k)),
    table,
  ).map((i) => values[i]!)
}

/** QuotaConfig's checks of a value (ClientQuotaControlManager.validateQuotaKeyValue). */
function checkQuota(key: string, value: number): ErrorData | undefined {
  const type = Object.hasOwn(CLIENT_QUOTA_KEYS, key) ? CLIENT_QUOTA_KEYS[key] : undefined
  if (type === undefined) return invalid(`Invalid configuration key ${key}`)
  if (!Number.isFinite(value)) return invalid(`Quota ${key} must be a finite number`)
  if (value <= 0) return invalid(`Quota ${key} must be greater than 0`)
  if (type === 'LONG') {
    if (value > 2 ** 63) return invalid(`Proposed value for ${key} is too large for a LONG.`)
    if (Math.abs(value % 1) > 1e-6) return invalid(`${key} cannot be a fractional value.`)
  }
  return undefined
}

function toNumber(v: number | 'NaN' | 'Infinity' | '-Infinity'): number {
  return typeof v === 'number' ? v : Number(v)
}

/** An entity's parts as Kafka's ClientQuotaEntity map: user first, then client-id. */
function entityParts(e: MeterEntity): Map<string, string | null> {
  return partsOf(e.user, e.clientId)
}

function partsOf(user: string | null, clientId: string | null): Map<string, string | null> {
  const parts = new Map<string, string | null>()
  if (user !== null) parts.set(USER, user === '' ? null : user)
  if (clientId !== null) parts.set(CLIENT_ID, clientId === '' ? null : clientId)
  return parts
}

/** A map key of an entity's parts, whatever their order. */
function partsKey(parts: ReadonlyMap<string, string | null>): string {
  return JSON.stringify([...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Entries in the order a Java HashMap of them iterates (created with their count as its capacity). */
function javaOrder<V>(entries: readonly (readonly [string, V])[]): (readonly [string, V])[] {
  return javaHashMapOrder(
    entries.map(([k]) => javaStringHash(k)),
    entries.length,
  ).map((i) => entries[i]!)
}

/** Kafka's ClientQuotaEntity.toString: `ClientQuotaEntity(entries={user=alice, client-id=null})`. */
function entityText(entity: readonly ClientQuotaEntityData[]): string {
  const parts = new Map<string, string | null>()
  for (const e of entity) parts.set(e.entityType, e.entityName)
  return `ClientQuotaEntity(entries=${javaMapText([...parts], entity.length)})`
}

/** A stable order of entities: with a user before without, the default before names, then by name. */
function compareEntities(a: MeterEntity, b: MeterEntity): number {
  const rank = (p: string | null) => (p === null ? 2 : p === '' ? 0 : 1)
  for (const [x, y] of [
    [a.user, b.user],
    [a.clientId, b.clientId],
  ] as const) {
    if (rank(x) !== rank(y)) return rank(x) - rank(y)
    if (x !== y) return (x ?? '') < (y ?? '') ? -1 : 1
  }
  return 0
}
