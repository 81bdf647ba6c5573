import {Flags} from '@oclif/core'
import {KafkaProducer} from '../client/producer/producer.js'
import {BaseCommand} from '../cli/base-command.js'
import {connectionFlags} from '../cli/flags.js'
import {readPayloadFile, runProducerPerf, type KeyDistribution, type ProducerPerfResult} from '../cli/producer-perf.js'
import {parseInt32, parseLong} from '../cli/java-compat.js'
import {usageError} from '../errors.js'
import {readPropertiesFile, setOwn} from '../properties.js'
import {randomKafkaUuid} from '../uuid.js'

export default class ProducerPerfTest extends BaseCommand {
  static override description = `Produce records as fast as allowed and report the throughput and latency: Apache Kafka's kafka-producer-perf-test (ProducerPerformance).

Every --reporting-interval ms (5 s) a line says how many records were acknowledged in that window, at what rate and latency; the last line gives the totals with the 50th, 95th, 99th and 99.9th percentile latencies, in Kafka's formats. Latency is the time from send to acknowledgement, in ms, for the records that were acknowledged.

The payload is --record-size random capital letters (Java's SplittableRandom with --random-seed, so the same bytes as Kafka's tool), a random entry of --payload-file, or the record's number (--payload-monotonic). Keys are null unless --key-distribution says otherwise. --throughput throttles to about that many records per second, as Kafka's ThroughputThrottler does (-1: as fast as possible).

A transactional id (--transactional-id, or transactional.id in the producer's properties) or --transaction-duration-ms sends the records in transactions committed every --transaction-duration-ms (3000).

Differences from Kafka's tool: the deprecation notes of --producer-props and --producer.config go to stderr, not stdout; a record that fails is counted and the command exits 1 with the first error, where Kafka prints each stack trace and exits 0; --throughput 0, which makes Kafka's tool wait forever, is refused.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic perf --num-records 100000 --record-size 100 --throughput -1',
    '<%= config.bin %> <%= command.id %> --topic perf --num-records 50000 --record-size 1000 --throughput 10000 --command-property acks=1 linger.ms=5 compression.type=lz4',
    '<%= config.bin %> <%= command.id %> --topic perf --num-records 10000 --payload-file payloads.txt --throughput -1 --transactional-id perf-txn',
  ]

  static override flags = {
    ...connectionFlags,
    topic: Flags.string({description: 'Produce records to this topic.', required: true, helpValue: 'TOPIC'}),
    'num-records': Flags.string({
      description: 'Number of records to produce.',
      required: true,
      helpValue: 'NUM-RECORDS',
    }),
    'record-size': Flags.string({
      description:
        'Record size in bytes. Note that you must provide exactly one of --record-size, --payload-file or --payload-monotonic.',
      helpValue: 'RECORD-SIZE',
      exclusive: ['payload-file', 'payload-monotonic'],
    }),
    'payload-file': Flags.string({
      description:
        'File to read the record payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending records. Note that you must provide exactly one of --record-size, --payload-file or --payload-monotonic.',
      helpValue: 'PAYLOAD-FILE',
      exclusive: ['record-size', 'payload-monotonic'],
    }),
    'payload-monotonic': Flags.boolean({
      description:
        'Payload is a monotonically increasing integer. Note that you must provide exactly one of --record-size, --payload-file or --payload-monotonic.',
      exclusive: ['record-size', 'payload-file'],
    }),
    'payload-delimiter': Flags.string({
      description:
        'Provides the delimiter to be used when --payload-file is provided (a regular expression). Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided.',
      helpValue: 'PAYLOAD-DELIMITER',
      default: '\\n',
    }),
    throughput: Flags.string({
      description:
        'Throttle maximum record throughput to *approximately* THROUGHPUT records/sec. Set this to -1 to disable throttling.',
      required: true,
      helpValue: 'THROUGHPUT',
    }),
    'producer-props': Flags.string({
      description:
        '(DEPRECATED) Kafka producer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --producer.config. Use --command-property instead.',
      multiple: true,
      helpValue: 'PROP-NAME=PROP-VALUE',
    }),
    'command-property': Flags.string({
      description:
        'Kafka producer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --producer.config. Example: --command-property linger.ms=10 batch.size=32768',
      multiple: true,
      helpValue: 'PROP-NAME=PROP-VALUE',
    }),
    'producer.config': Flags.string({
      description: '(DEPRECATED) Producer config properties file. Use --command-config instead.',
      helpValue: 'CONFIG-FILE',
    }),
    'command-config': Flags.string({description: 'Producer config properties file.', helpValue: 'CONFIG-FILE'}),
    'print-metrics': Flags.boolean({description: 'Print out metrics at the end of the test.'}),
    'transactional-id': Flags.string({
      description:
        'The transactional id to use. This config takes precedence over the transactional.id specified via --command-property or --command-config. Note that if the transactional id is not specified while --transaction-duration-ms is provided, the default value for the transactional id will be performance-producer- followed by a random uuid.',
      helpValue: 'TRANSACTIONAL-ID',
    }),
    'transaction-duration-ms': Flags.string({
      description:
        'The maximum duration of each transaction. The commitTransaction will be called after this time has elapsed. The value should be greater than 0. If the transactional id is specified via --command-property, --command-config or --transactional-id but --transaction-duration-ms is not specified, the default value will be 3000.',
      helpValue: 'TRANSACTION-DURATION',
    }),
    'warmup-records': Flags.string({
      description:
        'The number of records to treat as warmup. These initial records will not be included in steady-state statistics. An additional summary line will be printed describing the steady-state statistics. (default: 0)',
      helpValue: 'WARMUP-RECORDS',
    }),
    'reporting-interval': Flags.string({
      description: 'Interval in milliseconds at which to print progress info. (default: 5000)',
      helpValue: 'INTERVAL-MS',
    }),
    'record-key-range': Flags.string({
      description:
        "The range of keys to use when --key-distribution is 'range' or 'random'. Keys will be integers in [0, KEY-RANGE). Required for range and random distributions.",
      helpValue: 'KEY-RANGE',
    }),
    'key-distribution': Flags.string({
      description:
        "The key distribution to use: 'none' for null keys, 'range' for round-robin keys in [0, KEY-RANGE), or 'random' for random keys in [0, KEY-RANGE). Requires --record-key-range when set to 'range' or 'random'. (default: none)",
      options: ['none', 'range', 'random'],
      helpValue: 'KEY-DISTRIBUTION',
    }),
    'random-seed': Flags.string({
      description:
        'Seed for the pseudo-random number generator used by --key-distribution random and random payload generation. The default value of 0 ensures deterministic, reproducible benchmark runs. (default: 0)',
      helpValue: 'RANDOM-SEED',
    }),
  }

  async run(): Promise<ProducerPerfResult> {
    const {flags} = await this.parse(ProducerPerfTest)
    this.checkBootstrap({'bootstrap-server': flags['bootstrap-server'], 'broker-list': flags['broker-list']})
    const numRecords = parseLong('--num-records', flags['num-records'])
    if (numRecords <= 0) throw usageError('--num-records should be greater than zero.')
    const sources = [flags['record-size'], flags['payload-file'], flags['payload-monotonic'] || undefined]
    if (sources.every((s) => s === undefined)) {
      throw usageError('Exactly one of --record-size, --payload-file or --payload-monotonic is required.')
    }
    const recordSize =
      flags['record-size'] === undefined ? undefined : parseInt32('--record-size', flags['record-size'])
    if (recordSize !== undefined && recordSize <= 0) throw usageError('--record-size should be greater than zero.')
    const throughput = Number(flags.throughput)
    if (flags.throughput.trim() === '' || !Number.isFinite(throughput)) {
      throw usageError(`Invalid --throughput '${flags.throughput}': a number of records per second, or -1.`)
    }
    if (throughput === 0) {
      throw usageError('--throughput 0 would never send a record: give a rate in records per second, or -1.')
    }
    if (flags['command-config'] !== undefined && flags['producer.config'] !== undefined) {
      throw usageError('--command-config and --producer.config cannot be specified together.')
    }
    if (flags['command-property'] !== undefined && flags['producer-props'] !== undefined) {
      throw usageError('--command-property and --producer-props cannot be specified together.')
    }
    if (flags['producer-props'] !== undefined) {
      process.stderr.write(
        'Option --producer-props has been deprecated and will be removed in a future version. Use --command-property instead.\n',
      )
    }
    if (flags['producer.config'] !== undefined) {
      process.stderr.write(
        'Option --producer.config has been deprecated and will be removed in a future version. Use --command-config instead.\n',
      )
    }
    const warmupRecords =
      flags['warmup-records'] === undefined ? 0 : parseLong('--warmup-records', flags['warmup-records'])
    if (warmupRecords >= numRecords) {
      throw usageError(
        'The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.',
      )
    }
    const reportingIntervalMs =
      flags['reporting-interval'] === undefined ? 5000 : parseLong('--reporting-interval', flags['reporting-interval'])
    if (reportingIntervalMs <= 0) throw usageError('--reporting-interval should be greater than zero.')
    const keyRange =
      flags['record-key-range'] === undefined ? undefined : parseInt32('--record-key-range', flags['record-key-range'])
    if (keyRange !== undefined && keyRange <= 0) throw usageError('--record-key-range should be greater than zero.')
    const keyDistribution = (flags['key-distribution'] ?? 'none') as KeyDistribution
    if (keyDistribution !== 'none' && keyRange === undefined) {
      throw usageError("--record-key-range is required when --key-distribution is 'range' or 'random'.")
    }
    if (keyDistribution === 'none' && keyRange !== undefined) {
      throw usageError("--key-distribution must be 'range' or 'random' when --record-key-range is specified.")
    }
    const randomSeed = flags['random-seed'] === undefined ? 0 : parseLong('--random-seed', flags['random-seed'])

    const props: Record<string, string> = {}
    const file = flags['command-config'] ?? flags['producer.config']
    if (file !== undefined) Object.assign(props, readPropertiesFile(file))
    for (const prop of [...(flags['command-property'] ?? []), ...(flags['producer-props'] ?? [])]) {
      // Kafka's readProps: split on every '=', and exactly two pieces (Java's split drops a trailing empty one).
      const pieces = prop.split('=')
      while (pieces.length > 0 && pieces.at(-1) === '') pieces.pop()
      if (pieces.length !== 2) throw usageError(`Invalid property: ${prop}`)
      setOwn(props, pieces[0]!, pieces[1]!)
    }
    if (flags['bootstrap-server'] !== undefined) props['bootstrap.servers'] = flags['bootstrap-server']
    props['client.id'] ??= 'perf-producer-client'
    let transactionDurationMs: number | undefined
    if (flags['transaction-duration-ms'] !== undefined) {
      transactionDurationMs = parseLong('--transaction-duration-ms', flags['transaction-duration-ms'])
      if (transactionDurationMs <= 0) throw usageError('--transaction-duration-ms should be greater than zero.')
    }
    const transactionalId =
      flags['transactional-id'] ??
      props['transactional.id'] ??
      (transactionDurationMs !== undefined ? `performance-producer-${randomKafkaUuid()}` : undefined)
    const transactional = transactionalId !== undefined
    if (transactional) props['transactional.id'] = transactionalId
    const payloads =
      flags['payload-file'] === undefined
        ? undefined
        : readPayloadFile(flags['payload-file'], flags['payload-delimiter'], (l) => this.log(l))
    if (payloads !== undefined && payloads.length === 0) {
      throw usageError(`--payload-file '${flags['payload-file']}' holds no payload between its delimiters.`)
    }
    const producer = new KafkaProducer<Buffer, Buffer>(this.clientConfig(props), undefined, undefined, {
      onNotice: this.notice,
    })
    return runProducerPerf(
      producer,
      {
        topic: flags.topic,
        numRecords,
        recordSize,
        payloads,
        payloadMonotonic: flags['payload-monotonic'],
        throughput,
        transactional,
        transactionDurationMs: transactionDurationMs ?? 3000,
        warmupRecords,
        reportingIntervalMs,
        keyDistribution,
        keyRange,
        randomSeed,
        printMetrics: flags['print-metrics'],
        bufferMemory: Number(props['buffer.memory'] ?? 33554432),
      },
      (line) => this.log(line),
    )
  }
}
