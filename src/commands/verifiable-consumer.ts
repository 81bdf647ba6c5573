import {Flags} from '@oclif/core'
import {KafkaConsumer} from '../client/consumer.js'
import {StringDeserializer} from '../client/serializers.js'
import {BaseCommand} from '../cli/base-command.js'
import {parseInt32} from '../cli/java-compat.js'
import {VerifiableConsumerRun} from '../cli/verifiable.js'
import {usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'

export default class VerifiableConsumer extends BaseCommand {
  static override description = `Consume a topic in a group and print a JSON event for each rebalance, poll and commit: Apache Kafka's kafka-verifiable-consumer (VerifiableConsumer), the consumer Kafka's system tests drive.

stdout carries one JSON object per line, with Kafka's names and field order: startup_complete; partitions_assigned and partitions_revoked (partitions); records_consumed for each poll (count, and per partition its count, minOffset and maxOffset), preceded by record_data for each record with --verbose (key, value, topic, partition, offset); offsets_committed after each synchronous commit unless --enable-autocommit (offsets, error when it failed, success); then shutdown_complete once the consumer is closed, and shutdown_requested. It stops after --max-messages records (-1: until Ctrl-C or SIGTERM, which print shutdown_requested first).

kafkalite's groups use the classic protocol: --group-protocol consumer (KIP-848) is refused.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders --group-id checker --max-messages 1000',
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --topic orders --group-id checker --verbose --reset-policy earliest',
  ]

  static override flags = {
    'bootstrap-server': Flags.string({
      description:
        'The server(s) to connect to. Comma-separated list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,... Default: the local broker.',
      helpValue: 'HOST1:PORT1[,HOST2:PORT2[...]]',
      env: 'KAFKALITE_BOOTSTRAP_SERVER',
    }),
    topic: Flags.string({description: 'Consumes messages from this topic.', required: true, helpValue: 'TOPIC'}),
    'group-protocol': Flags.string({
      description: 'Group protocol (must be one of CLASSIC, CONSUMER; kafkalite has CLASSIC) (default: classic)',
      helpValue: 'GROUP-PROTOCOL',
    }),
    'group-remote-assignor': Flags.string({
      description: 'Group remote assignor; only used if the group protocol is CONSUMER',
      helpValue: 'GROUP-REMOTE-ASSIGNOR',
    }),
    'group-id': Flags.string({
      description: 'The group id of the consumer group',
      required: true,
      helpValue: 'GROUP-ID',
    }),
    'group-instance-id': Flags.string({
      description: 'A unique identifier of the consumer instance',
      helpValue: 'GROUP-INSTANCE-ID',
    }),
    'max-messages': Flags.string({
      description:
        'Consume this many messages. If -1 (the default), the consumer will consume until the process is killed externally (default: -1)',
      helpValue: 'MAX-MESSAGES',
    }),
    'session-timeout': Flags.string({
      description: "Set the consumer's session timeout",
      helpValue: 'TIMEOUT-MS',
    }),
    verbose: Flags.boolean({description: 'Enable to log individual consumed records (default: false)'}),
    'enable-autocommit': Flags.boolean({description: 'Enable offset auto-commit on consumer (default: false)'}),
    'close-timeout': Flags.string({
      description: 'Timeout in milliseconds for closing the consumer (default: 30000)',
      helpValue: 'CLOSE-TIMEOUT-MS',
    }),
    'reset-policy': Flags.string({
      description: "Set reset policy (must be either 'earliest', 'latest', or 'none') (default: earliest)",
      helpValue: 'RESET-POLICY',
      options: ['earliest', 'latest', 'none'],
    }),
    'assignment-strategy': Flags.string({
      description:
        'Set assignment strategy (e.g. org.apache.kafka.clients.consumer.RoundRobinAssignor) (default: org.apache.kafka.clients.consumer.RangeAssignor)',
      helpValue: 'ASSIGNMENT-STRATEGY',
    }),
    'consumer.config': Flags.string({
      description: '(DEPRECATED) Consumer config properties file. Use --command-config instead',
      helpValue: 'CONFIG-FILE',
    }),
    'command-config': Flags.string({
      description: 'Config properties file (config options shared with command line parameters will be overridden).',
      helpValue: 'CONFIG-FILE',
    }),
  }

  static override kafkaVerbose = true

  async run(): Promise<void> {
    const {flags} = await this.parse(VerifiableConsumer)
    this.checkBootstrap({'bootstrap-server': flags['bootstrap-server']})
    const protocol = (flags['group-protocol'] ?? 'classic').toLowerCase()
    if (protocol === 'consumer') {
      throw usageError(
        "--group-protocol consumer (KIP-848) is not offered by kafkalite's groups: use the classic protocol (the default).",
      )
    }
    if (protocol !== 'classic') {
      throw usageError(`Invalid --group-protocol '${flags['group-protocol']}': must be one of CLASSIC, CONSUMER.`)
    }
    if (flags['group-remote-assignor'] !== undefined) {
      throw usageError(
        '--group-remote-assignor is only used with --group-protocol consumer, which kafkalite does not offer.',
      )
    }
    if (flags['consumer.config'] !== undefined && flags['command-config'] !== undefined) {
      throw usageError('Options --consumer.config and --command-config are mutually exclusive.')
    }
    if (flags['consumer.config'] !== undefined) {
      process.stderr.write(
        'Option --consumer.config has been deprecated and will be removed in a future version. Use --command-config instead.\n',
      )
    }
    const maxMessages = flags['max-messages'] === undefined ? -1 : parseInt32('--max-messages', flags['max-messages'])
    if (flags['close-timeout'] !== undefined) parseInt32('--close-timeout', flags['close-timeout'])
    const props: Record<string, string> = {
      'group.id': flags['group-id'],
      'enable.auto.commit': String(flags['enable-autocommit'] === true),
      'auto.offset.reset': flags['reset-policy'] ?? 'earliest',
      'partition.assignment.strategy':
        flags['assignment-strategy'] ?? 'org.apache.kafka.clients.consumer.RangeAssignor',
    }
    if (flags['group-instance-id'] !== undefined) props['group.instance.id'] = flags['group-instance-id']
    if (flags['session-timeout'] !== undefined) {
      props['session.timeout.ms'] = String(parseInt32('--session-timeout', flags['session-timeout']))
    }
    const file = flags['consumer.config'] ?? flags['command-config']
    if (file !== undefined) Object.assign(props, readPropertiesFile(file))
    if (flags['bootstrap-server'] !== undefined) props['bootstrap.servers'] ??= flags['bootstrap-server']
    const consumer = new KafkaConsumer<string, string>(
      this.clientConfig(props),
      new StringDeserializer(),
      new StringDeserializer(),
      {onNotice: this.notice},
    )
    const run = new VerifiableConsumerRun(
      consumer,
      {
        topic: flags.topic,
        maxMessages,
        verbose: flags.verbose === true,
        autoCommit: flags['enable-autocommit'] === true,
      },
      (line) => process.stdout.write(`${line}\n`),
    )
    const onSignal = () => run.requestStop()
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const failure = await run.run()
      if (failure !== null) throw failure
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
