// ApiVersions (key 18): v0-4.
//
// - Built from the adapters' own declarations (apis/index.ts): every API key kafkalite serves, with its range.
// - A version kafkalite does not speak is answered in v0 with UNSUPPORTED_VERSION and the ranges (KIP-511), so the
//   client retries with one it shares (listener.ts). The response header is always v0, even from v3 (flexible).
// - No features are advertised: clients then use the classic group protocol and transactions with explicit
//   AddPartitionsToTxn (transaction version 1), which is what the core serves.
// - v5 (Kafka 4.4, KIP-1242: cluster and node id checks) is not advertised yet.
import {APIS, type ApiVersionsRequest, type ApiVersionsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, kafkaCode, type KafkaApi} from '../api.js'

/** What an ApiVersions response lists: every served, advertised API with its range, by key (SASL's on SASL listeners). */
function apiKeys(apis: ReadonlyMap<number, KafkaApi>, sasl = false): ApiVersionsResponse['apiKeys'] {
  return [...apis.values()]
    .filter((a) => a.advertise === undefined || a.advertise === true || (a.advertise === 'sasl' && sasl))
    .sort((a, b) => a.codec.apiKey - b.codec.apiKey)
    .map((a) => ({apiKey: a.codec.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion}))
}

/** The v0 answer to an ApiVersions request of a version kafkalite does not speak. */
export function unsupportedApiVersions(apis: ReadonlyMap<number, KafkaApi>): ApiVersionsResponse {
  return {errorCode: kafkaCode('UNSUPPORTED_VERSION'), apiKeys: apiKeys(apis), throttleTimeMs: 0}
}

export function apiVersionsApi(
  apis: () => ReadonlyMap<number, KafkaApi>,
): KafkaApi<ApiVersionsRequest, ApiVersionsResponse> {
  return defineKafkaApi({
    codec: APIS.ApiVersions,
    minVersion: 0,
    maxVersion: 4,
    handle: (_req, ctx) => ({
      errorCode: 0,
      apiKeys: apiKeys(apis(), ctx.sasl !== undefined),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    }),
    errorResponse: (_req, errorCode) => ({errorCode, apiKeys: apiKeys(apis()), throttleTimeMs: 0}),
  })
}
