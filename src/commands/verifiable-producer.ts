import {Flags} from '@oclif/core'
import {KafkaProducer} from '../client/producer/producer.js'
import {StringSerializer} from '../client/serializers.js'
import {BaseCommand} from '../cli/base-command.js'
import {parseInt32, parseLong} from '../cli/java-compat.js'
import {runVerifiableProducer} from '../cli/verifiable.js'
import {usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'

export default class VerifiableProducer extends BaseCommand {
  static override description = `Produce increasing integers and print a JSON event for each acknowledgement: Apache Kafka's kafka-verifiable-producer (VerifiableProducer), the producer Kafka's system tests drive.

The values are 0, 1, 2, ... (with --value-prefix P: P.0, P.1, ...), the keys null, or 0 to --repeating-keys - 1 in turn. stdout carries one JSON object per line, with Kafka's names and field order: startup_complete; producer_send_success (key, value, offset, topic, partition) or producer_send_error (topic, key, value, exception, message) for each record; then, once --max-messages are sent (-1: until Ctrl-C or SIGTERM), shutdown_complete after the producer is flushed and closed, and tool_data (sent, acked, target_throughput, avg_throughput). The producer never retries (retries=0, as Kafka's tool sets it), unless the config file says otherwise.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic orders --max-messages 1000',
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --topic orders --throughput 100 --repeating-keys 10',
  ]

  static override flags = {
    'bootstrap-server': Flags.string({
      description:
        'The server(s) to connect to. Comma-separated list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,... Default: the local broker.',
      helpValue: 'HOST1:PORT1[,HOST2:PORT2[...]]',
      env: 'KAFKALITE_BOOTSTRAP_SERVER',
    }),
    topic: Flags.string({description: 'Produce messages to this topic.', required: true, helpValue: 'TOPIC'}),
    'max-messages': Flags.string({
      description:
        'Produce this many messages. If -1, produce messages until the process is killed externally. (default: -1)',
      helpValue: 'MAX-MESSAGES',
    }),
    throughput: Flags.string({
      description:
        'If set >= 0, throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. (default: -1)',
      helpValue: 'THROUGHPUT',
    }),
    acks: Flags.string({
      description: 'Acks required on each produced message. See Kafka docs on acks for details. (default: -1)',
      helpValue: 'ACKS',
    }),
    'producer.config': Flags.string({
      description: '(DEPRECATED) Producer config properties file. Use --command-config instead.',
      helpValue: 'CONFIG-FILE',
    }),
    'message-create-time': Flags.string({
      description:
        'Send messages with creation time starting at the arguments value, in milliseconds since epoch (default: -1)',
      helpValue: 'CREATE-TIME',
    }),
    'value-prefix': Flags.string({
      description: 'If specified, each produced value will have this prefix with a dot separator',
      helpValue: 'VALUE-PREFIX',
    }),
    'repeating-keys': Flags.string({
      description:
        'If specified, each produced record will have a key starting at 0 increment by 1 up to the number specified (exclusive), then the key is set to 0 again',
      helpValue: 'REPEATING-KEYS',
    }),
    'command-config': Flags.string({
      description: 'Config properties file (config options shared with command line parameters will be overridden).',
      helpValue: 'CONFIG-FILE',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VerifiableProducer)
    this.checkBootstrap({'bootstrap-server': flags['bootstrap-server']})
    const maxMessages = flags['max-messages'] === undefined ? -1 : parseInt32('--max-messages', flags['max-messages'])
    const throughput = flags.throughput === undefined ? -1 : parseInt32('--throughput', flags.throughput)
    if (throughput === 0) {
      throw usageError('--throughput 0 would never send a message: give a rate in messages per second, or -1.')
    }
    const acks = flags.acks === undefined ? -1 : parseInt32('--acks', flags.acks)
    const createTime =
      flags['message-create-time'] === undefined ? -1 : parseLong('--message-create-time', flags['message-create-time'])
    const valuePrefix =
      flags['value-prefix'] === undefined ? undefined : parseInt32('--value-prefix', flags['value-prefix'])
    const repeatingKeys =
      flags['repeating-keys'] === undefined ? undefined : parseInt32('--repeating-keys', flags['repeating-keys'])
    if (repeatingKeys !== undefined && repeatingKeys <= 0) {
      throw usageError(
        `Invalid --repeating-keys '${repeatingKeys}': keys run from 0 to the number given, which must be at least 1.`,
      )
    }
    if (flags['producer.config'] !== undefined && flags['command-config'] !== undefined) {
      throw usageError('Options --producer.config and --command-config are mutually exclusive.')
    }
    if (flags['producer.config'] !== undefined) {
      process.stderr.write(
        'Option --producer.config has been deprecated and will be removed in a future version. Use --command-config instead.\n',
      )
    }
    const props: Record<string, string> = {acks: String(acks), retries: '0'}
    const file = flags['producer.config'] ?? flags['command-config']
    if (file !== undefined) Object.assign(props, readPropertiesFile(file))
    if (flags['bootstrap-server'] !== undefined) props['bootstrap.servers'] ??= flags['bootstrap-server']
    const producer = new KafkaProducer<string, string>(
      this.clientConfig(props),
      new StringSerializer(),
      new StringSerializer(),
      {onNotice: this.notice},
    )
    let stop = false
    const onSignal = () => {
      stop = true
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      await runVerifiableProducer(
        producer,
        {
          topic: flags.topic,
          maxMessages,
          throughput,
          valuePrefix,
          repeatingKeys,
          createTime: createTime === -1 ? null : createTime,
          bufferMemory: Number(props['buffer.memory'] ?? 33554432),
        },
        (line) => process.stdout.write(`${line}\n`),
        () => stop,
      )
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await producer.close().catch(() => {})
    }
  }
}
