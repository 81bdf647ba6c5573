// Kafka's console-consumer output: DefaultMessageFormatter (tools/.../consumer/DefaultMessageFormatter.java),
// written into one growing byte buffer that the consumer hands to stdout in large writes.
import {parseBoolean} from '../properties.js'
import type {RecordView} from '../client/consumer-types.js'

/** Bytes waiting for stdout. `take()` hands the filled bytes over and starts a new buffer (writes are async). */
export class OutputBuffer {
  #buf: Buffer
  #length = 0

  constructor(initialSize = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialSize)
  }

  get length(): number {
    return this.#length
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#length + extra))
    this.#buf.copy(next, 0, 0, this.#length)
    this.#buf = next
  }

  writeBytes(src: Buffer, start: number, end: number): void {
    this.#ensure(end - start)
    src.copy(this.#buf, this.#length, start, end)
    this.#length += end - start
  }

  writeString(s: string): void {
    this.#ensure(s.length * 3)
    this.#length += this.#buf.write(s, this.#length, 'utf8')
  }

  take(): Buffer {
    const out = this.#buf.subarray(0, this.#length)
    this.#buf = Buffer.allocUnsafe(this.#buf.length)
    this.#length = 0
    return out
  }
}

/** A record as the formatter sees it: the consumer's RecordView, positions into the fetched bytes. */
export type FormattableRecord = RecordView

type Field = (out: OutputBuffer, r: FormattableRecord) => void

export class DefaultMessageFormatter {
  readonly #fields: Field[] = []
  readonly #keySeparator: Buffer
  readonly #lineSeparator: Buffer

  constructor(props: Readonly<Record<string, string>>) {
    const on = (name: string, fallback = false) => (props[name] === undefined ? fallback : parseBoolean(props[name]))
    this.#keySeparator = Buffer.from(props['key.separator'] ?? '\t', 'utf8')
    this.#lineSeparator = Buffer.from(props['line.separator'] ?? '\n', 'utf8')
    const headersSeparator = props['headers.separator'] ?? ','
    const nullLiteral = Buffer.from(props['null.literal'] ?? 'null', 'utf8')
    const bytes = (out: OutputBuffer, data: Buffer, start: number, length: number) => {
      if (length < 0) out.writeBytes(nullLiteral, 0, nullLiteral.length)
      else out.writeBytes(data, start, start + length)
    }
    // Kafka's fixed order: timestamp, partition, offset, delivery, epoch, headers, key, value.
    if (on('print.timestamp')) {
      this.#fields.push((out, r) =>
        out.writeString(
          r.timestamp < 0 ? 'NO_TIMESTAMP' : `${r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}:${r.timestamp}`,
        ),
      )
    }
    if (on('print.partition')) this.#fields.push((out, r) => out.writeString(`Partition:${r.partition}`))
    if (on('print.offset')) this.#fields.push((out, r) => out.writeString(`Offset:${r.offset}`))
    // kafkalite has no share groups (delivery counts) and the console consumer never shows a leader epoch.
    if (on('print.delivery')) this.#fields.push((out) => out.writeString('Delivery:NOT_PRESENT'))
    if (on('print.epoch')) this.#fields.push((out) => out.writeString('Epoch:NOT_PRESENT'))
    if (on('print.headers')) {
      this.#fields.push((out, r) => {
        if (r.headers.length === 0) return out.writeString('NO_HEADERS')
        r.headers.forEach((h, i) => {
          if (i > 0) out.writeString(headersSeparator)
          out.writeString(`${h.key}:`)
          if (h.value === null) out.writeBytes(nullLiteral, 0, nullLiteral.length)
          else out.writeBytes(h.value, 0, h.value.length)
        })
      })
    }
    if (on('print.key')) this.#fields.push((out, r) => bytes(out, r.data, r.keyStart, r.keyLength))
    if (on('print.value', true)) this.#fields.push((out, r) => bytes(out, r.data, r.valueStart, r.valueLength))
  }

  /** Writes one record: each field followed by key.separator, the last by line.separator. */
  writeTo(out: OutputBuffer, r: FormattableRecord): void {
    const fields = this.#fields
    const last = fields.length - 1
    for (let i = 0; i <= last; i++) {
      fields[i]!(out, r)
      const sep = i < last ? this.#keySeparator : this.#lineSeparator
      out.writeBytes(sep, 0, sep.length)
    }
  }
}
