// kafka-consumer-groups --reset-offsets: the scenarios, the scope, the plan and its output (reference section 1.4
// and 2.7). New offsets are clamped into [log start, log end] as Kafka does, with a warning.
import {readFileSync} from 'node:fs'
import type {Admin} from '../client/admin.js'
import {KafkaException, usageError} from '../errors.js'
import {logOffsets} from './group-views.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

export type Scenario =
  | {kind: 'to-earliest'}
  | {kind: 'to-latest'}
  | {kind: 'to-current'}
  | {kind: 'to-offset'; offset: number}
  | {kind: 'shift-by'; shift: number}
  | {kind: 'to-datetime'; timestamp: number}
  | {kind: 'by-duration'; ms: number}
  | {kind: 'from-file'; rows: {group: string | null; topic: string; partition: number; offset: number}[]}

export interface PlannedOffset {
  group: string
  topic: string
  partition: number
  offset: number
}

/** Kafka's Utils.getDateTime: `yyyy-MM-ddTHH:mm:ss.SSS` with an optional zone; without one it is UTC. */
export function parseDateTime(value: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{3})(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(value)
  const time = match ? Date.parse(`${match[1]}T${match[2]}${normalizeZone(match[3] ?? 'Z')}`) : Number.NaN
  if (Number.isNaN(time)) {
    throw usageError(
      `Error parsing date '${value}': use yyyy-MM-ddTHH:mm:ss.SSS, optionally followed by a zone (Z, +02:00); without a zone it is read as UTC.`,
    )
  }
  return time
}

function normalizeZone(zone: string): string {
  if (zone === 'Z') return zone
  const digits = zone.slice(1).replace(':', '')
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`
}

/** java.time.Duration.parse: `PnDTnHnMn.nS`, as --by-duration takes it. */
export function parseDuration(value: string): number {
  const match = /^([-+]?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value)
  if (!match || value.toUpperCase().endsWith('T') || !/\d/.test(value)) {
    throw usageError(`Error parsing duration '${value}': use ISO-8601, e.g. PT1H30M or P1DT12H.`)
  }
  const [, sign, d, h, m, sec] = match
  const ms = ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(sec ?? 0) * 1000
  return sign === '-' ? -ms : ms
}

/** A short duration as kafkalite's own options take it: 30s, 500ms, 2m, 1h (seconds without a unit). */
export function parseShortDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim())
  if (!match) throw usageError(`Invalid ${flag} '${value}': use a duration such as 30s, 500ms or 2m.`)
  const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Number(match[1]) * unit
}

/** Reads a --from-file CSV: `topic,partition,offset` (one group) or `group,topic,partition,offset`. */
export function readResetFile(path: string): Extract<Scenario, {kind: 'from-file'}> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw usageError(`Cannot read --from-file '${path}': ${(error as Error).message}`)
  }
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((line, i) => {
      const cells = line.split(',').map((c) => c.trim())
      const bad = () =>
        usageError(
          `Line ${i + 1} of '${path}' is not topic,partition,offset or group,topic,partition,offset: '${line}'`,
        )
      if (cells.length !== 3 && cells.length !== 4) throw bad()
      const [group, topic, partition, offset] = cells.length === 4 ? cells : [null, ...cells]
      if (!/^\d+$/.test(partition!) || !/^-?\d+$/.test(offset!)) throw bad()
      return {group: group ?? null, topic: topic!, partition: Number(partition), offset: Number(offset)}
    })
  return {kind: 'from-file', rows}
}

/**
 * The plan for one group. `scope` is the partitions to reset (--topic), or null for --all-topics (the partitions the
 * group has committed offsets for). Warnings (clamping, empty partitions) go to `warn`.
 */
export async function planReset(
  admin: Admin,
  group: string,
  scope: {topic: string; partition: number}[] | null,
  scenario: Scenario,
  warn: (message: string) => void,
): Promise<PlannedOffset[]> {
  const committed = await admin.listConsumerGroupOffsets(group)
  const current = new Map(committed.map((o) => [tpKey(o.topic, o.partition), o.offset]))
  let partitions: {topic: string; partition: number; fileOffset?: number}[]
  if (scenario.kind === 'from-file') {
    partitions = scenario.rows
      .filter((r) => r.group === null || r.group === group)
      .map((r) => ({topic: r.topic, partition: r.partition, fileOffset: r.offset}))
    if (partitions.length === 0)
      throw new KafkaException('GROUP_ID_NOT_FOUND', `No reset plan for group ${group} found`)
  } else {
    partitions = scope ?? committed.map((o) => ({topic: o.topic, partition: o.partition}))
  }
  const log = await logOffsets(admin, partitions)
  const byTime =
    scenario.kind === 'to-datetime' || scenario.kind === 'by-duration'
      ? await admin
          .listOffsets(
            partitions.map((p) => ({
              ...p,
              spec: {timestamp: scenario.kind === 'to-datetime' ? scenario.timestamp : Date.now() - scenario.ms},
            })),
          )
          .then((res) => new Map(res.map((r) => [tpKey(r.topic, r.partition), r.offset])))
      : new Map<string, number>()
  const plan: PlannedOffset[] = []
  for (const p of partitions) {
    const k = tpKey(p.topic, p.partition)
    const bounds = log.get(k)
    if (!bounds) {
      throw new KafkaException('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${p.topic}-${p.partition} does not exist.`)
    }
    let target: number
    switch (scenario.kind) {
      case 'to-earliest':
        target = bounds.start
        break
      case 'to-latest':
        target = bounds.end
        break
      case 'to-current':
        target = current.get(k) ?? bounds.end
        break
      case 'to-offset':
        target = scenario.offset
        break
      case 'shift-by': {
        const c = current.get(k)
        if (c === undefined) {
          throw new KafkaException(
            'NO_OFFSET_FOR_PARTITION',
            `Cannot shift offset for partition ${p.topic}-${p.partition} since there is no current committed offset`,
          )
        }
        target = c + scenario.shift
        break
      }
      case 'to-datetime':
      case 'by-duration': {
        const found = byTime.get(k) ?? -1
        if (found < 0) {
          warn(`Warn: Partition ${p.partition} from topic ${p.topic} is empty. Falling back to latest known offset.`)
          target = bounds.end
        } else target = found
        break
      }
      case 'from-file':
        target = p.fileOffset!
        break
    }
    if (target > bounds.end) {
      warn(
        `New offset (${target}) is higher than latest offset for topic partition ${p.topic}-${p.partition}. Value will be set to ${bounds.end}`,
      )
      target = bounds.end
    } else if (target < bounds.start) {
      warn(
        `New offset (${target}) is lower than earliest offset for topic partition ${p.topic}-${p.partition}. Value will be set to ${bounds.start}`,
      )
      target = bounds.start
    }
    plan.push({group, topic: p.topic, partition: p.partition, offset: target})
  }
  return plan.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

/** Kafka's printOffsetsToReset table. */
export function formatPlan(plans: readonly PlannedOffset[]): string {
  const line = (g: string, t: string, p: string, o: string) =>
    `\n${g.padEnd(30)} ${t.padEnd(30)} ${p.padEnd(10)} ${o.padEnd(15)}`
  return (
    line('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET') +
    plans.map((x) => line(x.group, x.topic, String(x.partition), String(x.offset))).join('') +
    '\n'
  )
}

/** --export: CSV without header; the group column only when several groups were reset. */
export function formatCsv(plans: readonly PlannedOffset[], withGroup: boolean): string {
  return plans.map((x) => (withGroup ? `${x.group},` : '') + `${x.topic},${x.partition},${x.offset}`).join('\n') + '\n'
}
