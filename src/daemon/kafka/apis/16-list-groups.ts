// ListGroups (key 16): v0-5.
//
// - Every group the coordinator knows but Dead ones, with its protocol type; v4+ with its state, filtered by the
//   states asked for (case-insensitive, as Kafka parses them); v5+ with its type, always "classic" (kafkalite serves
//   Kafka's classic group protocol only), filtered by the types asked for.
import {APIS, type ListGroupsRequest, type ListGroupsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'

const GROUP_TYPE = 'classic'

export const listGroupsApi = defineKafkaApi<ListGroupsRequest, ListGroupsResponse>({
  codec: APIS.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const types = (req.typesFilter ?? []).map((t) => t.toLowerCase())
    if (types.length > 0 && !types.includes(GROUP_TYPE)) return {throttleTimeMs: 0, errorCode: 0, groups: []}
    const res = ctx.core.listGroups({states: req.statesFilter ?? []})
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: res.groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: g.state,
        groupType: GROUP_TYPE,
      })),
    }
  },
  errorResponse: (_req, errorCode) => ({throttleTimeMs: 0, errorCode, groups: []}),
})
