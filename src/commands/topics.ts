import {Flags, type Interfaces} from '@oclif/core'
import type {Admin, TopicDescription} from '../client/admin.js'
import {BaseCommand, connectionFlags} from '../cli/base-command.js'
import {checkInvalidArgs, checkRequiredArgs, isGiven, parseConfigEntries, topicPattern} from '../cli/kafka-options.js'
import {describeTopicLines, type DescribedTopic, type PartitionFilter} from '../cli/topic-format.js'
import {KafkaException, usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'
import {hasCollisionChars, INTERNAL_TOPICS} from '../protocol/kafka/topic-name.js'

const ACTIONS = ['list', 'describe', 'create', 'alter', 'delete'] as const
type Action = (typeof ACTIONS)[number]

const PARTITION_FILTERS = [
  'under-replicated-partitions',
  'unavailable-partitions',
  'under-min-isr-partitions',
  'at-min-isr-partitions',
] as const

export type TopicsResult =
  | {topics: {name: string; topicId: string; internal: boolean}[]}
  | {topics: DescribedTopic[]}
  | {created: {name: string; topicId: string; partitions: number; replicationFactor: number} | null; name: string}
  | {deleted: string[]}
  | {altered: {name: string; partitions: number}[]}

export default class Topics extends BaseCommand {
  static override description = `Create, delete, describe, or change a topic: Apache Kafka's kafka-topics, with its options and output.

Exactly one action: --list, --describe, --create, --alter or --delete. --topic is a literal name for --create and a regular expression (matching the whole name) for the other actions. This is one broker, so the replication factor is always 1, and --replica-assignment may only name this broker.

Topic configs (--config) are validated as Kafka validates them. kafkalite enforces max.message.bytes and message.timestamp.type; retention.ms, retention.bytes and the segment, compaction and flush settings are stored and shown but not enforced yet: records are kept until their topic is deleted.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --create --topic orders --partitions 3',
    '<%= config.bin %> <%= command.id %> --create --if-not-exists --topic orders --config retention.ms=86400000',
    '<%= config.bin %> <%= command.id %> --list',
    '<%= config.bin %> <%= command.id %> --describe --topic orders',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --partitions 6',
    "<%= config.bin %> <%= command.id %> --delete --topic 'test-.*'",
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 --describe --json',
  ]

  static override flags = {
    ...connectionFlags,
    list: Flags.boolean({description: 'List all available topics.'}),
    describe: Flags.boolean({description: 'List details for the given topics.'}),
    create: Flags.boolean({description: 'Create a new topic.'}),
    alter: Flags.boolean({description: 'Alter the number of partitions and replica assignment.'}),
    delete: Flags.boolean({description: 'Delete a topic.'}),
    topic: Flags.string({
      description:
        'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the \\ prefix to escape regular expression symbols; e.g. "test\\.topic".',
      helpValue: '<topic>',
    }),
    'topic-id': Flags.string({description: 'The topic-id to describe. This is used only with --describe option.'}),
    partitions: Flags.integer({
      description:
        'The number of partitions for the topic being created or altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default (num.partitions).',
      helpValue: '<Integer: # of partitions>',
    }),
    'replication-factor': Flags.integer({
      description:
        'The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default. kafkalite is one broker, so only 1 can be satisfied.',
      helpValue: '<Integer: replication factor>',
    }),
    'replica-assignment': Flags.string({
      description:
        'A list of manual partition-to-broker assignments (broker_id_for_part1_replica1:broker_id_for_part1_replica2, broker_id_for_part2_replica1, ...). On kafkalite every replica list must be this broker alone.',
      helpValue: '<broker_id_for_part1_replica1:...>',
    }),
    config: Flags.string({
      description:
        "A topic configuration override for the topic being created, as name=value (repeatable). Valid names: cleanup.policy, compression.type, max.message.bytes, message.timestamp.type, retention.bytes, retention.ms, segment.bytes, segment.ms, min.insync.replicas and the rest of Kafka's topic configs.",
      helpValue: '<name=value>',
      multiple: true,
    }),
    'delete-config': Flags.string({
      description: 'Deprecated in Kafka 4.0 and ignored, as there.',
      multiple: true,
      hidden: true,
    }),
    'if-exists': Flags.boolean({
      description:
        'If set when altering, deleting or describing topics, the action will only execute if the topic exists.',
    }),
    'if-not-exists': Flags.boolean({
      description: 'If set when creating topics, the action will only execute if the topic does not already exist.',
    }),
    'exclude-internal': Flags.boolean({
      description:
        'Exclude internal topics when running list or describe command. The internal topics will be listed by default.',
    }),
    'under-replicated-partitions': Flags.boolean({
      description: 'If set when describing topics, only show under replicated partitions (never any: one broker).',
    }),
    'unavailable-partitions': Flags.boolean({
      description:
        'If set when describing topics, only show partitions whose leader is not available (never any: the broker is up).',
    }),
    'under-min-isr-partitions': Flags.boolean({
      description:
        'If set when describing topics, only show partitions whose isr count is less than the configured minimum (topics with min.insync.replicas above 1).',
    }),
    'at-min-isr-partitions': Flags.boolean({
      description:
        'If set when describing topics, only show partitions whose isr count is equal to the configured minimum.',
    }),
    'topics-with-overrides': Flags.boolean({
      description: 'If set when describing topics, only show topics that have overridden configs.',
    }),
    'partition-size-limit-per-response': Flags.integer({
      description:
        'The maximum partition size to be included in one DescribeTopicPartitions response (accepted for compatibility).',
      hidden: true,
    }),
    'command-config': Flags.string({
      description: 'Property file containing configs to be passed to Admin Client.',
      helpValue: '<command config property file>',
    }),
  }

  protected override errorPrefix = 'Error while executing topic command : '

  async run(): Promise<TopicsResult> {
    const {flags} = await this.parse(Topics)
    const action = checkArgs(flags)
    this.checkBootstrap(flags)
    if (flags['command-config']) readPropertiesFile(flags['command-config'])
    if (flags['delete-config']) {
      process.stderr.write(
        'delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.\n',
      )
    }
    const admin = await this.admin()
    switch (action) {
      case 'create':
        return this.#create(admin, flags)
      case 'list':
        return this.#list(admin, flags)
      case 'describe':
        return this.#describe(admin, flags)
      case 'alter':
        return this.#alter(admin, flags)
      case 'delete':
        return this.#delete(admin, flags)
    }
  }

  async #create(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const name = flags.topic!
    const partitionsFromAssignment = parseReplicaAssignment(flags['replica-assignment'], admin.node().id)
    if (hasCollisionChars(name) && !this.jsonEnabled()) {
      this.log(
        "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.",
      )
    }
    try {
      const [created] = await admin.createTopics([
        {
          name,
          numPartitions: partitionsFromAssignment ?? flags.partitions,
          replicationFactor: flags['replication-factor'],
          configs: parseConfigEntries(flags.config),
        },
      ])
      this.log(`Created topic ${name}.`)
      return {name, created: {...created!, partitions: created!.numPartitions}}
    } catch (error) {
      if (flags['if-not-exists'] && error instanceof KafkaException && error.code === 'TOPIC_ALREADY_EXISTS') {
        return {name, created: null}
      }
      throw error
    }
  }

  async #matching(admin: Admin, flags: TopicsFlags, includeInternal: boolean) {
    const all = await admin.listTopics({listInternal: includeInternal})
    const pattern = flags.topic === undefined ? undefined : topicPattern(flags.topic)
    return all.filter((t) => pattern === undefined || pattern.test(t.name)).sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  /** Kafka's ensureTopicExists: no match for --topic is an error unless --if-exists. */
  #ensureFound(found: readonly unknown[], flags: TopicsFlags, what = `Topic '${flags.topic}'`): void {
    if (found.length === 0 && flags.topic !== undefined && !flags['if-exists']) {
      throw new KafkaException(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `${what} does not exist as expected. Use 'kafkalite topics --list' to see the topics.`,
      )
    }
  }

  async #list(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const topics = await this.#matching(admin, flags, !flags['exclude-internal'])
    // Kafka prints the names joined by newlines with println, so an empty list is one empty line.
    this.log(topics.map((t) => t.name).join('\n'))
    return {topics}
  }

  async #describe(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    let names: string[]
    if (flags['topic-id'] !== undefined) {
      if (flags.topic !== undefined && flags['if-exists']) {
        process.stderr.write('Only topic id will be used when both topic name and topic id are provided in command.\n')
      }
      const all = await admin.listTopics({listInternal: true})
      names = all.filter((t) => t.topicId === flags['topic-id']).map((t) => t.name)
      this.#ensureFound(names, {...flags, topic: flags['topic-id']}, `TopicId '${flags['topic-id']}'`)
    } else {
      names = (await this.#matching(admin, flags, !flags['exclude-internal'])).map((t) => t.name)
      this.#ensureFound(names, flags)
    }
    if (names.length === 0) return {topics: []}
    const descriptions = await admin.describeTopics(names)
    const [configs, offsets] = await Promise.all([
      admin.describeConfigs(names, {includeDefaults: true}),
      this.#offsets(admin, descriptions),
    ])
    const described: DescribedTopic[] = descriptions
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((d) => toDescribed(d, configs.get(d.name) ?? [], offsets))
    const filter = partitionFilter(flags)
    if (!this.jsonEnabled()) {
      for (const line of describeTopicLines(described, filter, flags['topics-with-overrides'])) this.log(line)
      process.stderr.write(
        'Note: kafkalite keeps every record until its topic is deleted: retention.ms and retention.bytes are stored but not enforced yet.\n',
      )
    }
    return {topics: described}
  }

  async #offsets(
    admin: Admin,
    descriptions: readonly TopicDescription[],
  ): Promise<Map<string, {logStartOffset: number; logEndOffset: number}>> {
    const partitions = descriptions.flatMap((d) => d.partitions.map((p) => ({topic: d.name, partition: p.partition})))
    const [earliest, latest] = await Promise.all([
      admin.listOffsets(partitions.map((p) => ({...p, spec: 'earliest' as const}))),
      admin.listOffsets(partitions.map((p) => ({...p, spec: 'latest' as const}))),
    ])
    const out = new Map<string, {logStartOffset: number; logEndOffset: number}>()
    earliest.forEach((e, i) =>
      out.set(`${e.topic}:${e.partition}`, {logStartOffset: e.offset, logEndOffset: latest[i]!.offset}),
    )
    return out
  }

  async #alter(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const topics = (await this.#matching(admin, flags, true)).map((t) => t.name)
    this.#ensureFound(topics, flags)
    const assigned = parseReplicaAssignment(flags['replica-assignment'], admin.node().id)
    const count = flags.partitions!
    if (assigned !== undefined) {
      const descriptions = await admin.describeTopics(topics)
      for (const d of descriptions) {
        const adding = count - d.partitions.length
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
      await admin.createPartitions({[t]: count})
    }
    return {altered: topics.map((name) => ({name, partitions: count}))}
  }

  async #delete(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const topics = (await this.#matching(admin, flags, true)).map((t) => t.name)
    this.#ensureFound(topics, flags)
    for (const t of topics) {
      if (INTERNAL_TOPICS.has(t)) {
        throw usageError(`Topic ${t} is a kafka internal topic and is not allowed to be marked for deletion.`)
      }
    }
    if (topics.length > 0) await admin.deleteTopics(topics)
    return {deleted: topics}
  }
}

type TopicsFlags = Interfaces.InferredFlags<(typeof Topics)['flags']>

/** TopicCommandOptions.checkArgs: one action, the options each action needs, the combinations Kafka refuses. */
function checkArgs(flags: Record<string, unknown>): Action {
  const actions = ACTIONS.filter((a) => flags[a])
  if (actions.length !== 1) {
    throw usageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete')
  }
  const action = actions[0]!
  const others = (...allowed: Action[]) => ACTIONS.filter((a) => !allowed.includes(a))
  if (action === 'create' || action === 'delete' || action === 'alter') checkRequiredArgs(flags, 'topic')
  if (action === 'alter') {
    if (isGiven(flags.config)) {
      throw usageError(
        'Option combination "[alter], [config]" can\'t be used with option "[alter]" (To alter topic configurations, use the Admin API\'s incrementalAlterConfigs.)',
      )
    }
    checkRequiredArgs(flags, 'partitions')
  }
  checkInvalidArgs(flags, 'config', others('create', 'alter'))
  checkInvalidArgs(flags, 'partitions', others('create', 'alter'))
  checkInvalidArgs(flags, 'replication-factor', others('create'))
  checkInvalidArgs(flags, 'replica-assignment', others('create', 'alter'))
  if (action === 'create') checkInvalidArgs(flags, 'replica-assignment', ['partitions', 'replication-factor'])
  checkInvalidArgs(flags, 'if-exists', others('alter', 'delete', 'describe'))
  checkInvalidArgs(flags, 'if-not-exists', others('create'))
  checkInvalidArgs(flags, 'exclude-internal', others('list', 'describe'))
  checkInvalidArgs(flags, 'topic-id', others('describe'))
  for (const filter of [...PARTITION_FILTERS, 'topics-with-overrides'])
    checkInvalidArgs(flags, filter, others('describe'))
  checkInvalidArgs(flags, 'topics-with-overrides', PARTITION_FILTERS)
  const partitions = flags.partitions as number | undefined
  if (partitions !== undefined && partitions < 1) throw usageError('The partitions must be greater than 0')
  const rf = flags['replication-factor'] as number | undefined
  if (rf !== undefined && (rf < 1 || rf > 32767)) {
    throw usageError('The replication factor must be between 1 and 32767 inclusive')
  }
  return action
}

/** Validates --replica-assignment against this single broker; returns the number of partitions it lists. */
function parseReplicaAssignment(value: string | undefined, brokerId: number): number | undefined {
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

function partitionFilter(flags: Record<string, unknown>): PartitionFilter | undefined {
  return PARTITION_FILTERS.find((f) => flags[f])
}

function toDescribed(
  d: TopicDescription,
  configs: {name: string; value: string | null; isDefault: boolean}[],
  offsets: Map<string, {logStartOffset: number; logEndOffset: number}>,
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
      leader: p.leader.id,
      replicas: p.replicas.map((r) => r.id),
      isr: p.isr.map((r) => r.id),
      ...offsets.get(`${d.name}:${p.partition}`)!,
    })),
  }
}
