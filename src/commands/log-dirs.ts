import {Flags} from '@oclif/core'
import type {LogDirDescription} from '../client/admin.js'
import {BaseCommand} from '../cli/base-command.js'
import {adminConfigFlags} from '../cli/flags.js'
import {brokerIdsText, logDirsJson} from '../cli/log-dirs.js'
import {KafkaException, usageError} from '../errors.js'

export interface LogDirsResult {
  brokers: {
    broker: number
    logDirs: {
      logDir: string
      error: string | null
      totalBytes: number
      usableBytes: number
      partitions: {partition: string; size: number; offsetLag: number; isFuture: boolean}[]
    }[]
  }[]
}

export default class LogDirs extends BaseCommand {
  static override description = `Describe the log directories of brokers, with the size of each partition's log: Apache Kafka's kafka-log-dirs --describe (LogDirsCommand).

Prints Kafka's two lines, then its JSON: for each broker, its log directories, each with its error (null) and its partitions (topic-partition, size in bytes, offsetLag, isFuture). kafkalite's broker has one log directory, the one holding its database, and a partition's size is the bytes of its stored record batches. --topic-list keeps only those topics' partitions; --broker-list asks only those brokers, and refuses ids that are not in the cluster with Kafka's message.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --describe',
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --describe --topic-list orders,clicks',
  ]

  static override flags = {
    'bootstrap-server': Flags.string({
      description:
        'The server(s) to use for bootstrapping. Default: the local broker, which also answers to its listener addresses and to localhost:9092 while nothing listens there; any other address is a Kafka cluster.',
      helpValue: '<The server(s) to use for bootstrapping>',
      env: 'KAFKALITE_BOOTSTRAP_SERVER',
    }),
    ...adminConfigFlags,
    describe: Flags.boolean({description: 'Describe the specified log directories on the specified brokers.'}),
    'topic-list': Flags.string({
      description:
        'The list of topics to be queried in the form "topic1,topic2,topic3". All topics will be queried if no topic list is specified',
      helpValue: '<Topic list>',
      default: '',
    }),
    'broker-list': Flags.string({
      description:
        'The list of brokers to be queried in the form "0,1,2". All brokers in the cluster will be queried if no broker list is specified',
      helpValue: '<Broker list>',
      default: '',
    }),
  }

  protected override errorPrefix = ''

  async run(): Promise<LogDirsResult> {
    const {flags} = await this.parse(LogDirs)
    this.checkBootstrap({'bootstrap-server': flags['bootstrap-server'], 'command-config': flags['command-config']})
    if (!flags.describe) throw usageError('Missing required argument "[describe]"')
    const topics = new Set(flags['topic-list'].split(',').filter((t) => t !== ''))
    const inputBrokers = flags['broker-list']
      .split(',')
      .filter((b) => b !== '')
      .map((b) => {
        if (!/^[+-]?\d+$/.test(b) || Math.abs(Number(b)) > 2147483647) {
          throw usageError(`Invalid --broker-list entry '${b}': give broker ids separated by commas, as "0,1,2".`)
        }
        return Number(b)
      })
    const admin = await this.admin()
    const clusterBrokers = (await admin.describeCluster()).nodes.map((n) => n.id)
    const missing = [...new Set(inputBrokers)].filter((b) => !clusterBrokers.includes(b))
    if (missing.length > 0) {
      throw new KafkaException(
        'INVALID_REQUEST',
        `ERROR: The given brokers do not exist from --broker-list: ${brokerIdsText(missing)}. Current existent brokers: ${brokerIdsText(clusterBrokers)}`,
      )
    }
    const brokers = inputBrokers.length === 0 ? [...new Set(clusterBrokers)] : [...new Set(inputBrokers)]
    this.log('Querying brokers for log directories information')
    const described = await admin.describeLogDirs(brokers)
    this.log(`Received log directory information from brokers ${brokerIdsText(brokers)}`)
    this.log(logDirsJson(described, topics))
    return {
      brokers: [...described].map(([broker, dirs]) => ({
        broker,
        logDirs: [...dirs].map(([logDir, d]) => dirJson(logDir, d, topics)),
      })),
    }
  }
}

function dirJson(
  logDir: string,
  d: LogDirDescription,
  topics: ReadonlySet<string>,
): LogDirsResult['brokers'][number]['logDirs'][number] {
  return {
    logDir,
    error: d.error === undefined ? null : d.error.message,
    totalBytes: d.totalBytes,
    usableBytes: d.usableBytes,
    partitions: d.replicaInfos
      .filter((r) => topics.size === 0 || topics.has(r.topic))
      .map((r) => ({
        partition: `${r.topic}-${r.partition}`,
        size: r.size,
        offsetLag: r.offsetLag,
        isFuture: r.isFuture,
      })),
  }
}
