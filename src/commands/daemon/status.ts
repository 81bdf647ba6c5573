import {describeListener} from '../../bootstrap.js'
import {DaemonControl} from '../../client/daemon-control.js'
import {BaseCommand} from '../../cli/base-command.js'
import {EXIT_ERROR, KafkaException} from '../../errors.js'
import type {DaemonStatus} from '../../protocol/socket/messages.js'

export type DaemonStatusResult = ({running: true} & DaemonStatus) | {running: false; home: string}

export default class DaemonStatusCommand extends BaseCommand {
  static override description = `Show whether the local broker daemon runs, and what it holds.

Prints the pid, uptime, version, socket, data directory, topics, partitions, records, disk use, the settings file, the Kafka-protocol listeners with their bound addresses and the schema registry's HTTP listeners (--json: with the settings the daemon runs with). Exits with 1 when no daemon is running (it does not start one).`

  static override enableJsonFlag = true

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<DaemonStatusResult> {
    await this.parse(DaemonStatusCommand)
    let control: DaemonControl
    try {
      control = await DaemonControl.open({home: this.home, autoStart: false, onNotice: this.notice})
    } catch (error) {
      if (error instanceof KafkaException && error.code === 'DAEMON_UNAVAILABLE') {
        if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({running: false, home: this.home})}\n`)
        else this.log(`No kafkalite daemon is running for ${this.home}.`)
        return this.exit(EXIT_ERROR)
      }
      throw error
    }
    const status = await control.status()
    control.close()
    const rows: [string, string][] = [
      ['pid', String(status.pid)],
      ['version', status.version],
      ['uptime', duration(status.uptimeMs)],
      ['home', status.home],
      ['socket', status.socket],
      ['database', status.database],
      ['log', status.log],
      ['topics', String(status.topics)],
      ['partitions', String(status.partitions)],
      ['records', String(status.records)],
      ['disk', `${(status.diskBytes / 1024 / 1024).toFixed(1)} MiB (${status.diskBytes} bytes)`],
      [
        'durability',
        status.durability === 'power-loss'
          ? 'power-loss (fsync on every commit)'
          : 'process-crash (acknowledged writes survive kill -9; log.flush.interval.messages=1 adds fsync)',
      ],
      ['connections', String(status.connections)],
      ['config', status.config ?? "none (Kafka's defaults)"],
      [
        'listeners',
        status.listeners.length === 0
          ? 'none (no TCP port: the Unix socket only)'
          : status.listeners.map((l) => describeListener(l)).join(`\n${' '.repeat(15)}`),
      ],
      [
        'registry',
        (status.schemaRegistry ?? []).length === 0
          ? 'on the socket only (no HTTP port)'
          : status.schemaRegistry.map((r) => r.url).join(`\n${' '.repeat(15)}`),
      ],
    ]
    this.log('kafkalite daemon: running')
    for (const [k, v] of rows) this.log(`  ${k.padEnd(12)} ${v}`)
    return {running: true, ...status}
  }
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  return h < 24 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`
}
