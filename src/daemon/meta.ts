// The home's meta.properties, as Kafka keeps one in each log directory: the cluster id (what `kafka-storage.sh
// format -t <id>` sets, and what Metadata and DescribeCluster report) and the node id. Written once, 0600.
import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {KafkaException} from '../errors.js'
import {parseProperties} from '../properties.js'

export const META_PROPERTIES = 'meta.properties'

/** A new cluster id: a random UUID as Kafka prints it (22 characters of URL-safe base64). */
export function randomClusterId(): string {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url')
}

/** Writes meta.properties with this cluster id (kafka-storage.sh format). */
export function writeMetaProperties(home: string, clusterId: string, nodeId: number): void {
  const text = `#\n#${new Date().toString()}\nnode.id=${nodeId}\ndirectory.id=${randomClusterId()}\nversion=1\ncluster.id=${clusterId}\n`
  writeFileSync(join(home, META_PROPERTIES), text, {mode: 0o600})
}

/** The home's cluster id, creating meta.properties on the first start. */
export function clusterIdOf(home: string, nodeId: number): string {
  const file = join(home, META_PROPERTIES)
  if (!existsSync(file)) {
    const id = randomClusterId()
    writeMetaProperties(home, id, nodeId)
    return id
  }
  const id = parseProperties(readFileSync(file, 'utf8'))['cluster.id']
  if (id === undefined || !/^[A-Za-z0-9_-]{22}$/.test(id)) {
    throw new KafkaException(
      'BROKER_CONFIG_INVALID',
      `${file} has no valid cluster.id (22 characters of base64url, as 'kafka-storage.sh random-uuid' prints): fix it or remove the file.`,
    )
  }
  return id
}
