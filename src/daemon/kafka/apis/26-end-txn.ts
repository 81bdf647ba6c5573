// EndTxn (key 26): v0-3.
//
// - Commits or aborts the producer's transaction: the markers go to every partition of it and a commit's offsets
//   are committed, all in one SQLite transaction, before the answer.
// - Kafka's rules of transaction version 1 (clients that add partitions explicitly, the only ones this listener
//   serves: it advertises no transaction.version feature): a commit of a transaction already committed, or an abort
//   of one already aborted, succeeds (the retry of an EndTxn whose answer was lost); the other end of a completed
//   transaction, or any end in Empty, is INVALID_TXN_STATE. This is the core's `retry` rule for every request.
// - The producer's id and epoch must be its transactional id's current ones: INVALID_PRODUCER_ID_MAPPING,
//   PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v2, KIP-588).
// - Not served: v4 only tells that the client understands TRANSACTION_ABORTABLE (KIP-890), never sent here; v5 is
//   transaction version 2 (the coordinator bumps the epoch at every end).
import {APIS, type EndTxnRequest, type EndTxnResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'
import {fencedCode} from '../fenced.js'

export const endTxnApi = defineKafkaApi<EndTxnRequest, EndTxnResponse>({
  codec: APIS.EndTxn,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    ctx.core.endTxn({
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      committed: req.committed,
      retry: true,
    })
    return {throttleTimeMs: 0, errorCode: 0}
  },
  errorResponse: (_req, errorCode, _message, ctx) => ({
    throttleTimeMs: 0,
    errorCode: fencedCode(errorCode, ctx.version, 2),
  }),
})
