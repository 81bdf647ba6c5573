import type {Database} from 'better-sqlite3'

/**
 * The lag viewer's history: samples of each partition's log end (offset, time), which turn a committed offset into
 * a time (lag in seconds, as kafka-lag-exporter interpolates) and give produce rates, and each group's last commits
 * per partition (Burrow's sliding window). Bounded per partition and pruned as new samples arrive.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE log_sample (
      topic      TEXT    NOT NULL,
      partition  INTEGER NOT NULL,
      ts         INTEGER NOT NULL,
      end_offset INTEGER NOT NULL,
      PRIMARY KEY (topic, partition, ts)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE commit_sample (
      group_id   TEXT    NOT NULL,
      topic      TEXT    NOT NULL,
      partition  INTEGER NOT NULL,
      ts         INTEGER NOT NULL,
      committed  INTEGER NOT NULL,
      end_offset INTEGER NOT NULL,  -- the log end when the commit was made: the lag at that commit
      PRIMARY KEY (group_id, topic, partition, ts)
    ) STRICT, WITHOUT ROWID;
  `)
}
