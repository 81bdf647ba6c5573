// A bare Kafka-protocol connection for tests of the listener: requests encoded by kafkalite's generated codec, sent
// over a TCP socket one at a time, their responses decoded. No client logic (no retries, no metadata): the test says
// exactly which version of which request goes out, and sees exactly what came back.
import {Socket} from 'node:net'
import {decodeResponseFrame, encodeRequestFrame, type ApiCodec} from '../../src/protocol/kafka/codec/index.js'
import {BatchBuilder} from '../../src/protocol/kafka/record-batch.js'
import type {TestHome} from './env.js'

/** Server settings for a home whose daemon opens a Kafka listener on a free loopback port. */
export const KAFKA_LISTENER = {listeners: 'PLAINTEXT://127.0.0.1:0'}

/** Starts the home's daemon (its server.properties must open a listener) and returns the port of its first listener. */
export async function startWithListener(home: TestHome): Promise<number> {
  const started = await home.run(['daemon', 'start'])
  if (started.code !== 0) throw new Error(`daemon start failed: ${started.stderr}`)
  const status = await home.run(['daemon', 'status', '--json'])
  const listeners = (JSON.parse(status.stdout) as {listeners?: {port: number}[]}).listeners ?? []
  if (listeners.length === 0) throw new Error(`daemon status --json shows no listener: ${status.stdout}`)
  return listeners[0]!.port
}

export class KafkaSocket {
  readonly #socket: Socket
  #pending = Buffer.alloc(0)
  #waiting: {resolve: (frame: Buffer) => void; reject: (error: Error) => void} | null = null
  #failed: Error | null = null
  #correlationId = 0
  readonly #clientId: string

  private constructor(socket: Socket, clientId: string) {
    this.#socket = socket
    this.#clientId = clientId
    socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk])
      this.#deliver()
    })
    socket.on('error', (error) => (this.#failed = error))
    socket.on('close', () => {
      this.#failed ??= new Error('the broker closed the connection')
      this.#waiting?.reject(this.#failed)
      this.#waiting = null
    })
  }

  /** Connects; `clientId` is the request headers' client id (client quotas are set per client id). */
  static connect(port: number, host = '127.0.0.1', clientId = 'kafka-socket-test'): Promise<KafkaSocket> {
    return new Promise((resolve, reject) => {
      const socket = new Socket()
      socket.once('error', reject)
      socket.connect(port, host, () => {
        socket.off('error', reject)
        resolve(new KafkaSocket(socket, clientId))
      })
    })
  }

  /** Sends one request of `api` at `version` and resolves with the decoded response body. */
  async request<Req, Res>(api: ApiCodec<Req, Res>, version: number, body: Req): Promise<Res> {
    if (this.#failed) throw this.#failed
    const correlationId = ++this.#correlationId
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${api.name} v${version} response within 10 s`)), 10_000)
      this.#waiting = {
        resolve: (f) => {
          clearTimeout(timer)
          resolve(f)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(new Error(`${api.name} v${version}: ${error.message}`))
        },
      }
      this.#socket.write(encodeRequestFrame(api, version, {correlationId, clientId: this.#clientId}, body))
      this.#deliver()
    })
    const {header, body: response} = decodeResponseFrame(api, version, frame)
    if (header.correlationId !== correlationId) {
      throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`)
    }
    return response
  }

  #deliver(): void {
    if (this.#waiting === null || this.#pending.length < 4) return
    const size = this.#pending.readInt32BE(0)
    if (this.#pending.length < 4 + size) return
    const frame = this.#pending.subarray(4, 4 + size)
    this.#pending = this.#pending.subarray(4 + size)
    const waiting = this.#waiting
    this.#waiting = null
    waiting.resolve(frame)
  }

  close(): void {
    this.#socket.destroy()
  }
}

/** One RecordBatch v2 of `values` (no keys), stamped with a producer's id, epoch and first sequence. */
export function producerBatch(
  values: readonly string[],
  producer: {producerId: number; producerEpoch: number; baseSequence: number; transactional: boolean},
): Buffer {
  const builder = new BatchBuilder({maxBytes: 1 << 20})
  const now = Date.now()
  for (const v of values) builder.append(now, null, Buffer.from(v))
  builder.setProducerState(producer.producerId, producer.producerEpoch, producer.baseSequence, producer.transactional)
  return builder.build()
}
