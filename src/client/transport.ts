// What the client's roles (producer, consumer, admin) send their requests through: Kafka-shaped requests and
// responses (src/protocol/socket/messages.ts), whichever the broker. Two transports implement it:
// - Connection (connection.ts): the local daemon of a home, over its Unix socket;
// - KafkaTransport (kafka/transport.ts): any Kafka cluster, over Kafka's wire protocol on TCP.
import type {KafkaException} from '../errors.js'
import type {Method, Requests, Responses} from '../protocol/socket/messages.js'

/** A reply together with its binary payload. */
export interface WithPayload<T> {
  result: T
  payload: Buffer
}

/** Which broker a client reaches: the local daemon, or a Kafka cluster. */
export type TransportKind = 'local' | 'kafka'

export interface Transport {
  readonly kind: TransportKind
  /** The broker's id (the local daemon's, or the id of the first broker a cluster named). */
  readonly brokerId: number
  /** What the client reaches, for `-v` and `--json`: the daemon's home, or the bootstrap addresses. */
  readonly target: string
  /** The broker first reached, as Kafka's Node (undefined for the local daemon: its listener is in its settings). */
  readonly node?: {id: number; host: string; port: number}
  /** True once closed; requests then fail. */
  readonly closed: boolean
  /** Sends a request and resolves with its reply. */
  request<M extends Method>(
    method: M,
    params: Requests[M],
    payload?: readonly Buffer[],
    timeoutMs?: number,
  ): Promise<Responses[M]>
  /** Sends a request whose reply carries a binary payload (fetch). */
  requestWithPayload<M extends Method>(
    method: M,
    params: Requests[M],
    payload?: readonly Buffer[],
    timeoutMs?: number,
  ): Promise<WithPayload<Responses[M]>>
  /** Sends a request the broker does not answer (produce with acks=0). */
  sendOneWay<M extends Method>(method: M, params: Requests[M], payload?: readonly Buffer[]): void
  /** Calls `listener` once when the transport closes, with the reason. */
  onClose(listener: (error: KafkaException) => void): () => void
  close(): void
}
