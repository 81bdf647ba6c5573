// Kafka's config resources as the config APIs name them (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs):
// the resource types kafkalite answers for, the checks Kafka's broker makes on a resource before it looks at its
// configs (ConfigAdminManager.preprocess), and DescribeConfigs' numeric config types.
import {KafkaException} from '../../errors.js'
import type {ConfigEntryData, ConfigType} from '../../protocol/socket/messages.js'
import {configSourceId, thrownFields} from './api.js'

/** Kafka's ConfigResource.Type ids that kafkalite serves. */
export const RESOURCE_TYPE = {TOPIC: 2, BROKER: 4} as const

/** Kafka's ConfigResource.Type names, for messages. */
const RESOURCE_TYPE_NAMES: Readonly<Record<number, string>> = {
  2: 'TOPIC',
  4: 'BROKER',
  8: 'BROKER_LOGGER',
  16: 'CLIENT_METRICS',
  32: 'GROUP',
}

/** DescribeConfigsResponse.ConfigType ids. */
const CONFIG_TYPE_IDS: Readonly<Record<ConfigType, number>> = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
}

/** The error of a resource type kafkalite does not serve (broker loggers, client metrics, groups' configs). */
export function unsupportedResourceType(type: number): KafkaException {
  const name = RESOURCE_TYPE_NAMES[type]
  return new KafkaException(
    'INVALID_REQUEST',
    name === undefined
      ? `Unknown resource type ${type}`
      : `Resource type ${name} (${type}) is not supported by kafkalite: it serves the configs of topics and of the broker.`,
  )
}

/** A config entry as DescribeConfigs reports it, the fields of later versions included (the encoder drops them). */
export function describedEntry(c: ConfigEntryData, includeSynonyms: boolean) {
  return {
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    isDefault: c.isDefault,
    configSource: configSourceId(c.source),
    isSensitive: c.sensitive,
    synonyms: includeSynonyms
      ? c.synonyms.map((s) => ({name: s.name, value: s.value, source: configSourceId(s.source)}))
      : [],
    configType: CONFIG_TYPE_IDS[c.type],
    // kafkalite does not carry Kafka's documentation texts of the configs: null, which Kafka's schema allows.
    documentation: null,
  }
}

/** A resource of an alter request, in the two APIs' shapes. */
interface AlterResource {
  resourceType: number
  resourceName: string
  configs: {name: string; value: string | null; configOperation?: number}[]
}

/**
 * What Kafka's broker checks on each resource of an alter request before applying anything: a resource given twice
 * (every copy refused), a config named twice, a null value where one is needed; resource types other than TOPIC and
 * BROKER are refused. Returns each resource's error, or null for a resource to apply (the broker core checks a BROKER
 * resource's name and configs).
 */
export function preprocessAlter(
  resources: readonly AlterResource[],
  needsValue: (config: AlterResource['configs'][number]) => boolean,
): ({errorCode: number; errorMessage: string | null} | null)[] {
  const seen = new Map<string, number>()
  for (const r of resources) {
    const key = `${r.resourceType}:${r.resourceName}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  return resources.map((r) => {
    try {
      if (seen.get(`${r.resourceType}:${r.resourceName}`)! > 1) {
        throw new KafkaException('INVALID_REQUEST', 'Each resource must appear at most once.')
      }
      const names = r.configs.map((c) => c.name)
      if (new Set(names).size !== names.length) {
        throw new KafkaException('INVALID_REQUEST', 'Error due to duplicate config keys')
      }
      const nulls = r.configs.filter((c) => c.value === null && needsValue(c)).map((c) => c.name)
      if (nulls.length > 0)
        throw new KafkaException('INVALID_REQUEST', `Null value not supported for : ${nulls.join(', ')}`)
      if (r.resourceType !== RESOURCE_TYPE.TOPIC && r.resourceType !== RESOURCE_TYPE.BROKER) {
        throw unsupportedResourceType(r.resourceType)
      }
      return null
    } catch (error) {
      return thrownFields(error)
    }
  })
}
