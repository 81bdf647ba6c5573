import {Args, Flags} from '@oclif/core'
import {resolve} from 'node:path'
import {BaseCommand} from '../cli/base-command.js'
import {
  checkListeners,
  listeningLines,
  parseOverrides,
  runInForeground,
  startInBackground,
  type StartRequest,
} from '../cli/daemon-lifecycle.js'
import {usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'
import type {DaemonStartResult} from './daemon/start.js'

const USAGE = 'USAGE: kafka-server-start.sh [-daemon] server.properties [--override property=value]*'

/** Kafka's default `listeners`: what a broker started from a file that names none listens on. */
const KAFKA_DEFAULT_LISTENERS = 'PLAINTEXT://:9092'

export default class ServerStart extends BaseCommand {
  static override args = {
    config: Args.string({
      description: "The broker settings file: Kafka's own server.properties (KRaft's included) works as it is.",
      required: true,
    }),
  }

  static override description = `Kafka's kafka-server-start.sh: start the local broker with the settings of a server.properties file.

The argument shape is Kafka's, so CI scripts written for Kafka start kafkalite instead: [-daemon] server.properties [--override property=value]... The file is read in place of the home's server.properties, as Kafka reads only the file it is given; its settings and the overrides hold for this start only. Data stays in KAFKALITE_HOME (log.dirs is not used). A file without listeners listens on Kafka's default, PLAINTEXT://:9092 (on loopback: a host other than loopback must be named). The KRaft controller's listeners are skipped.

Without -daemon the broker runs in the foreground, logging to stderr, until Ctrl-C or kafka-server-stop.sh stops it; with -daemon the command returns once the broker serves, printing the addresses it listens on. A broker already running for the home is refused when its settings differ (stop it first), and in the foreground always (as Kafka refuses a second broker on a locked log directory).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> config/server.properties',
    '<%= config.bin %> <%= command.id %> -daemon config/server.properties --override listeners=PLAINTEXT://127.0.0.1:19092',
  ]

  static override flags = {
    daemon: Flags.boolean({
      description: 'Written -daemon, as Kafka spells it (--daemon works too): start in the background and return.',
    }),
    override: Flags.string({
      description: 'A broker setting that wins over the file.',
      helpValue: 'property=value',
      multiple: true,
    }),
  }

  // Kafka's argument shape (-daemon with one dash) is not oclif's: the arguments are read here first.
  static override strict = false

  async run(): Promise<DaemonStartResult> {
    const kafka = this.#arguments()
    // Kafka's shape translated into oclif's, and parsed as any command's arguments are.
    const {args, flags} = await this.parse(ServerStart, [
      kafka.file,
      ...(kafka.daemon ? ['--daemon'] : []),
      ...kafka.overrides.flatMap((o) => ['--override', o]),
    ])
    const daemon = flags.daemon
    const file = args.config
    const overrideArgs = flags.override ?? []
    const config = resolve(file)
    const fileSettings = readPropertiesFile(config)
    const overrides = parseOverrides(overrideArgs)
    const effective = {...fileSettings, ...overrides}
    if (!Object.hasOwn(effective, 'listeners')) {
      overrides.listeners = KAFKA_DEFAULT_LISTENERS
      effective.listeners = KAFKA_DEFAULT_LISTENERS
    }
    checkListeners(effective, Object.hasOwn(fileSettings, 'listeners') ? config : '--override')
    const request: StartRequest = {
      home: this.home,
      settings: {configFile: config, overrides},
      asked: effective,
      effective,
      stopCommand: `kafka-server-stop.sh ('${this.config.bin} daemon stop')`,
    }
    if (!daemon) return runInForeground(request, true)
    const outcome = await startInBackground(request)
    if (outcome.alreadyRunning) {
      this.log(`The kafkalite daemon is already running (pid ${outcome.pid}) for ${this.home}.`)
    } else {
      this.log(`Started the kafkalite daemon (pid ${outcome.pid}) for ${this.home} in ${outcome.startMs} ms.`)
    }
    for (const line of listeningLines(outcome.status.listeners)) this.log(line)
    return {
      pid: outcome.pid,
      home: this.home,
      socket: outcome.status.socket,
      alreadyRunning: outcome.alreadyRunning,
      startMs: outcome.startMs,
      listeners: outcome.status.listeners,
      schemaRegistry: outcome.status.schemaRegistry ?? [],
    }
  }

  /** Kafka's kafka-server-start.sh and kafka.Kafka: [-daemon] server.properties [--override property=value]*. */
  #arguments(): {daemon: boolean; file: string; overrides: string[]} {
    let daemon = false
    let file: string | undefined
    const overrideArgs: string[] = []
    const argv = this.argv
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!
      if (arg === '--version' || arg === '-version') {
        // As every tool: the version, exit 0 (Kafka's kafka.Kafka prints its version for --version too).
        this.log(this.config.userAgent)
        this.exit(0)
      }
      if (arg === '-daemon' || arg === '--daemon') daemon = true
      else if (arg === '--override') {
        const value = argv[++i]
        if (value === undefined) throw usageError(`--override needs a property=value. ${USAGE}`)
        overrideArgs.push(value)
      } else if (arg.startsWith('--override=')) overrideArgs.push(arg.slice('--override='.length))
      else if (arg.startsWith('-')) throw usageError(`Unknown option '${arg}'. ${USAGE}`)
      else if (file === undefined) file = arg
      else throw usageError(`Found non argument parameters: ${arg}. ${USAGE}`)
    }
    if (file === undefined) throw usageError(USAGE)
    return {daemon, file, overrides: overrideArgs}
  }
}
