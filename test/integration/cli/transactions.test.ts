// kafkalite transactions (kafka-transactions): list, describe, describe-producers, abort and find-hanging run as
// the real CLI against a real daemon, with Kafka's tables and error texts; and the Admin calls beneath them.
import Database from 'better-sqlite3'
import type {ChildProcess} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {
  type Admin,
  InvalidTxnStateException,
  KafkaProducer,
  TransactionalIdNotFoundException,
  UnknownTopicOrPartitionException,
} from '../../../src/client/index.js'
import {TestHome, exited, waitFor, type CliResult} from '../../helpers/env.js'

const home = TestHome.forEachTest()
const producers: KafkaProducer[] = []
const children: ChildProcess[] = []

beforeEach(async () => {
  await home.createTopic('orders', 2)
})

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  for (const p of producers.splice(0)) await p.close().catch(() => {})
})

type Outcome = 'commit' | 'abort' | 'open'

/** A transactional producer that wrote one record to each partition and then committed, aborted, or left it open. */
async function transaction(id: string, partitions: number[], outcome: Outcome): Promise<KafkaProducer> {
  const producer = new KafkaProducer({...home.config, 'transactional.id': id})
  producers.push(producer)
  await producer.initTransactions()
  producer.beginTransaction()
  for (const partition of partitions) await producer.send({topic: 'orders', partition, value: id})
  if (outcome === 'commit') await producer.commitTransaction()
  if (outcome === 'abort') await producer.abortTransaction()
  return producer
}

const tx = (...args: string[]) => home.run(['transactions', ...args])

/** Kafka's test reads its tables back by splitting each line on whitespace. */
const cells = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trim().split(/\s+/))

const ok = (res: CliResult) => {
  expect(res.stderr).toBe('')
  expect(res.code).toBe(0)
  return res.stdout
}

/** The last stable offset of a partition: ListOffsets(latest) with read_committed. */
const lso = (partition: number) =>
  home.withAdmin(
    async (admin) =>
      (await admin.listOffsets([{topic: 'orders', partition, spec: 'latest'}], {isolationLevel: 'read_committed'}))[0]!
        .offset,
  )

const readCommitted = async (partition: number) => {
  const res = await home.run([
    'console-consumer',
    '--topic',
    'orders',
    '--partition',
    String(partition),
    '--offset',
    'earliest',
    '--isolation-level',
    'read_committed',
    '--exit-at-end',
  ])
  expect(res.code, res.stderr).toBe(0)
  return res.stdout
}

const DESCRIBE_HEADER = [
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
const PRODUCERS_HEADER = [
  'ProducerId',
  'ProducerEpoch',
  'LatestCoordinatorEpoch',
  'LastSequence',
  'LastTimestamp',
  'CurrentTransactionStartOffset',
]
const HANGING_HEADER =
  'Topic\tPartition\tProducerId\tProducerEpoch\tCoordinatorEpoch\tStartOffset\tLastTimestamp\tDuration(min)\t\n'
const number = expect.stringMatching(/^\d+$/)

describe('kafkalite transactions', () => {
  it('lists and describes transactional ids that committed, aborted, or are still open', async () => {
    await transaction('done', [0], 'commit')
    await transaction('undone', [0], 'abort')
    await transaction('open', [0, 1], 'open')
    expect(ok(await tx('list'))).toBe(
      'TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n' +
        'done           \t1          \t0         \tCompleteCommit  \t\n' +
        'undone         \t1          \t1         \tCompleteAbort   \t\n' +
        'open           \t1          \t2         \tOngoing         \t\n',
    )
    // Only transactions open for longer than the filter; an hour is longer than any of them.
    expect(cells(ok(await tx('list', '--duration-filter', '0')))).toEqual([
      ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
      ['open', '1', '2', 'Ongoing'],
    ])
    expect(cells(ok(await tx('list', '--duration-filter', '3600000')))).toHaveLength(1)

    // Global options before the subcommand, as Kafka's documentation writes them.
    const open = cells(ok(await tx('--bootstrap-server', 'localhost:9092', 'describe', '--transactional-id', 'open')))
    expect(open[0]).toEqual(DESCRIBE_HEADER)
    expect(open[1]).toEqual(['1', 'open', '2', '0', 'Ongoing', '60000', number, number, 'orders-0,orders-1'])
    const started = Number(open[1]![6])
    expect(Math.abs(started - Date.now())).toBeLessThan(120_000)
    // Closed transactions: no start, no duration, no partitions (the last cell is blank).
    for (const [id, pid, state] of [
      ['done', '0', 'CompleteCommit'],
      ['undone', '1', 'CompleteAbort'],
    ]) {
      const text = ok(await tx('describe', '--transactional-id', id!))
      expect(cells(text)[1]).toEqual(['1', id, pid, '0', state, '60000', 'None', 'None'])
      expect(text.split('\n')[1]).toMatch(/\tNone +\tNone +\t +\t$/)
    }
  })

  it('prints JSON documents with --json', async () => {
    await transaction('done', [0], 'commit')
    await transaction('open', [1], 'open')
    // Every --json document also names the broker reached (`connection`); the rest is the command's.
    const json = async (...args: string[]) => {
      const {connection, ...rest} = JSON.parse(ok(await tx(...args, '--json'))) as {connection: {transport: string}}
      expect(connection.transport).toBe('unix-socket')
      return rest
    }
    expect(await json('list')).toEqual({
      transactions: [
        {transactionalId: 'done', producerId: 0, state: 'CompleteCommit', coordinator: 1},
        {transactionalId: 'open', producerId: 1, state: 'Ongoing', coordinator: 1},
      ],
    })
    expect(await json('describe', '--transactional-id', 'open')).toEqual({
      coordinatorId: 1,
      transactionalId: 'open',
      producerId: 1,
      producerEpoch: 0,
      state: 'Ongoing',
      transactionTimeoutMs: 60000,
      transactionStartTimeMs: expect.any(Number),
      partitions: [{topic: 'orders', partition: 1}],
    })
    expect(await json('describe-producers', '--topic', 'orders', '--partition', '1')).toEqual({
      topic: 'orders',
      partition: 1,
      producers: [
        {
          producerId: 1,
          producerEpoch: 0,
          lastSequence: 0,
          lastTimestamp: expect.any(Number),
          coordinatorEpoch: -1,
          currentTxnStartOffset: 0,
        },
      ],
    })
    // The open transaction is its coordinator's: not hanging.
    expect(await json('find-hanging', '--topic', 'orders', '--max-transaction-timeout', '0')).toEqual({hanging: []})
    // A runtime error under --json: a JSON object on stderr, exit 1.
    const missing = await tx('describe', '--transactional-id', 'foo', '--json')
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(JSON.parse(missing.stderr)).toEqual({
      error: {
        code: 'TRANSACTIONAL_ID_NOT_FOUND',
        message:
          'Failed to describe transaction state of transactional-id `foo`: DescribeTransactions request for transactionalId `foo` failed because the ID could not be found. Enable debug logging for additional detail.',
      },
    })
  })

  it("reports a missing transactional id with Kafka's message and exit 1", async () => {
    const res = await tx('describe', '--transactional-id', 'foo')
    expect(res).toMatchObject({code: 1, stdout: ''})
    expect(res.stderr).toBe(
      'Failed to describe transaction state of transactional-id `foo`: DescribeTransactions request for transactionalId `foo` failed because the ID could not be found. Enable debug logging for additional detail.\n',
    )
  })

  it('shows the start offset of an open transaction in describe-producers, and None once it committed', async () => {
    // Offset 0 is an earlier committed transaction's record and offset 1 its COMMIT marker: the open one starts at 2.
    await transaction('first', [1], 'commit')
    const open = await transaction('second', [1], 'open')
    const before = cells(ok(await tx('describe-producers', '--topic', 'orders', '--partition', '1')))
    expect(before).toEqual([PRODUCERS_HEADER, ['0', '0', '0', '0', number, 'None'], ['1', '0', '-1', '0', number, '2']])
    await open.commitTransaction()
    const after = cells(ok(await tx('describe-producers', '--topic', 'orders', '--partition', '1', '--broker-id', '1')))
    expect(after[2]).toEqual(['1', '0', '0', '0', number, 'None'])
    const elsewhere = await tx('describe-producers', '--topic', 'orders', '--partition', '1', '--broker-id', '3')
    expect(elsewhere.code).toBe(1)
    expect(elsewhere.stderr).toBe(
      'Failed to describe producers for partition orders-1 on broker 3: Broker 3 is not a replica of any partition: kafkalite is the single broker 1. Enable debug logging for additional detail.\n',
    )
    const missing = await tx('describe-producers', '--topic', 'orders', '--partition', '7')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Failed to describe producers for partition orders-7 on leader: .*orders.*\n$/)
  })

  it("leaves a killed producer's open transaction to its coordinator, which aborts it after transaction.timeout.ms", async () => {
    // The coordinator looks for timed-out transactions every 200 ms instead of 10 s.
    ok(await home.run(['daemon', 'stop']))
    home.setServerProperties({'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200})
    await transaction('before', [0], 'commit') // offsets 0 and 1
    const child = home.spawn([
      'console-producer',
      '--topic',
      'orders',
      '--partition',
      '0',
      '--producer-property',
      'transactional.id=crashed',
      '--producer-property',
      'transaction.timeout.ms=15000',
    ])
    children.push(child)
    child.stdin!.write('lost\n')
    const openAt = async () => {
      const rows = cells((await tx('describe-producers', '--topic', 'orders', '--partition', '0')).stdout)
      return rows.find((r) => r[5] !== 'None' && r[5] !== 'CurrentTransactionStartOffset')
    }
    const producerRow = await waitFor(openAt, 20_000, 'the open transaction on orders-0')
    expect(producerRow).toEqual(['1', '0', '-1', '0', number, '2'])
    child.kill('SIGKILL')
    await exited(child)

    // Still Ongoing at its coordinator (for 15 s), which will write its marker: find-hanging leaves it alone.
    expect(cells(ok(await tx('list', '--duration-filter', '-1')))).toContainEqual(['crashed', '1', '1', 'Ongoing'])
    const hanging = await tx('find-hanging', '--topic', 'orders', '--max-transaction-timeout', '0')
    expect(ok(hanging)).toBe(HANGING_HEADER)
    // Meanwhile the open transaction holds read_committed readers at its first offset.
    expect(await lso(0)).toBe(2)

    // Past transaction.timeout.ms the coordinator fences the producer (epoch 1) and aborts.
    const aborted = async () => {
      const row = cells((await tx('describe', '--transactional-id', 'crashed')).stdout)[1]
      return row?.[4] === 'CompleteAbort' ? row : undefined
    }
    expect(await waitFor(aborted, 60_000, 'the coordinator to abort the transaction')).toEqual([
      '1',
      'crashed',
      '1',
      '1',
      'CompleteAbort',
      '15000',
      'None',
      'None',
    ])
    expect(await lso(0)).toBe(4) // past the record and its ABORT marker
    expect(await readCommitted(0)).toBe('before\n')
    expect((await openAt()) ?? null).toBeNull()
  }, 120_000)

  it('finds a hanging transaction and aborts it by start offset or by producer, releasing read_committed readers', async () => {
    await transaction('lost', [0, 1], 'open')
    // A hanging transaction: open on its partitions while its coordinator has nothing open (what a marker lost on
    // its way to a partition leaves in Kafka; kafkalite writes markers and state at once, so make it by hand in
    // the stopped daemon's database). The producer stays open: close() would abort.
    ok(await home.run(['daemon', 'stop']))
    const db = new Database(join(home.dir, 'kafkalite.db'))
    db.prepare(`UPDATE txn SET state = 'CompleteAbort', partitions = '[]', start_time = -1`).run()
    db.close()

    const found = await tx('find-hanging', '--topic', 'orders', '--max-transaction-timeout', '0')
    const rows = cells(ok(found))
    expect(rows.slice(1)).toEqual([
      ['orders', '0', '0', '0', '-1', '0', number, '0'],
      ['orders', '1', '0', '0', '-1', '0', number, '0'],
    ])
    // The same search by broker, and by one partition.
    expect(cells(ok(await tx('find-hanging', '--broker-id', '1', '--max-transaction-timeout', '0')))).toEqual(rows)
    const one = cells(
      ok(await tx('find-hanging', '--topic', 'orders', '--partition', '1', '--max-transaction-timeout', '0')),
    )
    expect(one).toEqual([rows[0], rows[2]])
    // Not a candidate within the default 15 minutes, nor on another broker.
    expect(ok(await tx('find-hanging', '--topic', 'orders'))).toBe(HANGING_HEADER)
    expect(ok(await tx('find-hanging', '--broker-id', '2', '--max-transaction-timeout', '0'))).toBe(HANGING_HEADER)
    expect([await lso(0), await lso(1)]).toEqual([0, 0])

    const wrong = await tx('abort', '--topic', 'orders', '--partition', '0', '--start-offset', '5')
    expect(wrong).toMatchObject({code: 1, stdout: ''})
    expect(wrong.stderr).toBe('Could not find any open transactions starting at offset 5 on partition orders-0\n')

    expect(ok(await tx('abort', '--topic', 'orders', '--partition', '0', '--start-offset', '0'))).toBe('')
    expect(await lso(0)).toBe(2) // past the record and its ABORT marker
    expect(await lso(1)).toBe(0)
    // As Kafka's tool: the coordinator epoch -1 of describe-producers is sent as 0.
    const byProducer = ['--producer-id', '0', '--producer-epoch', '0', '--coordinator-epoch', '-1']
    expect(
      JSON.parse(ok(await tx('abort', '--topic', 'orders', '--partition', '1', ...byProducer, '--json'))),
    ).toMatchObject({topic: 'orders', partition: 1, producerId: 0, producerEpoch: 0, coordinatorEpoch: 0})
    expect(await lso(1)).toBe(2)
    // A read_committed reader now reads past the aborted record to what is committed after it.
    await transaction('after', [0], 'commit')
    expect(await readCommitted(0)).toBe('after\n')
    expect(await readCommitted(1)).toBe('')
    const all = await home.run([
      'console-consumer',
      '--topic',
      'orders',
      '--partition',
      '0',
      '--offset',
      'earliest',
      '--exit-at-end',
    ])
    expect(all.stdout).toBe('lost\nafter\n')
    expect(ok(await tx('find-hanging', '--topic', 'orders', '--max-transaction-timeout', '0'))).toBe(HANGING_HEADER)
    expect(cells(ok(await tx('describe-producers', '--topic', 'orders', '--partition', '1')))[1]).toEqual([
      '0',
      '0',
      '0',
      '0',
      number,
      'None',
    ])
    // Aborting again: nothing is open any more.
    const again = await tx('abort', '--topic', 'orders', '--partition', '1', ...byProducer)
    expect(again.code).toBe(1)
    expect(again.stderr).toBe(
      'Failed to abort transaction AbortTransactionSpec(topicPartition=orders-1, producerId=0, producerEpoch=0, coordinatorEpoch=0): Producer 0 has no open transaction on partition orders-1. Enable debug logging for additional detail.\n',
    )
  }, 90_000)

  it("refuses incomplete or inconsistent options with Kafka's messages and exit 2", async () => {
    const cases: [string[], string][] = [
      [
        ['abort', '--topic', 'orders', '--partition', '0'],
        'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)\n',
      ],
      [
        ['abort', '--topic', 'orders', '--partition', '0', '--producer-id', '3'],
        'Missing required argument --producer-epoch\n',
      ],
      [
        ['abort', '--topic', 'orders', '--partition', '0', '--producer-id', '3', '--producer-epoch', '0'],
        'Missing required argument --coordinator-epoch\n',
      ],
      [
        ['find-hanging'],
        'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search\n',
      ],
      [
        ['find-hanging', '--broker-id', '1', '--partition', '0'],
        'The --partition argument requires --topic to be provided\n',
      ],
      [
        ['frobnicate'],
        "Error: Unknown subcommand 'frobnicate': use one of list, describe, describe-producers, abort, find-hanging. See 'kafkalite transactions --help'.\n",
      ],
      [
        [],
        "Error: Missing subcommand: use one of list, describe, describe-producers, abort, find-hanging. See 'kafkalite transactions --help'.\n",
      ],
      [['list', '--bogus'], "Error: Nonexistent flag: --bogus. See 'kafkalite transactions list --help'.\n"],
      [
        ['find-hanging', '--topic', 'orders', '--max-transaction-timeout', '-1'],
        "Error: Parsing --max-transaction-timeout: Expected an integer greater than or equal to 0 but received: -1. See 'kafkalite transactions find-hanging --help'.\n",
      ],
      [
        ['list', '--bootstrap-server', 'localhost'],
        "Please provide valid host:port like host1:9091,host2:9092 (got 'localhost')\n",
      ],
      [['list', '--command-config', '/nonexistent/admin.properties'], "'/nonexistent/admin.properties'"],
    ]
    for (const [args, message] of cases) {
      const res = await tx(...args)
      expect(res.code, args.join(' ')).toBe(2)
      expect(res.stdout, args.join(' ')).toBe('')
      if (message.endsWith('\n')) expect(res.stderr, args.join(' ')).toBe(message)
      else expect(res.stderr, args.join(' ')).toContain(message)
    }
    const json = await tx('--json', 'frobnicate')
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stderr)).toEqual({
      error: {code: 'USAGE', message: expect.stringMatching(/^Unknown subcommand 'frobnicate'/)},
    })
    // A cluster no broker answers for is a runtime failure (exit 1) after the timeout, naming the address.
    const props = join(home.dir, 'admin.properties')
    writeFileSync(props, 'request.timeout.ms=300\n')
    const remote = await tx('--bootstrap-server', '127.0.0.1:1', '--command-config', props, 'list')
    expect(remote.code).toBe(1)
    expect(remote.stderr).toMatch(/^Timed out waiting for a node of the Kafka cluster at 127\.0\.0\.1:1: .*\n$/)
    const required = await tx('describe')
    expect(required.code).toBe(2)
    expect(required.stderr).toMatch(/^Error: .*Missing required flag transactional-id.*\n$/)
  })
})

describe('Admin transaction calls', () => {
  it('filters listTransactions by state, producer id and duration', async () => {
    await transaction('done', [0], 'commit')
    await transaction('open', [1], 'open')
    await home.withAdmin(async (admin) => {
      const ids = async (options: Parameters<Admin['listTransactions']>[0]) =>
        (await admin.listTransactions(options)).map((t) => t.transactionalId)
      expect(await ids({})).toEqual(['done', 'open'])
      expect(await ids({states: ['Ongoing']})).toEqual(['open'])
      expect(await ids({states: ['CompleteCommit', 'CompleteAbort']})).toEqual(['done'])
      expect(await ids({producerIds: [0]})).toEqual(['done'])
      expect(await ids({producerIds: [42]})).toEqual([])
      expect(await ids({durationFilterMs: 3_600_000})).toEqual([])
    })
  })

  it('raises typed exceptions', async () => {
    await transaction('done', [0], 'commit')
    await home.withAdmin(async (admin) => {
      await expect(admin.describeTransactions(['done', 'nope'])).rejects.toBeInstanceOf(
        TransactionalIdNotFoundException,
      )
      expect(await admin.describeTransactions([])).toEqual([])
      await expect(admin.describeProducers([{topic: 'nosuch', partition: 0}])).rejects.toBeInstanceOf(
        UnknownTopicOrPartitionException,
      )
      await expect(
        admin.abortTransaction({topic: 'orders', partition: 0, producerId: 0, producerEpoch: 0, coordinatorEpoch: 0}),
      ).rejects.toBeInstanceOf(InvalidTxnStateException)
    })
  })
})
