// OffsetFetch (key 9): v1-9.
//
// - Committed offsets of the partitions named, or of every partition the group has committed (topics null, v2+).
//   A partition without a committed offset answers offset -1 and no error, as in Kafka.
// - v7+ require_stable (what read_committed consumers send, KIP-447): a partition with offsets pending in an open
//   transaction answers UNSTABLE_OFFSET_COMMIT and offset -1, so the consumer asks again once it ends.
// - v8+ several groups in one request, each answered with its own error; v9's member id and epoch belong to KIP-848
//   groups and are not checked for a classic group, as in Kafka.
// - v10 (topic ids) is not served.
import {APIS, type OffsetFetchRequest, type OffsetFetchResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, thrownFields, type KafkaRequestContext} from '../api.js'

interface PartitionOffset {
  partitionIndex: number
  committedOffset: number
  committedLeaderEpoch: number
  metadata: string | null
  errorCode: number
}

/** One group's committed offsets, by topic: of the partitions asked for, or of all (`topics` null). */
function fetchGroup(
  groupId: string,
  topics: readonly {name?: string; partitionIndexes: number[]}[] | null,
  requireStable: boolean,
  ctx: KafkaRequestContext,
): {name: string; partitions: PartitionOffset[]}[] {
  const res = ctx.core.offsetFetch({
    groupId,
    partitions:
      topics === null
        ? null
        : topics.flatMap((t) => t.partitionIndexes.map((p) => ({topic: t.name ?? '', partition: p}))),
    requireStable,
  })
  const byTopic = new Map<string, PartitionOffset[]>()
  for (const t of topics ?? []) if (!byTopic.has(t.name ?? '')) byTopic.set(t.name ?? '', [])
  for (const o of res.offsets) {
    const {errorCode} = errorFields(o.error)
    let partitions = byTopic.get(o.topic)
    if (partitions === undefined) byTopic.set(o.topic, (partitions = []))
    partitions.push({
      partitionIndex: o.partition,
      committedOffset: errorCode === 0 ? o.offset : -1,
      committedLeaderEpoch: errorCode === 0 ? o.leaderEpoch : -1,
      metadata: errorCode === 0 ? o.metadata : '',
      errorCode,
    })
  }
  return [...byTopic].map(([name, partitions]) => ({name, partitions}))
}

export const offsetFetchApi = defineKafkaApi<OffsetFetchRequest, OffsetFetchResponse>({
  codec: APIS.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  handle(req, ctx) {
    const requireStable = req.requireStable ?? false
    if (ctx.version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: (req.groups ?? []).map((g) => {
          try {
            return {groupId: g.groupId, topics: fetchGroup(g.groupId, g.topics, requireStable, ctx), errorCode: 0}
          } catch (error) {
            return {groupId: g.groupId, topics: [], errorCode: thrownFields(error).errorCode}
          }
        }),
      }
    }
    return {
      throttleTimeMs: 0,
      topics: fetchGroup(req.groupId ?? '', req.topics ?? null, requireStable, ctx),
      errorCode: 0,
    }
  },
  errorResponse: (req, errorCode, _message, ctx) => {
    if (ctx.version >= 8) {
      return {throttleTimeMs: 0, groups: (req.groups ?? []).map((g) => ({groupId: g.groupId, topics: [], errorCode}))}
    }
    // v1 has no error of the whole response: each partition asked for carries it.
    const topics = (req.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({
        partitionIndex: p,
        committedOffset: -1,
        committedLeaderEpoch: -1,
        metadata: '',
        errorCode,
      })),
    }))
    return {throttleTimeMs: 0, topics: ctx.version >= 2 ? [] : topics, errorCode}
  },
})
