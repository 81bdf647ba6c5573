import {BaseCommand} from '../../cli/base-command.js'
import {randomClusterId} from '../../meta.js'

export default class StorageRandomUuid extends BaseCommand {
  static override description = `Kafka's kafka-storage.sh random-uuid: print a new cluster id.

A random UUID as Kafka prints one (22 characters of URL-safe base64), for 'storage format -t'.`

  static override examples = ['KAFKA_CLUSTER_ID="$(<%= config.bin %> <%= command.id %>)"']

  async run(): Promise<void> {
    await this.parse(StorageRandomUuid)
    this.log(randomClusterId())
  }
}
