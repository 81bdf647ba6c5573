// OffsetCommit (key 8): v2-9.
//
// - A member's commit carries its generation and member id (v7+ its group.instance.id), checked by the group
//   coordinator: ILLEGAL_GENERATION after a rebalance, REBALANCE_IN_PROGRESS while the group waits for its
//   assignment, UNKNOWN_MEMBER_ID from outside the group. Generation -1 with no member id is a simple commit (a
//   consumer using assign(), or a tool resetting offsets), accepted while the group has no members; a group that
//   does not exist is created Empty by it, as in Kafka.
// - An error of the whole commit is every partition's error code. A partition that does not exist is
//   UNKNOWN_TOPIC_OR_PARTITION, the others are committed.
// - retentionTimeMs (v2-4) is ignored: kafkalite keeps committed offsets until their group or topic is deleted.
//   Null metadata is stored as '', leader epochs (v6+) as they come.
// - v10 (topic ids, for KIP-848 groups) is not served.
import {APIS, type OffsetCommitRequest, type OffsetCommitResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const offsetCommitApi = defineKafkaApi<OffsetCommitRequest, OffsetCommitResponse>({
  codec: APIS.OffsetCommit,
  minVersion: 2,
  maxVersion: 9,
  handle(req, ctx) {
    const res = ctx.core.offsetCommit({
      groupId: req.groupId,
      generationId: req.generationIdOrMemberEpoch,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      offsets: req.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name ?? '',
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch ?? -1,
          metadata: p.committedMetadata,
        })),
      ),
    })
    // The core answers each partition in the order of the request.
    let i = 0
    return {
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
  errorResponse: (req, errorCode) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode})),
    })),
  }),
})
