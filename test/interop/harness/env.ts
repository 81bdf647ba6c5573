import {spawn} from 'node:child_process'
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

/**
 * Runs one of Kafka's own tools (a main class of kafka-tools or the broker's jars, e.g.
 * org.apache.kafka.tools.ConfigCommand) on the broker's classpath; resolves with its exit code and output.
 */
export function runKafkaTool(
  mainClass: string,
  args: readonly string[],
): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn('java', ['-Xmx256m', '-cp', interopEnv().kafkaClasspath, mainClass, ...args])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}
