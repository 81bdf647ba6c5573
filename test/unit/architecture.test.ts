// The dependency rule of ARCHITECTURE.md, checked on the code's own import lines: every folder imports only the
// folders below it, and no file reaches itself through its imports (type-only imports included: a type cycle is
// still a misplaced definition).
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/** What each layer may import besides itself. `leaf` is the files directly in src/ (errors, paths, properties, ...). */
const ALLOWED: Record<string, readonly string[]> = {
  leaf: [],
  'protocol/kafka': ['leaf'],
  'protocol/socket': ['leaf', 'protocol/kafka'],
  store: ['leaf', 'protocol/kafka'],
  lag: ['leaf', 'protocol/kafka', 'protocol/socket'],
  broker: ['leaf', 'protocol/kafka', 'protocol/socket', 'store', 'lag'],
  daemon: ['leaf', 'protocol/kafka', 'protocol/socket', 'store', 'broker'],
  client: ['leaf', 'protocol/kafka', 'protocol/socket'],
  tui: ['leaf', 'protocol/kafka', 'protocol/socket'],
  cli: ['leaf', 'protocol/kafka', 'protocol/socket', 'lag', 'client', 'tui'],
  commands: ['leaf', 'protocol/kafka', 'protocol/socket', 'lag', 'client', 'cli', 'tui'],
  hooks: ['leaf', 'cli'],
}
/** Packages a layer must not load: SQLite stays in the store, ink and react in the TUI. */
const FORBIDDEN_PACKAGES: Record<string, readonly string[]> = {
  'better-sqlite3': ['store'],
  ink: ['tui'],
  react: ['tui'],
}

function layerOf(file: string): string {
  const rel = relative(SRC, file)
  const parts = rel.split('/')
  if (parts.length === 1) return 'leaf'
  if (parts[0] === 'protocol') return `protocol/${parts[1]}`
  return parts[0]!
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(name) ? [path] : []
  })
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function importsOf(file: string): {relative: string[]; packages: string[]} {
  const text = readFileSync(file, 'utf8')
  const relativeImports: string[] = []
  const packages: string[] = []
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2])!
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '')
      const found = ['.ts', '.tsx'].map((ext) => target + ext).find((p) => files.includes(p))
      if (found) relativeImports.push(found)
    } else if (!spec.startsWith('node:')) {
      packages.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)
    }
  }
  return {relative: relativeImports, packages}
}

const files = sourceFiles(SRC)
const graph = new Map(files.map((f) => [f, importsOf(f)]))
const name = (f: string) => relative(SRC, f)

describe('the dependency rule', () => {
  it('has a layer rule for every folder of src/', () => {
    expect([...new Set(files.map(layerOf))].filter((l) => !(l in ALLOWED))).toEqual([])
  })

  it('lets every folder import only the folders below it', () => {
    const upward: string[] = []
    for (const [file, {relative: targets}] of graph) {
      const from = layerOf(file)
      for (const target of targets) {
        const to = layerOf(target)
        if (to !== from && !ALLOWED[from]!.includes(to)) upward.push(`${name(file)} -> ${name(target)}`)
      }
    }
    expect(upward).toEqual([])
  })

  it('keeps SQLite in the store and ink and react in the TUI', () => {
    const misplaced: string[] = []
    for (const [file, {packages}] of graph) {
      for (const pkg of packages) {
        const owners = FORBIDDEN_PACKAGES[pkg]
        if (owners && !owners.includes(layerOf(file))) misplaced.push(`${name(file)} imports ${pkg}`)
      }
    }
    expect(misplaced).toEqual([])
  })

  it('has no import cycle, type-only imports included', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const stack: string[] = []
    const visit = (file: string) => {
      state.set(file, 'open')
      stack.push(file)
      for (const next of graph.get(file)!.relative) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map(name).join(' -> '))
        else if (!state.has(next)) visit(next)
      }
      stack.pop()
      state.set(file, 'done')
    }
    for (const file of files) if (!state.has(file)) visit(file)
    expect(cycles).toEqual([])
  })

  it('finds the imports it checks (the rule cannot pass on an empty graph)', () => {
    const edges = [...graph.values()].reduce((n, g) => n + g.relative.length, 0)
    expect(files.length).toBeGreaterThan(50)
    expect(edges).toBeGreaterThan(150)
  })
})
