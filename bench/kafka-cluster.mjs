// The `cluster` section of `npm run bench` (issue 12): kafkalite's commands against Apache Kafka's broker (KRaft,
// single node, the jars scripts/interop/setup.sh installs), each next to Kafka's own tool doing the same job against
// the same broker in the same run:
//   console-producer, RECORDS x 100 B        against kafka-console-producer, and against kafka-producer-perf-test
//   console-consumer to /dev/null            against kafka-console-consumer to /dev/null
//   topics --list, wall time                 against kafka-topics.sh --list
//   consumer-groups --describe, wall time    against kafka-consumer-groups.sh --describe
// Kafka's tools run as its scripts run them (kafka-run-class.sh): java -Xmx512M -server -XX:+UseG1GC, the tool's
// class on the broker's classpath.
import {execFileSync, spawnSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {findKafka, interopEnv, setupHint, startApacheKafka} from './kafka-listener.mjs'

const TOOLS = {
  consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  producerPerf: 'org.apache.kafka.tools.ProducerPerformance',
  topics: 'org.apache.kafka.tools.TopicCommand',
  groups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
}

function javaTool(kafka, log4j, tool, args) {
  return [
    '-Xmx512M',
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    kafka.classpath,
    tool,
    ...args,
  ]
}

export async function kafkaCluster(b) {
  const env = interopEnv()
  const kafka = env ? findKafka(env) : 'no interop cache'
  if (typeof kafka === 'string') {
    b.log(`cluster: skipped, ${kafka}: ${setupHint}`)
    return
  }
  const probe = spawnSync('java', ['-cp', kafka.classpath, TOOLS.topics, '--version'], {encoding: 'utf8'})
  if (probe.status !== 0) {
    b.log(`cluster: skipped, Kafka's tools are not in ${kafka.classpath}: ${setupHint}`)
    return
  }
  const label = `Apache Kafka ${kafka.version} (KRaft, 1 node)`
  b.log(`cluster: starting ${label}`)
  const apache = await startApacheKafka(b, kafka)
  const dir = b.newHome()
  const home = b.newHome() // kafkalite's home: it never starts a daemon, every command goes to Kafka
  const log4j = join(dir, 'tools-log4j2.properties')
  writeFileSync(
    log4j,
    'rootLogger.level=WARN\nrootLogger.appenderRef.stderr.ref=STDERR\nappender.stderr.type=Console\nappender.stderr.name=STDERR\nappender.stderr.target=SYSTEM_ERR\nappender.stderr.layout.type=PatternLayout\nappender.stderr.layout.pattern=%m%n\n',
  )
  const bs = ['--bootstrap-server', apache.bootstrap]
  const java = (tool, args, options = {}) => {
    const start = b.now()
    const res = spawnSync('java', javaTool(kafka, log4j, tool, args), {
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      input: options.input,
      maxBuffer: 1 << 30,
    })
    if (res.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${res.stderr}`)
    return {ms: b.ms(start), stdout: res.stdout.toString()}
  }
  const lite = (args, options = {}) => {
    const start = b.now()
    b.cli(home, args, options)
    return b.ms(start)
  }
  const k = `${Math.round(b.RECORDS / 1000)}k`
  const f = {
    liteProduce: [],
    kafkaProduce: [],
    perf: [],
    liteConsume: [],
    kafkaConsume: [],
    liteList: [],
    kafkaList: [],
    liteGroups: [],
    kafkaGroups: [],
  }
  try {
    const input = join(dir, 'input.txt')
    b.makeInput(input)
    const produceInput = (cmd) => {
      const start = b.now()
      execFileSync('sh', ['-c', `${cmd} < "${input}"`], {
        env: {...process.env, KAFKALITE_HOME: home},
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      return b.RECORDS / (b.ms(start) / 1000)
    }
    const javaCmd = (tool, args) =>
      ['java', ...javaTool(kafka, log4j, tool, args)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
    // An untimed round first: the broker's JVM compiles the paths the runs take (favouring Kafka's tools).
    b.log('cluster: warming up Apache Kafka')
    lite(['topics', ...bs, '--create', '--topic', 'warm-up'])
    produceInput(javaCmd(TOOLS.consoleProducer, [...bs, '--topic', 'warm-up']))
    for (let run = 0; run < b.RUNS; run++) {
      b.log(`cluster run ${run + 1}/${b.RUNS}`)
      const mine = `lite-${run}`
      const theirs = `kafka-${run}`
      lite(['topics', ...bs, '--create', '--topic', mine])
      lite(['topics', ...bs, '--create', '--topic', theirs])
      lite(['topics', ...bs, '--create', '--topic', `perf-${run}`])
      const producers = [
        () =>
          f.liteProduce.push(
            produceInput(
              `"${b.NODE}" "${b.BIN}" console-producer ${bs.join(' ')} --topic ${mine} --request-required-acks 1`,
            ),
          ),
        () =>
          f.kafkaProduce.push(
            produceInput(javaCmd(TOOLS.consoleProducer, [...bs, '--topic', theirs, '--request-required-acks', '1'])),
          ),
      ]
      for (const p of run % 2 === 0 ? producers : producers.reverse()) p()
      // Every record landed: a rate of records lost would be no rate.
      for (const topic of [mine, theirs]) {
        const described = JSON.parse(b.cli(home, ['topics', ...bs, '--describe', '--topic', topic, '--json']).stdout)
        const held = described.topics[0].partitions.reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0)
        if (held !== b.RECORDS) throw new Error(`cluster: topic ${topic} holds ${held} records, not ${b.RECORDS}`)
      }
      const perf = java(TOOLS.producerPerf, [
        '--topic',
        `perf-${run}`,
        '--num-records',
        String(b.RECORDS),
        '--record-size',
        '100',
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${apache.bootstrap}`,
        'acks=1',
      ])
      const rate = /([\d.]+) records\/sec/.exec(perf.stdout.trim().split('\n').at(-1) ?? '')
      if (!rate) throw new Error(`kafka-producer-perf-test printed no rate: ${perf.stdout}`)
      f.perf.push(Number(rate[1]))
      const consumers = [
        () => {
          const ms = lite(
            ['console-consumer', ...bs, '--topic', mine, '--from-beginning', '--max-messages', String(b.RECORDS)],
            {stdout: 'ignore'},
          )
          f.liteConsume.push(b.RECORDS / (ms / 1000))
        },
        () => {
          const {ms} = java(TOOLS.consoleConsumer, [
            ...bs,
            '--topic',
            theirs,
            '--from-beginning',
            '--max-messages',
            String(b.RECORDS),
          ])
          f.kafkaConsume.push(b.RECORDS / (ms / 1000))
        },
      ]
      for (const c of run % 2 === 0 ? consumers : consumers.reverse()) c()
      // A group with committed offsets to describe: the console consumers above used none.
      lite(
        [
          'console-consumer',
          ...bs,
          '--topic',
          mine,
          '--group',
          'bench-group',
          '--from-beginning',
          '--max-messages',
          '10',
        ],
        {stdout: 'ignore'},
      )
      f.liteList.push(lite(['topics', ...bs, '--list']))
      f.kafkaList.push(java(TOOLS.topics, [...bs, '--list']).ms)
      f.liteGroups.push(lite(['consumer-groups', ...bs, '--describe', '--group', 'bench-group']))
      f.kafkaGroups.push(java(TOOLS.groups, [...bs, '--describe', '--group', 'bench-group']).ms)
    }
    const m = (xs) => b.median(xs)
    const ratio = (a, c) => m(a.map((x, i) => x / c[i]))
    b.row(
      `Cluster: console-producer ${k} x 100 B to Apache Kafka`,
      m(f.liteProduce),
      'rec/s',
      `kafka-console-producer, same broker`,
      m(f.kafkaProduce),
      ratio(f.liteProduce, f.kafkaProduce),
      'both printed',
      null,
    )
    const producePerf = ratio(f.liteProduce, f.perf)
    b.row(
      `Cluster: console-producer ${k} x 100 B to Apache Kafka`,
      m(f.liteProduce),
      'rec/s',
      'kafka-producer-perf-test, same broker',
      m(f.perf),
      producePerf,
      '>= 0.7x',
      producePerf >= 0.7,
    )
    const consume = ratio(f.liteConsume, f.kafkaConsume)
    b.row(
      `Cluster: console-consumer ${k} to /dev/null from Apache Kafka`,
      m(f.liteConsume),
      'rec/s',
      'kafka-console-consumer, same broker',
      m(f.kafkaConsume),
      consume,
      '>= 0.8x',
      consume >= 0.8,
    )
    const list = ratio(f.liteList, f.kafkaList)
    b.row(
      'Cluster: topics --list, wall time',
      m(f.liteList),
      'ms',
      'kafka-topics.sh --list',
      m(f.kafkaList),
      list,
      '<= 0.1x',
      list <= 0.1,
    )
    const groups = ratio(f.liteGroups, f.kafkaGroups)
    b.row(
      'Cluster: consumer-groups --describe, wall time',
      m(f.liteGroups),
      'ms',
      'kafka-consumer-groups.sh --describe',
      m(f.kafkaGroups),
      groups,
      '<= 0.1x',
      groups <= 0.1,
    )
  } finally {
    await apache.stop()
    rmSync(dir, {recursive: true, force: true})
    rmSync(home, {recursive: true, force: true})
  }
}
