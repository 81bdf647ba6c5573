// The lag viewer against a Kafka cluster, which keeps no lag history for kafkalite: the viewer samples it itself, as
// kafka-lag-exporter does. Each refresh reads the groups (ListGroups, DescribeGroups), their committed offsets
// (OffsetFetch) and the log start and end of the partitions they read (ListOffsets), adds a sample of each log end
// and of each changed commit to a history kept in memory, and evaluates the same lag model as the local daemon
// (src/lag/model.ts): lag in records and in time, rates, trends, Burrow's statuses.
//
// What sampling cannot see: the commits between two refreshes (one sample per refresh, when the offset moved), so a
// consumer that commits the same offset again looks stopped rather than stalled; lag in time and rates need two
// refreshes of history (the first snapshot shows lag in records only).
import type {Admin} from '../client/admin.js'
import {KafkaException} from '../errors.js'
import {buildModel, withPartitionDetail, type CommitSample, type LagInputs, type LogSample} from '../lag/model.js'
import {thin} from '../lag/samples.js'
import {tpKey} from '../protocol/kafka/topic-partition.js'
import type {LagSnapshotData, ParsedRequests} from '../protocol/socket/messages.js'

/** Log-end samples kept per partition, and commits per group and partition (Burrow's window), as the daemon keeps. */
const LOG_SAMPLES = 300
const COMMIT_SAMPLES = 10

type Request = Pick<ParsedRequests['lagSnapshot'], 'groups' | 'topics' | 'partitions'>

export class LagSampler {
  readonly #admin: Admin
  readonly #now: () => number
  readonly #log = new Map<string, LogSample[]>()
  readonly #commits = new Map<string, CommitSample[]>()
  /** When the previous refresh read the log ends: they still held then. */
  #lastRead = Number.NEGATIVE_INFINITY

  constructor(admin: Admin, now: () => number = Date.now) {
    this.#admin = admin
    this.#now = now
  }

  async snapshot(req: Request): Promise<LagSnapshotData> {
    const admin = this.#admin
    const topicFilter = req.topics === null ? null : new Set(req.topics)
    const topicPartitions = new Map<string, number>()
    if (topicFilter !== null) {
      for (const t of await admin.describeTopics([...topicFilter]).catch((error: unknown) => {
        const e = error as KafkaException
        if (e.code === 'UNKNOWN_TOPIC_OR_PARTITION') {
          throw new KafkaException(
            'UNKNOWN_TOPIC_OR_PARTITION',
            `${e.message} List the topics with 'kafkalite topics --list'.`,
          )
        }
        throw error
      })) {
        topicPartitions.set(t.name, t.partitions.length)
      }
    }
    const wanted = (topic: string) => topicFilter === null || topicFilter.has(topic)
    const ids =
      req.groups ??
      (await admin.listConsumerGroups())
        .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
        .map((g) => g.groupId)
    const descriptions = ids.length === 0 ? [] : await admin.describeConsumerGroups(ids)
    const offsets = await Promise.all(
      descriptions.map((g) => (g.state === 'Dead' ? Promise.resolve([]) : admin.listConsumerGroupOffsets(g.groupId))),
    )
    const partitions = new Map<string, {topic: string; partition: number}>()
    const groups: LagInputs['groups'] = []
    descriptions.forEach((g, i) => {
      if (g.state === 'Dead') return // a group named with --group that does not exist: the command says so
      const members = g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.host,
        assignment: m.assignment.filter((p) => wanted(p.topic)),
      }))
      const committed = offsets[i]!.filter((o) => wanted(o.topic) && o.offset >= 0)
      if (topicFilter !== null && committed.length === 0 && members.every((m) => m.assignment.length === 0)) return
      for (const tp of [...committed, ...members.flatMap((m) => m.assignment)]) {
        partitions.set(tpKey(tp.topic, tp.partition), {topic: tp.topic, partition: tp.partition})
      }
      groups.push({
        groupId: g.groupId,
        state: g.state,
        protocol: g.assignor,
        members,
        offsets: committed.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          committed: o.offset,
          commits: [] as CommitSample[],
        })),
      })
    })
    for (const [topic, count] of topicPartitions) {
      for (let partition = 0; partition < count; partition++)
        partitions.set(tpKey(topic, partition), {topic, partition})
    }
    const list = [...partitions.values()]
    const [starts, ends] =
      list.length === 0
        ? [[], []]
        : await Promise.all([
            admin.listOffsets(list.map((p) => ({...p, spec: 'earliest' as const}))),
            admin.listOffsets(list.map((p) => ({...p, spec: 'latest' as const}))),
          ])
    const now = this.#now()
    const logEnd = new Map<string, number>()
    const inputs: LagInputs = {now, groups, partitions: []}
    list.forEach((p, i) => {
      const key = tpKey(p.topic, p.partition)
      const end = ends[i]!.offset
      logEnd.set(key, end)
      inputs.partitions.push({
        topic: p.topic,
        partition: p.partition,
        logStart: starts[i]!.offset,
        logEnd: end,
        samples: this.#sampleLog(key, end, now),
      })
    })
    for (const g of groups) {
      for (const o of g.offsets) {
        o.commits = this.#sampleCommit(
          `${g.groupId}\0${tpKey(o.topic, o.partition)}`,
          o.committed,
          logEnd.get(tpKey(o.topic, o.partition)) ?? o.committed,
          now,
        )
      }
    }
    this.#lastRead = now
    return {now, groups: withPartitionDetail(buildModel(inputs), req.partitions)}
  }

  /** A partition's log-end history, with this refresh's end added (and the end it still had at the last refresh). */
  #sampleLog(key: string, end: number, now: number): readonly LogSample[] {
    let samples = this.#log.get(key)
    if (samples === undefined) this.#log.set(key, (samples = []))
    const last = samples.at(-1)
    if (last === undefined || last[1] !== end) {
      // The log still ended at the last sample's offset when the previous refresh read it.
      if (last !== undefined && this.#lastRead > last[0] && this.#lastRead < now)
        samples.push([this.#lastRead, last[1]])
      samples.push([now, end])
    }
    if (samples.length > LOG_SAMPLES) thin(samples as [number, number][], Math.floor((LOG_SAMPLES * 3) / 4), now)
    return samples
  }

  /** A group's commits of a partition, with this refresh's offset added when it moved (Burrow's window). */
  #sampleCommit(key: string, committed: number, end: number, now: number): readonly CommitSample[] {
    let samples = this.#commits.get(key)
    if (samples === undefined) this.#commits.set(key, (samples = []))
    if (samples.at(-1)?.[1] !== committed) {
      samples.push([now, committed, end])
      if (samples.length > COMMIT_SAMPLES) samples.splice(0, samples.length - COMMIT_SAMPLES)
    }
    return samples
  }
}
