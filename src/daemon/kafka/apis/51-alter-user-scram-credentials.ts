// AlterUserScramCredentials (key 51): v0.
//
// - Deletions and upsertions of SCRAM credentials, one result per user (the core's rules: Kafka's messages for an
//   unknown mechanism, too few or too many iterations, a credential changed twice or deleted while absent).
// - An upsertion carries the salt and the salted password that Kafka's admin client computed; the broker keeps
//   StoredKey and ServerKey only.
import {
  APIS,
  type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponse,
} from '../../../protocol/kafka/codec/index.js'
import {scramMechanismByType} from '../../../scram.js'
import {defineKafkaApi, errorFields} from '../api.js'

/** The mechanism's name, or the type byte as text (the core refuses it as an unknown mechanism). */
const mechanismName = (type: number) => scramMechanismByType(type) ?? `UNKNOWN(${type})`

export const alterUserScramCredentialsApi = defineKafkaApi<
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse
>({
  codec: APIS.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const {results} = ctx.core.alterUserScramCredentials({
      deletions: req.deletions.map((d) => ({name: d.name, mechanism: mechanismName(d.mechanism)})),
      upsertions: req.upsertions.map((u) => ({
        name: u.name,
        mechanism: mechanismName(u.mechanism),
        iterations: u.iterations,
        salt: Buffer.from(u.salt).toString('base64'),
        saltedPassword: Buffer.from(u.saltedPassword).toString('base64'),
      })),
    })
    return {throttleTimeMs: 0, results: results.map((r) => ({user: r.user, ...errorFields(r.error)}))}
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    results: [...new Set([...req.deletions, ...req.upsertions].map((c) => c.name))].map((user) => ({
      user,
      errorCode,
      errorMessage,
    })),
  }),
})
