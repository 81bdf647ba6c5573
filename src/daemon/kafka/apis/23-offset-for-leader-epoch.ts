// OffsetForLeaderEpoch (key 23): v2-4, served but not advertised (no client here needs it).
//
// - kafkalite's partitions never change leader: their one leader epoch is 0, reported as -1 (unknown) by Metadata
//   and ListOffsets, so that clients do not validate their positions with this API. A client that asks anyway gets
//   Kafka's answers for a log whose one epoch spans it all: epoch 0 ends at the log end offset; epoch -1, or one
//   above 0, has no end offset known (epoch -1, offset -1).
// - A current leader epoch above 0 is UNKNOWN_LEADER_EPOCH (the client knows an epoch the broker does not: it
//   refreshes its metadata); -1 and 0 pass. An unknown partition is UNKNOWN_TOPIC_OR_PARTITION.
import {
  APIS,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode} from '../api.js'

const LEADER_EPOCH = 0

export const offsetForLeaderEpochApi = defineKafkaApi<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  codec: APIS.OffsetForLeaderEpoch,
  minVersion: 2,
  maxVersion: 4,
  advertise: false,
  handle(req, ctx) {
    const partitions = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({topic: t.topic, partition: p.partition, timestamp: -1})),
    )
    const ends = ctx.core.listOffsets({isolationLevel: 0, partitions}).partitions
    let i = 0
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const end = ends[i++]!
          const unknown = {partition: p.partition, leaderEpoch: -1, endOffset: -1}
          if (end.error) return {...unknown, errorCode: errorFields(end.error).errorCode}
          if (p.currentLeaderEpoch > LEADER_EPOCH) return {...unknown, errorCode: kafkaCode('UNKNOWN_LEADER_EPOCH')}
          if (p.leaderEpoch !== LEADER_EPOCH) return {...unknown, errorCode: 0}
          return {partition: p.partition, errorCode: 0, leaderEpoch: LEADER_EPOCH, endOffset: end.offset}
        }),
      })),
    }
  },
  errorResponse: (req, errorCode) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => ({partition: p.partition, errorCode, leaderEpoch: -1, endOffset: -1})),
    })),
  }),
})
