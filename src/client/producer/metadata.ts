// The producer's view of topics (Kafka's ProducerMetadata): each topic's partition count and max.message.bytes,
// fetched on first use (creating the topic when auto.create.topics.enable allows), kept for metadata.max.age.ms,
// and dropped when the broker no longer knows a partition. One request per topic at a time, however many records
// wait for it.
import {TimeoutException, toKafkaException, type KafkaException} from '../../errors.js'
import type {TopicMetadataData} from '../../protocol/socket/messages.js'
import type {ReconnectingConnection} from '../connection.js'

/** What the producer knows of a topic. */
export interface TopicInfo {
  partitions: number
  maxMessageBytes: number
  fetchedAt: number
}

export class ProducerMetadata {
  readonly #connections: ReconnectingConnection
  readonly #maxAgeMs: number
  readonly #maxBlockMs: number
  readonly #retryBackoffMs: number
  readonly #topics = new Map<string, TopicInfo>()
  readonly #waits = new Map<string, Promise<TopicInfo>>()

  constructor(
    connections: ReconnectingConnection,
    settings: {metadataMaxAgeMs: number; maxBlockMs: number; retryBackoffMs: number},
  ) {
    this.#connections = connections
    this.#maxAgeMs = settings.metadataMaxAgeMs
    this.#maxBlockMs = settings.maxBlockMs
    this.#retryBackoffMs = settings.retryBackoffMs
  }

  /** The topic's info when it was fetched less than metadata.max.age.ms before `now`. */
  fresh(topic: string, now: number): TopicInfo | undefined {
    const info = this.#topics.get(topic)
    return info !== undefined && now - info.fetchedAt < this.#maxAgeMs ? info : undefined
  }

  /**
   * Fetches the topic's info (joining a fetch already under way). As Kafka's producer waits for metadata, a request
   * lost with its connection (a daemon restarting, a listen backlog full) is sent again, after retry.backoff.ms,
   * until max.block.ms; then the send fails with TimeoutException. The broker's own answers (a missing topic) are
   * final: a single broker knows its topics.
   */
  fetch(topic: string): Promise<TopicInfo> {
    let wait = this.#waits.get(topic)
    if (wait === undefined) {
      wait = this.#fetch(topic).finally(() => this.#waits.delete(topic))
      this.#waits.set(topic, wait)
    }
    return wait
  }

  async #fetch(topic: string): Promise<TopicInfo> {
    const deadline = Date.now() + this.#maxBlockMs
    let last: KafkaException
    for (;;) {
      let res
      try {
        res = await (await this.#connections.get()).request('metadata', {topics: [topic], allowAutoTopicCreation: true})
      } catch (error) {
        last = toKafkaException(error)
        if (!last.retriable) throw last
        if (Date.now() + this.#retryBackoffMs > deadline) {
          throw new TimeoutException(
            `Topic ${topic} not present in metadata after ${this.#maxBlockMs} ms: ${last.message}`,
          )
        }
        await new Promise((r) => setTimeout(r, this.#retryBackoffMs))
        continue
      }
      const t = res.topics[0] as TopicMetadataData
      if (t.error) throw toKafkaException(t.error)
      const info = {partitions: t.partitions, maxMessageBytes: t.maxMessageBytes, fetchedAt: Date.now()}
      this.#topics.set(topic, info)
      return info
    }
  }

  /** Forgets the topic, so that its next record fetches it again (the broker answered UNKNOWN_TOPIC_OR_PARTITION). */
  invalidate(topic: string): void {
    this.#topics.delete(topic)
  }
}
