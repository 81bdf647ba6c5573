// Reaching the daemon of a home, starting it when it is not running.
//
// A refused or missing socket means no daemon: one is spawned detached, with its output appended to daemon.log and
// a pipe on fd 3 on which it reports readiness, so the client waits exactly as long as the start takes. Two clients
// may race to start one: the database lock lets exactly one daemon run, and the loser reports "running", after
// which its client connects to the winner. A failed start shows the end of the daemon log and where it is.
import {spawn} from 'node:child_process'
import {closeSync, existsSync, lstatSync, readFileSync, renameSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {dirname} from 'node:path'
import {ERROR_CODES, KafkaException, TimeoutException, type ErrorCode} from '../errors.js'
import {codeCacheArgs, daemonEntry} from '../package-info.js'
import {checkPrivateDir, checkWritableHome, ensurePrivateDir, openPrivateFile, type BrokerPaths} from '../paths.js'

const START_TIMEOUT_MS = 15_000
const LOG_ROTATE_BYTES = 4 * 1024 * 1024
const LOG_TAIL_LINES = 20

/**
 * How long a connection is tried while the daemon's listen backlog is full (EAGAIN: more clients connecting at once
 * than it has accepted yet), as Kafka's clients wait up to socket.connection.setup.timeout.max.ms.
 */
export const CONNECT_BUSY_TIMEOUT_MS = 10_000

/**
 * Connects to the daemon's socket; rejects with the socket error (code ENOENT, ECONNREFUSED, EACCES, ...). A full
 * listen backlog (EAGAIN) is a daemon that is there but busy: tried again, backing off from 5 to 100 ms, for up to
 * `busyTimeoutMs`.
 */
export async function connectSocket(path: string, busyTimeoutMs = CONNECT_BUSY_TIMEOUT_MS): Promise<Socket> {
  const deadline = Date.now() + busyTimeoutMs
  for (let backoff = 5; ; backoff = Math.min(backoff * 2, 100)) {
    try {
      return await connectOnce(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() + backoff > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, backoff))
    }
  }
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    const onError = (error: Error) => {
      socket.destroy()
      reject(error)
    }
    socket.once('error', onError)
    socket.once('connect', () => {
      socket.off('error', onError)
      resolve(socket)
    })
  })
}

const isNotRunning = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ECONNREFUSED'
}

/**
 * Opens a socket to the home's daemon. When none runs: starts one if `autoStart`, else fails with
 * DAEMON_UNAVAILABLE.
 */
export async function openDaemonSocket(paths: BrokerPaths, options: {autoStart: boolean}): Promise<Socket> {
  if (existsSync(paths.home)) checkPrivateDir(paths.home)
  try {
    return await connectSocket(paths.socket)
  } catch (error) {
    if (!isNotRunning(error)) throw socketError(paths, error)
    if (!options.autoStart) {
      throw new KafkaException(
        'DAEMON_UNAVAILABLE',
        `No kafkalite daemon is running for ${paths.home}. Start one with 'kafkalite daemon start'.`,
      )
    }
  }
  await startDaemon(paths)
  // A daemon that lost the start race has reported "running": the winner may still be a moment from listening.
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectSocket(paths.socket)
    } catch (error) {
      if (!isNotRunning(error) || attempt >= 100) throw socketError(paths, error)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

function socketError(paths: BrokerPaths, error: unknown): KafkaException {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EAGAIN') {
    // Not "no daemon": one is there, and does not take connections.
    return new TimeoutException(
      `The kafkalite daemon at '${paths.socket}' took no new connection for ${CONNECT_BUSY_TIMEOUT_MS / 1000} s: its listen backlog is full (too many clients connecting at once, or the daemon is stopped or hung). Retry, or see 'kafkalite daemon status'.`,
    )
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new KafkaException(
      'HOME_NOT_USABLE',
      `Permission denied on the kafkalite socket '${paths.socket}'. It belongs to another user: use a KAFKALITE_HOME of your own.`,
    )
  }
  return new KafkaException(
    'DAEMON_UNAVAILABLE',
    `Cannot reach the kafkalite daemon at '${paths.socket}': ${(error as Error).message}`,
  )
}

/** Broker settings for a daemon started explicitly (`daemon start --listeners`, `kafka-server-start.sh`). */
export interface DaemonSettings {
  /** Settings that win over the settings file, as `kafka-server-start.sh --override name=value` gives them. */
  overrides?: Readonly<Record<string, string>>
  /** A settings file read in place of the home's server.properties (`kafka-server-start.sh server.properties`). */
  configFile?: string
}

/** The environment that hands `settings` to a daemon (read by daemon/main.ts); never inherited from ours. */
export function daemonSettingsEnv(settings: DaemonSettings): Record<string, string | undefined> {
  const overrides = settings.overrides ?? {}
  return {
    KAFKALITE_OVERRIDES: Object.keys(overrides).length > 0 ? JSON.stringify(overrides) : undefined,
    KAFKALITE_SERVER_PROPERTIES: settings.configFile,
  }
}

/**
 * Spawns the daemon and waits for its report. Resolves with its pid, or undefined when another daemon for the home
 * was already running. A daemon started on demand gets no `settings`: it reads the home's server.properties.
 */
export function startDaemon(paths: BrokerPaths, settings: DaemonSettings = {}): Promise<number | undefined> {
  ensurePrivateDir(paths.home)
  checkWritableHome(paths.home)
  if (dirname(paths.socket) !== paths.home) ensurePrivateDir(dirname(paths.socket), 'the socket directory')
  rotateLog(paths.log)
  const logFd = openPrivateFile(paths.log, 'append')
  let child
  try {
    child = spawn(process.execPath, [...codeCacheArgs(), daemonEntry()], {
      detached: true,
      stdio: ['ignore', logFd, logFd, 'pipe'],
      env: withoutUndefined({
        ...process.env,
        ...daemonSettingsEnv(settings),
        KAFKALITE_HOME: paths.home,
        KAFKALITE_READY_FD: '3',
      }),
    })
  } finally {
    closeSync(logFd)
  }
  const pipe = child.stdio[3] as NodeJS.ReadableStream & {destroy(): void}
  return new Promise((resolve, reject) => {
    let text = ''
    let settled = false
    const done = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      pipe.destroy()
      child.unref()
      outcome()
    }
    const fail = (why: string) =>
      done(() =>
        reject(
          new KafkaException(
            'DAEMON_START_FAILED',
            `The kafkalite daemon did not start: ${why}\n${logTail(paths.log)}\nFull log: ${paths.log}`,
          ),
        ),
      )
    const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS)
    pipe.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      const newline = text.indexOf('\n')
      if (newline < 0) return
      const line = text.slice(0, newline)
      if (line.startsWith('ready ')) done(() => resolve(Number(line.slice(6))))
      else if (line === 'running') done(() => resolve(undefined))
      else if (line.startsWith('error ')) {
        let data: {code?: string; message?: string} = {}
        try {
          data = JSON.parse(line.slice(6)) as typeof data
        } catch {
          data = {message: line.slice(6)}
        }
        // Configuration and home errors are the user's to fix: pass them on as they are. A start that failed is
        // never retriable, whatever stopped it (a full disk): a client retrying its request would start a daemon
        // per retry.
        const code = data.code && Object.hasOwn(ERROR_CODES, data.code) ? (data.code as ErrorCode) : null
        if (code && code !== 'DAEMON_START_FAILED' && code !== 'UNKNOWN_SERVER_ERROR') {
          const message = data.message ?? 'unknown error'
          done(() =>
            reject(
              ERROR_CODES[code].retriable
                ? new KafkaException('DAEMON_START_FAILED', `The kafkalite daemon did not start: ${message}`)
                : new KafkaException(code, message),
            ),
          )
        } else fail(data.message ?? line)
      }
    })
    pipe.on('error', () => {})
    child.once('error', (error) => fail(error.message))
    child.once('exit', (code, signal) => {
      // Give a report written just before exiting the chance to arrive first.
      setImmediate(() => fail(signal ? `it was killed by ${signal}` : `it exited with code ${code}`))
    })
  })
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined))
}

function rotateLog(log: string): void {
  try {
    const stat = lstatSync(log)
    if (stat.isFile() && stat.size > LOG_ROTATE_BYTES) renameSync(log, `${log}.1`)
  } catch {
    // no log yet
  }
}

/** The last lines of the daemon log, indented, for error messages. */
export function logTail(log: string, lines = LOG_TAIL_LINES): string {
  try {
    const fd = openPrivateFile(log, 'read')
    let text: string
    try {
      text = readFileSync(fd, 'utf8').trimEnd()
    } finally {
      closeSync(fd)
    }
    return text
      .split('\n')
      .slice(-lines)
      .map((l) => `  | ${l}`)
      .join('\n')
  } catch {
    return '  | (no daemon log)'
  }
}
