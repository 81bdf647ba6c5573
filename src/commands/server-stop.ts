import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'
import {stopDaemon} from '../cli/daemon-lifecycle.js'
import {EXIT_ERROR} from '../errors.js'
import type {DaemonStopResult} from './daemon/stop.js'

export default class ServerStop extends BaseCommand {
  static override description = `Kafka's kafka-server-stop.sh: stop the local broker gracefully.

Stops the daemon of KAFKALITE_HOME (Kafka's script signals every broker process of the machine), waiting until it has exited. As Kafka's script, it prints 'No kafka server to stop' and exits 1 when none runs.`

  static override enableJsonFlag = true

  static override examples = ['<%= config.bin %> <%= command.id %>']

  static override flags = {
    'node-id': Flags.integer({
      description: 'Stop the broker only if its node.id is this one.',
      min: 0,
    }),
    'process-role': Flags.string({
      description: "Stop the broker only if it has this role: kafkalite's daemon is a broker and a controller both.",
      options: ['broker', 'controller'],
    }),
  }

  async run(): Promise<DaemonStopResult> {
    const {flags} = await this.parse(ServerStop)
    const stopped = await stopDaemon(this.home, flags['node-id'])
    if (stopped === null) {
      process.stderr.write('No kafka server to stop\n')
      return this.exit(EXIT_ERROR)
    }
    this.log(`Stopped the kafkalite daemon (pid ${stopped.pid}) for ${this.home}.`)
    return {stopped: true, pid: stopped.pid, home: this.home}
  }
}
