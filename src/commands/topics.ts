import {Flags, type Interfaces} from '@oclif/core'
import type {Admin} from '../client/admin.js'
import {BaseCommand} from '../cli/base-command.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {checkInvalidArgs, checkRequiredArgs, isGiven, parseConfigEntries} from '../cli/kafka-options.js'
import {describeTopicLines, type DescribedTopic} from '../cli/topic-format.js'
import {
  alterTopicPartitions,
  createTopic,
  deleteTopics,
  describeTopics,
  matchingTopics,
  parseReplicaAssignment,
  topicsToDescribe,
} from '../cli/topics.js'
import {usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'
import {hasCollisionChars} from '../protocol/kafka/topic-name.js'

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

Topic configs (--config) are validated as Kafka validates them, and enforced as Kafka enforces them: retention.ms and retention.bytes delete old segments (segment.bytes, segment.ms), cleanup.policy=compact keeps the latest record of each key (delete.retention.ms, min.compaction.lag.ms, max.compaction.lag.ms, min.cleanable.dirty.ratio), max.message.bytes, message.timestamp.type and compression.type apply to every write. The flush, index and replication settings are stored and shown.`

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
    ...adminConfigFlags,
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
    const created = await createTopic(
      admin,
      {
        name,
        numPartitions: partitionsFromAssignment ?? flags.partitions,
        replicationFactor: flags['replication-factor'],
        configs: parseConfigEntries(flags.config),
      },
      flags['if-not-exists'],
    )
    if (created === null) return {name, created: null}
    this.log(`Created topic ${name}.`)
    return {name, created: {...created, partitions: created.numPartitions}}
  }

  async #list(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const topics = await matchingTopics(admin, flags.topic, !flags['exclude-internal'])
    // Kafka prints the names joined by newlines with println, so an empty list is one empty line.
    this.log(topics.map((t) => t.name).join('\n'))
    return {topics}
  }

  async #describe(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const names = await topicsToDescribe(
      admin,
      {
        topic: flags.topic,
        topicId: flags['topic-id'],
        ifExists: flags['if-exists'],
        excludeInternal: flags['exclude-internal'],
      },
      (message) => process.stderr.write(`${message}\n`),
    )
    if (names.length === 0) return {topics: []}
    const described = await describeTopics(admin, names)
    if (!this.jsonEnabled()) {
      const filter = PARTITION_FILTERS.find((f) => flags[f])
      for (const line of describeTopicLines(described, filter, flags['topics-with-overrides'])) this.log(line)
    }
    return {topics: described}
  }

  async #alter(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    const selection = {topic: flags.topic, ifExists: flags['if-exists']}
    const partitions = flags.partitions!
    const topics = await alterTopicPartitions(admin, selection, partitions, flags['replica-assignment'])
    return {altered: topics.map((name) => ({name, partitions}))}
  }

  async #delete(admin: Admin, flags: TopicsFlags): Promise<TopicsResult> {
    return {deleted: await deleteTopics(admin, {topic: flags.topic, ifExists: flags['if-exists']})}
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
