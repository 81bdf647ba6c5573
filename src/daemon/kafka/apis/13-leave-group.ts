// LeaveGroup (key 13): v0-5.
//
// - The member leaves at once and the group rebalances without it (a static member too: it is removed, as when
//   Kafka's admin removes it).
// - v0-2 name one member; the response's error is that member's. v3+ name a batch of members, by member id or by
//   group.instance.id (member id ''), each answered with its own error, the response's error being 0. v5+ carry each
//   member's reason, logged with the rebalance.
import {APIS, type LeaveGroupRequest, type LeaveGroupResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const leaveGroupApi = defineKafkaApi<LeaveGroupRequest, LeaveGroupResponse>({
  codec: APIS.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const members =
      ctx.version >= 3
        ? (req.members ?? []).map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            reason: m.reason ?? undefined,
          }))
        : [{memberId: req.memberId ?? '', groupInstanceId: null}]
    const res = ctx.core.leaveGroup({groupId: req.groupId, members})
    if (ctx.version < 3) return {throttleTimeMs: 0, errorCode: errorFields(res.members[0]?.error).errorCode}
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      members: res.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        errorCode: errorFields(m.error).errorCode,
      })),
    }
  },
  errorResponse: (_req, errorCode) => ({throttleTimeMs: 0, errorCode, members: []}),
})
