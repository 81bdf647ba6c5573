import {Flags} from '@oclif/core'
import type {TransactionDescription} from '../../client/admin.js'
import {transactionsFlags} from '../../cli/flags.js'
import {TransactionsCommand} from '../../cli/transactions-command.js'
import {DESCRIBE_HEADERS, describeRow, prettyPrintTable} from '../../cli/transaction-views.js'

export default class TransactionsDescribe extends TransactionsCommand {
  static override description = `Describe the state of a transactional id: kafka-transactions describe.

Shows the producer id and epoch, the state (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, PrepareEpochFence), the timeout, and for an open transaction its start, duration and partitions.`

  static override examples = ['<%= config.bin %> <%= command.id %> --transactional-id my-transactional-id']

  static override flags = {
    ...transactionsFlags,
    'transactional-id': Flags.string({
      description: 'Transactional id to describe.',
      required: true,
      helpValue: '<id>',
    }),
  }

  async run(): Promise<TransactionDescription> {
    const {flags} = await this.parse(TransactionsDescribe)
    this.checkGlobal(flags)
    const id = flags['transactional-id']
    const admin = await this.admin()
    const [description] = await this.failing(`Failed to describe transaction state of transactional-id \`${id}\``, () =>
      admin.describeTransactions([id]),
    )
    this.print(prettyPrintTable(DESCRIBE_HEADERS, [describeRow(description!, Date.now())]))
    return description!
  }
}
