// JoinGroup (key 11): v0-9.
//
// - Kafka's classic group protocol, in the broker core (broker/group-coordinator.ts): the request is answered once
//   the rebalance completes; the leader gets every member's metadata (opaque bytes: Kafka's ConsumerProtocol
//   Subscription for consumers, whichever client wrote it, kafkalite's own included).
// - Membership follows Kafka's rules: a member stays while it heartbeats within its session timeout, and a closed
//   connection is not a leave (clients of Kafka's protocol reconnect at will). v0 has no rebalance timeout: the
//   session timeout stands for it, as in Kafka.
// - v4+: a new member without group.instance.id is first answered MEMBER_ID_REQUIRED with its member id, and counts
//   once it joins with it (KIP-394), as Kafka answers since 2.2; v0-3 join at once.
// - v5+: static membership (group.instance.id): a restarted static member takes its old member's place and
//   assignment, and a stale one is FENCED_INSTANCE_ID.
// - v7+ the protocol type in the response; v8+ the reason (logged with the rebalance); v9 skipAssignment is always
//   false (the leader always computes the assignment).
import {MemberIdRequiredException} from '../../../broker/core.js'
import {APIS, type JoinGroupRequest, type JoinGroupResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode, type KafkaRequestContext} from '../api.js'

/** Kafka's JoinGroup answer without a generation: an error, and the member id when there is one to give. */
function failed(errorCode: number, memberId: string, ctx: KafkaRequestContext): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: ctx.version >= 7 ? null : '',
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  }
}

export const joinGroupApi = defineKafkaApi<JoinGroupRequest, JoinGroupResponse>({
  codec: APIS.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    let joined
    try {
      joined = ctx.core.joinGroup(
        {
          groupId: req.groupId,
          sessionTimeoutMs: req.sessionTimeoutMs,
          rebalanceTimeoutMs: ctx.version >= 1 ? (req.rebalanceTimeoutMs ?? -1) : req.sessionTimeoutMs,
          memberId: req.memberId,
          groupInstanceId: req.groupInstanceId ?? null,
          protocolType: req.protocolType,
          protocols: req.protocols.map((p) => ({name: p.name, metadata: p.metadata.toString('base64')})),
          clientId: ctx.clientId,
          reason: req.reason ?? undefined,
        },
        null, // membership follows sessions, not connections
        {clientHost: ctx.clientHost, requireKnownMemberId: ctx.version >= 4},
      )
    } catch (error) {
      if (error instanceof MemberIdRequiredException) {
        return failed(kafkaCode('MEMBER_ID_REQUIRED'), error.memberId, ctx)
      }
      throw error
    }
    return joined.then((res): JoinGroupResponse => ({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: res.generationId,
      protocolType: req.protocolType,
      protocolName: res.protocolName,
      leader: res.leader,
      skipAssignment: false,
      memberId: res.memberId,
      members: res.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: Buffer.from(m.metadata, 'base64'),
      })),
    }))
  },
  errorResponse: (req, errorCode, _message, ctx) => failed(errorCode, req.memberId, ctx),
})
