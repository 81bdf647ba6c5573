import {BaseCommand} from '../../cli/base-command.js'
import {stopDaemon} from '../../cli/daemon-lifecycle.js'

export interface DaemonStopResult {
  stopped: boolean
  pid: number | null
  home: string
}

export default class DaemonStop extends BaseCommand {
  static override description = `Stop the local broker daemon gracefully.

Every write the daemon acknowledged is already committed; stopping closes the connections (its Kafka listeners' too) and the database and removes the socket. Stopping a daemon that is not running is not an error.`

  static override enableJsonFlag = true

  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<DaemonStopResult> {
    await this.parse(DaemonStop)
    const home = this.home
    const stopped = await stopDaemon(home)
    if (stopped === null) {
      this.log(`No kafkalite daemon is running for ${home}.`)
      return {stopped: false, pid: null, home}
    }
    this.log(`Stopped the kafkalite daemon (pid ${stopped.pid}) for ${home}.`)
    return {stopped: true, pid: stopped.pid, home}
  }
}
