// DeleteGroups (key 42): v0-3.
//
// - Deletes groups without members, with their committed offsets and lag history. A group with members is
//   NON_EMPTY_GROUP, one that does not exist GROUP_ID_NOT_FOUND; each group is answered on its own, v3+ with the
//   error's message.
import {APIS, type DeleteGroupsRequest, type DeleteGroupsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const deleteGroupsApi = defineKafkaApi<DeleteGroupsRequest, DeleteGroupsResponse>({
  codec: APIS.DeleteGroups,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const res = ctx.core.deleteGroups({groupIds: req.groupsNames})
    return {
      throttleTimeMs: 0,
      results: res.results.map((r) => ({groupId: r.groupId, ...errorFields(r.error)})),
    }
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    results: req.groupsNames.map((groupId) => ({groupId, errorCode, errorMessage})),
  }),
})
