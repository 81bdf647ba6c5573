// The records every family produces and every family must read back byte for byte: keys and values that are
// not text, a null key, an empty value, a null value (tombstone), a repeated header name, an empty header value,
// a non-ASCII header name, a 20 KB value. Header values are text without ',', '=' or newlines, because kcat reads
// and writes headers as name=value text.
import {createHash} from 'node:crypto'
import type {WireRecord} from './drivers.js'

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64')

function pseudoRandom(bytes: number, seed: string): Buffer {
  const out: Buffer[] = []
  for (let i = 0; out.length * 32 < bytes; i++) out.push(createHash('sha256').update(`${seed}:${i}`).digest())
  // No 0x1d-0x1f: kcat's record delimiters here are made of them.
  return Buffer.from(
    Buffer.concat(out)
      .subarray(0, bytes)
      .map((b) => (b >= 0x1d && b <= 0x1f ? 0x20 : b)),
  )
}

/** A key or value with every byte value except 0x1d-0x1f (kcat's record delimiters here). */
function allBytes(): Buffer {
  return Buffer.from(Array.from({length: 256}, (_, i) => i).filter((i) => i < 0x1d || i > 0x1f))
}

/** The canonical records, all for partition 0, timestamps one second apart from `t0`. */
export function canonicalRecords(t0: number, tag: string): WireRecord[] {
  return [
    {
      partition: 0,
      key: b64(`order-1-${tag}`),
      value: b64('{"qty":1,"note":"héllo wörld ✓"}'),
      headers: [
        ['trace-id', b64('abc123')],
        ['source', b64(tag)],
      ],
      timestamp: t0,
    },
    {
      partition: 0,
      key: b64(Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x80, 0x0a])),
      value: b64(allBytes()),
      headers: [
        ['x', b64('1')],
        ['x', b64('2')],
      ],
      timestamp: t0 + 1000,
    },
    {partition: 0, key: null, value: b64(''), headers: [], timestamp: t0 + 2000},
    {partition: 0, key: b64('tombstone'), value: null, headers: [['empty', b64('')]], timestamp: t0 + 3000},
    {
      partition: 0,
      key: b64('big'),
      value: b64(pseudoRandom(20_000, tag)),
      headers: [['ü-name', b64('wert ✓')]],
      timestamp: t0 + 4000,
    },
  ]
}

/** What a reader must see of a record: its bytes and headers, and its timestamp if the producer set one. */
export function comparable(r: WireRecord, withTimestamp: boolean): object {
  return {
    key: r.key,
    value: r.value,
    headers: r.headers,
    ...(withTimestamp ? {timestamp: r.timestamp} : {}),
  }
}
