// What the generated codec of each API key offers (../messages/<api>.ts builds one with defineApi): the facts a
// broker needs to advertise it (versions, first flexible version) and its four directions.
import {KafkaException} from '../../../errors.js'
import {Reader} from './reader.js'
import {SchemaException} from './schema-exception.js'
import {Writer} from './writer.js'

/** The generated encoders and decoders of one Kafka API, with its versions. */
export interface ApiCodec<Req = unknown, Res = unknown> {
  readonly apiKey: number
  /** Kafka's name of the API: `Produce`, `ApiVersions`. */
  readonly name: string
  /** The lowest version the codec speaks (below Kafka 4's floor where clients still send older ones). */
  readonly minVersion: number
  readonly maxVersion: number
  /** The first flexible version (compact types, tagged fields, header v2/v1), or null when none is. */
  readonly flexibleFrom: number | null
  /** The lowest version the pinned Apache Kafka release still accepts. */
  readonly kafkaMinVersion: number
  /** Kafka marks maxVersion unstable: not advertised by default. */
  readonly latestVersionUnstable: boolean
  /** The request body at a version, as bytes. */
  encodeRequest(version: number, body: Req): Buffer
  /** The request body at a version; throws SchemaException on bytes that are not one. */
  decodeRequest(version: number, data: Buffer): Req
  encodeResponse(version: number, body: Res): Buffer
  decodeResponse(version: number, data: Buffer): Res
  /** The request body, written into a writer (after a header). */
  writeRequest(w: Writer, version: number, body: Req): void
  /** The request body, read from a reader (after a header). */
  readRequest(r: Reader, version: number): Req
  writeResponse(w: Writer, version: number, body: Res): void
  readResponse(r: Reader, version: number): Res
}

interface ApiDefinition<Req, Res> {
  apiKey: number
  name: string
  minVersion: number
  maxVersion: number
  flexibleFrom: number | null
  kafkaMinVersion: number
  latestVersionUnstable: boolean
  readRequest(r: Reader, version: number): Req
  writeRequest(w: Writer, version: number, body: Req): void
  readResponse(r: Reader, version: number): Res
  writeResponse(w: Writer, version: number, body: Res): void
}

/** Builds an API's codec from its generated readers and writers, adding version checks and error context. */
export function defineApi<Req, Res>(d: ApiDefinition<Req, Res>): ApiCodec<Req, Res> {
  const check = (version: number) => {
    if (!Number.isInteger(version) || version < d.minVersion || version > d.maxVersion) {
      throw new KafkaException(
        'UNSUPPORTED_VERSION',
        `${d.name} v${version} is not supported: kafkalite's codec speaks versions ${d.minVersion} to ${d.maxVersion}`,
      )
    }
  }
  const request = (version: number) => `${d.name}Request v${version}`
  const response = (version: number) => `${d.name}Response v${version}`
  const read = <T>(context: string, data: Buffer, version: number, fn: (r: Reader, v: number) => T): T => {
    const r = new Reader(data)
    r.context = context
    return fn(r, version)
  }
  const write = <T>(context: string, version: number, body: T, fn: (w: Writer, v: number, b: T) => void) => {
    const w = new Writer()
    try {
      fn(w, version, body)
    } catch (e) {
      throw e instanceof SchemaException ? e.within(context) : e
    }
    return w.finish()
  }
  return {
    apiKey: d.apiKey,
    name: d.name,
    minVersion: d.minVersion,
    maxVersion: d.maxVersion,
    flexibleFrom: d.flexibleFrom,
    kafkaMinVersion: d.kafkaMinVersion,
    latestVersionUnstable: d.latestVersionUnstable,
    encodeRequest(version, body) {
      check(version)
      return write(request(version), version, body, d.writeRequest)
    },
    decodeRequest(version, data) {
      check(version)
      return read(request(version), data, version, d.readRequest)
    },
    encodeResponse(version, body) {
      check(version)
      return write(response(version), version, body, d.writeResponse)
    },
    decodeResponse(version, data) {
      check(version)
      return read(response(version), data, version, d.readResponse)
    },
    writeRequest: d.writeRequest,
    readRequest: d.readRequest,
    writeResponse: d.writeResponse,
    readResponse: d.readResponse,
  }
}
