// kafka-transactions' tables (ToolsUtils.prettyPrintTable: each cell padded to its column's width and followed by a
// tab) and the rows of each subcommand, from the Admin client's answers.
import type {ProducerState, TransactionDescription, TransactionListing} from '../client/admin.js'
import type {HangingTransaction} from './hanging-transactions.js'

/** Kafka's ToolsUtils.prettyPrintTable. */
export function prettyPrintTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) => `${cells.map((c, i) => `${c.padEnd(widths[i]!)}\t`).join('')}\n`
  return line(headers) + rows.map(line).join('')
}

export const LIST_HEADERS = ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']

export function listRows(transactions: readonly TransactionListing[]): string[][] {
  return transactions.map((t) => [t.transactionalId, String(t.coordinatorId), String(t.producerId), t.state])
}

export const DESCRIBE_HEADERS = [
  'CoordinatorId',
  'TransactionalId',
  'ProducerId',
  'ProducerEpoch',
  'TransactionState',
  'TransactionTimeoutMs',
  'CurrentTransactionStartTimeMs',
  'TransactionDurationMs',
  'TopicPartitions',
]

export function describeRow(t: TransactionDescription, now: number): string[] {
  const open = t.transactionStartTimeMs >= 0
  return [
    String(t.coordinatorId),
    t.transactionalId,
    String(t.producerId),
    String(t.producerEpoch),
    t.state,
    String(t.transactionTimeoutMs),
    open ? String(t.transactionStartTimeMs) : 'None',
    open ? String(Math.max(0, now - t.transactionStartTimeMs)) : 'None',
    t.partitions.map((p) => `${p.topic}-${p.partition}`).join(','),
  ]
}

export const PRODUCER_HEADERS = [
  'ProducerId',
  'ProducerEpoch',
  'LatestCoordinatorEpoch',
  'LastSequence',
  'LastTimestamp',
  'CurrentTransactionStartOffset',
]

export function producerRows(producers: readonly ProducerState[]): string[][] {
  return producers.map((p) => [
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch),
    String(p.lastSequence),
    String(p.lastTimestamp),
    p.currentTxnStartOffset >= 0 ? String(p.currentTxnStartOffset) : 'None',
  ])
}

export const HANGING_HEADERS = [
  'Topic',
  'Partition',
  'ProducerId',
  'ProducerEpoch',
  'CoordinatorEpoch',
  'StartOffset',
  'LastTimestamp',
  'Duration(min)',
]

export function hangingRows(hanging: readonly HangingTransaction[], now: number): string[][] {
  return hanging.map(({topic, partition, producer: p}) => [
    topic,
    String(partition),
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch),
    String(p.currentTxnStartOffset),
    String(p.lastTimestamp),
    String(Math.trunc((now - p.lastTimestamp) / 60_000)),
  ])
}
