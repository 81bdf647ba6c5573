// kafkalite's Kafka protocol codec in one import: every API's generated encoders and decoders with its versions (the
// registry), the message types, whole frames with Kafka's header rules, and the error a decoder throws.
export * from '../messages/index.js'
export type {ApiCodec} from './api.js'
export {
  decodeRequestFrame,
  decodeRequestHeader,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeRequestFrameChunks,
  encodeResponseFrame,
  encodeResponseFrameChunks,
  requestHeaderVersion,
  responseHeaderVersion,
  type DecodedRequest,
  type DecodedRequestHeader,
  type DecodedResponse,
  type RequestHeader,
  type RequestHeaderFields,
  type ResponseHeader,
} from './frame.js'
export {EMPTY_BYTES, Reader, ZERO_UUID, type RawTaggedField} from './reader.js'
export {SchemaException} from './schema-exception.js'
export {Writer, type Records} from './writer.js'
