import {Flags} from '@oclif/core'
import type {ClientQuotaEntity, ConfigEntry} from '../client/admin.js'
import {BaseCommand} from '../cli/base-command.js'
import {
  configLine,
  configsFromProperties,
  inJavaOrder,
  javaParseDouble,
  parseConfigsToAdd,
  parseConfigsToDelete,
  quotaDescriptionLine,
  quotaEntity,
  quotaFilterComponents,
  quotaOrScramChanges,
  scramDescriptionLine,
  topicConfigsToShow,
  userScramChanges,
} from '../cli/configs.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {KafkaException, usageError} from '../errors.js'
import {javaHashMapOrder, javaStringHash} from '../java-text.js'
import {readPropertiesFile} from '../properties.js'

/** Kafka's entity types; kafkalite manages topics, brokers, users and clients. */
const ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'broker-loggers', 'ips', 'client-metrics', 'groups']
const SUPPORTED = new Set(['topics', 'clients', 'users', 'brokers'])
const SINGULAR: Readonly<Record<string, string>> = {
  topics: 'topic',
  users: 'user',
  brokers: 'broker',
  clients: 'client',
}
/** ConfigCommand's entity flags and their types, in its order (entityFlags, then entityDefaultsFlags). */
const ENTITY_FLAGS = [
  ['topic', 'topics'],
  ['client', 'clients'],
  ['user', 'users'],
  ['broker', 'brokers'],
] as const
const DEFAULTS_FLAGS = [
  ['client-defaults', 'clients'],
  ['user-defaults', 'users'],
  ['broker-defaults', 'brokers'],
] as const

type ScramUser = {user: string; credentials: {mechanism: string; iterations: number}[]; error?: string}

export type ConfigsResult =
  | {topics: {name: string; configs: ConfigEntry[]}[]}
  | {brokers: {name: string; configs: ConfigEntry[]}[]}
  | {quotas: {entity: ClientQuotaEntity; values: Record<string, number>}[]; users?: ScramUser[]}
  | {altered: {entityType: string; entityName: string}}

type Parsed = Awaited<ReturnType<Configs['parse']>>['flags']

export default class Configs extends BaseCommand {
  static override description = `Describe or change the configs of topics and brokers, the quotas of clients and users, and the SCRAM credentials of users: Apache Kafka's kafka-configs.

Exactly one action: --describe or --alter. The entity is --entity-type with --entity-name (or --entity-default), or the shortcuts --topic, --broker, --broker-defaults, --user, --user-defaults, --client and --client-defaults. Users and clients may be given together (--entity-type users --entity-name alice --entity-type clients --entity-name c1, or --user alice --client c1): the quotas of that client id of that user.

Topics: --describe prints the topic's overrides (with --all, every config), with their sources and synonyms, as Kafka prints them; --alter sets (--add-config, --add-config-file) and removes (--delete-config) overrides, validated as Kafka validates them.

Client quotas (users, clients, a user's clients, and their defaults): producer_byte_rate and consumer_byte_rate (bytes per second), request_percentage (percent of a request thread's time) and controller_mutation_rate, set with --add-config producer_byte_rate=1048576 and removed with --delete-config. The broker enforces them as Kafka does: the most specific quota of a client applies (user and client id, then user, then client id, each before its default), rates are measured over quota.window.num windows of quota.window.size.seconds, and a client over its quota gets throttle_time_ms in its Produce or Fetch response and is not read from for that long. controller_mutation_rate is kept, not enforced. --describe prints 'Quota configs for user-principal 'alice' are producer_byte_rate=1024.0'; without a name, every entity of the type.

Users: SCRAM credentials for the SASL listeners (SCRAM-SHA-256, SCRAM-SHA-512), set with --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]' (iterations 4096 by default, at least 4096) and removed with --delete-config SCRAM-SHA-256; not in the same command as quotas, nor for the default user. The password is salted here and only the salted keys reach the broker, which never stores a password. --describe of users prints their quotas, then their credentials; without --entity-name, every user with credentials (Kafka's tool prints nothing then).

Brokers: --describe prints a broker's dynamic configs (with --all, every setting with its source), or with --entity-default (--broker-defaults) the cluster's dynamic defaults; without a name, each broker's then the defaults. --alter sets and removes dynamic broker configs: the broker defaults of topic configs (log.retention.ms, log.retention.bytes, log.cleanup.policy, message.max.bytes, ...), which take effect at once, without a restart, for every topic without an override of its own. Other broker settings are read from server.properties at start.

kafkalite has no IP connection quotas and no group configs (KIP-848): entity types ips, groups, broker-loggers and client-metrics are refused.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --describe --entity-type topics --entity-name orders',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --add-config retention.ms=86400000,cleanup.policy=[compact,delete]',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --delete-config retention.ms',
    '<%= config.bin %> <%= command.id %> --alter --entity-type clients --entity-name loader --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152',
    '<%= config.bin %> <%= command.id %> --alter --entity-type users --entity-name alice --entity-type clients --entity-default --add-config request_percentage=50',
    '<%= config.bin %> <%= command.id %> --describe --entity-type clients',
    '<%= config.bin %> <%= command.id %> --alter --client-defaults --delete-config consumer_byte_rate',
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
      description: `Type of entity (${ENTITY_TYPES.join('/')}); kafkalite manages topics, clients, users and brokers. Users and clients may be given together.`,
      helpValue: '<String>',
      multiple: true,
    }),
    'entity-name': Flags.string({
      description: 'Name of entity (topic name/client id/user principal name/broker id), one per --entity-type.',
      helpValue: '<String>',
      multiple: true,
    }),
    'entity-default': Flags.boolean({
      description: 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type)',
    }),
    topic: Flags.string({description: "The topic's name.", helpValue: '<topic>'}),
    client: Flags.string({description: "The client's ID.", helpValue: '<client-id>'}),
    'client-defaults': Flags.boolean({description: 'The config defaults for all clients.'}),
    user: Flags.string({description: "The user's principal name.", helpValue: '<user-principal>'}),
    'user-defaults': Flags.boolean({description: 'The config defaults for all users.'}),
    broker: Flags.string({description: "The broker's ID.", helpValue: '<broker-id>'}),
    'broker-defaults': Flags.boolean({description: 'The config defaults for all brokers.'}),
    all: Flags.boolean({
      description:
        'List all configs for the given topic, broker, or broker-logger entity (includes static configuration when the entity type is brokers)',
    }),
    'add-config': Flags.string({
      description:
        "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. Users and clients take producer_byte_rate, consumer_byte_rate, request_percentage and controller_mutation_rate; users also SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret].",
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
    const {types, names} = this.#entities(flags)
    // ConfigCommandOptions.checkArgs, in its order.
    const duplicates = [...new Set(types.filter((t, i) => types.indexOf(t) !== i))]
    if (duplicates.length > 0) throw usageError(`Duplicate entity type(s) specified: ${duplicates.join(',')}`)
    const invalid = types.find((t) => !ENTITY_TYPES.includes(t))
    if (invalid !== undefined) throw usageError(`Invalid entity type: ${invalid}`)
    if (types.length === 0) throw usageError('At least one entity type must be specified')
    if (types.length > 1 && !(types.length === 2 && types.includes('users') && types.includes('clients'))) {
      throw usageError("Only 'users' and 'clients' entity types may be specified together")
    }
    const shortcut = [...ENTITY_FLAGS, ...DEFAULTS_FLAGS].some(([flag]) => {
      const value = flags[flag]
      return value !== undefined && value !== false
    })
    if (shortcut && (flags['entity-type'] ?? flags['entity-name'] ?? (flags['entity-default'] || undefined))) {
      throw usageError('--entity-{type,name,default} should not be used in conjunction with specific entity flags')
    }
    const hasName = names.some((n) => n !== '')
    const hasDefault = names.includes('')
    const unsupported = types.find((t) => !SUPPORTED.has(t))
    if (unsupported !== undefined) {
      throw usageError(
        `kafkalite configs manages topics, brokers, users and clients; --entity-type ${unsupported} is not supported: kafkalite has no IP connection quotas and no group configs.`,
      )
    }
    const entityType = types[0]!
    if (entityType === 'brokers' && hasName && !/^\d+$/.test(names.find((n) => n !== '')!)) {
      throw usageError(
        `The entity name for brokers must be a valid integer broker id, but it is: ${names.find((n) => n !== '')}`,
      )
    }
    const quotaTypes = types.some((t) => t === 'users' || t === 'clients' || t === 'brokers')
    if (flags.describe && flags['entity-default'] && !quotaTypes) {
      throw usageError(`--entity-default must not be specified with --describe of ${types.join(',')}`)
    }
    if (flags.alter) {
      if (quotaTypes) {
        if (!hasName && !hasDefault) {
          throw usageError(
            'An entity-name or default entity must be specified with --alter of users, clients, brokers or ips',
          )
        }
      } else if (!hasName) {
        throw usageError(`An entity name must be specified with --alter of ${types.join(',')}`)
      }
      if (flags['add-config'] !== undefined && flags['add-config-file'] !== undefined) {
        throw usageError('Only one of --add-config or --add-config-file must be specified')
      }
      if (
        flags['add-config'] === undefined &&
        flags['add-config-file'] === undefined &&
        flags['delete-config'] === undefined
      ) {
        throw usageError(
          'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter',
        )
      }
      if (types.length !== names.length) throw usageError('An entity name must be specified for every entity type')
    }
    const entityName = names[0]
    if (flags.all && entityName === '') {
      throw usageError('--all is not allowed with --entity-default or --broker-defaults')
    }
    if (flags.alter) return this.#alter(flags, types, names)
    if (entityType === 'users' || entityType === 'clients') return this.#describeQuotas(types, names)
    if (entityType === 'brokers') return this.#describeBrokers(entityName, flags.all)
    return this.#describeTopics(entityName, flags.all)
  }

  /**
   * ConfigCommandOptions.entityTypes() and entityNames(): the --entity-type values, then the entity flags' types and
   * the defaults flags'; the --entity-name and --entity-default names in command-line order ('' for a default), then
   * the entity flags' values, then '' for each defaults flag.
   */
  #entities(flags: Parsed): {types: string[]; names: string[]} {
    const types = [...(flags['entity-type'] ?? [])]
    const names: string[] = []
    const given = [...(flags['entity-name'] ?? [])]
    for (const arg of this.argv) {
      if (arg === '--') break
      if (arg === '--entity-default') names.push('')
      else if (arg === '--entity-name' || arg.startsWith('--entity-name=')) names.push(given.shift() ?? '')
    }
    for (const [flag, type] of ENTITY_FLAGS) if (flags[flag] !== undefined) types.push(type)
    for (const [flag, type] of DEFAULTS_FLAGS) if (flags[flag]) types.push(type)
    for (const [flag] of ENTITY_FLAGS) if (flags[flag] !== undefined) names.push(flags[flag])
    for (const [flag] of DEFAULTS_FLAGS) if (flags[flag]) names.push('')
    return {types, names}
  }

  /**
   * Quotas of users, clients, or a user's clients (strict: only entities of exactly these types), as Kafka's tool
   * prints them, then (users only, not the default) the users' SCRAM credentials.
   */
  async #describeQuotas(types: readonly string[], names: readonly string[]): Promise<ConfigsResult> {
    const admin = await this.admin()
    const components = quotaFilterComponents(types, names)
    const quotas = inJavaOrder(await admin.describeClientQuotas({components, strict: true}))
    for (const q of quotas) this.log(quotaDescriptionLine(q))
    if (types.includes('clients') || names.includes('')) return {quotas}
    return {quotas, users: await this.#describeUsers(names[0])}
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

  /** Users' SCRAM credentials: one line per user with credentials (a named user without any: nothing). */
  async #describeUsers(name: string | undefined): Promise<ScramUser[]> {
    const admin = await this.admin()
    if (name === undefined) {
      const users = await admin.describeUserScramCredentials()
      for (const u of users) this.log(scramDescriptionLine(u.user, u.credentialInfos))
      return users.map((u) => ({user: u.user, credentials: u.credentialInfos}))
    }
    try {
      const [u] = await admin.describeUserScramCredentials([name])
      this.log(scramDescriptionLine(name, u!.credentialInfos))
      return [{user: name, credentials: u!.credentialInfos}]
    } catch (error) {
      if (!(error instanceof KafkaException) || error.code !== 'RESOURCE_NOT_FOUND') throw error
      // A user without credentials: Kafka's tool prints nothing and exits 0.
      return [{user: name, credentials: [], error: error.message}]
    }
  }

  async #alter(
    flags: {'add-config'?: string; 'add-config-file'?: string; 'delete-config'?: string},
    types: readonly string[],
    names: readonly string[],
  ): Promise<ConfigsResult> {
    const entityType = types[0]!
    const entityName = names[0]!
    const {'add-config': addText, 'add-config-file': addFile, 'delete-config': deleteText} = flags
    const add =
      addFile !== undefined
        ? configsFromProperties(readPropertiesFile(addFile))
        : addText !== undefined
          ? parseConfigsToAdd(addText)
          : new Map<string, string>()
    const remove = deleteText === undefined ? [] : parseConfigsToDelete(deleteText)
    const admin = await this.admin()
    if (entityType === 'users' || entityType === 'clients') {
      if (quotaOrScramChanges(add, remove, types, names) === 'quotas') {
        await this.#alterQuotas(types, names, add, remove)
      } else {
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
      }
    } else if (entityType === 'brokers') {
      const [current] = (await admin.describeBrokerConfigs([entityName], {includeDefaults: true})).values()
      const source = entityName === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG'
      const dynamic = new Set((current ?? []).filter((e) => e.source === source).map((e) => e.name))
      const invalid = remove.filter((k) => !dynamic.has(k))
      if (invalid.length > 0) throw usageError(`Invalid config(s): ${invalid.join(',')}`)
      await admin.incrementalAlterBrokerConfigs({[entityName]: {set: Object.fromEntries(add), delete: remove}})
    } else {
      // Kafka's tool refuses to delete what is not overridden before it asks the broker.
      const current = (await admin.describeConfigs([entityName])).get(entityName) ?? []
      const overridden = new Set(current.filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => e.name))
      const invalid = remove.filter((k) => !overridden.has(k))
      if (invalid.length > 0) throw usageError(`Invalid config(s): ${invalid.join(',')}`)
      await admin.incrementalAlterConfigs({[entityName]: {set: Object.fromEntries(add), delete: remove}})
    }
    // As Kafka's tool: named after the first entity given (--user alice --client c1 is the client c1's line).
    this.log(
      entityName === ''
        ? `Completed updating default config for ${entityType} in the cluster.`
        : `Completed updating config for ${SINGULAR[entityType]} ${entityName}.`,
    )
    return {altered: {entityType, entityName}}
  }

  /**
   * ConfigCommand.alterQuotaConfigs: a key to delete must be set on the entity; values are read as Java doubles; one
   * alteration of the entity, which the broker validates (finite, above 0, whole byte rates).
   */
  async #alterQuotas(
    types: readonly string[],
    names: readonly string[],
    add: ReadonlyMap<string, string>,
    remove: readonly string[],
  ): Promise<void> {
    const admin = await this.admin()
    const entity = quotaEntity(types, names)
    const [current] = await admin.describeClientQuotas({components: quotaFilterComponents(types, names), strict: true})
    const invalid = remove.filter((k) => current === undefined || !Object.hasOwn(current.values, k))
    if (invalid.length > 0) throw usageError(`Invalid config(s): ${invalid.join(',')}`)
    // In the order ConfigCommand sends them: its HashMap of the configs to add, then the deletions.
    const added = [...add]
    const ordered = javaHashMapOrder(added.map(([key]) => javaStringHash(key))).map((i) => added[i]!)
    const ops = ordered.map(([key, text]) => {
      const value = javaParseDouble(text)
      if (value === undefined) throw usageError(`Cannot parse quota configuration value for ${key}: ${text}`)
      return {key, value}
    })
    await admin.alterClientQuotas([{entity, ops: [...ops, ...remove.map((key) => ({key, value: null}))]}])
  }
}
