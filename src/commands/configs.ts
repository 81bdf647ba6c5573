import {Flags} from '@oclif/core'
import type {ConfigEntry} from '../client/admin.js'
import {BaseCommand} from '../cli/base-command.js'
import {
  configLine,
  configsFromProperties,
  parseConfigsToAdd,
  parseConfigsToDelete,
  scramDescriptionLine,
  topicConfigsToShow,
  userScramChanges,
} from '../cli/configs.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {KafkaException, usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'

/** Kafka's entity types; kafkalite manages topics, brokers and users. */
const ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'broker-loggers', 'ips', 'client-metrics', 'groups']
const SINGULAR: Readonly<Record<string, string>> = {topics: 'topic', users: 'user', brokers: 'broker'}

export type ConfigsResult =
  | {topics: {name: string; configs: ConfigEntry[]}[]}
  | {brokers: {name: string; configs: ConfigEntry[]}[]}
  | {users: {user: string; credentials: {mechanism: string; iterations: number}[]; error?: string}[]}
  | {altered: {entityType: string; entityName: string}}

export default class Configs extends BaseCommand {
  static override description = `Describe or change the configs of topics and brokers, and the SCRAM credentials of users: Apache Kafka's kafka-configs.

Exactly one action: --describe or --alter. The entity is --entity-type with --entity-name (or --entity-default), or the shortcuts --topic, --broker, --broker-defaults and --user.

Topics: --describe prints the topic's overrides (with --all, every config), with their sources and synonyms, as Kafka prints them; --alter sets (--add-config, --add-config-file) and removes (--delete-config) overrides, validated as Kafka validates them.

Users: SCRAM credentials for the SASL listeners (SCRAM-SHA-256, SCRAM-SHA-512), set with --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]' (iterations 4096 by default, at least 4096) and removed with --delete-config SCRAM-SHA-256. The password is salted here and only the salted keys reach the broker, which never stores a password. --describe without --entity-name lists every user with credentials (Kafka's tool prints nothing then).

Brokers: --describe prints a broker's dynamic configs (with --all, every setting with its source), or with --entity-default (--broker-defaults) the cluster's dynamic defaults; without a name, each broker's then the defaults. --alter sets and removes dynamic broker configs: the broker defaults of topic configs (log.retention.ms, log.retention.bytes, log.cleanup.policy, message.max.bytes, ...), which take effect at once, without a restart, for every topic without an override of its own. Other broker settings are read from server.properties at start.

kafkalite has no client quotas and no group configs (KIP-848): entity types clients, groups, ips, broker-loggers and client-metrics are refused.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --describe --entity-type topics --entity-name orders',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --add-config retention.ms=86400000,cleanup.policy=[compact,delete]',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --delete-config retention.ms',
    "<%= config.bin %> <%= command.id %> --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'",
    '<%= config.bin %> <%= command.id %> --describe --entity-type users --entity-name alice',
    '<%= config.bin %> <%= command.id %> --alter --entity-type brokers --entity-default --add-config log.retention.ms=3600000',
    '<%= config.bin %> <%= command.id %> --describe --broker 1 --all',
  ]

  static override flags = {
    ...connectionFlags,
    ...adminConfigFlags,
    describe: Flags.boolean({description: 'List configs for the given entity.'}),
    alter: Flags.boolean({description: 'Alter the configuration for the entity.'}),
    'entity-type': Flags.string({
      description: `Type of entity (${ENTITY_TYPES.join('/')}); kafkalite manages topics, brokers and users.`,
      helpValue: '<String>',
    }),
    'entity-name': Flags.string({
      description: 'Name of entity (topic name/user principal name).',
      helpValue: '<String>',
    }),
    'entity-default': Flags.boolean({
      description:
        'Default entity name for clients/users/brokers/ips (applies to corresponding entity type); kafkalite: brokers.',
    }),
    topic: Flags.string({description: "The topic's name.", helpValue: '<topic>'}),
    broker: Flags.string({description: "The broker's ID.", helpValue: '<broker-id>'}),
    'broker-defaults': Flags.boolean({description: 'The config defaults for all brokers.'}),
    user: Flags.string({description: "The user's principal name.", helpValue: '<user-principal>'}),
    all: Flags.boolean({
      description:
        'List all configs for the given topic, broker, or broker-logger entity (includes static configuration when the entity type is brokers)',
    }),
    'add-config': Flags.string({
      description:
        "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. Users take SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret].",
      helpValue: '<String>',
    }),
    'add-config-file': Flags.string({
      description: 'Path to a properties file with configs to add.',
      helpValue: '<String>',
    }),
    'delete-config': Flags.string({description: 'config keys to remove: k1,k2', helpValue: '<String>'}),
    force: Flags.boolean({description: 'Suppress console prompts (accepted; no effect).'}),
  }

  async run(): Promise<ConfigsResult> {
    const {flags} = await this.parse(Configs)
    this.checkBootstrap(flags)
    if (flags.describe === flags.alter) throw usageError('Command must include exactly one action: --describe, --alter')
    const shortcuts = [
      flags.topic !== undefined && 'topics',
      flags.user !== undefined && 'users',
      (flags.broker !== undefined || flags['broker-defaults']) && 'brokers',
    ].filter(Boolean) as string[]
    if (shortcuts.length > 1 || (flags.broker !== undefined && flags['broker-defaults'])) {
      throw usageError('Only one entity may be given: --topic, --broker, --broker-defaults or --user')
    }
    const shortcut = shortcuts[0]
    if (
      shortcut &&
      (flags['entity-type'] ?? flags['entity-name'] ?? (flags['entity-default'] || undefined)) !== undefined
    ) {
      throw usageError('--entity-{type,name,default} should not be used in conjunction with specific entity flags')
    }
    const entityType = shortcut ?? flags['entity-type']
    const isDefault = flags['entity-default'] || flags['broker-defaults']
    const entityName = isDefault ? '' : (flags.topic ?? flags.user ?? flags.broker ?? flags['entity-name'])
    if (entityType === undefined) throw usageError('At least one entity type must be specified')
    if (!ENTITY_TYPES.includes(entityType)) throw usageError(`Invalid entity type: ${entityType}`)
    if (entityType !== 'topics' && entityType !== 'users' && entityType !== 'brokers') {
      throw usageError(
        `kafkalite configs manages topics, brokers and users (SCRAM credentials); --entity-type ${entityType} is not supported: kafkalite has no client quotas and no group configs.`,
      )
    }
    if (isDefault && entityType !== 'brokers') {
      throw usageError(
        entityType === 'users'
          ? 'The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.'
          : `--entity-default is not allowed with --entity-type ${entityType}`,
      )
    }
    if (entityType === 'brokers' && entityName !== undefined && entityName !== '' && !/^\d+$/.test(entityName)) {
      throw usageError(`The entity name for brokers must be a valid integer broker id, but it is: ${entityName}`)
    }
    if (flags.all && entityName === '')
      throw usageError('--all is not allowed with --entity-default or --broker-defaults')
    if (flags.alter) return this.#alter(flags, entityType, entityName)
    if (entityType === 'brokers') return this.#describeBrokers(entityName, flags.all)
    return entityType === 'topics' ? this.#describeTopics(entityName, flags.all) : this.#describeUsers(entityName)
  }

  /**
   * A broker's dynamic configs (all, with --all), or '' the cluster's defaults; without a name, every broker's and
   * then the defaults, as Kafka's tool lists them.
   */
  async #describeBrokers(name: string | undefined, all: boolean): Promise<ConfigsResult> {
    const admin = await this.admin()
    const ids = (await admin.describeCluster()).nodes.map((n) => String(n.id))
    const names = name === undefined ? [...ids, ''] : [name]
    const missing = names.find((n) => n !== '' && !ids.includes(n))
    if (missing !== undefined) {
      throw new KafkaException(
        'INVALID_REQUEST',
        `The broker '${missing}' doesn't exist and doesn't have dynamic config.`,
      )
    }
    const configs = await admin.describeBrokerConfigs(names, {includeDefaults: true})
    const brokers = names.map((n) => {
      const source = n === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG'
      const entries = (configs.get(n) ?? [])
        .filter((e) => all || e.source === source)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      return {name: n, configs: entries}
    })
    for (const b of brokers) {
      this.log(
        b.name === ''
          ? 'Default configs for brokers in the cluster are:'
          : `${all ? 'All' : 'Dynamic'} configs for broker ${b.name} are:`,
      )
      for (const e of b.configs) this.log(configLine(e))
    }
    return {brokers}
  }

  async #describeTopics(name: string | undefined, all: boolean): Promise<ConfigsResult> {
    const admin = await this.admin()
    const names = name !== undefined ? [name] : (await admin.listTopics({listInternal: true})).map((t) => t.name)
    const configs = names.length === 0 ? new Map() : await admin.describeConfigs(names, {includeDefaults: all})
    const topics = names.map((n) => ({name: n, configs: topicConfigsToShow(configs.get(n) ?? [], all)}))
    for (const t of topics) {
      this.log(`${all ? 'All' : 'Dynamic'} configs for topic ${t.name} are:`)
      for (const e of t.configs) this.log(configLine(e))
    }
    return {topics}
  }

  async #describeUsers(name: string | undefined): Promise<ConfigsResult> {
    const admin = await this.admin()
    if (name === undefined) {
      const users = await admin.describeUserScramCredentials()
      for (const u of users) this.log(scramDescriptionLine(u.user, u.credentialInfos))
      return {users: users.map((u) => ({user: u.user, credentials: u.credentialInfos}))}
    }
    try {
      const [u] = await admin.describeUserScramCredentials([name])
      this.log(scramDescriptionLine(name, u!.credentialInfos))
      return {users: [{user: name, credentials: u!.credentialInfos}]}
    } catch (error) {
      if (!(error instanceof KafkaException) || error.code !== 'RESOURCE_NOT_FOUND') throw error
      // A user without credentials: Kafka's tool prints nothing and exits 0.
      return {users: [{user: name, credentials: [], error: error.message}]}
    }
  }

  async #alter(
    flags: {'add-config'?: string; 'add-config-file'?: string; 'delete-config'?: string},
    entityType: string,
    entityName: string | undefined,
  ): Promise<ConfigsResult> {
    if (entityName === undefined) throw usageError(`An entity name must be specified with --alter of ${entityType}`)
    const {'add-config': addText, 'add-config-file': addFile, 'delete-config': deleteText} = flags
    if (addText === undefined && addFile === undefined && deleteText === undefined) {
      throw usageError(
        'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter',
      )
    }
    if (addText !== undefined && addFile !== undefined) {
      throw usageError('Only one of --add-config or --add-config-file must be specified')
    }
    const add =
      addFile !== undefined
        ? configsFromProperties(readPropertiesFile(addFile))
        : addText !== undefined
          ? parseConfigsToAdd(addText)
          : new Map<string, string>()
    const remove = deleteText === undefined ? [] : parseConfigsToDelete(deleteText)
    const admin = await this.admin()
    if (entityType === 'users') {
      const {upserts, deletes} = userScramChanges(add, remove)
      // A Kafka (KRaft) broker alters a user once per request: one request per mechanism, where Kafka's own tool
      // fails with DuplicateResourceException when given two.
      for (const alteration of [
        ...deletes.map((mechanism) => ({user: entityName, mechanism})),
        ...upserts.map((u) => ({user: entityName, ...u})),
      ]) {
        const [result] = await admin.alterUserScramCredentials([alteration])
        if (result?.error) throw result.error
      }
    } else if (entityType === 'brokers') {
      const [current] = (await admin.describeBrokerConfigs([entityName], {includeDefaults: true})).values()
      const source = entityName === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG'
      const dynamic = new Set((current ?? []).filter((e) => e.source === source).map((e) => e.name))
      const invalid = remove.filter((k) => !dynamic.has(k))
      if (invalid.length > 0) throw usageError(`Invalid config(s): ${invalid.join(',')}`)
      await admin.incrementalAlterBrokerConfigs({[entityName]: {set: Object.fromEntries(add), delete: remove}})
      this.log(
        entityName === ''
          ? 'Completed updating default config for brokers in the cluster.'
          : `Completed updating config for broker ${entityName}.`,
      )
      return {altered: {entityType, entityName}}
    } else {
      // Kafka's tool refuses to delete what is not overridden before it asks the broker.
      const current = (await admin.describeConfigs([entityName])).get(entityName) ?? []
      const overridden = new Set(current.filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => e.name))
      const invalid = remove.filter((k) => !overridden.has(k))
      if (invalid.length > 0) throw usageError(`Invalid config(s): ${invalid.join(',')}`)
      await admin.incrementalAlterConfigs({[entityName]: {set: Object.fromEntries(add), delete: remove}})
    }
    this.log(`Completed updating config for ${SINGULAR[entityType]} ${entityName}.`)
    return {altered: {entityType, entityName}}
  }
}
