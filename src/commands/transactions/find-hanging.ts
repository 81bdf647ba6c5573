import {Flags} from '@oclif/core'
import type {Admin} from '../../client/admin.js'
import {TransactionsCommand, transactionsFlags} from '../../cli/transactions-command.js'
import {HANGING_HEADERS, hangingRows, prettyPrintTable, type HangingTransaction} from '../../cli/transaction-views.js'
import {usageError} from '../../errors.js'

export default class TransactionsFindHanging extends TransactionsCommand {
  static override description = `Find hanging transactions: kafka-transactions find-hanging.

A transaction hangs when it is open on a partition for longer than --max-transaction-timeout minutes and its coordinator does not have it open there: its producer id has no live transactional id, or that id's transaction is not open on the partition. A hanging transaction holds back the last stable offset, so read_committed consumers stop at it; abort it with 'transactions abort'.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders',
    '<%= config.bin %> <%= command.id %> --broker-id 1 --max-transaction-timeout 5',
  ]

  static override flags = {
    ...transactionsFlags,
    'broker-id': Flags.integer({description: 'The broker whose partitions to search.', helpValue: '<id>'}),
    topic: Flags.string({description: 'Topic to search.', helpValue: '<topic>'}),
    partition: Flags.integer({description: 'Partition of --topic to search.', min: 0, helpValue: '<partition>'}),
    'max-transaction-timeout': Flags.integer({
      description:
        'Transactions open for longer than this many minutes are candidates (the largest transaction.timeout.ms in use).',
      default: 15,
      min: 0,
      helpValue: '<minutes>',
    }),
  }

  async run(): Promise<{hanging: HangingTransaction[]}> {
    const {flags} = await this.parse(TransactionsFindHanging)
    this.checkGlobal(flags)
    if (flags.topic === undefined && flags['broker-id'] === undefined) {
      throw usageError(
        'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search',
      )
    }
    if (flags.partition !== undefined && flags.topic === undefined) {
      throw usageError('The --partition argument requires --topic to be provided')
    }
    const admin = await this.admin()
    const hanging = await this.failing('Failed to find hanging transactions', () =>
      findHanging(admin, flags.topic, flags.partition, flags['broker-id'], flags['max-transaction-timeout'] * 60_000),
    )
    this.print(prettyPrintTable(HANGING_HEADERS, hangingRows(hanging, Date.now())))
    return {hanging}
  }
}

async function findHanging(
  admin: Admin,
  topic: string | undefined,
  partition: number | undefined,
  brokerId: number | undefined,
  maxTimeoutMs: number,
): Promise<HangingTransaction[]> {
  if (brokerId !== undefined && brokerId !== admin.node().id) return [] // no partitions lead there
  const topics =
    topic !== undefined
      ? await admin.describeTopics([topic])
      : await admin.describeTopics((await admin.listTopics()).map((t) => t.name))
  const partitions = topics.flatMap((t) =>
    t.partitions
      .map((p) => ({topic: t.name, partition: p.partition}))
      .filter((p) => partition === undefined || p.partition === partition),
  )
  const now = Date.now()
  const candidates = (await admin.describeProducers(partitions)).flatMap((p) =>
    p.producers
      .filter((s) => s.currentTxnStartOffset >= 0 && now - s.lastTimestamp >= maxTimeoutMs)
      .map((producer) => ({topic: p.topic, partition: p.partition, producer})),
  )
  if (candidates.length === 0) return []
  // A candidate is not hanging when its producer's transactional id has the transaction open on that partition.
  const live = await admin.listTransactions({producerIds: [...new Set(candidates.map((c) => c.producer.producerId))]})
  const descriptions = live.length > 0 ? await admin.describeTransactions(live.map((t) => t.transactionalId)) : []
  return candidates.filter(({topic: t, partition: p, producer}) => {
    const owner = descriptions.find((d) => d.producerId === producer.producerId)
    const open =
      owner !== undefined &&
      (owner.state === 'Ongoing' || owner.state.startsWith('Prepare')) &&
      owner.partitions.some((tp) => tp.topic === t && tp.partition === p)
    return !open
  })
}
