// Heartbeat (key 12): v0-4.
//
// - Keeps the member's session alive; answered at once, never parked (parking a heartbeat until a rebalance starts is
//   kafkalite's own socket extension). REBALANCE_IN_PROGRESS tells the member to rejoin; ILLEGAL_GENERATION and
//   UNKNOWN_MEMBER_ID that it is out of the group; v3+ FENCED_INSTANCE_ID for a static member replaced by another.
import {APIS, type HeartbeatRequest, type HeartbeatResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'

export const heartbeatApi = defineKafkaApi<HeartbeatRequest, HeartbeatResponse>({
  codec: APIS.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    await ctx.core.heartbeat(
      {
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        waitMs: 0,
      },
      ctx,
    )
    return {throttleTimeMs: 0, errorCode: 0}
  },
  errorResponse: (_req, errorCode) => ({throttleTimeMs: 0, errorCode}),
})
