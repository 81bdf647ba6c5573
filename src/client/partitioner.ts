// Partitioning exactly as Kafka's Java producer (KafkaProducer.partition, BuiltInPartitioner): an explicit partition
// wins; a key goes to toPositive(murmur2(key)) % partitions, so it lands where Kafka would put it; records without a
// key stick to one partition until batch.size bytes went to it, then move to another chosen at random (KIP-794).
import {partitionForKey} from '../protocol/kafka/murmur2.js'

interface Sticky {
  partition: number
  bytes: number
}

export class Partitioner {
  readonly #batchSize: number
  readonly #sticky = new Map<string, Sticky>()

  constructor(batchSize: number) {
    this.#batchSize = Math.max(1, batchSize)
  }

  /** The partition of a record whose serialized key is `key` (null: none) in a topic of `count` partitions. */
  partition(topic: string, key: Buffer | null, count: number): number {
    if (key !== null) return partitionForKey(key, count)
    let sticky = this.#sticky.get(topic)
    if (sticky === undefined || sticky.partition >= count) {
      sticky = {partition: randomPartition(count), bytes: 0}
      this.#sticky.set(topic, sticky)
    }
    return sticky.partition
  }

  /** Counts bytes appended to the sticky partition and switches once batch.size of them went there. */
  onAppend(topic: string, partition: number, bytes: number, count: number): void {
    const sticky = this.#sticky.get(topic)
    if (sticky === undefined || sticky.partition !== partition) return
    sticky.bytes += bytes
    if (sticky.bytes >= this.#batchSize && count > 1) {
      let next = randomPartition(count - 1)
      if (next >= partition) next++ // a different partition, uniformly among the others
      sticky.partition = next
      sticky.bytes = 0
    }
  }
}

function randomPartition(count: number): number {
  return Math.floor(Math.random() * count)
}
