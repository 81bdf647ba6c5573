import type {Database} from 'better-sqlite3'

/** Idempotent and transactional producers: producer ids, per-partition producer state, transactions, aborted ones. */
export function up(db: Database): void {
  db.exec(`
    -- Small counters and facts of the broker (the next producer id).
    CREATE TABLE broker_meta (
      name   TEXT    PRIMARY KEY,
      value  INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;

    -- What a partition knows of each producer that wrote to it (Kafka's producer state snapshot): the epoch and last
    -- sequence for duplicate and order checks, the batches it remembers for duplicates, and the first offset of the
    -- producer's open transaction (-1 when none is), which holds back the last stable offset.
    CREATE TABLE producer_state (
      topic              INTEGER NOT NULL,
      partition          INTEGER NOT NULL,
      producer_id        INTEGER NOT NULL,
      producer_epoch     INTEGER NOT NULL,
      last_sequence      INTEGER NOT NULL,
      last_offset        INTEGER NOT NULL,
      last_timestamp     INTEGER NOT NULL,
      coordinator_epoch  INTEGER NOT NULL DEFAULT -1,
      txn_first_offset   INTEGER NOT NULL DEFAULT -1,
      recent_batches     TEXT    NOT NULL DEFAULT '[]',  -- JSON: [firstSeq, lastSeq, baseOffset, timestamp] x <= 5
      PRIMARY KEY (topic, partition, producer_id),
      FOREIGN KEY (topic, partition) REFERENCES topic_partition (topic, partition) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    -- Kafka's transaction index: the aborted transactions of a partition, for read_committed fetches.
    CREATE TABLE aborted_txn (
      topic         INTEGER NOT NULL,
      partition     INTEGER NOT NULL,
      producer_id   INTEGER NOT NULL,
      first_offset  INTEGER NOT NULL,
      last_offset   INTEGER NOT NULL,  -- the offset of the ABORT marker
      PRIMARY KEY (topic, partition, last_offset),
      FOREIGN KEY (topic, partition) REFERENCES topic_partition (topic, partition) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    -- The transaction coordinator's state (what __transaction_state holds): one row per transactional id.
    CREATE TABLE txn (
      transactional_id  TEXT    PRIMARY KEY,
      producer_id       INTEGER NOT NULL,
      producer_epoch    INTEGER NOT NULL,
      timeout_ms        INTEGER NOT NULL,
      state             TEXT    NOT NULL,
      partitions        TEXT    NOT NULL DEFAULT '[]',  -- JSON: [topic, partition] of the open transaction
      pending_offsets   TEXT    NOT NULL DEFAULT '[]',  -- JSON: group offsets committed with the transaction
      start_time        INTEGER NOT NULL DEFAULT -1,
      updated_at        INTEGER NOT NULL
    ) STRICT;
  `)
}
