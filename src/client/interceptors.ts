// Kafka's client interceptors (ProducerInterceptor, ConsumerInterceptor), declared with `interceptor.classes` as in
// Java: a list of classes (instantiated with no arguments), instances, or, from properties files and the command
// line, module specifiers `path/to/module.js#ExportName` (the default export without `#`). Each gets
// `configure(config)` if it has one. An interceptor that throws is logged and skipped, as Kafka does: it never
// fails a send or a poll.
import {isAbsolute, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {KafkaException} from '../errors.js'
import type {ClientConfig} from './config.js'

export interface Configurable {
  configure?(config: ClientConfig): void
  close?(): void | Promise<void>
}

type Given<T> = (new () => T) | T
type Spec<T> = string | Given<T>

/** The interceptors declared in `interceptor.classes`: at once, or once their modules are imported. */
export function loadInterceptors<T extends Configurable>(config: ClientConfig): T[] | Promise<T[]> {
  const raw = config['interceptor.classes']
  if (raw === undefined || raw === null || raw === '') return []
  const specs: Spec<T>[] = Array.isArray(raw)
    ? (raw as Spec<T>[])
    : String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
  const configure = (i: T): T => {
    i.configure?.(config)
    return i
  }
  const instance = (spec: Given<T>): T =>
    configure(typeof spec === 'function' ? new (spec as new () => T)() : (spec as T))
  if (specs.every((s) => typeof s !== 'string')) return specs.map((s) => instance(s as Given<T>))
  return Promise.all(
    specs.map(async (spec) => {
      if (typeof spec !== 'string') return instance(spec as Given<T>)
      const [path, name = 'default'] = spec.split('#') as [string, string?]
      const url = path.startsWith('.') || isAbsolute(path) ? pathToFileURL(resolve(path)).href : path
      let exported: unknown
      try {
        exported = ((await import(url)) as Record<string, unknown>)[name]
      } catch (error) {
        throw new KafkaException(
          'INVALID_CONFIG',
          `Invalid value ${spec} for configuration interceptor.classes: cannot import '${path}' (${(error as Error).message})`,
        )
      }
      if (typeof exported !== 'function' && (typeof exported !== 'object' || exported === null)) {
        throw new KafkaException(
          'INVALID_CONFIG',
          `Invalid value ${spec} for configuration interceptor.classes: '${path}' has no export '${name}' (name it as path#ExportName)`,
        )
      }
      return instance(exported as Given<T>)
    }),
  )
}

/** Calls `fn` on each interceptor, reporting (not throwing) what an interceptor throws. */
export function eachInterceptor<T>(
  interceptors: readonly T[],
  fn: (i: T) => void,
  report: (message: string) => void,
  what: string,
): void {
  for (const i of interceptors) {
    try {
      fn(i)
    } catch (error) {
      report(`Error executing interceptor ${what}: ${(error as Error).message}`)
    }
  }
}

/**
 * A client's interceptors, loaded once, the same way for the producer and the consumer: at once when given as
 * classes or instances, else once their modules are imported. A failed import is held as the client's error (it is
 * never an unhandled rejection): `ready()` rejects with it wherever the client waits for them.
 */
export class Interceptors<T extends Configurable> {
  list: readonly T[] = []
  #loading: Promise<void> | null = null
  #error: KafkaException | null = null
  readonly #report: (message: string) => void

  constructor(config: ClientConfig, report: (message: string) => void) {
    this.#report = report
    const loaded = loadInterceptors<T>(config)
    if (Array.isArray(loaded)) {
      this.list = loaded
      return
    }
    this.#loading = loaded.then(
      (list) => {
        this.list = list
        this.#loading = null
      },
      (error: unknown) => {
        this.#error = error instanceof KafkaException ? error : new KafkaException('INVALID_CONFIG', String(error))
        this.#loading = null
      },
    )
  }

  /** Null once loaded (the common case, checked without a promise); else resolves when loaded. */
  get loading(): Promise<void> | null {
    return this.#loading
  }

  /** The error of a failed load, if any. */
  get error(): KafkaException | null {
    return this.#error
  }

  /** Resolves once loaded; rejects with the load's error. */
  async ready(): Promise<void> {
    if (this.#loading) await this.#loading
    if (this.#error) throw this.#error
  }

  /** Calls `fn` on each, reporting (not throwing) what an interceptor throws. */
  each(fn: (i: T) => void, what: string): void {
    if (this.list.length > 0) eachInterceptor(this.list, fn, this.#report, what)
  }

  /** Closes each, reporting what fails. */
  async close(): Promise<void> {
    for (const i of this.list) {
      try {
        await i.close?.()
      } catch (e) {
        this.#report(`Error closing interceptor: ${(e as Error).message}`)
      }
    }
  }
}
