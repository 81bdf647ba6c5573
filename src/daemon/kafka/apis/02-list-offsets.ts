// ListOffsets (key 2): v1-7.
//
// - Timestamps: -1 latest (the last stable offset for read_committed, v2+), -2 earliest, -3 the offset of the largest
//   timestamp (v7), -4 earliest local (the earliest: kafkalite keeps no remote tier), or the first offset whose
//   timestamp is at or after the one given (offset -1 when none is).
// - Leader epochs are -1, as Metadata's.
import {APIS, type ListOffsetsRequest, type ListOffsetsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const listOffsetsApi = defineKafkaApi<ListOffsetsRequest, ListOffsetsResponse>({
  codec: APIS.ListOffsets,
  minVersion: 1,
  maxVersion: 7,
  handle(req, ctx) {
    const partitions = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        timestamp: p.timestamp === -4 ? -2 : p.timestamp,
      })),
    )
    const res = ctx.core.listOffsets({isolationLevel: req.isolationLevel === 1 ? 1 : 0, partitions})
    let i = 0
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map(() => {
          const r = res.partitions[i++]!
          return {
            partitionIndex: r.partition,
            errorCode: errorFields(r.error).errorCode,
            timestamp: r.timestamp,
            offset: r.offset,
            leaderEpoch: -1,
          }
        }),
      })),
    }
  },
})
