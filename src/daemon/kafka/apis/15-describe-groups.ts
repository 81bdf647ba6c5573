// DescribeGroups (key 15): v0-6.
//
// - Each group's state, protocol type, selected protocol and members (client id, host, group.instance.id from v4).
//   As in Kafka, the protocol and the members' metadata and assignments are given only while the group is Stable.
// - A group that does not exist is Dead with no error before v6, GROUP_ID_NOT_FOUND from v6 (KIP-1043), whose error
//   message field carries the explanation.
// - v3+ authorized operations, when asked: every operation on a group (READ, DELETE, DESCRIBE), as Kafka answers
//   without an authorizer.
import {
  APIS,
  EMPTY_BYTES,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields, kafkaCode} from '../api.js'

/** Kafka's AclOperation codes of a group's operations: READ (3), DELETE (6), DESCRIBE (8). */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8)
/** Kafka's "authorized operations not asked for". */
const OPERATIONS_NOT_ASKED = -2147483648

type DescribedGroup = DescribeGroupsResponse['groups'][number]

export const describeGroupsApi = defineKafkaApi<DescribeGroupsRequest, DescribeGroupsResponse>({
  codec: APIS.DescribeGroups,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    const operations = req.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_ASKED
    const res = ctx.core.describeGroups({groupIds: req.groups})
    return {
      throttleTimeMs: 0,
      groups: res.groups.map((g): DescribedGroup => {
        if (g.state === 'Dead' && ctx.version >= 6) {
          return {
            errorCode: kafkaCode('GROUP_ID_NOT_FOUND'),
            errorMessage: `Group ${g.groupId} not found.`,
            groupId: g.groupId,
            groupState: 'Dead',
            protocolType: '',
            protocolData: '',
            members: [],
            authorizedOperations: OPERATIONS_NOT_ASKED,
          }
        }
        const stable = g.state === 'Stable'
        return {
          ...errorFields(g.error),
          groupId: g.groupId,
          groupState: g.state,
          protocolType: g.state === 'Dead' ? '' : g.protocolType,
          protocolData: stable ? g.protocol : '',
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: stable ? Buffer.from(m.metadata, 'base64') : EMPTY_BYTES,
            memberAssignment: stable ? Buffer.from(m.assignment, 'base64') : EMPTY_BYTES,
          })),
          authorizedOperations: operations,
        }
      }),
    }
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    groups: req.groups.map((groupId) => ({
      errorCode,
      errorMessage,
      groupId,
      groupState: '',
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: OPERATIONS_NOT_ASKED,
    })),
  }),
})
