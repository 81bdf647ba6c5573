// What a failure of SQLite's storage means to the broker. SQLite reports a full disk, an I/O error or a read-only
// file as an error code; the broker turns it into Kafka's KAFKA_STORAGE_ERROR (KafkaStorageException), with a
// message that names the home and what to do, and keeps running: reads go on, and writes resume by themselves once
// the storage takes them again (Kafka marks a log directory offline instead; one broker with one database cannot).
import {dirname} from 'node:path'
import {KafkaStorageException} from '../errors.js'

/** The failures of the storage the broker tells apart. */
export type StorageFailureKind = 'full' | 'io' | 'readonly'

/** The kind of storage failure an SQLite error code (extended codes included) reports, or null for any other. */
export function storageFailureKind(code: string): StorageFailureKind | null {
  if (code === 'SQLITE_FULL') return 'full'
  if (code.startsWith('SQLITE_IOERR')) return 'io'
  if (code.startsWith('SQLITE_READONLY')) return 'readonly'
  return null
}

/** The KafkaStorageException a failure of the database at `dbPath` becomes, or null when `error` is not one. */
export function storageException(error: unknown, dbPath: string): KafkaStorageException | null {
  if (error instanceof KafkaStorageException) return error
  const code = (error as {code?: unknown})?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null
  const kind = storageFailureKind(code)
  if (kind === null) return null
  const home = dirname(dbPath)
  const message =
    kind === 'full'
      ? `The disk holding KAFKALITE_HOME '${home}' is full: kafkalite cannot write '${dbPath}'. Free space on that disk; writes resume by themselves.`
      : kind === 'io'
        ? `An I/O error (${code}) on '${dbPath}' in KAFKALITE_HOME '${home}': the disk or filesystem failed. Check it (dmesg), then retry.`
        : `The database '${dbPath}' cannot be written (${code}). Make KAFKALITE_HOME '${home}' writable, or use another home.`
  return new KafkaStorageException(message, {cause: error})
}
