// SaslAuthenticate (key 36): v0-2, advertised on SASL listeners.
//
// - Carries the mechanism's messages after SaslHandshake (PLAIN: one). A refused one answers
//   SASL_AUTHENTICATION_FAILED with Kafka's message, and the connection is closed once that answer is written, as
//   Kafka closes it.
// - Before SaslHandshake, or on a listener without SASL: ILLEGAL_SASL_STATE, and the connection is closed.
// - sessionLifetimeMs 0 (v1+): no re-authentication (KIP-368) is asked for.
import {
  APIS,
  EMPTY_BYTES,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode} from '../api.js'

export const saslAuthenticateApi = defineKafkaApi<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  codec: APIS.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  advertise: 'sasl',
  handle(req, ctx) {
    const sasl = ctx.sasl
    if (sasl === undefined || sasl.mechanism === null || sasl.authenticated) {
      ctx.closeAfterResponse('SaslAuthenticate out of turn')
      return {
        errorCode: kafkaCode('ILLEGAL_SASL_STATE'),
        errorMessage: 'Unexpected SaslAuthenticate request: no SASL exchange is under way on this connection.',
        authBytes: EMPTY_BYTES,
        sessionLifetimeMs: 0,
      }
    }
    try {
      const authBytes = sasl.authenticate(req.authBytes)
      return {errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs: 0}
    } catch (error) {
      ctx.closeAfterResponse(`failed SASL authentication from ${ctx.clientHost}`)
      return {
        errorCode: kafkaCode('SASL_AUTHENTICATION_FAILED'),
        errorMessage: `${(error as Error).message}`,
        authBytes: EMPTY_BYTES,
        sessionLifetimeMs: 0,
      }
    }
  },
})
