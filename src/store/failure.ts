// What a failure of SQLite's storage means to the broker. SQLite reports a full disk, an I/O error, a read-only file
// or a damaged one as an error code.
// - A full disk, an I/O error, a read-only file: Kafka's KAFKA_STORAGE_ERROR (KafkaStorageException, retriable), with
//   a message that names the home and what to do. The daemon keeps running: reads go on, and writes resume by
//   themselves once the storage takes them again (Kafka marks a log directory offline instead; one broker with one
//   database cannot).
// - A damaged database (SQLITE_CORRUPT, SQLITE_NOTADB): CORRUPT_DATABASE, not retriable. The daemon stops and refuses
//   to start until `kafkalite daemon check` finds the database intact: serving from (and writing into) a damaged
//   b-tree can only make the damage worse, and a client retrying would restart it in a loop.
import {dirname} from 'node:path'
import {CorruptDatabaseException, KafkaStorageException} from '../errors.js'

/** The failures of the storage the broker tells apart. */
export type StorageFailureKind = 'full' | 'io' | 'readonly' | 'corrupt'

/** A failure of the storage, as the broker reports it. */
export type StorageFailure = KafkaStorageException | CorruptDatabaseException

/** The kind of storage failure an SQLite error code (extended codes included) reports, or null for any other. */
export function storageFailureKind(code: string): StorageFailureKind | null {
  if (code === 'SQLITE_FULL') return 'full'
  if (code.startsWith('SQLITE_IOERR')) return 'io'
  if (code.startsWith('SQLITE_READONLY')) return 'readonly'
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt'
  return null
}

/** What to do about a damaged database at `dbPath`: one sentence, for every message that reports one. */
export function corruptionAdvice(dbPath: string): string {
  return `Run 'kafkalite daemon check' for details; then restore the home from a backup, or move the database away ('mv ${dbPath} ${dbPath}.damaged') to start an empty broker.`
}

/** The exception a failure of the database at `dbPath` becomes, or null when `error` is not one. */
export function storageException(error: unknown, dbPath: string): StorageFailure | null {
  if (error instanceof KafkaStorageException || error instanceof CorruptDatabaseException) return error
  const code = (error as {code?: unknown})?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null
  const kind = storageFailureKind(code)
  if (kind === null) return null
  const home = dirname(dbPath)
  if (kind === 'corrupt') {
    return new CorruptDatabaseException(
      `The database '${dbPath}' is damaged (${code}: ${(error as Error).message}). The daemon stops. ${corruptionAdvice(dbPath)}`,
      {cause: error},
    )
  }
  const message =
    kind === 'full'
      ? `The disk holding KAFKALITE_HOME '${home}' is full: kafkalite cannot write '${dbPath}'. Free space on that disk; writes resume by themselves.`
      : kind === 'io'
        ? `An I/O error (${code}) on '${dbPath}' in KAFKALITE_HOME '${home}': the disk or filesystem failed. Check it (dmesg), then retry.`
        : `The database '${dbPath}' cannot be written (${code}). Make KAFKALITE_HOME '${home}' writable, or use another home.`
  return new KafkaStorageException(message, {cause: error})
}

/** What was found damaged, in a few words (for the pid file's note): the SQLite error, or the check's first problem. */
export function damageOf(failure: CorruptDatabaseException): string {
  const cause = failure.cause as {code?: unknown; message?: unknown} | undefined
  if (typeof cause?.message !== 'string') return failure.message
  return typeof cause.code === 'string' ? `${cause.code}: ${cause.message}` : cause.message
}
