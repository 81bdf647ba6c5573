import {Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'
import type {DeletedRecords} from '../client/admin.js'
import {BaseCommand} from '../cli/base-command.js'
import {deletedRecordsLine, parseOffsetJson} from '../cli/delete-records.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {KafkaException, usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'

export default class DeleteRecords extends BaseCommand {
  static override description = `Delete the records of partitions before an offset: Apache Kafka's kafka-delete-records.

Each partition's log start offset moves up to the offset given (-1: the high watermark): the records before it can no longer be read, and the earliest offset (consumers with auto.offset.reset=earliest, consumer-groups, lag) becomes it. Prints each partition's new low watermark, as Kafka's tool does. A partition that fails (an offset above the high watermark, a topic whose cleanup.policy has no delete) is printed on stderr with its error, and the command exits 1.`

  static override enableJsonFlag = true

  static override examples = [
    `echo '{"partitions": [{"topic": "orders", "partition": 0, "offset": 42}], "version": 1}' > offsets.json
<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --offset-json-file offsets.json`,
  ]

  static override flags = {
    ...connectionFlags,
    ...adminConfigFlags,
    'offset-json-file': Flags.string({
      description:
        'REQUIRED: The JSON file with offset per partition. The format to use is: {"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version": 1}',
      helpValue: '<Offset json file path>',
      required: true,
    }),
  }

  async run(): Promise<{partitions: {topic: string; partition: number; lowWatermark: number; error?: string}[]}> {
    const {flags} = await this.parse(DeleteRecords)
    this.checkBootstrap(flags)
    if (flags['command-config']) readPropertiesFile(flags['command-config'])
    const file = flags['offset-json-file']
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw usageError(`Cannot read --offset-json-file '${file}': ${(error as Error).message}`)
    }
    const records = parseOffsetJson(text)
    const admin = await this.admin()
    this.log('Executing records delete operation')
    const results: DeletedRecords[] = await admin.deleteRecords(
      records.map((r) => ({topic: r.topic, partition: r.partition, beforeOffset: r.offset})),
    )
    this.log('Records delete operation completed:')
    for (const r of results) {
      if (r.error === undefined) this.log(deletedRecordsLine(r))
      else if (!this.jsonEnabled()) process.stderr.write(`${deletedRecordsLine(r)}\n`)
    }
    const failed = results.filter((r) => r.error !== undefined)
    if (failed.length > 0) {
      const first = failed[0]!
      throw new KafkaException(
        first.error!.code,
        `${failed.length} of ${results.length} partition(s) failed; ${first.topic}-${first.partition}: ${first.error!.message}`,
      )
    }
    return {
      partitions: results.map((r) => ({topic: r.topic, partition: r.partition, lowWatermark: r.lowWatermark})),
    }
  }
}
