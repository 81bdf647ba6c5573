// A small seeded PRNG for the fuzzer, so that a seed reproduces a run frame for frame: mulberry32 (Tommy Ettinger's
// 32-bit generator: one state word, period 2^32, good enough statistics for test data, and a few lines of code).

/** Mixes a seed and a stream number into a 32-bit state, so that each connection gets an independent sequence. */
export function mixSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 0x9e3779b9, 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

/** A deterministic random source with the helpers the frame generators need. */
export class Rng {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A uniform float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** One of the keys, chosen with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][]
    let total = 0
    for (const [, w] of entries) total += w
    let r = this.next() * total
    for (const [k, w] of entries) {
      r -= w
      if (r < 0) return k
    }
    return entries[entries.length - 1]![0]
  }

  /** A size skewed towards small values: mostly under `typical`, sometimes up to `max`. */
  size(typical: number, max: number): number {
    return this.chance(0.9) ? this.int(0, typical) : this.int(0, max)
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256)
    return out
  }

  /** A string of printable ASCII, with the odd multi-byte character. */
  text(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++)
      s += this.chance(0.05)
        ? this.pick(['é', '☃', '\u0000', '"', '\\', '𝄞'])
        : String.fromCharCode(this.int(0x20, 0x7e))
    return s
  }
}
