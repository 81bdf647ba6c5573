// The cleaner's offset map (Kafka's SkimpyOffsetMap): the last offset of each key of the dirty section. Kafka keeps
// an MD5 of each key, and two keys that share one lose a record; this map keeps the keys' bytes, so it is exact. The
// keys are copied into one growing arena and found by open addressing on a 32-bit FNV-1a hash, so a lookup reads the
// record's key where it lies in the batch, with no string or Buffer made per record.

const EMPTY = -1

export class KeyOffsetMap {
  /** Slot -> entry index, or EMPTY; its length is a power of two, at most half full. */
  #slots = new Int32Array(1024).fill(EMPTY)
  #hashes = new Int32Array(512)
  #keyStarts = new Int32Array(512)
  #keyLengths = new Int32Array(512)
  #offsets = new Float64Array(512)
  #arena = Buffer.allocUnsafe(64 << 10)
  #arenaUsed = 0
  #size = 0

  /** The number of keys held. */
  get size(): number {
    return this.#size
  }

  /** Bytes the map holds (its arrays and the keys' copies). */
  get bytes(): number {
    return this.#slots.byteLength + this.#hashes.length * 20 + this.#arena.length
  }

  /** Records `offset` as the latest of the key data[start, start + length). */
  set(data: Uint8Array, start: number, length: number, offset: number): void {
    const hash = fnv1a(data, start, length)
    const slot = this.#find(data, start, length, hash)
    const entry = this.#slots[slot]!
    if (entry !== EMPTY) {
      this.#offsets[entry] = offset
      return
    }
    const index = this.#size++
    if (index === this.#hashes.length) this.#growEntries()
    if (this.#arenaUsed + length > this.#arena.length) this.#growArena(length)
    this.#arena.set(data.subarray(start, start + length), this.#arenaUsed)
    this.#hashes[index] = hash
    this.#keyStarts[index] = this.#arenaUsed
    this.#keyLengths[index] = length
    this.#offsets[index] = offset
    this.#arenaUsed += length
    this.#slots[slot] = index
    if (this.#size * 2 > this.#slots.length) this.#rehash()
  }

  /** Every key's latest offset, in ascending order. */
  sortedOffsets(): Float64Array {
    return this.#offsets.slice(0, this.#size).sort()
  }

  /** The latest offset of the key data[start, start + length), or -1. */
  get(data: Uint8Array, start: number, length: number): number {
    const entry = this.#slots[this.#find(data, start, length, fnv1a(data, start, length))]!
    return entry === EMPTY ? -1 : this.#offsets[entry]!
  }

  /** The slot holding the key, or the empty slot where it would go. */
  #find(data: Uint8Array, start: number, length: number, hash: number): number {
    const mask = this.#slots.length - 1
    let slot = hash & mask
    for (;;) {
      const entry = this.#slots[slot]!
      if (entry === EMPTY) return slot
      if (
        this.#hashes[entry] === hash &&
        this.#keyLengths[entry] === length &&
        this.#same(entry, data, start, length)
      ) {
        return slot
      }
      slot = (slot + 1) & mask
    }
  }

  #same(entry: number, data: Uint8Array, start: number, length: number): boolean {
    const at = this.#keyStarts[entry]!
    const arena = this.#arena
    for (let i = 0; i < length; i++) if (arena[at + i] !== data[start + i]) return false
    return true
  }

  #growEntries(): void {
    const n = this.#hashes.length * 2
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.#hashes = grow(this.#hashes, (k) => new Int32Array(k))
    this.#keyStarts = grow(this.#keyStarts, (k) => new Int32Array(k))
    this.#keyLengths = grow(this.#keyLengths, (k) => new Int32Array(k))
    this.#offsets = grow(this.#offsets, (k) => new Float64Array(k))
  }

  #growArena(needed: number): void {
    const arena = Buffer.allocUnsafe(Math.max(this.#arena.length * 2, this.#arenaUsed + needed))
    this.#arena.copy(arena, 0, 0, this.#arenaUsed)
    this.#arena = arena
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(EMPTY)
    const mask = slots.length - 1
    for (let entry = 0; entry < this.#size; entry++) {
      let slot = this.#hashes[entry]! & mask
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask
      slots[slot] = entry
    }
    this.#slots = slots
  }
}

/** 32-bit FNV-1a of data[start, start + length). */
function fnv1a(data: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5
  for (let i = start, end = start + length; i < end; i++) h = Math.imul(h ^ data[i]!, 0x01000193)
  return h
}
