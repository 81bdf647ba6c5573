// Test helpers: every test gets its own broker home in a temporary directory, drives the real CLI binary or the
// real client library, and waits for conditions rather than sleeping.
import {spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach} from 'vitest'
import {Admin, KafkaProducer} from '../../src/client/index.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RunOptions {
  input?: string | Buffer
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** Broker settings, as lines of a home's server.properties. */
export type ServerProperties = Record<string, string | number>

/**
 * Consumer-group settings for tests: sessions as short as 100 ms are allowed, so that an expiry takes a second
 * rather than Kafka's minimum of six, and a new group does not wait Kafka's 3 s for more members to join.
 */
export const QUICK_GROUPS: ServerProperties = {
  'group.min.session.timeout.ms': 100,
  'group.initial.rebalance.delay.ms': 0,
}

/** A Kafka-protocol listener on loopback, on a port the daemon picks (read it with `TestHome.kafkaPort`). */
export const KAFKA_LISTENER: ServerProperties = {listeners: 'PLAINTEXT://127.0.0.1:0'}

export interface TestHomeOptions {
  /** Written to server.properties before the home's daemon first starts. */
  serverProperties?: ServerProperties
}

/**
 * A private broker home for one test, made in a temporary directory when first used; `cleanup` stops its daemon and
 * removes it.
 */
export class TestHome {
  readonly #options: TestHomeOptions
  #dir: string | undefined
  #serverProperties: ServerProperties = {}

  constructor(options: TestHomeOptions = {}) {
    this.#options = options
  }

  /**
   * One TestHome for all the tests of a file, fresh in each: a new directory (with `options` applied) in every test
   * that uses it, cleaned up after that test.
   */
  static forEachTest(options: TestHomeOptions = {}): TestHome {
    const home = new TestHome(options)
    afterEach(() => home.cleanup())
    return home
  }

  /** The home's directory (KAFKALITE_HOME). */
  get dir(): string {
    if (this.#dir === undefined) {
      this.#dir = mkdtempSync(join(tmpdir(), 'kl-'))
      this.#serverProperties = {}
      if (this.#options.serverProperties) this.setServerProperties(this.#options.serverProperties)
    }
    return this.#dir
  }

  get env(): NodeJS.ProcessEnv {
    return {...process.env, KAFKALITE_HOME: this.dir, NO_COLOR: '1'}
  }

  /** The client configuration that reaches this home's broker. */
  get config(): Record<string, string> {
    return {'kafkalite.home': this.dir}
  }

  /** Adds or replaces broker settings in server.properties; a running daemon sees them after its next start. */
  setServerProperties(settings: ServerProperties): void {
    const dir = this.dir // first: a new directory starts from no settings (not the last test's)
    this.#serverProperties = {...this.#serverProperties, ...settings}
    const lines = Object.entries(this.#serverProperties).map(([name, value]) => `${name}=${value}\n`)
    writeFileSync(join(dir, 'server.properties'), lines.join(''))
  }

  /** Runs `fn` with an Admin client of this home, and closes the client. */
  async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await Admin.create(this.config)
    try {
      return await fn(admin)
    } finally {
      admin.close()
    }
  }

  /** Creates a topic with this many partitions. */
  async createTopic(name: string, partitions = 1): Promise<void> {
    await this.withAdmin((admin) => admin.createTopics([{name, numPartitions: partitions}]))
  }

  /**
   * Sends `perPartition` records to each of the first `partitions` partitions of a topic, with values
   * `<prefix><partition>-<i>` and, given `firstTimestamp`, timestamps `firstTimestamp + i`; resolves once all are
   * acknowledged.
   */
  async produceToEach(
    topic: string,
    partitions: number,
    perPartition: number,
    options: {prefix?: string; firstTimestamp?: number} = {},
  ): Promise<void> {
    const {prefix = '', firstTimestamp} = options
    const producer = new KafkaProducer(this.config)
    try {
      const sends = []
      for (let partition = 0; partition < partitions; partition++) {
        for (let i = 0; i < perPartition; i++) {
          const timestamp = firstTimestamp === undefined ? null : firstTimestamp + i
          sends.push(producer.send({topic, partition, value: `${prefix}${partition}-${i}`, timestamp}))
        }
      }
      await Promise.all(sends)
    } finally {
      await producer.close()
    }
  }

  /** Runs `kafkalite <args>` to completion. */
  run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return runCli(args, {...options, env: {...this.env, ...options.env}})
  }

  /** Starts `kafkalite <args>` and returns the child (for long-running consumers). */
  spawn(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn(process.execPath, [BIN, ...args], {env: {...this.env, ...env}, stdio: ['pipe', 'pipe', 'pipe']})
  }

  /**
   * Starts the home's daemon if it is not running and returns the port of its first Kafka listener, as
   * `daemon status --json` reports it (server.properties must set `listeners`: see KAFKA_LISTENER).
   */
  async kafkaPort(): Promise<number> {
    const start = await this.run(['daemon', 'start'])
    if (start.code !== 0) throw new Error(`daemon start failed: ${start.stderr}`)
    const status = await this.run(['daemon', 'status', '--json'])
    const listener = (JSON.parse(status.stdout) as {listeners?: {port: number}[]}).listeners?.[0]
    if (listener === undefined) throw new Error(`the daemon has no Kafka listener: ${status.stdout}`)
    return listener.port
  }

  /** The daemon's pid from its pid file, if it has one. */
  daemonPid(): number | undefined {
    try {
      return (JSON.parse(readFileSync(join(this.dir, 'daemon.pid'), 'utf8')) as {pid: number}).pid
    } catch {
      return undefined
    }
  }

  /** Stops the home's daemon and removes its directory; the next use makes a new one. */
  async cleanup(): Promise<void> {
    if (this.#dir === undefined) return
    await this.run(['daemon', 'stop'])
    const pid = this.daemonPid()
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    rmSync(this.#dir, {recursive: true, force: true})
    this.#dir = undefined
  }
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal})
    })
    child.stdin.on('error', () => {})
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await condition()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Collects a child's stdout until `predicate` holds on the text so far. */
export function readUntil(
  child: ChildProcess,
  predicate: (text: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`Timed out; output so far: ${JSON.stringify(text)}`)), timeoutMs)
    const onData = (c: Buffer) => {
      text += c.toString('utf8')
      if (predicate(text)) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve(text)
      }
    }
    child.stdout!.on('data', onData)
  })
}

/** Resolves with the exit code of a child. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('close', (code) => resolve(code)))
}
