// The installed package: its root directory (to find the daemon's entry point and the man pages) and its version
// (compared by the hello exchange). Found by walking up from this module, which works both from the tsc output
// (dist/*.js) and from the CLI bundle (dist/bundle/*.js).
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let cached: {root: string; version: string} | undefined

function find(): {root: string; version: string} {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  while (true) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as {name?: string; version?: string}
      if (pkg.name === 'kafkalite') return (cached = {root: dir, version: pkg.version ?? '0.0.0'})
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`Cannot find kafkalite's package.json above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

/** The directory holding kafkalite's package.json. */
export function packageRoot(): string {
  return find().root
}

/** kafkalite's version, from its package.json. */
export function packageVersion(): string {
  return find().version
}

/** The daemon's entry point: the bundled daemon, which starts faster than the unbundled one. */
export function daemonEntry(): string {
  return join(packageRoot(), 'dist/bundle/daemon.cjs')
}

/** Node arguments that load the bundles with their V8 code cache (see bin/code-cache.cjs). */
export function codeCacheArgs(): string[] {
  return ['--require', join(packageRoot(), 'bin/code-cache.cjs')]
}
