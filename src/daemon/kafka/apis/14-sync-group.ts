// SyncGroup (key 14): v0-5.
//
// - The leader hands in every member's assignment (opaque bytes: Kafka's ConsumerProtocol Assignment for
//   consumers); each member's SyncGroup is answered with its own once the leader's has come.
// - A SyncGroup for the current generation after the group is already Stable is answered at once with the member's
//   assignment, as Kafka does (kafkajs and kafka-python followers are often late).
// - v3+ group.instance.id is checked (FENCED_INSTANCE_ID); v5+ the protocol type and name the member names must be
//   the group's (INCONSISTENT_GROUP_PROTOCOL), and the response carries them.
import {APIS, EMPTY_BYTES, type SyncGroupRequest, type SyncGroupResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'

export const syncGroupApi = defineKafkaApi<SyncGroupRequest, SyncGroupResponse>({
  codec: APIS.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const res = await ctx.core.syncGroup(
      {
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        assignments: req.assignments.map((a) => ({memberId: a.memberId, assignment: a.assignment.toString('base64')})),
      },
      {protocolType: req.protocolType, protocolName: req.protocolName},
    )
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: res.protocolType,
      protocolName: res.protocolName,
      assignment: Buffer.from(res.assignment, 'base64'),
    }
  },
  errorResponse: (_req, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    protocolType: null,
    protocolName: null,
    assignment: EMPTY_BYTES,
  }),
})
