// Avro's JSON encoding, as Confluent's Avro console tools read and print it (AvroSchemaUtils.toObject / toJson, on
// Avro's JsonDecoder and JsonEncoder, Jackson underneath): a union is `null` or `{"<branch>": value}` (the branch's
// full name for named types, else its type name), bytes and fixed are strings of one character per byte
// (ISO-8859-1), records print their fields in schema order, compact. Numbers print as Java does: doubles and floats
// with a fraction or an exponent (1.0, 1.0E10), NaN and the infinities as quoted strings (Jackson's default).
// Values on the JavaScript side are avsc's: unions unwrapped where avsc unwraps them, bytes as Buffers.
import type * as Avsc from 'avsc'
import {KafkaException} from '../../errors.js'
import {shown} from './serde-config.js'

type AnyType = Avsc.Type & {
  name?: string
  types?: AnyType[]
  fields?: {name: string; type: AnyType; defaultValue(): unknown}[]
  symbols?: string[]
  size?: number
  itemsType?: AnyType
  valuesType?: AnyType
  underlyingType?: AnyType
  _getIndex?: (value: unknown) => number | undefined
}

// ---- printing ------------------------------------------------------------------------------------------------------

/** A value of `type` in Avro's JSON encoding, as Confluent's AvroMessageFormatter prints it. */
export function toAvroJson(type: Avsc.Type, value: unknown): string {
  const parts: string[] = []
  write(type as AnyType, value, parts)
  return parts.join('')
}

function write(type: AnyType, value: unknown, out: string[]): void {
  switch (type.typeName) {
    case 'null':
      out.push('null')
      return
    case 'boolean':
      out.push(value ? 'true' : 'false')
      return
    case 'int':
    case 'long':
      out.push(String(value))
      return
    case 'float':
      out.push(javaNumber(value as number, true))
      return
    case 'double':
      out.push(javaNumber(value as number, false))
      return
    case 'string':
      out.push(jacksonString(value as string))
      return
    case 'bytes':
    case 'fixed':
      out.push(jacksonString((value as Buffer).toString('latin1')))
      return
    case 'enum':
      out.push(jacksonString(value as string))
      return
    case 'array': {
      out.push('[')
      ;(value as unknown[]).forEach((item, i) => {
        if (i > 0) out.push(',')
        write(type.itemsType!, item, out)
      })
      out.push(']')
      return
    }
    case 'map': {
      out.push('{')
      let first = true
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (!first) out.push(',')
        first = false
        out.push(jacksonString(k), ':')
        write(type.valuesType!, v, out)
      }
      out.push('}')
      return
    }
    case 'record':
    case 'error': {
      out.push('{')
      type.fields!.forEach((f, i) => {
        if (i > 0) out.push(',')
        out.push(jacksonString(f.name), ':')
        write(f.type, (value as Record<string, unknown>)[f.name], out)
      })
      out.push('}')
      return
    }
    case 'union:unwrapped': {
      if (value === null) {
        out.push('null')
        return
      }
      const branch = type.types![type._getIndex!(value)!]!
      out.push('{', jacksonString(branchName(branch)), ':')
      write(branch, value, out)
      out.push('}')
      return
    }
    case 'union:wrapped': {
      if (value === null) {
        out.push('null')
        return
      }
      const [name, inner] = Object.entries(value as Record<string, unknown>)[0]!
      const branch = type.types!.find((t) => t.branchName === name)!
      out.push('{', jacksonString(branchName(branch)), ':')
      write(branch, inner, out)
      out.push('}')
      return
    }
    default:
      if (type.underlyingType !== undefined) {
        write(type.underlyingType, value, out)
        return
      }
      out.push(JSON.stringify(value) ?? 'null')
  }
}

/** The name Avro's JSON encoding gives a union branch: the full name of a named type, else the type's name. */
function branchName(type: AnyType): string {
  if (type.name !== undefined) return type.name
  if (type.underlyingType !== undefined) return branchName(type.underlyingType)
  return type.typeName
}

/** A string as Jackson writes it: ", \ and control characters escaped (\\uXXXX in upper case), the rest as is. */
export function jacksonString(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f]/.test(s)) return JSON.stringify(s)
  let out = '"'
  for (const ch of s) {
    const c = ch.charCodeAt(0)
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (c >= 0x20) out += ch
    else if (c === 0x08) out += '\\b'
    else if (c === 0x09) out += '\\t'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0c) out += '\\f'
    else if (c === 0x0d) out += '\\r'
    else out += `\\u00${c.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return `${out}"`
}

/**
 * A double (or a float) as Java's Double.toString (Float.toString) writes it: the shortest digits that read back as
 * the same value, plain between 10^-3 and 10^7 with at least one digit after the point (100.0), else as d.dddE±n
 * (1.0E10); NaN and the infinities as Jackson quotes them.
 */
export function javaNumber(v: number, isFloat: boolean): string {
  if (Number.isNaN(v)) return '"NaN"'
  if (v === Infinity) return '"Infinity"'
  if (v === -Infinity) return '"-Infinity"'
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0'
  let exponential = v.toExponential()
  if (isFloat) {
    for (let p = 1; p <= 9; p++) {
      const candidate = v.toExponential(p - 1)
      if (Math.fround(Number(candidate)) === v) {
        exponential = candidate
        break
      }
    }
  }
  const [mantissa, e] = exponential.split('e') as [string, string]
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '') || '0'
  const exp = Number(e)
  const abs = Math.abs(v)
  let s: string
  if (abs >= 1e-3 && abs < 1e7) {
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
      s = `${int}.${digits.slice(exp + 1) || '0'}`
    } else {
      s = `0.${'0'.repeat(-exp - 1)}${digits}`
    }
  } else {
    s = `${digits[0]}.${digits.slice(1) || '0'}E${exp}`
  }
  return negative ? `-${s}` : s
}

// ---- reading -------------------------------------------------------------------------------------------------------

/**
 * Reads a line of Avro's JSON encoding into an avsc value of `type`, as Confluent's AvroMessageReader does (Avro's
 * JsonDecoder): unions as `null` or `{"<branch>": value}`, bytes as strings of ISO-8859-1 characters, a missing
 * record field takes its default. Throws one line naming the field that does not match.
 */
export function fromAvroJson(type: Avsc.Type, text: string): unknown {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new KafkaException('SERIALIZATION', `it is not JSON (${(error as Error).message})`)
  }
  const t = type as AnyType
  return read(t, json, [], t.name)
}

class Mismatch extends KafkaException {}

function mismatch(path: string[], record: string | undefined, expected: string, got: unknown): Mismatch {
  const what = got === undefined ? 'nothing (the field is missing and has no default)' : shown(got)
  const where =
    path.length === 0
      ? ''
      : `Field "${path.join('.')}" of ${record === undefined ? 'the value' : `record "${record}"`}: `
  return new Mismatch('SERIALIZATION', `${where}expected ${expected}, got ${what}`)
}

function read(type: AnyType, json: unknown, path: string[], top: string | undefined): unknown {
  const fail = (expected: string) => mismatch(path, top, expected, json)
  switch (type.typeName) {
    case 'null':
      if (json !== null) throw fail('null')
      return null
    case 'boolean':
      if (typeof json !== 'boolean') throw fail('boolean')
      return json
    case 'int':
      if (typeof json !== 'number' || !Number.isInteger(json) || json !== (json | 0)) throw fail('int')
      return json
    case 'long':
      if (typeof json !== 'number' || !Number.isInteger(json)) throw fail('long')
      if (!Number.isSafeInteger(json)) throw fail('long (kafkalite reads longs up to 2^53 - 1 exactly)')
      return json
    case 'float':
    case 'double':
      if (typeof json === 'number') return json
      if (json === 'NaN') return NaN
      if (json === 'Infinity') return Infinity
      if (json === '-Infinity') return -Infinity
      throw fail(type.typeName)
    case 'string':
      if (typeof json !== 'string') throw fail('string')
      return json
    case 'bytes':
    case 'fixed': {
      // eslint-disable-next-line no-control-regex
      if (typeof json !== 'string' || /[^\u0000-\u00ff]/.test(json)) {
        throw fail(`${type.typeName} (a string of characters \\u0000 to \\u00ff, one per byte)`)
      }
      const bytes = Buffer.from(json, 'latin1')
      if (type.typeName === 'fixed' && bytes.length !== type.size)
        throw fail(`fixed ${type.name} of ${type.size} bytes`)
      return bytes
    }
    case 'enum':
      if (typeof json !== 'string' || !type.symbols!.includes(json)) {
        throw fail(`enum ${type.name} (one of ${type.symbols!.join(', ')})`)
      }
      return json
    case 'array':
      if (!Array.isArray(json)) throw fail('array')
      return json.map((item, i) => read(type.itemsType!, item, [...path, String(i)], top))
    case 'map': {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('map')
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(json)) out[k] = read(type.valuesType!, v, [...path, k], top)
      return out
    }
    case 'record':
    case 'error': {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail(`record ${type.name}`)
      const obj = json as Record<string, unknown>
      const names = new Set(type.fields!.map((f) => f.name))
      for (const k of Object.keys(obj)) {
        if (!names.has(k)) {
          throw new Mismatch(
            'SERIALIZATION',
            `${path.length === 0 ? `Record "${type.name}"` : `Field "${path.join('.')}" (record "${type.name}")`} has no field "${k}" (its fields: ${[...names].join(', ')})`,
          )
        }
      }
      const out: Record<string, unknown> = {}
      for (const f of type.fields!) {
        if (Object.hasOwn(obj, f.name)) out[f.name] = read(f.type, obj[f.name], [...path, f.name], top)
        else {
          const d = f.defaultValue()
          if (d === undefined) throw mismatch([...path, f.name], top, describe(f.type), undefined)
          out[f.name] = d
        }
      }
      return out
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const types = type.types!
      if (json === null) {
        const i = types.findIndex((t) => t.typeName === 'null')
        if (i < 0) throw fail(describe(type))
        return null
      }
      const entries = typeof json === 'object' && !Array.isArray(json) ? Object.entries(json) : []
      const branch = entries.length === 1 ? types.find((t) => matchesBranch(t, entries[0]![0])) : undefined
      if (branch === undefined) {
        throw fail(
          `${describe(type)}, written {"<branch>": value} (${types
            .filter((t) => t.typeName !== 'null')
            .map((t) => `{"${branchName(t)}": ...}`)
            .join(' or ')}${types.some((t) => t.typeName === 'null') ? ' or null' : ''})`,
        )
      }
      const inner = read(branch, entries[0]![1], path, top)
      return type.typeName === 'union:wrapped' ? {[branch.branchName!]: inner} : inner
    }
    default:
      if (type.underlyingType !== undefined) return read(type.underlyingType, json, path, top)
      return json
  }
}

function matchesBranch(type: AnyType, name: string): boolean {
  const full = branchName(type)
  return full === name || (type.name !== undefined && full.split('.').at(-1) === name)
}

function describe(type: AnyType): string {
  switch (type.typeName) {
    case 'record':
    case 'error':
    case 'fixed':
      return `${type.typeName} ${type.name}`
    case 'enum':
      return `enum ${type.name} (one of ${type.symbols!.join(', ')})`
    case 'union:unwrapped':
    case 'union:wrapped':
      return `union [${type.types!.map(describe).join(', ')}]`
    default:
      return type.underlyingType !== undefined ? describe(type.underlyingType) : type.typeName
  }
}
