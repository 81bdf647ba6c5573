// Kafka's broker scripts as shims: kafka-storage.sh (random-uuid, format), kafka-server-start.sh and
// kafka-server-stop.sh, with Kafka's argument shapes, and Kafka's quickstart run as written through them.
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Metadata} from '../../../src/protocol/kafka/codec/index.js'
import {exited, TestHome, waitFor} from '../../helpers/env.js'
import {kafkaRequest} from '../../helpers/kafka-request.js'

const home = TestHome.forEachTest()

/**
 * The settings of Kafka 4's config/server.properties (KRaft, one combined broker and controller), as its quickstart
 * uses it; the port of the broker's listener is a parameter only so that a busy 9092 on this machine cannot fail
 * the test.
 */
function kafkaServerProperties(port: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.bootstrap.servers=localhost:9093',
    `listeners=PLAINTEXT://:${port},CONTROLLER://:9093`,
    'inter.broker.listener.name=PLAINTEXT',
    `advertised.listeners=PLAINTEXT://localhost:${port},CONTROLLER://localhost:9093`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'num.network.threads=3',
    'num.io.threads=8',
    'socket.send.buffer.bytes=102400',
    'socket.receive.buffer.bytes=102400',
    'socket.request.max.bytes=104857600',
    'log.dirs=/tmp/kraft-combined-logs',
    'num.partitions=1',
    'num.recovery.threads.per.data.dir=1',
    'offsets.topic.replication.factor=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'log.retention.hours=168',
    'log.segment.bytes=1073741824',
    'log.retention.check.interval.ms=300000',
    '',
  ].join('\n')
}

/** Can this process listen on the port (on loopback, where kafkalite binds a listener without a host)? */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

let dir: string
let started: ChildProcess[] = []

beforeEach(async () => {
  // A Kafka distribution's layout: bin/ (the shims) and config/.
  dir = mkdtempSync(join(tmpdir(), 'kl-kafka-'))
  expect((await home.run(['shims', join(dir, 'bin')])).code).toBe(0)
  mkdirSync(join(dir, 'config'))
})

afterEach(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
  started = []
  rmSync(dir, {recursive: true, force: true})
})

/** Runs a shell script in the distribution's directory, with the home and the shims; stdout, or a failure with stderr. */
function sh(script: string): string {
  return execFileSync('sh', ['-c', script], {cwd: dir, env: home.env, encoding: 'utf8'})
}

/** Runs a shell script and returns its whole outcome. */
function shResult(script: string): {stdout: string; stderr: string; code: number | null} {
  const r = spawnSync('sh', ['-c', script], {cwd: dir, env: home.env, encoding: 'utf8'})
  return {stdout: r.stdout, stderr: r.stderr, code: r.status}
}

/** Starts a long-running shell script (a broker in the foreground); its stderr is collected in `log()`. */
function shInBackground(script: string): {child: ChildProcess; log: () => string} {
  const child = spawn('sh', ['-c', `exec ${script}`], {cwd: dir, env: home.env, stdio: ['ignore', 'pipe', 'pipe']})
  started.push(child)
  let text = ''
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()))
  return {child, log: () => text}
}

describe("Kafka's quickstart", () => {
  it('runs as written through the shims, with the settings of Kafka 4 config/server.properties', async () => {
    const port = (await portFree(9092)) ? 9092 : 19092 + Math.floor(Math.random() * 1000)
    writeFileSync(join(dir, 'config', 'server.properties'), kafkaServerProperties(port))
    const bootstrap = `localhost:${port}`

    // Step 2: format the log directories (here: the kafkalite home).
    const format = sh(
      'KAFKA_CLUSTER_ID="$(bin/kafka-storage.sh random-uuid)" && ' +
        'bin/kafka-storage.sh format --standalone -t $KAFKA_CLUSTER_ID -c config/server.properties && ' +
        'echo "$KAFKA_CLUSTER_ID"',
    )
    const clusterId = format.trim().split('\n').at(-1)!
    expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(format).toBe(`Formatting kafkalite home ${home.dir} with cluster id ${clusterId}.\n${clusterId}\n`)
    expect(readFileSync(join(home.dir, 'meta.properties'), 'utf8')).toMatch(
      new RegExp(`\\nnode\\.id=1\\n[^]*\\ncluster\\.id=${clusterId}\\n`),
    )

    // Step 3: start the broker in the foreground, as the quickstart does in its own terminal.
    const broker = shInBackground('bin/kafka-server-start.sh config/server.properties')
    await waitFor(() => broker.log().includes('daemon started'), 15_000, 'the broker to start')
    expect(broker.log()).toContain(`Listening on PLAINTEXT://127.0.0.1:${port} (advertised as localhost:${port})`)

    // Steps 4-6: a topic, events written and read with Kafka's tools on --bootstrap-server localhost:9092.
    expect(sh(`bin/kafka-topics.sh --create --topic quickstart-events --bootstrap-server ${bootstrap}`)).toBe(
      'Created topic quickstart-events.\n',
    )
    expect(sh(`bin/kafka-topics.sh --describe --topic quickstart-events --bootstrap-server ${bootstrap}`)).toMatch(
      /^Topic: quickstart-events\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\t/,
    )
    sh(
      `printf 'This is my first event\\nThis is my second event\\n' | ` +
        `bin/kafka-console-producer.sh --topic quickstart-events --bootstrap-server ${bootstrap}`,
    )
    expect(
      sh(
        `bin/kafka-console-consumer.sh --topic quickstart-events --from-beginning --bootstrap-server ${bootstrap} ` +
          '--max-messages 2 2>/dev/null',
      ),
    ).toBe('This is my first event\nThis is my second event\n')

    // A Kafka client kafkalite did not write reads the same events from the same listener.
    const kcat = spawnSync('kcat', ['-b', bootstrap, '-C', '-t', 'quickstart-events', '-e', '-q'], {encoding: 'utf8'})
    if (!kcat.error) expect(kcat.stdout).toBe('This is my first event\nThis is my second event\n')

    // Step 8: Ctrl-C stops the broker.
    broker.child.kill('SIGINT')
    expect(await exited(broker.child)).toBe(0)
    expect(broker.log()).toMatch(/stopping \(SIGINT\)/)
    expect((await home.run(['daemon', 'status'])).code).toBe(1)
  })
})

describe('kafka-server-start.sh and kafka-server-stop.sh', () => {
  it('start the broker in the background with -daemon and --override, and stop it', async () => {
    writeFileSync(join(dir, 'config', 'server.properties'), kafkaServerProperties(9092))
    const start = shResult(
      'bin/kafka-server-start.sh -daemon config/server.properties ' +
        '--override listeners=PLAINTEXT://127.0.0.1:0 --override num.partitions=2',
    )
    expect(start.stderr).toBe('')
    expect(start.code).toBe(0)
    const [, port] =
      /^Started the kafkalite daemon \(pid \d+\) for .* in \d+ ms\.\nListening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+) \(advertised as localhost:9092\)\n$/.exec(
        start.stdout,
      ) ?? []
    expect(port).toBeDefined()
    const status = JSON.parse((await home.run(['daemon', 'status', '--json'])).stdout) as {
      config: string
      settings: Record<string, string>
    }
    expect(status.config).toBe(join(dir, 'config', 'server.properties'))
    expect(status.settings).toMatchObject({'num.partitions': '2', 'process.roles': 'broker,controller'})
    // The bound port names the local broker too, for kafkalite's own tools.
    sh(`bin/kafka-topics.sh --create --topic two --bootstrap-server 127.0.0.1:${port}`)
    expect(sh('bin/kafka-topics.sh --describe --topic two --bootstrap-server localhost:9092')).toMatch(
      /PartitionCount: 2/,
    )

    // Started again the same way: already running. In the foreground, or with other settings: refused.
    const again = shResult(
      'bin/kafka-server-start.sh -daemon config/server.properties ' +
        '--override listeners=PLAINTEXT://127.0.0.1:0 --override num.partitions=2',
    )
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^The kafkalite daemon is already running \(pid \d+\)/)
    const foreground = shResult(
      'bin/kafka-server-start.sh config/server.properties --override listeners=PLAINTEXT://127.0.0.1:0 --override num.partitions=2',
    )
    expect(foreground.code).toBe(1)
    expect(foreground.stderr).toMatch(
      /^Error: The kafkalite daemon for .* already runs \(pid \d+\): stop it first with kafka-server-stop\.sh \('kafkalite daemon stop'\)\.\n$/,
    )
    const other = shResult(
      'bin/kafka-server-start.sh -daemon config/server.properties --override listeners=PLAINTEXT://127.0.0.1:0',
    )
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(
      / with num\.partitions=2, not num\.partitions=1: stop it first with kafka-server-stop\.sh/,
    )

    const stop = shResult('bin/kafka-server-stop.sh')
    expect(stop.code).toBe(0)
    expect(stop.stdout).toMatch(/^Stopped the kafkalite daemon \(pid \d+\)/)
    const none = shResult('bin/kafka-server-stop.sh')
    expect(none.code).toBe(1)
    expect(none.stderr).toBe('No kafka server to stop\n')
  })

  it("asks for Kafka's default listener, PLAINTEXT://:9092 (on loopback), when the file names none", async () => {
    writeFileSync(join(dir, 'config', 'server.properties'), 'node.id=1\n')
    // 9092 held here (or by whoever holds it already): the start names Kafka's default address and fails in one line.
    const holder = createServer()
    await new Promise<void>((resolve) => holder.once('error', () => resolve()).listen(9092, '127.0.0.1', resolve))
    try {
      const res = shResult('bin/kafka-server-start.sh -daemon config/server.properties')
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(
        /^Error: Cannot listen on PLAINTEXT:\/\/127\.0\.0\.1:9092: the port is in use[^\n]*\n$/,
      )
    } finally {
      holder.close()
    }
  })

  it("refuses Kafka's usage errors in one line", async () => {
    const none = shResult('bin/kafka-server-start.sh')
    expect(none.code).toBe(2)
    expect(none.stderr).toBe(
      'Error: USAGE: kafka-server-start.sh [-daemon] server.properties [--override property=value]*\n',
    )
    const missing = shResult('bin/kafka-server-start.sh -daemon config/missing.properties')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^Error: Cannot read properties file '.*config\/missing\.properties': ENOENT/)
    writeFileSync(join(dir, 'config', 'server.properties'), 'listeners=PLAINTEXT://:0\n')
    const option = shResult('bin/kafka-server-start.sh -daemon config/server.properties --overide x=y')
    expect(option.code).toBe(2)
    expect(option.stderr).toMatch(/^Error: Unknown option '--overide'\. USAGE: kafka-server-start\.sh/)
    const override = shResult('bin/kafka-server-start.sh -daemon config/server.properties --override x')
    expect(override.code).toBe(2)
    expect(override.stderr).toMatch(/^Error: Invalid --override 'x': use name=value/)
  })
})

describe('kafka-storage.sh', () => {
  it('prints a new cluster id each time with random-uuid', () => {
    const ids = new Set([sh('bin/kafka-storage.sh random-uuid'), sh('bin/kafka-storage.sh random-uuid')])
    expect(ids.size).toBe(2)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}\n$/)
  })

  it('refuses a home already formatted, unless --ignore-formatted, and a cluster id that is not one', () => {
    writeFileSync(join(dir, 'config', 'server.properties'), 'node.id=3\n')
    const first = 'AAAAAAAAAAAAAAAAAAAAAA'
    const second = 'BBBBBBBBBBBBBBBBBBBBBB'
    expect(sh(`bin/kafka-storage.sh format -t ${first} -c config/server.properties`)).toMatch(/with cluster id A{22}/)
    expect(readFileSync(join(home.dir, 'meta.properties'), 'utf8')).toMatch(/\nnode\.id=3\n/)
    const same = shResult(`bin/kafka-storage.sh format -t ${first} -c config/server.properties`)
    expect(same.code).toBe(1)
    expect(same.stderr).toBe(
      `Error: Log directory ${home.dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.\n`,
    )
    const other = shResult(`bin/kafka-storage.sh format -t ${second} -c config/server.properties`)
    expect(other.code).toBe(1)
    expect(other.stderr).toBe(
      `Error: Log directory ${home.dir} is already formatted with cluster id ${first}, not ${second}: use --ignore-formatted to keep it, or remove ${join(home.dir, 'meta.properties')} to format the home anew (its topics stay).\n`,
    )
    const ignored = shResult(`bin/kafka-storage.sh format -g -t ${second} -c config/server.properties`)
    expect(ignored.code).toBe(0)
    expect(ignored.stdout).toMatch(/already formatted: kafkalite home .* keeps cluster id A{22}\.\n$/)
    expect(readFileSync(join(home.dir, 'meta.properties'), 'utf8')).toMatch(/\ncluster\.id=A{22}\n/)
    const bad = shResult('bin/kafka-storage.sh format -t not-an-id -c config/server.properties')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^Error: Cluster id 'not-an-id' is not a Kafka cluster id: use 22 characters/)
  })

  it('gives the broker the formatted cluster id, which Kafka clients see in Metadata', async () => {
    writeFileSync(join(dir, 'config', 'server.properties'), 'listeners=PLAINTEXT://127.0.0.1:0\n')
    const id = sh('bin/kafka-storage.sh random-uuid').trim()
    sh(`bin/kafka-storage.sh format --standalone -t ${id} -c config/server.properties`)
    const start = sh('bin/kafka-server-start.sh -daemon config/server.properties')
    const [, port] = /Listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(start) ?? []
    const metadata = await kafkaRequest({host: '127.0.0.1', port: Number(port)}, Metadata, 12, {topics: []})
    expect(metadata.clusterId).toBe(id)
  })
})
