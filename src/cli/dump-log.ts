// kafka-dump-log (Kafka 4.4's DumpLogSegments) for record batches: one line per batch, and with deep iteration one
// per record, in Kafka's words and order. The batches come from a partition's log through a fetch (the local daemon
// or a Kafka cluster: kafkalite has no segment files) or from a Kafka segment file read from disk.
import {closeSync, openSync, readSync} from 'node:fs'
import {crc32c} from '../protocol/kafka/crc32c.js'
import {
  ATTRIBUTE,
  BATCH_HEADER_SIZE,
  CONTROL_TYPE,
  forEachRecord,
  OFFSET,
  readBatchHeader,
  type BatchHeader,
} from '../protocol/kafka/record-batch.js'

/** What to print, from DumpLogSegments' options. */
export interface DumpOptions {
  /** --print-data-log: keys and values, as StringDecoder decodes them (UTF-8). */
  printDataLog: boolean
  /** --deep-iteration (implied by --print-data-log): a line per record. */
  deepIteration: boolean
  /** --skip-record-metadata: records without their metadata (and control records as empty lines). */
  skipRecordMetadata: boolean
}

/** What one dump found, for --json and for the exit code. */
export interface DumpSummary {
  batches: number
  records: number
  bytes: number
  /** Batches whose CRC-32C does not match (isvalid: false). */
  invalidBatches: {baseOffset: number; position: number}[]
  /** Consecutive records whose offsets are not consecutive (DumpLogSegments' "Non-consecutive offsets"). */
  nonConsecutive: [number, number][]
  /** A batch whose records could not be read (deep iteration), with why. */
  corrupt: {baseOffset: number; message: string} | null
}

const CODEC = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const DELETE_HORIZON = 0x40
const INT_MAX = 2147483647

/** DefaultRecordBatch.incrementSequence: sequences wrap at Integer.MAX_VALUE to 0. */
function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT_MAX - increment ? increment - (INT_MAX - sequence) - 1 : sequence + increment
}

const timestampType = (h: BatchHeader) => (h.attributes & ATTRIBUTE.logAppendTime ? 'LogAppendTime' : 'CreateTime')

/** printBatchLevel: the batch line of a magic 2 batch. */
export function batchLine(batch: Buffer, h: BatchHeader, position: number, valid: boolean): string {
  const lastSequence = h.baseSequence === -1 ? -1 : incrementSequence(h.baseSequence, h.lastOffsetDelta)
  const deleteHorizon = h.attributes & DELETE_HORIZON ? `OptionalLong[${h.baseTimestamp}]` : 'OptionalLong.empty'
  return (
    `baseOffset: ${h.baseOffset} lastOffset: ${h.baseOffset + h.lastOffsetDelta} count: ${h.recordCount}` +
    ` baseSequence: ${h.baseSequence} lastSequence: ${lastSequence} producerId: ${h.producerId}` +
    ` producerEpoch: ${h.producerEpoch} partitionLeaderEpoch: ${h.partitionLeaderEpoch}` +
    ` isTransactional: ${h.isTransactional} isControl: ${h.isControl} deleteHorizonMs: ${deleteHorizon}` +
    ` position: ${position} ${timestampType(h)}: ${h.maxTimestamp} size: ${batch.length} magic: ${h.magic}` +
    ` compresscodec: ${CODEC[h.compression] ?? `unknown(${h.compression})`} crc: ${h.crc} isvalid: ${valid}`
  )
}

/** DefaultRecordBatch.isValid: the size holds a header and the CRC-32C of bytes 21.. matches. */
export function batchIsValid(batch: Buffer): boolean {
  return (
    batch.length >= BATCH_HEADER_SIZE &&
    crc32c(batch, OFFSET.attributes, batch.length) === batch.readUInt32BE(OFFSET.crc)
  )
}

/**
 * Prints batches as DumpLogSegments.dumpLog prints a segment's: `position` counts bytes from the first batch given.
 * Stops at the first batch whose records cannot be read (deep iteration), reporting it in the summary.
 */
export class LogDumper {
  readonly summary: DumpSummary = {
    batches: 0,
    records: 0,
    bytes: 0,
    invalidBatches: [],
    nonConsecutive: [],
    corrupt: null,
  }

  #lastOffset = -1

  constructor(
    readonly options: DumpOptions,
    readonly print: (line: string) => void,
  ) {}

  /** Prints one batch (and its records); false once a batch could not be read, and nothing more should be. */
  batch(batch: Buffer): boolean {
    const h = readBatchHeader(batch)
    const valid = batchIsValid(batch)
    this.print(batchLine(batch, h, this.summary.bytes, valid))
    if (!valid) this.summary.invalidBatches.push({baseOffset: h.baseOffset, position: this.summary.bytes})
    this.summary.batches++
    this.summary.bytes += batch.length
    if (!this.options.deepIteration) return true
    try {
      this.#records(batch, h)
    } catch (error) {
      this.summary.corrupt = {baseOffset: h.baseOffset, message: (error as Error).message}
      return false
    }
    return true
  }

  #records(batch: Buffer, h: BatchHeader): void {
    const o = this.options
    const type = timestampType(h)
    forEachRecord(batch, 0, batch.length, h, (r) => {
      this.summary.records++
      if (r.offset !== this.#lastOffset + 1) this.summary.nonConsecutive.push([this.#lastOffset, r.offset])
      this.#lastOffset = r.offset
      let line = ''
      if (!o.skipRecordMetadata) {
        const offsetDelta = r.offset - h.baseOffset
        const sequence = h.baseSequence >= 0 ? incrementSequence(h.baseSequence, offsetDelta) : -1
        line =
          `| offset: ${r.offset} ${type}: ${r.timestamp} keySize: ${r.keyLength} valueSize: ${r.valueLength}` +
          ` sequence: ${sequence} headerKeys: [${r.headers.map((x) => x.key).join(',')}]`
        if (h.isControl) line += controlRecord(r.data, r.keyStart, r.keyLength, r.valueStart, r.valueLength)
      }
      if (o.printDataLog && !h.isControl) {
        let prefix = o.skipRecordMetadata ? '| ' : ' '
        if (r.keyLength >= 0) {
          line += `${prefix}key: ${r.data.toString('utf8', r.keyStart, r.keyStart + r.keyLength)}`
          prefix = ' '
        }
        if (r.valueLength >= 0) {
          line += `${prefix}payload: ${r.data.toString('utf8', r.valueStart, r.valueStart + r.valueLength)}`
        }
      }
      this.print(line)
    })
  }

  /** The lines DumpLogSegments prints on stderr after the dump: non-consecutive offsets of `name`. */
  nonConsecutiveLines(name: string): string[] {
    if (this.summary.nonConsecutive.length === 0) return []
    return [
      `Non-consecutive offsets in ${name}`,
      ...this.summary.nonConsecutive.map(([a, b]) => `  ${a} is followed by ${b}`),
    ]
  }
}

/** printControlRecord: a transaction marker's type and coordinator epoch; any other control type by its id. */
function controlRecord(
  data: Buffer,
  keyStart: number,
  keyLength: number,
  valueStart: number,
  valueLength: number,
): string {
  if (keyLength < 4) return ' controlType: UNKNOWN(-1)'
  const type = data.readInt16BE(keyStart + 2)
  if ((type === CONTROL_TYPE.abort || type === CONTROL_TYPE.commit) && valueLength >= 6) {
    return ` endTxnMarker: ${type === CONTROL_TYPE.commit ? 'COMMIT' : 'ABORT'} coordinatorEpoch: ${data.readInt32BE(valueStart + 2)}`
  }
  const names: Record<number, string> = {
    2: 'LEADER_CHANGE',
    3: 'SNAPSHOT_HEADER',
    4: 'SNAPSHOT_FOOTER',
    5: 'KRAFT_VERSION',
    6: 'KRAFT_VOTERS',
  }
  return ` controlType: ${names[type] ?? 'UNKNOWN'}(${type})`
}

/**
 * The batches of a Kafka segment file, read in chunks: whole batches up to `maxBytes` of them, then the count of
 * bytes left that do not make a whole batch (DumpLogSegments' "invalid bytes at the end").
 */
export function* segmentBatches(path: string, maxBytes: number): Generator<Buffer, {trailingBytes: number}> {
  const fd = openSync(path, 'r')
  try {
    let buffer = Buffer.alloc(0)
    let position = 0
    let eof = false
    let consumed = 0
    const fill = (need: number) => {
      while (!eof && buffer.length < need) {
        const chunk = Buffer.allocUnsafe(Math.max(8 << 20, need - buffer.length))
        const n = readSync(fd, chunk, 0, chunk.length, position)
        if (n === 0) eof = true
        position += n
        buffer = Buffer.concat([buffer, chunk.subarray(0, n)])
      }
    }
    for (;;) {
      fill(12)
      if (buffer.length < 12) return {trailingBytes: buffer.length}
      const size = buffer.readInt32BE(OFFSET.batchLength) + 12
      if (size < BATCH_HEADER_SIZE) return {trailingBytes: remaining(fd, position, buffer.length)}
      fill(size)
      if (buffer.length < size) return {trailingBytes: buffer.length}
      if (consumed + size > maxBytes) return {trailingBytes: 0}
      yield Buffer.from(buffer.subarray(0, size))
      consumed += size
      buffer = buffer.subarray(size)
    }
  } finally {
    closeSync(fd)
  }
}

function remaining(fd: number, position: number, buffered: number): number {
  let total = buffered
  const chunk = Buffer.allocUnsafe(1 << 20)
  for (let at = position; ;) {
    const n = readSync(fd, chunk, 0, chunk.length, at)
    if (n === 0) return total
    total += n
    at += n
  }
}
