// Starting and stopping the local broker: `daemon start|stop`, and Kafka's kafka-server-start.sh and
// kafka-server-stop.sh. Settings given on the command line: `daemon start --listeners ... --override k=v`
// and Kafka's `kafka-server-start.sh [-daemon] server.properties [--override k=v]...`. The settings reach the daemon
// through its environment (client/autostart.ts). A daemon already running keeps its settings: asking for other ones
// is refused with one line (stop it first), as Kafka refuses a second broker on the same log directory.
import {createRequire} from 'node:module'
import {isIP} from 'node:net'
import {describeListener, kafkaListenersOf, listenerUrl, type KafkaListenerSpec} from '../bootstrap.js'
import {connectSocket, daemonSettingsEnv, startDaemon, type DaemonSettings} from '../client/autostart.js'
import {waitForExit} from '../client/connection.js'
import {DaemonControl} from '../client/daemon-control.js'
import {KafkaException, usageError} from '../errors.js'
import {daemonEntry} from '../package-info.js'
import {brokerPaths} from '../paths.js'
import {setOwn} from '../properties.js'
import type {DaemonStatus} from '../protocol/socket/messages.js'

/** What a start asks for. */
export interface StartRequest {
  home: string
  /** How the daemon gets its settings. */
  settings: DaemonSettings
  /** The settings asked for explicitly, checked against a daemon that already runs. */
  asked: Readonly<Record<string, string>>
  /** Every setting the daemon would run with (its settings file's, with `asked` applied): what listeners mean. */
  effective: Readonly<Record<string, string>>
  /** How to stop a running daemon, quoted, for the refusal's next step: `'kafkalite daemon stop'`. */
  stopCommand: string
}

/** What a start did. */
export interface StartOutcome {
  pid: number
  alreadyRunning: boolean
  startMs: number
  status: DaemonStatus
}

/** `--override name=value` values as a map; a value without '=' is a usage error naming it. */
export function parseOverrides(values: readonly string[], flag = '--override'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    if (eq <= 0) {
      throw usageError(
        `Invalid ${flag} '${value}': use name=value, for example ${flag} listeners=PLAINTEXT://127.0.0.1:9092.`,
      )
    }
    setOwn(out, value.slice(0, eq).trim(), value.slice(eq + 1).trim())
  }
  return out
}

/** The listeners `settings` ask for, checked before any daemon starts; a bad one is a usage error. */
export function checkListeners(settings: Readonly<Record<string, string>>, source: string): KafkaListenerSpec[] {
  try {
    return kafkaListenersOf(settings)
  } catch (error) {
    throw usageError(`${source}: ${(error as Error).message.replace(/\.$/, '')}.`)
  }
}

/** One line per bound listener: `Listening on PLAINTEXT://127.0.0.1:9092`. */
export function listeningLines(listeners: DaemonStatus['listeners']): string[] {
  return listeners.map((l) => `Listening on ${describeListener(l)}`)
}

/**
 * Starts the home's daemon with `request.settings` in the background, or finds it running with the settings asked
 * for; rejects with one line when it runs with others.
 */
export async function startInBackground(request: StartRequest): Promise<StartOutcome> {
  const paths = brokerPaths(request.home)
  const running = await runningStatus(request.home)
  if (running) {
    refuseOtherSettings(request, running)
    return {pid: running.pid, alreadyRunning: true, startMs: 0, status: running}
  }
  const started = Date.now()
  const pid = await startDaemon(paths, request.settings)
  const startMs = Date.now() - started
  const status = await runningStatus(request.home)
  if (!status) {
    throw new KafkaException(
      'DAEMON_UNAVAILABLE',
      `The kafkalite daemon for ${request.home} stopped right after it started: see ${paths.log}.`,
    )
  }
  // undefined: another start won the race; that daemon's settings may not be ours.
  if (pid === undefined) refuseOtherSettings(request, status)
  return {pid: status.pid, alreadyRunning: pid === undefined, startMs, status}
}

/**
 * Runs the daemon in this process until a signal or `daemon stop` (Kafka's kafka-server-start.sh without -daemon).
 * `refuseRunning`: a daemon already running is an error (Kafka's second broker on a locked log directory); otherwise
 * only one running with other settings is.
 */
export async function runInForeground(request: StartRequest, refuseRunning: boolean): Promise<never> {
  const running = await runningStatus(request.home)
  if (running) {
    refuseOtherSettings(request, running)
    if (refuseRunning) {
      throw new KafkaException(
        'ILLEGAL_STATE',
        `The kafkalite daemon for ${request.home} already runs (pid ${running.pid}): stop it first with ${request.stopCommand}.`,
      )
    }
  }
  for (const [name, value] of Object.entries(daemonSettingsEnv(request.settings))) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  // The daemon module (CommonJS) starts on load and keeps this process alive until a signal or `daemon stop`. Loaded
  // with require, not import(): a bundle chunk given V8's code cache (bin/code-cache.cjs) loses its dynamic-import
  // callback on Node 20 ("A dynamic import callback was not specified"), and this chunk is cached.
  createRequire(import.meta.url)(daemonEntry())
  return new Promise<never>(() => {})
}

/**
 * Stops the home's daemon gracefully and waits for its process to exit; resolves with its pid and broker id, or null
 * when none runs (or, given `nodeId`, when the one running has another node id).
 */
export async function stopDaemon(home: string, nodeId?: number): Promise<{pid: number; brokerId: number} | null> {
  let control: DaemonControl
  try {
    control = await DaemonControl.open({home, autoStart: false})
  } catch (error) {
    if (error instanceof KafkaException && error.code === 'DAEMON_UNAVAILABLE') return null
    throw error
  }
  const {brokerId} = control.daemon
  if (nodeId !== undefined && nodeId !== brokerId) {
    control.close()
    return null
  }
  const {pid} = await control.shutdown()
  control.close()
  if (!(await waitForExit(pid))) {
    throw new KafkaException(
      'ILLEGAL_STATE',
      `The kafkalite daemon (pid ${pid}) did not exit within 10 s. See its log in ${home}/daemon.log; 'kill ${pid}' stops it.`,
    )
  }
  return {pid, brokerId}
}

/** The running daemon's status, or undefined when none runs (a stale socket included). */
async function runningStatus(home: string): Promise<DaemonStatus | undefined> {
  try {
    ;(await connectSocket(brokerPaths(home).socket)).destroy()
  } catch {
    return undefined
  }
  const control = await DaemonControl.open({home, autoStart: false})
  try {
    return await control.status()
  } finally {
    control.close()
  }
}

const LISTENER_SETTINGS = new Set([
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'controller.listener.names',
])

function refuseOtherSettings(request: StartRequest, running: DaemonStatus): void {
  const difference = settingsDifference(request.asked, request.effective, running)
  if (difference === null) return
  throw new KafkaException(
    'ILLEGAL_STATE',
    `The kafkalite daemon for ${request.home} already runs (pid ${running.pid}) with ${difference.has}, not ${difference.asked}: stop it first with ${request.stopCommand}, then start it again.`,
  )
}

/** The first setting asked for that the running daemon does not have, as it has it and as asked; null if none. */
export function settingsDifference(
  asked: Readonly<Record<string, string>>,
  effective: Readonly<Record<string, string>>,
  running: Pick<DaemonStatus, 'listeners' | 'settings'>,
): {has: string; asked: string} | null {
  if (Object.keys(asked).some((name) => LISTENER_SETTINGS.has(name))) {
    const wanted = kafkaListenersOf(effective)
    if (!sameListeners(wanted, running.listeners)) {
      const has = running.listeners.map((l) => listenerUrl(l.name, l.host, l.port)).join(',')
      return {
        has: has === '' ? 'no Kafka listener' : `listeners ${has}`,
        asked:
          wanted.length === 0
            ? 'no Kafka listener'
            : `listeners ${wanted.map((l) => listenerUrl(l.name, l.host, l.port)).join(',')}`,
      }
    }
  }
  for (const [name, value] of Object.entries(asked)) {
    if (LISTENER_SETTINGS.has(name)) continue
    const has = Object.hasOwn(running.settings, name) ? running.settings[name]!.trim() : undefined
    if (has !== value.trim()) {
      return {has: has === undefined ? `${name} not set` : `${name}=${has}`, asked: `${name}=${value.trim()}`}
    }
  }
  return null
}

/** Do the bound listeners satisfy those asked for? Port 0 matches any port; a host name matches any address. */
function sameListeners(wanted: readonly KafkaListenerSpec[], bound: DaemonStatus['listeners']): boolean {
  if (wanted.length !== bound.length) return false
  return wanted.every((w) => {
    const b = bound.find((l) => l.name === w.name)
    if (!b) return false
    if (w.port !== 0 && w.port !== b.port) return false
    if (isIP(w.host) !== 0 && w.host !== b.host) return false
    const ad = w.advertised
    return ad === null || ((ad.port === 0 || ad.port === b.advertisedPort) && ad.host === b.advertisedHost)
  })
}
