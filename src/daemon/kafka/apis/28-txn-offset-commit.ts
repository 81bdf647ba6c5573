// TxnOffsetCommit (key 28): v0-3.
//
// - The offsets wait in the producer's transaction and are committed with it (nothing is committed when it aborts).
//   Meanwhile OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for those partitions.
// - v3+ (KIP-447): the consumer's group metadata (generation, member id, group instance id), when given, is checked
//   as an OffsetCommit's is: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS.
// - A partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION; the others are taken.
// - The producer's id and epoch must be its transactional id's current ones (INVALID_PRODUCER_ID_MAPPING; a stale
//   epoch is INVALID_PRODUCER_EPOCH, the code every client reads as fenced here: Kafka's group coordinator never
//   answers PRODUCER_FENCED). Such an error, or the group's, is every partition's.
// - The committed leader epoch is not kept: kafkalite's leader epochs are -1 (Metadata, ListOffsets).
// - Not served: v4 only tells that the client understands TRANSACTION_ABORTABLE (KIP-890), never sent here; v5 is
//   transaction version 2; v6 names topics by id.
import {APIS, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode} from '../api.js'

/** Each partition's code, by topic as asked. */
function byTopic(req: TxnOffsetCommitRequest, code: (topic: string, partition: number) => number) {
  return req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: code(t.name ?? '', p.partitionIndex),
    })),
  }))
}

export const txnOffsetCommitApi = defineKafkaApi<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  codec: APIS.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const {results} = ctx.core.txnOffsetCommit({
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      groupId: req.groupId,
      generationId: req.generationIdOrMemberEpoch ?? -1,
      memberId: req.memberId ?? '',
      groupInstanceId: req.groupInstanceId ?? null,
      offsets: req.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name ?? '',
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.committedMetadata,
        })),
      ),
    })
    const codes = new Map(results.map((r) => [`${r.partition}:${r.topic}`, errorFields(r.error).errorCode]))
    return {throttleTimeMs: 0, topics: byTopic(req, (t, p) => codes.get(`${p}:${t}`) ?? 0)}
  },
  errorResponse: (req, errorCode) => {
    const code = errorCode === kafkaCode('PRODUCER_FENCED') ? kafkaCode('INVALID_PRODUCER_EPOCH') : errorCode
    return {throttleTimeMs: 0, topics: byTopic(req, () => code)}
  },
})
