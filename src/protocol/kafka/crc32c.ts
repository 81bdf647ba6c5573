// CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2 (clients/.../utils/Crc32C.java): reflected
// polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
//
// Every produced batch is checksummed twice (by the producer, and by the daemon before it stores it), so this is
// on the hot path of both. @node-rs/crc32 computes it with the CPU's CRC32 instruction: 4.5 GB/s here, against
// 1.2 GB/s for the slicing-by-16 JavaScript below, which remains the fallback where that package has no build.
import {createRequire} from 'node:module'

type Native = (data: Buffer) => number
let native: Native | null | undefined

function loadNative(): Native | null {
  try {
    const {crc32c} = createRequire(import.meta.url)('@node-rs/crc32') as {crc32c: Native}
    return crc32c
  } catch {
    return null
  }
}

/** CRC-32C of data[start..end), as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  native ??= process.env.KAFKALITE_PURE_JS_CRC ? null : loadNative()
  if (native !== null && end - start >= 64) {
    const view = Buffer.from(data.buffer, data.byteOffset + start, end - start)
    return native(view) >>> 0
  }
  return crc32cJs(data, start, end)
}

let tables: Uint32Array | undefined

function buildTables(): Uint32Array {
  const t = new Uint32Array(16 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[k * 256 + n] = c >>> 0
    }
  }
  return t
}

/** The portable implementation: slicing-by-16 (sixteen 256-entry tables, built on first use). */
export function crc32cJs(data: Uint8Array, start = 0, end = data.length): number {
  const t = (tables ??= buildTables())
  let crc = 0xffffffff
  let i = start
  const end16 = start + ((end - start) & ~15)
  while (i < end16) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc
    crc =
      t[0xf00 + (a & 0xff)]! ^
      t[0xe00 + ((a >>> 8) & 0xff)]! ^
      t[0xd00 + ((a >>> 16) & 0xff)]! ^
      t[0xc00 + (a >>> 24)]! ^
      t[0xb00 + data[i + 4]!]! ^
      t[0xa00 + data[i + 5]!]! ^
      t[0x900 + data[i + 6]!]! ^
      t[0x800 + data[i + 7]!]! ^
      t[0x700 + data[i + 8]!]! ^
      t[0x600 + data[i + 9]!]! ^
      t[0x500 + data[i + 10]!]! ^
      t[0x400 + data[i + 11]!]! ^
      t[0x300 + data[i + 12]!]! ^
      t[0x200 + data[i + 13]!]! ^
      t[0x100 + data[i + 14]!]! ^
      t[data[i + 15]!]!
    i += 16
  }
  while (i < end) crc = t[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
