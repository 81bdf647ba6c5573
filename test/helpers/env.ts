// Test helpers: every test gets its own broker home in a temporary directory, drives the real CLI binary or the
// real client library, and waits for conditions rather than sleeping.
import {spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RunOptions {
  input?: string | Buffer
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** A private broker home for one test; `cleanup` stops its daemon and removes it. */
export class TestHome {
  readonly dir: string

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'kl-'))
  }

  get env(): NodeJS.ProcessEnv {
    return {...process.env, KAFKALITE_HOME: this.dir, NO_COLOR: '1'}
  }

  /** Runs `kafkalite <args>` to completion. */
  run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return runCli(args, {...options, env: {...this.env, ...options.env}})
  }

  /** Starts `kafkalite <args>` and returns the child (for long-running consumers). */
  spawn(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn(process.execPath, [BIN, ...args], {env: {...this.env, ...env}, stdio: ['pipe', 'pipe', 'pipe']})
  }

  /** The daemon's pid from its pid file, if it has one. */
  daemonPid(): number | undefined {
    try {
      return (JSON.parse(readFileSync(join(this.dir, 'daemon.pid'), 'utf8')) as {pid: number}).pid
    } catch {
      return undefined
    }
  }

  async cleanup(): Promise<void> {
    await this.run(['daemon', 'stop'])
    const pid = this.daemonPid()
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, {recursive: true, force: true})
  }
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal})
    })
    child.stdin.on('error', () => {})
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await condition()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Collects a child's stdout until `predicate` holds on the text so far. */
export function readUntil(
  child: ChildProcess,
  predicate: (text: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`Timed out; output so far: ${JSON.stringify(text)}`)), timeoutMs)
    const onData = (c: Buffer) => {
      text += c.toString('utf8')
      if (predicate(text)) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve(text)
      }
    }
    child.stdout!.on('data', onData)
  })
}

/** Resolves with the exit code of a child. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('close', (code) => resolve(code)))
}
