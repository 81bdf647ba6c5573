// Kafka's framing: every request and response is a 4-byte big-endian size, then that many bytes. kafkalite's own
// socket protocol frames the same way, so both front ends and the client read their byte streams with this reader.
import {KafkaException} from '../../errors.js'

/**
 * Splits a byte stream into size-prefixed frames. Chunks are kept as they arrive and joined once per frame, so a large
 * frame that arrives in many chunks costs one copy, and many small frames in one chunk cost none. A reader may stop
 * taking frames (backpressure) and take the rest later: they stay buffered.
 */
export class LengthPrefixedReader {
  readonly #minSize: number
  readonly #maxSize: number
  #chunks: Buffer[] = []
  #buffered = 0
  #needed = -1 // total length of the frame being assembled, size field included; -1 while its size is unknown

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
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
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
    const frame = this.#take(this.#needed)
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
