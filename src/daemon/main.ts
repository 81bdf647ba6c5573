// The daemon's entry point: one process per KAFKALITE_HOME that owns the database and serves the socket.
//
// Start-up order matters. The database is opened (and its exclusive lock taken) before the socket is touched, so a
// second daemon for the same home stops at the lock and says "running" instead of stealing the socket; and a socket
// file found while holding the lock can only be stale. Readiness is reported on a pipe (fd KAFKALITE_READY_FD) that
// the starting client reads, so it neither polls nor sleeps: "ready <pid>", "running" (another daemon won a start
// race) or "error <json>".
import {closeSync, existsSync, unlinkSync, writeSync} from 'node:fs'
import {dirname} from 'node:path'
import {describeListener} from '../bootstrap.js'
import {CorruptDatabaseException, KafkaException} from '../errors.js'
import {packageVersion} from '../package-info.js'
import {brokerPaths, ensurePrivateDir, resolveHome, tightenFile} from '../paths.js'
import {damageOf, storageException} from '../store/failure.js'
import {Store} from '../store/store.js'
import {loadBrokerConfig} from '../broker/broker-config.js'
import {BrokerCore} from '../broker/core.js'
import {createHandlers} from './socket/handlers.js'
import {createLogger, type Logger} from '../broker/logger.js'
import {MemoryPool, ResponseBudget, type ConnectionContext} from './connection.js'
import {KafkaListener} from './kafka/listener.js'
import {RegistryHttpServer} from './registry/http-server.js'
import {clusterIdOf, takeBootstrapScram} from '../meta.js'
import {DaemonServer} from './socket/server.js'
import {checkAcknowledged, storedLogEnds, walState} from './acknowledged.js'
import {
  CHECK_ARGUMENT,
  checkAfterUncleanStop,
  damageNote,
  noteDamage,
  offlineCheck,
  refuseKnownDamage,
} from './integrity.js'
import {PidFile, readPidNotes, type PidNotes} from './pid-file.js'

const EXIT_ALREADY_RUNNING = 0
const SHUTDOWN_GRACE_MS = 2_000

let readyFd: number | undefined = process.env.KAFKALITE_READY_FD ? Number(process.env.KAFKALITE_READY_FD) : undefined

function report(message: string): void {
  if (readyFd === undefined) return
  try {
    writeSync(readyFd, `${message}\n`)
    closeSync(readyFd)
  } catch {
    // the starting client is gone; nothing to tell
  }
  readyFd = undefined
}

async function main(): Promise<void> {
  const started = Date.now()
  process.title = 'kafkalite-daemon'
  // Everything the daemon creates is its user's alone: the database and its write-ahead log (SQLite creates the
  // log with the database's mode) 0600, directories 0700.
  process.umask(0o077)
  // daemon.log sits on the disk the broker fills: a line that cannot be written (ENOSPC) is lost, and must not be
  // an uncaught error that ends the daemon. Logging resumes once there is space.
  process.stderr.on('error', () => {})
  const log = createLogger()
  const version = packageVersion()
  const home = resolveHome()
  ensurePrivateDir(home)
  const paths = brokerPaths(home)
  if (dirname(paths.socket) !== home) ensurePrivateDir(dirname(paths.socket), 'the socket directory')
  const config = loadBrokerConfig(configFile(paths.properties), overridesFromEnv())
  // For `npm run bench` only (bench/robustness.mjs): a daemon that does not validate produced records, the baseline
  // the cost of that validation is measured against. Not a setting: no user should run a broker without it.
  if (process.env.KAFKALITE_BENCH_SKIP_RECORD_VALIDATION === '1') {
    config.benchSkipRecordValidation = true
    log.warn('KAFKALITE_BENCH_SKIP_RECORD_VALIDATION=1: produced records are not validated (a benchmark baseline)')
  }

  let store: Store | undefined
  let core: BrokerCore
  // The last daemon's notes, if it did not stop cleanly (read once the database lock is ours).
  let previous: PidNotes | null = null
  try {
    const walBefore = walState(paths.db)
    store = Store.open(paths.db, {durability: config.durability})
    for (const file of [paths.db, `${paths.db}-wal`]) tightenFile(file) // left 0644 by an older kafkalite
    previous = readPidNotes(paths.pidFile)
    refuseKnownDamage(previous, paths.db)
    checkAfterUncleanStop(store, previous, log)
    // Before the core: starting, it may complete transactions the last daemon left prepared, moving the log's ends.
    checkAcknowledged(previous, storedLogEnds(store), paths.db, walBefore, log)
    core = new BrokerCore(store, config, log)
    storeBootstrapScram(core, home, log)
  } catch (error) {
    if (error instanceof KafkaException && error.code === 'DAEMON_UNAVAILABLE') {
      log.info(`another kafkalite daemon already serves ${home}; exiting`)
      report('running')
      process.exit(EXIT_ALREADY_RUNNING)
    }
    store?.close()
    const failure = error instanceof KafkaException ? error : storageException(error, paths.db)
    if (failure instanceof CorruptDatabaseException && previous?.damaged === undefined) {
      noteDamage(paths.pidFile, previous ?? {}, damageOf(failure), paths.db)
    }
    throw failure ?? error
  }
  for (const name of config.unknown) log.warn(`server.properties: '${name}' is not a setting kafkalite knows; ignored`)

  let pidFile: PidFile | undefined
  const acked = () => ({acked: {...core.broker.logEnds(), at: Date.now()}})
  // After every commit that wrote, before its replies leave: what the next start compares the database with.
  store.afterUnit((failure) => {
    if (failure === null) pidFile?.update(acked())
  })
  let damaged = false
  // Damage met while serving: noted for the next start, then a stop (the replies to the requests that met it leave
  // first). A daemon that served on would serve from, and write into, a damaged b-tree.
  store.onCorruption((failure) => {
    if (damaged) return
    damaged = true
    log.error(failure.message)
    if (!pidFile?.update(damageNote(damageOf(failure), paths.db))) {
      log.error(`could not note the damage in ${paths.pidFile}: the next start will not know of it`)
    }
    setImmediate(() => void shutdown('the database is damaged'))
  })
  let exiting = false
  const shutdown = async (reason: string) => {
    if (exiting) return
    exiting = true
    log.info(`stopping (${reason})`)
    const force = setTimeout(() => {
      log.warn(`connections still open after ${SHUTDOWN_GRACE_MS} ms; closing anyway`)
      finish()
    }, SHUTDOWN_GRACE_MS)
    force.unref()
    // Members keep their place across a restart (they reconnect and heartbeat on): stop watching their connections
    // before closing them, or the closes would count as leaving.
    core.groups.close()
    await Promise.all([server.close(), kafka?.close(), registry?.close()])
    finish()
  }
  const finish = () => {
    core.close()
    const kept = store.close()
    if (kept) log.warn(`the write-ahead log was not checkpointed (${kept.message}); it is replayed at the next start`)
    // A damaged database keeps its note in the pid file, for the next start to refuse.
    pidFile?.close()
    for (const file of damaged ? [paths.socket] : [paths.socket, paths.pidFile]) {
      try {
        unlinkSync(file)
      } catch {
        // already gone
      }
    }
    log.info('stopped')
    process.exit(0)
  }

  const context: ConnectionContext = {
    config: config.network,
    requests: new MemoryPool(config.network.queuedMaxRequestBytes),
    responses: new ResponseBudget(config.network.queuedMaxResponseBytes),
    log,
    unitOfWork: {run: (work) => store.unit(work), writes: () => store.changes(), failed: () => store.unitFailed},
  }
  // The Kafka listeners first: one that cannot open (its port in use) fails the start before anything else is up.
  let kafka: KafkaListener | null = null
  if (config.kafkaListeners.length > 0) {
    kafka = new KafkaListener(core, context, clusterIdOf(home, config.brokerId))
    for (const l of await kafka.listen(config.kafkaListeners)) {
      log.info(
        `Listening on ${describeListener({...l, advertisedHost: l.advertised.host, advertisedPort: l.advertised.port})}`,
      )
    }
  }
  // The schema registry's HTTP listeners, only when asked for.
  let registry: RegistryHttpServer | null = null
  if (config.schemaRegistry.listeners.length > 0) {
    registry = new RegistryHttpServer(core, context)
    for (const l of await registry.listen()) log.info(`Schema registry listening on ${l.url}`)
  }
  const listeners = () =>
    (kafka?.bound ?? []).map((l) => ({
      name: l.name,
      host: l.host,
      port: l.port,
      advertisedHost: l.advertised.host,
      advertisedPort: l.advertised.port,
    }))
  const handlers = createHandlers(core, {
    version,
    startedAt: started,
    home,
    socket: paths.socket,
    log: paths.log,
    connections: () => server.connections.size + (kafka?.connections.size ?? 0) + (registry?.sockets.size ?? 0),
    listeners,
    schemaRegistry: () => registry?.bound ?? [],
    shutdown: () => void shutdown('stop requested'),
  })
  const server = new DaemonServer(handlers, context, core.quotas)
  await server.listen(paths.socket)
  try {
    pidFile = new PidFile(paths.pidFile, {
      pid: process.pid,
      version,
      socket: paths.socket,
      startedAt: started,
      ...acked(),
      // The listeners too: kafkalite's own commands take their advertised addresses for the local broker's.
      listeners: listeners(),
    })
  } catch (error) {
    if (error instanceof KafkaException) throw error // a link in its place
    // Notes for the next start (clients find the daemon by its socket): a full disk must not keep the broker down.
    log.warn(`could not write the pid file ${paths.pidFile}: ${(error as Error).message}`)
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal))
  process.on('SIGHUP', () => {}) // detached from any terminal; a closing terminal must not stop the broker
  process.on('uncaughtException', (error) => {
    // Every request error is caught where it happens; reaching here is a bug. Acknowledged writes are committed,
    // so exiting loses nothing, and the next command starts a fresh daemon.
    log.error(`uncaught exception, exiting: ${error.stack ?? error}`)
    process.exit(70)
  })
  const totals = core.status()
  log.info(
    `kafkalite ${version} daemon started in ${Date.now() - started} ms: pid ${process.pid}, home ${home}, socket ${paths.socket}, ` +
      `${totals.topics} topics, durability ${config.durability}, config ${config.file ?? '(defaults)'}`,
  )
  report(`ready ${process.pid}`)
}

/**
 * The broker settings file: the one `kafka-server-start.sh server.properties` names (passed by the starting client in
 * KAFKALITE_SERVER_PROPERTIES, used in place of the home's, as Kafka reads only the file it is given), else the
 * home's server.properties, which may be absent.
 */
function configFile(home: string): string {
  const given = process.env.KAFKALITE_SERVER_PROPERTIES
  if (given === undefined || given === '') return home
  if (!existsSync(given)) {
    throw new KafkaException('BROKER_CONFIG_INVALID', `Cannot read ${given}: the file does not exist.`)
  }
  return given
}

/**
 * Settings given on the command line (`daemon start --listeners`, `kafka-server-start.sh --override name=value`),
 * passed by the starting client as JSON in KAFKALITE_OVERRIDES: they win over server.properties.
 */
function overridesFromEnv(): Record<string, string> {
  const raw = process.env.KAFKALITE_OVERRIDES
  if (raw === undefined || raw === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    parsed = null
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((v) => typeof v !== 'string')
  ) {
    throw new KafkaException('BROKER_CONFIG_INVALID', 'KAFKALITE_OVERRIDES must be a JSON object of strings.')
  }
  return parsed as Record<string, string>
}

if (process.argv[2] === CHECK_ARGUMENT) offlineCheck()
else main().catch(failedToStart)

function failedToStart(error: unknown): void {
  const failure = error instanceof KafkaException ? error : storageException(error, brokerPaths(resolveHome()).db)
  const data = failure
    ? failure.toJSON()
    : {code: 'DAEMON_START_FAILED', message: error instanceof Error ? error.message : String(error)}
  process.stderr.write(`[${new Date().toISOString()}] ERROR daemon failed to start: ${data.message}\n`)
  if (!failure) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`)
  report(`error ${JSON.stringify(data)}`)
  process.exit(1)
}

/**
 * Stores the SCRAM users `storage format --add-scram` left for this start (one request per user and mechanism, as
 * Kafka's controller takes them), then forgets the file: it held salted passwords.
 */
function storeBootstrapScram(core: BrokerCore, home: string, log: Logger): void {
  for (const c of takeBootstrapScram(home)) {
    const [result] = core.alterUserScramCredentials({deletions: [], upsertions: [c]}).results
    if (result?.error) log.warn(`could not store SCRAM user '${c.name}' (${c.mechanism}): ${result.error.message}`)
    else log.info(`stored SCRAM user '${c.name}' (${c.mechanism}) given to storage format --add-scram`)
  }
}
