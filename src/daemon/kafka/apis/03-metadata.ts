// Metadata (key 3): v0-12.
//
// - One broker: this one, as the request's listener advertises it. It leads every partition, and is each
//   partition's only replica and in-sync replica. `controllerId` is the broker's own node id (kafkajs sends
//   CreateTopics and InitProducerId to the controller).
// - All topics: a null list (v1+), or an empty one in v0. Topics named by id (v10+) are looked up by their id.
// - A missing topic is created when the request allows it (v4+; always before v4) and the broker's
//   auto.create.topics.enable does, as Kafka does; it is ready at once (no LEADER_NOT_AVAILABLE round).
// - Leader epochs are -1: clients then do not validate positions with OffsetForLeaderEpoch (served, not advertised).
// - Authorized operations (v8+, when asked): everything, since kafkalite has no ACLs.
import {APIS, type MetadataRequest, type MetadataResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode} from '../api.js'

/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS: Kafka's AclOperation bits. */
const ALL_TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0)
const NO_OPERATIONS = -2147483648

export const metadataApi = defineKafkaApi<MetadataRequest, MetadataResponse>({
  codec: APIS.Metadata,
  minVersion: 0,
  maxVersion: 12,
  handle(req, ctx) {
    const {core, version, endpoint} = ctx
    const brokerId = core.config.brokerId
    const all = req.topics === null || (version === 0 && req.topics.length === 0)
    const unknownIds: string[] = []
    const names: string[] = []
    for (const t of req.topics ?? []) {
      if (t.name !== null && t.name !== '') {
        names.push(t.name)
      } else if (t.topicId !== undefined) {
        const name = core.topicNameById(t.topicId)
        if (name === undefined) unknownIds.push(t.topicId)
        else names.push(name)
      }
    }
    const result = core.metadata({
      topics: all ? null : names,
      allowAutoTopicCreation: version < 4 ? true : req.allowAutoTopicCreation !== false,
    })
    const operations = req.includeTopicAuthorizedOperations ? ALL_TOPIC_OPERATIONS : NO_OPERATIONS
    const topics: MetadataResponse['topics'] = result.topics.map((t) => ({
      errorCode: errorFields(t.error).errorCode,
      name: t.name,
      topicId: t.error ? undefined : t.topicId,
      isInternal: t.internal,
      partitions: Array.from({length: t.partitions}, (_, partitionIndex) => ({
        errorCode: 0,
        partitionIndex,
        leaderId: brokerId,
        leaderEpoch: -1,
        replicaNodes: [brokerId],
        isrNodes: [brokerId],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: operations,
    }))
    for (const topicId of unknownIds) {
      topics.push({errorCode: kafkaCode('UNKNOWN_TOPIC_ID'), name: null, topicId, isInternal: false, partitions: []})
    }
    return {
      throttleTimeMs: 0,
      brokers: [{nodeId: brokerId, host: endpoint.host, port: endpoint.port, rack: null}],
      clusterId: ctx.clusterId,
      controllerId: brokerId,
      topics,
      clusterAuthorizedOperations: NO_OPERATIONS,
    }
  },
})
