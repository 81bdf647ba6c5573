import {Flags} from '@oclif/core'
import {KafkaProducer} from '../client/producer/producer.js'
import {BaseCommand} from '../cli/base-command.js'
import {clientProperties, maybeMerge, withOptionalValue} from '../cli/client-properties.js'
import {lineParser, produceStdin, type LineParser} from '../cli/console-producer.js'
import {connectionFlags} from '../cli/flags.js'
import type {ClientConfig} from '../client/config.js'
import {usageError} from '../errors.js'
import {parseKeyValueArgs, readPropertiesFile} from '../properties.js'

interface ProducerSummary {
  topic: string
  records: number
}

/** What a console producer sends with: its producer, its line reader, and what to release at the end. */
export interface RecordSource {
  producer: KafkaProducer<unknown, unknown>
  parse: LineParser<unknown, unknown>
  close?: () => Promise<void>
}

export default class ConsoleProducer extends BaseCommand {
  static override description = `Read records from standard input and produce them to a topic: Apache Kafka's kafka-console-producer.

Each line is one record. By default the whole line is the value; --property parse.key=true splits a key off at key.separator (a tab), and parse.headers=true reads headers first (h1:v1,h2:v2 then a tab). With --format json each line is a JSON object as console-consumer --format json writes it, so 'console-consumer --format json | console-producer --format json' copies records with their keys, headers, timestamps and partitions.

A line that cannot be parsed stops the producer with Kafka's message after every line before it was acknowledged; so does a record the broker refuses (larger than max.message.bytes, say), and a line longer than the producer's max.request.size, refused as soon as that much of it is read. Exit code 0 means every line was acknowledged.

With --producer-property transactional.id=ID all of the input is one transaction: committed at the end of input, aborted on an error or Ctrl-C (exit 130), so read_committed consumers see all of it or nothing.

Ctrl-C, SIGTERM and SIGHUP stop the reading as they stop Kafka's tool, which closes its producer on shutdown: the lines read so far are sent and acknowledged (or their transaction aborted), a line on stderr says how many, and the exit code is 128 + the signal (130, 143, 129). A second signal ends it at once.`

  static override examples = [
    "printf 'a\\nb\\n' | <%= config.bin %> <%= command.id %> --topic orders",
    "printf 'k1\\tv1\\n' | <%= config.bin %> <%= command.id %> --topic orders --property parse.key=true",
    "printf 'h1:x\\tk1\\tv1\\n' | <%= config.bin %> <%= command.id %> --topic orders --property parse.headers=true --property parse.key=true",
    '<%= config.bin %> console-consumer --topic orders --from-beginning --exit-at-end --format json | <%= config.bin %> <%= command.id %> --topic orders-copy --format json',
    '<%= config.bin %> <%= command.id %> --topic orders --producer-property acks=1 --compression-codec gzip < records.txt',
    '<%= config.bin %> <%= command.id %> --topic orders --producer-property transactional.id=nightly-load < records.txt',
  ]

  static override flags = {
    ...connectionFlags,
    topic: Flags.string({description: 'The topic to produce messages to.', required: true, helpValue: '<topic>'}),
    partition: Flags.integer({
      description: 'kafkalite extension: send every record to this partition instead of choosing one by key.',
      min: 0,
    }),
    format: Flags.string({
      description: 'kafkalite extension: "text" (Kafka\'s line reader, default) or "json" (one JSON record per line).',
      options: ['text', 'json'],
      default: 'text',
    }),
    sync: Flags.boolean({
      description: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.',
    }),
    'compression-codec': Flags.string({
      description:
        "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'.",
      helpValue: '[compression-codec]',
    }),
    'batch-size': Flags.integer({
      description:
        'Number of messages to send in a single batch if they are not being sent synchronously. (default: 16384)',
      min: 0,
    }),
    'message-send-max-retries': Flags.integer({
      description: 'The number of retries before the producer gives up and drops this message. (default: 3)',
      min: 0,
    }),
    'retry-backoff-ms': Flags.integer({
      description: 'Before each retry, the producer refreshes the metadata of relevant topics. (default: 100)',
      min: 0,
    }),
    timeout: Flags.integer({
      description:
        'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. (default: 1000)',
      min: 0,
    }),
    'request-required-acks': Flags.string({
      description: 'The required acks of the producer requests: -1/all, 0 or 1. (default: -1)',
    }),
    'request-timeout-ms': Flags.integer({
      description: 'The ack timeout of the producer requests. (default: 1500)',
      min: 0,
    }),
    'metadata-expiry-ms': Flags.integer({
      description: 'The period of time in milliseconds after which we force a refresh of metadata. (default: 300000)',
      min: 0,
    }),
    'max-block-ms': Flags.integer({
      description: 'The max time that the producer will block for during a send request. (accepted for compatibility)',
      min: 0,
    }),
    'max-memory-bytes': Flags.integer({
      description:
        'The total memory used by the producer to buffer records waiting to be sent to the server. (default: 33554432)',
      min: 0,
    }),
    'max-partition-memory-bytes': Flags.integer({
      description: 'The buffer size allocated for a partition. (default: 16384)',
      min: 0,
    }),
    'socket-buffer-size': Flags.integer({
      description: 'The size of the tcp RECV size. (accepted for compatibility)',
      min: 0,
    }),
    'line-reader': Flags.string({
      description:
        "The class name of the class to use for reading lines from standard in. Only Kafka's LineMessageReader is available.",
    }),
    property: Flags.string({
      description:
        'A mechanism to pass user-defined properties in the form key=value to the message reader: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, ignore.error, null.marker.',
      multiple: true,
      helpValue: '<prop>',
    }),
    'reader-property': Flags.string({
      description: 'Same as --property (Kafka 4.1 spelling).',
      multiple: true,
      helpValue: '<prop>',
    }),
    'reader-config': Flags.string({
      description:
        'Config properties file for the message reader. Note that --property takes precedence over this config.',
      helpValue: '<config file>',
    }),
    'producer-property': Flags.string({
      description: 'A mechanism to pass user-defined properties in the form key=value to the producer.',
      multiple: true,
      helpValue: '<producer_prop>',
    }),
    'producer.config': Flags.string({
      description: 'Producer config properties file. Note that --producer-property takes precedence over this config.',
      helpValue: '<config file>',
    }),
    // Kafka 4.4's names (KIP-1147); --producer-property and --producer.config stay, as Kafka keeps them (deprecated).
    'command-property': Flags.string({
      description: 'Producer config properties in the form key=value.',
      multiple: true,
      helpValue: '<producer_prop>',
    }),
    'command-config': Flags.string({
      description: 'Producer config properties file. Note that [command-property] takes precedence over this config.',
      helpValue: '<config file>',
    }),
  }

  async run(): Promise<ProducerSummary> {
    const command = this.constructor as typeof ConsoleProducer
    const {flags} = await this.parse(command, withOptionalValue(this.argv, '--compression-codec', 'gzip'))
    this.checkBootstrap(flags)
    const lineReader = flags['line-reader']
    if (lineReader !== undefined) this.checkLineReader(lineReader)
    if (flags['producer.config'] !== undefined && flags['command-config'] !== undefined) {
      throw usageError(
        'Options --producer.config and --command-config cannot be specified together: use --command-config.',
      )
    }
    const props = clientProperties(flags['command-config'] ?? flags['producer.config'], [
      ...(flags['producer-property'] ?? []),
      ...(flags['command-property'] ?? []),
    ])
    maybeMerge(props, 'acks', flags['request-required-acks'], '-1')
    maybeMerge(props, 'linger.ms', flags.timeout, flags.sync ? 0 : 1000)
    maybeMerge(props, 'batch.size', flags['max-partition-memory-bytes'] ?? flags['batch-size'], 16384)
    maybeMerge(props, 'retries', flags['message-send-max-retries'], 3)
    maybeMerge(props, 'retry.backoff.ms', flags['retry-backoff-ms'], 100)
    maybeMerge(props, 'request.timeout.ms', flags['request-timeout-ms'], 1500)
    maybeMerge(props, 'metadata.max.age.ms', flags['metadata-expiry-ms'], 300000)
    maybeMerge(props, 'buffer.memory', flags['max-memory-bytes'], 33554432)
    maybeMerge(props, 'compression.type', flags['compression-codec'], 'none')
    props['client.id'] ??= 'console-producer'
    const readerProps = {
      ...(flags['reader-config'] ? readPropertiesFile(flags['reader-config']) : {}),
      ...parseKeyValueArgs([...(flags.property ?? []), ...(flags['reader-property'] ?? [])]),
    }
    const format = (flags as {format?: string}).format
    const {producer, parse, close} = await this.recordSource(format, props, readerProps)
    try {
      const records = await produceStdin(producer, {
        transactional: props['transactional.id'] !== undefined,
        topic: flags.topic,
        partition: flags.partition,
        sync: flags.sync,
        parse,
        bufferMemory: Number(props['buffer.memory']),
        prompt: process.stdin.isTTY === true,
        maxRequestSize: Number(props['max.request.size'] ?? 1048576),
        json: format === 'json',
      })
      return {topic: flags.topic, records}
    } finally {
      await close?.()
    }
  }

  /** Refuses a --line-reader this command does not have. */
  protected checkLineReader(name: string): void {
    if (!/(^|\.)LineMessageReader(\$.*)?$/.test(name)) {
      throw usageError(
        `Unsupported --line-reader '${name}': kafkalite has Kafka's LineMessageReader only (use --format json for JSON lines).`,
      )
    }
  }

  /**
   * The producer and the line reader: Kafka's LineMessageReader (or JSON lines) and bytes as they are. The
   * schema-registry console producers override it with Confluent's readers and serializers.
   */
  protected async recordSource(
    format: string | undefined,
    producerProps: ClientConfig,
    readerProps: Record<string, string>,
  ): Promise<RecordSource> {
    const producer = new KafkaProducer<Buffer, Buffer>(this.clientConfig(producerProps), undefined, undefined, {
      onNotice: this.notice,
    })
    return {
      producer: producer as KafkaProducer<unknown, unknown>,
      parse: lineParser(format ?? 'text', readerProps) as LineParser<unknown, unknown>,
    }
  }
}
