// SaslHandshake (key 17): v0-1, advertised on SASL listeners.
//
// - On a SASL listener (SASL_PLAINTEXT, SASL_SSL), an enabled mechanism is chosen for the connection; another gets
//   UNSUPPORTED_SASL_MECHANISM with the enabled ones, as Kafka answers.
// - On other listeners no mechanism is enabled: a client configured for SASL is told so (an empty list), as a Kafka
//   broker without SASL on that listener tells it.
// - v0 (SASL tokens without Kafka's framing) is refused with UNSUPPORTED_VERSION by the mechanism list: kafkalite
//   reads tokens in SaslAuthenticate only, which every client of Kafka 4 sends.
import {APIS, type SaslHandshakeRequest, type SaslHandshakeResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode} from '../api.js'

export const saslHandshakeApi = defineKafkaApi<SaslHandshakeRequest, SaslHandshakeResponse>({
  codec: APIS.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  advertise: 'sasl',
  handle(req, ctx) {
    const sasl = ctx.sasl
    if (sasl === undefined) return {errorCode: kafkaCode('UNSUPPORTED_SASL_MECHANISM'), mechanisms: []}
    if (ctx.version === 0) {
      return {errorCode: kafkaCode('UNSUPPORTED_VERSION'), mechanisms: sasl.settings.mechanisms}
    }
    const ok = sasl.handshake(req.mechanism)
    return {errorCode: ok ? 0 : kafkaCode('UNSUPPORTED_SASL_MECHANISM'), mechanisms: sasl.settings.mechanisms}
  },
})
