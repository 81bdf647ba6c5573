import type {Database} from 'better-sqlite3'

/**
 * What retention and compaction need (Kafka's log segments and cleaner checkpoint):
 *
 * - `segment`: the log of each partition is cut into segments as Kafka cuts it (segment.bytes, segment.ms), so that
 *   retention deletes what Kafka would delete and no sooner (whole segments), and the cleaner leaves the active
 *   segment alone. The batches stay in `batch`; a segment is the range from its base offset to the next segment's.
 *   `size` and `max_timestamp` are final once a later segment exists. The active segment's are kept in memory and
 *   checkpointed every second with `stats_end`, the log end they cover: a start reads only the batches after it.
 * - `topic_partition.clean_offset`: Kafka's cleaner-offset-checkpoint, the first offset not yet compacted.
 * - `batch.delete_horizon`: Kafka's deleteHorizonMs (KIP-534): when the cleaner may drop the batch's tombstones or
 *   transaction marker; -1 until a cleaner pass has set it.
 *
 * - `broker_config`: Kafka's dynamic broker configs (kafka-configs --entity-type brokers), set at run time: for this
 *   broker (`broker` is its node id) or for every broker (`broker` is '', --entity-default).
 *
 * Existing logs become one segment per partition, starting at the log start offset.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE segment (
      topic          INTEGER NOT NULL,
      partition      INTEGER NOT NULL,
      base_offset    INTEGER NOT NULL,
      created_at     INTEGER NOT NULL,              -- ms: when it was rolled (segment.ms counts from its first batch)
      size           INTEGER NOT NULL DEFAULT 0,    -- bytes of its batches
      max_timestamp  INTEGER NOT NULL DEFAULT -1,   -- the largest record timestamp in it (retention.ms)
      roll_timestamp INTEGER NOT NULL DEFAULT -1,   -- the largest timestamp of its first batch (segment.ms)
      stats_end      INTEGER NOT NULL DEFAULT 0,    -- the active segment: size and timestamps cover offsets below it
      PRIMARY KEY (topic, partition, base_offset),
      FOREIGN KEY (topic, partition) REFERENCES topic_partition (topic, partition) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    INSERT INTO segment (topic, partition, base_offset, created_at)
      SELECT topic, partition, log_start_offset, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM topic_partition;

    CREATE TABLE broker_config (
      broker  TEXT NOT NULL,
      name    TEXT NOT NULL,
      value   TEXT NOT NULL,
      PRIMARY KEY (broker, name)
    ) STRICT, WITHOUT ROWID;

    ALTER TABLE topic_partition ADD COLUMN clean_offset INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE batch ADD COLUMN delete_horizon INTEGER NOT NULL DEFAULT -1;
  `)
}
