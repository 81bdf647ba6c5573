// The home's meta.properties, as Kafka keeps one in each log directory: the cluster id (what `kafka-storage.sh
// format -t <id>` sets, and what Metadata and DescribeCluster report) and the node id. Written once, 0600.
// Also the SCRAM users `format --add-scram` asks for, kept (salted, 0600) until the daemon's next start stores them,
// as Kafka's bootstrap checkpoint holds them until its controller first starts.
import {randomKafkaUuid} from './uuid.js'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {KafkaException, usageError} from './errors.js'
import {parseProperties} from './properties.js'

export const META_PROPERTIES = 'meta.properties'

const CLUSTER_ID = /^[A-Za-z0-9_-]{22}$/

/** A new cluster id: a random UUID as Kafka prints it (22 characters of URL-safe base64). */
export function randomClusterId(): string {
  return randomKafkaUuid()
}

/** Writes meta.properties with this cluster id (kafka-storage.sh format). */
export function writeMetaProperties(home: string, clusterId: string, nodeId: number): void {
  const text = `#\n#${new Date().toString()}\nnode.id=${nodeId}\ndirectory.id=${randomClusterId()}\nversion=1\ncluster.id=${clusterId}\n`
  writeFileSync(join(home, META_PROPERTIES), text, {mode: 0o600})
}

/** The cluster id of a formatted home, or null when it has no meta.properties. */
export function readClusterId(home: string): string | null {
  const file = join(home, META_PROPERTIES)
  if (!existsSync(file)) return null
  const id = parseProperties(readFileSync(file, 'utf8'))['cluster.id']
  if (id === undefined || !CLUSTER_ID.test(id)) {
    throw new KafkaException(
      'BROKER_CONFIG_INVALID',
      `${file} has no valid cluster.id (22 characters of base64url, as 'kafka-storage.sh random-uuid' prints): fix it or remove the file.`,
    )
  }
  return id
}

/** The home's cluster id, creating meta.properties on the first start. */
export function clusterIdOf(home: string, nodeId: number): string {
  const id = readClusterId(home)
  if (id !== null) return id
  const created = randomClusterId()
  writeMetaProperties(home, created, nodeId)
  return created
}

/** What `kafka-storage.sh format` did to a home: formatted it, or left it formatted as it was; its cluster id. */
export interface FormatOutcome {
  formatted: boolean
  clusterId: string
}

/**
 * kafka-storage.sh format: writes meta.properties with `clusterId` into the home. A home already formatted is
 * refused, as Kafka refuses a formatted log directory, unless `ignoreFormatted` (then it is left as it is).
 */
export function formatHome(
  home: string,
  clusterId: string,
  nodeId: number,
  options: {ignoreFormatted: boolean},
): FormatOutcome {
  if (!CLUSTER_ID.test(clusterId)) {
    throw usageError(
      `Cluster id '${clusterId}' is not a Kafka cluster id: use 22 characters of base64url, as 'kafka-storage.sh random-uuid' prints.`,
    )
  }
  const existing = readClusterId(home)
  if (existing === null) {
    writeMetaProperties(home, clusterId, nodeId)
    return {formatted: true, clusterId}
  }
  if (options.ignoreFormatted) return {formatted: false, clusterId: existing}
  const file = join(home, META_PROPERTIES)
  throw new KafkaException(
    'ILLEGAL_STATE',
    existing === clusterId
      ? `Log directory ${home} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`
      : `Log directory ${home} is already formatted with cluster id ${existing}, not ${clusterId}: use --ignore-formatted to keep it, or remove ${file} to format the home anew (its topics stay).`,
  )
}

export const SCRAM_BOOTSTRAP = 'scram-bootstrap.json'

/** A SCRAM credential to store at the next start (what AlterUserScramCredentials carries: salted, never the password). */
export interface BootstrapScramCredential {
  name: string
  mechanism: string
  iterations: number
  /** base64 */
  salt: string
  /** base64 */
  saltedPassword: string
}

/** Adds SCRAM credentials for the daemon's next start to store (0600; the file goes once they are stored). */
export function addBootstrapScram(home: string, credentials: readonly BootstrapScramCredential[]): void {
  const all = [...takeBootstrapScram(home, false), ...credentials]
  writeFileSync(join(home, SCRAM_BOOTSTRAP), JSON.stringify(all), {mode: 0o600})
}

/** The SCRAM credentials waiting for the daemon to store them; `remove` deletes the file once read. */
export function takeBootstrapScram(home: string, remove = true): BootstrapScramCredential[] {
  const file = join(home, SCRAM_BOOTSTRAP)
  if (!existsSync(file)) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    throw new KafkaException('BROKER_CONFIG_INVALID', `${file} is not valid JSON: remove it and format again.`)
  }
  if (remove) rmSync(file, {force: true})
  return Array.isArray(parsed) ? (parsed as BootstrapScramCredential[]) : []
}
