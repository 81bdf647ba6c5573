import type {Database} from 'better-sqlite3'

/**
 * SASL/SCRAM users, as Kafka's controller keeps them (UserScramCredentialRecord): per user and mechanism, the salt,
 * StoredKey, ServerKey and iterations. The password itself is never stored.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE scram_credential (
      user        TEXT    NOT NULL,
      mechanism   TEXT    NOT NULL,  -- SCRAM-SHA-256 or SCRAM-SHA-512
      salt        BLOB    NOT NULL,
      stored_key  BLOB    NOT NULL,
      server_key  BLOB    NOT NULL,
      iterations  INTEGER NOT NULL,
      PRIMARY KEY (user, mechanism)
    ) STRICT, WITHOUT ROWID;
  `)
}
