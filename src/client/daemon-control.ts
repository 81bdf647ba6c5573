// The local daemon's control plane: the calls that have no Kafka counterpart (who the daemon is, its status, a
// graceful shutdown, the lag snapshot the lag viewer draws). Admin stays Kafka's Admin; the CLI's daemon commands,
// `kafkalite lag` and `consumer-groups --describe --json` use this.
import type {
  DaemonStatus,
  DatabaseCheckData,
  LagPartitionsDetail,
  LagSnapshotData,
  Responses,
} from '../protocol/socket/messages.js'
import {Connection} from './connection.js'

/** What the daemon says of itself when a client connects. */
export type DaemonInfo = Responses['hello']

export interface DaemonControlOptions {
  /** The broker home (default: $KAFKALITE_HOME or the XDG state directory). */
  home?: string
  /** Start the daemon when it is not running (default true). */
  autoStart?: boolean
  /** Told about events worth a line on stderr: a daemon started, or one of another version restarted. */
  onNotice?: (message: string) => void
}

export class DaemonControl {
  readonly #options: DaemonControlOptions
  #connection: Connection
  #reconnecting: Promise<Connection> | null = null

  private constructor(connection: Connection, options: DaemonControlOptions) {
    this.#connection = connection
    this.#options = options
  }

  /** Connects to the daemon of a home; rejects with DAEMON_UNAVAILABLE when none runs and `autoStart` is false. */
  static async open(options: DaemonControlOptions = {}): Promise<DaemonControl> {
    return new DaemonControl(await Connection.open(options), options)
  }

  /** The daemon's pid, version, broker id, home and start time (as of the last connection). */
  get daemon(): DaemonInfo {
    return this.#connection.daemon
  }

  /** Pid, uptime, version, paths, counts and disk use. */
  async status(): Promise<DaemonStatus> {
    return (await this.#current()).request('status', {})
  }

  /**
   * Has the daemon run SQLite's integrity_check of its database (it serves nothing else meanwhile: seconds per GiB).
   * The daemon stops when the check finds damage. No timeout.
   */
  async checkDatabase(): Promise<DatabaseCheckData> {
    return (await this.#current()).request('checkDatabase', {}, undefined, 0)
  }

  /** Asks the daemon to stop gracefully; resolves with its pid once it has accepted (before it has exited). */
  async shutdown(): Promise<{pid: number}> {
    return (await this.#current()).request('shutdown', {})
  }

  /**
   * One snapshot of consumer lag, evaluated by the daemon from its lag history: every group (or these) with its lag
   * in records and in time, rates, time to catch up, trend and Burrow's status, and per partition (all of them, or
   * only those `partitions` names) the same and its owner.
   */
  async lagSnapshot(
    options: {
      groups?: readonly string[] | null
      topics?: readonly string[] | null
      partitions?: LagPartitionsDetail
    } = {},
  ): Promise<LagSnapshotData> {
    return (await this.#current()).request('lagSnapshot', {
      groups: options.groups ? [...options.groups] : null,
      topics: options.topics ? [...options.topics] : null,
      partitions: options.partitions ?? 'all',
    })
  }

  close(): void {
    this.#connection.close()
  }

  /**
   * The open connection, or a new one once it has closed (a daemon restarted, an idle connection closed): a
   * reconnect never starts a daemon, so a viewer left open does not bring back a daemon that was stopped.
   */
  #current(): Promise<Connection> {
    if (!this.#connection.closed) return Promise.resolve(this.#connection)
    this.#reconnecting ??= Connection.open({...this.#options, autoStart: false}).then(
      (connection) => {
        this.#connection = connection
        this.#reconnecting = null
        return connection
      },
      (error: unknown) => {
        this.#reconnecting = null
        throw error
      },
    )
    return this.#reconnecting
  }
}
