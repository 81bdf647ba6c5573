// CreateTopics (key 19): v0-7.
//
// - Partitions and replication factor: -1 takes the broker's default (v4+), as in Kafka; a replication factor other
//   than 1 is INVALID_REPLICATION_FACTOR (one broker). Manual assignments must name this broker only.
// - validateOnly (v1+) checks without creating. v5+ answers with the topic's partitions, replication factor and its
//   configs with their sources; v7 with its topic id.
import {KafkaException} from '../../../errors.js'
import {APIS, type CreateTopicsRequest, type CreateTopicsResponse} from '../../../protocol/kafka/codec/index.js'
import {setOwn} from '../../../properties.js'
import {configSourceId, defineKafkaApi, errorFields, thrownFields, type KafkaRequestContext} from '../api.js'

/** The partition count that manual assignments give, checked against this broker. */
function assignedPartitions(t: CreateTopicsRequest['topics'][number], ctx: KafkaRequestContext): number {
  if (t.assignments.length === 0) return t.numPartitions
  if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
    throw new KafkaException(
      'INVALID_REQUEST',
      'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
    )
  }
  const me = ctx.core.config.brokerId
  t.assignments.forEach((a, i) => {
    if (a.partitionIndex !== i) {
      throw new KafkaException(
        'INVALID_REPLICA_ASSIGNMENT',
        `Partitions should be a consecutive 0-based integer sequence.`,
      )
    }
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== me) {
      throw new KafkaException(
        'INVALID_REPLICA_ASSIGNMENT',
        `Replica assignment [${a.brokerIds.join(', ')}] of partition ${i} names brokers other than this one (${me}): kafkalite is one broker.`,
      )
    }
  })
  return t.assignments.length
}

export const createTopicsApi = defineKafkaApi<CreateTopicsRequest, CreateTopicsResponse>({
  codec: APIS.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  handle(req, ctx) {
    const topics: CreateTopicsResponse['topics'] = []
    for (const t of req.topics) {
      let created
      try {
        const configs: Record<string, string> = {}
        for (const c of t.configs) if (c.value !== null) setOwn(configs, c.name, c.value)
        created = ctx.core.createTopics({
          topics: [
            {
              name: t.name,
              numPartitions: assignedPartitions(t, ctx),
              replicationFactor: t.assignments.length > 0 ? -1 : t.replicationFactor,
              configs,
            },
          ],
          validateOnly: req.validateOnly ?? false,
        }).topics[0]!
      } catch (error) {
        topics.push({name: t.name, ...thrownFields(error), numPartitions: -1, replicationFactor: -1, configs: null})
        continue
      }
      const {errorCode, errorMessage} = errorFields(created.error)
      if (errorCode !== 0) {
        topics.push({name: t.name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null})
        continue
      }
      const described = req.validateOnly
        ? []
        : (ctx.core.describeConfigs({topics: [t.name], includeDefaults: true, brokers: []}).topics[0]?.configs ?? [])
      topics.push({
        name: t.name,
        topicId: created.topicId,
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: created.numPartitions ?? -1,
        replicationFactor: created.replicationFactor ?? -1,
        configs: described.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: configSourceId(c.source),
          isSensitive: c.sensitive,
        })),
      })
    }
    return {throttleTimeMs: 0, topics}
  },
})
