// A minimal client of the socket protocol for the fuzzer's setup and checks: frames and correlation ids only, so
// that the checks do not depend on the client library they might share a bug with.
import {connect, type Socket} from 'node:net'
import {encodeFrame, FrameDecoder, KIND_ERROR, KIND_REQUEST, type Frame} from '../../../src/protocol/socket/frame.js'

export interface RawReply {
  kind: number
  header: unknown
  payload: Buffer
}

/** Connects to a Unix socket, retrying briefly when the listen backlog is full (EAGAIN). */
export async function connectSocket(path: string): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path)
        socket.once('connect', () => resolve(socket))
        socket.once('error', reject)
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || attempt >= 50) throw error
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

export class RawClient {
  readonly #socket: Socket
  readonly #decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER)
  readonly #pending = new Map<number, {resolve: (r: RawReply) => void; reject: (e: Error) => void}>()
  #nextId = 1
  #closed: Error | undefined

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => this.#decoder.push(chunk, (frame) => this.#onFrame(frame)))
    socket.on('error', (error) => this.#fail(error))
    socket.on('close', () => this.#fail(new Error('the daemon closed the connection')))
  }

  static async open(path: string): Promise<RawClient> {
    return new RawClient(await connectSocket(path))
  }

  /** Sends a request; resolves with the reply (an error reply too), rejects when the connection closes first. */
  request(method: string, params: unknown, payload?: Buffer, timeoutMs = 30_000): Promise<RawReply> {
    if (this.#closed) return Promise.reject(this.#closed)
    const id = this.#nextId++
    return new Promise<RawReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`no reply to ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.#socket.write(Buffer.concat(encodeFrame(id, KIND_REQUEST, JSON.stringify({m: method, p: params}), payload)))
    })
  }

  /** Like request, but throws on an error reply. */
  async call<T>(method: string, params: unknown, payload?: Buffer): Promise<{result: T; payload: Buffer}> {
    const reply = await this.request(method, params, payload)
    if (reply.kind === KIND_ERROR) throw new Error(`${method} failed: ${JSON.stringify(reply.header)}`)
    return {result: reply.header as T, payload: reply.payload}
  }

  close(): void {
    this.#socket.destroy()
  }

  #onFrame(frame: Frame): void {
    const pending = this.#pending.get(frame.correlationId)
    if (!pending) return
    this.#pending.delete(frame.correlationId)
    pending.resolve({kind: frame.kind, header: JSON.parse(frame.header.toString('utf8')), payload: frame.payload})
  }

  #fail(error: Error): void {
    this.#closed ??= error
    for (const p of this.#pending.values()) p.reject(error)
    this.#pending.clear()
  }
}
