// Metering clients against their quotas, as Kafka's ClientQuotaManager does (one meter per quota type: produce
// bytes, fetch bytes, request time), with Kafka's arithmetic so that a client is throttled when and for as long as
// Kafka would throttle it:
//
// - Rate (Kafka's metrics.stats.Rate over a SampledStat): a ring of quota.window.num + 1 samples, each
//   quota.window.size.seconds long. A sample is complete once its window has passed since it started; a record then
//   starts the next one. Samples whose last event is older than num x size are reset before every measure. The rate
//   is the sum of the samples over the time since the oldest sample started, padded to num - 1 full windows (so one
//   burst in an idle second is not measured as that second's rate), at least 1 ms.
// - Sensor.record with a quota: the value is recorded, then the rate measured; above the bound, the throttle time is
//   QuotaUtils.throttleTime: round((rate - bound) / bound x window size), the time after which the rate would be back
//   at the bound if nothing more came.
// - Which quota applies, and which clients share a sensor (DefaultQuotaCallback): the metric tags of (user,
//   client-id). With quotas at one level only, the tags are that level's (the user, the client id, or both); with
//   several, the most specific entity that has a quota decides, in KIP-55's order:
//     /config/users/<user>/clients/<client-id>, /config/users/<user>/clients/<default>, /config/users/<user>,
//     /config/users/<default>/clients/<client-id>, /config/users/<default>/clients/<default>,
//     /config/users/<default>, /config/clients/<client-id>, /config/clients/<default>.
//   Clients with the same tags share one rate: all clients of a user under a user quota, all connections of a client
//   id under a client-id quota; under a default quota each user (or client id) has its own.
// - The levels enabled follow the entities that have a quota of this type now (Kafka 4's activeQuotaEntities): with
//   none, nothing is recorded at all, and recording costs one boolean test.
// - A sensor unused for an hour is forgotten (Kafka's InactiveSensorExpirationTimeSeconds).

/** Kafka's QuotaTypes bits: which levels have at least one quota. */
const CLIENT_ID_LEVEL = 1
const USER_LEVEL = 2
const USER_CLIENT_ID_LEVEL = 4

/** A sensor unused this long is forgotten. */
const SENSOR_EXPIRATION_MS = 3_600_000

/** Kafka's quota windows: quota.window.num samples of quota.window.size.seconds each. */
export interface QuotaWindows {
  /** quota.window.num (Kafka: 11). */
  samples: number
  /** quota.window.size.seconds x 1000 (Kafka: 1000). */
  windowMs: number
}

/**
 * An entity a quota is set for, as the meter keys it: a user and a client id, each a name, '' for Kafka's
 * `<default>`, or null when the entity has no such part (`{user: 'alice', clientId: null}` is /config/users/alice).
 */
export interface MeterEntity {
  user: string | null
  clientId: string | null
}

/** Kafka's Rate over a SampledStat (see the header): the samples' values, starts and last events, in a ring. */
export class Rate {
  readonly #samples: number
  readonly #windowMs: number
  readonly #value: number[] = []
  readonly #start: number[] = []
  readonly #lastEvent: number[] = []
  #current = 0

  constructor(windows: QuotaWindows) {
    this.#samples = windows.samples
    this.#windowMs = windows.windowMs
  }

  record(value: number, now: number): void {
    if (this.#value.length === 0) this.#push(now)
    let i = this.#current
    if (now - this.#start[i]! >= this.#windowMs) {
      // The ring holds samples + 1 entries (Kafka 4's SampledStat.advance).
      i = this.#current = (this.#current + 1) % (this.#samples + 1)
      if (i >= this.#value.length) this.#push(now)
      else this.#reset(i, now)
    }
    this.#value[i]! += value
    this.#lastEvent[i] = now
  }

  /** The rate per second at `now`. */
  measure(now: number): number {
    this.#purge(now)
    let sum = 0
    for (const v of this.#value) sum += v
    return sum / (this.windowSize(now) / 1000)
  }

  /** The time the rate is measured over, in ms (Rate.windowSize). */
  windowSize(now: number): number {
    this.#purge(now)
    if (this.#value.length === 0) this.#push(now)
    let oldest = this.#start[0]!
    for (const s of this.#start) if (s < oldest) oldest = s
    let elapsed = now - oldest
    const full = Math.trunc(elapsed / this.#windowMs)
    const minFull = this.#samples - 1
    if (full < minFull) elapsed += (minFull - full) * this.#windowMs
    return Math.max(elapsed, 1)
  }

  #purge(now: number): void {
    const expireAge = this.#samples * this.#windowMs
    for (let i = 0; i < this.#value.length; i++) if (now - this.#lastEvent[i]! >= expireAge) this.#reset(i, now)
  }

  #push(now: number): void {
    this.#value.push(0)
    this.#start.push(now)
    this.#lastEvent.push(now)
  }

  #reset(i: number, now: number): void {
    this.#value[i] = 0
    this.#start[i] = now
    this.#lastEvent[i] = now
  }
}

/** The rate of one set of metric tags, with the bound that applies to it. */
interface Sensor {
  rate: Rate
  /** The quota's bound (Infinity: no quota applies), as of `generation`. */
  bound: number
  generation: number
  lastRecordMs: number
}

/** One quota type's meter (Kafka's ClientQuotaManager with the DefaultQuotaCallback). */
export class QuotaMeter {
  /** Kafka's QuotaType name: Produce, Fetch, Request. */
  readonly name: string
  readonly #windows: QuotaWindows
  /** Bounds by entity key (see entityKey). */
  readonly #quotas = new Map<string, number>()
  /** How many entities of each level have a quota (Kafka's activeQuotaEntities). */
  readonly #levelCounts = [0, 0, 0]
  #levels = 0
  readonly #sensors = new Map<string, Sensor>()
  /** Bumped on every quota change: sensors take their bound again. */
  #generation = 0
  #lastSweepMs = 0
  /** The longest throttle time, or none (Infinity): Kafka bounds the request-time quota's to one window. */
  readonly #maxThrottleMs: number

  constructor(name: string, windows: QuotaWindows, maxThrottleMs = Infinity) {
    this.name = name
    this.#windows = windows
    this.#maxThrottleMs = maxThrottleMs
  }

  /** Whether any quota of this type is set: when not, nothing is recorded (Kafka's quotasEnabled). */
  get enabled(): boolean {
    return this.#levels !== 0
  }

  /** Sets (a bound) or removes (undefined) the quota of an entity. */
  update(entity: MeterEntity, bound: number | undefined): void {
    const key = entityKey(entity.user, entity.clientId)
    const had = this.#quotas.has(key)
    const level =
      entity.user !== null && entity.clientId !== null
        ? USER_CLIENT_ID_LEVEL
        : entity.user !== null
          ? USER_LEVEL
          : CLIENT_ID_LEVEL
    const index = level === USER_CLIENT_ID_LEVEL ? 2 : level === USER_LEVEL ? 1 : 0
    if (bound === undefined) {
      if (!had) return
      this.#quotas.delete(key)
      if (--this.#levelCounts[index]! === 0) this.#levels &= ~level
    } else {
      if (!had) {
        this.#levelCounts[index]!++
        this.#levels |= level
      }
      this.#quotas.set(key, bound)
    }
    this.#generation++
  }

  /**
   * Records `value` for a client (its user principal and client id) at `now`, and returns the throttle time in ms:
   * 0 within its quota (or when no quota is set).
   */
  recordAndGetThrottleTimeMs(user: string, clientId: string, value: number, now: number): number {
    if (this.#levels === 0) return 0
    const sensor = this.#sensor(user, clientId, now)
    sensor.rate.record(value, now)
    if (sensor.bound === Infinity) return 0
    const rate = sensor.rate.measure(now)
    if (rate <= sensor.bound) return 0
    const throttle = Math.round(((rate - sensor.bound) / sensor.bound) * sensor.rate.windowSize(now))
    return Math.min(throttle, this.#maxThrottleMs, 2 ** 31 - 1)
  }

  /** Records `value` without checking the quota (Kafka's recordNoThrottle; negative: unrecordQuotaSensor). */
  record(user: string, clientId: string, value: number, now: number): void {
    if (this.#levels === 0) return
    this.#sensor(user, clientId, now).rate.record(value, now)
  }

  /**
   * The most a client can take in one go without being throttled for sure: the bound over num - 1 windows
   * (maxValueInQuotaWindow; a fetch asks for no more than this). Infinity without a quota.
   */
  maxValueInQuotaWindow(user: string, clientId: string, now: number): number {
    if (this.#levels === 0) return Infinity
    const bound = this.#sensor(user, clientId, now).bound
    return bound * (this.#windows.samples - 1) * (this.#windows.windowMs / 1000)
  }

  /** The bound that applies to a client (Infinity: none), as Kafka's ClientQuotaManager.quota(user, clientId). */
  quotaOf(user: string, clientId: string): number {
    const [userTag, clientTag] = this.#tags(user, clientId)
    return this.#limit(userTag, clientTag) ?? Infinity
  }

  #sensor(user: string, clientId: string, now: number): Sensor {
    const [userTag, clientTag] = this.#tags(user, clientId)
    const name = `${userTag.length}:${userTag}${clientTag}`
    let sensor = this.#sensors.get(name)
    if (sensor === undefined) {
      if (now - this.#lastSweepMs >= 60_000) this.#sweep(now)
      sensor = {rate: new Rate(this.#windows), bound: Infinity, generation: -1, lastRecordMs: now}
      this.#sensors.set(name, sensor)
    }
    if (sensor.generation !== this.#generation) {
      sensor.bound = this.#limit(userTag, clientTag) ?? Infinity
      sensor.generation = this.#generation
    }
    sensor.lastRecordMs = now
    return sensor
  }

  /** Forgets sensors unused for an hour. */
  #sweep(now: number): void {
    this.#lastSweepMs = now
    for (const [name, s] of this.#sensors) if (now - s.lastRecordMs >= SENSOR_EXPIRATION_MS) this.#sensors.delete(name)
  }

  /** DefaultQuotaCallback.quotaMetricTags: which (user, client-id) a client's usage is recorded under. */
  #tags(user: string, clientId: string): [string, string] {
    switch (this.#levels) {
      case 0:
      case CLIENT_ID_LEVEL:
        return ['', clientId]
      case USER_LEVEL:
        return [user, '']
      case USER_CLIENT_ID_LEVEL:
        return [user, clientId]
    }
    const has = (u: string | null, c: string | null) => this.#quotas.has(entityKey(u, c))
    if (has(user, clientId) || has(user, '')) return [user, clientId]
    if (has(user, null)) return [user, '']
    if (has('', clientId) || has('', '')) return [user, clientId]
    if (has('', null)) return [user, '']
    return ['', clientId]
  }

  /** DefaultQuotaCallback.quotaLimit: the bound of the most specific entity with a quota for these tags. */
  #limit(userTag: string, clientTag: string): number | undefined {
    const q = (u: string | null, c: string | null) => this.#quotas.get(entityKey(u, c))
    if (userTag !== '' && clientTag !== '') {
      return q(userTag, clientTag) ?? q(userTag, '') ?? q('', clientTag) ?? q('', '')
    }
    if (userTag !== '') return q(userTag, null) ?? q('', null)
    if (clientTag !== '') return q(null, clientTag) ?? q(null, '')
    return undefined
  }
}

/** A map key of an entity: its parts, each absent (null), the default ('') or a name. */
function entityKey(user: string | null, clientId: string | null): string {
  const part = (p: string | null) => (p === null ? '-' : p === '' ? '*' : `=${p.length}:${p}`)
  return part(user) + part(clientId)
}
