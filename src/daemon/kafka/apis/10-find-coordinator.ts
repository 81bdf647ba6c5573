// FindCoordinator (key 10): v0-4.
//
// - One broker coordinates every group (key type 0) and every transactional id (key type 1): this one, at the
//   address the request's listener advertises. v4 asks for several keys at once.
// - An empty key is INVALID_REQUEST for a transactional id, as in Kafka; an unknown key type is INVALID_REQUEST.
import {APIS, type FindCoordinatorRequest, type FindCoordinatorResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode, type KafkaRequestContext} from '../api.js'

function coordinator(key: string, keyType: number, ctx: KafkaRequestContext) {
  const error =
    keyType !== 0 && keyType !== 1
      ? `Unknown coordinator key type ${keyType} (0: group, 1: transaction).`
      : keyType === 1 && key === ''
        ? 'The transactional id is empty.'
        : null
  return {
    key,
    nodeId: error === null ? ctx.core.config.brokerId : -1,
    host: error === null ? ctx.endpoint.host : '',
    port: error === null ? ctx.endpoint.port : -1,
    errorCode: error === null ? 0 : kafkaCode('INVALID_REQUEST'),
    errorMessage: error,
  }
}

export const findCoordinatorApi = defineKafkaApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  codec: APIS.FindCoordinator,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const keyType = req.keyType ?? 0
    if (ctx.version >= 4) {
      return {throttleTimeMs: 0, coordinators: (req.coordinatorKeys ?? []).map((k) => coordinator(k, keyType, ctx))}
    }
    const c = coordinator(req.key ?? '', keyType, ctx)
    return {
      throttleTimeMs: 0,
      errorCode: c.errorCode,
      errorMessage: c.errorMessage,
      nodeId: c.nodeId,
      host: c.host,
      port: c.port,
    }
  },
})
