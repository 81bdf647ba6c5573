import type {Database} from 'better-sqlite3'

/**
 * Large batches are stored in parts. SQLite copies a bound blob and then builds the row around it, and copies a read
 * blob once more into the buffer it returns, so a 90 MiB batch in one row cost the daemon about twice its size on
 * each write and read. A batch larger than a part keeps its first part in `batch.bytes` and the rest in `batch_part`,
 * in order; deleting the batch deletes its parts.
 */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE batch ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;  -- rows of batch_part after the first part

    CREATE TABLE batch_part (
      topic        INTEGER NOT NULL,
      partition    INTEGER NOT NULL,
      last_offset  INTEGER NOT NULL,
      part         INTEGER NOT NULL,  -- 1, 2, ...: the batch's first part is batch.bytes
      bytes        BLOB    NOT NULL,
      FOREIGN KEY (topic, partition, last_offset) REFERENCES batch (topic, partition, last_offset) ON DELETE CASCADE
    ) STRICT;
    CREATE UNIQUE INDEX batch_part_by_batch ON batch_part (topic, partition, last_offset, part);
  `)
}
