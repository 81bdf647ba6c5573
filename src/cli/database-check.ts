// What `kafkalite daemon check` prints: one sentence for an intact database, the problems SQLite found and what to do
// for a damaged one.
import type {DatabaseCheckData} from '../client/database-check.js'

/** The lines that report a check, for a terminal. */
export function describeCheck(r: DatabaseCheckData): string[] {
  if (!r.exists) return [`There is no database at ${r.database} yet: nothing to check.`]
  const size = `${(r.bytes / 1024 / 1024).toFixed(1)} MiB`
  const by = r.by === 'daemon' ? 'the running daemon' : 'no daemon running'
  if (r.intact) {
    return [`The database ${r.database} (${size}) is intact: ${r.check} found no problem in ${r.elapsedMs} ms (${by}).`]
  }
  return [
    `The database ${r.database} (${size}) is damaged: ${r.check} found ${r.problems.length === 100 ? 'at least 100' : r.problems.length} problem(s) (${by}):`,
    ...r.problems.map((p) => `  ${p}`),
    `The daemon does not start on it. Restore the home from a backup, or move the database away ('mv ${r.database} ${r.database}.damaged') to start an empty broker; 'sqlite3 ${r.database}.damaged .recover' may salvage records.`,
  ]
}
