// Fetch (key 1): v4-13.
//
// - A long poll (fetch.min.bytes / fetch.max.wait.ms) in the broker core, cancelled when the connection closes.
// - The stored batches go out as they are, not copied (a records field may be several stored batches).
// - read_committed (isolation level 1) reads up to the last stable offset, with the aborted transactions of what it
//   returns; read_uncommitted gets no aborted-transactions list (null), as from Kafka.
// - Fetch sessions (KIP-227) are declined, as Kafka allows: every answer has session id 0, so clients send full
//   fetches; an incremental fetch (a session id kafkalite never gave) gets FETCH_SESSION_ID_NOT_FOUND.
// - Topics by id (v13): an unknown id answers UNKNOWN_TOPIC_ID for its partitions.
// - What a fetch may read comes out of the daemon-wide budget of responses clients have not read yet.
// - Client quotas: a fetch reads at most what consumer_byte_rate allows in the quota window; the bytes it returns
//   count against consumer_byte_rate, and its handling time against request_percentage. Over either, the response is
//   empty (the bytes uncounted) with throttleTimeMs, and the listener reads nothing more from the connection for that
//   long (KIP-219).
import type {FetchResult} from '../../../broker/fetch.js'
import {APIS, type FetchRequest, type FetchResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode} from '../api.js'

type PartitionData = FetchResponse['responses'][number]['partitions'][number]

export const fetchApi = defineKafkaApi<FetchRequest, FetchResponse>({
  codec: APIS.Fetch,
  minVersion: 4,
  maxVersion: 13,
  async handle(req, ctx) {
    if ((req.sessionId ?? 0) !== 0) {
      return {throttleTimeMs: 0, errorCode: kafkaCode('FETCH_SESSION_ID_NOT_FOUND'), sessionId: 0, responses: []}
    }
    const readCommitted = req.isolationLevel === 1
    const wanted: {topic: string; partition: number; offset: number; maxBytes: number}[] = []
    const unknown = new Set<number>() // request topics whose id is unknown
    req.topics.forEach((t, ti) => {
      // Before v13 the topic is named; from v13 only its id is (the decoder leaves the name empty).
      const name = ctx.version >= 13 ? ctx.core.topicNameById(t.topicId ?? '') : t.topic
      if (name === undefined) {
        unknown.add(ti)
        return
      }
      for (const p of t.partitions) {
        wanted.push({topic: name, partition: p.partition, offset: p.fetchOffset, maxBytes: p.partitionMaxBytes})
      }
    })
    const quotas = ctx.core.quotas
    // Kafka caps the fetch at what the quota allows in its window (maxValueInQuotaWindow).
    const quotaMaxBytes = quotas.fetch.enabled ? quotas.fetchMaxBytes(ctx.quotaClient) : Infinity
    const fetchMaxBytes = Math.max(0, Math.min(req.maxBytes, Math.floor(Math.min(quotaMaxBytes, 2 ** 31 - 1))))
    let result: FetchResult = {header: {partitions: []}, payload: []}
    if (wanted.length > 0) {
      const started = Date.now()
      await ctx.waitForResponseBytes(req.maxWaitMs)
      const budget = ctx.reserveResponse()
      ctx.afterResponse(() => budget.releaseAll())
      result = await ctx.core.fetch(
        {
          maxWaitMs: Math.max(0, req.maxWaitMs - (Date.now() - started)),
          minBytes: Math.min(req.minBytes, fetchMaxBytes),
          maxBytes: fetchMaxBytes,
          isolationLevel: readCommitted ? 1 : 0,
          partitions: wanted,
        },
        ctx,
        budget,
      )
    }
    if (quotas.enforced) {
      let bytes = 0
      for (const b of result.payload) bytes += b.length
      const throttleTimeMs = quotas.throttleFetch(ctx.quotaClient, bytes, ctx.handlingNanos())
      ctx.throttle(throttleTimeMs)
      // Kafka's throttled fetch: an empty response (FetchContext.getThrottledResponse).
      if (throttleTimeMs > 0) return {throttleTimeMs, errorCode: 0, sessionId: 0, responses: []}
    }
    // The payload holds each partition's batches in the order of the partitions: hand each its own.
    let next = 0
    const answers = result.header.partitions.map((p) => {
      const records: Buffer[] = []
      for (let bytes = 0; bytes < p.size; next++) {
        records.push(result.payload[next]!)
        bytes += result.payload[next]!.length
      }
      const data: PartitionData = {
        partitionIndex: p.partition,
        errorCode: errorFields(p.error).errorCode,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        logStartOffset: p.logStartOffset,
        abortedTransactions: readCommitted ? (p.abortedTransactions ?? []) : null,
        preferredReadReplica: -1,
        records,
      }
      return data
    })
    let index = 0
    const responses: FetchResponse['responses'] = req.topics.map((t, ti) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) =>
        unknown.has(ti)
          ? {
              partitionIndex: p.partition,
              errorCode: kafkaCode('UNKNOWN_TOPIC_ID'),
              highWatermark: -1,
              lastStableOffset: -1,
              logStartOffset: -1,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: null,
            }
          : answers[index++]!,
      ),
    }))
    return {throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses}
  },
  errorResponse: (_req, errorCode) => ({throttleTimeMs: 0, errorCode, sessionId: 0, responses: []}),
})
