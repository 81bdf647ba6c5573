import {Flags} from '@oclif/core'
import type {TransactionListing} from '../../client/admin.js'
import {transactionsFlags} from '../../cli/flags.js'
import {TransactionsCommand} from '../../cli/transactions-command.js'
import {LIST_HEADERS, listRows, prettyPrintTable} from '../../cli/transaction-views.js'

export default class TransactionsList extends TransactionsCommand {
  static override description = `List transactional ids with their producer id and state: kafka-transactions list.

One row per transactional id the broker knows (Dead ones are left out), with the coordinator's broker id.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --duration-filter 60000',
  ]

  static override flags = {
    ...transactionsFlags,
    'duration-filter': Flags.integer({
      description: 'Only transactions running longer than this many milliseconds (a negative value lists all).',
      helpValue: '<ms>',
    }),
  }

  async run(): Promise<{transactions: (Omit<TransactionListing, 'coordinatorId'> & {coordinator: number})[]}> {
    const {flags} = await this.parse(TransactionsList)
    this.checkGlobal(flags)
    const admin = await this.admin()
    const transactions = await this.failing('Failed to list transactions', () =>
      admin.listTransactions({durationFilterMs: flags['duration-filter'] ?? -1}),
    )
    const live = transactions.filter((t) => t.state !== 'Dead')
    this.print(prettyPrintTable(LIST_HEADERS, listRows(live)))
    return {transactions: live.map(({coordinatorId, ...t}) => ({...t, coordinator: coordinatorId}))}
  }
}
