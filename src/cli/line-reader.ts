// Kafka's console-producer input: LineMessageReader (tools/.../LineMessageReader.java), on bytes. Lines are split
// as Java's BufferedReader.readLine splits them; keys, headers and values are cut out of the line's bytes (UTF-8
// is self-synchronizing, so byte searches find the same separators Java finds in the decoded string).
import {KafkaException, usageError} from '../errors.js'
import {parseBoolean} from '../properties.js'
import type {RecordHeader} from '../protocol/kafka/record-batch.js'

export interface ParsedLine {
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[] | null
}

const EMPTY = Buffer.alloc(0)

function firstTerminator(data: Buffer, from: number): number {
  const nl = data.indexOf(0x0a, from)
  const cr = data.indexOf(0x0d, from)
  return nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr)
}

export interface LineSplitterOptions {
  /** The longest line handed over (default: no limit); a longer one is refused as soon as it is read past this. */
  maxLineBytes?: number
  /** The error for a line longer than maxLineBytes, given its number (from 1). */
  tooLong?: (lineNumber: number, maxLineBytes: number) => Error
}

/**
 * Splits a byte stream into lines: \n, \r\n and a lone \r end a line; the last line may lack a terminator. Lines
 * inside a chunk are handed over as views of it; a line that spans chunks is held as a list of pieces and copied
 * once, when it ends, so a long line costs time and memory in proportion to its length.
 */
export class LineSplitter {
  readonly #maxLineBytes: number
  readonly #tooLong: (lineNumber: number, maxLineBytes: number) => Error
  /** The pieces of the line that spans chunks, and their length. */
  #pieces: Buffer[] = []
  #held = 0
  #skipLF = false
  #lines = 0

  constructor(options: LineSplitterOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? Infinity
    this.#tooLong =
      options.tooLong ?? ((n, max) => new KafkaException('MESSAGE_TOO_LARGE', `Line ${n} is longer than ${max} bytes.`))
  }

  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    const data = chunk
    let i = 0
    if (this.#skipLF) {
      this.#skipLF = false
      if (data[0] === 0x0a) i = 1
    }
    if (this.#held > 0) {
      const end = firstTerminator(data, i)
      if (end === -1) {
        this.#hold(data.subarray(i))
        return
      }
      this.#emit(this.#take(data.subarray(i, end)), onLine)
      i = this.#afterTerminator(data, end)
      if (i < 0) return
    }
    let nextCR = data.indexOf(0x0d, i)
    while (true) {
      const nl = data.indexOf(0x0a, i)
      if (nextCR !== -1 && nextCR < i) nextCR = data.indexOf(0x0d, i)
      if (nextCR !== -1 && (nl === -1 || nextCR < nl)) {
        this.#emit(data.subarray(i, nextCR), onLine)
        i = this.#afterTerminator(data, nextCR)
        if (i < 0) return
        nextCR = data.indexOf(0x0d, i)
        continue
      }
      if (nl === -1) break
      this.#emit(data.subarray(i, nl), onLine)
      i = nl + 1
    }
    if (i < data.length) this.#hold(data.subarray(i))
  }

  /** Hands over the last line if the input did not end with a line terminator. */
  end(onLine: (line: Buffer) => void): void {
    if (this.#held > 0) this.#emit(this.#take(EMPTY), onLine)
  }

  #emit(line: Buffer, onLine: (line: Buffer) => void): void {
    if (line.length > this.#maxLineBytes) throw this.#tooLong(this.#lines + 1, this.#maxLineBytes)
    this.#lines++
    onLine(line)
  }

  /** Keeps the start of a line that goes on in the next chunk; refuses it once it is longer than the limit. */
  #hold(piece: Buffer): void {
    this.#held += piece.length
    if (this.#held > this.#maxLineBytes) {
      this.#pieces = []
      throw this.#tooLong(this.#lines + 1, this.#maxLineBytes)
    }
    this.#pieces.push(piece)
  }

  /** The held pieces and the line's last piece, as one buffer (one copy). */
  #take(last: Buffer): Buffer {
    const pieces = this.#pieces
    const line = Buffer.concat(last.length > 0 ? [...pieces, last] : pieces, this.#held + last.length)
    this.#pieces = []
    this.#held = 0
    return line
  }

  /** Where the next line starts after the terminator at `at`; -1 when a \r ends the chunk (a \n may follow). */
  #afterTerminator(data: Buffer, at: number): number {
    if (data[at] === 0x0a) return at + 1
    if (at + 1 === data.length) {
      this.#skipLF = true
      return -1
    }
    return data[at + 1] === 0x0a ? at + 2 : at + 1
  }
}

/** Java's Pattern.split: trailing empty strings are removed (an input without a match stays whole). */
function javaSplit(s: string, pattern: RegExp): string[] {
  const parts = s.split(pattern)
  if (parts.length > 1) while (parts.length > 0 && parts.at(-1) === '') parts.pop()
  return parts
}

export class LineMessageReader {
  readonly #parseKey: boolean
  readonly #parseHeaders: boolean
  readonly #ignoreError: boolean
  readonly #keySeparator: Buffer
  readonly #headersDelimiter: Buffer
  readonly #headersSeparator: RegExp
  readonly #headersKeySeparator: string
  readonly #nullMarker: Buffer | undefined
  readonly #nullMarkerText: string | undefined
  readonly #plain: boolean
  readonly #plainResult: ParsedLine = {key: null, value: null, headers: null}

  constructor(props: Readonly<Record<string, string>>) {
    this.#parseKey = parseBoolean(props['parse.key'])
    this.#parseHeaders = parseBoolean(props['parse.headers'])
    this.#ignoreError = parseBoolean(props['ignore.error'])
    const keySeparator = props['key.separator'] ?? '\t'
    const headersDelimiter = props['headers.delimiter'] ?? '\t'
    const headersSeparator = props['headers.separator'] ?? ','
    const headersKeySeparator = props['headers.key.separator'] ?? ':'
    const nullMarker = props['null.marker']
    if (headersDelimiter === headersSeparator)
      throw usageError('headers.delimiter and headers.separator may not be equal')
    if (headersDelimiter === headersKeySeparator)
      throw usageError('headers.delimiter and headers.key.separator may not be equal')
    if (headersSeparator === headersKeySeparator)
      throw usageError('headers.separator and headers.key.separator may not be equal')
    if (nullMarker !== undefined) {
      for (const [name, value] of [
        ['key.separator', keySeparator],
        ['headers.separator', headersSeparator],
        ['headers.delimiter', headersDelimiter],
        ['headers.key.separator', headersKeySeparator],
      ] as const) {
        if (nullMarker === value) throw usageError(`null.marker and ${name} may not be equal`)
      }
    }
    for (const [name, value] of [
      ['key.separator', keySeparator],
      ['headers.delimiter', headersDelimiter],
      ['headers.separator', headersSeparator],
      ['headers.key.separator', headersKeySeparator],
    ] as const) {
      if (value === '') throw usageError(`${name} may not be empty`)
    }
    this.#keySeparator = Buffer.from(keySeparator, 'utf8')
    this.#headersDelimiter = Buffer.from(headersDelimiter, 'utf8')
    try {
      this.#headersSeparator = new RegExp(headersSeparator)
    } catch (error) {
      throw usageError(
        `headers.separator '${headersSeparator}' is not a valid regular expression: ${(error as Error).message}`,
      )
    }
    this.#headersKeySeparator = headersKeySeparator
    this.#nullMarker = nullMarker === undefined ? undefined : Buffer.from(nullMarker, 'utf8')
    this.#nullMarkerText = nullMarker
    this.#plain = !this.#parseKey && !this.#parseHeaders && nullMarker === undefined
  }

  /** One record from one line (line numbers start at 1), with Kafka's error texts. */
  parse(line: Buffer, lineNumber: number): ParsedLine {
    if (this.#plain) {
      // The common case (the whole line is the value) reuses one result object: callers use it before the next call.
      this.#plainResult.value = line
      return this.#plainResult
    }
    let start = 0
    let headerBlock: Buffer | null = null
    if (this.#parseHeaders) {
      headerBlock = this.#cut(line, 0, this.#headersDelimiter, 'headers delimiter', lineNumber)
      if (headerBlock !== null) start = headerBlock.length + this.#headersDelimiter.length
    }
    let key: Buffer | null = null
    if (this.#parseKey) {
      key = this.#cut(line, start, this.#keySeparator, 'key separator', lineNumber)
      if (key !== null) start += key.length + this.#keySeparator.length
    }
    const value = line.subarray(start)
    return {
      key: key !== null && !this.#isNull(key) ? key : null,
      value: this.#isNull(value) ? null : value,
      headers:
        headerBlock !== null && !this.#isNull(headerBlock)
          ? this.#headers(headerBlock.toString('utf8'), lineNumber)
          : null,
    }
  }

  #isNull(b: Buffer): boolean {
    return this.#nullMarker !== undefined && b.equals(this.#nullMarker)
  }

  #cut(line: Buffer, start: number, separator: Buffer, name: string, lineNumber: number): Buffer | null {
    const index = line.indexOf(separator, start)
    if (index === -1) {
      if (this.#ignoreError) return null
      throw new KafkaException(
        'RECORD_PARSE_ERROR',
        `No ${name} found on line number ${lineNumber}: '${line.toString('utf8')}'`,
      )
    }
    return line.subarray(start, index)
  }

  #headers(block: string, lineNumber: number): RecordHeader[] {
    return javaSplit(block, this.#headersSeparator).map((pair) => {
      const i = pair.indexOf(this.#headersKeySeparator)
      if (i === -1) {
        if (this.#ignoreError) return {key: pair, value: null}
        throw new KafkaException(
          'RECORD_PARSE_ERROR',
          `No header key separator found in pair '${pair}' on line number ${lineNumber}`,
        )
      }
      const key = pair.slice(0, i)
      if (key === this.#nullMarkerText) {
        throw new KafkaException(
          'RECORD_PARSE_ERROR',
          `Header keys should not be equal to the null marker '${this.#nullMarkerText}' as they can't be null`,
        )
      }
      const value = pair.slice(i + this.#headersKeySeparator.length)
      return {key, value: value === this.#nullMarkerText ? null : Buffer.from(value, 'utf8')}
    })
  }
}
