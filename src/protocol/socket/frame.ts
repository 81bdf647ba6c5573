import {KafkaException} from '../../errors.js'
import {LengthPrefixedReader} from '../kafka/framing.js'

/**
 * What crosses the Unix socket between a client and the daemon: length-prefixed frames, several in flight on one
 * connection, matched by correlation id. Integers are big-endian.
 *
 *   offset  size  field
 *        0     4  length: bytes after this field (9 + H + payload), at most the daemon's socket.request.max.bytes
 *        4     4  correlationId: chosen by the client, echoed in the response
 *        8     1  kind: 0 request, 1 response, 2 error response
 *        9     4  H: byte length of the JSON header
 *       13     H  header, UTF-8 JSON. Request {"m": method, "p": params}; response: the result; error {code, message}
 *     13+H     *  payload: raw bytes. Record batches in produce requests and fetch responses; empty otherwise
 *
 * Control data is small JSON; records travel as Kafka RecordBatch v2 bytes and are never turned into JSON.
 */
export const FRAME_PREFIX = 13
export const KIND_REQUEST = 0
export const KIND_RESPONSE = 1
export const KIND_ERROR = 2

/** Kafka's socket.request.max.bytes default. */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600

/** One decoded frame. `header` is the raw JSON bytes; `payload` may be empty. */
export interface Frame {
  correlationId: number
  kind: number
  header: Buffer
  payload: Buffer
}

/** Encodes a frame as a list of buffers to write in order (the payload is not copied). */
export function encodeFrame(
  correlationId: number,
  kind: number,
  header: string,
  payload?: Buffer | readonly Buffer[],
): Buffer[] {
  const headerLength = Buffer.byteLength(header)
  const parts = payload === undefined ? [] : Buffer.isBuffer(payload) ? [payload] : payload
  let payloadLength = 0
  for (const part of parts) payloadLength += part.length
  const prefix = Buffer.allocUnsafe(FRAME_PREFIX + headerLength)
  prefix.writeUInt32BE(FRAME_PREFIX - 4 + headerLength + payloadLength, 0)
  prefix.writeUInt32BE(correlationId >>> 0, 4)
  prefix.writeUInt8(kind, 8)
  prefix.writeUInt32BE(headerLength, 9)
  prefix.write(header, FRAME_PREFIX, 'utf8')
  return parts.length === 0 ? [prefix] : [prefix, ...parts]
}

/** What writeFrame needs of a socket. */
export interface FrameSink {
  write(chunk: Buffer): boolean
  cork(): void
  uncork(): void
}

/**
 * Writes one frame's parts (from encodeFrame) as one piece: corked when there is a payload, so the prefix and the
 * batches leave together. Returns false when the socket's buffer is above its high-water mark (backpressure).
 */
export function writeFrame(socket: FrameSink, parts: readonly Buffer[]): boolean {
  if (parts.length === 1) return socket.write(parts[0]!)
  socket.cork()
  let ok = true
  for (const part of parts) ok = socket.write(part)
  socket.uncork()
  return ok
}

/** Turns a byte stream into frames (kafkalite's frames on Kafka's size-prefixed framing). */
export class FrameDecoder {
  readonly #reader: LengthPrefixedReader

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.#reader = new LengthPrefixedReader(FRAME_PREFIX - 4, maxFrameBytes)
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#reader.buffered
  }

  /** Length of the frame being received, prefix included, once its length is known; else -1. */
  get pendingFrameBytes(): number {
    return this.#reader.pendingFrameBytes
  }

  /** Adds a chunk and calls `onFrame` for every complete frame. Throws on a malformed or oversized frame. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    this.append(chunk)
    for (let frame = this.next(); frame !== undefined; frame = this.next()) onFrame(frame)
  }

  /** Adds a chunk; frames are then taken with next(). */
  append(chunk: Buffer): void {
    this.#reader.append(chunk)
  }

  /** The next complete frame, or undefined until more bytes arrive. Throws on a malformed or oversized frame. */
  next(): Frame | undefined {
    const bytes = this.#reader.next()
    return bytes === undefined ? undefined : parseFrame(bytes)
  }
}

/** Reads one complete frame (length field included). */
export function parseFrame(bytes: Buffer): Frame {
  const headerLength = bytes.readUInt32BE(9)
  if (FRAME_PREFIX + headerLength > bytes.length) {
    throw new KafkaException(
      'INVALID_REQUEST',
      `Malformed frame: header length ${headerLength} runs past the frame end (${bytes.length} bytes)`,
    )
  }
  return {
    correlationId: bytes.readUInt32BE(4),
    kind: bytes[8]!,
    header: bytes.subarray(FRAME_PREFIX, FRAME_PREFIX + headerLength),
    payload: bytes.subarray(FRAME_PREFIX + headerLength),
  }
}
