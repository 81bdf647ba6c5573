// AlterClientQuotas (key 49): v0-1.
//
// - Per entity, quota keys set or removed, all or none of an entity's ops (the core's rules, Kafka's
//   ClientQuotaControlManager: its keys, finite values above 0, whole numbers for byte rates, an entity or key given
//   twice refused), validateOnly checking without applying. One result per entity, with Kafka's message.
// - The new quotas apply at once to the clients' next requests.
import {
  APIS,
  type AlterClientQuotasRequest,
  type AlterClientQuotasResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const alterClientQuotasApi = defineKafkaApi<AlterClientQuotasRequest, AlterClientQuotasResponse>({
  codec: APIS.AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const {entries} = ctx.core.alterClientQuotas({
      entries: req.entries.map((e) => ({
        entity: e.entity.map((x) => ({entityType: x.entityType, entityName: x.entityName})),
        ops: e.ops.map((op) => ({key: op.key, value: op.value, remove: op.remove})),
      })),
      validateOnly: req.validateOnly,
    })
    return {
      throttleTimeMs: 0,
      entries: entries.map((e) => ({...errorFields(e.error), entity: e.entity})),
    }
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    entries: req.entries.map((e) => ({errorCode, errorMessage, entity: e.entity})),
  }),
})
