// The schema registry's rules, as Confluent Schema Registry (KafkaSchemaRegistry, AbstractSchemaRegistry) has them:
// global ids (the same schema registered again, under any subject, gets the same id), versions per subject, soft
// and permanent deletes (permanent only after soft), compatibility levels checked against the versions a level
// names, modes, and references between schemas. State is in the daemon's SQLite (store/schema-store.ts); every
// operation runs synchronously inside the front end's unit of work, so two registrations of one schema, however
// close, yield one id.
import {createHash} from 'node:crypto'
import type {Store} from '../../store/store.js'
import {SchemaStore, type RegistryReferenceRow, type RegistryVersionRow} from '../../store/schema-store.js'
import * as E from './errors.js'
import {
  formatPrefixes,
  parseSchema,
  SchemaParseError,
  type ParsedSchema,
  type ResolvedReference,
  type SchemaType,
} from './formats/index.js'

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number]
export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const
export type Mode = (typeof MODES)[number]

const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD'
const DEFAULT_MODE: Mode = 'READWRITE'
const GLOBAL = ''
/** Parsed schemas kept by id, for compatibility checks and references. */
const PARSED_CACHE = 1000

/** What a client sends to register, look up or check a schema (Confluent's RegisterSchemaRequest). */
export interface SchemaRequest {
  schema: string
  schemaType: SchemaType
  references: RegistryReferenceRow[]
  /** IMPORT mode: the id and version to register the schema with. */
  id?: number
  version?: number
}

/** Confluent's Schema entity: a subject's version of a schema. */
export interface SchemaEntity {
  subject: string
  version: number
  id: number
  schemaType?: SchemaType
  references?: RegistryReferenceRow[]
  schema: string
}

/** "latest" (or -1) is the latest version. */
export type VersionId = number | 'latest'

export class SchemaRegistry {
  readonly #store: SchemaStore
  readonly #now: () => number
  readonly #parsed = new Map<number, ParsedSchema>()
  /**
   * Schemas parsed from requests, by type, text and resolved references: a producer's lookup of its schema (POST
   * /subjects/{s}) is then a map hit and two indexed reads, not a parse (avsc compiles a type's codecs).
   */
  readonly #parsedText = new Map<string, ParsedSchema>()

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = new SchemaStore(store)
    this.#now = now
  }

  // ---- schemas ----------------------------------------------------------------------------------------------------

  /** POST /subjects/{subject}/versions: the id (and version) of the schema, registered if it was not. */
  register(subject: string, request: SchemaRequest, normalize: boolean): SchemaEntity {
    validSubject(subject)
    const mode = this.modeInScope(subject)
    const context = `Subject ${subject} in context . is`
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE')
      throw E.operationNotPermitted(`${context} in read-only mode`)
    const importing = request.id !== undefined && request.id >= 0
    if (importing && mode !== 'IMPORT') throw E.operationNotPermitted(`${context} not in import mode`)
    if (!importing && mode !== 'READWRITE') throw E.operationNotPermitted(`${context} not in read-write mode`)

    const references = this.#references(request.references)
    const parsed = this.#parse(request.schemaType, request.schema, references.resolved, normalize)
    const fingerprint = fingerprintOf(parsed, references.rows)
    const existingId = this.#store.schemaIdByFingerprint(fingerprint)
    if (importing && existingId !== undefined && existingId !== request.id) {
      throw E.idDoesNotMatch(`Schema already registered with id ${existingId} instead of input id ${request.id}`)
    }
    const versions = this.#store.versions(subject)
    const live = versions.filter((v) => !v.deleted)
    if (existingId !== undefined && request.version === undefined) {
      const registered = live.find((v) => v.schemaId === existingId)
      if (registered) return this.#entity(subject, registered.version, existingId)
    }
    if (mode !== 'IMPORT') {
      const messages = this.#incompatibilities(subject, parsed, live)
      if (messages.length > 0) {
        throw E.incompatibleSchema(
          `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`,
        )
      }
    }
    const next = Math.max(0, ...versions.map((v) => v.version)) + 1
    let version = next
    if (request.version !== undefined && request.version > 0) {
      if (mode !== 'IMPORT' && request.version !== next) {
        throw E.invalidSchema('Version is not one more than previous version')
      }
      if (versions.some((v) => v.version === request.version)) {
        throw E.invalidSchema(`Version ${request.version} of subject '${subject}' already exists`)
      }
      version = request.version
    }
    let id = existingId
    if (id === undefined) {
      if (importing && this.#store.schemaById(request.id!) !== undefined) {
        throw E.idDoesNotMatch(`Overwrite new schema with id ${request.id} is not permitted.`)
      }
      id = this.#store.insertSchema(parsed.type, parsed.canonical, fingerprint, references.rows, request.id)
      this.#remember(id, parsed)
    }
    // As Confluent: a soft-deleted earlier version of the same schema is dropped when it comes back as a new version.
    const stale = versions.filter((v) => v.deleted && v.schemaId === id && v.version < version)
    const dropped = stale.filter((v) => this.#store.referencedBy(subject, v.version).length === 0)
    this.#store.deleteVersions(
      subject,
      dropped.map((v) => v.version),
    )
    this.#store.insertVersion(subject, version, id, this.#now())
    return this.#entity(subject, version, id)
  }

  /** POST /subjects/{subject}: the subject's version of this schema, if it has one. */
  lookup(subject: string, request: SchemaRequest, normalize: boolean, deleted: boolean): SchemaEntity {
    const references = this.#references(request.references)
    const parsed = this.#parse(request.schemaType, request.schema, references.resolved, normalize)
    const id = this.#store.schemaIdByFingerprint(fingerprintOf(parsed, references.rows))
    const versions = this.#store.versions(subject).filter((v) => deleted || !v.deleted)
    const match = versions.filter((v) => v.schemaId === id).at(-1)
    if (match) return this.#entity(subject, match.version, match.schemaId)
    if (versions.length === 0) throw E.subjectNotFound(subject)
    throw E.schemaNotFound()
  }

  /** GET /subjects/{subject}/versions/{version}. */
  version(subject: string, versionId: VersionId, deleted: boolean): SchemaEntity {
    const found = this.#find(subject, versionId, deleted)
    if (!found) {
      if (!this.#store.versions(subject).some((v) => deleted || !v.deleted)) throw E.subjectNotFound(subject)
      throw E.versionNotFound(versionId === 'latest' ? -1 : versionId)
    }
    return this.#entity(subject, found.version, found.schemaId)
  }

  /** GET /subjects/{subject}/versions: version numbers, soft-deleted ones with `deleted` (only them: `deletedOnly`). */
  versions(subject: string, filter: {deleted?: boolean; deletedOnly?: boolean; deletedAsNegative?: boolean}): number[] {
    const all = this.#store.versions(subject)
    const any = filter.deleted || filter.deletedOnly || filter.deletedAsNegative
    if (!all.some((v) => any || !v.deleted)) throw E.subjectNotFound(subject)
    if (filter.deletedAsNegative) return all.map((v) => (v.deleted ? -v.version : v.version))
    if (filter.deletedOnly) return all.filter((v) => v.deleted).map((v) => v.version)
    return all.filter((v) => filter.deleted || !v.deleted).map((v) => v.version)
  }

  /** GET /subjects/{subject}/versions/{version}/referencedby: ids of the schemas that reference that version. */
  referencedBy(subject: string, versionId: VersionId): number[] {
    const found = this.#find(subject, versionId, true)
    if (!found) throw this.#missing(subject, versionId)
    const rows = this.#store.referencedBy(subject, found.version).filter((v) => !v.deleted)
    return [...new Set(rows.map((v) => v.schemaId))].sort((a, b) => a - b)
  }

  /** GET /subjects: subject names, sorted. */
  subjects(filter: {prefix?: string; deleted?: boolean; deletedOnly?: boolean}): string[] {
    const live = new Set<string>()
    const dead = new Set<string>()
    for (const v of this.#store.allVersions()) (v.deleted ? dead : live).add(v.subject)
    let names: string[]
    if (filter.deletedOnly) names = [...dead].filter((s) => !live.has(s))
    else if (filter.deleted) names = [...new Set([...live, ...dead])]
    else names = [...live]
    const prefix = filter.prefix ?? ''
    return names.filter((s) => s.startsWith(prefix)).sort()
  }

  /** GET /schemas: the subjects' versions, as Schema entities (latest only with `latestOnly`). */
  schemas(filter: {prefix?: string; deleted?: boolean; latestOnly?: boolean}): SchemaEntity[] {
    const rows = this.#store
      .allVersions()
      .filter((v) => (filter.deleted || !v.deleted) && v.subject.startsWith(filter.prefix ?? ''))
    const chosen = filter.latestOnly ? rows.filter((v, i) => rows[i + 1]?.subject !== v.subject) : rows
    return chosen.map((v) => this.#entity(v.subject, v.version, v.schemaId))
  }

  /** GET /schemas/ids/{id}: the schema, while a version (soft-deleted or not) uses it. */
  schemaById(id: number): {schemaType?: SchemaType; schema: string; references?: RegistryReferenceRow[]} {
    const row = this.#store.schemaById(id)
    if (!row || this.#store.versionsOfSchema(id).length === 0) throw E.schemaNotFound(id)
    return typedSchema(row)
  }

  /** GET /schemas/ids/{id}/versions (and /subjects): where the schema is used. */
  usesOfSchema(id: number, deleted: boolean, subject?: string): RegistryVersionRow[] {
    const uses = this.#store
      .versionsOfSchema(id)
      .filter((v) => (deleted || !v.deleted) && (subject === undefined || v.subject === subject))
    if (uses.length === 0) throw E.schemaNotFound()
    return uses
  }

  // ---- deletes ----------------------------------------------------------------------------------------------------

  /** DELETE /subjects/{subject}/versions/{version}: soft, or permanent after soft; returns the version. */
  deleteVersion(subject: string, versionId: VersionId, permanent: boolean): number {
    const versions = this.#store.versions(subject)
    if (versionId !== 'latest') {
      const exact = versions.find((v) => v.version === versionId)
      if (exact?.deleted && !permanent) throw E.versionSoftDeleted(subject, exact.version)
    }
    const found = this.#find(subject, versionId, permanent)
    if (!found) {
      if (versions.length === 0) throw E.subjectNotFound(subject)
      throw E.versionNotFound(versionId === 'latest' ? -1 : versionId)
    }
    this.#writable(subject)
    if (this.#store.referencedBy(subject, found.version).some((v) => permanent || !v.deleted)) {
      throw E.referenceExists(subject, found.version)
    }
    if (permanent && !found.deleted) throw E.versionNotSoftDeleted(subject, found.version)
    if (!permanent) {
      this.#store.markDeleted(subject, [found.version])
    } else {
      this.#store.deleteVersions(subject, [found.version])
      if (this.#store.versions(subject).length === 0) this.#forgetSettings(subject)
    }
    return found.version
  }

  /** DELETE /subjects/{subject}: every version, soft, or permanent after soft; returns the versions. */
  deleteSubject(subject: string, permanent: boolean): number[] {
    const versions = this.#store.versions(subject)
    if (versions.length === 0) throw E.subjectNotFound(subject)
    if (!permanent && versions.every((v) => v.deleted)) throw E.subjectSoftDeleted(subject)
    this.#writable(subject)
    const doomed = versions.filter((v) => permanent || !v.deleted)
    for (const v of doomed) {
      const others = this.#store
        .referencedBy(subject, v.version)
        .filter((r) => r.subject !== subject && (permanent || !r.deleted))
      if (others.length > 0) throw E.referenceExists(subject, v.version)
      if (permanent && !v.deleted) throw E.subjectNotSoftDeleted(subject)
    }
    const numbers = doomed.map((v) => v.version)
    if (permanent) {
      this.#store.deleteVersions(subject, [...numbers].reverse())
      this.#forgetSettings(subject)
    } else {
      this.#store.markDeleted(subject, numbers)
    }
    return numbers
  }

  // ---- compatibility ------------------------------------------------------------------------------------------------

  /**
   * POST /compatibility/subjects/{subject}/versions[/{version}]: Confluent's messages (empty: compatible), checked
   * against that version, or (no version) every live version the subject's level names.
   */
  testCompatibility(
    subject: string,
    versionId: VersionId | undefined,
    request: SchemaRequest,
    normalize: boolean,
  ): string[] {
    let against: RegistryVersionRow[]
    if (versionId === undefined) {
      against = this.#store.versions(subject).filter((v) => !v.deleted)
    } else {
      const found = this.#find(subject, versionId, false)
      if (!found && versionId !== 'latest') throw E.versionNotFound(versionId)
      against = found ? [found] : []
    }
    const references = this.#references(request.references)
    const parsed = this.#parse(request.schemaType, request.schema, references.resolved, normalize)
    return this.#incompatibilities(subject, parsed, against)
  }

  /** The subject's compatibility level, else the global one. */
  compatibilityInScope(subject: string): CompatibilityLevel {
    return (this.#store.config(subject).compatibility ??
      this.#store.config(GLOBAL).compatibility ??
      DEFAULT_COMPATIBILITY) as CompatibilityLevel
  }

  /** GET /config[/{subject}]: null when the subject has no level of its own (and `defaultToGlobal` is off). */
  compatibility(subject: string | null, defaultToGlobal: boolean): CompatibilityLevel | null {
    if (subject === null) {
      return (this.#store.config(GLOBAL).compatibility ?? DEFAULT_COMPATIBILITY) as CompatibilityLevel
    }
    const own = this.#store.config(subject).compatibility as CompatibilityLevel | null
    return own ?? (defaultToGlobal ? this.compatibilityInScope(subject) : null)
  }

  /** PUT /config[/{subject}]. */
  setCompatibility(subject: string | null, level: CompatibilityLevel): void {
    if (subject !== null) validSubject(subject, true)
    this.#store.setConfig(subject ?? GLOBAL, 'compatibility', level)
  }

  /** DELETE /config[/{subject}]: the level it had (the global one goes back to BACKWARD). */
  deleteCompatibility(subject: string | null): CompatibilityLevel {
    const had = this.compatibility(subject, false)
    if (had === null) throw E.subjectNotFound(subject!)
    this.#store.setConfig(subject ?? GLOBAL, 'compatibility', null)
    return had
  }

  // ---- modes ----------------------------------------------------------------------------------------------------------

  modeInScope(subject: string): Mode {
    return (this.#store.config(subject).mode ?? this.#store.config(GLOBAL).mode ?? DEFAULT_MODE) as Mode
  }

  /** GET /mode[/{subject}]: null when the subject has no mode of its own (and `defaultToGlobal` is off). */
  mode(subject: string | null, defaultToGlobal: boolean): Mode | null {
    if (subject === null) return (this.#store.config(GLOBAL).mode ?? DEFAULT_MODE) as Mode
    const own = this.#store.config(subject).mode as Mode | null
    return own ?? (defaultToGlobal ? this.modeInScope(subject) : null)
  }

  /** PUT /mode[/{subject}]: IMPORT only where no subject has live versions, unless `force`. */
  setMode(subject: string | null, mode: Mode, force: boolean): void {
    if (subject !== null) validSubject(subject, true)
    const current = subject === null ? this.mode(null, true)! : this.modeInScope(subject)
    if (mode === 'IMPORT' && current !== 'IMPORT' && !force) {
      const live =
        subject === null ? this.subjects({}).length > 0 : this.#store.versions(subject).some((v) => !v.deleted)
      if (live) throw E.operationNotPermitted('Cannot import since found existing subjects')
    }
    this.#store.setConfig(subject ?? GLOBAL, 'mode', mode)
  }

  /** DELETE /mode[/{subject}]: the mode it had (the global one goes back to READWRITE). */
  deleteMode(subject: string | null): Mode {
    const had = this.mode(subject, false)
    if (had === null) throw E.subjectNotFound(subject!)
    this.#store.setConfig(subject ?? GLOBAL, 'mode', null)
    return had
  }

  // ---- inside -----------------------------------------------------------------------------------------------------

  #find(subject: string, versionId: VersionId, deleted: boolean): RegistryVersionRow | undefined {
    const versions = this.#store.versions(subject).filter((v) => deleted || !v.deleted)
    if (versionId === 'latest') return versions.at(-1)
    return versions.find((v) => v.version === versionId)
  }

  #missing(subject: string, versionId: VersionId): E.RegistryError {
    if (this.#store.versions(subject).length === 0) return E.subjectNotFound(subject)
    return E.versionNotFound(versionId === 'latest' ? -1 : versionId)
  }

  #writable(subject: string): void {
    const mode = this.modeInScope(subject)
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') {
      throw E.operationNotPermitted(`Subject ${subject} in context . is in read-only mode`)
    }
  }

  #forgetSettings(subject: string): void {
    this.#store.setConfig(subject, 'compatibility', null)
    this.#store.setConfig(subject, 'mode', null)
  }

  #entity(subject: string, version: number, id: number): SchemaEntity {
    const row = this.#store.schemaById(id)!
    const out: SchemaEntity = {subject, version, id, ...typedSchema(row)}
    // Confluent's field order: subject, version, id, schemaType, references, schema.
    return {
      subject: out.subject,
      version: out.version,
      id: out.id,
      ...(out.schemaType ? {schemaType: out.schemaType} : {}),
      ...(out.references ? {references: out.references} : {}),
      schema: out.schema,
    }
  }

  #parse(type: SchemaType, text: string, references: ResolvedReference[], normalize: boolean): ParsedSchema {
    const key = `${type}\0${normalize ? 1 : 0}\0${JSON.stringify(references)}\0${text}`
    const cached = this.#parsedText.get(key)
    if (cached) return cached
    try {
      const parsed = parseSchema(type, text, references, normalize)
      if (this.#parsedText.size >= PARSED_CACHE) this.#parsedText.delete(this.#parsedText.keys().next().value!)
      this.#parsedText.set(key, parsed)
      return parsed
    } catch (error) {
      if (error instanceof SchemaParseError) {
        throw E.invalidSchema(
          error.message === 'Empty schema'
            ? 'Empty schema'
            : `Invalid schema of type ${type}, details: ${error.message}`,
        )
      }
      throw error
    }
  }

  /** A stored schema, parsed (cached by id). */
  #parsedById(id: number): ParsedSchema {
    const cached = this.#parsed.get(id)
    if (cached) return cached
    const row = this.#store.schemaById(id)!
    const parsed = parseSchema(row.schemaType as SchemaType, row.schema, this.#resolve(row.references, 0), false)
    this.#remember(id, parsed)
    return parsed
  }

  #remember(id: number, parsed: ParsedSchema): void {
    if (this.#parsed.size >= PARSED_CACHE) this.#parsed.delete(this.#parsed.keys().next().value!)
    this.#parsed.set(id, parsed)
  }

  /** A request's references: version -1 (latest) fixed to the version it names, and their schemas resolved. */
  #references(refs: readonly RegistryReferenceRow[]): {rows: RegistryReferenceRow[]; resolved: ResolvedReference[]} {
    const rows = refs.map((r) => {
      const found = this.#find(r.subject, r.version === -1 ? 'latest' : r.version, true)
      if (!found) {
        throw E.invalidSchema(
          `Invalid schema: reference '${r.name}' names subject '${r.subject}' version ${r.version}, which is not registered`,
        )
      }
      return {name: r.name, subject: r.subject, version: found.version}
    })
    return {rows, resolved: this.#resolve(rows, 0)}
  }

  #resolve(refs: readonly RegistryReferenceRow[], depth: number): ResolvedReference[] {
    if (depth > 32) throw E.invalidSchema('Invalid schema: references nest more than 32 deep')
    return refs.map((r) => {
      const found = this.#find(r.subject, r.version, true)
      const row = found && this.#store.schemaById(found.schemaId)
      if (!row) {
        throw E.invalidSchema(
          `Invalid schema: reference '${r.name}' names subject '${r.subject}' version ${r.version}, which is not registered`,
        )
      }
      return {name: r.name, schema: row.schema, references: this.#resolve(row.references, depth + 1)}
    })
  }

  /**
   * Confluent's compatibility check of a new schema against a subject's live versions (ascending), with its messages:
   * the reasons, the old schema's version and text, then the level. Empty when compatible.
   */
  #incompatibilities(subject: string, parsed: ParsedSchema, live: readonly RegistryVersionRow[]): string[] {
    const level = this.compatibilityInScope(subject)
    if (level === 'NONE' || live.length === 0) return []
    const transitive = level.endsWith('_TRANSITIVE')
    const previous = transitive ? [...live].reverse() : [live.at(-1)!]
    const messages: string[] = []
    for (const v of previous) {
      const old = this.#parsedById(v.schemaId)
      if (old.type !== parsed.type) {
        messages.push('Incompatible because of different schema type')
        break
      }
      if (parsed.type === 'PROTOBUF') {
        throw E.operationNotPermitted(
          `kafkalite's registry does not check the compatibility of PROTOBUF schemas: set subject '${subject}' to compatibility NONE (PUT /config/${subject} {"compatibility": "NONE"}) to register new versions of it.`,
        )
      }
      const found: string[] = []
      const oldNotes = [`{oldSchemaVersion: ${v.version}}`, `{oldSchema: '${old.canonical}'}`]
      if (level.startsWith('BACKWARD')) {
        const m = parsed.canRead(old).map((x) => formatPrefixes(x, 'new', 'old'))
        if (m.length > 0) found.push(...m, ...oldNotes)
      } else if (level.startsWith('FORWARD')) {
        const m = old.canRead(parsed).map((x) => formatPrefixes(x, 'old', 'new'))
        if (m.length > 0) found.push(...m, ...oldNotes)
      } else {
        found.push(...old.canRead(parsed).map((x) => formatPrefixes(x, 'old', 'new')))
        const m = parsed.canRead(old).map((x) => formatPrefixes(x, 'new', 'old'))
        if (m.length > 0) found.push(...m, ...oldNotes)
      }
      if (found.length > 0) {
        messages.push(...found)
        break
      }
    }
    if (messages.length > 0) messages.push(`{validateFields: 'false', compatibility: '${level}'}`)
    return messages
  }
}

/** Confluent's subject rule: no control characters, not its reserved names; empty only for settings. */
function validSubject(subject: string, forSettings = false): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\u009f]/.test(subject) || subject === '__GLOBAL' || subject === '__EMPTY'
  if (bad || (!forSettings && subject === '')) throw E.invalidSubject(subject)
}

function typedSchema(row: {schemaType: string; schema: string; references: RegistryReferenceRow[]}) {
  return {
    ...(row.schemaType !== 'AVRO' ? {schemaType: row.schemaType as SchemaType} : {}),
    ...(row.references.length > 0 ? {references: row.references} : {}),
    schema: row.schema,
  }
}

function fingerprintOf(parsed: ParsedSchema, references: readonly RegistryReferenceRow[]): string {
  return createHash('sha256')
    .update(
      `${parsed.type}\0${parsed.canonical}\0${JSON.stringify(references.map((r) => [r.name, r.subject, r.version]))}`,
    )
    .digest('hex')
}
