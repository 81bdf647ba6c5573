// Turns parsed definitions (model.mjs) into TypeScript: one interface, one reader and one writer per struct.
//
// The code is straight-line: a field that exists in some versions only is one integer comparison on `version`, a
// field whose form changes with flexible versions reads the `flexible` constant computed once per struct, and
// both are left out where the versions the struct exists in already decide them. Nothing interprets a schema at run
// time. Records stay a Buffer slice of the frame (Reader.records), never copied or parsed.
import {
  canonicalDefault,
  covers,
  fieldVersions,
  formatRange,
  intersect,
  nullableVersions,
  taggedVersions,
} from './model.mjs'

const NUMBER_TYPES = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'varint', 'varlong'])

export const camel = (name) => name[0].toLowerCase() + name.slice(1)

/** A version condition, given the versions the code runs in: 'true', 'false' or a comparison on `version`. */
function versionTest(range, within) {
  const r = intersect(range, within)
  if (r === null) return 'false'
  const tests = []
  if (r.lo > within.lo) tests.push(r.lo === r.hi ? `version === ${r.lo}` : `version >= ${r.lo}`)
  if (r.hi < within.hi && r.lo !== r.hi) tests.push(`version <= ${r.hi}`)
  else if (r.hi < within.hi && r.lo === r.hi && r.lo === within.lo) tests.push(`version === ${r.lo}`)
  return tests.length === 0 ? 'true' : tests.join(' && ')
}

function tsType(field, uses) {
  let t
  if (field.structName !== null) t = field.tsStruct
  else if (field.base === 'records') {
    uses?.add('Records')
    t = 'Records'
  } else if (NUMBER_TYPES.has(field.base)) t = 'number'
  else if (field.base === 'bool') t = 'boolean'
  else if (field.base === 'string' || field.base === 'uuid') t = 'string'
  else t = 'Buffer'
  return field.array ? `${t}[]` : t
}

/** A default as a TypeScript expression. */
function defaultLiteral(field, uses) {
  const d = canonicalDefault(field)
  if (d === 'null') return 'null'
  if (d === '[]') return '[]'
  if (d === '{}') return 'undefined'
  if (d === 'zero') {
    uses.add('ZERO_UUID')
    return 'ZERO_UUID'
  }
  if (d === 'empty') {
    uses.add('EMPTY_BYTES')
    return 'EMPTY_BYTES'
  }
  if (d === 'true' || d === 'false' || d.startsWith('"')) return d.startsWith('"') ? `'${JSON.parse(d)}'` : d
  const n = Number(d)
  return Number.isSafeInteger(n) || !/^-?\d+$/.test(d) ? String(n) : `Number(${d}n)`
}

/** Collects the structs of a message, naming each once per generated file. */
export class StructNames {
  constructor() {
    this.taken = new Map()
  }
  claim(name, owner, prefix) {
    const existing = this.taken.get(name)
    if (existing === undefined) {
      this.taken.set(name, owner)
      return name
    }
    if (existing === owner) return name
    return this.claim(`${prefix}${name}`, owner, prefix)
  }
}

/**
 * The structs of a message in the order they are emitted, each with the versions it exists in (`range`) and its
 * fields' label prefix. A common struct is one node wherever it is used.
 */
function collectStructs(message, names) {
  const nodes = []
  const common = new Map()
  const visit = (fields, range, path) => {
    for (const f of fields) {
      const present = fieldVersions(f, range)
      if (present === null || f.structName === null) continue
      const label = `${path}${camel(f.name)}${f.array ? '[]' : ''}`
      if (f.common) {
        let node = common.get(f.structName)
        if (!node) {
          const fieldsOwner = f.fields
          node = {
            name: names.claim(f.structName, fieldsOwner, message.name),
            fields: f.fields,
            range: message.versions,
            path: `${f.structName}.`,
          }
          common.set(f.structName, node)
          nodes.push(node)
          visit(f.fields, message.versions, node.path)
        }
        f.tsStruct = node.name
        continue
      }
      const node = {
        name: names.claim(f.structName, f.fields, message.name),
        fields: f.fields,
        range: present,
        path: `${label}.`,
      }
      f.tsStruct = node.name
      nodes.push(node)
      visit(f.fields, present, node.path)
    }
  }
  visit(message.fields, message.versions, '')
  return nodes
}

const indent = (lines) => lines.map((l) => `  ${l}`)

/** Statements for `if (cond) a else b`, folded when the condition is known or both sides agree. */
function branch(cond, a, b) {
  if (cond === 'true') return a()
  if (cond === 'false') return b()
  const x = a()
  const y = b()
  if (x.join('\n') === y.join('\n')) return x
  if (y.length === 0 && x.length === 1 && !/^(if|for|const|let) /.test(x[0])) return [`if (${cond}) ${x[0]}`]
  if (y.length === 0) return [`if (${cond}) {`, ...indent(x), '}']
  if (x.length === 0) return [`if (!(${cond})) {`, ...indent(y), '}']
  return [`if (${cond}) {`, ...indent(x), '} else {', ...indent(y), '}']
}

/** Emits the interface, reader and writer of one struct (or of a message's top level). */
function emitStruct(node, message, uses, needsIsDefault) {
  const exp = node.exported ? 'export ' : ''
  const range = node.range
  const flexRange = message.flexible
  const flexTest = flexRange === null ? 'false' : versionTest(flexRange, range)
  const anyFlexible = flexTest !== 'false'
  const flexibleExpr = flexTest === 'true' || flexTest === 'false' ? flexTest : 'flexible'
  const fields = []
  for (const f of node.fields) {
    const present = fieldVersions(f, range)
    if (present === null) continue
    const tagged = taggedVersions(f, present)
    if (tagged !== null && !(tagged.lo === present.lo && tagged.hi === present.hi)) {
      throw new Error(`${message.name}.${f.name}: a field tagged in only some of its versions is not supported`)
    }
    if (f.structName !== null && !f.array && f.nullable !== null) {
      throw new Error(`${message.name}.${f.name}: nullable structs are not supported`)
    }
    if (f.base === 'records' && (f.array || tagged !== null || !covers(nullableVersions(f, present), present))) {
      throw new Error(`${message.name}.${f.name}: records must be untagged and nullable in every version`)
    }
    const nullable = nullableVersions(f, present)
    let compact = 'false'
    if (!f.nonFlexible && flexRange !== null) {
      const c = intersect(flexRange, present)
      compact = c === null ? 'false' : covers(c, present) ? 'true' : flexibleExpr
    }
    const optional = tagged !== null || !covers(present, range)
    if (optional && tagged === null && f.structName !== null && !f.array) {
      throw new Error(`${message.name}.${f.name}: a struct missing from some versions must be tagged`)
    }
    fields.push({
      f,
      id: camel(f.name),
      local: `_${camel(f.name)}`,
      label: `${node.path}${camel(f.name)}`,
      presentRange: present,
      present: versionTest(present, range),
      nullable: nullable === null ? 'false' : versionTest(nullable, present),
      nullableRange: nullable,
      compact,
      tag: tagged === null ? null : f.tag,
      tagTest: tagged === null ? null : versionTest(tagged, range),
      optional,
    })
  }
  const knownTags = fields.filter((x) => x.tag !== null).sort((a, b) => a.tag - b.tag)
  const regular = fields.filter((x) => x.tag === null)
  const out = []

  // The interface.
  out.push(`/** ${node.doc ?? `${node.name}: in versions ${formatRange(range)}.`} */`)
  out.push(`export interface ${node.name} {`)
  for (const x of fields) {
    const notes = []
    if (x.present !== 'true') notes.push(`v${formatRange(x.f.versions ?? x.presentRange)}`)
    if (x.nullableRange !== null) {
      notes.push(
        x.nullable === 'true'
          ? 'nullable'
          : `nullable v${formatRange(x.f.nullable === 'all' ? x.nullableRange : x.f.nullable)}`,
      )
    }
    if (x.tag !== null) notes.push(`tag ${x.tag}`)
    if (x.f.default !== null) notes.push(`default ${canonicalDefault(x.f)}`)
    if (notes.length > 0) out.push(`  /** ${notes.join(', ')} */`)
    out.push(`  ${x.id}${x.optional ? '?' : ''}: ${tsType(x.f, uses)}${x.nullableRange !== null ? ' | null' : ''}`)
  }
  if (anyFlexible) {
    out.push('  /** Tagged fields this codec does not know, written back as they came. */')
    out.push('  unknownTaggedFields?: RawTaggedField[]')
    uses.add('RawTaggedField')
  }
  out.push('}', '')

  // The reader.
  const read = [`${exp}function read${node.name}(r: Reader, version: number): ${node.name} {`]
  if (flexibleExpr === 'flexible') read.push(`  const flexible = ${flexTest}`)
  for (const x of regular) read.push(...indent(readField(x, uses)))
  if (anyFlexible) {
    for (const x of knownTags) read.push(`  let ${x.local}: ${valueType(x)} = ${absentValue(x, uses)}`)
    if (knownTags.length === 0) {
      const call = `r.unknownTaggedFields('${node.path}taggedFields')`
      read.push(`  const unknown = ${flexibleExpr === 'true' ? call : `${flexibleExpr} ? ${call} : undefined`}`)
    } else {
      read.push('  let unknown: RawTaggedField[] | undefined')
      const body = [`for (let count = r.uvarint('${node.path}taggedFields'); count > 0; count--) {`]
      body.push(`  const tag = r.uvarint('${node.path}taggedFields')`)
      body.push(`  const end = r.taggedFieldEnd('${node.path}taggedFields')`)
      knownTags.forEach((x, i) => {
        const test = x.tagTest === 'true' ? `tag === ${x.tag}` : `tag === ${x.tag} && ${x.tagTest}`
        body.push(`  ${i === 0 ? 'if' : '} else if'} (${test}) {`)
        body.push(...indent(indent(readValue(x, 'true', x.nullable))))
        body.push(`    r.endTaggedField(end, '${x.label}')`)
      })
      body.push('  } else {', '    ;(unknown ??= []).push(r.rawTaggedField(tag, end))', '  }', '}')
      read.push(
        ...indent(
          branch(
            flexibleExpr,
            () => body,
            () => [],
          ),
        ),
      )
    }
  }
  read.push(`  const out: ${node.name} = {${fields.map((x) => `${x.id}: ${x.local}`).join(', ')}}`)
  if (anyFlexible) read.push('  if (unknown !== undefined) out.unknownTaggedFields = unknown')
  read.push('  return out', '}', '')
  out.push(...read)

  // The writer.
  const write = [`${exp}function write${node.name}(w: Writer, version: number, v: ${node.name}): void {`]
  if (flexibleExpr === 'flexible') write.push(`  const flexible = ${flexTest}`)
  for (const x of regular) {
    const body = writeValue(x, valueExpr(x, uses), x.compact, x.nullable)
    if (x.present === 'true') write.push(...indent(body))
    else if (body.length === 1) write.push(`  if (${x.present}) ${body[0]}`)
    else if (x.present !== 'false') write.push(`  if (${x.present}) {`, ...indent(indent(body)), '  }')
  }
  if (anyFlexible) {
    const body = []
    if (knownTags.length === 0) {
      body.push('w.unknownTaggedFields(v.unknownTaggedFields)')
    } else {
      body.push('const unknown = v.unknownTaggedFields')
      for (const x of knownTags) {
        const test = x.tagTest === 'true' ? '' : `${x.tagTest} && `
        body.push(`const has${x.tag} = ${test}!(${isDefaultTest(x.f, `v.${x.id}`, uses, needsIsDefault)})`)
      }
      const counts = knownTags.map((x) => `(has${x.tag} ? 1 : 0)`)
      body.push(`w.uvarint((unknown === undefined ? 0 : unknown.length) + ${counts.join(' + ')})`)
      body.push('let u = 0')
      for (const x of knownTags) {
        const value = x.f.structName !== null && !x.f.array ? `v.${x.id}!` : valueExpr(x, uses)
        body.push(`if (has${x.tag}) {`)
        body.push(`  if (unknown !== undefined) u = w.rawTaggedFields(unknown, u, ${x.tag})`)
        body.push(`  const mark = w.beginTaggedField(${x.tag})`)
        body.push(...indent(writeValue(x, value, 'true', x.nullable)))
        body.push('  w.endTaggedField(mark)', '}')
      }
      body.push('if (unknown !== undefined) w.rawTaggedFields(unknown, u, Infinity)')
    }
    write.push(
      ...indent(
        branch(
          flexibleExpr,
          () => body,
          () => [],
        ),
      ),
    )
  }
  write.push('}', '')
  out.push(...write)
  return out
}

function valueType(x) {
  const t = tsType(x.f)
  if (x.f.structName !== null && !x.f.array) return `${t} | undefined`
  return x.nullableRange !== null ? `${t} | null` : t
}

/** What a field reads as in a version without it (or with its tag absent): its default. */
function absentValue(x, uses) {
  if (x.f.structName !== null && !x.f.array) return 'undefined'
  return defaultLiteral(x.f, uses)
}

/** The value to write: the field, or its default when the caller left an optional one out. */
function valueExpr(x, uses) {
  if (!x.optional) return `v.${x.id}`
  // `??` would turn an explicit null into the default.
  if (x.nullableRange !== null) return `(v.${x.id} === undefined ? ${defaultLiteral(x.f, uses)} : v.${x.id})`
  return `v.${x.id} ?? ${defaultLiteral(x.f, uses)}`
}

/** The trailing compact argument of a length-prefixed primitive: none, `, true` or `, flexible`. */
const compactArg = (compact) => (compact === 'false' ? '' : `, ${compact}`)

const LENGTH_PREFIXED = new Set(['string', 'bytes', 'records'])

/** The reader or writer method of a length-prefixed primitive, nullable or not (records always are). */
const lengthPrefixed = (base, nullable) =>
  base === 'records' ? 'records' : nullable ? `nullable${base[0].toUpperCase()}${base.slice(1)}` : base

/** An expression reading one value (no arrays). */
function readScalar(f, compact, nullable, label) {
  if (f.structName !== null) return `read${f.tsStruct}(r, version)`
  if (!LENGTH_PREFIXED.has(f.base)) return `r.${f.base}('${label}')`
  const call = (n) => `r.${lengthPrefixed(f.base, n)}('${label}'${compactArg(compact)})`
  if (nullable === 'true' || nullable === 'false' || f.base === 'records') return call(nullable === 'true')
  return `${nullable} ? ${call(true)} : ${call(false)}`
}

/** Statements that read a field into its local. */
function readField(x, uses) {
  if (!x.f.array) {
    const read = readScalar(x.f, x.compact, x.nullable, x.label)
    if (x.present === 'true') return [`const ${x.local} = ${read}`]
    return [`const ${x.local}: ${valueType(x)} = ${x.present} ? ${read} : ${absentValue(x, uses)}`]
  }
  if (x.present === 'true' && x.nullable === 'false') {
    const element = readScalar(x.f, x.compact, 'false', `${x.label}[]`)
    return [
      `const ${x.local}: ${tsType(x.f)} = []`,
      `for (let i = 0, n = ${arrayLength(x, x.compact, 'false')}; i < n; i++) ${x.local}.push(${element})`,
    ]
  }
  const lines = [`let ${x.local}: ${valueType(x)}`]
  const body = readValue(x, x.compact, x.nullable)
  if (x.present === 'true') return [...lines, '{', ...indent(body), '}']
  return [...lines, `if (${x.present}) {`, ...indent(body), '} else {', `  ${x.local} = ${absentValue(x, uses)}`, '}']
}

function arrayLength(x, compact, nullable) {
  const call = (n) => `r.${n ? 'nullableArrayLength' : 'arrayLength'}('${x.label}'${compactArg(compact)})`
  if (nullable === 'true' || nullable === 'false') return call(nullable === 'true')
  return `${nullable} ? ${call(true)} : ${call(false)}`
}

/** Statements that read a field's value into its (already declared) local. */
function readValue(x, compact, nullable) {
  const f = x.f
  if (!f.array) return [`${x.local} = ${readScalar(f, compact, nullable, x.label)}`]
  const element = readScalar(f, compact, 'false', `${x.label}[]`)
  const elemType = tsType(f).slice(0, -2)
  const fill = [`const a: ${elemType}[] = []`, `for (let i = 0; i < n; i++) a.push(${element})`, `${x.local} = a`]
  const n = `const n = ${arrayLength(x, compact, nullable)}`
  if (nullable === 'false') return [n, ...fill]
  return [n, 'if (n < 0) {', `  ${x.local} = null`, '} else {', ...indent(fill), '}']
}

/** Statements writing one value (no arrays). */
function writeScalar(f, value, compact, nullable) {
  if (f.structName !== null) return [`write${f.tsStruct}(w, version, ${value})`]
  if (!LENGTH_PREFIXED.has(f.base)) return [`w.${f.base}(${value})`]
  const call = (n) => `w.${lengthPrefixed(f.base, n)}(${value}${compactArg(compact)})`
  if (nullable === 'true' || nullable === 'false' || f.base === 'records') return [call(nullable === 'true')]
  return [`if (${nullable}) ${call(true)}`, `else ${call(false)}`]
}

/** Statements that write a field's value. */
function writeValue(x, value, compact, nullable) {
  const f = x.f
  if (!f.array) return writeScalar(f, value, compact, nullable)
  const a = x.local
  const element = writeScalar(f, `${a}[i]!`, compact, 'false')
  const present = [
    `w.arrayLength(${a}.length${compactArg(compact)})`,
    `for (let i = 0; i < ${a}.length; i++) ${element.length === 1 ? element[0] : `{ ${element.join('; ')} }`}`,
  ]
  if (x.nullableRange === null) return [`const ${a} = ${value}`, ...present]
  const onNull = branch(
    nullable,
    () => [`w.nullArray(${compact})`],
    () => [`w.notNullable('${x.label}')`],
  )
  return [`const ${a} = ${value}`, `if (${a} === null) {`, ...indent(onNull), '} else {', ...indent(present), '}']
}

/** A test that a value (possibly undefined) equals the field's default: tagged fields are written only otherwise. */
function isDefaultTest(f, e, uses, needsIsDefault) {
  const d = canonicalDefault(f)
  if (f.structName !== null && !f.array) {
    needsIsDefault.add(f.tsStruct)
    return `isDefault${f.tsStruct}(${e})`
  }
  if (f.array || f.base === 'bytes') {
    if (d === 'null') return `${e} == null`
    return `${e} === undefined || (${e} !== null && ${e}.length === 0)`
  }
  if (f.base === 'records') return `${e} == null`
  return `${e} === undefined || ${e} === ${defaultLiteral(f, uses)}`
}

function emitIsDefault(node, uses, needsIsDefault) {
  const tests = []
  for (const f of node.fields) tests.push(isDefaultTest(f, `v.${camel(f.name)}`, uses, needsIsDefault))
  return [
    `function isDefault${node.name}(v: ${node.name} | undefined): boolean {`,
    `  if (v === undefined) return true`,
    `  if (v.unknownTaggedFields !== undefined && v.unknownTaggedFields.length > 0) return false`,
    ...tests.map((t) => `  if (!(${t})) return false`),
    '  return true',
    '}',
    '',
  ]
}

/** The TypeScript of the structs of one message, its top level last. Returns the lines and the imports used. */
export function emitMessage(message, names, uses) {
  const structs = collectStructs(message, names)
  const top = {
    name: message.name,
    fields: message.fields,
    range: message.versions,
    path: '',
    doc: message.doc,
    exported: true,
  }
  const needsIsDefault = new Set()
  const parts = []
  for (const node of [...structs, top]) parts.push(...emitStruct(node, message, uses, needsIsDefault))
  const lines = parts
  // isDefault helpers, including those of structs nested in a tagged struct.
  const emitted = new Set()
  const pending = [...needsIsDefault]
  while (pending.length > 0) {
    const name = pending.pop()
    if (emitted.has(name)) continue
    emitted.add(name)
    const node = structs.find((s) => s.name === name)
    const before = new Set(needsIsDefault)
    lines.push(...emitIsDefault(node, uses, needsIsDefault))
    for (const n of needsIsDefault) if (!before.has(n)) pending.push(n)
  }
  return lines
}
