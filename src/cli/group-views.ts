// kafka-consumer-groups' views: what --describe gathers about groups and how it prints them, in Kafka's formats
// (reference/kafka-cli.md sections 2.3-2.6: Java printf columns, each line started by a newline).
import type {
  LagGroupData as GroupView,
  LagGroupStatus as GroupStatus,
  LagPartitionStatus as PartitionStatus,
} from '../protocol/socket/messages.js'
import type {Admin, ConsumerGroupDescription, MemberDescription} from '../client/admin.js'
import type {DaemonControl} from '../client/daemon-control.js'
import type {GroupState} from '../protocol/socket/messages.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'

/** One row of the offsets view: a partition, its committed offset and lag, and its owner. */
export interface PartitionReport {
  topic: string
  partition: number
  currentOffset: number | null
  /** The leader epoch of the committed offset, when the committer gave one (Kafka's LEADER-EPOCH column). */
  leaderEpoch: number | null
  logStartOffset: number | null
  logEndOffset: number | null
  lag: number | null
  consumerId: string | null
  host: string | null
  clientId: string | null
  /** kafkalite: how far behind in time the committed offset is (see `kafkalite lag`); null without a commit. */
  lagSeconds: number | null
  /** kafkalite: Burrow's partition status from the group's last commits (see `kafkalite lag`). */
  status: PartitionStatus
}

/** Everything --describe shows of one group (and what --json returns). */
export interface GroupReport {
  groupId: string
  state: GroupState
  coordinator: string
  assignmentStrategy: string
  members: MemberDescription[]
  partitions: PartitionReport[]
  /** Sum of the lags of partitions with a committed offset (null when none has one). */
  totalLag: number | null
  /** kafkalite: the largest lag in seconds of its partitions (null without commits). */
  lagSeconds: number | null
  /** kafkalite: Burrow's group status. */
  status: GroupStatus
}

const byTopicPartition = (a: {topic: string; partition: number}, b: {topic: string; partition: number}) =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition

/** Describes groups: members, committed offsets, log end offsets and lag, in one pass over the broker. */
export async function collectGroupReports(
  admin: Admin,
  control: DaemonControl | null,
  groupIds: readonly string[],
  coordinator: string,
): Promise<GroupReport[]> {
  const descriptions = await admin.describeConsumerGroups(groupIds)
  const committed = await Promise.all(
    descriptions.map((d) => (d.state === 'Dead' ? [] : admin.listConsumerGroupOffsets(d.groupId))),
  )
  const wanted = new Map<string, {topic: string; partition: number}>()
  descriptions.forEach((d, i) => {
    for (const m of d.members) for (const tp of m.assignment) wanted.set(tpKey(tp.topic, tp.partition), tp)
    for (const o of committed[i]!) wanted.set(tpKey(o.topic, o.partition), o)
  })
  const ends = await logOffsets(admin, [...wanted.values()])
  const live = descriptions.filter((d) => d.state !== 'Dead').map((d) => d.groupId)
  const models = new Map(
    live.length === 0 || control === null
      ? []
      : (await control.lagSnapshot({groups: live})).groups.map((g) => [g.groupId, g]),
  )
  return descriptions.map((d, i) => report(d, committed[i]!, ends, coordinator, models.get(d.groupId)))
}

/** Log start and end offsets of partitions; partitions of deleted topics are left out. */
export async function logOffsets(
  admin: Admin,
  partitions: readonly {topic: string; partition: number}[],
): Promise<Map<string, {start: number; end: number}>> {
  const out = new Map<string, {start: number; end: number}>()
  const topics = new Set((await admin.listTopics({listInternal: true})).map((t) => t.name))
  const existing = partitions.filter((p) => topics.has(p.topic))
  if (existing.length === 0) return out
  const [starts, ends] = await Promise.all([
    admin.listOffsets(existing.map((p) => ({...p, spec: 'earliest' as const}))).catch(() => []),
    admin.listOffsets(existing.map((p) => ({...p, spec: 'latest' as const}))).catch(() => []),
  ])
  ends.forEach((e, i) => out.set(tpKey(e.topic, e.partition), {start: starts[i]?.offset ?? 0, end: e.offset}))
  return out
}

function report(
  d: ConsumerGroupDescription,
  committed: readonly {topic: string; partition: number; offset: number; leaderEpoch?: number}[],
  ends: Map<string, {start: number; end: number}>,
  coordinator: string,
  model: GroupView | undefined,
): GroupReport {
  const commits = new Map(committed.map((o) => [tpKey(o.topic, o.partition), o.offset]))
  const epochs = new Map(committed.map((o) => [tpKey(o.topic, o.partition), o.leaderEpoch ?? -1]))
  const views = new Map(model?.partitions.map((p) => [tpKey(p.topic, p.partition), p]))
  const row = (tp: {topic: string; partition: number}, m: MemberDescription | null): PartitionReport => {
    const current = commits.get(tpKey(tp.topic, tp.partition)) ?? null
    const log = ends.get(tpKey(tp.topic, tp.partition))
    return {
      topic: tp.topic,
      partition: tp.partition,
      currentOffset: current,
      leaderEpoch:
        (epochs.get(tpKey(tp.topic, tp.partition)) ?? -1) >= 0 ? epochs.get(tpKey(tp.topic, tp.partition))! : null,
      logStartOffset: log?.start ?? null,
      logEndOffset: log?.end ?? null,
      lag: current !== null && log ? Math.max(0, log.end - current) : null,
      consumerId: m?.memberId ?? null,
      host: m?.host ?? null,
      clientId: m?.clientId ?? null,
      lagSeconds: views.get(tpKey(tp.topic, tp.partition))?.lagSeconds ?? null,
      status: views.get(tpKey(tp.topic, tp.partition))?.status ?? 'OK',
    }
  }
  // Kafka's order: members by number of assigned partitions (most first), then committed partitions without owner.
  const rows: PartitionReport[] = []
  const owned = new Set<string>()
  const members = [...d.members].filter((m) => m.assignment.length > 0)
  members.sort((a, b) => b.assignment.length - a.assignment.length)
  for (const m of members) {
    for (const tp of [...m.assignment].sort(byTopicPartition)) {
      owned.add(tpKey(tp.topic, tp.partition))
      rows.push(row(tp, m))
    }
  }
  for (const o of [...committed].sort(byTopicPartition)) {
    if (!owned.has(tpKey(o.topic, o.partition))) rows.push(row(o, null))
  }
  const lags = rows.filter((r) => r.lag !== null).map((r) => r.lag!)
  return {
    groupId: d.groupId,
    state: d.state,
    coordinator,
    assignmentStrategy: d.assignor,
    members: d.members,
    partitions: rows,
    totalLag: lags.length === 0 ? null : lags.reduce((a, b) => a + b, 0),
    lagSeconds: model?.lagSeconds ?? null,
    status: model?.status ?? 'OK',
  }
}

/** Java's %-Ns: left-justified, padded to N, never cut. */
const pad = (s: string, width: number) => s.padEnd(width)
const width = (values: readonly string[], min: number) => Math.max(min, ...values.map((v) => v.length))
const dash = (v: string | number | null) => (v === null ? '-' : String(v))

/**
 * The offsets view: blank line, header, rows (Kafka's printOffsetFormat); --verbose adds LEADER-EPOCH (Kafka 4.x),
 * the leader epoch of each committed offset.
 */
export function formatOffsets(r: GroupReport, verbose = false): string {
  const cells = r.partitions.map((p) => [
    r.groupId,
    p.topic,
    String(p.partition),
    ...(verbose ? [dash(p.leaderEpoch)] : []),
    dash(p.currentOffset),
    dash(p.logEndOffset),
    dash(p.lag),
    dash(p.consumerId),
    dash(p.host),
    dash(p.clientId),
  ])
  const header = [
    'GROUP',
    'TOPIC',
    'PARTITION',
    ...(verbose ? ['LEADER-EPOCH'] : []),
    'CURRENT-OFFSET',
    'LOG-END-OFFSET',
    'LAG',
    'CONSUMER-ID',
    'HOST',
    'CLIENT-ID',
  ]
  const last = header.length - 1
  const widths = header.map((_, i) => {
    if (i === 0) return width([r.groupId], 15)
    if (i === 1) return width([...r.partitions.map((p) => p.topic), '-'], 15)
    if (i === 2) return 10
    if (i === last - 2 || i === last - 1) return width([...cells.map((x) => x[i]!), '-'], 15) // CONSUMER-ID, HOST
    return 15
  })
  const line = (x: string[]) => `\n${x.map((c, i) => (i === last ? c : pad(c, widths[i]!))).join(' ')}`
  return [header, ...cells].map(line).join('') + '\n'
}

/**
 * The members view (Kafka 4.x): with --verbose, each member's CURRENT-EPOCH, CURRENT-ASSIGNMENT (`topic:p,p`, topics
 * joined by `;`), TARGET-EPOCH and TARGET-ASSIGNMENT; a classic group's members have no epochs and no target ('-').
 * A group without members prints the header alone.
 */
export function formatMembers(r: GroupReport, verbose: boolean): string {
  const withInstance = r.members.some((m) => m.groupInstanceId !== null)
  const assignment = (m: MemberDescription) => {
    if (m.assignment.length === 0) return '-'
    const byTopic = new Map<string, number[]>()
    for (const tp of m.assignment) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    return [...byTopic.keys()]
      .sort()
      .map(
        (topic) =>
          `${topic}:${byTopic
            .get(topic)!
            .sort((a, b) => a - b)
            .join(',')}`,
      )
      .join(';')
  }
  const rows = r.members.map((m) => [
    r.groupId,
    m.memberId,
    ...(withInstance ? [m.groupInstanceId ?? '-'] : []),
    m.host,
    m.clientId,
    String(m.assignment.length),
    ...(verbose ? ['-', assignment(m), '-', '-'] : []),
  ])
  const header = [
    'GROUP',
    'CONSUMER-ID',
    ...(withInstance ? ['GROUP-INSTANCE-ID'] : []),
    'HOST',
    'CLIENT-ID',
    '#PARTITIONS',
    ...(verbose ? ['CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT'] : []),
  ]
  const mins = [15, 15, ...(withInstance ? [17] : []), 15, 15, 15, ...(verbose ? [15, 20, 15, 20] : [])]
  const partitionsColumn = withInstance ? 5 : 4
  const widths = mins.map((min, i) =>
    i === partitionsColumn || i === partitionsColumn + 1 || i === partitionsColumn + 3
      ? min
      : width([header[i]!, ...rows.map((x) => x[i]!)], min),
  )
  // Every column padded, the last included; the columns after #PARTITIONS are followed by a space but the last.
  const line = (cells: string[]) => `\n${cells.map((c, i) => pad(c, widths[i]!)).join(' ')}${verbose ? '' : ' '}`
  return line(header) + rows.map(line).join('') + '\n'
}

/** The state view (Kafka 4.x): coordinator, assignor, state, with --verbose the group and target epochs, members. */
export function formatState(r: GroupReport, verbose = false): string {
  const g = width([r.groupId], 15)
  const c = width([r.coordinator], 25)
  const line = (x: string[]) =>
    `\n${pad(x[0]!, g)} ${pad(x[1]!, c)} ${pad(x[2]!, 20)} ${pad(x[3]!, 20)} ${verbose ? `${pad(x[5]!, 15)} ${pad(x[6]!, 25)} ` : ''}${x[4]!}`
  return (
    line([
      'GROUP',
      'COORDINATOR (ID)',
      'ASSIGNMENT-STRATEGY',
      'STATE',
      '#MEMBERS',
      'GROUP-EPOCH',
      'TARGET-ASSIGNMENT-EPOCH',
    ]) +
    line([
      r.groupId,
      r.coordinator,
      r.assignmentStrategy === '' ? '-' : r.assignmentStrategy,
      r.state,
      String(r.members.length),
      '-',
      '-',
    ]) +
    '\n'
  )
}

/** --delete-offsets' result: blank line, header, one status per partition (Kafka's printf of TOPIC, PARTITION, STATUS). */
export function formatDeleteOffsets(results: readonly {topic: string; partition: number; error?: Error}[]): string {
  const line = (t: string, p: string, s: string) => `\n${t.padEnd(30)} ${p.padEnd(15)} ${s.padEnd(15)}`
  const rows = [...results].sort((a, b) => (`${a.topic}${a.partition}` < `${b.topic}${b.partition}` ? -1 : 1))
  return (
    line('TOPIC', 'PARTITION', 'STATUS') +
    rows
      .map((r) => line(r.topic, String(r.partition), r.error ? `Error: :${r.error.message}` : 'Successful'))
      .join('') +
    '\n'
  )
}
