// IncrementalAlterConfigs (key 44): v0-1.
//
// - TOPIC: SET (0) and DELETE (1) of one override each; APPEND (2) and SUBTRACT (3) add or remove values of a list
//   config (cleanup.policy, ...) from its override, or from its default without one; INVALID_CONFIG ("Can't APPEND
//   to key ... because its type is not LIST.") for another type. The topic's resulting configs are validated as a
//   whole and applied together, or not at all; validateOnly checks without changing anything.
// - BROKER named by this broker's id, or '' (every broker's defaults): SET and DELETE of the dynamic broker configs
//   (the broker defaults of topic configs), applied at once; a setting read only at start is INVALID_REQUEST, as
//   Kafka refuses a setting it cannot update dynamically; APPEND and SUBTRACT are INVALID_CONFIG. Other resource
//   types are INVALID_REQUEST.
// - A resource given twice (every copy), a config named twice, a null value for anything but DELETE, or an unknown
//   operation: INVALID_REQUEST, checked first, as Kafka's broker does.
import {KafkaException} from '../../../errors.js'
import {
  APIS,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from '../../../protocol/kafka/codec/index.js'
import {setOwn} from '../../../properties.js'
import {defineKafkaApi, errorFields, thrownFields} from '../api.js'
import {preprocessAlter, RESOURCE_TYPE} from '../config-resources.js'

const OP = {SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3} as const

type Resource = IncrementalAlterConfigsRequest['resources'][number]

/** The topic change of one resource, in the broker core's shape. */
function topicChange(r: Resource) {
  const change = {
    name: r.resourceName,
    set: {} as Record<string, string>,
    delete: [] as string[],
    append: {} as Record<string, string>,
    subtract: {} as Record<string, string>,
    replace: false,
  }
  for (const c of r.configs) {
    if (c.configOperation === OP.SET) setOwn(change.set, c.name, c.value!)
    else if (c.configOperation === OP.DELETE) change.delete.push(c.name)
    else if (c.configOperation === OP.APPEND) setOwn(change.append, c.name, c.value!)
    else if (c.configOperation === OP.SUBTRACT) setOwn(change.subtract, c.name, c.value!)
    else {
      throw new KafkaException(
        'INVALID_REQUEST',
        `Unknown alter config operation type ${c.configOperation} for ${c.name} (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT).`,
      )
    }
  }
  return change
}

export const incrementalAlterConfigsApi = defineKafkaApi<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
>({
  codec: APIS.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const checked = preprocessAlter(req.resources, (c) => c.configOperation !== OP.DELETE)
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r, i) => {
        const result = {resourceType: r.resourceType, resourceName: r.resourceName}
        const early = checked[i]
        if (early) return {...result, ...early}
        try {
          const change = topicChange(r)
          if (r.resourceType === RESOURCE_TYPE.BROKER) {
            const list = Object.keys(change.append).concat(Object.keys(change.subtract))
            if (list.length > 0) {
              throw new KafkaException(
                'INVALID_CONFIG',
                `APPEND and SUBTRACT of broker configs are not supported by kafkalite (${list.join(', ')}): SET the whole value.`,
              )
            }
            const broker = {name: r.resourceName, set: change.set, delete: change.delete, replace: false}
            const res = ctx.core.alterConfigs({topics: [], brokers: [broker], validateOnly: req.validateOnly})
            return {...result, ...errorFields(res.brokers?.[0]?.error)}
          }
          const [topic] = ctx.core.alterConfigs({topics: [change], brokers: [], validateOnly: req.validateOnly}).topics
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
