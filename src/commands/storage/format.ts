import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {usageError} from '../../errors.js'
import {parseAddScram} from '../../cli/configs.js'
import {addBootstrapScram, formatHome} from '../../meta.js'
import {randomSalt, saltedPassword} from '../../scram.js'
import {ensurePrivateDir} from '../../paths.js'
import {readPropertiesFile} from '../../properties.js'

export interface StorageFormatResult {
  home: string
  clusterId: string
  /** false when the home was already formatted and --ignore-formatted left it as it was (with its cluster id). */
  formatted: boolean
}

export default class StorageFormat extends BaseCommand {
  static override description = `Kafka's kafka-storage.sh format: give the home its cluster id.

Writes meta.properties into KAFKALITE_HOME (the log directory of a kafkalite broker; log.dirs in the file is not used), with the cluster id that Metadata and DescribeCluster report and the node id of the settings file. A home already formatted is refused, as Kafka refuses a formatted log directory; --ignore-formatted leaves it as it is and exits 0. Formatting is optional: a broker started without it makes its own cluster id. The KRaft quorum options (--standalone, --initial-controllers, --no-initial-controllers) and --release-version are accepted for Kafka's scripts and have no effect: kafkalite is one node without a metadata log.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --standalone -t "$(<%= config.bin %> storage random-uuid)" -c config/server.properties',
  ]

  static override flags = {
    'cluster-id': Flags.string({
      char: 't',
      description: 'The cluster id (storage random-uuid prints one).',
      required: true,
    }),
    config: Flags.string({
      char: 'c',
      description: 'The server.properties file (its node.id is written).',
      required: true,
    }),
    'ignore-formatted': Flags.boolean({char: 'g', description: 'Leave a home already formatted as it is, and exit 0.'}),
    'add-scram': Flags.string({
      char: 'S',
      multiple: true,
      description:
        "A SCRAM credential to create, as Kafka's: 'SCRAM-SHA-256=[name=alice,password=alice-secret]' (or SCRAM-SHA-512; iterations=, or salt= and saltedpassword= in base64 instead of password=). Salted here, stored by the daemon at its next start.",
      helpValue: '<SCRAM credential>',
    }),
    standalone: Flags.boolean({
      char: 's',
      description: 'Accepted for Kafka scripts (a single-node KRaft quorum); no effect.',
    }),
    'initial-controllers': Flags.string({
      char: 'I',
      description: 'Accepted for Kafka scripts (the initial KRaft voters); no effect.',
    }),
    'no-initial-controllers': Flags.boolean({
      char: 'N',
      description: 'Accepted for Kafka scripts; no effect.',
    }),
    'release-version': Flags.string({
      char: 'r',
      description: 'Accepted for Kafka scripts (the metadata.version); no effect.',
    }),
  }

  async run(): Promise<StorageFormatResult> {
    const {flags} = await this.parse(StorageFormat)
    const quorum = [flags.standalone, flags['initial-controllers'] !== undefined, flags['no-initial-controllers']]
    if (quorum.filter(Boolean).length > 1) {
      throw usageError('Give at most one of --standalone, --initial-controllers and --no-initial-controllers.')
    }
    const settings = readPropertiesFile(flags.config)
    const nodeIdText = settings['node.id'] ?? settings['broker.id'] ?? '1'
    const nodeId = Number(nodeIdText)
    if (!/^\d+$/.test(nodeIdText.trim()) || !Number.isSafeInteger(nodeId)) {
      throw usageError(
        `Invalid value ${nodeIdText} for configuration node.id in ${flags.config}: use a number of 0 or more.`,
      )
    }
    const scram = (flags['add-scram'] ?? []).map((text) => parseAddScram(text))
    const home = this.home
    ensurePrivateDir(home)
    const {formatted, clusterId} = formatHome(home, flags['cluster-id'], nodeId, {
      ignoreFormatted: flags['ignore-formatted'],
    })
    // As Kafka: the users go with the format; a home left as it was (--ignore-formatted) gets none.
    if (formatted && scram.length > 0) {
      addBootstrapScram(
        home,
        scram.map((c) => {
          const salt = c.salt ?? randomSalt()
          const salted = c.saltedPassword ?? saltedPassword(c.mechanism, c.password!, salt, c.iterations)
          return {
            name: c.name,
            mechanism: c.mechanism,
            iterations: c.iterations,
            salt: salt.toString('base64'),
            saltedPassword: salted.toString('base64'),
          }
        }),
      )
    }
    if (formatted) this.log(`Formatting kafkalite home ${home} with cluster id ${clusterId}.`)
    else
      this.log(
        `All of the log directories are already formatted: kafkalite home ${home} keeps cluster id ${clusterId}.`,
      )
    return {home, clusterId, formatted}
  }
}
