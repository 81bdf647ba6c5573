import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {
  checkListeners,
  listeningLines,
  parseOverrides,
  runInForeground,
  startInBackground,
  type StartRequest,
} from '../../cli/daemon-lifecycle.js'
import {usageError} from '../../errors.js'
import {brokerPaths} from '../../paths.js'
import {readPropertiesIfPresent} from '../../properties.js'
import type {DaemonStatus} from '../../protocol/socket/messages.js'

export interface DaemonStartResult {
  pid: number
  home: string
  socket: string
  alreadyRunning: boolean
  startMs: number
  /** The Kafka-protocol listeners open, with what they advertise (none unless asked for). */
  listeners: DaemonStatus['listeners']
  /** The schema registry's HTTP listeners open (none unless asked for). */
  schemaRegistry: DaemonStatus['schemaRegistry']
}

export default class DaemonStart extends BaseCommand {
  static override description = `Start the local broker daemon for KAFKALITE_HOME, if it is not running.

Every command that needs the broker starts it on demand; this command does it explicitly (at the start of a CI job, say). The daemon runs in the background, serves kafkalite's own commands on a Unix socket in the home, and keeps its data in an SQLite database there. Its log is daemon.log in the home. With --foreground it runs in this terminal and logs to stderr until Ctrl-C.

Nothing listens on TCP unless asked: --listeners PLAINTEXT://127.0.0.1:9092 (or listeners in server.properties) opens a Kafka-protocol listener that Kafka's own clients (librdkafka, the Java client, kafkajs, ...) connect to. A listener without a host binds loopback; port 0 picks a free port; the bound addresses are printed and shown by 'daemon status'. --schema-registry [host:]port serves the schema registry (Confluent's REST API) over HTTP there too (kafkalite.schema.registry.listeners; loopback without a host, port 0 picks a free port), and --schema-registry https://host:port over HTTPS, with the certificate and key of kafkalite.schema.registry.ssl.keystore.location; kafkalite's own commands reach the registry over the socket without it. --override sets any other broker setting, as kafka-server-start.sh --override does. Settings apply when the daemon starts: a daemon already running with other settings is refused (stop it first).`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'KAFKALITE_HOME=$(mktemp -d) <%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --listeners PLAINTEXT://127.0.0.1:9092',
    '<%= config.bin %> <%= command.id %> --listeners PLAINTEXT://127.0.0.1:0 --override num.partitions=3 --json',
    '<%= config.bin %> <%= command.id %> --schema-registry 8081',
    '<%= config.bin %> <%= command.id %> --schema-registry https://127.0.0.1:8081 --override kafkalite.schema.registry.ssl.keystore.location=registry.pem',
    '<%= config.bin %> <%= command.id %> --foreground',
  ]

  static override flags = {
    foreground: Flags.boolean({description: 'Run the daemon in this process, logging to stderr, until interrupted.'}),
    listeners: Flags.string({
      description:
        "Kafka's listeners setting: Kafka-protocol listeners to open, NAME://host:port separated by commas (PLAINTEXT, or SSL with ssl.keystore.location; no host: loopback; port 0: a free port).",
      helpValue: 'PLAINTEXT://127.0.0.1:9092',
    }),
    'schema-registry': Flags.string({
      description:
        'Serve the schema registry over HTTP on [host:]port (kafkalite.schema.registry.listeners): loopback without a host, port 0 picks a free port; https://host:port serves HTTPS (kafkalite.schema.registry.ssl.keystore.location).',
      helpValue: '[host:]port|https://host:port',
    }),
    override: Flags.string({
      description: 'A broker setting that wins over server.properties, as kafka-server-start.sh --override does.',
      helpValue: 'name=value',
      multiple: true,
    }),
  }

  async run(): Promise<DaemonStartResult> {
    const {flags} = await this.parse(DaemonStart)
    const paths = brokerPaths(this.home)
    const overrides = parseOverrides(flags.override ?? [])
    if (flags.listeners !== undefined) {
      if (Object.hasOwn(overrides, 'listeners')) {
        throw usageError('Give the listeners once: --listeners or --override listeners=..., not both.')
      }
      overrides.listeners = flags.listeners
    }
    if (flags['schema-registry'] !== undefined) {
      if (Object.hasOwn(overrides, 'kafkalite.schema.registry.listeners')) {
        throw usageError(
          'Give the schema registry listener once: --schema-registry or --override kafkalite.schema.registry.listeners=..., not both.',
        )
      }
      overrides['kafkalite.schema.registry.listeners'] = registryListenerOf(flags['schema-registry'])
    }
    const effective = {...readPropertiesIfPresent(paths.properties), ...overrides}
    if (flags.listeners !== undefined) checkListeners(effective, '--listeners')
    else if (Object.keys(overrides).some((k) => k.includes('listener'))) checkListeners(effective, '--override')
    const request: StartRequest = {
      home: paths.home,
      settings: {overrides},
      asked: overrides,
      effective,
      stopCommand: `'${this.config.bin} daemon stop'`,
    }
    if (flags.foreground) return runInForeground(request, false)
    const outcome = await startInBackground(request)
    if (outcome.alreadyRunning) {
      this.log(`The kafkalite daemon is already running (pid ${outcome.pid}) for ${paths.home}.`)
    } else {
      this.log(`Started the kafkalite daemon (pid ${outcome.pid}) for ${paths.home} in ${outcome.startMs} ms.`)
    }
    for (const line of listeningLines(outcome.status.listeners)) this.log(line)
    for (const r of outcome.status.schemaRegistry ?? []) this.log(`Schema registry on ${r.url}`)
    return {
      pid: outcome.pid,
      home: paths.home,
      socket: paths.socket,
      alreadyRunning: outcome.alreadyRunning,
      startMs: outcome.startMs,
      listeners: outcome.status.listeners,
      schemaRegistry: outcome.status.schemaRegistry ?? [],
    }
  }
}

/**
 * `--schema-registry [host:]port` (plain HTTP) or `http(s)://host:port` as kafkalite.schema.registry.listeners; a bad
 * one is a usage error naming it.
 */
function registryListenerOf(value: string): string {
  const m = /^(?:(https?):\/\/)?(?:(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):)?(\d{1,5})\/?$/i.exec(value.trim())
  if (!m || Number(m[3]) > 65535) {
    throw usageError(
      `Invalid --schema-registry '${value}': give [host:]port or https://host:port, for example 8081, 0 (a free port), 0.0.0.0:8081 or https://127.0.0.1:8081.`,
    )
  }
  return `${(m[1] ?? 'http').toLowerCase()}://${m[2] ?? '127.0.0.1'}:${m[3]}`
}
