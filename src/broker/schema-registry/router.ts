// Confluent Schema Registry's REST API as one function: a request (method, path with its query, body text) in, a
// response (status, JSON text) out. Both front ends call it: the daemon's HTTP listener (daemon/registry/) and the
// socket request `schemaRegistry` that kafkalite's own CLI and library use without a TCP port. Errors leave as
// Confluent's `{"error_code": ..., "message": ...}` bodies.
import * as E from './errors.js'
import {
  COMPATIBILITY_LEVELS,
  MODES,
  type CompatibilityLevel,
  type Mode,
  type SchemaRegistry,
  type SchemaRequest,
  type VersionId,
} from './registry.js'
import {SCHEMA_TYPES, type SchemaType} from './formats/index.js'

/** One REST call. `path` may carry a query string. */
export interface RegistryRequest {
  method: string
  path: string
  /** The body as sent: JSON text, or empty. */
  body?: string
}

/** The answer: an HTTP status and the JSON text of the body. */
export interface RegistryResponse {
  status: number
  body: string
}

/** The largest request body the registry takes by default (kafkalite.schema.registry.max.request.bytes). */
export const DEFAULT_MAX_REQUEST_BYTES = 16 << 20

type Query = URLSearchParams
type Handler = (registry: SchemaRegistry, params: string[], query: Query, body: () => unknown) => unknown

interface Route {
  pattern: string[]
  methods: Record<string, Handler>
}

/** A raw string answer (the `/schema` routes return the schema itself, not a JSON string of it). */
class Raw {
  constructor(readonly text: string) {}
}

const flag = (q: Query, name: string) => q.get(name)?.toLowerCase() === 'true'

const ROUTES: Route[] = [
  {pattern: [], methods: {GET: () => ({})}},
  {pattern: ['schemas', 'types'], methods: {GET: () => SCHEMA_TYPES}},
  {
    pattern: ['schemas'],
    methods: {
      GET: (r, _, q) =>
        r.schemas({
          prefix: q.get('subjectPrefix') ?? '',
          deleted: flag(q, 'deleted'),
          latestOnly: flag(q, 'latestOnly'),
        }),
    },
  },
  {pattern: ['schemas', 'ids', ':id'], methods: {GET: (r, [id]) => r.schemaById(schemaId(id!))}},
  {
    pattern: ['schemas', 'ids', ':id', 'schema'],
    methods: {GET: (r, [id]) => new Raw(r.schemaById(schemaId(id!)).schema)},
  },
  {
    pattern: ['schemas', 'ids', ':id', 'subjects'],
    methods: {
      GET: (r, [id], q) => [
        ...new Set(
          r.usesOfSchema(schemaId(id!), flag(q, 'deleted'), q.get('subject') ?? undefined).map((v) => v.subject),
        ),
      ],
    },
  },
  {
    pattern: ['schemas', 'ids', ':id', 'versions'],
    methods: {
      GET: (r, [id], q) =>
        r
          .usesOfSchema(schemaId(id!), flag(q, 'deleted'), q.get('subject') ?? undefined)
          .map((v) => ({subject: v.subject, version: v.version})),
    },
  },
  {
    pattern: ['subjects'],
    methods: {
      GET: (r, _, q) =>
        r.subjects({
          prefix: q.get('subjectPrefix') ?? '',
          deleted: flag(q, 'deleted'),
          deletedOnly: flag(q, 'deletedOnly'),
        }),
    },
  },
  {
    pattern: ['subjects', ':subject'],
    methods: {
      POST: (r, [s], q, body) => r.lookup(s!, schemaRequest(body()), flag(q, 'normalize'), flag(q, 'deleted')),
      DELETE: (r, [s], q) => r.deleteSubject(s!, flag(q, 'permanent')),
    },
  },
  {
    pattern: ['subjects', ':subject', 'versions'],
    methods: {
      GET: (r, [s], q) =>
        r.versions(s!, {
          deleted: flag(q, 'deleted'),
          deletedOnly: flag(q, 'deletedOnly'),
          deletedAsNegative: flag(q, 'deletedAsNegative'),
        }),
      POST: (r, [s], q, body) => {
        const e = r.register(s!, schemaRequest(body()), flag(q, 'normalize'))
        return {
          id: e.id,
          version: e.version,
          ...(e.schemaType ? {schemaType: e.schemaType} : {}),
          ...(e.references ? {references: e.references} : {}),
          schema: e.schema,
        }
      },
    },
  },
  {
    pattern: ['subjects', ':subject', 'versions', ':version'],
    methods: {
      GET: (r, [s, v], q) => r.version(s!, versionId(v!), flag(q, 'deleted')),
      DELETE: (r, [s, v], q) => r.deleteVersion(s!, versionId(v!), flag(q, 'permanent')),
    },
  },
  {
    pattern: ['subjects', ':subject', 'versions', ':version', 'schema'],
    methods: {GET: (r, [s, v], q) => new Raw(r.version(s!, versionId(v!), flag(q, 'deleted')).schema)},
  },
  {
    pattern: ['subjects', ':subject', 'versions', ':version', 'referencedby'],
    methods: {GET: (r, [s, v]) => r.referencedBy(s!, versionId(v!))},
  },
  {
    pattern: ['compatibility', 'subjects', ':subject', 'versions', ':version'],
    methods: {POST: (r, [s, v], q, body) => compatibility(r, s!, versionId(v!), q, body)},
  },
  {
    pattern: ['compatibility', 'subjects', ':subject', 'versions'],
    methods: {POST: (r, [s], q, body) => compatibility(r, s!, undefined, q, body)},
  },
  {
    pattern: ['config'],
    methods: {
      GET: (r) => ({compatibilityLevel: r.compatibility(null, true)}),
      PUT: (r, _, __, body) => setCompatibility(r, null, body()),
      DELETE: (r) => ({compatibilityLevel: r.deleteCompatibility(null)}),
    },
  },
  {
    pattern: ['config', ':subject'],
    methods: {
      GET: (r, [s], q) => {
        const level = r.compatibility(s!, flag(q, 'defaultToGlobal'))
        if (level === null) throw E.subjectCompatibilityNotConfigured(s!)
        return {compatibilityLevel: level}
      },
      PUT: (r, [s], _, body) => setCompatibility(r, s!, body()),
      DELETE: (r, [s]) => ({compatibilityLevel: r.deleteCompatibility(s!)}),
    },
  },
  {
    pattern: ['mode'],
    methods: {
      GET: (r) => ({mode: r.mode(null, true)}),
      PUT: (r, _, q, body) => setMode(r, null, body(), flag(q, 'force')),
      DELETE: (r) => ({mode: r.deleteMode(null)}),
    },
  },
  {
    pattern: ['mode', ':subject'],
    methods: {
      GET: (r, [s], q) => {
        const mode = r.mode(s!, flag(q, 'defaultToGlobal'))
        if (mode === null) throw E.subjectModeNotConfigured(s!)
        return {mode}
      },
      PUT: (r, [s], q, body) => setMode(r, s!, body(), flag(q, 'force')),
      DELETE: (r, [s]) => ({mode: r.deleteMode(s!)}),
    },
  },
]

/**
 * Answers one REST call. Never throws for anything a client sends: unknown routes (404), wrong methods (405),
 * malformed JSON (400), bodies of the wrong shape (422), bodies past `maxRequestBytes` (413) and every registry
 * refusal get Confluent's error body. An error of the storage (or a bug) is thrown to the front end.
 */
export function routeRegistryRequest(
  registry: SchemaRegistry,
  request: RegistryRequest,
  maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES,
): RegistryResponse {
  try {
    const body = request.body ?? ''
    if (Buffer.byteLength(body) > maxRequestBytes) throw E.requestTooLarge(maxRequestBytes)
    const q = request.path.indexOf('?')
    const pathname = q < 0 ? request.path : request.path.slice(0, q)
    const query = new URLSearchParams(q < 0 ? '' : request.path.slice(q + 1))
    const segments = pathname.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1))
    let decoded: string[]
    try {
      decoded = segments.map((s) => decodeURIComponent(s))
    } catch {
      throw E.notFound()
    }
    for (const route of ROUTES) {
      const params = match(route.pattern, decoded)
      if (params === null) continue
      const handler = route.methods[request.method.toUpperCase()]
      if (!handler) throw E.methodNotAllowed()
      const result = handler(registry, params, query, () => parseBody(body))
      if (result instanceof Raw) return {status: 200, body: result.text}
      return {status: 200, body: JSON.stringify(result)}
    }
    throw E.notFound()
  } catch (error) {
    // A schema nested past the stack's depth (thousands of levels): refused as a schema, not a failure.
    const refusal =
      error instanceof RangeError && /call stack/i.test(error.message)
        ? E.invalidSchema('Invalid schema: it nests too deeply')
        : error
    if (refusal instanceof E.RegistryError) {
      return {status: refusal.status, body: JSON.stringify({error_code: refusal.errorCode, message: refusal.message})}
    }
    throw error
  }
}

function match(pattern: readonly string[], segments: readonly string[]): string[] | null {
  if (pattern.length !== segments.length) return null
  const params: string[] = []
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i]!.startsWith(':')) params.push(segments[i]!)
    else if (pattern[i] !== segments[i]) return null
  }
  return params
}

function parseBody(body: string): unknown {
  if (body.trim() === '') throw E.unprocessable('The request body is empty: send a JSON object.')
  try {
    return JSON.parse(body)
  } catch (error) {
    throw E.malformedJson((error as Error).message)
  }
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw E.unprocessable('The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}

/** Confluent's RegisterSchemaRequest: schema, schemaType (AVRO when absent), references, and for IMPORT id and version. */
function schemaRequest(body: unknown): SchemaRequest {
  const b = object(body)
  if (b.schema === undefined || b.schema === null || b.schema === '') throw E.invalidSchema('Empty schema')
  if (typeof b.schema !== 'string') throw E.unprocessable('schema must be a string: the schema as JSON text.')
  const type = b.schemaType ?? 'AVRO'
  if (typeof type !== 'string' || !SCHEMA_TYPES.includes(type as SchemaType)) {
    throw E.invalidSchema(`Invalid schema type ${String(type)}`)
  }
  const refs = b.references ?? []
  if (!Array.isArray(refs)) throw E.unprocessable('references must be an array of {name, subject, version}.')
  const references = refs.map((r: unknown) => {
    const ref = object(r)
    if (typeof ref.name !== 'string' || typeof ref.subject !== 'string' || !Number.isInteger(ref.version)) {
      throw E.unprocessable(`Invalid reference ${JSON.stringify(r)}: expected {name, subject, version}.`)
    }
    return {name: ref.name, subject: ref.subject, version: ref.version as number}
  })
  const int = (v: unknown) => (Number.isInteger(v) ? (v as number) : undefined)
  return {schema: b.schema, schemaType: type as SchemaType, references, id: int(b.id), version: int(b.version)}
}

/** Confluent's VersionId: "latest", -1 (latest) or 1 to 2^31 - 1. */
function versionId(text: string): VersionId {
  if (text.toLowerCase() === 'latest' || text === '-1') return 'latest'
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) throw E.invalidVersion(text)
  return n
}

function schemaId(text: string): number {
  const n = /^-?\d{1,10}$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(n)) throw E.notFound()
  return n
}

function compatibility(
  r: SchemaRegistry,
  subject: string,
  version: VersionId | undefined,
  q: Query,
  body: () => unknown,
) {
  const verbose = flag(q, 'verbose')
  let messages: string[]
  try {
    messages = r.testCompatibility(subject, version, schemaRequest(body()), flag(q, 'normalize'))
  } catch (error) {
    if (verbose && error instanceof E.RegistryError && error.errorCode === 42201) messages = [error.message]
    else throw error
  }
  return verbose ? {is_compatible: messages.length === 0, messages} : {is_compatible: messages.length === 0}
}

function setCompatibility(r: SchemaRegistry, subject: string | null, body: unknown) {
  const b = object(body)
  const given = b.compatibility ?? b.compatibilityLevel
  if (given === undefined || given === null) {
    return {compatibility: r.compatibility(subject, true)}
  }
  const level = typeof given === 'string' ? given.toUpperCase() : ''
  if (!COMPATIBILITY_LEVELS.includes(level as CompatibilityLevel)) throw E.invalidCompatibility()
  r.setCompatibility(subject, level as CompatibilityLevel)
  return {compatibility: level}
}

function setMode(r: SchemaRegistry, subject: string | null, body: unknown, force: boolean) {
  const b = object(body)
  const given = typeof b.mode === 'string' ? b.mode.toUpperCase() : ''
  if (given === 'FORWARD') {
    throw E.invalidMode("Mode FORWARD is not supported: kafkalite's registry is one registry, with none to forward to.")
  }
  if (!MODES.includes(given as Mode)) throw E.invalidMode()
  r.setMode(subject, given as Mode, force)
  return {mode: given}
}
