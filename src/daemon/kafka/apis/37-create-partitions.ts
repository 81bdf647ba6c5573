// CreatePartitions (key 37): v0-3.
//
// - Raises a topic's partition count; the new partitions start empty. A count that is not an increase is
//   INVALID_PARTITIONS and an unknown topic UNKNOWN_TOPIC_OR_PARTITION, with Kafka's messages (the core's).
// - Manual assignments: one per new partition, each naming this broker once and only it (kafkalite is one broker),
//   else INVALID_REPLICA_ASSIGNMENT with Kafka's messages.
// - A topic named twice gets one INVALID_REQUEST result ("Duplicate topic name."), as Kafka answers.
// - validateOnly checks without creating; timeoutMs is not waited on (the partitions exist once answered).
import {KafkaException} from '../../../errors.js'
import {APIS, type CreatePartitionsRequest, type CreatePartitionsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode, thrownFields, type KafkaRequestContext} from '../api.js'

type Topic = CreatePartitionsRequest['topics'][number]

/** Kafka's checks of manual assignments (ReplicationControlManager), for a topic that has `current` partitions. */
function checkAssignments(t: Topic, current: number, ctx: KafkaRequestContext): void {
  if (t.assignments === null || t.count <= current) return
  const additional = t.count - current
  if (t.assignments.length !== additional) {
    throw new KafkaException(
      'INVALID_REPLICA_ASSIGNMENT',
      `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
    )
  }
  const me = ctx.core.config.brokerId
  for (const {brokerIds} of t.assignments) {
    if (brokerIds.length === 0) {
      throw new KafkaException(
        'INVALID_REPLICA_ASSIGNMENT',
        'The manual partition assignment includes an empty replica list.',
      )
    }
    const other = brokerIds.find((id) => id !== me)
    if (other !== undefined) {
      throw new KafkaException(
        'INVALID_REPLICA_ASSIGNMENT',
        `The manual partition assignment includes broker ${other}, but no such broker is registered.`,
      )
    }
    if (brokerIds.length > 1) {
      throw new KafkaException(
        'INVALID_REPLICA_ASSIGNMENT',
        `The manual partition assignment includes the broker ${me} more than once.`,
      )
    }
  }
}

export const createPartitionsApi = defineKafkaApi<CreatePartitionsRequest, CreatePartitionsResponse>({
  codec: APIS.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const counts = new Map<string, number>()
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    const results: CreatePartitionsResponse['results'] = []
    const answered = new Set<string>()
    for (const t of req.topics) {
      if (answered.has(t.name)) continue
      answered.add(t.name)
      if (counts.get(t.name)! > 1) {
        results.push({name: t.name, errorCode: kafkaCode('INVALID_REQUEST'), errorMessage: 'Duplicate topic name.'})
        continue
      }
      try {
        const [known] = ctx.core.metadata({topics: [t.name], allowAutoTopicCreation: false}).topics
        if (!known!.error) checkAssignments(t, known!.partitions, ctx)
        const [created] = ctx.core.createPartitions({
          topics: [{name: t.name, count: t.count}],
          validateOnly: req.validateOnly,
        }).topics
        results.push({name: t.name, ...errorFields(created!.error)})
      } catch (error) {
        results.push({name: t.name, ...thrownFields(error)})
      }
    }
    return {throttleTimeMs: 0, results}
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    results: req.topics.map((t) => ({name: t.name, errorCode, errorMessage})),
  }),
})
