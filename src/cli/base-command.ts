// What every kafkalite command shares: the check of Kafka's connection flags (defined in flags.ts), one error path (a
// one-line message naming the bad value, exit 1, or 2 for usage errors; a JSON error object on stderr under --json),
// and clients created lazily so that a command that fails on its flags never starts the daemon.
import {Command, Errors, Flags} from '@oclif/core'
import type {Input, ParserOutput} from '@oclif/core/interfaces'
import {resolveBootstrap, runningListenerAddresses} from '../bootstrap.js'
import {Admin} from '../client/admin.js'
import type {ClientConfig} from '../client/config.js'
import {onTransportUsed, usedTransports, type TransportUsed} from '../client/connection.js'
import {DaemonControl} from '../client/daemon-control.js'
import {EXIT_USAGE, KafkaException, toKafkaException} from '../errors.js'
import {brokerPaths, resolveHome} from '../paths.js'
import {readPropertiesFile, readPropertiesIfPresent} from '../properties.js'

/** oclif's FlagOutput and ArgOutput (not exported): parsed flags or args by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- oclif's own definition
type ParsedValues = {[name: string]: any}

export abstract class BaseCommand extends Command {
  /** Every Kafka tool takes --version (CommandDefaultOptions): print the version, exit 0, before any other check. */
  static override baseFlags = {
    version: Flags.version({description: 'Display the kafkalite version.'}),
    verbose: Flags.boolean({
      char: 'v',
      description:
        "Say on stderr which broker the command reaches, and how: the local kafkalite daemon over its Unix socket, or a Kafka cluster over Kafka's protocol.",
    }),
  }

  /** The command has Kafka's own --verbose (consumer-groups): it keeps Kafka's meaning, and says nothing more. */
  static kafkaVerbose = false

  /** Prefix of error lines; kafka-topics prints `Error while executing topic command : <message>`. */
  protected errorPrefix = 'Error: '
  #admin: Admin | undefined
  #control: DaemonControl | undefined
  /** --bootstrap-server as given, once checked: what clients connect to (none: the local daemon). */
  #bootstrap: string | undefined
  /** --command-config's settings, for the Admin client. */
  #commandConfig: ClientConfig = {}

  /** With -v, one line on stderr per broker the command's clients reach (once each). */
  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Input<F, B, A>,
    argv?: string[],
  ): Promise<ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    const kafkaVerbose = (this.constructor as typeof BaseCommand).kafkaVerbose
    if ((parsed.flags as {verbose?: boolean}).verbose && !kafkaVerbose) {
      onTransportUsed((t) => process.stderr.write(`${describeTransport(t)}\n`))
    }
    return parsed
  }

  /** --json output names the broker the command reached and how (`connection`), when it reached one. */
  protected override toSuccessJson(result: unknown): unknown {
    const used = usedTransports()
    if (used.length === 0 || typeof result !== 'object' || result === null || Array.isArray(result)) return result
    return {...result, connection: used.length === 1 ? used[0] : used}
  }

  /** The broker home of this invocation ($KAFKALITE_HOME or the XDG state directory). */
  protected get home(): string {
    return resolveHome()
  }

  /** server.properties of the home, for the listener address check. */
  protected brokerProperties(): Record<string, string> {
    return readPropertiesIfPresent(brokerPaths(this.home).properties)
  }

  /**
   * Checks --bootstrap-server (or --broker-list) as Kafka's tools do, and reads --command-config: the clients of this
   * command then reach what the address names (src/bootstrap.ts: the local daemon, or a Kafka cluster).
   */
  protected checkBootstrap(flags: {
    'bootstrap-server'?: string
    'broker-list'?: string
    'command-config'?: string
  }): void {
    for (const value of [flags['bootstrap-server'], flags['broker-list']]) {
      if (value === undefined) continue
      const paths = brokerPaths(this.home)
      resolveBootstrap(value, this.brokerProperties(), runningListenerAddresses(paths.pidFile))
      this.#bootstrap ??= value
    }
    if (flags['command-config']) this.#commandConfig = readPropertiesFile(flags['command-config'])
  }

  /** Base client config: the home, and the bootstrap address the command was given. */
  protected clientConfig(extra: ClientConfig = {}): ClientConfig {
    return {
      'kafkalite.home': this.home,
      ...(this.#bootstrap === undefined ? {} : {'bootstrap.servers': this.#bootstrap}),
      ...extra,
    }
  }

  /** Notices from clients (a daemon started or restarted) go to stderr, never into data on stdout. */
  protected notice = (message: string): void => {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  /** An Admin client for this command, connected on first use and closed when the command ends. */
  protected async admin(): Promise<Admin> {
    this.#admin ??= await Admin.create(this.clientConfig(this.#commandConfig), {onNotice: this.notice})
    return this.#admin
  }

  /** The Admin client when this command reaches a Kafka cluster (not the local daemon); null otherwise. */
  protected async cluster(): Promise<Admin | null> {
    if (this.#bootstrap === undefined) return null
    const admin = await this.admin()
    return admin.kind === 'kafka' ? admin : null
  }

  /** The local daemon's control plane (status, lag snapshots), connected on first use and closed at the end. */
  protected async control(): Promise<DaemonControl> {
    if ((await this.cluster()) !== null) {
      throw new KafkaException(
        'REMOTE_CLUSTER_UNSUPPORTED',
        `'kafkalite ${this.id}' needs the local kafkalite daemon (its lag history and state); against the Kafka cluster at ${this.#bootstrap} it is not supported yet. 'kafkalite consumer-groups --describe' shows a cluster's lag in records.`,
      )
    }
    this.#control ??= await DaemonControl.open({home: this.home, onNotice: this.notice})
    return this.#control
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.#admin?.close()
    this.#control?.close()
    return super.finally(error)
  }

  /** One error path for every command: one line on stderr (or a JSON object under --json) and a stable exit code. */
  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    let exitCode: number
    let code: string
    let message: string
    let prefix = this.errorPrefix
    if (error instanceof KafkaException) {
      exitCode = error.exitCode
      code = error.code
      message = error.message
    } else if (error instanceof Errors.CLIError) {
      // oclif's parser: unknown flags, missing values, failed flag validation.
      exitCode = EXIT_USAGE
      code = 'USAGE'
      message = error.message
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^See more help with/.test(l))
        .reduce((text, line) => (text === '' ? line : /[.:]$/.test(text) ? `${text} ${line}` : `${text}: ${line}`), '')
      // The command as typed: `transactions list`, not oclif's id `transactions:list`.
      const command = (this.id ?? '').replaceAll(':', this.config.topicSeparator)
      message = `${message}${/[.!?]$/.test(message) ? '' : '.'} See '${this.config.bin} ${command} --help'.`
      prefix = 'Error: '
    } else {
      const wrapped = toKafkaException(error)
      exitCode = wrapped.exitCode
      code = wrapped.code
      message = wrapped.message
      if (process.env.KAFKALITE_DEBUG) process.stderr.write(`${error.stack}\n`)
    }
    if (this.jsonEnabled()) {
      process.stderr.write(`${JSON.stringify({error: {code, message}})}\n`)
    } else {
      process.stderr.write(`${prefix}${message}\n`)
    }
    return this.exit(exitCode)
  }
}

/** What -v prints: `Using the local kafkalite broker (home ..., Unix socket ...)` or the Kafka cluster's addresses. */
export function describeTransport(t: TransportUsed): string {
  return t.transport === 'unix-socket'
    ? `Using the local kafkalite broker over its Unix socket ${t.socket} (home ${t.home})`
    : `Using the Kafka cluster at ${t.bootstrap} over Kafka's protocol (security.protocol=${t.securityProtocol})`
}
