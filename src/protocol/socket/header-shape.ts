// What the daemon checks of a request's JSON header before it parses it. JSON.parse builds every value it reads, and a
// value costs far more than its text: a 99 MB header of '[' and ']' (within socket.request.max.bytes) made the daemon
// build 50 million nested arrays, 5 GiB, in 38 s of blocked event loop; 33 million '{},' took 3.2 GiB and 75 s. No
// request nests more than a few levels or holds more than MAX_REQUEST_ARRAY entries per array, so a header nested
// deeper, or holding more values, than any request can is refused unparsed, after one pass over its bytes.
import {MAX_REQUEST_ARRAY} from './messages.js'

/** Nesting no request comes near (createTopics nests deepest: the request, its topics, a topic, its configs). */
export const MAX_HEADER_DEPTH = 32
/**
 * Values a header may hold: room for MAX_REQUEST_ARRAY entries of up to 20 fields (a fetch partition has 4, an offset
 * commit 5), which bounds what parsing a header can cost to some hundred MB, against gigabytes before.
 */
export const MAX_HEADER_VALUES = 20 * MAX_REQUEST_ARRAY

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

/**
 * Why a request header may not be parsed (nested too deep, too many values), or undefined. Counts containers and
 * separators outside strings, which bounds the number of values from above; the JSON itself is checked by JSON.parse.
 */
export function headerShapeProblem(header: Uint8Array): string | undefined {
  let depth = 0
  let values = 0
  const n = header.length
  for (let i = 0; i < n; i++) {
    const c = header[i]!
    if (c === QUOTE) {
      // Skip the string; UTF-8 continuation bytes are never ASCII, so only a backslash escapes a quote.
      for (i++; i < n && header[i] !== QUOTE; i++) if (header[i] === BACKSLASH) i++
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_HEADER_DEPTH) {
        return `Malformed request: the header nests deeper than ${MAX_HEADER_DEPTH} levels, which no request does`
      }
      values++
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    } else if (c === COMMA) {
      values++
    } else {
      continue
    }
    if (values > MAX_HEADER_VALUES) {
      return `Malformed request: the header holds more than ${MAX_HEADER_VALUES} values. Send fewer topics, partitions or batches per request.`
    }
  }
  return undefined
}
