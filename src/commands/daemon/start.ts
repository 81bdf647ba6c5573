import {Flags} from '@oclif/core'
import {pathToFileURL} from 'node:url'
import {connectSocket, startDaemon} from '../../client/autostart.js'
import {DaemonControl} from '../../client/daemon-control.js'
import {BaseCommand} from '../../cli/base-command.js'
import {daemonEntry} from '../../package-info.js'
import {brokerPaths} from '../../paths.js'

export interface DaemonStartResult {
  pid: number
  home: string
  socket: string
  alreadyRunning: boolean
  startMs: number
}

export default class DaemonStart extends BaseCommand {
  static override description = `Start the local broker daemon for KAFKALITE_HOME, if it is not running.

Every command that needs the broker starts it on demand; this command does it explicitly (at the start of a CI job, say). The daemon runs in the background, listens on a Unix socket in the home (never on a network port), and keeps its data in an SQLite database there. Its log is daemon.log in the home. With --foreground it runs in this terminal and logs to stderr until Ctrl-C.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'KAFKALITE_HOME=$(mktemp -d) <%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --foreground',
  ]

  static override flags = {
    foreground: Flags.boolean({description: 'Run the daemon in this process, logging to stderr, until interrupted.'}),
  }

  async run(): Promise<DaemonStartResult> {
    const {flags} = await this.parse(DaemonStart)
    const paths = brokerPaths(this.home)
    if (flags.foreground) {
      // The daemon module starts on import and keeps this process alive until a signal or `daemon stop`.
      await import(pathToFileURL(daemonEntry()).href)
      return new Promise<never>(() => {})
    }
    const running = await this.#running()
    if (running) {
      this.log(`The kafkalite daemon is already running (pid ${running.pid}) for ${paths.home}.`)
      return {pid: running.pid, home: paths.home, socket: paths.socket, alreadyRunning: true, startMs: 0}
    }
    const started = Date.now()
    const pid = (await startDaemon(paths)) ?? (await this.#running())?.pid ?? -1
    const startMs = Date.now() - started
    this.log(`Started the kafkalite daemon (pid ${pid}) for ${paths.home} in ${startMs} ms.`)
    return {pid, home: paths.home, socket: paths.socket, alreadyRunning: false, startMs}
  }

  async #running(): Promise<{pid: number} | undefined> {
    try {
      ;(await connectSocket(brokerPaths(this.home).socket)).destroy()
    } catch {
      return undefined
    }
    const control = await DaemonControl.open({home: this.home, autoStart: false, onNotice: this.notice})
    control.close()
    return {pid: control.daemon.pid}
  }
}
