// Kafka's framing: every request and response is a 4-byte big-endian size, then that many bytes. kafkalite's own
// socket protocol frames the same way, so both front ends and the client read their byte streams with this reader.
import {KafkaException} from '../../errors.js'

/** Frames from this size on are assembled in place as they arrive (smaller ones are joined from their chunks). */
const ASSEMBLE_FROM = 1 << 20

/**
 * Splits a byte stream into size-prefixed frames. Chunks are kept as they arrive and joined once per frame, so a
 * frame that arrives in many chunks costs one copy, and many small frames in one chunk cost none; a large frame is
 * copied into its own buffer as it arrives. A reader may stop
 * taking frames (backpressure) and take the rest later: they stay buffered.
 */
export class LengthPrefixedReader {
  readonly #minSize: number
  readonly #maxSize: number
  #chunks: Buffer[] = []
  #buffered = 0
  #needed = -1 // total length of the frame being assembled, size field included; -1 while its size is unknown
  /**
   * A large frame is copied into its own buffer as it arrives, so it costs its size once: kept as chunks and joined
   * at the end, a 90 MiB frame would cost twice its size at its last chunk.
   */
  #frame: Buffer | null = null
  #filled = 0

  /** `minSize`/`maxSize` bound the size field (the bytes after it); a frame outside them is refused. */
  constructor(minSize: number, maxSize: number) {
    this.#minSize = minSize
    this.#maxSize = maxSize
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#buffered
  }

  /** Length of the frame being received, size field included, once its size is known; else -1. */
  get pendingFrameBytes(): number {
    return this.#needed
  }

  append(chunk: Buffer): void {
    this.#buffered += chunk.length
    if (this.#frame === null && this.#needed >= ASSEMBLE_FROM && this.#chunks.length > 0) {
      // The size is known, the frame is large and it is still arriving: its bytes go straight into its buffer.
      this.#frame = Buffer.allocUnsafe(this.#needed)
      this.#filled = 0
      for (const c of this.#chunks) this.#filled += c.copy(this.#frame, this.#filled)
      this.#chunks = []
    }
    if (this.#frame === null) {
      this.#chunks.push(chunk)
      return
    }
    const taken = chunk.copy(this.#frame, this.#filled, 0, Math.min(chunk.length, this.#frame.length - this.#filled))
    this.#filled += taken
    if (taken < chunk.length) this.#chunks.push(chunk.subarray(taken))
  }

  /**
   * The next complete frame, size field included, or undefined until more bytes arrive. Throws INVALID_REQUEST for a
   * size below the minimum and RECORD_LIST_TOO_LARGE above the maximum (socket.request.max.bytes), before reading
   * (or allocating) the frame.
   */
  next(): Buffer | undefined {
    if (this.#needed < 0) {
      if (this.#buffered < 4) return undefined
      const size = this.#peekSize()
      if (size < this.#minSize) {
        throw new KafkaException('INVALID_REQUEST', `Malformed frame: size ${size} is shorter than a frame header`)
      }
      if (size > this.#maxSize) {
        throw new KafkaException(
          'RECORD_LIST_TOO_LARGE',
          `Frame of ${size} bytes exceeds socket.request.max.bytes (${this.#maxSize})`,
        )
      }
      this.#needed = size + 4
    }
    if (this.#buffered < this.#needed) return undefined
    let frame: Buffer
    if (this.#frame !== null) {
      frame = this.#frame
      this.#frame = null
      this.#buffered -= frame.length
    } else {
      frame = this.#take(this.#needed)
    }
    this.#needed = -1
    return frame
  }

  #peekSize(): number {
    const first = this.#chunks[0]!
    if (first.length >= 4) return first.readUInt32BE(0)
    return Buffer.concat(this.#chunks, Math.min(this.#buffered, 4)).readUInt32BE(0)
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!
    let out: Buffer
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const chunk = this.#chunks[0]!
        const take = Math.min(chunk.length, n - filled)
        chunk.copy(out, filled, 0, take)
        filled += take
        if (take === chunk.length) this.#chunks.shift()
        else this.#chunks[0] = chunk.subarray(take)
      }
    }
    this.#buffered -= n
    return out
  }
}
