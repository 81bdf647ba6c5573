// AlterConfigs (key 33): v0-2, Kafka's legacy, non-incremental alter.
//
// - TOPIC: the configs given replace the topic's overrides wholesale, as Kafka's AlterConfigs does: an override the
//   request does not name is deleted (IncrementalAlterConfigs changes only what it names). Validated as a whole
//   (INVALID_CONFIG with Kafka's message); an unknown topic is UNKNOWN_TOPIC_OR_PARTITION. validateOnly checks
//   without changing anything.
// - BROKER: kafkalite reads its settings at start, so a change is refused (INVALID_REQUEST, as Kafka refuses a
//   setting it cannot update dynamically); other resource types are INVALID_REQUEST.
// - A resource given twice (every copy), a config named twice, or a null value: INVALID_REQUEST, checked first, as
//   Kafka's broker does.
import {APIS, type AlterConfigsRequest, type AlterConfigsResponse} from '../../../protocol/kafka/codec/index.js'
import {setOwn} from '../../../properties.js'
import {defineKafkaApi, errorFields, thrownFields} from '../api.js'
import {preprocessAlter, RESOURCE_TYPE} from '../config-resources.js'

export const alterConfigsApi = defineKafkaApi<AlterConfigsRequest, AlterConfigsResponse>({
  codec: APIS.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const checked = preprocessAlter(req.resources, () => true)
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r, i) => {
        const result = {resourceType: r.resourceType, resourceName: r.resourceName}
        const early = checked[i]
        if (early) return {...result, ...early}
        const set: Record<string, string> = {}
        for (const c of r.configs) setOwn(set, c.name, c.value!)
        try {
          if (r.resourceType === RESOURCE_TYPE.BROKER) {
            // Kafka's legacy AlterConfigs replaces the resource's dynamic configs with those given.
            const broker = {name: r.resourceName, set, delete: [], replace: true}
            const res = ctx.core.alterConfigs({topics: [], brokers: [broker], validateOnly: req.validateOnly})
            return {...result, ...errorFields(res.brokers?.[0]?.error)}
          }
          const [topic] = ctx.core.alterConfigs({
            topics: [{name: r.resourceName, set, delete: [], append: {}, subtract: {}, replace: true}],
            brokers: [],
            validateOnly: req.validateOnly,
          }).topics
          return {...result, ...errorFields(topic!.error)}
        } catch (error) {
          return {...result, ...thrownFields(error)}
        }
      }),
    }
  },
  errorResponse: (req, errorCode, errorMessage) => ({
    throttleTimeMs: 0,
    responses: req.resources.map((r) => ({
      errorCode,
      errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    })),
  }),
})
