// AddOffsetsToTxn (key 25): v0-3.
//
// - The group's offsets will be committed with the producer's transaction (TxnOffsetCommit follows); the transaction
//   becomes Ongoing. Kafka adds the group's partition of __consumer_offsets to the transaction; kafkalite's
//   transaction holds the offsets itself.
// - The producer's id and epoch must be its transactional id's current ones: INVALID_PRODUCER_ID_MAPPING,
//   PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v2, KIP-588); CONCURRENT_TRANSACTIONS while it is being completed.
// - Not served: v4 only tells that the client understands TRANSACTION_ABORTABLE (KIP-890), never sent here.
import {APIS, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'
import {fencedCode} from '../fenced.js'

export const addOffsetsToTxnApi = defineKafkaApi<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  codec: APIS.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    ctx.core.addOffsetsToTxn({
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      groupId: req.groupId,
    })
    return {throttleTimeMs: 0, errorCode: 0}
  },
  errorResponse: (_req, errorCode, _message, ctx) => ({
    throttleTimeMs: 0,
    errorCode: fencedCode(errorCode, ctx.version, 2),
  }),
})
