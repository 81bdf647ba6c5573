import type {Database} from 'better-sqlite3'

/** Consumer groups (the coordinator's view of members and assignments) and their committed offsets. */
export function up(db: Database): void {
  db.exec(`
    -- One row per group: what the coordinator needs to resume after a restart. Members and their assignments are
    -- small JSON documents; the group is rewritten on each membership change, not on heartbeats.
    CREATE TABLE consumer_group (
      group_id       TEXT    PRIMARY KEY,
      protocol_type  TEXT    NOT NULL DEFAULT '',
      protocol       TEXT    NOT NULL DEFAULT '',
      generation     INTEGER NOT NULL DEFAULT 0,
      leader         TEXT    NOT NULL DEFAULT '',
      state          TEXT    NOT NULL,
      members        TEXT    NOT NULL DEFAULT '[]',
      updated_at     INTEGER NOT NULL
    ) STRICT;

    -- Kafka's committed offsets (what __consumer_offsets holds): by group, topic name and partition.
    CREATE TABLE group_offset (
      group_id          TEXT    NOT NULL,
      topic             TEXT    NOT NULL,
      partition         INTEGER NOT NULL,
      committed_offset  INTEGER NOT NULL,
      leader_epoch      INTEGER NOT NULL DEFAULT -1,
      metadata          TEXT    NOT NULL DEFAULT '',
      commit_timestamp  INTEGER NOT NULL,
      PRIMARY KEY (group_id, topic, partition)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX group_offset_by_topic ON group_offset (topic);
  `)
}
