// kafka-transactions' tables: ToolsUtils.prettyPrintTable and the rows of each subcommand, against the vectors of
// Kafka's TransactionsCommandTest (whose tables it reads back by splitting each line on whitespace).
import {describe, expect, it} from 'vitest'
import type {ProducerState, TransactionDescription} from '../../src/client/admin.js'
import {
  DESCRIBE_HEADERS,
  HANGING_HEADERS,
  LIST_HEADERS,
  PRODUCER_HEADERS,
  describeRow,
  hangingRows,
  listRows,
  prettyPrintTable,
  producerRows,
} from '../../src/cli/transaction-views.js'

/** How Kafka's test reads a table back: each line split on \s+. */
const table = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trim().split(/\s+/))

const producer = (p: Partial<ProducerState>): ProducerState => ({
  producerId: 0,
  producerEpoch: 0,
  lastSequence: 0,
  lastTimestamp: 0,
  coordinatorEpoch: -1,
  currentTxnStartOffset: -1,
  ...p,
})

describe('prettyPrintTable', () => {
  it('pads each cell to its column and follows every cell, the last one too, with a tab', () => {
    const text = prettyPrintTable(LIST_HEADERS, [
      ['foo', '0', '12345', 'Ongoing'],
      ['bar', '0', '98765', 'PrepareAbort'],
    ])
    expect(text).toBe(
      'TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n' +
        'foo            \t0          \t12345     \tOngoing         \t\n' +
        'bar            \t0          \t98765     \tPrepareAbort    \t\n',
    )
  })

  it('widens a column to its longest cell, and prints only the header when there are no rows', () => {
    expect(prettyPrintTable(['A', 'B'], [['long-value', 'x']])).toBe('A         \tB\t\nlong-value\tx\t\n')
    expect(prettyPrintTable(HANGING_HEADERS, [])).toBe(
      'Topic\tPartition\tProducerId\tProducerEpoch\tCoordinatorEpoch\tStartOffset\tLastTimestamp\tDuration(min)\t\n',
    )
  })
})

describe('rows of each subcommand', () => {
  it('list: id, coordinator, producer id, state (testListTransactions)', () => {
    const rows = listRows([
      {transactionalId: 'foo', producerId: 12345, state: 'Ongoing', coordinatorId: 0},
      {transactionalId: 'bar', producerId: 98765, state: 'PrepareAbort', coordinatorId: 0},
    ])
    expect(table(prettyPrintTable(LIST_HEADERS, rows))).toEqual([
      ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
      ['foo', '0', '12345', 'Ongoing'],
      ['bar', '0', '98765', 'PrepareAbort'],
    ])
  })

  it('describe-producers: an unknown coordinator epoch is -1, no open transaction is None (testDescribeProducers)', () => {
    const rows = producerRows([
      producer({
        producerId: 12345,
        producerEpoch: 15,
        lastSequence: 1300,
        lastTimestamp: 1599509565,
        coordinatorEpoch: 20,
        currentTxnStartOffset: 990,
      }),
      producer({producerId: 98765, producerEpoch: 30, lastSequence: 2300, lastTimestamp: 1599509599}),
    ])
    expect(table(prettyPrintTable(PRODUCER_HEADERS, rows))).toEqual([
      [
        'ProducerId',
        'ProducerEpoch',
        'LatestCoordinatorEpoch',
        'LastSequence',
        'LastTimestamp',
        'CurrentTransactionStartOffset',
      ],
      ['12345', '15', '20', '1300', '1599509565', '990'],
      ['98765', '30', '-1', '2300', '1599509599', 'None'],
    ])
  })

  it('describe: start and duration of an open transaction, None without one (testDescribeTransaction)', () => {
    const start = 1_700_000_000_000
    const ongoing: TransactionDescription = {
      coordinatorId: 5,
      transactionalId: 'foo',
      producerId: 12345,
      producerEpoch: 15,
      state: 'Ongoing',
      transactionTimeoutMs: 10000,
      transactionStartTimeMs: start,
      partitions: [
        {topic: 'bar', partition: 0},
        {topic: 'bar', partition: 1},
      ],
    }
    expect(table(prettyPrintTable(DESCRIBE_HEADERS, [describeRow(ongoing, start + 5000)]))).toEqual([
      [...DESCRIBE_HEADERS],
      ['5', 'foo', '12345', '15', 'Ongoing', '10000', String(start), '5000', 'bar-0,bar-1'],
    ])
    const done = {...ongoing, state: 'CompleteCommit' as const, transactionStartTimeMs: -1, partitions: []}
    // TopicPartitions is empty: the row ends in a padded blank cell and its tab.
    const line = prettyPrintTable(DESCRIBE_HEADERS, [describeRow(done, start)]).split('\n')[1]!
    expect(line.split('\t')).toEqual([
      '5            ',
      'foo            ',
      '12345     ',
      '15           ',
      'CompleteCommit  ',
      '10000               ',
      'None                         ',
      'None                 ',
      '               ',
      '',
    ])
  })

  it('find-hanging: the start offset, and the minutes since the last write, rounded down', () => {
    const now = 1_700_000_000_000
    const rows = hangingRows(
      [
        {
          topic: 'foo',
          partition: 5,
          producer: producer({
            producerId: 132,
            producerEpoch: 5,
            coordinatorEpoch: 19,
            currentTxnStartOffset: 29384,
            lastTimestamp: now - 60 * 60_000 - 59_999,
          }),
        },
      ],
      now,
    )
    expect(rows).toEqual([['foo', '5', '132', '5', '19', '29384', String(now - 60 * 60_000 - 59_999), '60']])
  })
})
