// One JSON object per record, written by `console-consumer --format json` and read back unchanged by
// `console-producer --format json`, so a pipe between them copies a topic:
//
//   {"topic":"t","partition":0,"offset":5,"timestamp":1700000000000,"timestampType":"CreateTime",
//    "key":"k","value":"v","headers":[{"key":"h","value":"x"}]}
//
// Keys, values and header values that are valid UTF-8 are JSON strings (what jq users expect); other bytes are
// base64 with a sibling marker: "keyEncoding":"base64", "valueEncoding":"base64", or "encoding":"base64" inside a
// header. null stays null, distinct from "". Headers keep their order and duplicates.
import {isUtf8} from 'node:buffer'
import {KafkaException} from '../errors.js'
import type {RecordHeader} from '../protocol/kafka/record-batch.js'
import type {FormattableRecord, OutputBuffer} from './formatter.js'

export interface JsonRecordInput {
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[] | null
  timestamp?: number
  partition?: number
}

type Encoded = {text: string | null; base64: boolean}

function encode(data: Buffer, start: number, length: number): Encoded {
  if (length < 0) return {text: null, base64: false}
  const bytes = data.subarray(start, start + length)
  return isUtf8(bytes) ? {text: bytes.toString('utf8'), base64: false} : {text: bytes.toString('base64'), base64: true}
}

/** Writes one record as a JSON line. */
export function writeJsonRecord(out: OutputBuffer, r: FormattableRecord): void {
  const key = encode(r.data, r.keyStart, r.keyLength)
  const value = encode(r.data, r.valueStart, r.valueLength)
  const record: Record<string, unknown> = {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp < 0 ? null : r.timestamp,
    timestampType: r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime',
    key: key.text,
  }
  if (key.base64) record.keyEncoding = 'base64'
  record.value = value.text
  if (value.base64) record.valueEncoding = 'base64'
  record.headers = r.headers.map((h) => {
    const v = h.value === null ? {text: null, base64: false} : encode(h.value, 0, h.value.length)
    return v.base64 ? {key: h.key, value: v.text, encoding: 'base64'} : {key: h.key, value: v.text}
  })
  out.writeString(JSON.stringify(record))
  out.writeString('\n')
}

/** Reads one JSON line; errors name the line and the field. */
export function parseJsonRecord(line: Buffer, lineNumber: number): JsonRecordInput {
  const fail = (why: string) => new KafkaException('RECORD_PARSE_ERROR', `Line ${lineNumber}: ${why}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(line.toString('utf8'))
  } catch (error) {
    throw fail(`not valid JSON (${(error as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('not a JSON object')
  const o = parsed as Record<string, unknown>
  const bytes = (field: string, encodingField: string, from: Record<string, unknown> = o): Buffer | null => {
    const v = from[field]
    if (v === undefined || v === null) return null
    if (typeof v !== 'string') throw fail(`"${field}" must be a string or null`)
    const encoding = from[encodingField]
    if (encoding === undefined || encoding === 'utf8') return Buffer.from(v, 'utf8')
    if (encoding === 'base64') return Buffer.from(v, 'base64')
    throw fail(`"${encodingField}" must be "base64" or "utf8"`)
  }
  const result: JsonRecordInput = {
    key: bytes('key', 'keyEncoding'),
    value: bytes('value', 'valueEncoding'),
    headers: null,
  }
  if (o.headers !== undefined && o.headers !== null) {
    if (!Array.isArray(o.headers)) throw fail('"headers" must be an array of {"key", "value"} objects')
    result.headers = o.headers.map((h: unknown, i) => {
      if (typeof h !== 'object' || h === null || typeof (h as {key?: unknown}).key !== 'string') {
        throw fail(`headers[${i}] must be an object with a string "key"`)
      }
      const header = h as Record<string, unknown>
      return {key: header.key as string, value: bytes('value', 'encoding', header)}
    })
  }
  if (o.timestamp !== undefined && o.timestamp !== null) {
    if (typeof o.timestamp !== 'number' || !Number.isSafeInteger(o.timestamp) || o.timestamp < 0) {
      throw fail(`"timestamp" must be a non-negative integer (milliseconds), got ${JSON.stringify(o.timestamp)}`)
    }
    result.timestamp = o.timestamp
  }
  if (o.partition !== undefined && o.partition !== null) {
    if (typeof o.partition !== 'number' || !Number.isInteger(o.partition) || o.partition < 0) {
      throw fail(`"partition" must be a non-negative integer, got ${JSON.stringify(o.partition)}`)
    }
    result.partition = o.partition
  }
  return result
}
