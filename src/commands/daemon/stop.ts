import {waitForExit} from '../../client/connection.js'
import {DaemonControl} from '../../client/daemon-control.js'
import {BaseCommand} from '../../cli/base-command.js'
import {KafkaException} from '../../errors.js'

export interface DaemonStopResult {
  stopped: boolean
  pid: number | null
  home: string
}

export default class DaemonStop extends BaseCommand {
  static override description = `Stop the local broker daemon gracefully.

Every write the daemon acknowledged is already committed; stopping closes the connections and the database and removes the socket. Stopping a daemon that is not running is not an error.`

  static override enableJsonFlag = true

  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<DaemonStopResult> {
    await this.parse(DaemonStop)
    const home = this.home
    let control: DaemonControl
    try {
      control = await DaemonControl.open({home, autoStart: false})
    } catch (error) {
      if (error instanceof KafkaException && error.code === 'DAEMON_UNAVAILABLE') {
        this.log(`No kafkalite daemon is running for ${home}.`)
        return {stopped: false, pid: null, home}
      }
      throw error
    }
    const {pid} = await control.shutdown()
    control.close()
    if (!(await waitForExit(pid))) {
      throw new KafkaException(
        'ILLEGAL_STATE',
        `The kafkalite daemon (pid ${pid}) did not exit within 10 s. See its log in ${home}/daemon.log; 'kill ${pid}' stops it.`,
      )
    }
    this.log(`Stopped the kafkalite daemon (pid ${pid}) for ${home}.`)
    return {stopped: true, pid, home}
  }
}
