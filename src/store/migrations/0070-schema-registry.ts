import type {Database} from 'better-sqlite3'

/**
 * The schema registry (Confluent's, served by the daemon): schemas by global id, each subject's versions of them
 * (soft-deleted ones kept until deleted permanently), the references a schema makes to other subjects' versions,
 * and compatibility and mode settings, global ('' as subject) and per subject.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE registry_schema (
      id          INTEGER PRIMARY KEY,   -- the global id; a schema keeps it for good
      schema_type TEXT    NOT NULL,      -- AVRO, JSON or PROTOBUF
      schema      TEXT    NOT NULL,      -- its canonical text, as served
      fingerprint TEXT    NOT NULL UNIQUE -- sha-256 of type, text and references: the same schema, the same id
    ) STRICT;
    CREATE TABLE registry_reference (
      schema_id INTEGER NOT NULL REFERENCES registry_schema(id),
      position  INTEGER NOT NULL,
      name      TEXT    NOT NULL,
      subject   TEXT    NOT NULL,
      version   INTEGER NOT NULL,
      PRIMARY KEY (schema_id, position)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX registry_reference_target ON registry_reference (subject, version);
    CREATE TABLE registry_version (
      subject       TEXT    NOT NULL,
      version       INTEGER NOT NULL,
      schema_id     INTEGER NOT NULL REFERENCES registry_schema(id),
      deleted       INTEGER NOT NULL DEFAULT 0,
      registered_at INTEGER NOT NULL,
      PRIMARY KEY (subject, version)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX registry_version_schema ON registry_version (schema_id);
    CREATE TABLE registry_config (
      subject       TEXT PRIMARY KEY,  -- '' for the global setting
      compatibility TEXT,
      mode          TEXT
    ) STRICT, WITHOUT ROWID;
  `)
}
