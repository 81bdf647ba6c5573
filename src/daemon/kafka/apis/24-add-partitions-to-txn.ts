// AddPartitionsToTxn (key 24): v0-3, one transaction per request (the client's form).
//
// - The partitions join the producer's transaction, which becomes Ongoing; the client sends its records to them
//   afterwards. (A transactional batch joins its partition to the transaction by itself too, as in KIP-890.)
// - A partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED: nothing
//   is added.
// - The producer's id and epoch must be its transactional id's current ones: INVALID_PRODUCER_ID_MAPPING,
//   PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v2, KIP-588); CONCURRENT_TRANSACTIONS while it is being completed.
//   Such an error is every partition's.
// - Not served: v4+ batches transactions and verifies them (KIP-890), the form brokers send each other.
import {
  APIS,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'
import {fencedCode} from '../fenced.js'

type Topics = NonNullable<AddPartitionsToTxnRequest['v3AndBelowTopics']>
type TopicResults = NonNullable<AddPartitionsToTxnResponse['resultsByTopicV3AndBelow']>

/** Each partition's result, by topic as asked. */
function byTopic(topics: Topics, code: (topic: string, partition: number) => number): TopicResults {
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({partitionIndex: p, partitionErrorCode: code(t.name, p)})),
  }))
}

export const addPartitionsToTxnApi = defineKafkaApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  codec: APIS.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const topics = req.v3AndBelowTopics ?? []
    const {results} = ctx.core.addPartitionsToTxn({
      transactionalId: req.v3AndBelowTransactionalId ?? '',
      producerId: req.v3AndBelowProducerId ?? -1,
      producerEpoch: req.v3AndBelowProducerEpoch ?? -1,
      partitions: topics.flatMap((t) => t.partitions.map((partition) => ({topic: t.name, partition}))),
    })
    const codes = new Map(results.map((r) => [`${r.partition}:${r.topic}`, errorFields(r.error).errorCode]))
    return {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: byTopic(topics, (t, p) => fencedCode(codes.get(`${p}:${t}`) ?? 0, ctx.version, 2)),
    }
  },
  errorResponse: (req, errorCode, _message, ctx) => ({
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: byTopic(req.v3AndBelowTopics ?? [], () => fencedCode(errorCode, ctx.version, 2)),
  }),
})
