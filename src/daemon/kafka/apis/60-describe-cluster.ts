// DescribeCluster (key 60): v0-2.
//
// - One broker: this one, as the request's listener advertises it, never fenced (v2). The controller is this broker
//   too (its node id), as Metadata says; the cluster id is the home's (meta.properties).
// - Endpoint type (v1+): this listener serves brokers (1). Asking it for the controllers (2) is
//   MISMATCHED_ENDPOINT_TYPE, an unknown type UNSUPPORTED_ENDPOINT_TYPE, with Kafka's messages.
// - Cluster authorized operations, when asked: every operation Kafka defines on the cluster (kafkalite has no ACLs).
import {APIS, type DescribeClusterRequest, type DescribeClusterResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode} from '../api.js'

const ENDPOINT_TYPES: Readonly<Record<number, string>> = {1: 'BROKER', 2: 'CONTROLLER'}
const BROKERS = 1

/** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE: Kafka's AclOperation bits. */
const ALL_CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0)
const NO_OPERATIONS = -2147483648

/** An error answer: no cluster id and no brokers, as Kafka answers it. */
function refused(errorCode: number, errorMessage: string): DescribeClusterResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType: BROKERS,
    clusterId: '',
    controllerId: -1,
    brokers: [],
    clusterAuthorizedOperations: NO_OPERATIONS,
  }
}

export const describeClusterApi = defineKafkaApi<DescribeClusterRequest, DescribeClusterResponse>({
  codec: APIS.DescribeCluster,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const wanted = req.endpointType ?? BROKERS
    if (ENDPOINT_TYPES[wanted] === undefined) {
      return refused(kafkaCode('UNSUPPORTED_ENDPOINT_TYPE'), `Unsupported endpoint type ${wanted}`)
    }
    if (wanted !== BROKERS) {
      return refused(
        kafkaCode('MISMATCHED_ENDPOINT_TYPE'),
        `The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type ${ENDPOINT_TYPES[wanted]}`,
      )
    }
    const brokerId = ctx.core.config.brokerId
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: BROKERS,
      clusterId: ctx.clusterId,
      controllerId: brokerId,
      brokers: [{brokerId, host: ctx.endpoint.host, port: ctx.endpoint.port, rack: null, isFenced: false}],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : NO_OPERATIONS,
    }
  },
  errorResponse: (_req, errorCode, errorMessage) => refused(errorCode, errorMessage),
})
