// DescribeConfigs (key 32): v0-4.
//
// - TOPIC (2): every topic config with its value and source (the topic's override, a broker setting through its
//   synonym, or Kafka's default), as Kafka lists them; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION.
// - BROKER (4) named by this broker's node id: the settings kafkalite reads, each from this broker's dynamic configs,
//   the cluster's dynamic defaults, server.properties or the defaults; the broker defaults of topic configs may be
//   changed at run time (readOnly false), the others are read at start. Named '' (the cluster-wide dynamic
//   defaults): those set. Another id is INVALID_REQUEST, with Kafka's message.
// - Other resource types (broker loggers, client metrics, groups) are INVALID_REQUEST for that resource.
// - ConfigurationKeys, when not null, keep only the entries named. Synonyms (v1+) only when asked. v0 reports
//   isDefault instead of the source; v3+ the config types, and documentation null (kafkalite does not carry Kafka's
//   config docs; the schema allows null).
import {APIS, type DescribeConfigsRequest, type DescribeConfigsResponse} from '../../../protocol/kafka/codec/index.js'
import type {ConfigEntryData} from '../../../protocol/socket/messages.js'
import {defineKafkaApi, errorFields, thrownFields, type KafkaRequestContext} from '../api.js'
import {describedEntry, RESOURCE_TYPE, unsupportedResourceType} from '../config-resources.js'

type Resource = DescribeConfigsRequest['resources'][number]
type Result = DescribeConfigsResponse['results'][number]

function describe(r: Resource, includeSynonyms: boolean, ctx: KafkaRequestContext): Result {
  const result = {resourceType: r.resourceType, resourceName: r.resourceName}
  try {
    let entries: ConfigEntryData[]
    if (r.resourceType === RESOURCE_TYPE.TOPIC) {
      const [topic] = ctx.core.describeConfigs({topics: [r.resourceName], includeDefaults: true, brokers: []}).topics
      if (topic!.error) return {...result, ...errorFields(topic!.error), configs: []}
      entries = topic!.configs
    } else if (r.resourceType === RESOURCE_TYPE.BROKER) {
      const res = ctx.core.describeConfigs({topics: [], includeDefaults: true, brokers: [r.resourceName]})
      const broker = res.brokers![0]!
      if (broker.error) return {...result, ...errorFields(broker.error), configs: []}
      entries = broker.configs
    } else {
      throw unsupportedResourceType(r.resourceType)
    }
    const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys)
    const configs = entries.filter((c) => keys === null || keys.has(c.name))
    return {
      ...result,
      errorCode: 0,
      errorMessage: null,
      configs: configs.map((c) => describedEntry(c, includeSynonyms)),
    }
  } catch (error) {
    return {...result, ...thrownFields(error), configs: []}
  }
}

export const describeConfigsApi = defineKafkaApi<DescribeConfigsRequest, DescribeConfigsResponse>({
  codec: APIS.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle: (req, ctx) => ({
    throttleTimeMs: 0,
    results: req.resources.map((r) => describe(r, req.includeSynonyms === true, ctx)),
  }),
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    results: req.resources.map((r) => ({
      errorCode,
      errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      configs: [],
    })),
  }),
})
