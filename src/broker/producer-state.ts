// What a partition knows of the producers that write to it (Kafka's ProducerStateManager and ProducerAppendInfo):
// epochs and sequence numbers for idempotence, the last batches for duplicate detection, and where each producer's
// open transaction starts, which holds back the last stable offset. Pure rules; the broker keeps the entries in
// memory and the store persists them with the batches they describe.
import {KafkaException} from '../errors.js'
import type {BatchHeader} from '../protocol/kafka/record-batch.js'
import type {ProducerStateRow} from '../store/store.js'

/** A remembered batch: [first sequence, last sequence, base offset, max timestamp]. */
export type RecentBatch = [number, number, number, number]

/** Kafka keeps the last five batches of each producer, matching max.in.flight.requests.per.connection <= 5. */
export const RECENT_BATCHES = 5

const MAX_SEQUENCE = 2147483647

export interface ProducerEntry {
  producerId: number
  epoch: number
  lastSequence: number
  lastOffset: number
  lastTimestamp: number
  coordinatorEpoch: number
  /** First offset of the producer's open transaction on this partition; -1 when none is open. */
  txnFirstOffset: number
  recent: RecentBatch[]
}

/** Sequence arithmetic wraps at Integer.MAX_VALUE, as Kafka's DefaultRecordBatch.incrementSequence. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > MAX_SEQUENCE - increment ? increment - (MAX_SEQUENCE - sequence) - 1 : sequence + increment
}

/**
 * Checks an idempotent or transactional batch against what the partition knows of its producer. Returns the
 * remembered batch when this one is a retry of it (same sequences: the caller answers with the first write's
 * offset and writes nothing), null when the batch is next in line; throws Kafka's errors otherwise.
 */
export function checkProducerBatch(
  entry: ProducerEntry | undefined,
  header: BatchHeader,
  partitionName: string,
  offset: number,
): RecentBatch | null {
  const {producerId, producerEpoch: epoch, baseSequence} = header
  if (entry !== undefined && epoch < entry.epoch) {
    throw new KafkaException(
      'INVALID_PRODUCER_EPOCH',
      `Epoch of producer ${producerId} at offset ${offset} in ${partitionName} is ${epoch}, which is smaller than the last seen epoch ${entry.epoch}`,
    )
  }
  if (baseSequence < 0) return null // a transactional batch without idempotence cannot be checked further
  const lastSequence = incrementSequence(baseSequence, header.lastOffsetDelta)
  // A producer the partition does not know (new, or expired by producer.id.expiration.ms) is taken at its word,
  // whatever its sequence (ProducerAppendInfo.checkSequence); a known producer's new epoch starts at sequence 0.
  if (entry === undefined) return null
  if (epoch > entry.epoch || entry.lastSequence < 0) {
    if (baseSequence !== 0) {
      throw new KafkaException(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `Invalid sequence number for new epoch of producer ${producerId} at offset ${offset} in partition ${partitionName}: ${epoch} (request epoch), ${baseSequence} (seq. number), ${entry.epoch} (current producer epoch)`,
      )
    }
    return null
  }
  const duplicate = entry.recent.find((b) => b[0] === baseSequence && b[1] === lastSequence)
  if (duplicate) return duplicate
  if (baseSequence !== incrementSequence(entry.lastSequence, 1)) {
    throw new KafkaException(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      `Out of order sequence number for producer ${producerId} at offset ${offset} in partition ${partitionName}: ${baseSequence} (incoming seq. number), ${entry.lastSequence} (current end sequence number)`,
    )
  }
  return null
}

/** The entry after appending `header`'s batch at `baseOffset`: a new object, the old one is left as it was. */
export function afterAppend(
  entry: ProducerEntry | undefined,
  header: BatchHeader,
  baseOffset: number,
  maxTimestamp: number,
): ProducerEntry {
  const newEpoch = entry === undefined || header.producerEpoch > entry.epoch
  const lastOffset = baseOffset + header.lastOffsetDelta
  const idempotent = header.baseSequence >= 0
  const lastSequence = idempotent ? incrementSequence(header.baseSequence, header.lastOffsetDelta) : -1
  const recent = newEpoch || entry === undefined ? [] : entry.recent.slice(-(RECENT_BATCHES - 1))
  if (idempotent) recent.push([header.baseSequence, lastSequence, baseOffset, maxTimestamp])
  const openTxn = entry !== undefined && entry.txnFirstOffset >= 0 ? entry.txnFirstOffset : -1
  return {
    producerId: header.producerId,
    epoch: header.producerEpoch,
    lastSequence,
    lastOffset,
    lastTimestamp: maxTimestamp,
    coordinatorEpoch: entry?.coordinatorEpoch ?? -1,
    txnFirstOffset: header.isTransactional ? (openTxn >= 0 ? openTxn : baseOffset) : -1,
    recent,
  }
}

export function toRow(topic: number, partition: number, e: ProducerEntry): ProducerStateRow {
  return {
    topic,
    partition,
    producerId: e.producerId,
    producerEpoch: e.epoch,
    lastSequence: e.lastSequence,
    lastOffset: e.lastOffset,
    lastTimestamp: e.lastTimestamp,
    coordinatorEpoch: e.coordinatorEpoch,
    txnFirstOffset: e.txnFirstOffset,
    recentBatches: JSON.stringify(e.recent),
  }
}

export function fromRow(row: ProducerStateRow): ProducerEntry {
  return {
    producerId: row.producerId,
    epoch: row.producerEpoch,
    lastSequence: row.lastSequence,
    lastOffset: row.lastOffset,
    lastTimestamp: row.lastTimestamp,
    coordinatorEpoch: row.coordinatorEpoch,
    txnFirstOffset: row.txnFirstOffset,
    recent: JSON.parse(row.recentBatches) as RecentBatch[],
  }
}
