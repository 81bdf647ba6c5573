// The schema registry's tables (migrations/0070-schema-registry.ts): one method per operation, statements prepared
// once. Kept out of store.ts, as the registry is its own domain; each method runs through Store.guarded, so a storage
// failure leaves it as the store's own methods' do (a StorageFailure that fails the unit of work).
import type {Statement} from 'better-sqlite3'
import type {Store} from './store.js'

/** A registered schema: its global id, type, canonical text and references. */
export interface RegistrySchemaRow {
  id: number
  schemaType: string
  schema: string
  references: RegistryReferenceRow[]
}

/** A reference a schema makes: its name in the schema, and the subject and version it names. */
export interface RegistryReferenceRow {
  name: string
  subject: string
  version: number
}

/** A subject's version. */
export interface RegistryVersionRow {
  subject: string
  version: number
  schemaId: number
  deleted: boolean
}

/** Compatibility and mode as set for a subject, or globally (subject ''); null where not set. */
export interface RegistryConfigRow {
  compatibility: string | null
  mode: string | null
}

interface VersionRecord {
  subject: string
  version: number
  schemaId: number
  deleted: number
}

export class SchemaStore {
  readonly #store: Store
  readonly #s: ReturnType<typeof prepare>

  constructor(store: Store) {
    this.#store = store
    this.#s = prepare(store)
  }

  /** The schema with this id, or undefined. */
  schemaById(id: number): RegistrySchemaRow | undefined {
    return this.#store.guarded(() => {
      const row = this.#s.schemaById.get(id) as Omit<RegistrySchemaRow, 'references'> | undefined
      return row && {...row, references: this.#s.referencesOf.all(id) as RegistryReferenceRow[]}
    })
  }

  /** The id of the schema with this fingerprint, or undefined. */
  schemaIdByFingerprint(fingerprint: string): number | undefined {
    return this.#store.guarded(() => (this.#s.schemaByFingerprint.get(fingerprint) as {id: number} | undefined)?.id)
  }

  /** Stores a new schema with its references; returns its id (`id`, or one more than the largest so far). */
  insertSchema(
    schemaType: string,
    schema: string,
    fingerprint: string,
    references: readonly RegistryReferenceRow[],
    id: number | null = null,
  ): number {
    return this.#store.guarded(() => {
      id = Number(this.#s.schemaInsert.run(id, schemaType, schema, fingerprint).lastInsertRowid)
      references.forEach((r, i) => this.#s.referenceInsert.run(id, i, r.name, r.subject, r.version))
      return id
    })
  }

  /** A subject's versions in order, soft-deleted ones included. */
  versions(subject: string): RegistryVersionRow[] {
    return this.#store.guarded(() => (this.#s.versionsOf.all(subject) as VersionRecord[]).map(toVersion))
  }

  /** Every version of every subject that uses the schema with this id, by subject and version. */
  versionsOfSchema(id: number): RegistryVersionRow[] {
    return this.#store.guarded(() => (this.#s.versionsOfSchema.all(id) as VersionRecord[]).map(toVersion))
  }

  /** Every subject's versions, by subject and version. */
  allVersions(): RegistryVersionRow[] {
    return this.#store.guarded(() => (this.#s.allVersions.all() as VersionRecord[]).map(toVersion))
  }

  /** The versions whose schemas reference this subject's version. */
  referencedBy(subject: string, version: number): RegistryVersionRow[] {
    return this.#store.guarded(() => (this.#s.referencedBy.all(subject, version) as VersionRecord[]).map(toVersion))
  }

  insertVersion(subject: string, version: number, schemaId: number, at: number): void {
    this.#store.guarded(() => this.#s.versionInsert.run(subject, version, schemaId, at))
  }

  /** Soft-deletes versions of a subject. */
  markDeleted(subject: string, versions: readonly number[]): void {
    this.#store.guarded(() => {
      for (const v of versions) this.#s.versionMarkDeleted.run(subject, v)
    })
  }

  /** Deletes versions of a subject for good. */
  deleteVersions(subject: string, versions: readonly number[]): void {
    this.#store.guarded(() => {
      for (const v of versions) this.#s.versionDelete.run(subject, v)
    })
  }

  /** The settings of a subject ('' for the global ones). */
  config(subject: string): RegistryConfigRow {
    return this.#store.guarded(
      () => (this.#s.configOf.get(subject) as RegistryConfigRow | undefined) ?? {compatibility: null, mode: null},
    )
  }

  /** The subjects with a setting of their own (not the global one). */
  configuredSubjects(): string[] {
    return this.#store.guarded(() => (this.#s.configuredSubjects.all() as {subject: string}[]).map((r) => r.subject))
  }

  /** Sets (a string) or clears (null) a subject's compatibility or mode; a row with neither is deleted. */
  setConfig(subject: string, field: 'compatibility' | 'mode', value: string | null): void {
    this.#store.guarded(() => {
      const current = this.config(subject)
      const next = {...current, [field]: value}
      if (next.compatibility === null && next.mode === null) this.#s.configDelete.run(subject)
      else this.#s.configUpsert.run(subject, next.compatibility, next.mode)
    })
  }
}

function toVersion(r: VersionRecord): RegistryVersionRow {
  return {subject: r.subject, version: r.version, schemaId: r.schemaId, deleted: r.deleted !== 0}
}

function prepare(store: Store) {
  const s = (sql: string): Statement => store.db.prepare(sql)
  const version = 'subject, version, schema_id AS schemaId, deleted'
  return {
    schemaById: s('SELECT id, schema_type AS schemaType, schema FROM registry_schema WHERE id = ?'),
    schemaByFingerprint: s('SELECT id FROM registry_schema WHERE fingerprint = ?'),
    schemaInsert: s('INSERT INTO registry_schema (id, schema_type, schema, fingerprint) VALUES (?, ?, ?, ?)'),
    referencesOf: s('SELECT name, subject, version FROM registry_reference WHERE schema_id = ? ORDER BY position'),
    referenceInsert: s(
      'INSERT INTO registry_reference (schema_id, position, name, subject, version) VALUES (?, ?, ?, ?, ?)',
    ),
    versionsOf: s(`SELECT ${version} FROM registry_version WHERE subject = ? ORDER BY version`),
    versionsOfSchema: s(`SELECT ${version} FROM registry_version WHERE schema_id = ? ORDER BY subject, version`),
    allVersions: s(`SELECT ${version} FROM registry_version ORDER BY subject, version`),
    referencedBy: s(
      `SELECT v.subject, v.version, v.schema_id AS schemaId, v.deleted FROM registry_reference r
       JOIN registry_version v ON v.schema_id = r.schema_id
       WHERE r.subject = ? AND r.version = ? ORDER BY v.subject, v.version`,
    ),
    versionInsert: s(
      'INSERT INTO registry_version (subject, version, schema_id, deleted, registered_at) VALUES (?, ?, ?, 0, ?)',
    ),
    versionMarkDeleted: s('UPDATE registry_version SET deleted = 1 WHERE subject = ? AND version = ?'),
    versionDelete: s('DELETE FROM registry_version WHERE subject = ? AND version = ?'),
    configOf: s('SELECT compatibility, mode FROM registry_config WHERE subject = ?'),
    configuredSubjects: s("SELECT subject FROM registry_config WHERE subject <> '' ORDER BY subject"),
    configUpsert: s(
      `INSERT INTO registry_config (subject, compatibility, mode) VALUES (?, ?, ?)
       ON CONFLICT (subject) DO UPDATE SET compatibility = excluded.compatibility, mode = excluded.mode`,
    ),
    configDelete: s('DELETE FROM registry_config WHERE subject = ?'),
  }
}
