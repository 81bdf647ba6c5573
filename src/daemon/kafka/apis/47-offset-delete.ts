// OffsetDelete (key 47): v0.
//
// - Deletes a group's committed offsets of some partitions. A group that does not exist is GROUP_ID_NOT_FOUND for
//   the whole request; a partition of a topic the group's members subscribe to is GROUP_SUBSCRIBED_TO_TOPIC (read
//   from their ConsumerProtocol subscriptions), one of a topic that does not exist UNKNOWN_TOPIC_OR_PARTITION.
import {APIS, type OffsetDeleteRequest, type OffsetDeleteResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const offsetDeleteApi = defineKafkaApi<OffsetDeleteRequest, OffsetDeleteResponse>({
  codec: APIS.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const res = ctx.core.offsetDelete({
      groupId: req.groupId,
      partitions: req.topics.flatMap((t) => t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex}))),
    })
    let i = 0
    return {
      errorCode: 0,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errorFields(res.results[i++]?.error).errorCode,
        })),
      })),
    }
  },
  errorResponse: (_req, errorCode) => ({errorCode, throttleTimeMs: 0, topics: []}),
})
