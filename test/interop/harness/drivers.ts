// Runs the scenario drivers (one program per client family) and reads their JSON lines: events, then one result
// or error. See test/interop/java/src/main/java/Driver.java for the contract.
import {spawn, type ChildProcess} from 'node:child_process'
import {FAMILY_INFO, type Family} from './families.js'

/** A record as every driver writes and reads it: bytes in base64, null kept. */
export interface WireRecord {
  topic?: string
  partition?: number
  offset?: number
  timestamp?: number | null
  key: string | null
  value: string | null
  headers: [string, string | null][]
}

export type DriverEvent = Record<string, unknown> & {event: string}

/** A running driver: its events so far, a way to write commands to it, and its result when it ends. */
export class DriverProcess {
  readonly events: DriverEvent[] = []
  private readonly child: ChildProcess
  private stderr = ''
  private outcome: {result?: unknown; error?: string} | undefined
  private readonly ended: Promise<unknown>
  private readonly listeners = new Set<() => void>()

  constructor(
    readonly family: Family,
    readonly scenario: string,
    params: object,
  ) {
    const {cmd, args, env} = FAMILY_INFO[family].command()
    this.child = spawn(cmd, [...args, scenario, JSON.stringify(params)], {
      env: {...process.env, ...env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let pending = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString()
      let nl
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim()
        pending = pending.slice(nl + 1)
        if (line === '') continue
        let parsed: Record<string, unknown>
        try {
          parsed = JSON.parse(line) as Record<string, unknown>
        } catch {
          this.stderr += `(stdout, not JSON) ${line}\n`
          continue
        }
        if ('event' in parsed) this.events.push(parsed as DriverEvent)
        else this.outcome = parsed
        for (const l of this.listeners) l()
      }
    })
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000)
    })
    this.ended = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        for (const l of this.listeners) l()
        resolve({code, signal})
      })
    })
  }

  private describe(what: string): Error {
    return new Error(
      `${this.family} ${this.scenario}: ${what}\n--- driver stderr (tail) ---\n${this.stderr.slice(-3000)}`,
    )
  }

  /** Waits for an event that satisfies `match` (events already seen count). */
  waitForEvent(match: (e: DriverEvent) => boolean, timeoutMs = 30_000, what = 'an event'): Promise<DriverEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.find(match)
        if (found) {
          done()
          resolve(found)
          return true
        }
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done()
          reject(this.describe(`ended before ${what}: ${this.outcome?.error ?? 'no error given'}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(this.describe(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.slice(-5))}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.listeners.delete(listener)
      }
      const listener = (): void => void check()
      if (!check()) this.listeners.add(listener)
    })
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`)
  }

  /** Closes the driver's stdin (a group member takes that as "leave"). */
  endInput(): void {
    this.child.stdin!.end()
  }

  /** The driver's result; rejects with its error and stderr when it failed or did not end in time. */
  async result<T = unknown>(timeoutMs = 60_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        this.kill()
        reject(this.describe(`no result within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      await Promise.race([this.ended, timeout])
    } finally {
      clearTimeout(timer)
    }
    if (this.outcome?.error !== undefined) throw this.describe(`failed: ${this.outcome.error}`)
    if (this.outcome === undefined || !('result' in this.outcome)) throw this.describe('ended without a result')
    return this.outcome.result as T
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}

/** Runs `scenario` of `family` to completion and returns its result. */
export function runDriver<T = unknown>(
  family: Family,
  scenario: string,
  params: object,
  timeoutMs = 60_000,
): Promise<T> {
  const driver = new DriverProcess(family, scenario, params)
  driver.endInput()
  return driver.result<T>(timeoutMs)
}
