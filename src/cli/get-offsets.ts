// kafka-get-offsets (GetOffsetShell): which partitions its filters select, what --time asks, and its output lines.
import type {OffsetSpec} from '../client/offset-spec.js'
import {usageError} from '../errors.js'

/** --time: a spec to ask ListOffsets, or null for what kafkalite has none of (tiered storage: nothing printed). */
export function parseTime(text: string): OffsetSpec | null {
  switch (text.trim()) {
    case '-1':
    case 'latest':
      return 'latest'
    case '-2':
    case 'earliest':
    case '-4':
    case 'earliest-local': // no tiered storage: the local log is the whole log
      return 'earliest'
    case '-3':
    case 'max-timestamp':
      return 'max-timestamp'
    case '-5':
    case 'latest-tiered':
    case '-6':
    case 'earliest-pending-upload':
      return null // nothing is tiered: Kafka answers -1, and the tool prints nothing
  }
  const t = text.trim()
  if (/^-?\d+$/.test(t) && Number.isSafeInteger(Number(t)) && Number(t) >= 0) return {timestamp: Number(t)}
  throw usageError(
    `Malformed time argument ${text}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered / -6 or earliest-pending-upload, or a specified long format timestamp`,
  )
}

/** Which topic-partitions to ask for. */
export type PartitionFilter = (topic: string, partition: number) => boolean

/** A topic regex as Kafka's IncludeList takes it: the whole name must match. */
function topicMatcher(regex: string): (topic: string) => boolean {
  if (regex === '') return () => true
  let re: RegExp
  try {
    re = new RegExp(`^(?:${regex})$`)
  } catch (error) {
    throw usageError(`Invalid topic regular expression '${regex}': ${(error as Error).message}`)
  }
  return (topic) => re.test(topic)
}

/** --topic and --partitions. */
export function topicAndPartitionsFilter(topic: string | undefined, partitions: string | undefined): PartitionFilter {
  const matches = topicMatcher(topic ?? '')
  let ids: Set<number> | null = null
  if (partitions !== undefined) {
    const parts = partitions.split(',').map((p) => p.trim())
    if (parts.some((p) => !/^\d+$/.test(p))) {
      throw usageError(
        `--partitions expects a comma separated list of numeric partition ids, but received: ${partitions}`,
      )
    }
    ids = new Set(parts.map(Number))
  }
  return (t, p) => matches(t) && (ids === null || ids.has(p))
}

/**
 * --topic-partitions `topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3`: each rule a topic regex (empty: any topic) and
 * optionally a partition, a range (upper bound excluded) or an open range.
 */
export function topicPartitionsFilter(text: string): PartitionFilter {
  const rules = text.split(',').map((spec) => {
    const m = /^([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?$/.exec(spec.trim())
    if (m === null || spec.trim() === '') throw usageError(`Invalid rule specification: ${spec}`)
    const topic = topicMatcher(m[1]!)
    let partition: (p: number) => boolean = () => true
    if (m[2] !== undefined && m[2] !== '') {
      const only = Number(m[2])
      partition = (p) => p === only
    } else if (m[3] !== undefined || m[4] !== undefined) {
      const lower = m[3] === undefined || m[3] === '' ? 0 : Number(m[3])
      const upper = m[4] === undefined || m[4] === '' ? Number.POSITIVE_INFINITY : Number(m[4])
      partition = (p) => p >= lower && p < upper
    }
    return {topic, partition}
  })
  return (t, p) => rules.some((r) => r.topic(t) && r.partition(p))
}

/** The output: `topic:partition:offset`, sorted as Kafka sorts them (by the string `topic-partition`). */
export function offsetLines(rows: readonly {topic: string; partition: number; offset: number}[]): string[] {
  const key = (r: {topic: string; partition: number}) => `${r.topic}-${r.partition}`
  return [...rows]
    .filter((r) => r.offset >= 0)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((r) => `${r.topic}:${r.partition}:${r.offset}`)
}
