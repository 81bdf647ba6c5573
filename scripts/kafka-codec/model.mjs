// The model of kafkalite's Kafka message definitions (src/protocol/kafka/definitions/*.def): the parser of the
// definition files, and the per-version view that the code generator, the tests and the fidelity check share.
// The format is described in src/protocol/kafka/definitions/README.md.
import {readdirSync, readFileSync} from 'node:fs'
import {basename, join} from 'node:path'

/** Types with a fixed wire form; anything else is a struct name. */
export const PRIMITIVES = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'varint',
  'varlong',
  'uuid',
  'string',
  'bytes',
  'records',
])

// ---------------------------------------------------------------------------------------------------------------
// Version ranges: {lo, hi} with hi = Infinity for "N+"; null is the empty range ("none").

export function parseRange(text) {
  if (text === 'none') return null
  let m = /^(\d+)\+$/.exec(text)
  if (m) return {lo: Number(m[1]), hi: Infinity}
  m = /^(\d+)-(\d+)$/.exec(text)
  if (m) {
    const lo = Number(m[1])
    const hi = Number(m[2])
    if (hi < lo) throw new Error(`empty version range '${text}'`)
    return {lo, hi}
  }
  m = /^(\d+)$/.exec(text)
  if (m) return {lo: Number(m[1]), hi: Number(m[1])}
  throw new Error(`not a version range: '${text}'`)
}

export function formatRange(r) {
  if (r === null) return 'none'
  if (r.hi === Infinity) return `${r.lo}+`
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`
}

export function inRange(v, r) {
  return r !== null && v >= r.lo && v <= r.hi
}

export function intersect(a, b) {
  if (a === null || b === null) return null
  const lo = Math.max(a.lo, b.lo)
  const hi = Math.min(a.hi, b.hi)
  return lo <= hi ? {lo, hi} : null
}

/** True when every version of `inner` is in `outer`. */
export function covers(outer, inner) {
  if (inner === null) return true
  return outer !== null && outer.lo <= inner.lo && outer.hi >= inner.hi
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing the definition files.

/**
 * Parses one definition file into its messages. A file holds one API (a request and a response) or standalone
 * structures (headers, the consumer protocol).
 */
export function parseDefinitionFile(text, file = '<definitions>') {
  const lines = text.split('\n')
  let release = null
  /** @type {any} */
  let api = null
  const messages = []
  /** The message whose fields are being read, and the stack of open field lists by indentation. */
  let current = null
  let stack = []
  const fail = (n, msg) => {
    throw new Error(`${file}:${n + 1}: ${msg}`)
  }

  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n].replace(/\s+#.*$|^#.*$/, '').replace(/\s+$/, '')
    if (raw === '') continue
    const indent = raw.length - raw.trimStart().length
    if (indent % 2 !== 0) fail(n, 'indentation must be a multiple of two spaces')
    const words = raw.trim().split(/\s+/)
    if (indent === 0) {
      const [keyword, ...rest] = words
      if (keyword === 'release') {
        release = rest[0]
        continue
      }
      if (release === null) fail(n, "the file must start with 'release <Apache Kafka version>'")
      if (keyword === 'api') {
        api = parseApiLine(rest, (msg) => fail(n, msg))
        current = null
        continue
      }
      if (keyword === 'request' || keyword === 'response') {
        if (api === null) fail(n, `'${keyword}' before the 'api' line`)
        current = newMessage({
          name: `${api.name}${keyword === 'request' ? 'Request' : 'Response'}`,
          kind: keyword,
          apiKey: api.apiKey,
          versions: api.versions,
          flexible: api.flexible,
          legacy: api.legacy,
          latestUnstable: api.latestUnstable,
          release,
          file,
        })
        messages.push(current)
        stack = [{indent: 2, fields: current.fields}]
        continue
      }
      if (keyword === 'header' || keyword === 'data') {
        const options = parseApiLine([String(-1), ...rest], (msg) => fail(n, msg))
        current = newMessage({
          name: options.name,
          kind: keyword,
          apiKey: null,
          versions: options.versions,
          flexible: options.flexible,
          legacy: options.legacy,
          latestUnstable: false,
          release,
          file,
        })
        messages.push(current)
        stack = [{indent: 2, fields: current.fields}]
        continue
      }
      fail(n, `unknown keyword '${keyword}'`)
    }
    if (current === null) fail(n, 'a field outside a request, response, header or data block')
    while (stack.length > 0 && indent < stack[stack.length - 1].indent) stack.pop()
    const top = stack[stack.length - 1]
    if (!top || indent !== top.indent) fail(n, 'unexpected indentation')
    if (words[0] === 'struct') {
      if (indent !== 2) fail(n, 'a common struct is declared at the top level of its message')
      const struct = {name: words[1], versions: words[2] ? parseRange(words[2]) : null, fields: []}
      if (!/^[A-Z][A-Za-z0-9]*$/.test(struct.name ?? '')) fail(n, `bad struct name '${words[1]}'`)
      if (current.structs.has(struct.name)) fail(n, `struct ${struct.name} is declared twice`)
      current.structs.set(struct.name, struct)
      stack.push({indent: indent + 2, fields: struct.fields})
      continue
    }
    const field = parseFieldLine(words, (msg) => fail(n, msg))
    top.fields.push(field)
    if (field.structName !== null) {
      field.fields = []
      stack.push({indent: indent + 2, fields: field.fields})
    }
  }
  // A struct type without inline fields refers to a common struct of its message.
  for (const message of messages) {
    const link = (fields) => {
      for (const f of fields) {
        if (f.structName === null) continue
        if (f.fields.length === 0) {
          const common = message.structs.get(f.structName)
          if (!common) throw new Error(`${file}: ${message.name}.${f.name}: struct ${f.structName} has no fields`)
          f.common = true
          f.fields = common.fields
        } else {
          link(f.fields)
        }
      }
    }
    link(message.fields)
    for (const s of message.structs.values()) link(s.fields)
  }
  return messages
}

function newMessage(m) {
  return {...m, fields: [], structs: new Map()}
}

function parseApiLine(words, fail) {
  const [keyText, name, ...opts] = words
  if (!/^-?\d+$/.test(keyText ?? '')) fail(`expected an API key, got '${keyText}'`)
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name ?? '')) fail(`expected a name, got '${name}'`)
  const api = {apiKey: Number(keyText), name, versions: null, flexible: null, legacy: null, latestUnstable: false}
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]
    if (o === 'versions') api.versions = parseRange(opts[++i])
    else if (o === 'flexible') api.flexible = parseRange(opts[++i])
    else if (o === 'legacy') {
      api.legacy = {versions: parseRange(opts[++i]), release: null}
      if (opts[i + 1] === 'from') {
        api.legacy.release = opts[i + 2]
        i += 2
      }
    } else if (o === 'unstable-latest') api.latestUnstable = true
    else fail(`unknown option '${o}'`)
  }
  if (api.versions === null) fail("missing 'versions'")
  return api
}

const NAME = /^[A-Za-z][A-Za-z0-9]*$/

/**
 * One field line: `Name type [range] [null[:range]] [tag:N] [=default] [nonflex]`.
 * The range defaults to every version of the enclosing struct; `null` alone means nullable in every version of the
 * field.
 */
function parseFieldLine(words, fail) {
  const [name, typeText, ...opts] = words
  if (!NAME.test(name ?? '')) fail(`bad field name '${name}'`)
  if (!typeText) fail(`field ${name} has no type`)
  const array = typeText.startsWith('[]')
  const base = array ? typeText.slice(2) : typeText
  const isStruct = !PRIMITIVES.has(base)
  if (isStruct && !/^[A-Z][A-Za-z0-9]*$/.test(base)) fail(`unknown type '${typeText}'`)
  const field = {
    name,
    type: typeText,
    array,
    base,
    structName: isStruct ? base : null,
    versions: null,
    nullable: null,
    tag: null,
    taggedVersions: null,
    default: null,
    nonFlexible: false,
    fields: null,
    common: false,
  }
  for (const o of opts) {
    if (/^\d/.test(o)) field.versions = parseRange(o)
    else if (o === 'null') field.nullable = 'all'
    else if (o.startsWith('null:')) field.nullable = parseRange(o.slice(5))
    else if (o.startsWith('tag:')) {
      const m = /^tag:(\d+)(?:@(.+))?$/.exec(o)
      if (!m) fail(`bad tag '${o}'`)
      field.tag = Number(m[1])
      if (m[2]) field.taggedVersions = parseRange(m[2])
    } else if (o.startsWith('=')) field.default = o.slice(1)
    else if (o === 'nonflex') field.nonFlexible = true
    else fail(`unknown option '${o}' of field ${name}`)
  }
  return field
}

/** Reads every definition file of a folder, in file-name order. */
export function loadDefinitions(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.def'))
    .sort()
  const messages = []
  for (const f of files) messages.push(...parseDefinitionFile(readFileSync(join(dir, f), 'utf8'), basename(f)))
  return messages
}

// ---------------------------------------------------------------------------------------------------------------
// Effective ranges and the per-version view.

/** The versions in which a field exists, given the versions in which its struct exists. */
export function fieldVersions(field, parent) {
  return field.versions === null ? parent : intersect(field.versions, parent)
}

/** The versions in which a field is nullable (within its own versions). */
export function nullableVersions(field, present) {
  if (field.nullable === null) return null
  return field.nullable === 'all' ? present : intersect(field.nullable, present)
}

/** The versions in which a field is tagged (within its own versions). */
export function taggedVersions(field, present) {
  if (field.tag === null) return null
  return field.taggedVersions === null ? present : intersect(field.taggedVersions, present)
}

/**
 * The default of a field as a canonical string: integers in decimal, `null`, `true`/`false`, strings quoted,
 * `[]` for an empty array, `{}` for a default struct, `zero` for the zero uuid, `empty` for empty bytes.
 */
export function canonicalDefault(field, raw = field.default) {
  if (raw !== null && raw !== undefined) {
    const text = String(raw)
    if (text === 'null') return 'null'
    if (field.array) {
      if (text === '') return '[]'
      throw new Error(`${field.name}: unsupported array default '${text}'`)
    }
    switch (field.base) {
      case 'bool':
        if (text !== 'true' && text !== 'false') throw new Error(`${field.name}: bad bool default '${text}'`)
        return text
      case 'string':
        return JSON.stringify(text.replace(/^"(.*)"$/, '$1'))
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'varint':
      case 'varlong':
        return BigInt(text).toString()
      case 'float64':
        return String(Number(text))
      default:
        throw new Error(`${field.name}: unsupported default '${text}' for type ${field.type}`)
    }
  }
  if (field.array) return '[]'
  switch (field.base) {
    case 'bool':
      return 'false'
    case 'string':
      return '""'
    case 'bytes':
      return 'empty'
    case 'records':
      return 'null'
    case 'uuid':
      return 'zero'
    case 'float64':
      return '0'
    default:
      return field.structName !== null ? '{}' : '0'
  }
}

/**
 * The fields of a struct as they are on the wire at one version: name, type, nullable, tag, compact (whether its
 * length prefixes are compact), canonical default, and the same for its children.
 */
export function fieldsAt(fields, version, flexible, parent = {lo: 0, hi: Infinity}) {
  const out = []
  for (const f of fields) {
    const present = fieldVersions(f, parent)
    if (!inRange(version, present)) continue
    const entry = {
      name: f.name,
      type: f.type,
      nullable: inRange(version, nullableVersions(f, present)),
      tag: inRange(version, taggedVersions(f, present)) ? f.tag : null,
      compact: flexible && !f.nonFlexible,
      default: canonicalDefault(f),
    }
    if (f.fields !== null) entry.fields = fieldsAt(f.fields, version, flexible, present)
    out.push(entry)
  }
  return out
}

/** Whether a message's version is flexible. */
export function isFlexible(message, version) {
  return inRange(version, message.flexible)
}
