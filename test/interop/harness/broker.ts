// The broker under test. One per run of the suite, chosen by the environment:
//   KAFKA_BOOTSTRAP=host:port   a broker that is already running (no restart, no frame proxy)
//   KAFKA_BROKER=kafkalite      kafkalite's own daemon with its Kafka-protocol listener (issue 11)
//   otherwise                   Apache Kafka's broker (KRaft, single node) from the jars setup.sh fetched
// The global setup starts it and hands a BrokerHandle (plain data) to the test files, which run in other processes:
// a restart therefore goes through the pid file in the handle's directory, not through an object.
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, Socket} from 'node:net'
import {join} from 'node:path'
import {ROOT, interopEnv} from './env.js'

export interface BrokerHandle {
  kind: 'apache-kafka' | 'external' | 'kafkalite'
  /** What the table names: "Apache Kafka 4.4.0", "kafkalite 0.1.0". */
  label: string
  bootstrap: string
  /**
   * A second listener whose advertised address is the frame proxy's, so that clients bootstrapped there talk
   * to the broker only through the proxy (which the test starts on `proxyPort` and points at `proxyUpstream`).
   */
  proxy?: {proxyPort: number; upstream: {host: string; port: number}}
  /** Can the suite restart the broker (keeping its data)? */
  restartable: boolean
  dir?: string
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends ApiVersions v0 and waits for any well-formed answer: the broker's Kafka listener serves requests. */
export function answersApiVersions(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const finish = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => finish(false))
    socket.on('error', () => finish(false))
    let got = Buffer.alloc(0)
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c])
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) finish(got.readInt32BE(4) === 7)
    })
    socket.connect(port, host, () => {
      const frame = Buffer.alloc(14)
      frame.writeInt32BE(10, 0) // size
      frame.writeInt16BE(18, 4) // ApiVersions
      frame.writeInt16BE(0, 6) // v0
      frame.writeInt32BE(7, 8) // correlation id
      frame.writeInt16BE(-1, 12) // null client id
      socket.write(frame)
    })
  })
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await sleep(100)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

// --- Apache Kafka -----------------------------------------------------------------------------------------------

/** Java's arguments for a Kafka main class, logging to `dir`; the heap is the single broker's unless given. */
function kafkaJava(dir: string, mainClass: string, args: string[], heap = {min: '256m', max: '768m'}): string[] {
  return [
    `-Xms${heap.min}`,
    `-Xmx${heap.max}`,
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
    '-cp',
    interopEnv().kafkaClasspath,
    mainClass,
    ...args,
  ]
}

/** More for a broker than the suite's own: listeners (NAME://host:port, with their protocols), settings, format flags. */
export interface ExtraKafkaSettings {
  listeners: {name: string; protocol: string; host: string; port: number; advertisedHost?: string}[]
  props: string[]
  /** Flags of kafka-storage.sh format (--add-scram 'SCRAM-SHA-256=[name=alice,password=...]'). */
  formatArgs: string[]
}

/** Formats a KRaft log directory and starts Apache Kafka's broker in `dir`. */
export async function startApacheKafka(dir: string, extra?: ExtraKafkaSettings): Promise<BrokerHandle> {
  mkdirSync(dir, {recursive: true})
  const [port, proxiedPort, proxyPort, controllerPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},PROXIED://127.0.0.1:${proxiedPort},CONTROLLER://127.0.0.1:${controllerPort}${(extra?.listeners ?? []).map((l) => `,${l.name}://${l.host}:${l.port}`).join('')}`,
    // Clients bootstrapped on PROXIED are sent to the frame proxy's port for every later connection.
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},PROXIED://127.0.0.1:${proxyPort}${(extra?.listeners ?? []).map((l) => `,${l.name}://${l.advertisedHost ?? l.host}:${l.port}`).join('')}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT,CONTROLLER:PLAINTEXT${(extra?.listeners ?? []).map((l) => `,${l.name}:${l.protocol}`).join('')}`,
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.flush.interval.messages=1',
    ...(extra?.props ?? []),
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
      'logger.kafka.name=kafka',
      'logger.kafka.level=INFO',
      'logger.state.name=state.change.logger',
      'logger.state.level=WARN',
    ].join('\n') + '\n',
  )
  // Not starting with '-', which kafka-storage's argument parser would take for an option.
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22).replace(/^-/, 'A')
  const format = spawnSync(
    'java',
    kafkaJava(dir, 'kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId,
      '-c',
      join(dir, 'server.properties'),
      '--standalone',
      ...(extra?.formatArgs ?? []),
    ]),
    {encoding: 'utf8'},
  )
  if (format.status !== 0) throw new Error(`kafka-storage format failed: ${format.stderr || format.stdout}`)
  const handle: BrokerHandle = {
    kind: 'apache-kafka',
    label: `Apache Kafka ${interopEnv().kafkaVersion} (KRaft, single node)`,
    bootstrap: `127.0.0.1:${port}`,
    proxy: {proxyPort, upstream: {host: '127.0.0.1', port: proxiedPort}},
    restartable: true,
    dir,
  }
  await launchApacheKafka(handle)
  return handle
}

async function launchApacheKafka(handle: BrokerHandle): Promise<void> {
  const dir = handle.dir!
  const out = openSync(join(dir, 'stdout.log'), 'a')
  const child = spawn('java', kafkaJava(dir, 'kafka.Kafka', [join(dir, 'server.properties')]), {
    detached: true, // outlives the test file that restarted it; stopBroker ends it by pid
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  child.unref()
  writeFileSync(join(dir, 'broker.pid'), String(child.pid))
  const [host, port] = handle.bootstrap.split(':') as [string, string]
  const log = join(dir, 'broker.log')
  const started = Date.now()
  await waitUntil(
    'Apache Kafka to start',
    async () => {
      if (!alive(child.pid!)) throw new Error(`the broker exited at start: see ${dir}/stdout.log and broker.log`)
      const text = existsSync(log) ? readFileSync(log, 'utf8') : ''
      return (
        text.lastIndexOf('Kafka Server started') > text.lastIndexOf('shut down completed') &&
        (await answersApiVersions(host, Number(port)))
      )
    },
    90_000,
  )
  process.stderr.write(`interop: ${handle.label} up on ${handle.bootstrap} in ${Date.now() - started} ms\n`)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function stopPid(pid: number, timeoutMs = 60_000): Promise<void> {
  if (!alive(pid)) return
  process.kill(pid, 'SIGTERM') // Kafka's controlled shutdown
  try {
    await waitUntil(`process ${pid} to exit`, () => !alive(pid), timeoutMs)
  } catch {
    process.kill(pid, 'SIGKILL')
  }
}

// --- kafkalite --------------------------------------------------------------------------------------------------

/**
 * kafkalite's daemon with Kafka-protocol listeners (issue 11), started the way a user starts it, in a home of its own:
 * `daemon start --listeners PLAINTEXT://127.0.0.1:0,PROXIED://127.0.0.1:0` with the settings Apache Kafka gets above
 * as `--override`s, PROXIED advertised at the frame proxy's port (so that the frame-proxy scenarios run against
 * kafkalite too). The bound ports come from `daemon status --json`; a restart asks for them again.
 */
async function startKafkalite(dir: string): Promise<BrokerHandle> {
  const proxyPort = await freePort()
  kafkaliteCli(dir, kafkaliteStartArgs('PLAINTEXT://127.0.0.1:0,PROXIED://127.0.0.1:0', proxyPort))
  const status = kafkaliteCli(dir, ['daemon', 'status', '--json'])
  type Listener = {name: string; host: string; port: number}
  const listeners = (JSON.parse(status) as {listeners?: Listener[]}).listeners ?? []
  const plaintext = listeners.find((l) => l.name === 'PLAINTEXT')
  const proxied = listeners.find((l) => l.name === 'PROXIED')
  if (!plaintext || !proxied) throw new Error(`daemon status --json does not show both listeners: ${status}`)
  return {
    kind: 'kafkalite',
    label: `kafkalite ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string}`,
    bootstrap: `${plaintext.host}:${plaintext.port}`,
    proxy: {proxyPort, upstream: {host: proxied.host, port: proxied.port}},
    restartable: true,
    dir,
  }
}

/**
 * `daemon start` with these listeners and the settings Apache Kafka gets above that change what clients see (groups
 * start without Kafka's 3 s wait for more members; topics are created only when asked).
 */
function kafkaliteStartArgs(listeners: string, proxyPort: number): string[] {
  const overrides = [
    // Clients bootstrapped on PROXIED are sent to the frame proxy's port for every later connection.
    `advertised.listeners=PROXIED://127.0.0.1:${proxyPort}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
  ]
  return ['daemon', 'start', '--listeners', listeners, ...overrides.flatMap((o) => ['--override', o])]
}

function kafkaliteCli(dir: string, args: string[]): string {
  const env = {...process.env, KAFKALITE_HOME: dir, NO_COLOR: '1'}
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {env, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`kafkalite ${args.join(' ')} failed: ${r.stderr || r.stdout}`)
  return r.stdout
}

// --- the suite's entry points -----------------------------------------------------------------------------------

export async function startBroker(dir: string): Promise<BrokerHandle> {
  const external = process.env.KAFKA_BOOTSTRAP
  if (external) {
    return {
      kind: 'external',
      label: process.env.KAFKA_BROKER_LABEL ?? `the broker at ${external}`,
      bootstrap: external,
      restartable: false,
    }
  }
  if (process.env.KAFKA_BROKER === 'kafkalite') return startKafkalite(dir)
  return startApacheKafka(dir)
}

/** Stops the broker and starts it again on the same data and ports. */
export async function restartBroker(handle: BrokerHandle): Promise<void> {
  if (!handle.restartable) throw new Error(`${handle.label} cannot be restarted by the suite`)
  if (handle.kind === 'kafkalite') {
    // The same ports again: clients that knew the broker reconnect to it, as they would to a restarted Kafka.
    const upstream = handle.proxy!.upstream
    kafkaliteCli(handle.dir!, ['daemon', 'stop'])
    kafkaliteCli(
      handle.dir!,
      kafkaliteStartArgs(
        `PLAINTEXT://${handle.bootstrap},PROXIED://${upstream.host}:${upstream.port}`,
        handle.proxy!.proxyPort,
      ),
    )
    return
  }
  const pid = Number(readFileSync(join(handle.dir!, 'broker.pid'), 'utf8'))
  await stopPid(pid)
  await launchApacheKafka(handle)
}

export async function stopBroker(handle: BrokerHandle): Promise<void> {
  if (handle.kind === 'external') return
  if (handle.kind === 'kafkalite') {
    kafkaliteCli(handle.dir!, ['daemon', 'stop'])
    return
  }
  const pidFile = join(handle.dir!, 'broker.pid')
  if (existsSync(pidFile)) await stopPid(Number(readFileSync(pidFile, 'utf8')))
}

// --- a three-broker Apache Kafka cluster ---------------------------------------------------------------------------

/** One broker of a cluster started by startKafkaCluster. */
export interface ClusterNode {
  nodeId: number
  port: number
  dir: string
}

/**
 * Apache Kafka as several brokers in KRaft combined mode (each a broker and a controller of one static quorum), on
 * loopback, with replication factor 3 for the internal topics and min.insync.replicas 2: leaders, group and
 * transaction coordinators then sit on different brokers, and one broker can stop without losing anything.
 */
export async function startKafkaCluster(dir: string, size = 3): Promise<{bootstrap: string; nodes: ClusterNode[]}> {
  const ports = await Promise.all(Array.from({length: size}, async () => [await freePort(), await freePort()]))
  const voters = ports.map(([, c], i) => `${i + 1}@127.0.0.1:${c}`).join(',')
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22).replace(/^-/, 'A')
  const nodes: ClusterNode[] = ports.map(([port], i) => ({nodeId: i + 1, port: port!, dir: join(dir, `node-${i + 1}`)}))
  for (const [i, node] of nodes.entries()) {
    mkdirSync(node.dir, {recursive: true})
    const controller = ports[i]![1]
    const props = [
      'process.roles=broker,controller',
      `node.id=${node.nodeId}`,
      `controller.quorum.voters=${voters}`,
      `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(node.dir, 'data')}`,
      'num.partitions=3',
      'default.replication.factor=3',
      'min.insync.replicas=2',
      'offsets.topic.replication.factor=3',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=3',
      'transaction.state.log.min.isr=2',
      'transaction.state.log.num.partitions=3',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
    ]
    writeFileSync(join(node.dir, 'server.properties'), props.join('\n') + '\n')
    writeFileSync(
      join(node.dir, 'log4j2.properties'),
      [
        'appender.file.type=File',
        'appender.file.name=file',
        `appender.file.fileName=${join(node.dir, 'broker.log')}`,
        'appender.file.layout.type=PatternLayout',
        'appender.file.layout.pattern=[%d] %p %m (%c)%n',
        'rootLogger.level=INFO',
        'rootLogger.appenderRef.file.ref=file',
      ].join('\n') + '\n',
    )
    const format = spawnSync(
      'java',
      clusterJava(node.dir, 'kafka.tools.StorageTool', [
        'format',
        '-t',
        clusterId,
        '-c',
        join(node.dir, 'server.properties'),
      ]),
      {encoding: 'utf8'},
    )
    if (format.status !== 0) throw new Error(`kafka-storage format failed: ${format.stderr || format.stdout}`)
  }
  const started = Date.now()
  await Promise.all(nodes.map((n) => launchClusterNode(n)))
  process.stderr.write(`interop: Apache Kafka cluster of ${size} brokers up in ${Date.now() - started} ms\n`)
  return {bootstrap: nodes.map((n) => `127.0.0.1:${n.port}`).join(','), nodes}
}

/** A cluster node's JVM: three of them share the machine with the suite's own broker. */
function clusterJava(dir: string, mainClass: string, args: string[]): string[] {
  return kafkaJava(dir, mainClass, args, {min: '128m', max: '512m'})
}

/** Starts (or starts again) one broker of the cluster and waits until it serves. */
export async function launchClusterNode(node: ClusterNode): Promise<void> {
  const out = openSync(join(node.dir, 'stdout.log'), 'a')
  const child = spawn('java', clusterJava(node.dir, 'kafka.Kafka', [join(node.dir, 'server.properties')]), {
    detached: true,
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  child.unref()
  writeFileSync(join(node.dir, 'broker.pid'), String(child.pid))
  const log = join(node.dir, 'broker.log')
  await waitUntil(
    `broker ${node.nodeId} of the cluster to start`,
    async () => {
      if (!alive(child.pid!)) throw new Error(`broker ${node.nodeId} exited at start: see ${node.dir}/stdout.log`)
      const text = existsSync(log) ? readFileSync(log, 'utf8') : ''
      return (
        text.lastIndexOf('Kafka Server started') > text.lastIndexOf('shut down completed') &&
        (await answersApiVersions('127.0.0.1', node.port))
      )
    },
    120_000,
  )
}

/** Stops one broker of the cluster: SIGKILL (a crash), or SIGTERM (Kafka's controlled shutdown). */
export async function stopClusterNode(node: ClusterNode, signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
  const pidFile = join(node.dir, 'broker.pid')
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8'))
  if (signal === 'SIGKILL') {
    if (alive(pid)) process.kill(pid, 'SIGKILL')
    await waitUntil(`process ${pid} to exit`, () => !alive(pid), 10_000)
    return
  }
  await stopPid(pid)
}
