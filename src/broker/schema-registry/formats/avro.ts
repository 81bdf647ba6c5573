// Avro for the registry: schemas parsed and checked by avsc (a well-kept Avro implementation: names, namespaces,
// defaults checked against their types, references through its registry of named types), written back as Java's
// Schema.toString() writes them (Confluent stores and serves that text, and compares schemas by it), and compared by
// Avro's schema-resolution rules as Java's org.apache.avro.SchemaCompatibility decides them, with Confluent's
// messages (io.confluent.kafka.schemaregistry.avro.Difference).
//
// avsc is loaded on the first Avro schema the daemon sees, not when the daemon starts.
import {createRequire} from 'node:module'
import type * as Avsc from 'avsc'
import {SchemaParseError, type ParsedSchema, type ResolvedReference} from './format.js'

let avscModule: typeof Avsc | undefined
function avsc(): typeof Avsc {
  avscModule ??= createRequire(import.meta.url)('avsc') as typeof Avsc
  return avscModule
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'])
/** Java's Schema.SCHEMA_RESERVED and FIELD_RESERVED: what is not written back as a custom property. */
const SCHEMA_RESERVED = new Set([
  'doc',
  'fields',
  'items',
  'name',
  'namespace',
  'size',
  'symbols',
  'values',
  'type',
  'aliases',
  'default',
])
const FIELD_RESERVED = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases'])

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}
type JsonObject = {[key: string]: Json}

export class AvroSchema implements ParsedSchema {
  readonly type = 'AVRO' as const
  readonly canonical: string
  /** avsc's type, for the compatibility rules. */
  readonly parsed: Avsc.Type

  constructor(canonical: string, parsed: Avsc.Type) {
    this.canonical = canonical
    this.parsed = parsed
  }

  canRead(writer: ParsedSchema): string[] {
    if (!(writer instanceof AvroSchema)) return ['Incompatible because of different schema type']
    return new Checker().check(this.parsed, writer.parsed).map(describe)
  }
}

/** Parses `text` with its references (dependencies first); a schema avsc refuses is a SchemaParseError. */
export function parseAvro(text: string, references: readonly ResolvedReference[]): AvroSchema {
  const registry: Record<string, Avsc.Type> = {}
  const referenced = new Set<string>()
  const forSchema = (json: Json) =>
    avsc().Type.forSchema(json as Avsc.Schema, {registry, wrapUnions: false, noAnonymousTypes: false})
  const seen = new Set<ResolvedReference>()
  const load = (refs: readonly ResolvedReference[]) => {
    for (const ref of refs) {
      if (seen.has(ref)) continue
      seen.add(ref)
      load(ref.references)
      const before = new Set(Object.keys(registry))
      try {
        forSchema(parseJson(ref.schema))
      } catch (error) {
        throw new SchemaParseError(`Invalid reference ${ref.name}: ${(error as Error).message}`)
      }
      for (const name of Object.keys(registry)) if (!before.has(name)) referenced.add(name)
    }
  }
  load(references)
  const json = parseJson(text)
  let parsed: Avsc.Type
  try {
    parsed = forSchema(json)
  } catch (error) {
    throw new SchemaParseError((error as Error).message)
  }
  return new AvroSchema(JSON.stringify(new Writer(referenced).write(json, null)), parsed)
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json
  } catch (error) {
    throw new SchemaParseError(`Invalid JSON: ${(error as Error).message}`)
  }
}

// ---- Java's Schema.toString() -------------------------------------------------------------------------------------

/**
 * Writes a schema as Java's Schema.toJson does: a named type in full where it is first defined and by name after
 * (qualified only when its namespace is not the enclosing one), a primitive without properties as its bare name,
 * fields as name, type, doc, default, order (unless ascending), aliases, then custom properties.
 */
class Writer {
  readonly #defined: Set<string>

  constructor(referenced: Set<string>) {
    this.#defined = new Set(referenced)
  }

  write(schema: Json, space: string | null): Json {
    if (typeof schema === 'string') return this.#reference(schema, space)
    if (Array.isArray(schema)) return schema.map((branch) => this.write(branch, space))
    if (schema === null || typeof schema !== 'object') return schema
    const type = schema.type
    if (typeof type !== 'string') return this.write(type ?? null, space)
    switch (type) {
      case 'record':
      case 'error':
        return this.#named(schema, space, (out, inner) => {
          out.fields = ((schema.fields ?? []) as JsonObject[]).map((f) => this.#field(f, inner))
        })
      case 'enum':
        return this.#named(schema, space, (out) => {
          out.symbols = schema.symbols ?? []
          if (typeof schema.default === 'string') out.default = schema.default
        })
      case 'fixed':
        return this.#named(schema, space, (out) => {
          out.size = schema.size ?? 0
        })
      case 'array':
        return {type, items: this.write(schema.items ?? null, space), ...props(schema, SCHEMA_RESERVED)}
      case 'map':
        return {type, values: this.write(schema.values ?? null, space), ...props(schema, SCHEMA_RESERVED)}
      default: {
        const extra = props(schema, SCHEMA_RESERVED)
        if (!PRIMITIVES.has(type)) return this.#reference(type, space)
        return Object.keys(extra).length === 0 ? type : {type, ...extra}
      }
    }
  }

  #named(schema: JsonObject, space: string | null, body: (out: JsonObject, inner: string | null) => void): Json {
    const {name, namespace} = nameOf(String(schema.name ?? ''), schema.namespace, space)
    const full = namespace ? `${namespace}.${name}` : name
    if (this.#defined.has(full)) return namespace === space ? name : full
    this.#defined.add(full)
    const out: JsonObject = {type: schema.type as string, name}
    if (namespace !== null && namespace !== space) out.namespace = namespace
    else if (namespace === null && space !== null) out.namespace = ''
    if (typeof schema.doc === 'string') out.doc = schema.doc
    body(out, namespace)
    Object.assign(out, props(schema, SCHEMA_RESERVED))
    if (Array.isArray(schema.aliases) && schema.aliases.length > 0) {
      out.aliases = schema.aliases.map((a) => relative(nameOf(String(a), undefined, namespace), namespace))
    }
    return out
  }

  #field(field: JsonObject, space: string | null): Json {
    const out: JsonObject = {name: field.name ?? null, type: this.write(field.type ?? null, space)}
    if (typeof field.doc === 'string') out.doc = field.doc
    if (Object.hasOwn(field, 'default')) out.default = field.default ?? null
    if (typeof field.order === 'string' && field.order.toLowerCase() !== 'ascending') {
      out.order = field.order.toLowerCase()
    }
    if (Array.isArray(field.aliases) && field.aliases.length > 0) out.aliases = field.aliases
    return Object.assign(out, props(field, FIELD_RESERVED))
  }

  #reference(name: string, space: string | null): string {
    if (PRIMITIVES.has(name)) return name
    let full = name
    if (!name.includes('.') && space !== null && this.#defined.has(`${space}.${name}`)) full = `${space}.${name}`
    return relative(nameOf(full, undefined, null), space)
  }
}

function nameOf(name: string, namespace: Json | undefined, enclosing: string | null) {
  const dot = name.lastIndexOf('.')
  if (dot >= 0) return {name: name.slice(dot + 1), namespace: name.slice(0, dot) || null}
  if (typeof namespace === 'string') return {name, namespace: namespace === '' ? null : namespace}
  return {name, namespace: enclosing}
}

function relative(n: {name: string; namespace: string | null}, space: string | null): string {
  return n.namespace === null || n.namespace === space ? n.name : `${n.namespace}.${n.name}`
}

function props(schema: JsonObject, reserved: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(schema)) if (!reserved.has(k)) out[k] = v
  return out
}

// ---- Avro's schema resolution (Java's SchemaCompatibility) -------------------------------------------------------

type IncompatibilityType =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH'

interface Incompatibility {
  type: IncompatibilityType
  message: string
  /** The JSON pointer of the reader's schema where it was found. */
  location: string
}

/** avsc's name of a type's kind, as Avro's Schema.Type (record for error, the underlying type of a logical one). */
function kindOf(t: Avsc.Type): string {
  const name = t.typeName
  if (name === 'error') return 'record'
  if (name.startsWith('union')) return 'union'
  return name
}

const simpleName = (t: Avsc.Type) => (t.name ?? '').slice((t.name ?? '').lastIndexOf('.') + 1)
const javaType = (t: Avsc.Type) => kindOf(t).toUpperCase()

/** One check of a reader against a writer, memoized by pair as Java's checker is (recursion counts as compatible). */
class Checker {
  readonly #memo = new Map<Avsc.Type, Map<Avsc.Type, Incompatibility[] | 'in-progress'>>()

  check(reader: Avsc.Type, writer: Avsc.Type): Incompatibility[] {
    return this.#compatibility(reader, writer, [''])
  }

  #at(token: string, reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    location.push(token)
    try {
      return this.#compatibility(reader, writer, location)
    } finally {
      location.pop()
    }
  }

  #compatibility(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    let byWriter = this.#memo.get(reader)
    if (!byWriter) this.#memo.set(reader, (byWriter = new Map()))
    const known = byWriter.get(writer)
    if (known !== undefined) return known === 'in-progress' ? [] : known
    byWriter.set(writer, 'in-progress')
    const result = this.#calculate(reader, writer, location)
    byWriter.set(writer, result)
    return result
  }

  #calculate(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    const r = kindOf(reader)
    const w = kindOf(writer)
    if (r === w) {
      switch (r) {
        case 'array':
          return this.#at('items', itemsOf(reader), itemsOf(writer), location)
        case 'map':
          return this.#at('values', valuesOf(reader), valuesOf(writer), location)
        case 'fixed':
          return [...this.#names(reader, writer, location), ...this.#fixedSize(reader, writer, location)]
        case 'enum':
          return [...this.#names(reader, writer, location), ...this.#enumSymbols(reader, writer, location)]
        case 'record':
          return [...this.#names(reader, writer, location), ...this.#fields(reader, writer, location)]
        case 'union': {
          const out: Incompatibility[] = []
          branchesOf(writer).forEach((branch, i) => {
            if (this.check(reader, branch).length > 0) {
              out.push(at('MISSING_UNION_BRANCH', `reader union lacking writer type: ${javaType(branch)}`, location, i))
            }
          })
          return out
        }
        default:
          return []
      }
    }
    if (w === 'union') {
      return branchesOf(writer).flatMap((branch, i) => this.#at(String(i), reader, branch, location))
    }
    switch (r) {
      case 'long':
        return w === 'int' ? [] : [typeMismatch(reader, writer, location)]
      case 'float':
        return w === 'int' || w === 'long' ? [] : [typeMismatch(reader, writer, location)]
      case 'double':
        return w === 'int' || w === 'long' || w === 'float' ? [] : [typeMismatch(reader, writer, location)]
      case 'bytes':
        return w === 'string' ? [] : [typeMismatch(reader, writer, location)]
      case 'string':
        return w === 'bytes' ? [] : [typeMismatch(reader, writer, location)]
      case 'union':
        if (branchesOf(reader).some((branch) => this.check(branch, writer).length === 0)) return []
        return [at('MISSING_UNION_BRANCH', `reader union lacking writer type: ${javaType(writer)}`, location)]
      default:
        return [typeMismatch(reader, writer, location)]
    }
  }

  #names(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    if (simpleName(reader) === simpleName(writer) || (reader.aliases ?? []).includes(writer.name ?? '')) return []
    return [at('NAME_MISMATCH', `expected: ${writer.name}`, location, 'name')]
  }

  #fixedSize(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    const r = (reader as Avsc.types.FixedType).size
    const w = (writer as Avsc.types.FixedType).size
    return r === w ? [] : [at('FIXED_SIZE_MISMATCH', `expected: ${w}, found: ${r}`, location, 'size')]
  }

  #enumSymbols(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    const readerSymbols = (reader as Avsc.types.EnumType).symbols
    const missing = [...new Set((writer as Avsc.types.EnumType).symbols)].filter((s) => !readerSymbols.includes(s))
    if (missing.length === 0) return []
    const fallback = enumDefault(reader)
    if (fallback !== undefined && readerSymbols.includes(fallback)) return []
    return [at('MISSING_ENUM_SYMBOLS', `[${missing.sort().join(', ')}]`, location, 'symbols')]
  }

  #fields(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility[] {
    const out: Incompatibility[] = []
    const writerFields = (writer as Avsc.types.RecordType).fields
    location.push('fields')
    ;(reader as Avsc.types.RecordType).fields.forEach((field, pos) => {
      location.push(String(pos))
      const names = [field.name, ...(field.aliases ?? [])]
      const matches = writerFields.filter((f) => names.includes(f.name))
      const writerField = matches[0]
      if (writerField === undefined) {
        if (field.defaultValue() === undefined) {
          if (kindOf(field.type) === 'enum' && enumDefault(field.type) !== undefined) {
            out.push(...this.#at('type', field.type, writer, location))
          } else {
            out.push(at('READER_FIELD_MISSING_DEFAULT_VALUE', field.name, location))
          }
        }
      } else {
        out.push(...this.#at('type', field.type, writerField.type, location))
      }
      location.pop()
    })
    location.pop()
    return out
  }
}

const itemsOf = (t: Avsc.Type) => (t as Avsc.types.ArrayType).itemsType
const valuesOf = (t: Avsc.Type) => (t as Avsc.types.MapType).valuesType
const branchesOf = (t: Avsc.Type) => (t as Avsc.types.UnwrappedUnionType).types
const enumDefault = (t: Avsc.Type) => (t as unknown as {default?: string}).default

function typeMismatch(reader: Avsc.Type, writer: Avsc.Type, location: string[]): Incompatibility {
  return at(
    'TYPE_MISMATCH',
    `reader type: ${javaType(reader)} not compatible with writer type: ${javaType(writer)}`,
    location,
  )
}

/** An incompatibility at `location` (plus one more token); the path skips the root token, as Java's getLocation. */
function at(type: IncompatibilityType, message: string, location: string[], token?: string | number): Incompatibility {
  const path = token === undefined ? location.slice(1) : [...location.slice(1), String(token)]
  return {type, message, location: `/${path.map((c) => c.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`}
}

/** Confluent's Difference.error(): the description keeps two `%s` for the "new"/"old" prefixes. */
function describe(i: Incompatibility): string {
  const path = i.location
  let description: string
  switch (i.type) {
    case 'FIXED_SIZE_MISMATCH':
      description = `The size of FIXED type field at path '${path}' in the %s schema does not match with the %s schema`
      break
    case 'TYPE_MISMATCH':
      description = `The type (path '${path}') of a field in the %s schema does not match with the %s schema`
      break
    case 'NAME_MISMATCH':
      description = `The name of the schema has changed (path '${path}')`
      break
    case 'MISSING_ENUM_SYMBOLS':
      description = `The %s schema is missing enum symbols '${i.message}' at path '${path}' in the %s schema`
      break
    case 'MISSING_UNION_BRANCH':
      description = `The %s schema is missing a type inside a union field at path '${path}' in the %s schema`
      break
    case 'READER_FIELD_MISSING_DEFAULT_VALUE':
      description = `The field '${i.message}' at path '${path}' in the %s schema has no default value and is missing in the %s schema`
      break
  }
  return `{errorType:'${i.type}', description:'${description}', additionalInfo:'${i.message}'}`
}
