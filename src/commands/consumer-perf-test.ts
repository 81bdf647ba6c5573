import {Flags} from '@oclif/core'
import {KafkaConsumer} from '../client/consumer.js'
import {BaseCommand} from '../cli/base-command.js'
import {clientProperties} from '../cli/client-properties.js'
import {
  consumerPerfHeader,
  consumerPerfSummaryLine,
  runConsumerPerf,
  simpleDateFormat,
  type ConsumerPerfSummary,
} from '../cli/consumer-perf.js'
import {connectionFlags} from '../cli/flags.js'
import {metricsTable} from '../cli/producer-perf.js'
import {parseLong} from '../cli/java-compat.js'
import {usageError} from '../errors.js'

export default class ConsumerPerfTest extends BaseCommand {
  static override description = `Consume records as fast as possible and report the throughput: Apache Kafka's kafka-consumer-perf-test (ConsumerPerformance).

A consumer of --group (perf-consumer-<random>) subscribes to --topic (or the topics matching --include) and polls until it has read --num-records records, or until --timeout ms pass without a record. Unless --hide-header, Kafka's header comes first; then one summary line, or with --show-detailed-stats one line per --reporting-interval: the times (--date-format, Java's SimpleDateFormat, local time), MB and records consumed with their rates, the time spent waiting for a partition assignment (rebalance.time.ms), and the rates over the rest (fetch). Data is the keys' and values' bytes; MB is 1,048,576 bytes. Without a committed offset the consumer starts at the earliest record (--from-latest: the latest).

Difference from Kafka's tool: the deprecation notes of --messages and --consumer.config go to stderr, not stdout.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic perf --num-records 100000',
    '<%= config.bin %> <%= command.id %> --topic perf --num-records 1000000 --show-detailed-stats --reporting-interval 1000 --timeout 30000',
  ]

  static override flags = {
    ...connectionFlags,
    topic: Flags.string({description: 'The topic to consume from.', helpValue: '<topic>'}),
    include: Flags.string({
      description: 'Regular expression specifying list of topics to include for consumption.',
      helpValue: '<Java regex (String)>',
    }),
    'num-records': Flags.string({description: 'REQUIRED: The number of records to consume.', helpValue: '<count>'}),
    messages: Flags.string({
      description: '(DEPRECATED) The number of records to consume. Use --num-records instead.',
      helpValue: '<count>',
    }),
    group: Flags.string({
      description: 'The group id to consume on. (default: perf-consumer-<random number below 100000>)',
      helpValue: '<gid>',
    }),
    'fetch-size': Flags.integer({
      description: 'The maximum amount of data to fetch from a single partition per request. (default: 1048576)',
      helpValue: '<size>',
      min: 0,
    }),
    'from-latest': Flags.boolean({
      description:
        'If the consumer does not already have an established offset to consume from, start with the latest record present in the log rather than the earliest record.',
    }),
    'socket-buffer-size': Flags.integer({
      description: 'The size of the tcp RECV size. (default: 2097152; accepted for compatibility)',
      helpValue: '<size>',
      min: 0,
    }),
    'consumer.config': Flags.string({
      description: '(DEPRECATED) Consumer config properties file. Use --command-config instead.',
      helpValue: '<config file>',
    }),
    'command-config': Flags.string({description: 'Config properties file.', helpValue: '<config file>'}),
    'command-property': Flags.string({
      description:
        'Kafka consumer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --consumer.config.',
      multiple: true,
      helpValue: '<prop1=val1>',
    }),
    'print-metrics': Flags.boolean({description: 'Print out the metrics.'}),
    'show-detailed-stats': Flags.boolean({
      description: 'If set, stats are reported for each reporting interval as configured by reporting-interval.',
    }),
    timeout: Flags.string({
      description: 'The maximum allowed time in milliseconds between returned records. (default: 10000)',
      helpValue: '[milliseconds]',
    }),
    'reporting-interval': Flags.string({
      description: 'Interval in milliseconds at which to print progress info. (default: 5000)',
      helpValue: '<interval_ms>',
    }),
    'date-format': Flags.string({
      description:
        'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)',
      helpValue: '<date format>',
      default: 'yyyy-MM-dd HH:mm:ss:SSS',
    }),
    'hide-header': Flags.boolean({description: 'If set, skips printing the header for the stats.'}),
  }

  async run(): Promise<ConsumerPerfSummary> {
    const {flags} = await this.parse(ConsumerPerfTest)
    this.checkBootstrap({'bootstrap-server': flags['bootstrap-server'], 'broker-list': flags['broker-list']})
    if ((flags.topic === undefined) === (flags.include === undefined)) {
      throw usageError('Exactly one of the following arguments is required: [topic], [include]')
    }
    if (flags['num-records'] === undefined && flags.messages === undefined) {
      throw usageError('Missing required argument "[num-records]"')
    }
    if (flags['num-records'] !== undefined && flags.messages !== undefined) {
      throw usageError('Option "[num-records]" can\'t be used with option "[messages]"')
    }
    if (flags['command-config'] !== undefined && flags['consumer.config'] !== undefined) {
      throw usageError('Option "[command-config]" can\'t be used with option "[consumer.config]"')
    }
    if (flags.messages !== undefined) {
      process.stderr.write('Warning: --messages is deprecated. Use --num-records instead.\n')
    }
    if (flags['consumer.config'] !== undefined) {
      process.stderr.write('Warning: --consumer.config is deprecated. Use --command-config instead.\n')
    }
    const numRecords = parseLong('--num-records', (flags['num-records'] ?? flags.messages)!)
    const timeoutMs = flags.timeout === undefined ? 10_000 : parseLong('--timeout', flags.timeout)
    const reportingIntervalMs =
      flags['reporting-interval'] === undefined ? 5000 : parseLong('--reporting-interval', flags['reporting-interval'])
    if (reportingIntervalMs <= 0) throw usageError('Reporting interval must be greater than 0.')
    const format = simpleDateFormat(flags['date-format'])
    let subscription: string[] | RegExp = [flags.topic ?? '']
    if (flags.include !== undefined) {
      try {
        subscription = new RegExp(`^(?:${flags.include})$`)
      } catch (error) {
        throw usageError(`Invalid --include regular expression '${flags.include}': ${(error as Error).message}`)
      }
    }
    const props = clientProperties(flags['command-config'] ?? flags['consumer.config'], flags['command-property'])
    if (flags['bootstrap-server'] !== undefined) props['bootstrap.servers'] = flags['bootstrap-server']
    props['group.id'] = flags.group ?? props['group.id'] ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}`
    if (flags['fetch-size'] !== undefined || props['max.partition.fetch.bytes'] === undefined) {
      props['max.partition.fetch.bytes'] = String(flags['fetch-size'] ?? 1048576)
    }
    if (flags['from-latest'] || props['auto.offset.reset'] === undefined) {
      props['auto.offset.reset'] = flags['from-latest'] ? 'latest' : 'earliest'
    }
    props['check.crcs'] = 'false'
    props['client.id'] ??= 'perf-consumer-client'
    const consumer = new KafkaConsumer(this.clientConfig(props), undefined, undefined, {onNotice: this.notice})
    try {
      if (!flags['hide-header']) this.log(consumerPerfHeader(flags['show-detailed-stats']))
      const result = await runConsumerPerf(
        consumer,
        subscription,
        {numRecords, timeoutMs, reportingIntervalMs, detailed: flags['show-detailed-stats'], format},
        (line) => this.log(line),
      )
      if (result.timedOut) {
        this.log(
          `WARNING: Exiting before consuming the expected number of records: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.`,
        )
      }
      const metrics = flags['print-metrics'] ? consumer.metrics() : null
      await consumer.close()
      const {timedOut: _timedOut, ...summary} = result
      if (!flags['show-detailed-stats']) this.log(consumerPerfSummaryLine(summary, format))
      if (metrics !== null) for (const line of metricsTable(metrics)) this.log(line)
      return summary
    } finally {
      await consumer.close().catch(() => {})
    }
  }
}
