// DescribeProducers (key 61): v0.
//
// - The producer state of each partition asked for (`kafka-transactions describe-producers`, `find-hanging`):
//   every producer the partition remembers, with its epoch, last sequence and timestamp, and the first offset of its
//   open transaction (-1 when none is open).
// - A partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION.
import {
  APIS,
  type DescribeProducersRequest,
  type DescribeProducersResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const describeProducersApi = defineKafkaApi<DescribeProducersRequest, DescribeProducersResponse>({
  codec: APIS.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const res = ctx.core.describeProducers({
      partitions: req.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({topic: t.name, partition}))),
    })
    let i = 0
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map(() => {
          const r = res.partitions[i++]!
          return {
            partitionIndex: r.partition,
            ...errorFields(r.error),
            activeProducers: r.producers.map((p) => ({
              producerId: p.producerId,
              producerEpoch: p.producerEpoch,
              lastSequence: p.lastSequence,
              lastTimestamp: p.lastTimestamp,
              coordinatorEpoch: p.coordinatorEpoch,
              currentTxnStartOffset: p.currentTxnStartOffset,
            })),
          }
        }),
      })),
    }
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({
        partitionIndex,
        errorCode,
        errorMessage,
        activeProducers: [],
      })),
    })),
  }),
})
