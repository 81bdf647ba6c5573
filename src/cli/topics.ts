// kafka-topics' actions (Kafka's TopicCommand.TopicService) on the Admin client: --topic as a regex over the whole
// name, the existence check that --if-exists relaxes, the single broker's rules for --replica-assignment, and what
// --describe gathers (partitions, config overrides, log start and end offsets).
import type {Admin, CreatedTopic, NewTopic, TopicDescription, TopicListing} from '../client/admin.js'
import {KafkaException, usageError} from '../errors.js'
import {INTERNAL_TOPICS} from '../protocol/kafka/topic-name.js'
import {topicPattern} from './kafka-options.js'
import type {DescribedTopic} from './topic-format.js'

/** Which existing topics an action applies to: --topic (a regex; every topic without it) and --if-exists. */
export interface TopicSelection {
  topic: string | undefined
  ifExists: boolean
}

/** Creates one topic; null when it exists and `ifNotExists` (Kafka's --if-not-exists) says that is fine. */
export async function createTopic(
  admin: Pick<Admin, 'createTopics'>,
  topic: NewTopic,
  ifNotExists: boolean,
): Promise<CreatedTopic | null> {
  try {
    const [created] = await admin.createTopics([topic])
    return created!
  } catch (error) {
    if (ifNotExists && error instanceof KafkaException && error.code === 'TOPIC_ALREADY_EXISTS') return null
    throw error
  }
}

/** The topics whose whole name matches --topic (all of them without it), sorted by name. */
export async function matchingTopics(
  admin: Pick<Admin, 'listTopics'>,
  topic: string | undefined,
  includeInternal: boolean,
): Promise<TopicListing[]> {
  const all = await admin.listTopics({listInternal: includeInternal})
  const pattern = topic === undefined ? undefined : topicPattern(topic)
  return all.filter((t) => pattern === undefined || pattern.test(t.name)).sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** The names of the topics --describe shows: the one with --topic-id, or those matching --topic. */
export async function topicsToDescribe(
  admin: Pick<Admin, 'listTopics'>,
  o: TopicSelection & {topicId: string | undefined; excludeInternal: boolean},
  warn: (message: string) => void,
): Promise<string[]> {
  if (o.topicId !== undefined) {
    if (o.topic !== undefined && o.ifExists) {
      warn('Only topic id will be used when both topic name and topic id are provided in command.')
    }
    const all = await admin.listTopics({listInternal: true})
    const names = all.filter((t) => t.topicId === o.topicId).map((t) => t.name)
    ensureFound(names, {topic: o.topicId, ifExists: o.ifExists}, `TopicId '${o.topicId}'`)
    return names
  }
  const names = (await matchingTopics(admin, o.topic, !o.excludeInternal)).map((t) => t.name)
  ensureFound(names, o)
  return names
}

/** Describes topics as --describe prints them, sorted by name: partitions, config overrides and offsets. */
export async function describeTopics(
  admin: Pick<Admin, 'describeTopics' | 'describeConfigs' | 'listOffsets'>,
  names: readonly string[],
): Promise<DescribedTopic[]> {
  const descriptions = await admin.describeTopics(names)
  const [configs, offsets] = await Promise.all([
    admin.describeConfigs(names, {includeDefaults: true}),
    logOffsets(admin, descriptions),
  ])
  return descriptions
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((d) => toDescribed(d, configs.get(d.name) ?? [], offsets))
}

/**
 * Grows the selected topics to `partitions` partitions (internal topics are left alone); returns their names. With
 * --replica-assignment, it must list a replica for every partition added.
 */
export async function alterTopicPartitions(
  admin: Pick<Admin, 'listTopics' | 'describeTopics' | 'createPartitions' | 'node'>,
  selection: TopicSelection,
  partitions: number,
  replicaAssignment: string | undefined,
): Promise<string[]> {
  const topics = (await matchingTopics(admin, selection.topic, true)).map((t) => t.name)
  ensureFound(topics, selection)
  const assigned = parseReplicaAssignment(replicaAssignment, admin.node().id)
  if (assigned !== undefined) {
    const descriptions = await admin.describeTopics(topics)
    for (const d of descriptions) {
      const adding = partitions - d.partitions.length
      if (adding > assigned) {
        throw new KafkaException(
          'INVALID_REPLICA_ASSIGNMENT',
          `Attempted to add ${adding} additional partition(s), but only ${assigned} assignment(s) were specified.`,
        )
      }
    }
  }
  for (const t of topics) {
    if (INTERNAL_TOPICS.has(t)) continue
    await admin.createPartitions({[t]: partitions})
  }
  return topics
}

/** Deletes the selected topics, refusing Kafka's internal ones; returns their names. */
export async function deleteTopics(
  admin: Pick<Admin, 'listTopics' | 'deleteTopics'>,
  selection: TopicSelection,
): Promise<string[]> {
  const topics = (await matchingTopics(admin, selection.topic, true)).map((t) => t.name)
  ensureFound(topics, selection)
  for (const t of topics) {
    if (INTERNAL_TOPICS.has(t)) {
      throw usageError(`Topic ${t} is a kafka internal topic and is not allowed to be marked for deletion.`)
    }
  }
  if (topics.length > 0) await admin.deleteTopics(topics)
  return topics
}

/** Validates --replica-assignment against this single broker; returns the number of partitions it lists. */
export function parseReplicaAssignment(value: string | undefined, brokerId: number): number | undefined {
  if (value === undefined) return undefined
  const partitions = value.split(',').map((p) => p.split(':').map((b) => b.trim()))
  partitions.forEach((replicas, i) => {
    const ids = replicas.map((b) => {
      if (!/^\d+$/.test(b)) throw usageError(`Invalid broker id '${b}' in --replica-assignment '${value}'`)
      return Number(b)
    })
    const duplicate = ids.find((id, j) => ids.indexOf(id) !== j)
    if (duplicate !== undefined) {
      throw usageError(`Partition replica lists may not contain duplicate entries: ${duplicate}`)
    }
    if (i > 0 && ids.length !== partitions[0]!.length) {
      throw usageError(`Partition ${i} has different replication factor: [${ids.join(', ')}]`)
    }
    const foreign = ids.filter((id) => id !== brokerId)
    if (foreign.length > 0) {
      throw new KafkaException(
        'INVALID_REPLICA_ASSIGNMENT',
        `Unable to replicate partition ${i} to broker(s) ${foreign.join(', ')}: kafkalite is one broker (id ${brokerId}).`,
      )
    }
  })
  return partitions.length
}

/** Kafka's ensureTopicExists: no match for --topic is an error unless --if-exists. */
function ensureFound(found: readonly unknown[], {topic, ifExists}: TopicSelection, what = `Topic '${topic}'`): void {
  if (found.length === 0 && topic !== undefined && !ifExists) {
    throw new KafkaException(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `${what} does not exist as expected. Use 'kafkalite topics --list' to see the topics.`,
    )
  }
}

type LogOffsets = Map<string, {logStartOffset: number; logEndOffset: number}>

async function logOffsets(
  admin: Pick<Admin, 'listOffsets'>,
  descriptions: readonly TopicDescription[],
): Promise<LogOffsets> {
  const partitions = descriptions.flatMap((d) => d.partitions.map((p) => ({topic: d.name, partition: p.partition})))
  const [earliest, latest] = await Promise.all([
    admin.listOffsets(partitions.map((p) => ({...p, spec: 'earliest' as const}))),
    admin.listOffsets(partitions.map((p) => ({...p, spec: 'latest' as const}))),
  ])
  const out: LogOffsets = new Map()
  earliest.forEach((e, i) =>
    out.set(`${e.topic}:${e.partition}`, {logStartOffset: e.offset, logEndOffset: latest[i]!.offset}),
  )
  return out
}

function toDescribed(
  d: TopicDescription,
  configs: {name: string; value: string | null; isDefault: boolean}[],
  offsets: LogOffsets,
): DescribedTopic {
  const overrides: Record<string, string> = {}
  for (const c of configs) if (!c.isDefault) overrides[c.name] = c.value ?? ''
  const minIsr = Number(configs.find((c) => c.name === 'min.insync.replicas')?.value ?? '1')
  return {
    name: d.name,
    topicId: d.topicId,
    internal: d.internal,
    partitionCount: d.partitions.length,
    replicationFactor: d.partitions[0]?.replicas.length ?? 1,
    configs: overrides,
    minInSyncReplicas: minIsr,
    partitions: d.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader?.id ?? -1,
      replicas: p.replicas.map((r) => r.id),
      isr: p.isr.map((r) => r.id),
      ...offsets.get(`${d.name}:${p.partition}`)!,
    })),
  }
}
