// InitProducerId (key 22): v0-4.
//
// - Without a transactional id: a new producer id, epoch 0, for an idempotent producer (kafkajs sends this one to
//   Metadata's controller, which is this broker).
// - With one: the transaction coordinator fences the id's older producers (epoch bump), aborts the transaction they
//   left open, and rotates the producer id when the epoch is exhausted.
// - v3+ (KIP-360): a producer id and epoch in the request ask for that producer's epoch to be bumped (recovering
//   from an error) rather than for a new producer; -1 and -1 mean none, one of the two alone is INVALID_REQUEST.
// - PRODUCER_FENCED is INVALID_PRODUCER_EPOCH below v4 (KIP-588).
// - Not served: v5 only tells that the client understands TRANSACTION_ABORTABLE (KIP-890), which kafkalite never
//   sends, and no client needs it (@platformatic/kafka takes v4); v6 is KIP-939's two-phase commit.
import {KafkaException} from '../../../errors.js'
import {APIS, type InitProducerIdRequest, type InitProducerIdResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'
import {fencedCode} from '../fenced.js'

/** The producer a KIP-360 request names, from its sentinels. */
function expectedProducer(req: InitProducerIdRequest): {producerId: number; producerEpoch: number} | undefined {
  const producerId = req.producerId ?? -1
  const producerEpoch = req.producerEpoch ?? -1
  if (producerId === -1 && producerEpoch === -1) return undefined
  if (producerId === -1 || producerEpoch === -1) {
    throw new KafkaException(
      'INVALID_REQUEST',
      `Producer id ${producerId} and epoch ${producerEpoch}: give both (to bump an epoch) or neither.`,
    )
  }
  return {producerId, producerEpoch}
}

export const initProducerIdApi = defineKafkaApi<InitProducerIdRequest, InitProducerIdResponse>({
  codec: APIS.InitProducerId,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const {producerId, producerEpoch} = ctx.core.initProducerId({
      transactionalId: req.transactionalId,
      transactionTimeoutMs: req.transactionTimeoutMs,
      expected: expectedProducer(req),
    })
    return {throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch}
  },
  errorResponse: (_req, errorCode, _message, ctx) => ({
    throttleTimeMs: 0,
    errorCode: fencedCode(errorCode, ctx.version, 4),
    producerId: -1,
    producerEpoch: -1,
  }),
})
