// Where scripts/interop/setup.sh put the clients and the broker: its env.json in the interop cache.
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
export const INTEROP_DIR = join(ROOT, 'test', 'interop')
export const INTEROP_HOME = process.env.KAFKALITE_INTEROP_HOME ?? join(homedir(), '.cache', 'kafkalite-interop')

export interface InteropEnv {
  python: string
  javaClasspath: string
  kafkaVersion: string
  kafkaClasspath: string
  kcat: string
}

export function interopEnv(): InteropEnv {
  const file = join(INTEROP_HOME, 'env.json')
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run scripts/interop/setup.sh first (it installs the clients and the broker)`)
  }
  return JSON.parse(readFileSync(file, 'utf8')) as InteropEnv
}
