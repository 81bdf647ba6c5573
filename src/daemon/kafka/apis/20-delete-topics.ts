// DeleteTopics (key 20): v0-6.
//
// - By name (v0-5), or by name or topic id (v6). Offsets and lag history of a deleted topic go with it (the core).
// - delete.topic.enable=false refuses with TOPIC_DELETION_DISABLED, Kafka's answer from v3 (POLICY_VIOLATION before,
//   for older clients, as Kafka does not send 73 to them).
import {APIS, type DeleteTopicsRequest, type DeleteTopicsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode} from '../api.js'

export const deleteTopicsApi = defineKafkaApi<DeleteTopicsRequest, DeleteTopicsResponse>({
  codec: APIS.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    const asked =
      ctx.version >= 6
        ? (req.topics ?? []).map((t) => ({
            name: t.name ?? ctx.core.topicNameById(t.topicId) ?? null,
            topicId: t.topicId,
          }))
        : (req.topicNames ?? []).map((name) => ({name, topicId: undefined as string | undefined}))
    const names = asked.flatMap((t) => (t.name === null ? [] : [t.name]))
    const ids = new Map(names.map((n) => [n, ctx.core.broker.topic(n)?.row.topicId]))
    const deleted = new Map(ctx.core.deleteTopics({names}).topics.map((t) => [t.name, t]))
    return {
      throttleTimeMs: 0,
      responses: asked.map((t) => {
        if (t.name === null) {
          return {name: null, topicId: t.topicId, errorCode: kafkaCode('UNKNOWN_TOPIC_ID'), errorMessage: null}
        }
        const result = deleted.get(t.name)!
        const {errorCode, errorMessage} = errorFields(result.error)
        const disabled = result.error?.code === 'POLICY_VIOLATION' && ctx.version >= 3
        return {
          name: t.name,
          topicId: t.topicId ?? ids.get(t.name),
          errorCode: disabled ? kafkaCode('TOPIC_DELETION_DISABLED') : errorCode,
          errorMessage,
        }
      }),
    }
  },
})
