import type {Database} from 'better-sqlite3'

/** Topics, their partitions and the log, stored as Kafka stores it: one row per record batch. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE topic (
      id          INTEGER PRIMARY KEY,
      name        TEXT    NOT NULL UNIQUE,
      topic_id    TEXT    NOT NULL UNIQUE,          -- Kafka's topic id: a UUID in URL-safe base64
      partitions  INTEGER NOT NULL CHECK (partitions >= 1),
      configs     TEXT    NOT NULL DEFAULT '{}',    -- topic-level overrides: a JSON object of strings
      created_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE topic_partition (
      topic             INTEGER NOT NULL REFERENCES topic (id) ON DELETE CASCADE,
      partition         INTEGER NOT NULL,
      log_start_offset  INTEGER NOT NULL DEFAULT 0,
      next_offset       INTEGER NOT NULL DEFAULT 0,  -- log end offset; with one broker it is also the high watermark
      PRIMARY KEY (topic, partition)
    ) STRICT, WITHOUT ROWID;

    -- One row per appended RecordBatch v2, holding the batch's bytes as the producer encoded them (with the base
    -- offset the broker assigned), so a fetch returns stored bytes without re-encoding.
    CREATE TABLE batch (
      topic            INTEGER NOT NULL,
      partition        INTEGER NOT NULL,
      base_offset      INTEGER NOT NULL,
      last_offset      INTEGER NOT NULL,
      first_timestamp  INTEGER NOT NULL,
      max_timestamp    INTEGER NOT NULL,
      producer_id      INTEGER NOT NULL,
      producer_epoch   INTEGER NOT NULL,
      base_sequence    INTEGER NOT NULL,
      attributes       INTEGER NOT NULL,
      record_count     INTEGER NOT NULL,
      bytes            BLOB    NOT NULL,
      FOREIGN KEY (topic, partition) REFERENCES topic_partition (topic, partition) ON DELETE CASCADE
    ) STRICT;
    -- Fetch looks up the first batch whose last offset is at or past the fetch offset.
    CREATE UNIQUE INDEX batch_by_last_offset ON batch (topic, partition, last_offset);
  `)
}
