// kafka-consumer-perf-test (Kafka 4.4's ConsumerPerformance): subscribe, poll until --num-records records or
// --timeout ms without one, and print Kafka's CSV-like lines: the header, the detailed line per reporting interval
// (--show-detailed-stats), or the summary. Bytes are the keys' and values' lengths; rebalance time is the time spent
// waiting for partitions (from subscribe, or from the last revocation of all of them, to the next assignment).
import type {KafkaConsumer} from '../client/consumer.js'
import type {TopicPartition} from '../protocol/kafka/topic-partition.js'
import {usageError} from '../errors.js'
import {javaFixed} from './java-compat.js'

const MB = 1024 * 1024

/** Kafka's header line (two, with --show-detailed-stats). */
export function consumerPerfHeader(detailed: boolean): string {
  const extra = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec'
  return detailed
    ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}`
    : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}`
}

export interface ConsumerPerfSummary {
  startMs: number
  endMs: number
  mb: number
  mbPerSec: number
  records: number
  recordsPerSec: number
  rebalanceTimeMs: number
  fetchTimeMs: number
  fetchMbPerSec: number
  fetchRecordsPerSec: number
}

/** Kafka's summary line: `%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f`. */
export function consumerPerfSummaryLine(s: ConsumerPerfSummary, format: (ms: number) => string): string {
  return [
    format(s.startMs),
    format(s.endMs),
    javaFixed(s.mb, 4),
    javaFixed(s.mbPerSec, 4),
    String(s.records),
    javaFixed(s.recordsPerSec, 4),
    String(s.rebalanceTimeMs),
    String(s.fetchTimeMs),
    javaFixed(s.fetchMbPerSec, 4),
    javaFixed(s.fetchRecordsPerSec, 4),
  ].join(', ')
}

/** Java's double division as printed by %.4f: x/0 is Infinity or NaN. */
const div = (a: number, b: number) => a / b

export interface ConsumerPerfOptions {
  numRecords: number
  timeoutMs: number
  reportingIntervalMs: number
  detailed: boolean
  format: (ms: number) => string
}

/** Runs the consumer until done; prints the detailed lines, returns the figures of the summary. */
export async function runConsumerPerf(
  consumer: KafkaConsumer,
  subscription: string[] | RegExp,
  o: ConsumerPerfOptions,
  print: (line: string) => void,
): Promise<ConsumerPerfSummary & {timedOut: boolean}> {
  const startMs = Date.now()
  let joinTimeMs = 0
  let joinTimeInRound = 0
  let joinStartMs = startMs
  const assigned = new Set<string>()
  const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`
  consumer.subscribe(subscription, {
    onPartitionsRevoked(partitions) {
      for (const p of partitions) assigned.delete(key(p))
      if (assigned.size === 0) joinStartMs = Date.now()
    },
    onPartitionsAssigned(partitions) {
      if (assigned.size === 0) {
        const elapsed = Date.now() - joinStartMs
        joinTimeMs += elapsed
        joinTimeInRound += elapsed
      }
      for (const p of partitions) assigned.add(key(p))
    },
  })
  let bytesRead = 0
  let recordsRead = 0
  let lastBytesRead = 0
  let lastRecordsRead = 0
  let now = Date.now()
  let lastReportMs = now
  let lastConsumedMs = now
  while (recordsRead < o.numRecords && now - lastConsumedMs <= o.timeoutMs) {
    let pollBytes = 0
    const seen = await consumer.pollEach(100, (r) => {
      pollBytes += Math.max(0, r.keyLength) + Math.max(0, r.valueLength)
    })
    now = Date.now()
    if (seen > 0) lastConsumedMs = now
    // Kafka walks the poll's records one by one, reporting at the first one past the interval: the same numbers,
    // since every record of a poll has the same time.
    recordsRead += seen
    bytesRead += pollBytes
    if (seen > 0 && now - lastReportMs >= o.reportingIntervalMs) {
      if (o.detailed) {
        print(
          detailedLine(
            bytesRead,
            lastBytesRead,
            recordsRead,
            lastRecordsRead,
            lastReportMs,
            now,
            o.format,
            joinTimeInRound,
          ),
        )
      }
      joinTimeInRound = 0
      lastReportMs = now
      lastRecordsRead = recordsRead
      lastBytesRead = bytesRead
    }
  }
  const timedOut = recordsRead < o.numRecords
  const endMs = Date.now()
  const elapsedSec = (endMs - startMs) / 1000
  const fetchTimeMs = endMs - startMs - joinTimeMs
  const mb = bytesRead / MB
  return {
    startMs,
    endMs,
    mb,
    mbPerSec: div(mb, elapsedSec),
    records: recordsRead,
    recordsPerSec: div(recordsRead, elapsedSec),
    rebalanceTimeMs: joinTimeMs,
    fetchTimeMs,
    fetchMbPerSec: div(mb, fetchTimeMs / 1000),
    fetchRecordsPerSec: div(recordsRead, fetchTimeMs / 1000),
    timedOut,
  }
}

/** Kafka's printConsumerProgress: `%s, %d, %.4f, %.4f, %d, %.4f` then `, %d, %d, %.4f, %.4f`. */
function detailedLine(
  bytesRead: number,
  lastBytesRead: number,
  recordsRead: number,
  lastRecordsRead: number,
  startMs: number,
  endMs: number,
  format: (ms: number) => string,
  joinTimeInRound: number,
): string {
  const elapsedMs = endMs - startMs
  const totalMb = bytesRead / MB
  const intervalMb = (bytesRead - lastBytesRead) / MB
  const fetchTimeMs = endMs - startMs - joinTimeInRound
  const intervalRecords = recordsRead - lastRecordsRead
  return [
    format(endMs),
    '0',
    javaFixed(totalMb, 4),
    javaFixed((1000 * intervalMb) / elapsedMs, 4),
    String(recordsRead),
    javaFixed((intervalRecords / elapsedMs) * 1000, 4),
    String(joinTimeInRound),
    String(fetchTimeMs),
    javaFixed(fetchTimeMs <= 0 ? 0 : (1000 * intervalMb) / fetchTimeMs, 4),
    javaFixed(fetchTimeMs <= 0 ? 0 : (1000 * intervalRecords) / fetchTimeMs, 4),
  ].join(', ')
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTHS_LONG = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const DAYS_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/**
 * Java's SimpleDateFormat for the letters a time column uses (G y Y M L d D E u a H k K h m s S z Z X and quoted
 * text), in the local time zone; any other letter is refused in one line, as Java refuses an unknown one.
 */
export function simpleDateFormat(pattern: string): (ms: number) => string {
  type Part = string | ((d: Date) => string)
  const parts: Part[] = []
  const pad = (n: number, width: number) => String(n).padStart(width, '0')
  const zone = (d: Date, colon: boolean, iso: boolean) => {
    const offset = -d.getTimezoneOffset()
    if (iso && offset === 0) return 'Z'
    const sign = offset < 0 ? '-' : '+'
    const abs = Math.abs(offset)
    return `${sign}${pad(Math.floor(abs / 60), 2)}${colon ? ':' : ''}${pad(abs % 60, 2)}`
  }
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1)
      if (end === i + 1) {
        parts.push("'")
        i += 2
        continue
      }
      if (end < 0) throw usageError(`Invalid --date-format '${pattern}': Unterminated quote`)
      parts.push(pattern.slice(i + 1, end))
      i = end + 1
      continue
    }
    if (!/[A-Za-z]/.test(c)) {
      parts.push(c)
      i++
      continue
    }
    let n = 1
    while (pattern[i + n] === c) n++
    i += n
    const text: ((d: Date) => string) | undefined = {
      G: () => 'AD',
      y: (d: Date) => (n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n)),
      Y: (d: Date) => (n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n)),
      M: (d: Date) =>
        n >= 4 ? MONTHS_LONG[d.getMonth()]! : n === 3 ? MONTHS[d.getMonth()]! : pad(d.getMonth() + 1, n),
      L: (d: Date) =>
        n >= 4 ? MONTHS_LONG[d.getMonth()]! : n === 3 ? MONTHS[d.getMonth()]! : pad(d.getMonth() + 1, n),
      d: (d: Date) => pad(d.getDate(), n),
      D: (d: Date) => pad(dayOfYear(d), n),
      E: (d: Date) => (n >= 4 ? DAYS_LONG[d.getDay()]! : DAYS[d.getDay()]!),
      u: (d: Date) => pad(d.getDay() === 0 ? 7 : d.getDay(), n),
      a: (d: Date) => (d.getHours() < 12 ? 'AM' : 'PM'),
      H: (d: Date) => pad(d.getHours(), n),
      k: (d: Date) => pad(d.getHours() === 0 ? 24 : d.getHours(), n),
      K: (d: Date) => pad(d.getHours() % 12, n),
      h: (d: Date) => pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12, n),
      m: (d: Date) => pad(d.getMinutes(), n),
      s: (d: Date) => pad(d.getSeconds(), n),
      S: (d: Date) => pad(d.getMilliseconds(), n),
      z: (d: Date) => `GMT${zone(d, true, false)}`,
      Z: (d: Date) => zone(d, false, false),
      X: (d: Date) => (n === 1 ? zone(d, false, true).slice(0, 3) : zone(d, n >= 3, true)),
    }[c]
    if (text === undefined) throw usageError(`Invalid --date-format '${pattern}': Illegal pattern character '${c}'`)
    parts.push(text)
  }
  return (ms) => {
    const d = new Date(ms)
    return parts.map((p) => (typeof p === 'string' ? p : p(d))).join('')
  }
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1)
  return Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86_400_000) + 1
}
