import {Flags, type Interfaces} from '@oclif/core'
import type {Admin} from '../client/admin.js'
import {BaseCommand} from '../cli/base-command.js'
import {withOptionalValue} from '../cli/client-properties.js'
import {
  coordinatorAddress,
  deleteGroupOffsets,
  describeGroups,
  lagWaitFailure,
  listGroups,
  missingGroupsError,
  resetGroupOffsets,
  selectedGroups,
} from '../cli/consumer-groups.js'
import {adminConfigFlags, connectionFlags} from '../cli/flags.js'
import {formatCsv, formatPlan, parseDateTime, parseDuration, readResetFile, type Scenario} from '../cli/group-reset.js'
import {formatDeleteOffsets, formatMembers, formatOffsets, formatState} from '../cli/group-views.js'
import {checkInvalidArgs, isGiven} from '../cli/kafka-options.js'
import {EXIT_ERROR, KafkaException, usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const
const SCENARIOS = [
  'to-offset',
  'to-datetime',
  'by-duration',
  'to-earliest',
  'to-latest',
  'shift-by',
  'from-file',
  'to-current',
] as const
const STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling']
const NO_VALUE = '\u0000'

type GroupsFlags = Interfaces.InferredFlags<(typeof ConsumerGroups)['flags']>

export default class ConsumerGroups extends BaseCommand {
  static override kafkaVerbose = true

  static override description = `List, describe, delete consumer groups, and reset or delete their offsets: Apache Kafka's kafka-consumer-groups.

Exactly one action: --list, --describe, --delete, --reset-offsets or --delete-offsets. --describe shows each partition's committed offset, log end offset and lag with its owner (--offsets, the default), the members (--members, with --verbose their assignments), or the group's state (--state). LAG is LOG-END-OFFSET (the high watermark) minus CURRENT-OFFSET, as in Kafka: transaction markers take an offset each, so a group that read everything of a transactional topic can show the last marker as lag until it commits past it. --reset-offsets prints the plan unless --execute, and only changes a group without active members.

kafkalite additions: --json on --list and --describe (with the lag per partition and in total), and --wait-for-lag N, which waits until every given group's lag is at most N and exits non-zero after --wait-timeout: the "wait until the consumers have caught up" that CI scripts need. Every error exits non-zero (Kafka's tool exits 0 after most of them).`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --list --state',
    '<%= config.bin %> <%= command.id %> --describe --group orders-app',
    '<%= config.bin %> <%= command.id %> --describe --group orders-app --members --verbose',
    '<%= config.bin %> <%= command.id %> --describe --all-groups --state',
    '<%= config.bin %> <%= command.id %> --reset-offsets --group orders-app --topic orders --to-earliest --execute',
    '<%= config.bin %> <%= command.id %> --reset-offsets --group orders-app --all-topics --shift-by -10 --dry-run',
    '<%= config.bin %> <%= command.id %> --describe --group orders-app --wait-for-lag 0 --wait-timeout 30s',
    '<%= config.bin %> <%= command.id %> --delete --group old-app',
  ]

  static override flags = {
    ...connectionFlags,
    list: Flags.boolean({description: 'List all consumer groups.'}),
    'validate-regex': Flags.string({
      description:
        'Validate the syntax of the regular expression according to the RE2 format (as a regex subscription uses it), without reaching a broker.',
      helpValue: '<regex>',
    }),
    describe: Flags.boolean({
      description:
        'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.',
    }),
    delete: Flags.boolean({
      description:
        'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group.',
    }),
    'reset-offsets': Flags.boolean({
      description:
        'Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets.',
    }),
    'delete-offsets': Flags.boolean({
      description: 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.',
    }),
    group: Flags.string({
      description: 'The consumer group we wish to act on (repeatable).',
      multiple: true,
      helpValue: '<consumer group>',
    }),
    'all-groups': Flags.boolean({description: 'Apply to all consumer groups.'}),
    topic: Flags.string({
      description:
        'The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process.',
      multiple: true,
      helpValue: '<topic>',
    }),
    'all-topics': Flags.boolean({
      description: 'Consider all topics assigned to a group in the `reset-offsets` process.',
    }),
    offsets: Flags.boolean({
      description:
        'Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action.',
    }),
    members: Flags.boolean({description: 'Describe members of the group.'}),
    verbose: Flags.boolean({
      description:
        "Provide additional information, if any, when describing the group: with --offsets the leader epoch of each committed offset, with --members each member's epochs and assignment, with --state the group's epochs (Kafka's --verbose; --json names the broker reached).",
    }),
    state: Flags.string({
      description:
        'When specified with --describe, includes the state of the group. When specified with --list, it displays the state of all groups, and can filter them by state (comma-separated, e.g. Stable,Empty).',
      helpValue: '[String]',
    }),
    type: Flags.string({
      description:
        'When specified with --list, it displays the types of all the groups (kafkalite groups are Classic). Can filter by type (classic, consumer, share).',
      helpValue: '[String]',
    }),
    'dry-run': Flags.boolean({
      description:
        'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.',
    }),
    execute: Flags.boolean({description: 'Execute operation. Supported operations: reset-offsets.'}),
    export: Flags.boolean({
      description: 'Export operation execution to a CSV file. Supported operations: reset-offsets.',
    }),
    'to-offset': Flags.string({description: 'Reset offsets to a specific offset.', helpValue: '<Long: offset>'}),
    'shift-by': Flags.string({
      description: "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.",
      helpValue: '<Long: number-of-offsets>',
    }),
    'to-datetime': Flags.string({
      description:
        "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss', read as UTC unless a zone follows.",
      helpValue: '<String: datetime>',
    }),
    'by-duration': Flags.string({
      description: "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'.",
      helpValue: '<String: duration>',
    }),
    'to-earliest': Flags.boolean({description: 'Reset offsets to earliest offset.'}),
    'to-latest': Flags.boolean({description: 'Reset offsets to latest offset.'}),
    'to-current': Flags.boolean({description: 'Reset offsets to current offset.'}),
    'from-file': Flags.string({
      description: 'Reset offsets to values defined in CSV file.',
      helpValue: '<String: path to CSV file>',
    }),
    timeout: Flags.integer({
      description: 'The timeout that can be set for some use cases, in ms (accepted for compatibility).',
      min: 0,
    }),
    ...adminConfigFlags,
    'wait-for-lag': Flags.integer({
      description:
        'kafkalite extension, with --describe: wait until the total lag of every given group is at most this many records.',
      min: 0,
    }),
    'wait-timeout': Flags.string({
      description: 'With --wait-for-lag: give up (exit 1) after this long, e.g. 30s, 500ms, 2m. Default 60s.',
      helpValue: '<duration>',
    }),
  }

  protected override errorPrefix = 'Error: '

  async run(): Promise<unknown> {
    const argv = withOptionalValue(withOptionalValue(this.argv, '--state', NO_VALUE), '--type', NO_VALUE)
    const {flags} = await this.parse(ConsumerGroups, argv)
    if (flags['validate-regex'] !== undefined) {
      const result = await validateRegex(flags['validate-regex'])
      this.log(
        result.valid
          ? `The regular expression \`${result.regex}\` is valid.`
          : `The regular expression \`${result.regex}\` is invalid: ${result.error}.`,
      )
      if (!result.valid) process.exitCode = 1
      return result
    }
    const action = checkArgs(flags)
    this.checkBootstrap(flags)
    if (flags['command-config']) readPropertiesFile(flags['command-config'])
    const admin = await this.admin()
    switch (action) {
      case 'list':
        return this.#list(admin, flags)
      case 'describe':
        return this.#describe(admin, flags)
      case 'reset-offsets':
        return this.#reset(admin, flags)
      case 'delete':
        return this.#delete(admin, flags)
      case 'delete-offsets':
        return this.#deleteOffsets(admin, flags)
    }
  }

  async #list(admin: Admin, flags: GroupsFlags) {
    const stateFilter = flags.state === undefined || flags.state === NO_VALUE ? [] : parseStates(flags.state)
    const typeFilter = flags.type === undefined || flags.type === NO_VALUE ? [] : parseTypes(flags.type)
    const groups = await listGroups(admin, stateFilter, typeFilter)
    const result = {groups: groups.map((g) => ({groupId: g.groupId, state: g.state, type: 'Classic'}))}
    if (flags.state === undefined && flags.type === undefined) {
      for (const g of groups) this.log(g.groupId)
      return result
    }
    const w = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10
    const row = (id: string, type: string, state: string) =>
      `${id.padEnd(w)}${flags.type !== undefined ? ` ${type.padEnd(20)}` : ''}${flags.state !== undefined ? ` ${state.padEnd(20)}` : ''}`
    this.log(row('GROUP', 'TYPE', 'STATE'))
    for (const g of groups) this.log(row(g.groupId, 'Classic', g.state))
    return result
  }

  async #describe(admin: Admin, flags: GroupsFlags) {
    const ids = await selectedGroups(admin, flags['all-groups'], flags.group)
    const node = admin.node()
    const coordinator =
      admin.kind === 'local'
        ? coordinatorAddress(this.brokerProperties(), node.id)
        : `${node.host}:${node.port}  (${node.id})`
    const wait =
      flags['wait-for-lag'] === undefined
        ? undefined
        : {lag: flags['wait-for-lag'], timeout: flags['wait-timeout'] ?? '60s'}
    // The lag in time and the statuses come from the local daemon's lag history; a Kafka cluster has none.
    const control = admin.kind === 'local' ? await this.control() : null
    const reports = await describeGroups(admin, control, ids, coordinator, wait)
    const view = flags.members ? 'members' : flags.state !== undefined ? 'state' : 'offsets'
    let failed = false
    for (const r of [...reports].sort((a, b) => (a.groupId < b.groupId ? -1 : 1))) {
      if (r.state === 'Dead') {
        failed = true
        if (!this.jsonEnabled()) process.stderr.write(`\nError: Consumer group '${r.groupId}' does not exist.\n`)
        continue
      }
      if (this.jsonEnabled()) continue
      if (r.state === 'Empty') process.stderr.write(`\nConsumer group '${r.groupId}' has no active members.\n`)
      else if (r.state !== 'Stable') process.stderr.write(`\nWarning: Consumer group '${r.groupId}' is rebalancing.\n`)
      if (view === 'offsets' && r.partitions.length > 0) process.stdout.write(formatOffsets(r, flags.verbose))
      if (view === 'members') process.stdout.write(formatMembers(r, flags.verbose))
      if (view === 'state') process.stdout.write(formatState(r, flags.verbose))
    }
    const timedOut = wait === undefined ? undefined : lagWaitFailure(reports, wait)
    if (timedOut) throw timedOut
    if (failed) {
      // Under --json, the error path of every command: the error object on stderr, nothing on stdout.
      if (this.jsonEnabled()) throw missingGroupsError(reports)
      return this.exit(EXIT_ERROR)
    }
    return {groups: reports}
  }

  async #reset(admin: Admin, flags: GroupsFlags) {
    const scenario = scenarioOf(flags)
    if (!flags['dry-run'] && !flags.execute && !this.jsonEnabled()) {
      process.stderr.write(
        'WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n',
      )
    }
    const ids = await selectedGroups(admin, flags['all-groups'], flags.group)
    const plans = await resetGroupOffsets(
      admin,
      ids,
      {topics: flags['all-topics'] ? null : (flags.topic ?? []), scenario, execute: flags.execute},
      (m) => process.stderr.write(`${m}\n`),
    )
    if (!this.jsonEnabled()) {
      if (flags.export) process.stdout.write(`${formatCsv(plans, ids.length > 1)}\n`)
      else process.stdout.write(formatPlan(plans))
    }
    return {executed: flags.execute, offsets: plans}
  }

  async #delete(admin: Admin, flags: GroupsFlags) {
    const ids = await selectedGroups(admin, flags['all-groups'], flags.group)
    const results = await admin.deleteConsumerGroups(ids)
    const ok = results.filter((r) => !r.error).map((r) => r.groupId)
    const failed = results.filter((r) => r.error)
    if (failed.length === 0) {
      this.log(`Deletion of requested consumer groups (${ok.map((g) => `'${g}'`).join(', ')}) was successful.`)
      return {deleted: ok}
    }
    const lines = failed.map(
      (r) => `* Group '${r.groupId}' could not be deleted due to: ${r.error!.name}: ${r.error!.message}`,
    )
    if (ok.length > 0)
      this.log(`\nThese consumer groups were deleted successfully: ${ok.map((g) => `'${g}'`).join(', ')}`)
    throw new KafkaException(failed[0]!.error!.code, `Deletion of some consumer groups failed:\n${lines.join('\n')}`)
  }

  async #deleteOffsets(admin: Admin, flags: GroupsFlags) {
    const group = flags.group![0]!
    const results = await deleteGroupOffsets(admin, group, flags.topic ?? [])
    const topics = [...new Set((flags.topic ?? []).map((t) => t.split(':')[0]!))]
    const failed = results.some((r) => r.error)
    if (!this.jsonEnabled()) {
      if (failed) process.stderr.write('\nError: Encounter some partition level error, see the follow-up details:\n')
      else this.log(`Request succeed for deleting offsets with topic ${topics.join(', ')} group ${group}`)
      process.stdout.write(formatDeleteOffsets(results))
    }
    if (failed) return this.exit(EXIT_ERROR)
    return {group, results: results.map((r) => ({topic: r.topic, partition: r.partition, error: r.error?.message}))}
  }
}

/**
 * --validate-regex (Kafka 4.1+): the RE2 syntax check a broker applies to a regex subscription, with Kafka's lines
 * (re2js is RE2J's port: the same rules and descriptions). Kafka's tool exits 0 either way; kafkalite exits 1 when
 * the expression is invalid.
 */
async function validateRegex(regex: string): Promise<{regex: string; valid: boolean; error?: string}> {
  const {RE2JS} = await import('re2js')
  try {
    RE2JS.compile(regex)
  } catch (error) {
    return {regex, valid: false, error: (error as {error?: string}).error ?? (error as Error).message}
  }
  return {regex, valid: true}
}

/** ConsumerGroupCommandOptions.checkArgs, with Kafka's messages. */
function checkArgs(flags: GroupsFlags): (typeof ACTIONS)[number] {
  const given = flags as unknown as Record<string, unknown>
  const actions = ACTIONS.filter((a) => given[a])
  if (actions.length !== 1) {
    throw usageError(
      'Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets',
    )
  }
  const action = actions[0]!
  checkInvalidArgs(given, 'group', ['all-groups'])
  if (action === 'list') {
    checkInvalidArgs(given, 'list', ['group', 'all-groups', 'topic'])
  }
  if (action === 'describe' || action === 'delete' || action === 'reset-offsets') {
    if (!isGiven(flags.group) && !flags['all-groups']) {
      throw usageError(`Option [${action}] takes one of these options: [group], [all-groups]`)
    }
  }
  if (action === 'describe') {
    const views = ['members', 'offsets', 'state'].filter((v) => isGiven(given[v]))
    if (views.length > 1)
      throw usageError('Option [describe] takes at most one of these options: [members], [offsets], [state]')
    if (flags.state !== undefined && flags.state !== NO_VALUE)
      throw usageError('Option [describe] does not take a value for [state]')
    checkInvalidArgs(given, 'describe', ['topic'])
  } else if (flags['wait-for-lag'] !== undefined) {
    throw usageError('--wait-for-lag goes with --describe')
  }
  if (action === 'delete' && isGiven(flags.topic)) {
    throw usageError('The consumer does not support topic-specific offset deletion from a consumer group.')
  }
  if (action === 'delete-offsets') {
    if ((flags.group ?? []).length !== 1 || !isGiven(flags.topic)) {
      throw usageError('Option [delete-offsets] takes the following options: [group] (exactly one), [topic]')
    }
  }
  if (action === 'reset-offsets') {
    if (flags['dry-run'] && flags.execute)
      throw usageError('Option [reset-offsets] only accepts one of [execute] and [dry-run]')
    const scenarios = SCENARIOS.filter((s) => isGiven(given[s]))
    if (scenarios.length === 0) {
      throw usageError(`Option '[reset-offsets]' requires one of the following scenarios: [${SCENARIOS.join(', ')}]`)
    }
    if (scenarios.length > 1)
      throw usageError(`Option "[${scenarios[0]}]" can't be used with option "[${scenarios[1]}]"`)
    if (!flags['from-file'] && !flags['all-topics'] && !isGiven(flags.topic)) {
      throw usageError('One of the reset scopes should be defined: --all-topics, --topic.')
    }
    checkInvalidArgs(given, 'all-topics', ['topic'])
  } else {
    for (const option of [...SCENARIOS, 'dry-run', 'execute', 'export', 'all-topics'])
      checkInvalidArgs(given, option, [action])
  }
  return action
}

function scenarioOf(flags: GroupsFlags): Scenario {
  const long = (name: string, value: string) => {
    if (!/^[-+]?\d+$/.test(value.trim())) throw usageError(`Invalid --${name} '${value}': expected a whole number.`)
    return Number(value)
  }
  if (flags['to-earliest']) return {kind: 'to-earliest'}
  if (flags['to-latest']) return {kind: 'to-latest'}
  if (flags['to-current']) return {kind: 'to-current'}
  if (flags['to-offset'] !== undefined) return {kind: 'to-offset', offset: long('to-offset', flags['to-offset'])}
  if (flags['shift-by'] !== undefined) return {kind: 'shift-by', shift: long('shift-by', flags['shift-by'])}
  if (flags['to-datetime'] !== undefined) return {kind: 'to-datetime', timestamp: parseDateTime(flags['to-datetime'])}
  if (flags['by-duration'] !== undefined) return {kind: 'by-duration', ms: parseDuration(flags['by-duration'])}
  return readResetFile(flags['from-file']!)
}

function parseStates(value: string): string[] {
  const states = value.split(',').map((s) => s.trim())
  for (const s of states) {
    if (!STATES.some((x) => x.toLowerCase() === s.toLowerCase())) {
      throw usageError(`Invalid state list '${value}'. Valid states are: ${STATES.join(', ')}`)
    }
  }
  return states
}

function parseTypes(value: string): string[] {
  const types = value.split(',').map((s) => s.trim().toLowerCase())
  for (const t of types) {
    if (!['classic', 'consumer', 'share'].includes(t)) {
      throw usageError(`Invalid types list '${value}'. Valid types are: Consumer, Classic, Share`)
    }
  }
  return types
}
