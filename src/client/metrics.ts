// Client metrics with Kafka's names (producer-metrics, consumer-fetch-manager-metrics, ...): cumulative totals,
// and rates, averages and maxima over a sliding window, as Kafka's Sensor with its default two 30-second samples.

/** One metric as Kafka's `metrics()` returns it: its name, group, tags, description and current value. */
export interface Metric {
  name: string
  group: string
  description: string
  tags: Record<string, string>
  value: number
}

const SAMPLES = 2
const SAMPLE_MS = 30_000

/** Values recorded in the current and previous sample windows. */
class Windowed {
  readonly #count = new Array<number>(SAMPLES).fill(0)
  readonly #sum = new Array<number>(SAMPLES).fill(0)
  readonly #max = new Array<number>(SAMPLES).fill(Number.NEGATIVE_INFINITY)
  readonly #start = new Array<number>(SAMPLES).fill(0)
  #current = 0
  total = 0
  count = 0

  constructor(now: number) {
    this.#start[0] = now
  }

  record(value: number, now: number): void {
    this.#roll(now)
    const i = this.#current
    this.#count[i]! += 1
    this.#sum[i]! += value
    if (value > this.#max[i]!) this.#max[i] = value
    this.total += value
    this.count++
  }

  #roll(now: number): void {
    if (now - this.#start[this.#current]! < SAMPLE_MS) return
    this.#current = (this.#current + 1) % SAMPLES
    this.#start[this.#current] = now
    this.#count[this.#current] = 0
    this.#sum[this.#current] = 0
    this.#max[this.#current] = Number.NEGATIVE_INFINITY
  }

  #live(now: number): number[] {
    this.#roll(now)
    return [...this.#start.keys()].filter((i) => now - this.#start[i]! < SAMPLES * SAMPLE_MS)
  }

  /** Sum of recorded values per second over the live samples (Kafka's Rate). */
  rate(now: number): number {
    return this.#perSecond(now, this.#sum)
  }

  /** Rate of occurrences (Kafka's rate of a count, e.g. request-rate). */
  countRate(now: number): number {
    return this.#perSecond(now, this.#count)
  }

  #perSecond(now: number, values: readonly number[]): number {
    const live = this.#live(now)
    if (live.length === 0) return 0
    const oldest = Math.min(...live.map((i) => this.#start[i]!))
    // Kafka's Rate measures over at least (samples - 1) full windows, so a fresh sensor does not spike.
    const elapsed = Math.max(now - oldest, (SAMPLES - 1) * SAMPLE_MS)
    return (live.reduce((s, i) => s + values[i]!, 0) * 1000) / elapsed
  }

  avg(now: number): number {
    const live = this.#live(now)
    const count = live.reduce((s, i) => s + this.#count[i]!, 0)
    return count === 0 ? Number.NaN : live.reduce((s, i) => s + this.#sum[i]!, 0) / count
  }

  max(now: number): number {
    const live = this.#live(now)
    const max = Math.max(...live.map((i) => this.#max[i]!))
    return max === Number.NEGATIVE_INFINITY ? Number.NaN : max
  }
}

type Stat = 'total' | 'rate' | 'count-total' | 'count-rate' | 'avg' | 'max'

interface MetricDef {
  name: string
  sensor: string
  stat: Stat
  description: string
}

/** A client's sensors and the metrics read from them. */
export class Metrics {
  readonly #group: string
  readonly #tags: Record<string, string>
  readonly #now: () => number
  readonly #sensors = new Map<string, Windowed>()
  readonly #defs: MetricDef[] = []
  readonly #gauges: {name: string; description: string; read: () => number}[] = []

  constructor(group: string, clientId: string, now: () => number = Date.now) {
    this.#group = group
    this.#tags = {'client-id': clientId}
    this.#now = now
  }

  /** Declares a metric read from a sensor (created on first use). */
  define(name: string, sensor: string, stat: Stat, description: string): void {
    if (!this.#sensors.has(sensor)) this.#sensors.set(sensor, new Windowed(this.#now()))
    this.#defs.push({name, sensor, stat, description})
  }

  /** Declares a metric whose value is read when asked (a gauge). */
  gauge(name: string, description: string, read: () => number): void {
    this.#gauges.push({name, description, read})
  }

  record(sensor: string, value = 1, now = this.#now()): void {
    this.#sensors.get(sensor)?.record(value, now)
  }

  /** Every metric, keyed by name, as Kafka's `metrics()` map. */
  all(): Map<string, Metric> {
    const now = this.#now()
    const out = new Map<string, Metric>()
    const put = (name: string, description: string, value: number) =>
      out.set(name, {name, group: this.#group, description, tags: {...this.#tags}, value})
    for (const d of this.#defs) {
      const s = this.#sensors.get(d.sensor)!
      const value =
        d.stat === 'total'
          ? s.total
          : d.stat === 'count-total'
            ? s.count
            : d.stat === 'rate'
              ? s.rate(now)
              : d.stat === 'count-rate'
                ? s.countRate(now)
                : d.stat === 'avg'
                  ? s.avg(now)
                  : s.max(now)
      put(d.name, d.description, value)
    }
    for (const g of this.#gauges) put(g.name, g.description, g.read())
    return out
  }
}
