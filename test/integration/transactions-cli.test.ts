// kafkalite transactions (kafka-transactions): list, describe, describe-producers, abort and find-hanging against
// a real daemon, with Kafka's table format and error texts.
import Database from 'better-sqlite3'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Admin, KafkaProducer} from '../../src/client/index.js'
import {prettyPrintTable} from '../../src/cli/transaction-views.js'
import {TestHome} from '../helpers/env.js'

let home: TestHome
let config: Record<string, string>
const producers: KafkaProducer[] = []

beforeEach(async () => {
  home = new TestHome()
  config = {'kafkalite.home': home.dir}
  const admin = await Admin.create(config)
  await admin.createTopics([{name: 'orders', numPartitions: 2}])
  await admin.close()
})

afterEach(async () => {
  for (const p of producers.splice(0)) await p.close().catch(() => {})
  await home.cleanup()
})

/** A transactional producer that committed one transaction ('done') or left one open ('open'). */
async function transaction(id: string, partition: number, commit: boolean): Promise<KafkaProducer> {
  const producer = new KafkaProducer({...config, 'transactional.id': id})
  producers.push(producer)
  await producer.initTransactions()
  producer.beginTransaction()
  await producer.send({topic: 'orders', partition, value: id})
  if (commit) await producer.commitTransaction()
  return producer
}

const cells = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) =>
      line
        .split('\t')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
    )

describe('kafkalite transactions', () => {
  it("prints tables as Kafka's ToolsUtils.prettyPrintTable does", () => {
    // Kafka's test vectors: padded cells, each followed by a tab.
    expect(
      prettyPrintTable(
        ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
        [
          ['foo', '0', '12345', 'Ongoing'],
          ['bar', '0', '98765', 'PrepareAbort'],
        ],
      ),
    ).toBe(
      'TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n' +
        'foo            \t0          \t12345     \tOngoing         \t\n' +
        'bar            \t0          \t98765     \tPrepareAbort    \t\n',
    )
  })

  it('lists and describes transactional ids in every state', async () => {
    await transaction('done', 0, true)
    await transaction('open', 1, false)
    const list = await home.run(['transactions', 'list'])
    expect(list.code, list.stderr).toBe(0)
    expect(cells(list.stdout)).toEqual([
      ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
      ['done', '1', '0', 'CompleteCommit'],
      ['open', '1', '1', 'Ongoing'],
    ])
    // Kafka's order: global options before the subcommand.
    const open = await home.run([
      'transactions',
      '--bootstrap-server',
      'localhost:9092',
      'describe',
      '--transactional-id',
      'open',
    ])
    const [header, row] = cells(open.stdout)
    expect(header).toEqual([
      'CoordinatorId',
      'TransactionalId',
      'ProducerId',
      'ProducerEpoch',
      'TransactionState',
      'TransactionTimeoutMs',
      'CurrentTransactionStartTimeMs',
      'TransactionDurationMs',
      'TopicPartitions',
    ])
    expect(row).toEqual([
      '1',
      'open',
      '1',
      '0',
      'Ongoing',
      '60000',
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/^\d+$/),
      'orders-1',
    ])
    const done = cells((await home.run(['transactions', 'describe', '--transactional-id', 'done'])).stdout)[1]
    expect(done).toEqual(['1', 'done', '0', '0', 'CompleteCommit', '60000', 'None', 'None'])
    const json = JSON.parse(
      (await home.run(['transactions', 'describe', '--transactional-id', 'open', '--json'])).stdout,
    )
    expect(json).toMatchObject({
      transactionalId: 'open',
      state: 'Ongoing',
      partitions: [{topic: 'orders', partition: 1}],
    })
  })

  it("reports a missing transactional id with Kafka's message and exit 1", async () => {
    const res = await home.run(['transactions', 'describe', '--transactional-id', 'foo'])
    expect(res.code).toBe(1)
    expect(res.stderr.trim()).toBe(
      'Failed to describe transaction state of transactional-id `foo`: DescribeTransactions request for transactionalId `foo` failed because the ID could not be found. Enable debug logging for additional detail.',
    )
  })

  it('shows the producers of a partition with the start of their open transaction', async () => {
    const open = await transaction('open', 1, false)
    const before = cells(
      (await home.run(['transactions', 'describe-producers', '--topic', 'orders', '--partition', '1'])).stdout,
    )
    expect(before[0]).toEqual([
      'ProducerId',
      'ProducerEpoch',
      'LatestCoordinatorEpoch',
      'LastSequence',
      'LastTimestamp',
      'CurrentTransactionStartOffset',
    ])
    expect(before[1]).toEqual(['0', '0', '-1', '0', expect.stringMatching(/^\d+$/), '0'])
    await open.commitTransaction()
    const after = cells(
      (await home.run(['transactions', 'describe-producers', '--topic', 'orders', '--partition', '1'])).stdout,
    )
    expect(after[1]).toEqual(['0', '0', '0', '0', expect.stringMatching(/^\d+$/), 'None'])
  })

  it('finds a hanging transaction and aborts it by its start offset, releasing read_committed readers', async () => {
    await transaction('lost', 0, false)
    // A hanging transaction: open on the partition while its coordinator has nothing open there (what a lost
    // marker leaves in Kafka). Made by editing the stopped daemon's database.
    await home.run(['daemon', 'stop'])
    const db = new Database(join(home.dir, 'kafkalite.db'))
    db.prepare(`UPDATE txn SET state = 'CompleteAbort', partitions = '[]', start_time = -1`).run()
    db.close()
    const hanging = await home.run([
      'transactions',
      'find-hanging',
      '--topic',
      'orders',
      '--max-transaction-timeout',
      '0',
    ])
    expect(hanging.code, hanging.stderr).toBe(0)
    const rows = cells(hanging.stdout)
    expect(rows[0]).toEqual([
      'Topic',
      'Partition',
      'ProducerId',
      'ProducerEpoch',
      'CoordinatorEpoch',
      'StartOffset',
      'LastTimestamp',
      'Duration(min)',
    ])
    expect(rows.slice(1)).toEqual([['orders', '0', '0', '0', '-1', '0', expect.stringMatching(/^\d+$/), '0']])
    // Within the default 15 minutes it is not a candidate yet.
    expect(cells((await home.run(['transactions', 'find-hanging', '--topic', 'orders'])).stdout)).toHaveLength(1)
    const committedEnd = async () => {
      const admin = await Admin.create(config)
      try {
        return (
          await admin.listOffsets([{topic: 'orders', partition: 0, spec: 'latest'}], {isolationLevel: 'read_committed'})
        )[0]!.offset
      } finally {
        await admin.close()
      }
    }
    expect(await committedEnd()).toBe(0)
    const wrong = await home.run([
      'transactions',
      'abort',
      '--topic',
      'orders',
      '--partition',
      '0',
      '--start-offset',
      '5',
    ])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trim()).toBe('Could not find any open transactions starting at offset 5 on partition orders-0')
    const abort = await home.run([
      'transactions',
      'abort',
      '--topic',
      'orders',
      '--partition',
      '0',
      '--start-offset',
      '0',
    ])
    expect(abort.code, abort.stderr).toBe(0)
    expect(await committedEnd()).toBe(2) // past the record and its ABORT marker
    const read = await home.run([
      'console-consumer',
      '--topic',
      'orders',
      '--partition',
      '0',
      '--offset',
      'earliest',
      '--isolation-level',
      'read_committed',
      '--exit-at-end',
    ])
    expect(read.stdout).toBe('')
    expect(
      cells(
        (await home.run(['transactions', 'find-hanging', '--topic', 'orders', '--max-transaction-timeout', '0']))
          .stdout,
      ),
    ).toHaveLength(1)
  })

  it('refuses incomplete or inconsistent options with usage errors', async () => {
    const cases: [string[], string][] = [
      [
        ['transactions', 'abort', '--topic', 'orders', '--partition', '0'],
        'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
      ],
      [
        ['transactions', 'find-hanging'],
        'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search',
      ],
      [
        ['transactions', 'find-hanging', '--broker-id', '1', '--partition', '0'],
        'The --partition argument requires --topic to be provided',
      ],
      [
        ['transactions', 'frobnicate'],
        "Unknown subcommand 'frobnicate': use one of list, describe, describe-producers, abort, find-hanging.",
      ],
    ]
    for (const [args, message] of cases) {
      const res = await home.run(args)
      expect(res.code, args.join(' ')).toBe(2)
      expect(res.stderr).toContain(message)
    }
  })
})
