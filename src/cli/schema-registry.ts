// What the `schema-registry` commands share: the flags that choose the registry (the local daemon's, over its socket,
// unless --schema-registry-url names another; basic auth and TLS as Confluent's client properties), the client made
// from them, and reading a schema from --schema or --schema-file.
import {readFileSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {
  SchemaRegistryClient,
  type SchemaInfo,
  type SchemaReference,
  type SchemaRegistryConfig,
} from '../client/schema-registry/registry-client.js'
import {usageError} from '../errors.js'
import {readPropertiesFile} from '../properties.js'
import {BaseCommand} from './base-command.js'

/** The client properties --property and --command-config may set. */
const PROPERTIES = new Set([
  'schema.registry.url',
  'basic.auth.credentials.source',
  'basic.auth.user.info',
  'schema.registry.ssl.ca.location',
  'schema.registry.ssl.certificate.location',
  'schema.registry.ssl.key.location',
  'schema.registry.ssl.key.password',
  'schema.registry.ssl.endpoint.identification.algorithm',
  'schema.registry.ssl.truststore.location',
  'schema.registry.ssl.truststore.type',
  'schema.registry.ssl.keystore.location',
  'schema.registry.ssl.keystore.type',
  'schema.registry.request.timeout.ms',
])

export const registryFlags = {
  'schema-registry-url': Flags.string({
    description:
      "The registry's URLs, separated by commas (Confluent's schema.registry.url). Default: the local daemon's registry, over its socket.",
    helpValue: 'http://host:8081',
  }),
  property: Flags.string({
    description:
      'A client property: basic.auth.credentials.source, basic.auth.user.info, schema.registry.ssl.ca.location, ...',
    helpValue: 'name=value',
    multiple: true,
  }),
  'command-config': Flags.string({
    description: 'A properties file of client properties (schema.registry.url, basic.auth.user.info, ...).',
    helpValue: '<file>',
  }),
}

export const schemaFlags = {
  schema: Flags.string({description: 'The schema, as text.', exclusive: ['schema-file'], helpValue: '<schema>'}),
  'schema-file': Flags.string({description: 'A file holding the schema.', exclusive: ['schema'], helpValue: '<file>'}),
  'schema-type': Flags.string({
    description: 'The schema type.',
    options: ['AVRO', 'JSON', 'PROTOBUF'],
    default: 'AVRO',
  }),
  reference: Flags.string({
    description: 'A reference to another subject’s version, under the name the schema uses: name=subject:version.',
    helpValue: 'name=subject:version',
    multiple: true,
  }),
}

type RegistryFlags = {'schema-registry-url'?: string; property?: string[]; 'command-config'?: string}
type SchemaFlags = {schema?: string; 'schema-file'?: string; 'schema-type': string; reference?: string[]}

export abstract class SchemaRegistryCommand extends BaseCommand {
  #client: SchemaRegistryClient | undefined

  /** The client of the registry the flags name. */
  protected registry(flags: RegistryFlags): SchemaRegistryClient {
    if (this.#client) return this.#client
    const config: Record<string, string> = {}
    if (flags['command-config'])
      Object.assign(config, pick(readPropertiesFile(flags['command-config']), '--command-config'))
    for (const p of flags.property ?? []) {
      const eq = p.indexOf('=')
      if (eq <= 0)
        throw usageError(`Invalid --property '${p}': use name=value, for example basic.auth.user.info=user:password.`)
      Object.assign(config, pick({[p.slice(0, eq).trim()]: p.slice(eq + 1).trim()}, '--property'))
    }
    if (flags['schema-registry-url'] !== undefined) config['schema.registry.url'] = flags['schema-registry-url']
    this.#client = new SchemaRegistryClient(config as SchemaRegistryConfig, {home: this.home, onNotice: this.notice})
    return this.#client
  }

  /** The schema --schema or --schema-file gives, with its type and references. */
  protected schemaOf(flags: SchemaFlags): SchemaInfo {
    let schema: string
    if (flags.schema !== undefined) schema = flags.schema
    else if (flags['schema-file'] !== undefined) {
      try {
        schema = readFileSync(flags['schema-file'], 'utf8')
      } catch (error) {
        throw usageError(`Cannot read --schema-file '${flags['schema-file']}': ${(error as Error).message}`)
      }
    } else throw usageError('Give the schema: --schema <text> or --schema-file <file>.')
    const references = (flags.reference ?? []).map(reference)
    return {
      schema,
      schemaType: flags['schema-type'] as SchemaInfo['schemaType'],
      ...(references.length > 0 ? {references} : {}),
    }
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.#client?.close()
    return super.finally(error)
  }
}

function pick(props: Record<string, string>, source: string): Record<string, string> {
  for (const name of Object.keys(props)) {
    if (!PROPERTIES.has(name)) {
      throw usageError(
        `${source}: '${name}' is not a schema registry client property; use one of ${[...PROPERTIES].join(', ')}.`,
      )
    }
  }
  return props
}

function reference(text: string): SchemaReference {
  const m = /^([^=]+)=(.+):(\d+)$/.exec(text)
  if (!m)
    throw usageError(
      `Invalid --reference '${text}': use name=subject:version, for example com.acme.Address=address-value:1.`,
    )
  return {name: m[1]!.trim(), subject: m[2]!.trim(), version: Number(m[3])}
}

/** A version argument: a number from 1, or latest. */
export function versionFlag(value: string): number | 'latest' {
  if (value === 'latest') return value
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw usageError(`Invalid version '${value}': give a version number from 1, or latest.`)
  }
  return Number(value)
}
