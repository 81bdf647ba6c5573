// DeleteRecords (key 21): v0-2.
//
// - Moves each partition's log start offset up to the offset given (-1: the high watermark), never back: batches
//   wholly below it are deleted, reads below it are OFFSET_OUT_OF_RANGE, and ListOffsets earliest answers it. The
//   low watermark answered is the partition's log start offset afterwards.
// - OFFSET_OUT_OF_RANGE above the high watermark, POLICY_VIOLATION on a topic whose cleanup.policy lacks delete,
//   UNKNOWN_TOPIC_OR_PARTITION (low watermark -1), with Kafka's messages (the core's rules).
// - timeoutMs is not waited on: with one broker the deletion is committed once answered.
import {APIS, type DeleteRecordsRequest, type DeleteRecordsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const deleteRecordsApi = defineKafkaApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  codec: APIS.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const partitions = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex, offset: p.offset})),
    )
    const results = ctx.core.deleteRecords({partitions}).partitions
    let i = 0
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map(() => {
          const r = results[i++]!
          return {partitionIndex: r.partition, lowWatermark: r.lowWatermark, errorCode: errorFields(r.error).errorCode}
        }),
      })),
    }
  },
  errorResponse: (req, errorCode) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode})),
    })),
  }),
})
