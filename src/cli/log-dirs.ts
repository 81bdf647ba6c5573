// kafka-log-dirs --describe (Kafka 4.4's LogDirsCommand): its JSON, printed by Jackson from java.util.HashMaps, so
// every object's keys and every list built from a map come in HashMap order, reproduced by java-compat.ts, so the
// output is Kafka's byte for byte.
import type {LogDirDescription, ReplicaInfo} from '../client/admin.js'
import {ERROR_CODES, type ErrorCode} from '../errors.js'
import {javaHashMapOrder, javaStringHash, topicPartitionHash} from './java-compat.js'

/** A JSON object with its keys in the order a HashMap of them iterates. */
function hashMapObject(entries: [string, unknown][]): string {
  const ordered = javaHashMapOrder(entries, ([k]) => javaStringHash(k))
  return `{${ordered.map(([k, v]) => `${JSON.stringify(k)}:${v as string}`).join(',')}}`
}

/** The Java class name of a Kafka error, as LogDirsCommand prints a log directory's error. */
function errorClassName(error: LogDirDescription['error']): string | null {
  if (error === undefined) return null
  const name = ERROR_CODES[error.code as ErrorCode]?.name ?? 'KafkaException'
  return `org.apache.kafka.common.errors.${name}`
}

/** The brokers' ids as LogDirsCommand joins a HashSet<Integer> of them. */
export function brokerIdsText(ids: readonly number[]): string {
  return javaHashMapOrder([...new Set(ids)], (id) => id).join(',')
}

/** LogDirsCommand.formatAsJson: the brokers' log directories, with only the partitions of `topics` (all if empty). */
export function logDirsJson(
  byBroker: ReadonlyMap<number, ReadonlyMap<string, LogDirDescription>>,
  topics: ReadonlySet<string>,
): string {
  // The admin client's maps: brokers by id, each broker's directories by path, each directory's partitions.
  const brokers = javaHashMapOrder([...byBroker], ([id]) => id).map(([broker, dirs]) => {
    const logDirs = javaHashMapOrder([...dirs], ([path]) => javaStringHash(path)).map(([logDir, d]) => {
      const tpHash = (r: ReplicaInfo) => topicPartitionHash(r.topic, r.partition)
      const all = javaHashMapOrder(d.replicaInfos, tpHash)
      const kept = javaHashMapOrder(
        all.filter((r) => topics.size === 0 || topics.has(r.topic)),
        tpHash,
      )
      const partitions = kept.map((r) =>
        hashMapObject([
          ['partition', JSON.stringify(`${r.topic}-${r.partition}`)],
          ['size', String(r.size)],
          ['offsetLag', String(r.offsetLag)],
          ['isFuture', String(r.isFuture)],
        ]),
      )
      return hashMapObject([
        ['logDir', JSON.stringify(logDir)],
        ['error', JSON.stringify(errorClassName(d.error))],
        ['partitions', `[${partitions.join(',')}]`],
      ])
    })
    return hashMapObject([
      ['broker', String(broker)],
      ['logDirs', `[${logDirs.join(',')}]`],
    ])
  })
  return hashMapObject([
    ['version', '1'],
    ['brokers', `[${brokers.join(',')}]`],
  ])
}
