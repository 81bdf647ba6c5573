// A Kafka client of the fewest parts, for tests of the Kafka listener: one TCP connection that sends requests encoded
// by kafkalite's generated codec and reads their responses in order. No retries, no metadata, no coordinator lookup:
// each test says exactly which frame goes out, so the broker's answer to that frame is what is checked.
import {Socket} from 'node:net'
import {decodeResponseFrame, encodeRequestFrame, type ApiCodec} from '../../src/protocol/kafka/codec/index.js'

interface Pending {
  correlationId: number
  api: ApiCodec
  version: number
  resolve: (body: unknown) => void
  reject: (error: Error) => void
}

export class KafkaWireClient {
  readonly #socket: Socket
  readonly #clientId: string
  readonly #pending: Pending[] = []
  #correlationId = 0
  #buffered = Buffer.alloc(0)
  #closed: Error | null = null

  private constructor(socket: Socket, clientId: string) {
    this.#socket = socket
    this.#clientId = clientId
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    socket.on('close', () => this.#fail(new Error('the broker closed the connection')))
    socket.on('error', (error) => this.#fail(error))
  }

  /** Connects to a Kafka listener. */
  static connect(port: number, clientId = 'wire-test', host = '127.0.0.1'): Promise<KafkaWireClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket()
      socket.once('error', reject)
      socket.connect(port, host, () => {
        socket.off('error', reject)
        resolve(new KafkaWireClient(socket, clientId))
      })
    })
  }

  /** Sends one request and resolves with its decoded response body (requests are answered in the order sent). */
  request<Req, Res>(api: ApiCodec<Req, Res>, version: number, body: Req): Promise<Res> {
    if (this.#closed) return Promise.reject(this.#closed)
    const correlationId = ++this.#correlationId
    const frame = encodeRequestFrame(api, version, {correlationId, clientId: this.#clientId}, body)
    return new Promise<Res>((resolve, reject) => {
      this.#pending.push({
        correlationId,
        api: api as ApiCodec,
        version,
        resolve: resolve as (b: unknown) => void,
        reject,
      })
      this.#socket.write(frame)
    })
  }

  /** Closes the connection (what a crashed client does). */
  close(): void {
    this.#socket.destroy()
  }

  #read(chunk: Buffer): void {
    this.#buffered = Buffer.concat([this.#buffered, chunk])
    while (this.#buffered.length >= 4 && this.#buffered.length >= 4 + this.#buffered.readInt32BE(0)) {
      const frame = this.#buffered.subarray(4, 4 + this.#buffered.readInt32BE(0))
      this.#buffered = this.#buffered.subarray(4 + frame.length)
      const next = this.#pending.shift()
      if (next === undefined) {
        this.#fail(new Error('a response came for no request'))
        return
      }
      try {
        const {header, body} = decodeResponseFrame(next.api, next.version, frame)
        if (header.correlationId !== next.correlationId) {
          throw new Error(`response ${header.correlationId} came for request ${next.correlationId}`)
        }
        next.resolve(body)
      } catch (error) {
        next.reject(error as Error)
      }
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error
    for (const p of this.#pending.splice(0)) p.reject(error)
  }
}
