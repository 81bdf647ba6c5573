// A topic's partition: the most shared name of Kafka's vocabulary, and the key every map of partitions uses.

/** A partition of a topic (Kafka's TopicPartition). */
export interface TopicPartition {
  topic: string
  partition: number
}

/**
 * The key of a partition in a Map or Set. Partition first: a topic name may hold any of Kafka's legal characters
 * (letters, digits, '.', '_', '-'), never ':', so the key is unambiguous.
 */
export function tpKey(topic: string, partition: number): string {
  return `${partition}:${topic}`
}

/** A partition as Kafka prints it (TopicPartition.toString): `orders-0`. */
export function tpName(topic: string, partition: number): string {
  return `${topic}-${partition}`
}
