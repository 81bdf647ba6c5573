import {Flags} from '@oclif/core'
import {transactionsFlags} from '../../cli/flags.js'
import {TransactionsCommand} from '../../cli/transactions-command.js'
import {findHangingTransactions, type HangingTransaction} from '../../cli/hanging-transactions.js'
import {HANGING_HEADERS, hangingRows, prettyPrintTable} from '../../cli/transaction-views.js'
import {usageError} from '../../errors.js'

export default class TransactionsFindHanging extends TransactionsCommand {
  static override description = `Find hanging transactions: kafka-transactions find-hanging.

A transaction hangs when it is open on a partition, its producer has written nothing there for longer than --max-transaction-timeout minutes, and its coordinator will not finish it: the producer id has no transactional id, or that id's transaction does not include the partition. A hanging transaction holds back the last stable offset, so read_committed consumers stop at it; abort it with 'transactions abort'. The transaction of a crashed producer is not hanging: its coordinator aborts it once transaction.timeout.ms has passed.`

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
        'Open transactions whose producer has written nothing to the partition for longer than this many minutes are candidates: the largest transaction.timeout.ms in use, in minutes (the broker allows 15).',
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
    const hanging = await findHangingTransactions(
      admin,
      {
        topic: flags.topic,
        partition: flags.partition,
        brokerId: flags['broker-id'],
        maxTransactionTimeoutMs: flags['max-transaction-timeout'] * 60_000,
      },
      (what, fn) => this.failing(what, fn),
    )
    this.print(prettyPrintTable(HANGING_HEADERS, hangingRows(hanging, Date.now())))
    return {hanging}
  }
}
