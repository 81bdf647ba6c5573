import {Flags} from '@oclif/core'
import {KafkaConsumer} from '../client/consumer.js'
import {KafkaProducer} from '../client/producer/producer.js'
import type {RecordMetadata} from '../client/producer/types.js'
import {StringDeserializer, StringSerializer} from '../client/serializers.js'
import {BaseCommand} from '../cli/base-command.js'
import {KafkaException} from '../errors.js'

export interface QuickstartResult {
  home: string
  topic: string
  produced: RecordMetadata[]
  consumed: number
}

export default class Quickstart extends BaseCommand {
  static override description = `Run Kafka's quickstart on the local broker: start it, create a topic, produce a few records, read them back.

Everything is real: the daemon it starts keeps running (stop it with 'kafkalite daemon stop'), and the topic and records stay in KAFKALITE_HOME. Running it again adds three more records.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'KAFKALITE_HOME=$(mktemp -d) <%= config.bin %> <%= command.id %>',
  ]

  static override flags = {
    topic: Flags.string({description: 'Topic to use.', default: 'quickstart-events'}),
  }

  async run(): Promise<QuickstartResult> {
    const {flags} = await this.parse(Quickstart)
    const topic = flags.topic
    const admin = await this.admin()
    const {daemon} = await this.control()
    this.log(`1. The broker runs (pid ${daemon.pid}, kafkalite ${daemon.version}) with its data in ${daemon.home}.`)
    try {
      await admin.createTopics([{name: topic, numPartitions: 3}])
      this.log(`2. Created topic ${topic} with 3 partitions.`)
    } catch (error) {
      if (!(error instanceof KafkaException && error.code === 'TOPIC_ALREADY_EXISTS')) throw error
      this.log(`2. Topic ${topic} already exists.`)
    }

    const producer = new KafkaProducer(
      this.clientConfig({'linger.ms': 0}),
      new StringSerializer(),
      new StringSerializer(),
    )
    const produced = await Promise.all(
      [
        {key: 'alice', value: 'This is my first event'},
        {key: 'dave', value: 'This is my second event'},
        {key: 'carol', value: 'Keys pick partitions with murmur2, as in Kafka'},
      ].map((r) => producer.send({topic, ...r, headers: {source: 'quickstart'}})),
    )
    await producer.close()
    this.log('3. Produced 3 records:')
    for (const m of produced) this.log(`     partition ${m.partition}  offset ${m.offset}`)

    const consumer = new KafkaConsumer(this.clientConfig(), new StringDeserializer(), new StringDeserializer())
    const partitions = [0, 1, 2].map((partition) => ({topic, partition}))
    consumer.assign(partitions)
    consumer.seekToBeginning(partitions)
    const ends = await consumer.endOffsets(partitions)
    const total = ends.reduce((sum, e) => sum + e.offset, 0)
    const rows: string[] = []
    let consumed = 0
    while (consumed < total) {
      for (const r of await consumer.poll(1000)) {
        consumed++
        rows.push(`     partition ${r.partition}  offset ${r.offset}  ${r.key}: ${r.value}`)
      }
    }
    await consumer.close()
    this.log(`4. Read ${consumed} records back from the beginning${consumed > 6 ? ' (the last 6 shown)' : ''}:`)
    for (const row of rows.slice(-6)) this.log(row)
    this.log('')
    this.log("Now try it yourself (Kafka's own commands work too, see kafkalite shims):")
    this.log(
      `  ${this.config.bin} console-producer --topic ${topic} --property parse.key=true --property key.separator=:`,
    )
    this.log(`  ${this.config.bin} console-consumer --topic ${topic} --from-beginning --property print.key=true`)
    this.log(`  ${this.config.bin} topics --describe --topic ${topic}`)
    this.log(`  ${this.config.bin} daemon status`)
    return {home: daemon.home, topic, produced, consumed}
  }
}
