import {Flags} from '@oclif/core'
import {TransactionsCommand, transactionsFlags} from '../../cli/transactions-command.js'
import {KafkaException, usageError} from '../../errors.js'

export interface AbortResult {
  topic: string
  partition: number
  producerId: number
  producerEpoch: number
  coordinatorEpoch: number
}

export default class TransactionsAbort extends TransactionsCommand {
  static override description = `Abort a hanging transaction on a partition: kafka-transactions abort.

Writes an ABORT marker for the open transaction that starts at --start-offset (find it with describe-producers or find-hanging), or for the producer given by --producer-id, --producer-epoch and --coordinator-epoch. Its records become invisible to read_committed consumers, and the partition's last stable offset moves past it.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders --partition 0 --start-offset 42',
    '<%= config.bin %> <%= command.id %> --topic orders --partition 0 --producer-id 7 --producer-epoch 0 --coordinator-epoch 0',
  ]

  static override flags = {
    ...transactionsFlags,
    topic: Flags.string({description: 'Topic name.', required: true, helpValue: '<topic>'}),
    partition: Flags.integer({description: 'Partition number.', required: true, min: 0, helpValue: '<partition>'}),
    'start-offset': Flags.integer({
      description: 'The first offset of the transaction to abort.',
      min: 0,
      helpValue: '<offset>',
    }),
    'producer-id': Flags.integer({description: 'The producer id of the transaction to abort.', helpValue: '<id>'}),
    'producer-epoch': Flags.integer({description: 'Its producer epoch.', helpValue: '<epoch>'}),
    'coordinator-epoch': Flags.integer({description: 'Its coordinator epoch.', helpValue: '<epoch>'}),
  }

  async run(): Promise<AbortResult> {
    const {flags} = await this.parse(TransactionsAbort)
    this.checkGlobal(flags)
    const byProducer = [flags['producer-id'], flags['producer-epoch'], flags['coordinator-epoch']]
    const startOffset = flags['start-offset']
    if (startOffset === undefined && byProducer.some((v) => v === undefined)) {
      throw usageError(
        'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
      )
    }
    const {topic, partition} = flags
    const admin = await this.admin()
    let spec: AbortResult
    if (startOffset !== undefined) {
      const [described] = await this.failing(`Failed to abort transaction on partition ${topic}-${partition}`, () =>
        admin.describeProducers([{topic, partition}]),
      )
      const producer = described!.producers.find((p) => p.currentTxnStartOffset === startOffset)
      if (producer === undefined) {
        throw new KafkaException(
          'INVALID_TXN_STATE',
          `Could not find any open transactions starting at offset ${startOffset} on partition ${topic}-${partition}`,
        )
      }
      spec = {
        topic,
        partition,
        producerId: producer.producerId,
        producerEpoch: producer.producerEpoch,
        coordinatorEpoch: Math.max(0, producer.coordinatorEpoch),
      }
    } else {
      spec = {
        topic,
        partition,
        producerId: flags['producer-id']!,
        producerEpoch: flags['producer-epoch']!,
        // Kafka's tool turns a negative coordinator epoch into 0.
        coordinatorEpoch: Math.max(0, flags['coordinator-epoch']!),
      }
    }
    await this.failing(`Failed to abort transaction on partition ${topic}-${partition}`, () =>
      admin.abortTransaction(spec),
    )
    return spec
  }
}
