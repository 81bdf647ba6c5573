// The pid file (daemon.pid): which daemon serves the home, and notes for the next one. A daemon that stops cleanly
// removes it, so one found at start says that the last daemon did not stop cleanly (killed, crashed, or stopped
// because its database is damaged).
import {closeSync, readFileSync, writeSync} from 'node:fs'
import {KafkaException} from '../errors.js'
import {openPrivateFile} from '../paths.js'

/** What a pid file holds. */
export interface PidNotes {
  pid?: number
  version?: string
  socket?: string
  startedAt?: number
  /** The damage a daemon (or `daemon check`) found: daemons refuse to start until `daemon check` finds none. */
  damaged?: string
  /** The inode of the damaged database file: another file in its place (moved away, a new one) is not refused. */
  damagedInode?: number
  /** When `daemon check` last found the database intact (the next start then skips its own quick_check). */
  checkedAt?: number
  /** The log as of the last write the daemon acknowledged, to find writes lost with the write-ahead log. */
  acked?: LogEnds & {at: number}
  /** The Kafka listeners open: kafkalite's own commands take their advertised addresses for the local broker's. */
  listeners?: {name: string; host: string; port: number; advertisedHost: string; advertisedPort: number}[]
}

/** A summary of the log: its partitions, and the sum of their log end offsets. */
export interface LogEnds {
  partitions: number
  logEnd: number
}

/** The notes of the pid file at `path`; null when there is none (the last daemon stopped cleanly) or it is unreadable. */
export function readPidNotes(path: string): PidNotes | null {
  let text: string
  try {
    const fd = openPrivateFile(path, 'read')
    try {
      text = readFileSync(fd, 'utf8')
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    if (error instanceof KafkaException) throw error // a link in its place
    return null
  }
  try {
    const notes = JSON.parse(text) as unknown
    return typeof notes === 'object' && notes !== null ? (notes as PidNotes) : {}
  } catch {
    return {} // torn by a power loss: there was a daemon, and nothing more is known
  }
}

/** Writes the pid file (mode 0600; a symbolic link in its place is refused, not followed). */
export function writePidNotes(path: string, notes: PidNotes): void {
  const fd = openPrivateFile(path, 'write')
  try {
    writeSync(fd, JSON.stringify(notes) + '\n')
  } finally {
    closeSync(fd)
  }
}

/**
 * The pid file of the running daemon, kept open: its notes are rewritten in place after every acknowledged write
 * (one pwrite of a few hundred bytes, padded so that a shorter text leaves no tail of the longer one).
 */
export class PidFile {
  readonly #fd: number
  #notes: PidNotes
  #length = 0
  #failed = false

  /** Creates (or replaces) the pid file at `path` with `notes`; refuses a symbolic link in its place. */
  constructor(path: string, notes: PidNotes) {
    this.#fd = openPrivateFile(path, 'write')
    this.#notes = notes
    this.#write()
  }

  get notes(): PidNotes {
    return this.#notes
  }

  /**
   * Updates some notes. A write that fails (a full disk: the pid file cannot grow) is dropped: the notes are hints
   * for the next start, never a reason to refuse a request. Returns whether it was written.
   */
  update(notes: PidNotes): boolean {
    this.#notes = {...this.#notes, ...notes}
    return this.#write()
  }

  close(): void {
    closeSync(this.#fd)
  }

  #write(): boolean {
    const text = JSON.stringify(this.#notes)
    const line = Buffer.from(`${text.padEnd(this.#length - 1)}\n`)
    try {
      writeSync(this.#fd, line, 0, line.length, 0)
      this.#length = Math.max(this.#length, line.length)
      this.#failed = false
      return true
    } catch {
      this.#failed = true
      return false
    }
  }

  /** Whether the last write failed. */
  get failed(): boolean {
    return this.#failed
  }
}
