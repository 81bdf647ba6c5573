// What a Kafka API adapter is: one file per API key under apis/, each declaring the versions it serves and turning
// Kafka's request (decoded by the generated codec) into calls on the broker core, and the core's answer into Kafka's
// response. No broker rule lives here: only the mapping between Kafka's wire shapes and the core's.
import type {BrokerCore, QuotaClient} from '../../broker/core.js'
import {ERROR_CODES, KafkaException, toKafkaException, type ErrorCode, type ErrorData} from '../../errors.js'
import type {ApiCodec} from '../../protocol/kafka/codec/index.js'
import type {SaslSession} from './sasl.js'
import type {ResponseReservation} from '../connection.js'

/** The listener a request came in on: where clients are told to connect (Metadata, FindCoordinator). */
export interface AdvertisedEndpoint {
  /** The listener's name (PLAINTEXT, or a name of listener.security.protocol.map). */
  name: string
  host: string
  port: number
}

/** What an adapter sees of the request beyond its body. */
export interface KafkaRequestContext {
  core: BrokerCore
  /** The request's API version. */
  version: number
  /** The request header's client id. */
  clientId: string
  /** The client's address, as Kafka reports members' hosts (`/127.0.0.1`). */
  clientHost: string
  /** The broker as this listener advertises it. */
  endpoint: AdvertisedEndpoint
  /** The cluster id (meta.properties of the home), as Metadata and DescribeCluster report it. */
  clusterId: string
  /** Hears when the connection closes (a parked fetch stops waiting). Group membership never follows it. */
  onClose(callback: () => void): () => void
  /** Waits up to `maxWaitMs` while the daemon-wide budget of unread responses has nothing for this connection. */
  waitForResponseBytes(maxWaitMs: number): Promise<void>
  /** A reservation of that budget for the response being built (see daemon/connection.ts). */
  reserveResponse(): ResponseReservation
  /** Run once the response is written (release what it held). */
  afterResponse(callback: () => void): void
  /** The connection's SASL exchange, on a SASL listener. */
  sasl?: SaslSession
  /** Closes the connection once the response is written (a failed authentication, as Kafka closes it). */
  closeAfterResponse(why: string): void
  /** Who the request comes from, as client quotas see it: the principal's name (ANONYMOUS before any) and client id. */
  quotaClient: QuotaClient
  /** The request's size: its frame without the size field (Kafka's request.sizeInBytes). */
  requestBytes: number
  /** Time spent handling the request (its synchronous part, once it waits), in ns; 0 while no request quota is set. */
  handlingNanos(): number
  /**
   * Throttles the client for exceeding a quota: nothing more is read from its connection for `ms` after this
   * response. An adapter that applies quotas itself (Produce, Fetch) calls it, with 0 when within quota; for the
   * others the listener applies the request-time quota and sets the response's throttleTimeMs.
   */
  throttle(ms: number): void
}

/** A response, or NO_RESPONSE for a request Kafka never answers (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response')

export type KafkaResult<Res> = Res | typeof NO_RESPONSE | Promise<Res | typeof NO_RESPONSE>

/** One Kafka API served by the listener. */
export interface KafkaApi<Req = unknown, Res = unknown> {
  /** The generated codec of the API key. */
  readonly codec: ApiCodec<Req, Res>
  /** The versions served, advertised by ApiVersions. */
  readonly minVersion: number
  readonly maxVersion: number
  /** False for an API served when asked but not listed by ApiVersions; 'sasl': listed on SASL listeners only. */
  readonly advertise?: boolean | 'sasl'
  /** Answers one request. Throwing a KafkaException closes nothing: see `errorResponse`. */
  handle(req: Req, ctx: KafkaRequestContext): KafkaResult<Res>
  /**
   * The response that reports one error for the whole request (Kafka's AbstractRequest.getErrorResponse): what the
   * listener answers when `handle` throws. Without it the listener closes the connection, as Kafka does for a request
   * it cannot answer.
   */
  errorResponse?(req: Req, code: number, message: string, ctx: KafkaRequestContext): Res
}

/** Declares an adapter with its types tied to its codec. */
export function defineKafkaApi<Req, Res>(api: KafkaApi<Req, Res>): KafkaApi<Req, Res> {
  if (api.minVersion < api.codec.minVersion || api.maxVersion > api.codec.maxVersion) {
    throw new Error(
      `${api.codec.name} serves v${api.minVersion}-${api.maxVersion} outside its codec's v${api.codec.minVersion}-${api.codec.maxVersion}`,
    )
  }
  return api
}

/** Kafka's numeric code of an error (UNKNOWN_SERVER_ERROR, -1, for what has none on the wire). */
export function kafkaCode(code: ErrorCode): number {
  return ERROR_CODES[code].kafka
}

/** Error code and message of a result item that may carry an error: 0 and null without one. */
export function errorFields(error: ErrorData | undefined): {errorCode: number; errorMessage: string | null} {
  return error === undefined
    ? {errorCode: 0, errorMessage: null}
    : {errorCode: kafkaCode(error.code), errorMessage: error.message}
}

/** The error code and message of anything thrown. */
export function thrownFields(error: unknown): {errorCode: number; errorMessage: string} {
  const e = error instanceof KafkaException ? error : toKafkaException(error)
  return {errorCode: kafkaCode(e.code), errorMessage: e.message}
}

/** Kafka's DescribeConfigsResponse.ConfigSource ids. */
const CONFIG_SOURCES = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const

/** The numeric config source of a config entry, as DescribeConfigs (v1+) and CreateTopics (v5+) report it. */
export function configSourceId(source: keyof typeof CONFIG_SOURCES): number {
  return CONFIG_SOURCES[source]
}
