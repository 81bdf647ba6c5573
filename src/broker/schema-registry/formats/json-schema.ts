// JSON Schema for the registry: schemas checked by ajv (a well-kept JSON Schema validator: the schema is compiled, so
// an unknown draft, a bad keyword value or a $ref that resolves to nothing is refused), stored as compact JSON, and
// compared as Confluent's JSON Schema provider compares them (io.confluent.kafka.schemaregistry.json.diff): a walk of
// both schemas that lists differences, some of which are compatible (Confluent's COMPATIBLE_CHANGES_STRICT).
//
// What the walk covers: types (integer to number widens), id, title, description and default, string, number, enum,
// object (properties against open, closed and partially open content models, required, additionalProperties, min and
// max properties), array (items, min and max items, uniqueItems) and combined (allOf, anyOf, oneOf) schemas. What it
// does not: dependencies, unevaluated*, contains, not, and $refs between definitions, which compare as equal text.
//
// ajv is loaded on the first JSON schema the daemon sees, not when the daemon starts.
import {createRequire} from 'node:module'
import type {Ajv as AjvClass} from 'ajv'
import {SchemaParseError, type ParsedSchema, type ResolvedReference} from './format.js'

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}
type JsonObject = {[key: string]: Json}
type AjvConstructor = new (options: Record<string, unknown>) => AjvClass

const drafts = new Map<string, AjvConstructor>()
function ajvFor(draft: string): AjvConstructor {
  let ctor = drafts.get(draft)
  if (!ctor) {
    const module = `ajv${draft === '2019' ? '/dist/2019' : draft === '2020' ? '/dist/2020' : ''}`
    const loaded = createRequire(import.meta.url)(module) as {default: AjvConstructor}
    ctor = loaded.default
    drafts.set(draft, ctor)
  }
  return ctor
}

export class JsonSchema implements ParsedSchema {
  readonly type = 'JSON' as const
  readonly canonical: string
  readonly json: Json

  constructor(canonical: string, json: Json) {
    this.canonical = canonical
    this.json = json
  }

  canRead(writer: ParsedSchema): string[] {
    if (!(writer instanceof JsonSchema)) return ['Incompatible because of different schema type']
    const differences: Difference[] = []
    compare(writer.json, this.json, [], differences)
    return differences
      .filter((d) => !COMPATIBLE.has(d.type))
      .map((d) => `{errorType:"${d.type}", description:"${describe(d)}'}`)
  }
}

/** Parses and compiles `text` with its references (each added under its name, the URI a $ref gives). */
export function parseJsonSchema(
  text: string,
  references: readonly ResolvedReference[],
  normalize: boolean,
): JsonSchema {
  let json: Json
  try {
    json = JSON.parse(text) as Json
  } catch (error) {
    throw new SchemaParseError(`Invalid JSON: ${(error as Error).message}`)
  }
  if (typeof json !== 'boolean' && (json === null || typeof json !== 'object' || Array.isArray(json))) {
    throw new SchemaParseError('A JSON schema must be an object or a boolean')
  }
  const declared = typeof json === 'object' && typeof json.$schema === 'string' ? json.$schema : ''
  const draft = declared.includes('2020-12') ? '2020' : declared.includes('2019-09') ? '2019' : '07'
  const Ajv = ajvFor(draft)
  const ajv = new Ajv({strict: false, allErrors: false, validateFormats: false, logger: false})
  const seen = new Set<ResolvedReference>()
  const add = (refs: readonly ResolvedReference[]) => {
    for (const ref of refs) {
      if (seen.has(ref)) continue
      seen.add(ref)
      add(ref.references)
      try {
        const schema = JSON.parse(ref.schema) as JsonObject
        if (ajv.getSchema(ref.name) === undefined) ajv.addSchema(schema, ref.name)
      } catch (error) {
        throw new SchemaParseError(`Invalid reference ${ref.name}: ${(error as Error).message}`)
      }
    }
  }
  add(references)
  try {
    ajv.compile(json as JsonObject)
  } catch (error) {
    throw new SchemaParseError((error as Error).message)
  }
  return new JsonSchema(JSON.stringify(normalize ? sortKeys(json) : json), json)
}

function sortKeys(json: Json): Json {
  if (Array.isArray(json)) return json.map(sortKeys)
  if (json === null || typeof json !== 'object') return json
  const out: JsonObject = {}
  for (const key of Object.keys(json).sort()) out[key] = sortKeys(json[key]!)
  return out
}

// ---- Confluent's SchemaDiff ----------------------------------------------------------------------------------------

interface Difference {
  type: string
  path: string
}

/** Confluent's COMPATIBLE_CHANGES_STRICT, for the kinds of difference kafkalite's walk finds. */
const COMPATIBLE = new Set([
  'ID_CHANGED',
  'DESCRIPTION_CHANGED',
  'TITLE_CHANGED',
  'DEFAULT_CHANGED',
  'SCHEMA_REMOVED',
  'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED',
  'MAX_LENGTH_REMOVED',
  'MIN_LENGTH_DECREASED',
  'MIN_LENGTH_REMOVED',
  'PATTERN_REMOVED',
  'MAXIMUM_INCREASED',
  'MAXIMUM_REMOVED',
  'MINIMUM_DECREASED',
  'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED',
  'EXCLUSIVE_MINIMUM_DECREASED',
  'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED',
  'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED',
  'REQUIRED_ATTRIBUTE_REMOVED',
  'MAX_PROPERTIES_INCREASED',
  'MAX_PROPERTIES_REMOVED',
  'MIN_PROPERTIES_DECREASED',
  'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED',
  'ADDITIONAL_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED',
  'MAX_ITEMS_REMOVED',
  'MIN_ITEMS_DECREASED',
  'MIN_ITEMS_REMOVED',
  'UNIQUE_ITEMS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED',
  'ADDITIONAL_ITEMS_EXTENDED',
  'ENUM_ARRAY_EXTENDED',
  'COMBINED_TYPE_EXTENDED',
  'PRODUCT_TYPE_NARROWED',
  'SUM_TYPE_EXTENDED',
  'NOT_TYPE_NARROWED',
])

type Kind =
  'empty' | 'false' | 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'enum' | 'const' | 'combined'

const COMBINERS = ['allOf', 'anyOf', 'oneOf'] as const

/** The kind of schema everit (Confluent's parser) would build for `s`. */
function kindOf(s: Json): Kind {
  if (s === true) return 'empty'
  if (s === false) return 'false'
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return 'empty'
  if (COMBINERS.some((c) => Array.isArray(s[c])) || Array.isArray(s.type)) return 'combined'
  if (Array.isArray(s.enum)) return 'enum'
  if (Object.hasOwn(s, 'const')) return 'const'
  switch (s.type) {
    case 'object':
      return 'object'
    case 'array':
      return 'array'
    case 'string':
      return 'string'
    case 'number':
    case 'integer':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'null':
      return 'null'
  }
  if (s.properties !== undefined || s.additionalProperties !== undefined || s.required !== undefined) return 'object'
  if (s.items !== undefined) return 'array'
  return 'empty'
}

/** A combined schema's criterion and subschemas (`type: [a, b]` is an anyOf of one schema per type). */
function combined(s: JsonObject): {criterion: string; subschemas: Json[]} {
  for (const c of COMBINERS) if (Array.isArray(s[c])) return {criterion: c, subschemas: s[c] as Json[]}
  const {type, ...rest} = s
  return {criterion: 'anyOf', subschemas: (type as Json[]).map((t) => ({...rest, type: t}))}
}

const path = (p: readonly string[]) => `#/${p.join('/')}`

function compare(original: Json, update: Json, at: string[], out: Difference[]): void {
  const add = (type: string, ...more: string[]) => out.push({type, path: path([...at, ...more])})
  const ko = kindOf(original)
  const ku = kindOf(update)
  if (ko !== 'combined' && ku === 'combined') {
    const {criterion, subschemas} = combined(update as JsonObject)
    if (subschemas.length === 1 || criterion !== 'allOf') {
      for (const sub of subschemas) {
        const diffs: Difference[] = []
        compare(original, sub, at, diffs)
        if (compatible(diffs)) {
          out.push(...diffs)
          if (subschemas.length > 1) add('SUM_TYPE_EXTENDED')
          return
        }
      }
    }
  } else if (ko === 'combined' && ku !== 'combined') {
    const {criterion, subschemas} = combined(original as JsonObject)
    if (subschemas.length === 1 || criterion === 'allOf') {
      for (const sub of subschemas) {
        const diffs: Difference[] = []
        compare(sub, update, at, diffs)
        if (compatible(diffs)) {
          out.push(...diffs)
          if (subschemas.length > 1) add('PRODUCT_TYPE_NARROWED')
          return
        }
      }
    }
  }
  if (ko !== ku) {
    if (ko === 'false' || ku === 'empty') return
    add('TYPE_CHANGED')
    return
  }
  if (typeof original !== 'object' || original === null || Array.isArray(original)) return
  const o = original
  const u = update as JsonObject
  for (const [key, type] of [
    ['$id', 'ID_CHANGED'],
    ['title', 'TITLE_CHANGED'],
    ['description', 'DESCRIPTION_CHANGED'],
    ['default', 'DEFAULT_CHANGED'],
  ] as const) {
    if (JSON.stringify(o[key]) !== JSON.stringify(u[key])) add(type)
  }
  switch (ko) {
    case 'string':
      limit(o, u, 'maxLength', 'MAX_LENGTH', add)
      limit(o, u, 'minLength', 'MIN_LENGTH', add)
      if (o.pattern !== u.pattern) {
        if (o.pattern === undefined) add('PATTERN_ADDED', 'pattern')
        else if (u.pattern === undefined) add('PATTERN_REMOVED', 'pattern')
        else add('PATTERN_CHANGED', 'pattern')
      }
      return
    case 'number':
      if (o.type !== u.type) add(o.type === 'integer' ? 'TYPE_EXTENDED' : 'TYPE_NARROWED')
      limit(o, u, 'maximum', 'MAXIMUM', add)
      limit(o, u, 'minimum', 'MINIMUM', add)
      limit(o, u, 'exclusiveMaximum', 'EXCLUSIVE_MAXIMUM', add)
      limit(o, u, 'exclusiveMinimum', 'EXCLUSIVE_MINIMUM', add)
      if (o.multipleOf !== u.multipleOf) {
        if (o.multipleOf === undefined) add('MULTIPLE_OF_ADDED', 'multipleOf')
        else if (u.multipleOf === undefined) add('MULTIPLE_OF_REMOVED', 'multipleOf')
        else if ((u.multipleOf as number) % (o.multipleOf as number) === 0) add('MULTIPLE_OF_EXPANDED', 'multipleOf')
        else if ((o.multipleOf as number) % (u.multipleOf as number) === 0) add('MULTIPLE_OF_REDUCED', 'multipleOf')
        else add('MULTIPLE_OF_CHANGED', 'multipleOf')
      }
      return
    case 'enum': {
      const os = (o.enum as Json[]).map((v) => JSON.stringify(v))
      const us = (u.enum as Json[]).map((v) => JSON.stringify(v))
      if (os.length === us.length && os.every((v) => us.includes(v))) return
      if (os.every((v) => us.includes(v))) add('ENUM_ARRAY_EXTENDED', 'enum')
      else if (us.every((v) => os.includes(v))) add('ENUM_ARRAY_NARROWED', 'enum')
      else add('ENUM_ARRAY_CHANGED', 'enum')
      return
    }
    case 'const':
      if (JSON.stringify(o.const) !== JSON.stringify(u.const)) add('ENUM_ARRAY_CHANGED', 'const')
      return
    case 'object':
      compareObjects(o, u, at, out)
      return
    case 'array':
      compareArrays(o, u, at, out)
      return
    case 'combined': {
      const oc = combined(o)
      const uc = combined(u)
      if (oc.criterion !== uc.criterion) {
        if (uc.criterion === 'anyOf' || (oc.criterion === 'allOf' && uc.criterion === 'oneOf')) {
          add('COMBINED_TYPE_EXTENDED')
        } else {
          add('COMBINED_TYPE_CHANGED')
          return
        }
      }
      const os = oc.subschemas
      const us = uc.subschemas
      if (os.length < us.length) add(uc.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED')
      else if (os.length > us.length) add(oc.criterion === 'allOf' ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED')
      // A greedy matching of each original subschema to a compatible update subschema.
      const used = new Set<number>()
      let matched = 0
      os.forEach((sub, i) => {
        for (let j = 0; j < us.length; j++) {
          if (used.has(j)) continue
          const diffs: Difference[] = []
          compare(sub, us[j]!, [...at, `${oc.criterion}`, String(i)], diffs)
          if (compatible(diffs)) {
            used.add(j)
            matched++
            out.push(...diffs)
            return
          }
        }
      })
      if (matched < Math.min(os.length, us.length)) add('COMBINED_TYPE_SUBSCHEMAS_CHANGED')
      return
    }
  }
}

const compatible = (diffs: readonly Difference[]) => diffs.every((d) => COMPATIBLE.has(d.type))

function limit(
  o: JsonObject,
  u: JsonObject,
  key: string,
  name: string,
  add: (type: string, ...more: string[]) => void,
) {
  const a = o[key]
  const b = u[key]
  if (a === b) return
  if (typeof a !== 'number' && typeof b === 'number') add(`${name}_ADDED`, key)
  else if (typeof a === 'number' && typeof b !== 'number') add(`${name}_REMOVED`, key)
  else if ((a as number) < (b as number)) add(`${name}_INCREASED`, key)
  else if ((a as number) > (b as number)) add(`${name}_DECREASED`, key)
}

/** An object schema is open unless additionalProperties is false or a schema (partially open). */
const isOpen = (s: JsonObject) => s.additionalProperties === undefined || s.additionalProperties === true
const partial = (s: JsonObject) =>
  typeof s.additionalProperties === 'object' && s.additionalProperties !== null ? s.additionalProperties : null
const propertiesOf = (s: JsonObject) => (s.properties ?? {}) as JsonObject
const requiredOf = (s: JsonObject) => (Array.isArray(s.required) ? (s.required as string[]) : [])
const hasDefault = (s: Json | undefined) => typeof s === 'object' && s !== null && !Array.isArray(s) && 'default' in s
const isEmptySchema = (s: Json | undefined) =>
  s === true || (typeof s === 'object' && s !== null && !Array.isArray(s) && Object.keys(s).length === 0)

function compareObjects(o: JsonObject, u: JsonObject, at: string[], out: Difference[]): void {
  const add = (type: string, ...more: string[]) => out.push({type, path: path([...at, ...more])})
  const op = propertiesOf(o)
  const up = propertiesOf(u)
  for (const key of Object.keys(op)) {
    if (!Object.hasOwn(up, key)) continue
    const was = requiredOf(o).includes(key)
    const is = requiredOf(u).includes(key)
    if (was && !is) add('REQUIRED_ATTRIBUTE_REMOVED', 'required', key)
    else if (!was && is)
      add(hasDefault(up[key]) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED', 'required', key)
  }
  for (const key of new Set([...Object.keys(op), ...Object.keys(up)])) {
    const where = [...at, 'properties', key]
    const before = Object.hasOwn(op, key) ? op[key] : undefined
    const after = Object.hasOwn(up, key) ? up[key] : undefined
    if (after === undefined) {
      if (isOpen(u)) out.push({type: 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', path: path(where)})
      else if (partial(u)) {
        const diffs: Difference[] = []
        compare(before!, partial(u)!, where, diffs)
        out.push(...diffs, {
          type: compatible(diffs)
            ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
            : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
          path: path(where),
        })
      } else {
        out.push({
          type:
            before === false
              ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
              : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
          path: path(where),
        })
      }
    } else if (before === undefined) {
      if (isOpen(o)) {
        let type: string
        if (isEmptySchema(after)) type = 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
        else if (requiredOf(u).includes(key)) {
          type = hasDefault(after)
            ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL'
            : 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'
        } else type = 'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'
        out.push({type, path: path(where)})
      } else {
        if (partial(o)) {
          const diffs: Difference[] = []
          compare(partial(o)!, after, where, diffs)
          out.push(...diffs, {
            type: compatible(diffs)
              ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
              : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
            path: path(where),
          })
        }
        let type: string
        if (requiredOf(u).includes(key)) {
          type = hasDefault(after)
            ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL'
            : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'
        } else type = 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'
        out.push({type, path: path(where)})
      }
    } else {
      compare(before, after, where, out)
    }
  }
  const oa = o.additionalProperties ?? true
  const ua = u.additionalProperties ?? true
  if ((oa !== false) !== (ua !== false))
    add(ua !== false ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED', 'additionalProperties')
  else if (typeof oa !== 'object' && typeof ua === 'object')
    add('ADDITIONAL_PROPERTIES_NARROWED', 'additionalProperties')
  else if (typeof oa === 'object' && typeof ua !== 'object')
    add('ADDITIONAL_PROPERTIES_EXTENDED', 'additionalProperties')
  else if (typeof oa === 'object' && typeof ua === 'object') compare(oa, ua, [...at, 'additionalProperties'], out)
  limit(o, u, 'maxProperties', 'MAX_PROPERTIES', add)
  limit(o, u, 'minProperties', 'MIN_PROPERTIES', add)
}

function compareArrays(o: JsonObject, u: JsonObject, at: string[], out: Difference[]): void {
  const add = (type: string, ...more: string[]) => out.push({type, path: path([...at, ...more])})
  const oi = o.items
  const ui = u.items
  if (!Array.isArray(oi) && !Array.isArray(ui)) {
    if (oi === undefined && ui !== undefined) {
      if (!isEmptySchema(ui)) add('TYPE_NARROWED', 'items')
    } else if (oi !== undefined && ui === undefined) {
      // every item allowed now: compatible as Confluent's removal of a schema
      add('SCHEMA_REMOVED', 'items')
    } else if (oi !== undefined && ui !== undefined) compare(oi, ui, [...at, 'items'], out)
  } else if (JSON.stringify(oi) !== JSON.stringify(ui)) {
    add('TYPE_CHANGED', 'items')
  }
  limit(o, u, 'maxItems', 'MAX_ITEMS', add)
  limit(o, u, 'minItems', 'MIN_ITEMS', add)
  if ((o.uniqueItems === true) !== (u.uniqueItems === true))
    add(o.uniqueItems === true ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED', 'uniqueItems')
}

const KEYWORD = new Set(
  'MAXIMUM_ADDED MINIMUM_ADDED EXCLUSIVE_MAXIMUM_ADDED EXCLUSIVE_MINIMUM_ADDED MULTIPLE_OF_ADDED MAX_LENGTH_ADDED MIN_LENGTH_ADDED PATTERN_ADDED REQUIRED_ATTRIBUTE_ADDED MAX_PROPERTIES_ADDED MIN_PROPERTIES_ADDED MAX_ITEMS_ADDED MIN_ITEMS_ADDED UNIQUE_ITEMS_ADDED ADDITIONAL_PROPERTIES_REMOVED'.split(
    ' ',
  ),
)
const INCREASED = new Set(
  'MIN_LENGTH_INCREASED MINIMUM_INCREASED EXCLUSIVE_MINIMUM_INCREASED MIN_PROPERTIES_INCREASED MULTIPLE_OF_EXPANDED MIN_ITEMS_INCREASED'.split(
    ' ',
  ),
)
const DECREASED = new Set(
  'MAX_LENGTH_DECREASED MAXIMUM_DECREASED MAX_ITEMS_DECREASED EXCLUSIVE_MAXIMUM_DECREASED MAX_PROPERTIES_DECREASED'.split(
    ' ',
  ),
)
const NARROWED = new Set(['ENUM_ARRAY_NARROWED', 'SUM_TYPE_NARROWED', 'ADDITIONAL_PROPERTIES_NARROWED'])
const CHANGED = new Set(['PATTERN_CHANGED', 'MULTIPLE_OF_CHANGED'])
const TYPE_CHANGED = new Set([
  'TYPE_CHANGED',
  'TYPE_NARROWED',
  'COMBINED_TYPE_CHANGED',
  'COMBINED_TYPE_SUBSCHEMAS_CHANGED',
  'ENUM_ARRAY_CHANGED',
])
const EXTENDED = new Set(['PRODUCT_TYPE_EXTENDED', 'SUM_TYPE_EXTENDED'])

/** Confluent's Difference.error(), with its two `%s`. */
function describe(d: Difference): string {
  const p = d.path
  if (KEYWORD.has(d.type)) return `The keyword at path '${p}' in the %s schema is not present in the %s schema`
  if (INCREASED.has(d.type)) return `The value at path '${p}' in the %s schema is more than its value in the %s schema`
  if (DECREASED.has(d.type)) return `The value at path '${p}' in the %s schema is less than its value in the %s schema`
  if (CHANGED.has(d.type)) return `The value at path '${p}' is different between the %s and %s schema`
  if (NARROWED.has(d.type)) {
    return `An array or combined type at path '${p}' has fewer elements in the %s schema than the %s schema`
  }
  if (EXTENDED.has(d.type)) {
    return `An array or combined type at path '${p}' has more elements in the %s schema than the %s schema`
  }
  if (TYPE_CHANGED.has(d.type)) return `A type at path '${p}' is different between the %s schema and the %s schema`
  switch (d.type) {
    case 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL':
    case 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL':
    case 'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL':
      return `The %s schema has an open content model and has a property or item at path '${p}' which is missing in the %s schema`
    case 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL':
      return `The %s schema has an unopen content model and has a required property at path '${p}' which is missing in the %s schema`
    case 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL':
      return `The %s has a closed content model and is missing a property or item present at path '${p}' in the %s schema`
    case 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `A property or item is missing in the %s schema but present at path '${p}' in the %s schema and is not covered by its partially open content model`
    case 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `The %s schema has a property or item at path '${p}' which is missing in the %s schema and is not covered by its partially open content model`
  }
  return ''
}
