// The client families of the interoperability suite: how each driver runs, and what a family cannot do, with the
// reason (the compatibility table shows these reasons; the suite does not run what a family cannot do).
import {join} from 'node:path'
import type {WireRecord} from './drivers.js'
import {INTEROP_DIR, interopEnv} from './env.js'

export const FAMILIES = ['java', 'confluent', 'kcat', 'kafka-python', 'kafkajs', 'platformatic'] as const
export type Family = (typeof FAMILIES)[number]

export const SCENARIOS = [
  'metadata',
  'create-topic',
  'produce',
  'consume',
  'group',
  'commit-restart',
  'idempotent',
  'transactions',
  'read-committed',
  'read-uncommitted',
  'consume-transform-produce',
  'offsets-for-times',
  'delete-records',
  'configs',
] as const
export type Scenario = (typeof SCENARIOS)[number]

export const SCENARIO_TITLES: Record<Scenario, string> = {
  metadata: 'metadata and topic listing',
  'create-topic': 'create a topic (admin API)',
  produce: 'produce keyed records with headers and timestamps (read byte for byte by every family)',
  consume: 'consume every family’s records byte for byte',
  group: 'a group shared with another family: split, then hand over on leave',
  'commit-restart': 'committed offsets survive a broker restart',
  idempotent: 'idempotent producer retries without duplicates',
  transactions: 'a committed and an aborted transaction',
  'read-committed': 'read_committed: only the committed transaction’s records',
  'read-uncommitted': 'read_uncommitted: the aborted transaction’s records too',
  'consume-transform-produce': 'consume-transform-produce with sendOffsetsToTransaction',
  'offsets-for-times': 'list offsets by timestamp',
  'delete-records': 'delete records',
  configs: 'topic and broker configs (admin API): alter, then describe',
}

export interface FamilyInfo {
  family: Family
  /** The client and its pinned version, as the compatibility table names it. */
  client: string
  /** The table's column heading. */
  short: string
  /** Whether the family sets a record's timestamp when it produces. */
  setsTimestamps: boolean
  unsupported: Partial<Record<Scenario, string>>
  /** What holds only in part, by scenario: the table shows the cell as "yes*" with this note. */
  caveats?: Partial<Record<Scenario, string>>
  /** Why the family cannot write a record of the canonical set, if it cannot: such records are left out for it. */
  cannotWrite?(record: WireRecord): string | undefined
  command(): {cmd: string; args: string[]; env?: NodeJS.ProcessEnv}
}

export const FAMILY_INFO: Record<Family, FamilyInfo> = {
  java: {
    family: 'java',
    short: 'Java client',
    client: 'Apache Kafka Java client (org.apache.kafka:kafka-clients 4.4.0)',
    setsTimestamps: true,
    unsupported: {},
    command: () => ({
      cmd: 'java',
      args: ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', interopEnv().javaClasspath, 'Driver'],
    }),
  },
  confluent: {
    family: 'confluent',
    short: 'confluent-kafka',
    client: 'confluent-kafka-python 2.16.1 (librdkafka 2.16.0)',
    setsTimestamps: true,
    unsupported: {},
    command: () => ({cmd: interopEnv().python, args: [join(INTEROP_DIR, 'python', 'confluent_driver.py')]}),
  },
  kcat: {
    family: 'kcat',
    short: 'kcat',
    client: 'kcat 1.7.1 (librdkafka 2.0.2, Debian 12)',
    setsTimestamps: false,
    unsupported: {
      'create-topic': 'kcat has no admin commands',
      transactions:
        'kcat runs one transaction per run, committed at the end of its input; it reads stdin in blocks, so it cannot be interrupted (its abort) with records already sent',
      'consume-transform-produce': 'kcat’s command line has no sendOffsetsToTransaction',
      'delete-records': 'kcat has no admin commands',
      configs: 'kcat has no admin commands',
    },
    caveats: {
      produce:
        'no per-record timestamps (librdkafka stamps the time of sending); no empty non-null value (kcat skips empty input); header values are command-line text',
      'commit-restart': 'kcat cannot read a committed offset: the resumed position is checked by consuming',
    },
    cannotWrite: (r) =>
      r.value === '' ? 'kcat skips an empty input message: it can send an empty value only as NULL (-Z)' : undefined,
    command: () => ({
      cmd: process.execPath,
      args: [join(INTEROP_DIR, 'node', 'kcat-driver.mjs')],
      env: {KCAT: interopEnv().kcat},
    }),
  },
  'kafka-python': {
    family: 'kafka-python',
    short: 'kafka-python',
    client: 'kafka-python 2.0.2',
    setsTimestamps: true,
    unsupported: {
      idempotent: 'kafka-python 2.0.2 has no idempotent producer',
      transactions: 'kafka-python 2.0.2 has no transactions',
      'read-committed': 'kafka-python 2.0.2 has no isolation level: it reads read_uncommitted only',
      'read-uncommitted':
        'kafka-python 2.0.2 hands the transaction markers (control records) to the application as records',
      'consume-transform-produce': 'kafka-python 2.0.2 has no transactions',
      'delete-records': 'kafka-python 2.0.2’s admin client has no delete_records',
    },
    caveats: {
      configs:
        'alters configs only with the legacy AlterConfigs, which replaces a topic’s overrides: the ones it does not name are deleted, as Kafka does',
    },
    command: () => ({cmd: interopEnv().python, args: [join(INTEROP_DIR, 'python', 'kafka_python_driver.py')]}),
  },
  kafkajs: {
    family: 'kafkajs',
    short: 'kafkajs',
    client: 'kafkajs 2.2.4',
    setsTimestamps: true,
    unsupported: {},
    caveats: {
      'delete-records': 'deleteTopicRecords fails with "Topic metadata not loaded" unless fetchTopicMetadata ran first',
      configs:
        'alters configs only with the legacy AlterConfigs, which replaces a topic’s overrides: the ones it does not name are deleted, as Kafka does',
      group:
        'its own assigners are named RoundRobinAssigner, a name no other client lists: the driver gives it a "range" assigner (Kafka’s name and algorithm)',
    },
    command: () => ({cmd: process.execPath, args: [join(INTEROP_DIR, 'node', 'kafkajs-driver.mjs')]}),
  },
  platformatic: {
    family: 'platformatic',
    short: '@platformatic/kafka',
    client: '@platformatic/kafka 1.35.0',
    setsTimestamps: true,
    unsupported: {},
    caveats: {
      group:
        'its default protocol is "roundrobin" with its own assignment: the driver gives it a "range" protocol and assigner',
    },
    command: () => ({cmd: process.execPath, args: [join(INTEROP_DIR, 'node', 'platformatic-driver.mjs')]}),
  },
}

/** Why `family` cannot do `scenario`, or undefined when it can. */
export function unsupported(family: Family, scenario: Scenario): string | undefined {
  return FAMILY_INFO[family].unsupported[scenario]
}

export function familiesFor(scenario: Scenario): Family[] {
  return FAMILIES.filter((f) => unsupported(f, scenario) === undefined)
}
