// Whole Kafka frames: the size, the header and the body, with Kafka's rules for which header version goes with
// which API version.
//
//   frame           = size int32 | header | body           (size = the bytes after it)
//   request header  v1 = api_key int16 | api_version int16 | correlation_id int32 | client_id nullable string
//                   v2 = v1 | tagged fields                 (client_id stays an int16-length string)
//   response header v0 = correlation_id int32
//                   v1 = v0 | tagged fields
//
// A request uses header v2 from its API's first flexible version, v1 before; a response v1 and v0 likewise, except
// ApiVersions responses, always v0 (KIP-511: a client must read the error code before it knows what the broker
// speaks). The decoders here take a frame without its size: what a connection's frame splitter hands over.
import {KafkaException} from '../../../errors.js'
import {readRequestHeader, readResponseHeader, writeRequestHeader, writeResponseHeader} from '../messages/headers.js'
import type {RequestHeader, ResponseHeader} from '../messages/headers.js'
import {apiByKey} from '../messages/index.js'
import type {ApiCodec} from './api.js'
import {Reader, type RawTaggedField} from './reader.js'
import {SchemaException} from './schema-exception.js'
import {Writer} from './writer.js'

export type {RequestHeader, ResponseHeader}

const API_VERSIONS_KEY = 18

/** The request header version of an API version: 2 from the API's first flexible version, else 1. */
export function requestHeaderVersion(api: ApiCodec, apiVersion: number): 1 | 2 {
  return api.flexibleFrom !== null && apiVersion >= api.flexibleFrom ? 2 : 1
}

/** The response header version: 1 from the API's first flexible version, else 0; always 0 for ApiVersions. */
export function responseHeaderVersion(api: ApiCodec, apiVersion: number): 0 | 1 {
  if (api.apiKey === API_VERSIONS_KEY) return 0
  return api.flexibleFrom !== null && apiVersion >= api.flexibleFrom ? 1 : 0
}

/** A request's header fields other than the API key and version (taken from the codec and the version). */
export interface RequestHeaderFields {
  correlationId: number
  clientId: string | null
  /** Header v2 tagged fields to send (none are defined by Kafka; kept when relaying a decoded header). */
  unknownTaggedFields?: RawTaggedField[]
}

function unsupported(api: ApiCodec, version: number): KafkaException {
  return new KafkaException(
    'UNSUPPORTED_VERSION',
    `${api.name} v${version} is not supported: kafkalite's codec speaks versions ${api.minVersion} to ${api.maxVersion}`,
  )
}

function writeFrame(context: string, w: Writer, write: () => void): void {
  w.int32(0) // the size, patched below
  try {
    write()
  } catch (e) {
    throw e instanceof SchemaException ? e.within(context) : e
  }
  w.patchInt32(0, w.length - 4)
}

/** A request frame, size included, as chunks for the socket (large records are not copied). */
export function encodeRequestFrameChunks<Req>(
  api: ApiCodec<Req, unknown>,
  apiVersion: number,
  header: RequestHeaderFields,
  body: Req,
): Buffer[] {
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) throw unsupported(api, apiVersion)
  const w = new Writer()
  writeFrame(`${api.name}Request v${apiVersion}`, w, () => {
    writeRequestHeader(w, requestHeaderVersion(api, apiVersion), {
      requestApiKey: api.apiKey,
      requestApiVersion: apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      unknownTaggedFields: header.unknownTaggedFields,
    })
    api.writeRequest(w, apiVersion, body)
  })
  return w.finishChunks()
}

/** A request frame, size included. */
export function encodeRequestFrame<Req>(
  api: ApiCodec<Req, unknown>,
  apiVersion: number,
  header: RequestHeaderFields,
  body: Req,
): Buffer {
  const chunks = encodeRequestFrameChunks(api, apiVersion, header, body)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** A request's header, read before its body, and where the body starts. */
export interface DecodedRequestHeader {
  header: RequestHeader
  /** The API's codec; undefined for an API key kafkalite does not speak. */
  api: ApiCodec | undefined
  /** Offset of the body in the frame. */
  bodyOffset: number
}

/**
 * Reads a request's header (frame without its size). For an API key kafkalite does not speak the header is read as
 * v1 (its tagged fields, if any, are then left in the body). Throws SchemaException if even that cannot be read.
 */
export function decodeRequestHeader(frame: Buffer): DecodedRequestHeader {
  const r = new Reader(frame)
  r.context = 'RequestHeader'
  if (frame.length < 4) r.int32('requestApiKey') // fails with the frame's real length
  const apiKey = frame.readInt16BE(0)
  const apiVersion = frame.readInt16BE(2)
  const api = apiByKey(apiKey)
  const header = readRequestHeader(r, api === undefined ? 1 : requestHeaderVersion(api, apiVersion))
  return {header, api, bodyOffset: r.pos}
}

/** A decoded request: its header, its API's codec and its body. */
export interface DecodedRequest {
  header: RequestHeader
  api: ApiCodec
  body: unknown
}

/**
 * Reads a whole request (frame without its size). An API key kafkalite does not speak, or a version outside the
 * codec's range, is an UNSUPPORTED_VERSION KafkaException (read the header with decodeRequestHeader to answer it);
 * malformed bytes are a SchemaException.
 */
export function decodeRequestFrame(frame: Buffer): DecodedRequest {
  const {header, api, bodyOffset} = decodeRequestHeader(frame)
  if (api === undefined) {
    throw new KafkaException('UNSUPPORTED_VERSION', `API key ${header.requestApiKey} is not one kafkalite speaks`)
  }
  const version = header.requestApiVersion
  if (version < api.minVersion || version > api.maxVersion) throw unsupported(api, version)
  const r = new Reader(frame, bodyOffset)
  r.context = `${api.name}Request v${version}`
  return {header, api, body: api.readRequest(r, version)}
}

/** A response frame, size included, as chunks for the socket (a Fetch's stored batches are not copied). */
export function encodeResponseFrameChunks<Res>(
  api: ApiCodec<unknown, Res>,
  apiVersion: number,
  correlationId: number,
  body: Res,
  headerTaggedFields?: RawTaggedField[],
): Buffer[] {
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) throw unsupported(api, apiVersion)
  const w = new Writer()
  writeFrame(`${api.name}Response v${apiVersion}`, w, () => {
    writeResponseHeader(w, responseHeaderVersion(api, apiVersion), {
      correlationId,
      unknownTaggedFields: headerTaggedFields,
    })
    api.writeResponse(w, apiVersion, body)
  })
  return w.finishChunks()
}

/** A response frame, size included. */
export function encodeResponseFrame<Res>(
  api: ApiCodec<unknown, Res>,
  apiVersion: number,
  correlationId: number,
  body: Res,
  headerTaggedFields?: RawTaggedField[],
): Buffer {
  const chunks = encodeResponseFrameChunks(api, apiVersion, correlationId, body, headerTaggedFields)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** A decoded response: its header and body. */
export interface DecodedResponse<Res> {
  header: ResponseHeader
  body: Res
}

/** Reads a response (frame without its size) to a request of the given API and version. */
export function decodeResponseFrame<Res>(
  api: ApiCodec<unknown, Res>,
  apiVersion: number,
  frame: Buffer,
): DecodedResponse<Res> {
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) throw unsupported(api, apiVersion)
  const r = new Reader(frame)
  r.context = `ResponseHeader v${responseHeaderVersion(api, apiVersion)}`
  const header = readResponseHeader(r, responseHeaderVersion(api, apiVersion))
  r.context = `${api.name}Response v${apiVersion}`
  return {header, body: api.readResponse(r, apiVersion)}
}
