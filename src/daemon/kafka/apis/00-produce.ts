// Produce (key 0): v3-9 (magic 2 RecordBatches only, as Kafka 4 requires).
//
// - Each partition's records must be exactly one batch (Kafka's rule from v3: INVALID_RECORD otherwise). The broker
//   core validates it (CRC, every record, producer state, the transaction) and stores it as it came.
// - acks=0 gets no response at all; the batches are still appended.
// - timeoutMs is not waited on: one broker acknowledges once the write is committed.
// - errorMessage (v8+) carries the core's one-line explanation.
// - Client quotas: the request's bytes count against producer_byte_rate and (unless acks=0) its handling time against
//   request_percentage; over either, throttleTimeMs says for how long, and the listener reads nothing more from the
//   connection for that long (KIP-219). The batches are appended all the same, as Kafka appends them.
import type {ProduceBatch} from '../../../broker/broker.js'
import {KafkaException} from '../../../errors.js'
import {APIS, type ProduceRequest, type ProduceResponse} from '../../../protocol/kafka/codec/index.js'
import {BATCH_HEADER_SIZE, OFFSET} from '../../../protocol/kafka/record-batch.js'
import {defineKafkaApi, errorFields, kafkaCode, NO_RESPONSE} from '../api.js'

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number]

function refused(index: number, errorCode: number, errorMessage: string): PartitionResponse {
  return {index, errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: []}
}

/** One RecordBatch, exactly: its length field must cover the partition's records. */
function oneBatch(records: Buffer | null): Buffer {
  if (records === null || records.length < BATCH_HEADER_SIZE) {
    throw new KafkaException('INVALID_RECORD', 'Produce requests must carry one record batch per partition.')
  }
  const size = records.readInt32BE(OFFSET.batchLength) + 12
  if (size !== records.length) {
    throw new KafkaException(
      'INVALID_RECORD',
      'Produce requests with version 3 and above must contain exactly one record batch per partition.',
    )
  }
  return records
}

export const produceApi = defineKafkaApi<ProduceRequest, ProduceResponse>({
  codec: APIS.Produce,
  minVersion: 3,
  maxVersion: 9,
  handle(req, ctx) {
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      throw new KafkaException('INVALID_REQUIRED_ACKS', `acks=${req.acks} is not one of -1 (all), 0 or 1.`)
    }
    const batches: ProduceBatch[] = []
    // Where each batch's result goes, and the partitions refused before reaching the core.
    const slots: {topic: number; partition: number; batch: number}[] = []
    const responses: ProduceResponse['responses'] = req.topicData.map((t, ti) => {
      const name = t.name ?? (t.topicId === undefined ? undefined : ctx.core.topicNameById(t.topicId))
      return {
        name: t.name,
        topicId: t.topicId,
        partitionResponses: t.partitionData.map((p, pi) => {
          if (name === undefined)
            return refused(p.index, kafkaCode('UNKNOWN_TOPIC_ID'), `Unknown topic id ${t.topicId}`)
          try {
            batches.push({topic: name, partition: p.index, records: oneBatch(p.records as Buffer | null)})
          } catch (error) {
            const e = error as KafkaException
            return refused(p.index, kafkaCode(e.code), e.message)
          }
          slots.push({topic: ti, partition: pi, batch: batches.length - 1})
          return refused(p.index, 0, '') // replaced below by the core's result
        }),
      }
    })
    const results = batches.length > 0 ? ctx.core.produce({acks: req.acks, timeoutMs: req.timeoutMs, batches}) : []
    for (const slot of slots) {
      const r = results[slot.batch]!
      const {errorCode, errorMessage} = errorFields(r.error)
      responses[slot.topic]!.partitionResponses[slot.partition] = {
        index: r.partition,
        errorCode,
        errorMessage,
        baseOffset: r.baseOffset,
        logAppendTimeMs: r.logAppendTime,
        logStartOffset: r.logStartOffset,
        recordErrors: [],
      }
    }
    const throttleTimeMs = ctx.core.quotas.enforced
      ? ctx.core.quotas.throttleProduce(ctx.quotaClient, ctx.requestBytes, req.acks, ctx.handlingNanos())
      : 0
    ctx.throttle(throttleTimeMs)
    if (req.acks === 0) return NO_RESPONSE
    return {responses, throttleTimeMs}
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    responses: req.topicData.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) => refused(p.index, errorCode, errorMessage)),
    })),
    throttleTimeMs: 0,
  }),
})
