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

/** Kafka's entity types; kafkalite manages topics and users. */
const ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'broker-loggers', 'ips', 'client-metrics', 'groups']
const SINGULAR: Readonly<Record<string, string>> = {topics: 'topic', users: 'user'}

export type ConfigsResult =
  | {topics: {name: string; configs: ConfigEntry[]}[]}
  | {users: {user: string; credentials: {mechanism: string; iterations: number}[]; error?: string}[]}
  | {altered: {entityType: string; entityName: string}}

export default class Configs extends BaseCommand {
  static override description = `Describe or change the configs of topics, and the SCRAM credentials of users: Apache Kafka's kafka-configs.

Exactly one action: --describe or --alter. The entity is --entity-type with --entity-name, or the shortcuts --topic and --user.

Topics: --describe prints the topic's overrides (with --all, every config), with their sources and synonyms, as Kafka prints them; --alter sets (--add-config, --add-config-file) and removes (--delete-config) overrides, validated as Kafka validates them.

Users: SCRAM credentials for the SASL listeners (SCRAM-SHA-256, SCRAM-SHA-512), set with --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]' (iterations 4096 by default, at least 4096) and removed with --delete-config SCRAM-SHA-256. The password is salted here and only the salted keys reach the broker, which never stores a password. --describe without --entity-name lists every user with credentials (Kafka's tool prints nothing then).

kafkalite has no client quotas, and broker configs come from server.properties: other entity types are refused.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --describe --entity-type topics --entity-name orders',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --add-config retention.ms=86400000,cleanup.policy=[compact,delete]',
    '<%= config.bin %> <%= command.id %> --alter --topic orders --delete-config retention.ms',
    "<%= config.bin %> <%= command.id %> --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'",
    '<%= config.bin %> <%= command.id %> --describe --entity-type users --entity-name alice',
  ]

  static override flags = {
    ...connectionFlags,
    ...adminConfigFlags,
    describe: Flags.boolean({description: 'List configs for the given entity.'}),
    alter: Flags.boolean({description: 'Alter the configuration for the entity.'}),
    'entity-type': Flags.string({
      description: `Type of entity (${ENTITY_TYPES.join('/')}); kafkalite manages topics and users.`,
      helpValue: '<String>',
    }),
    'entity-name': Flags.string({
      description: 'Name of entity (topic name/user principal name).',
      helpValue: '<String>',
    }),
    'entity-default': Flags.boolean({description: 'Default entity name for clients/users/brokers (not supported).'}),
    topic: Flags.string({description: "The topic's name.", helpValue: '<topic>'}),
    user: Flags.string({description: "The user's principal name.", helpValue: '<user-principal>'}),
    all: Flags.boolean({description: 'List all configs for the given topic, including defaults and static ones.'}),
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
    const shortcut = flags.topic !== undefined ? 'topics' : flags.user !== undefined ? 'users' : undefined
    if (flags.topic !== undefined && flags.user !== undefined) {
      throw usageError('Only one entity may be given: --topic or --user')
    }
    if (shortcut && (flags['entity-type'] ?? flags['entity-name'] ?? flags['entity-default']) !== undefined) {
      throw usageError('--entity-{type,name,default} should not be used in conjunction with specific entity flags')
    }
    const entityType = shortcut ?? flags['entity-type']
    const entityName = flags.topic ?? flags.user ?? flags['entity-name']
    if (entityType === undefined) throw usageError('At least one entity type must be specified')
    if (!ENTITY_TYPES.includes(entityType)) throw usageError(`Invalid entity type: ${entityType}`)
    if (entityType !== 'topics' && entityType !== 'users') {
      throw usageError(
        `kafkalite configs manages topics and users (SCRAM credentials); --entity-type ${entityType} is not supported: broker settings come from server.properties, and kafkalite has no quotas.`,
      )
    }
    if (flags['entity-default']) {
      throw usageError(
        'The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.',
      )
    }
    if (flags.alter) return this.#alter(flags, entityType, entityName)
    return entityType === 'topics' ? this.#describeTopics(entityName, flags.all) : this.#describeUsers(entityName)
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
