// DescribeUserScramCredentials (key 50): v0.
//
// - Every user with a credential (users null or empty), or the users named, with their mechanisms (Kafka's type
//   bytes: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512) and iterations; never a salt or key.
// - A user named twice: DUPLICATE_RESOURCE; a user with no credential: RESOURCE_NOT_FOUND (the core's rules).
import {
  APIS,
  type DescribeUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponse,
} from '../../../protocol/kafka/codec/index.js'
import {SCRAM_MECHANISMS, type ScramMechanism} from '../../../scram.js'
import {defineKafkaApi, errorFields} from '../api.js'

export const describeUserScramCredentialsApi = defineKafkaApi<
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse
>({
  codec: APIS.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const users = req.users === null ? null : req.users.map((u) => u.name)
    const {results} = ctx.core.describeUserScramCredentials({users})
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: results.map((r) => ({
        user: r.user,
        ...errorFields(r.error),
        credentialInfos: r.credentials.map((c) => ({
          mechanism: SCRAM_MECHANISMS.get(c.mechanism as ScramMechanism)!.type,
          iterations: c.iterations,
        })),
      })),
    }
  },
  errorResponse: (_req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    results: [],
  }),
})
