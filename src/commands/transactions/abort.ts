import {Flags} from '@oclif/core'
import type {AbortTransactionSpec} from '../../client/admin.js'
import {transactionsFlags} from '../../cli/flags.js'
import {TransactionsCommand} from '../../cli/transactions-command.js'
import {KafkaException, usageError} from '../../errors.js'

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
    'producer-id': Flags.integer({
      description: 'The producer id of the transaction to abort (with --producer-epoch and --coordinator-epoch).',
      min: 0,
      helpValue: '<id>',
    }),
    'producer-epoch': Flags.integer({
      description: 'Its producer epoch.',
      min: 0,
      max: 32767,
      helpValue: '<epoch>',
    }),
    'coordinator-epoch': Flags.integer({
      description: 'Its coordinator epoch (LatestCoordinatorEpoch in describe-producers; -1 is taken as 0).',
      helpValue: '<epoch>',
    }),
  }

  async run(): Promise<AbortTransactionSpec> {
    const {flags} = await this.parse(TransactionsAbort)
    this.checkGlobal(flags)
    const {topic, partition} = flags
    const startOffset = flags['start-offset']
    const producerId = flags['producer-id']
    if (startOffset === undefined && producerId === undefined) {
      throw usageError(
        'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
      )
    }
    let spec: AbortTransactionSpec
    if (startOffset === undefined) {
      const producerEpoch = flags['producer-epoch']
      const coordinatorEpoch = flags['coordinator-epoch']
      if (producerEpoch === undefined) throw usageError('Missing required argument --producer-epoch')
      if (coordinatorEpoch === undefined) throw usageError('Missing required argument --coordinator-epoch')
      // As Kafka's tool: a transaction that hung before its producer id's first commit or abort shows coordinator
      // epoch -1 in describe-producers; 0 is no greater than any real coordinator epoch.
      spec = {topic, partition, producerId: producerId!, producerEpoch, coordinatorEpoch: Math.max(0, coordinatorEpoch)}
    } else {
      spec = await this.#specAt(topic, partition, startOffset)
    }
    const admin = await this.admin()
    await this.failing(`Failed to abort transaction ${specText(spec)}`, () => admin.abortTransaction(spec))
    return spec
  }

  /** The producer whose open transaction on the partition starts at `startOffset`. */
  async #specAt(topic: string, partition: number, startOffset: number): Promise<AbortTransactionSpec> {
    const admin = await this.admin()
    const [state] = await this.failing(`Failed to validate producer state for partition ${topic}-${partition}`, () =>
      admin.describeProducers([{topic, partition}]),
    )
    const producer = state!.producers.find((p) => p.currentTxnStartOffset === startOffset)
    if (producer === undefined) {
      throw new KafkaException(
        'INVALID_TXN_STATE',
        `Could not find any open transactions starting at offset ${startOffset} on partition ${topic}-${partition}`,
      )
    }
    return {
      topic,
      partition,
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      coordinatorEpoch: Math.max(0, producer.coordinatorEpoch),
    }
  }
}

/** Kafka's AbortTransactionSpec.toString(), which its error message quotes. */
const specText = (s: AbortTransactionSpec) =>
  `AbortTransactionSpec(topicPartition=${s.topic}-${s.partition}, producerId=${s.producerId}, producerEpoch=${s.producerEpoch}, coordinatorEpoch=${s.coordinatorEpoch})`
