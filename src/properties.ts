// Java .properties files and Kafka's `k=v` command-line lists, as the Kafka tools read them.
import {existsSync, readFileSync} from 'node:fs'
import {usageError} from './errors.js'

/**
 * Sets `key` as an own property, whatever its name: `out[key] = v` would set the prototype for '__proto__' (and so
 * drop the entry silently). Readers look names up with Object.hasOwn, never `in` or a bare `obj[name]` on a name that
 * came from a user.
 */
export function setOwn(out: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(out, key, {value, enumerable: true, writable: true, configurable: true})
}

/** Kafka's CommandLineUtils.parseKeyValueArgs: splits on the first '='; `k` or `k=` gives "". */
export function parseKeyValueArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    const key = eq < 0 ? arg : arg.slice(0, eq)
    if (key === '') throw usageError(`Invalid property '${arg}': expected key=value`)
    setOwn(out, key, eq < 0 ? '' : arg.slice(eq + 1))
  }
  return out
}

/** Java's `trim().equalsIgnoreCase("true")`. */
export function parseBoolean(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true'
}

const ESCAPES: Record<string, string> = {t: '\t', n: '\n', r: '\r', f: '\f'}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (ESCAPES[c] ?? c),
  )
}

/** Parses the text of a Java .properties file (java.util.Properties.load). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '')
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    // A line ending in an odd number of backslashes continues on the next one.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '')
    }
    let k = 0
    while (k < line.length && !/[=: \t\f]/.test(line[k]!)) k += line[k] === '\\' ? 2 : 1
    const key = line.slice(0, k)
    let rest = line.slice(k).replace(/^[ \t\f]*/, '')
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '')
    setOwn(out, unescape(key), unescape(rest))
  }
  return out
}

/** Reads a properties file; a missing or unreadable file is a usage error naming it. */
export function readPropertiesFile(path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw usageError(`Cannot read properties file '${path}': ${(error as Error).message}`)
  }
  return parseProperties(text)
}

/** Reads a properties file if it exists (server.properties is optional). */
export function readPropertiesIfPresent(path: string): Record<string, string> {
  return existsSync(path) ? parseProperties(readFileSync(path, 'utf8')) : {}
}
