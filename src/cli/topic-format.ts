// kafka-topics --describe output, byte for byte as Kafka's TopicCommand prints it (tab-separated fields; see
// reference/kafka-cli.md section 2.2), with the single-broker meaning of its partition filters.

export type PartitionFilter =
  'under-replicated-partitions' | 'unavailable-partitions' | 'under-min-isr-partitions' | 'at-min-isr-partitions'

/** A described topic: what --describe prints, and what --describe --json returns. */
export interface DescribedTopic {
  name: string
  topicId: string
  internal: boolean
  partitionCount: number
  replicationFactor: number
  /** Configs whose source is not Kafka's default: topic overrides and broker settings. */
  configs: Record<string, string>
  minInSyncReplicas: number
  partitions: {
    partition: number
    leader: number
    replicas: number[]
    isr: number[]
    logStartOffset: number
    logEndOffset: number
  }[]
}

type Partition = DescribedTopic['partitions'][number]

const keep: Record<PartitionFilter, (t: DescribedTopic, p: Partition) => boolean> = {
  'under-replicated-partitions': (_t, p) => p.isr.length < p.replicas.length,
  'unavailable-partitions': () => false,
  'under-min-isr-partitions': (t, p) => p.isr.length < t.minInSyncReplicas,
  'at-min-isr-partitions': (t, p) => p.isr.length === t.minInSyncReplicas,
}

/** The lines of `kafka-topics --describe` for these topics (sorted by the caller). */
export function describeTopicLines(
  topics: readonly DescribedTopic[],
  filter: PartitionFilter | undefined,
  onlyOverrides: boolean,
): string[] {
  const lines: string[] = []
  for (const t of topics) {
    const configs = Object.entries(t.configs)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    const topicLine = `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitionCount}\tReplicationFactor: ${t.replicationFactor}\tConfigs: ${configs}`
    if (onlyOverrides) {
      if (configs !== '') lines.push(topicLine)
      continue
    }
    // A partition filter suppresses the topic line, as in Kafka.
    if (filter === undefined) lines.push(topicLine)
    for (const p of t.partitions) {
      if (filter !== undefined && !keep[filter](t, p)) continue
      lines.push(
        `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: \tLastKnownElr: `,
      )
    }
  }
  return lines
}
