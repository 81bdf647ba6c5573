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

/** What a finished process printed, and how it exited. */
export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a process to its end with `input` on its stdin, collecting its output. */
function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {env})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => resolve({code, stdout, stderr}))
    child.stdin.end(input)
  })
}

/**
 * Runs one of Kafka's own tools (a main class of kafka-tools or the broker's jars, e.g.
 * org.apache.kafka.tools.ConfigCommand) on the broker's classpath; resolves with its exit code and output.
 */
export function runKafkaTool(mainClass: string, args: readonly string[]): Promise<Run> {
  return runProcess('java', ['-Xmx256m', '-cp', interopEnv().kafkaClasspath, mainClass, ...args], process.env, '')
}

/** Runs kafkalite's CLI (bin/run.js) with this home, `input` on its stdin. */
export function runKafkalite(home: string, args: readonly string[], input = ''): Promise<Run> {
  return runProcess(
    process.execPath,
    [join(ROOT, 'bin', 'run.js'), ...args],
    {...process.env, KAFKALITE_HOME: home},
    input,
  )
}
