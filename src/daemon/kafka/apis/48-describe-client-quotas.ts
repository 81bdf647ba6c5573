// DescribeClientQuotas (key 48): v0-1.
//
// - The quota entities (users, client ids, users with client ids, defaults) matching every filter component
//   (match type 0: exactly this name, 1: the default, 2: any name), with `strict` no entity with other parts, and
//   their quotas: the core's rules, Kafka's (ClientQuotasImage.describe).
// - A bad filter (an empty or repeated entity type, a match type with or without a match string where it must not,
//   ip with user or client-id) answers INVALID_REQUEST with Kafka's message; an entity type other than user,
//   client-id and ip answers UNSUPPORTED_VERSION, as Kafka's broker does.
import {
  APIS,
  type DescribeClientQuotasRequest,
  type DescribeClientQuotasResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'

export const describeClientQuotasApi = defineKafkaApi<DescribeClientQuotasRequest, DescribeClientQuotasResponse>({
  codec: APIS.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const {entries} = ctx.core.describeClientQuotas({
      components: req.components.map((c) => ({entityType: c.entityType, matchType: c.matchType, match: c.match})),
      strict: req.strict,
    })
    return {throttleTimeMs: 0, errorCode: 0, errorMessage: null, entries}
  },
  errorResponse: (_req, errorCode, errorMessage) => ({throttleTimeMs: 0, errorCode, errorMessage, entries: null}),
})
