// SaslHandshake (key 17): v0-1, served but not advertised.
//
// kafkalite's listener is PLAINTEXT: no SASL mechanism is enabled, so a client configured for SASL is told so
// (UNSUPPORTED_SASL_MECHANISM with an empty list), as a Kafka broker without SASL on that listener tells it.
import {APIS, type SaslHandshakeRequest, type SaslHandshakeResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode} from '../api.js'

export const saslHandshakeApi = defineKafkaApi<SaslHandshakeRequest, SaslHandshakeResponse>({
  codec: APIS.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  advertise: false,
  handle: () => ({errorCode: kafkaCode('UNSUPPORTED_SASL_MECHANISM'), mechanisms: []}),
})
