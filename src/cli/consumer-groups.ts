// kafka-consumer-groups' actions (Kafka's ConsumerGroupCommand.ConsumerGroupService) on the Admin client: which
// groups, listing with state and type filters, describing (and kafkalite's --wait-for-lag), resetting offsets
// through the plan of group-reset.ts, and deleting offsets. The views and their formats are in group-views.ts.
import type {Admin, ConsumerGroupListing} from '../client/admin.js'
import type {DaemonControl} from '../client/daemon-control.js'
import {listenerAddresses} from '../bootstrap.js'
import {KafkaException, usageError} from '../errors.js'
import {parseShortDuration, planReset, type PlannedOffset, type Scenario} from './group-reset.js'
import {collectGroupReports, type GroupReport} from './group-views.js'

/** The groups an action applies to: every group with --all-groups, else the --group values without repeats. */
export async function selectedGroups(
  admin: Pick<Admin, 'listConsumerGroups'>,
  allGroups: boolean,
  groups: readonly string[] | undefined,
): Promise<string[]> {
  if (allGroups) return (await admin.listConsumerGroups()).map((g) => g.groupId)
  return [...new Set(groups ?? [])]
}

/** The groups in one of `states` (any state when empty) and of one of `types` (kafkalite's groups are Classic). */
export async function listGroups(
  admin: Pick<Admin, 'listConsumerGroups'>,
  states: readonly string[],
  types: readonly string[],
): Promise<ConsumerGroupListing[]> {
  const groups = await admin.listConsumerGroups(states)
  return types.length > 0 && !types.includes('classic') ? [] : groups
}

/** The COORDINATOR column: the broker's first listener and its id, as Kafka prints a Node. */
export function coordinatorAddress(brokerProperties: Readonly<Record<string, string>>, brokerId: number): string {
  const listener = listenerAddresses(brokerProperties)[0]!
  return `${listener.host || 'localhost'}:${listener.port}  (${brokerId})`
}

/** kafkalite's --wait-for-lag: the total lag every group must come down to, and how long to wait for it. */
export interface LagWait {
  lag: number
  /** --wait-timeout as given (30s, 500ms, 2m). */
  timeout: string
}

/** Describes the groups; with `wait`, describes them again every 200 ms until all have caught up or time is up. */
export async function describeGroups(
  admin: Admin,
  control: DaemonControl | null,
  groupIds: readonly string[],
  coordinator: string,
  wait: LagWait | undefined,
): Promise<GroupReport[]> {
  let reports = await collectGroupReports(admin, control, groupIds, coordinator)
  if (wait !== undefined) {
    const deadline = Date.now() + parseShortDuration(wait.timeout, '--wait-timeout')
    while (!reports.every((r) => caughtUp(r, wait.lag)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      reports = await collectGroupReports(admin, control, groupIds, coordinator)
    }
  }
  return reports
}

/** The error of a --wait-for-lag that timed out, or undefined when every group caught up. */
export function lagWaitFailure(reports: readonly GroupReport[], {lag, timeout}: LagWait): KafkaException | undefined {
  const behind = reports.filter((r) => !caughtUp(r, lag))
  if (behind.length === 0) return undefined
  const detail = behind.map(
    (r) => `'${r.groupId}' ${r.state === 'Stable' || r.state === 'Empty' ? `has lag ${waitLag(r)}` : `is ${r.state}`}`,
  )
  return new KafkaException(
    'REQUEST_TIMED_OUT',
    `Timed out after ${timeout} waiting for lag <= ${lag}: group ${detail.join(', group ')}.`,
  )
}

/** What --reset-offsets resets: the --topic specs (`t` or `t:0,1,2`), or null for --all-topics. */
/** The error for the described groups that do not exist (Dead, as Kafka's describe treats them), in Kafka's words. */
export function missingGroupsError(reports: readonly GroupReport[]): KafkaException {
  const names = reports
    .filter((r) => r.state === 'Dead')
    .map((r) => `'${r.groupId}'`)
    .sort()
  return new KafkaException(
    'GROUP_ID_NOT_FOUND',
    names.length === 1
      ? `Consumer group ${names[0]} does not exist.`
      : `Consumer groups ${names.join(', ')} do not exist.`,
  )
}

export interface ResetRequest {
  topics: readonly string[] | null
  scenario: Scenario
  /** --execute: commit the plan; otherwise only plan. */
  execute: boolean
}

/** Plans the new offsets of inactive groups, and commits them with --execute; refuses a group with members. */
export async function resetGroupOffsets(
  admin: Admin,
  groupIds: readonly string[],
  request: ResetRequest,
  warn: (message: string) => void,
): Promise<PlannedOffset[]> {
  const descriptions = await admin.describeConsumerGroups(groupIds)
  const plans: PlannedOffset[] = []
  for (const d of descriptions) {
    if (d.state !== 'Empty' && d.state !== 'Dead') {
      throw new KafkaException(
        'NON_EMPTY_GROUP',
        `Assignments can only be reset if the group '${d.groupId}' is inactive, but the current state is ${d.state}.`,
      )
    }
    const scope = request.topics === null ? null : await topicScope(admin, request.topics)
    plans.push(...(await planReset(admin, d.groupId, scope, request.scenario, warn)))
  }
  if (request.execute) {
    for (const id of groupIds) {
      const mine = plans.filter((p) => p.group === id)
      if (mine.length > 0) await admin.alterConsumerGroupOffsets(id, mine)
    }
  }
  return plans
}

/** Deletes a group's committed offsets of the --topic specs (a missing topic is reported per partition). */
export async function deleteGroupOffsets(
  admin: Pick<Admin, 'describeConsumerGroups' | 'listTopics' | 'describeTopics' | 'deleteConsumerGroupOffsets'>,
  group: string,
  topics: readonly string[],
): Promise<{topic: string; partition: number; error?: KafkaException}[]> {
  const described = (await admin.describeConsumerGroups([group]))[0]!
  if (described.state === 'Dead') throw new KafkaException('GROUP_ID_NOT_FOUND', `'${group}' does not exist.`)
  const scope = await topicScope(admin, topics, true)
  return admin.deleteConsumerGroupOffsets(group, scope)
}

/** --topic t or t:0,1,2, against the topics that exist. */
async function topicScope(
  admin: Pick<Admin, 'listTopics' | 'describeTopics'>,
  topics: readonly string[],
  allowMissing = false,
) {
  const out: {topic: string; partition: number}[] = []
  const described = new Map((await admin.listTopics({listInternal: true})).map((t) => [t.name, t] as const))
  for (const spec of topics) {
    const [topic, list] = spec.split(':') as [string, string | undefined]
    if (list !== undefined) {
      for (const p of list.split(',')) {
        if (!/^\d+$/.test(p.trim())) throw usageError(`Invalid partition '${p}' in --topic '${spec}': use topic:0,1,2`)
        out.push({topic, partition: Number(p)})
      }
      continue
    }
    if (!described.has(topic)) {
      if (allowMissing) {
        out.push({topic, partition: 0})
        continue
      }
      throw new KafkaException('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' does not exist.`)
    }
    const [d] = await admin.describeTopics([topic])
    for (const p of d!.partitions) out.push({topic, partition: p.partition})
  }
  return out
}

/** Lag for --wait-for-lag: a partition without a committed offset counts all its records. */
function waitLag(r: GroupReport): number {
  return r.partitions.reduce(
    (sum, p) => sum + (p.lag ?? Math.max(0, (p.logEndOffset ?? 0) - (p.logStartOffset ?? 0))),
    0,
  )
}

function caughtUp(r: GroupReport, target: number): boolean {
  return (r.state === 'Stable' || r.state === 'Empty') && waitLag(r) <= target
}
