// Writes lost with the write-ahead log. After a crash, SQLite replays the write-ahead log (kafkalite.db-wal) over the
// database file; a log that was deleted, truncated or damaged in between is replayed up to its last intact commit,
// silently: the broker comes back as it was at that commit. SQLite cannot tell, since it keeps no record of what the
// log held. The daemon can: after every commit that wrote, it notes in its pid file the number of partitions and
// the sum of their log end offsets (a pwrite, not synced); the next start, when the pid file is still there (the
// stop was not clean), compares the database with that note.
//
// What this finds: acknowledged records (and topic or partition creations) missing from the database, whatever
// lost them, provided the note itself survived (a kill -9 or a crash keeps it: it is in the page cache; a power loss
// may take it too, and then the comparison sees less than was lost, or nothing). What it does not find: lost commits
// that leave the log's ends unchanged (committed offsets, transaction states, config changes, deletions), losses after
// a clean stop (there are none: the log was checkpointed into the database and removed), and which partitions lost
// what (the note is one sum, so that writing it costs nothing).
import {existsSync, statSync} from 'node:fs'
import type {Logger} from '../broker/logger.js'
import type {Store} from '../store/store.js'
import type {LogEnds, PidNotes} from './pid-file.js'

/** The log's ends as stored: the database's side of the comparison. */
export function storedLogEnds(store: Store): LogEnds {
  let logEnd = 0
  const partitions = store.listPartitions()
  for (const p of partitions) logEnd += p.nextOffset
  return {partitions: partitions.length, logEnd}
}

/** What the write-ahead log looks like before SQLite opens (and replays, and recreates) it: for the messages. */
export function walState(db: string): string {
  const wal = `${db}-wal`
  return existsSync(wal) ? `${statSync(wal).size} bytes` : 'missing'
}

/**
 * Compares the database, just opened, with what the last daemon acknowledged (`previous`: its pid file, null after a
 * clean stop), and logs what is missing; `walBefore` is walState() before the database was opened. Returns the number
 * of records known to be missing (0 when none, or when nothing can be known).
 */
export function checkAcknowledged(
  previous: PidNotes | null,
  stored: LogEnds,
  db: string,
  walBefore: string,
  log: Logger,
): number {
  const acked = previous?.acked
  if (acked === undefined) return 0 // a clean stop, or a daemon that wrote nothing
  const wal = `${db}-wal`
  const when = new Date(acked.at).toISOString()
  const missingRecords = acked.logEnd - stored.logEnd
  const missingPartitions = acked.partitions - stored.partitions
  if (missingRecords > 0 || missingPartitions > 0) {
    log.warn(
      `the database holds less than the last daemon acknowledged before it stopped uncleanly: ` +
        `${stored.partitions} partition(s) whose log ends add up to ${stored.logEnd}, where it had acknowledged ` +
        `${acked.partitions} adding up to ${acked.logEnd} (at ${when}). At least ${Math.max(0, missingRecords)} ` +
        `acknowledged record(s)${missingPartitions > 0 ? ` and ${missingPartitions} partition(s)` : ''} are gone: the ` +
        `write-ahead log ${wal} (${walBefore} at this start) was deleted, truncated or damaged, or the database file was replaced ` +
        `by an older copy.`,
    )
    return Math.max(0, missingRecords)
  }
  if (missingRecords < 0 || missingPartitions < 0) {
    // More than the note says: the note lost its last writes (a power loss), not the database.
    log.info(
      `the database holds more than the last daemon's note says (log ends ${stored.logEnd}, noted ${acked.logEnd})`,
    )
    return 0
  }
  log.info(
    `the last daemon did not stop cleanly; the database holds every write it acknowledged (${stored.partitions} partition(s), log ends adding up to ${stored.logEnd})`,
  )
  return 0
}
