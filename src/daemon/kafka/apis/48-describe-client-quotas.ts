// DescribeClientQuotas (key 48): v0-1.
//
// - kafkalite enforces no client quotas and stores none, so every valid filter matches nothing: an empty list of
//   entries, Kafka's answer for a cluster without quotas. Kafka's kafka-configs asks for it before it describes
//   users' SCRAM credentials.
// - A filter's entity types must be Kafka's (user, client-id, ip) and its match types 0-2, as Kafka checks them:
//   INVALID_REQUEST otherwise.
import {
  APIS,
  type DescribeClientQuotasRequest,
  type DescribeClientQuotasResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode} from '../api.js'

const ENTITY_TYPES = new Set(['user', 'client-id', 'ip'])
const MATCH_TYPES = new Set([0, 1, 2]) // exact, default, any

export const describeClientQuotasApi = defineKafkaApi<DescribeClientQuotasRequest, DescribeClientQuotasResponse>({
  codec: APIS.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(req) {
    for (const c of req.components) {
      const problem = !ENTITY_TYPES.has(c.entityType)
        ? `Custom entity type '${c.entityType}' not supported`
        : !MATCH_TYPES.has(c.matchType)
          ? `Unknown match type ${c.matchType}`
          : undefined
      if (problem) {
        return {throttleTimeMs: 0, errorCode: kafkaCode('INVALID_REQUEST'), errorMessage: problem, entries: null}
      }
    }
    return {throttleTimeMs: 0, errorCode: 0, errorMessage: null, entries: []}
  },
  errorResponse: (_req, errorCode, errorMessage) => ({throttleTimeMs: 0, errorCode, errorMessage, entries: null}),
})
