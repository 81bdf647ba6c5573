// The Kafka-listener sections of `npm run bench` (issue 11), called from bench/run.mjs with its shared helpers. Each
// daemon here is started with `listeners=PLAINTEXT://127.0.0.1:0` in its server.properties, and its port read from
// `daemon status --json`.
//   listener   librdkafka against the listener: kcat producing and consuming RECORDS x 100 B (against kafkalite's
//              own console tools over the Unix socket), end-to-end latency from a confluent-kafka producer to a
//              confluent-kafka consumer (against a TCP round trip), the daemon's RSS with 1,000 idle connections
//   anchor     the same kcat and confluent-kafka figures for Apache Kafka's own broker (KRaft, single node, the jars
//              scripts/interop/setup.sh installs) and for kafkalite in the same run, and the two start times
//
// The clients come from the interop setup (~/.cache/kafkalite-interop/env.json, or KAFKALITE_INTEROP_HOME): kcat (or
// kcat on PATH), the Python venv with confluent-kafka, Apache Kafka's jars. What is missing is skipped, with one
// line saying what and why.
//
// Why kcat for throughput: it reads the input file and hands each line to librdkafka from C, so the figure is
// librdkafka's and the broker's. confluent-kafka for Python spends about a microsecond of interpreter per produce()
// and per message polled: at a million records that is the size of the broker's own work, and the figure would be
// Python's. The latency run needs timestamps in the values and a consumer that reads them, which kcat cannot do; there
// the interpreter adds microseconds to milliseconds, and confluent-kafka is librdkafka too.
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect, createServer, Socket} from 'node:net'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {resetPeakRss, rssMiB, sampleRss} from './robustness.mjs'

const INTEROP_HOME = process.env.KAFKALITE_INTEROP_HOME ?? join(homedir(), '.cache', 'kafkalite-interop')
const CLIENT_TIMEOUT_MS = 600_000
/** librdkafka's own defaults for batching, stated so that a librdkafka with other defaults measures the same thing. */
const KCAT_PRODUCER = ['acks=1', 'linger.ms=5', 'batch.size=1000000', 'batch.num.messages=10000'].flatMap((x) => [
  '-X',
  x,
])
const LATENCY_RECORDS = 2000
const LATENCY_RATE = 1000 // records per second
const IDLE_CONNECTIONS = 1000

// ---- what the machine has ---------------------------------------------------------------------------------------

export function interopEnv() {
  const file = join(INTEROP_HOME, 'env.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null
}

/** kcat from the interop setup, else from PATH, with its librdkafka version; null when there is none. */
function findKcat(env) {
  for (const kcat of [env?.kcat, 'kcat'].filter(Boolean)) {
    const res = spawnSync(kcat, ['-V'], {encoding: 'utf8'})
    if (res.status === 0) return {path: kcat, librdkafka: /librdkafka (\S+)/.exec(res.stdout)?.[1] ?? '?'}
  }
  return null
}

/** The interop venv's Python when confluent-kafka imports in it; null otherwise. */
function findPython(env) {
  if (!env?.python || !existsSync(env.python)) return null
  const res = spawnSync(env.python, ['-c', 'import confluent_kafka'], {encoding: 'utf8'})
  return res.status === 0 ? env.python : null
}

/** Apache Kafka's jars and a java to run them; a reason string when they cannot run. */
export function findKafka(env) {
  if (!env?.kafkaClasspath) return `${join(INTEROP_HOME, 'env.json')} names no Kafka jars`
  const libs = dirname(env.kafkaClasspath)
  if (!existsSync(libs)) return `${libs} is missing`
  if (spawnSync('java', ['-version']).status !== 0) return 'java is not on PATH'
  return {classpath: env.kafkaClasspath, version: env.kafkaVersion}
}

export const setupHint = 'run bash scripts/interop/setup.sh'

// ---- librdkafka runs ---------------------------------------------------------------------------------------------

function kcatProduce(b, kcat, bootstrap, topic, input) {
  const start = b.now()
  const res = spawnSync(kcat.path, ['-b', bootstrap, '-P', '-t', topic, '-l', input, ...KCAT_PRODUCER], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: CLIENT_TIMEOUT_MS,
  })
  const elapsed = b.ms(start)
  // kcat exits 1 on a delivery failure, and prints every error it meets.
  if (res.status !== 0 || /ERROR|fail/i.test(res.stderr)) {
    throw new Error(`kcat -P to ${bootstrap} failed (${res.status ?? res.error}): ${res.stderr}`)
  }
  return b.RECORDS / (elapsed / 1000)
}

/**
 * kcat -C from the beginning, its output counted by wc -l: must be every record produced. It stops at the last record
 * (-c) rather than at the end of the partition (-e alone), which librdkafka finds only with one more fetch, one the
 * broker holds for fetch.wait.max.ms (500 ms) since there is nothing to return: that wait is no part of throughput.
 * -e stays, so that a partition holding fewer records ends the run (and fails the count) instead of waiting forever.
 */
function kcatConsume(b, kcat, bootstrap, topic) {
  const start = b.now()
  const args = `-b ${bootstrap} -C -t ${topic} -o beginning -c ${b.RECORDS} -e -q`
  const res = spawnSync('sh', ['-c', `"${kcat.path}" ${args} | wc -l`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: CLIENT_TIMEOUT_MS,
  })
  const elapsed = b.ms(start)
  const count = Number(res.stdout.trim())
  if (res.status !== 0 || count !== b.RECORDS || /ERROR/.test(res.stderr)) {
    throw new Error(`kcat -C from ${bootstrap} read ${count} of ${b.RECORDS} records: ${res.stderr}`)
  }
  return b.RECORDS / (elapsed / 1000)
}

function python(b, py, args) {
  const res = spawnSync(py, [join(b.ROOT, 'bench', 'librdkafka.py'), ...args], {
    encoding: 'utf8',
    timeout: CLIENT_TIMEOUT_MS,
  })
  if (res.status !== 0) throw new Error(`librdkafka.py ${args.join(' ')} failed (${res.status}): ${res.stderr}`)
  return res.stdout
}

/** confluent-kafka producer to confluent-kafka consumer through the broker: {p50, p99} in ms. */
function librdkafkaLatency(b, py, bootstrap, topic) {
  const out = python(b, py, ['latency', bootstrap, topic, String(LATENCY_RECORDS), String(LATENCY_RATE)])
  return JSON.parse(out.trim().split('\n').at(-1))
}

/** Round trips of one byte between two Node processes over loopback TCP (Nagle off): the floor for any broker. */
async function tcpRoundTrips(b, n) {
  const server = spawn(
    b.NODE,
    [
      '-e',
      "const s = require('net').createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)) })" +
        ".listen(0, '127.0.0.1', () => console.log(s.address().port))",
    ],
    {stdio: ['ignore', 'pipe', 'inherit']},
  )
  try {
    const port = Number(await new Promise((resolve) => server.stdout.once('data', resolve)))
    const client = connect(port, '127.0.0.1')
    client.setNoDelay(true)
    await new Promise((resolve) => client.once('connect', resolve))
    const rtts = []
    for (let i = 0; i < n; i++) {
      const start = b.now()
      client.write('x')
      await new Promise((resolve) => client.once('data', resolve))
      rtts.push(b.ms(start))
    }
    client.destroy()
    return {p50: b.percentile(rtts, 0.5), p99: b.percentile(rtts, 0.99)}
  } finally {
    server.kill()
  }
}

// ---- brokers -----------------------------------------------------------------------------------------------------

/** A kafkalite daemon with a Kafka listener on a free loopback port, in a fresh home; its start timed. */
function startKafkalite(b) {
  const home = b.newHome()
  writeFileSync(join(home, 'server.properties'), 'listeners=PLAINTEXT://127.0.0.1:0\n')
  const start = b.now()
  b.cli(home, ['daemon', 'start'])
  const startMs = b.ms(start)
  const status = JSON.parse(b.cli(home, ['daemon', 'status', '--json']).stdout.toString())
  const listener = status.listeners?.[0]
  if (!listener) throw new Error(`daemon status --json shows no listener: ${JSON.stringify(status)}`)
  const stop = () => {
    b.cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
  }
  return {home, pid: status.pid, bootstrap: `${listener.host}:${listener.port}`, startMs, stop}
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Sends ApiVersions v0 on `socket` and resolves when the whole answer has arrived. */
function apiVersions(socket) {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk])
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        socket.off('data', onData)
        if (got.readInt32BE(4) === 7) resolve()
        else reject(new Error(`ApiVersions answered with correlation id ${got.readInt32BE(4)}`))
      }
    }
    socket.on('data', onData)
    const frame = Buffer.alloc(14)
    frame.writeInt32BE(10, 0) // size
    frame.writeInt16BE(18, 4) // ApiVersions
    frame.writeInt16BE(0, 6) // v0
    frame.writeInt32BE(7, 8) // correlation id
    frame.writeInt16BE(-1, 12) // null client id
    socket.write(frame)
  })
}

/** Does a Kafka broker on host:port answer ApiVersions within a second? */
function answersApiVersions(host, port) {
  return new Promise((resolve) => {
    const socket = new Socket()
    const finish = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => finish(false))
    socket.on('error', () => finish(false))
    socket.connect(port, host, () =>
      apiVersions(socket).then(
        () => finish(true),
        () => finish(false),
      ),
    )
  })
}

/**
 * Apache Kafka's broker, KRaft, one node acting as broker and controller, as the interop suite starts it
 * (test/interop/harness/broker.ts), with Kafka's defaults for flushing (the page cache, as kafkalite's default
 * durability): `kafka-storage format`, then the broker, timed until it has logged its start and answers ApiVersions.
 */
export async function startApacheKafka(b, kafka) {
  const dir = b.newHome()
  const [port, controllerPort] = [await freePort(), await freePort()]
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
  ]
  writeFileSync(join(dir, 'server.properties'), props.join('\n') + '\n')
  writeFileSync(
    join(dir, 'log4j2.properties'),
    [
      'appender.file.type=File',
      'appender.file.name=file',
      `appender.file.fileName=${join(dir, 'broker.log')}`,
      'appender.file.layout.type=PatternLayout',
      'appender.file.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.file.ref=file',
    ].join('\n') + '\n',
  )
  const java = (mainClass, args) => [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
    '-cp',
    kafka.classpath,
    mainClass,
    ...args,
  ]
  const start = b.now()
  // Not starting with '-', which kafka-storage's argument parser would take for an option.
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22).replace(/^-/, 'A')
  const config = join(dir, 'server.properties')
  const format = spawnSync(
    'java',
    java('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', config, '--standalone']),
    {encoding: 'utf8'},
  )
  if (format.status !== 0) {
    rmSync(dir, {recursive: true, force: true})
    throw new Error(`kafka-storage format failed: ${format.stderr || format.stdout}`)
  }
  const formatMs = b.ms(start)
  const child = spawn('java', java('kafka.Kafka', [config]), {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr.on('data', (c) => (stderr += c))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let running = true
  void exited.then(() => (running = false))
  const stop = async () => {
    if (running) {
      child.kill('SIGTERM') // Kafka's controlled shutdown
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, {recursive: true, force: true})
  }
  try {
    const log = join(dir, 'broker.log')
    const deadline = Date.now() + 180_000
    for (;;) {
      if (!running) throw new Error(`Apache Kafka exited at start: ${stderr.slice(-2000)}`)
      if (Date.now() > deadline) throw new Error('Apache Kafka did not start within 180 s')
      const text = existsSync(log) ? readFileSync(log, 'utf8') : ''
      if (text.includes('Kafka Server started') && (await answersApiVersions('127.0.0.1', port))) break
      await new Promise((r) => setTimeout(r, 50))
    }
  } catch (error) {
    await stop()
    throw error
  }
  const startMs = b.ms(start)
  return {bootstrap: `127.0.0.1:${port}`, pid: child.pid, formatMs, startMs, stop}
}

// ---- the listener section ---------------------------------------------------------------------------------------

export async function kafkaListener(b) {
  const env = interopEnv()
  const kcat = findKcat(env)
  if (!kcat) {
    b.log(`listener: skipped, no kcat (not in ${join(INTEROP_HOME, 'env.json')}, not on PATH): ${setupHint}`)
    return
  }
  b.log(`Kafka listener: kcat with librdkafka ${kcat.librdkafka}`)
  const dir = b.newHome()
  const input = join(dir, 'input.txt')
  b.makeInput(input)
  const k = `${Math.round(b.RECORDS / 1000)}k`
  try {
    // Throughput: kcat through the listener, and kafkalite's console tools over the Unix socket, each on a fresh
    // daemon (started alike, with the listener), interleaved; the produce ratio taken per pair of runs.
    const rates = {kcatProduce: [], kcatConsume: [], ownProduce: [], ownConsume: [], ratio: []}
    const viaKcat = () => {
      const broker = startKafkalite(b)
      try {
        b.cli(broker.home, ['topics', '--create', '--topic', 'bench'])
        rates.kcatProduce.push(kcatProduce(b, kcat, broker.bootstrap, 'bench', input))
        rates.kcatConsume.push(kcatConsume(b, kcat, broker.bootstrap, 'bench'))
      } finally {
        broker.stop()
      }
    }
    const viaSocket = () => {
      const broker = startKafkalite(b)
      try {
        b.cli(broker.home, ['topics', '--create', '--topic', 'bench'])
        const env = {...process.env, KAFKALITE_HOME: broker.home}
        const start = b.now()
        const produced = spawnSync(
          'sh',
          ['-c', `"${b.NODE}" "${b.BIN}" console-producer --topic bench --request-required-acks 1 < "${input}"`],
          {env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'},
        )
        if (produced.status !== 0) throw new Error(`console-producer failed: ${produced.stderr}`)
        rates.ownProduce.push(b.RECORDS / (b.ms(start) / 1000))
        const cstart = b.now()
        const consumed = spawnSync(
          b.NODE,
          [b.BIN, 'console-consumer', '--topic', 'bench', '--from-beginning', '--max-messages', String(b.RECORDS)],
          {env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'},
        )
        if (!consumed.stderr.includes(`Processed a total of ${b.RECORDS} messages`)) {
          throw new Error(`console-consumer: ${consumed.stderr}`)
        }
        rates.ownConsume.push(b.RECORDS / (b.ms(cstart) / 1000))
      } finally {
        broker.stop()
      }
    }
    for (let run = 0; run < b.RUNS; run++) {
      b.log(`listener throughput run ${run + 1}/${b.RUNS}`)
      if (run % 2 === 0) {
        viaKcat()
        viaSocket()
      } else {
        viaSocket()
        viaKcat()
      }
      rates.ratio.push(rates.kcatProduce.at(-1) / rates.ownProduce.at(-1))
    }
    const produceRatio = b.median(rates.ratio)
    b.row(
      `Produce ${k} x 100 B through the Kafka listener (kcat, librdkafka ${kcat.librdkafka}, acks=1)`,
      b.median(rates.kcatProduce),
      'rec/s',
      'console-producer, Unix socket',
      b.median(rates.ownProduce),
      produceRatio,
      '>= 0.8x',
      produceRatio >= 0.8,
    )
    const consume = b.median(rates.kcatConsume)
    const ownConsume = b.median(rates.ownConsume)
    b.row(
      `Consume ${k} through the Kafka listener (kcat -C > wc -l)`,
      consume,
      'rec/s',
      'console-consumer, Unix socket',
      ownConsume,
      consume / ownConsume,
      '>= 1M rec/s',
      consume >= 1_000_000,
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }

  // End-to-end latency, confluent-kafka to confluent-kafka through the listener.
  const py = findPython(env)
  if (!py) {
    b.log(`listener: end-to-end latency skipped, no Python venv with confluent-kafka in ${INTEROP_HOME}: ${setupHint}`)
  } else {
    b.log('Kafka listener: end-to-end latency (confluent-kafka)')
    const broker = startKafkalite(b)
    let latency
    try {
      b.cli(broker.home, ['topics', '--create', '--topic', 'latency'])
      latency = librdkafkaLatency(b, py, broker.bootstrap, 'latency')
    } finally {
      broker.stop()
    }
    const tcp = await tcpRoundTrips(b, LATENCY_RECORDS)
    const name = 'End-to-end latency, librdkafka producer -> listener -> librdkafka consumer'
    b.row(`${name}, p50`, latency.p50, 'ms', 'TCP loopback round trip p50', tcp.p50, latency.p50 / tcp.p50, '-', null)
    b.row(
      `${name}, p99`,
      latency.p99,
      'ms',
      'TCP loopback round trip p99',
      tcp.p99,
      latency.p99 / tcp.p99,
      '<= 5 ms',
      latency.p99 <= 5,
    )
  }

  // 1,000 connections that each ask ApiVersions and then sit.
  b.log(`Kafka listener: ${IDLE_CONNECTIONS} idle connections`)
  const broker = startKafkalite(b)
  const sockets = []
  try {
    await new Promise((r) => setTimeout(r, 500)) // the status request's connection closes, the heap settles
    const idle = rssMiB(broker.pid)
    const sampling = sampleRss(broker.pid, resetPeakRss(broker.pid))
    const [host, port] = broker.bootstrap.split(':')
    // 100 at a time: the listen backlog is Node's default of 511.
    for (let i = 0; i < IDLE_CONNECTIONS; i += 100) {
      await Promise.all(
        Array.from({length: Math.min(100, IDLE_CONNECTIONS - i)}, async () => {
          const socket = connect(Number(port), host)
          sockets.push(socket)
          socket.on('error', () => {})
          await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
          await apiVersions(socket)
        }),
      )
    }
    await new Promise((r) => setTimeout(r, 2_000)) // sitting
    const peak = sampling.stop()
    const status = JSON.parse(b.cli(broker.home, ['daemon', 'status', '--json']).stdout.toString())
    if (status.connections < IDLE_CONNECTIONS) {
      throw new Error(`the daemon holds ${status.connections} connections, expected ${IDLE_CONNECTIONS} and more`)
    }
    b.row(
      `Daemon RSS with ${IDLE_CONNECTIONS.toLocaleString('en-US')} idle connections on the Kafka listener`,
      peak,
      'MB',
      'same daemon idle',
      idle,
      peak / idle,
      '<= 200 MB',
      peak <= 200,
    )
  } finally {
    for (const s of sockets) s.destroy()
    broker.stop()
  }
}

// ---- Apache Kafka as the anchor ----------------------------------------------------------------------------------

export async function kafkaAnchor(b) {
  const env = interopEnv()
  if (!env) {
    b.log(`anchor: skipped, no interop cache (${join(INTEROP_HOME, 'env.json')} is missing): ${setupHint}`)
    return
  }
  const kafka = findKafka(env)
  const kcat = findKcat(env)
  const py = findPython(env)
  const missing = [
    typeof kafka === 'string' ? kafka : null,
    kcat ? null : 'no kcat',
    py ? null : 'no Python venv with confluent-kafka',
  ].filter(Boolean)
  if (missing.length > 0) {
    b.log(`anchor: skipped, ${missing.join('; ')}: ${setupHint}`)
    return
  }
  const label = `Apache Kafka ${kafka.version} (KRaft, 1 node)`
  b.log(`anchor: starting ${label}`)
  const apache = await startApacheKafka(b, kafka)
  b.log(
    `anchor: ${label} up on ${apache.bootstrap} in ${(apache.startMs / 1000).toFixed(1)} s (format ${(apache.formatMs / 1000).toFixed(1)} s)`,
  )
  const dir = b.newHome()
  const k = `${Math.round(b.RECORDS / 1000)}k`
  const figures = {lite: {produce: [], consume: [], start: []}, kafka: {produce: [], consume: []}}
  const ratios = {produce: [], consume: []}
  try {
    const input = join(dir, 'input.txt')
    b.makeInput(input)
    const onKafkalite = () => {
      const broker = startKafkalite(b)
      try {
        figures.lite.start.push(broker.startMs)
        b.cli(broker.home, ['topics', '--create', '--topic', 'bench'])
        figures.lite.produce.push(kcatProduce(b, kcat, broker.bootstrap, 'bench', input))
        figures.lite.consume.push(kcatConsume(b, kcat, broker.bootstrap, 'bench'))
      } finally {
        broker.stop()
      }
    }
    const onKafka = (run) => {
      const topic = `bench-${run}`
      python(b, py, ['create-topic', apache.bootstrap, topic])
      figures.kafka.produce.push(kcatProduce(b, kcat, apache.bootstrap, topic, input))
      figures.kafka.consume.push(kcatConsume(b, kcat, apache.bootstrap, topic))
    }
    // One untimed round first: the JVM compiles the paths the runs take, which only favours Kafka, as an anchor should
    // be favoured (each kafkalite run is a fresh daemon).
    b.log('anchor: warming up Apache Kafka')
    python(b, py, ['create-topic', apache.bootstrap, 'warm-up'])
    kcatProduce(b, kcat, apache.bootstrap, 'warm-up', input)
    kcatConsume(b, kcat, apache.bootstrap, 'warm-up')
    for (let run = 0; run < b.RUNS; run++) {
      b.log(`anchor run ${run + 1}/${b.RUNS}`)
      if (run % 2 === 0) {
        onKafka(run)
        onKafkalite()
      } else {
        onKafkalite()
        onKafka(run)
      }
      for (const what of ['produce', 'consume'])
        ratios[what].push(figures.lite[what].at(-1) / figures.kafka[what].at(-1))
    }
    python(b, py, ['create-topic', apache.bootstrap, 'latency'])
    const kafkaLatency = librdkafkaLatency(b, py, apache.bootstrap, 'latency')
    const broker = startKafkalite(b)
    let liteLatency
    try {
      b.cli(broker.home, ['topics', '--create', '--topic', 'latency'])
      liteLatency = librdkafkaLatency(b, py, broker.bootstrap, 'latency')
    } finally {
      broker.stop()
    }
    const vs = `${label}, same client`
    for (const [what, title] of [
      ['produce', `Anchor: kcat produce ${k} x 100 B, kafkalite's listener`],
      ['consume', `Anchor: kcat consume ${k}, kafkalite's listener`],
    ]) {
      const lite = b.median(figures.lite[what])
      const apacheRate = b.median(figures.kafka[what])
      b.row(title, lite, 'rec/s', vs, apacheRate, b.median(ratios[what]), '-', null)
    }
    b.row(
      "Anchor: librdkafka end-to-end p99, kafkalite's listener",
      liteLatency.p99,
      'ms',
      vs,
      kafkaLatency.p99,
      liteLatency.p99 / kafkaLatency.p99,
      '-',
      null,
    )
    const start = b.median(figures.lite.start)
    b.row(
      'Anchor: start, kafkalite daemon start with a listener',
      start,
      'ms',
      `${label}: format + start until it serves`,
      apache.startMs,
      start / apache.startMs,
      '-',
      null,
    )
  } finally {
    await apache.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
