import {Flags} from '@oclif/core'
import type {PartitionProducerState} from '../../client/admin.js'
import {transactionsFlags} from '../../cli/flags.js'
import {TransactionsCommand} from '../../cli/transactions-command.js'
import {PRODUCER_HEADERS, prettyPrintTable, producerRows} from '../../cli/transaction-views.js'

export default class TransactionsDescribeProducers extends TransactionsCommand {
  static override description = `Describe the producers of a partition: kafka-transactions describe-producers.

One row per producer id that wrote to the partition: its epoch, last sequence and timestamp, and the first offset of its open transaction (None when it has none). That offset is what 'transactions abort --start-offset' takes.`

  static override examples = ['<%= config.bin %> <%= command.id %> --topic orders --partition 0']

  static override flags = {
    ...transactionsFlags,
    topic: Flags.string({description: 'Topic name.', required: true, helpValue: '<topic>'}),
    partition: Flags.integer({description: 'Partition number.', required: true, min: 0, helpValue: '<partition>'}),
    'broker-id': Flags.integer({
      description: 'The broker to ask (kafkalite is one broker: its node.id, the default).',
      helpValue: '<id>',
    }),
  }

  async run(): Promise<PartitionProducerState> {
    const {flags} = await this.parse(TransactionsDescribeProducers)
    this.checkGlobal(flags)
    const admin = await this.admin()
    const brokerId = flags['broker-id']
    const tp = `${flags.topic}-${flags.partition}`
    const on = brokerId === undefined ? 'leader' : `broker ${brokerId}`
    const [result] = await this.failing(`Failed to describe producers for partition ${tp} on ${on}`, () =>
      admin.describeProducers([{topic: flags.topic, partition: flags.partition}], {brokerId}),
    )
    this.print(prettyPrintTable(PRODUCER_HEADERS, producerRows(result!.producers)))
    return result!
  }
}
