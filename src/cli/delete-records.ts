// kafka-delete-records (DeleteRecordsCommand): its offset JSON file and its output lines.
import type {DeletedRecords} from '../client/admin.js'
import {ERROR_CODES, usageError} from '../errors.js'

/** One partition of the offset JSON file: delete its records before `offset` (-1: up to the high watermark). */
export interface RecordsToDelete {
  topic: string
  partition: number
  offset: number
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v)

/**
 * Reads kafka-delete-records' offset JSON, `{"partitions": [{"topic": "foo", "partition": 1, "offset": 1}],
 * "version": 1}` (version optional, 1 only), with Kafka's messages; a partition named twice is refused.
 */
export function parseOffsetJson(text: string): RecordsToDelete[] {
  let js: unknown
  try {
    js = JSON.parse(text)
  } catch {
    throw usageError('The input string is not a valid JSON')
  }
  if (typeof js !== 'object' || js === null || Array.isArray(js))
    throw usageError('The input string is not a valid JSON')
  const doc = js as {version?: unknown; partitions?: unknown}
  const version = doc.version ?? 1
  if (version !== 1) throw usageError(`Not supported version field value ${JSON.stringify(version)}`)
  if (doc.partitions === undefined) throw usageError('Missing partitions field')
  if (!Array.isArray(doc.partitions))
    throw usageError('The partitions field must be a list of {topic, partition, offset}')
  const seen = new Set<string>()
  const duplicates = new Set<string>()
  const records = doc.partitions.map((entry: unknown) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
    if (typeof e.topic !== 'string' || !isInteger(e.partition) || !isInteger(e.offset)) {
      throw usageError(
        `Invalid partition entry ${JSON.stringify(entry)}: each needs a string "topic", an integer "partition" and an integer "offset"`,
      )
    }
    const name = `${e.topic}-${e.partition}`
    if (seen.has(name)) duplicates.add(name)
    seen.add(name)
    return {topic: e.topic, partition: e.partition, offset: e.offset}
  })
  if (duplicates.size > 0) {
    throw usageError(`Offset json file contains duplicate topic partitions: ${[...duplicates].join(',')}`)
  }
  return records
}

/** kafka-delete-records' line for one partition: its low watermark, or its error as Java names it. */
export function deletedRecordsLine(r: DeletedRecords): string {
  const partition = `${r.topic}-${r.partition}`
  if (r.error === undefined) return `partition: ${partition}\tlow_watermark: ${r.lowWatermark}`
  return `partition: ${partition}\terror: org.apache.kafka.common.errors.${ERROR_CODES[r.error.code].name}: ${r.error.message}`
}
