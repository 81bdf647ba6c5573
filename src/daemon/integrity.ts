// A damaged database, at the daemon's start and on demand (`kafkalite daemon check`).
//
// - A daemon that met damage (SQLITE_CORRUPT, SQLITE_NOTADB, or a failed check) notes it in the pid file and stops;
//   the next start refuses at once, naming the file and what to do, until `daemon check` finds the database intact.
//   So a client never restarts a daemon on a damaged database in a loop.
// - After a stop that was not clean (the pid file is still there), the start runs SQLite's quick_check, but only on
//   a database of at most QUICK_CHECK_MAX_BYTES: the check reads every page (about 0.7 s per GiB from the page cache,
//   6.5 s per GiB from a cold disk, measured here), and a start must stay well within the 15 s a starting client
//   waits. A larger database is left to the checks of its operations, and to `daemon check`.
// - `daemon check` with no daemon running runs here, in a process of its own (the daemon's entry point with the
//   argument --check-database), which prints its findings as JSON on stdout.
import {existsSync, statSync} from 'node:fs'
import {CorruptDatabaseException} from '../errors.js'
import type {Logger} from '../broker/logger.js'
import {brokerPaths, resolveHome, type BrokerPaths} from '../paths.js'
import type {DatabaseCheckData} from '../protocol/socket/messages.js'
import {checkDatabaseFile} from '../store/check.js'
import {corruptionAdvice} from '../store/failure.js'
import type {Store} from '../store/store.js'
import {readPidNotes, writePidNotes, type PidNotes} from './pid-file.js'

/** The argument of the daemon's entry point that makes it check the database instead (see offlineCheck). */
export const CHECK_ARGUMENT = '--check-database'

/** The largest database (with its write-ahead log) checked at a start after an unclean stop: 0.1 s warm, 0.7 s cold. */
export const QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024

/** Refuses to start on a database a daemon (or a check) found damaged (the same file: not one put in its place). */
export function refuseKnownDamage(previous: PidNotes | null, db: string): void {
  if (previous?.damaged === undefined || previous.damagedInode !== inode(db)) return
  throw new CorruptDatabaseException(
    `The database '${db}' is damaged (${previous.damaged}): the daemon does not start on it. ${corruptionAdvice(db)}`,
  )
}

/**
 * After an unclean stop, SQLite's quick_check of a database small enough to check quickly; throws when it finds
 * damage. `previous` is what the last daemon's pid file said (null after a clean stop).
 */
export function checkAfterUncleanStop(store: Store, previous: PidNotes | null, log: Logger): void {
  if (previous === null || previous.checkedAt !== undefined) return
  const bytes = store.diskBytes()
  if (bytes > QUICK_CHECK_MAX_BYTES) {
    log.warn(
      `the last daemon did not stop cleanly; the database (${mib(bytes)}) is too large to check at every start: run 'kafkalite daemon check' to check it`,
    )
    return
  }
  const result = store.check('quick_check')
  if (!result.intact) {
    const found = `quick_check: ${result.problems[0]}`
    throw new CorruptDatabaseException(
      `The database '${store.path}' is damaged (${found}): the daemon does not start on it. ${corruptionAdvice(store.path)}`,
      {cause: new Error(found)},
    )
  }
  log.info(
    `the last daemon did not stop cleanly: quick_check found the database intact (${mib(bytes)} in ${result.elapsedMs} ms)`,
  )
}

/** The pid file's note of damage found in the database `db`, for the next start to refuse (see refuseKnownDamage). */
export function damageNote(damage: string, db: string): PidNotes {
  return {damaged: damage, damagedInode: inode(db), checkedAt: undefined}
}

/** Notes damage of the database `db` in the pid file at `pidFile`, whose notes are `notes`. */
export function noteDamage(pidFile: string, notes: PidNotes, damage: string, db: string): void {
  writePidNotes(pidFile, {...notes, ...damageNote(damage, db)})
}

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino
  } catch {
    return undefined
  }
}

/** `daemon check` while no daemon runs: checks the database of the home and prints what it found as JSON. */
export function offlineCheck(): void {
  const paths = brokerPaths(resolveHome())
  let result: DatabaseCheckData
  try {
    result = checkFile(paths)
  } catch (error) {
    const busy = (error as {code?: string}).code === 'SQLITE_BUSY'
    const message = busy
      ? `A kafkalite daemon started for ${paths.home} during the check. Run 'kafkalite daemon check' again.`
      : `Cannot check the database '${paths.db}': ${(error as Error).message}`
    process.stdout.write(`${JSON.stringify({error: {code: 'DAEMON_UNAVAILABLE', message}})}\n`)
    process.exitCode = 1
    return
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

function checkFile(paths: BrokerPaths): DatabaseCheckData {
  if (!existsSync(paths.db)) {
    return {
      database: paths.db,
      exists: false,
      check: 'integrity_check',
      intact: true,
      problems: [],
      bytes: 0,
      elapsedMs: 0,
      by: 'offline',
    }
  }
  const result = checkDatabaseFile(paths.db)
  const notes = readPidNotes(paths.pidFile)
  if (!result.intact) noteDamage(paths.pidFile, notes ?? {}, `integrity_check: ${result.problems[0]}`, paths.db)
  else if (notes !== null) {
    // Intact: the next start needs no check of its own, and refuses no more.
    const {damaged: _damaged, damagedInode: _inode, ...rest} = notes
    writePidNotes(paths.pidFile, {...rest, checkedAt: Date.now()})
  }
  return {database: paths.db, exists: true, ...result, bytes: diskBytes(paths.db), by: 'offline'}
}

function diskBytes(db: string): number {
  let total = 0
  for (const file of [db, `${db}-wal`]) {
    try {
      total += statSync(file).size
    } catch {
      // no write-ahead log
    }
  }
  return total
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
