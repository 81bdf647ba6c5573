// A TCP proxy between Kafka clients and a broker that splits the byte streams into Kafka frames (a 4-byte
// big-endian size, then that many bytes) and records them: requests with the api key, version, correlation id and
// client id of their header, responses matched to their request by correlation id. The suite uses it to capture
// the frames real clients write (golden tests for the codec) and to inject faults (drop a response and the
// connection, so that a client must retry).
import {createServer, Socket, type Server} from 'node:net'

/** Kafka's API keys by number, for naming frames (the ones clients here send). */
export const API_NAMES: Record<number, string> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  17: 'SaslHandshake',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  21: 'DeleteRecords',
  22: 'InitProducerId',
  23: 'OffsetForLeaderEpoch',
  24: 'AddPartitionsToTxn',
  25: 'AddOffsetsToTxn',
  26: 'EndTxn',
  28: 'TxnOffsetCommit',
  32: 'DescribeConfigs',
  33: 'AlterConfigs',
  36: 'SaslAuthenticate',
  37: 'CreatePartitions',
  42: 'DeleteGroups',
  44: 'IncrementalAlterConfigs',
  47: 'OffsetDelete',
  60: 'DescribeCluster',
  61: 'DescribeProducers',
  65: 'DescribeTransactions',
  66: 'ListTransactions',
  68: 'ConsumerGroupHeartbeat',
  71: 'GetTelemetrySubscriptions',
  72: 'PushTelemetry',
  75: 'DescribeTopicPartitions',
}

export const apiName = (key: number): string => API_NAMES[key] ?? `Api${key}`

export interface CapturedFrame {
  /** The proxy's number for the client connection, in order of arrival. */
  connection: number
  direction: 'request' | 'response'
  apiKey: number
  apiVersion: number
  correlationId: number
  /** The request header's client id (responses carry their request's). */
  clientId: string | null
  /** The whole frame as it crossed the wire, size prefix included. */
  bytes: Buffer
}

export interface ProxyFault {
  /** Called for each response: true drops it and closes the client's connection (the broker did the work). */
  dropResponse(request: CapturedFrame): boolean
}

/** Splits complete frames off the front of `buffer`; returns them and the bytes left over. */
export function splitFrames(buffer: Buffer): {frames: Buffer[]; rest: Buffer} {
  const frames: Buffer[] = []
  let at = 0
  while (buffer.length - at >= 4) {
    const size = buffer.readInt32BE(at)
    if (size < 0) throw new Error(`negative frame size ${size}`)
    if (buffer.length - at - 4 < size) break
    frames.push(buffer.subarray(at, at + 4 + size))
    at += 4 + size
  }
  return {frames, rest: buffer.subarray(at)}
}

/** Reads request header v1/v2's fixed part: key, version, correlation id, nullable int16-length client id. */
export function requestHeader(frame: Buffer): {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
} {
  const apiKey = frame.readInt16BE(4)
  const apiVersion = frame.readInt16BE(6)
  const correlationId = frame.readInt32BE(8)
  const len = frame.length >= 14 ? frame.readInt16BE(12) : -1
  const clientId = len < 0 ? null : frame.subarray(14, 14 + len).toString('utf8')
  return {apiKey, apiVersion, correlationId, clientId}
}

export class FrameProxy {
  readonly frames: CapturedFrame[] = []
  fault: ProxyFault | undefined
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private connections = 0

  constructor(
    private readonly port: number,
    private readonly upstream: {host: string; port: number},
  ) {}

  start(): Promise<void> {
    this.server = createServer((client) => this.accept(client))
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(this.port, '127.0.0.1', () => resolve())
    })
  }

  /** Closes the listener and every connection through it. */
  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** Frames of connections whose requests name `clientId`. */
  framesOf(clientId: string): CapturedFrame[] {
    return this.frames.filter((f) => f.clientId === clientId)
  }

  clear(): void {
    this.frames.length = 0
  }

  private accept(client: Socket): void {
    const connection = ++this.connections
    const broker = new Socket()
    this.sockets.add(client)
    this.sockets.add(broker)
    const inFlight = new Map<number, CapturedFrame>()
    let fromClient: Buffer = Buffer.alloc(0)
    let fromBroker: Buffer = Buffer.alloc(0)
    const close = (): void => {
      client.destroy()
      broker.destroy()
      this.sockets.delete(client)
      this.sockets.delete(broker)
    }
    client.on('error', close)
    broker.on('error', close)
    client.on('close', close)
    broker.on('close', close)
    client.pause()
    broker.connect(this.upstream.port, this.upstream.host, () => client.resume())

    client.on('data', (chunk: Buffer) => {
      const {frames, rest} = splitFrames(Buffer.concat([fromClient, chunk]))
      fromClient = rest
      for (const bytes of frames) {
        const header = requestHeader(bytes)
        const frame: CapturedFrame = {connection, direction: 'request', ...header, bytes: Buffer.from(bytes)}
        this.frames.push(frame)
        inFlight.set(header.correlationId, frame)
        broker.write(bytes)
      }
    })

    broker.on('data', (chunk: Buffer) => {
      const {frames, rest} = splitFrames(Buffer.concat([fromBroker, chunk]))
      fromBroker = rest
      for (const bytes of frames) {
        const correlationId = bytes.readInt32BE(4)
        const request = inFlight.get(correlationId)
        inFlight.delete(correlationId)
        if (request === undefined) {
          // A response to no request of this connection: not Kafka's protocol. Keep it visible and pass it on.
          this.frames.push({
            connection,
            direction: 'response',
            apiKey: -1,
            apiVersion: -1,
            correlationId,
            clientId: null,
            bytes: Buffer.from(bytes),
          })
          client.write(bytes)
          continue
        }
        this.frames.push({...request, direction: 'response', bytes: Buffer.from(bytes)})
        if (this.fault?.dropResponse(request)) {
          close()
          return
        }
        client.write(bytes)
      }
    })
  }
}
