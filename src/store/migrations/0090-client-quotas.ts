import type {Database} from 'better-sqlite3'

/**
 * Client quotas, as Kafka's controller keeps them (ClientQuotaRecord): per entity and quota key a value. An entity
 * is a user, a client id, or a user with a client id; either may be the default (Kafka's `<default>`). Kafka refuses
 * empty names, so '' stands for the default and NULL for a part the entity does not have.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE client_quota (
      user       TEXT,           -- the user principal; '' the default user; NULL: the entity has no user
      client_id  TEXT,           -- the client id; '' the default client id; NULL: the entity has no client id
      quota_key  TEXT NOT NULL,  -- producer_byte_rate, consumer_byte_rate, request_percentage, controller_mutation_rate
      value      REAL NOT NULL,
      CHECK (user IS NOT NULL OR client_id IS NOT NULL)
    ) STRICT;
    -- One value per entity and key (a UNIQUE index of the columns themselves would let NULLs repeat), and lookups.
    CREATE UNIQUE INDEX client_quota_entity_key
      ON client_quota (user IS NULL, ifnull(user, ''), client_id IS NULL, ifnull(client_id, ''), quota_key);
    CREATE INDEX client_quota_lookup ON client_quota (user, client_id, quota_key);
  `)
}
