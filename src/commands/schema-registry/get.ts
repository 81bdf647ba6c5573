import {Args, Flags} from '@oclif/core'
import type {SchemaMetadata} from '../../client/schema-registry/registry-client.js'
import {registryFlags, SchemaRegistryCommand, versionFlag} from '../../cli/schema-registry.js'
import {usageError} from '../../errors.js'

type Shown = Partial<SchemaMetadata> & {schema: string}

export default class SchemaRegistryGet extends SchemaRegistryCommand {
  static override description = `Show a subject's version (its id, type, references and schema), or a schema by its id.

The schema is printed as the registry stores it, after a line naming subject, version, id and type. --schema-only prints the schema alone (to save it to a file).`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> users-value',
    '<%= config.bin %> <%= command.id %> users-value 2 --json',
    '<%= config.bin %> <%= command.id %> --id 7 --schema-only > user.avsc',
  ]

  static override args = {
    subject: Args.string({description: 'The subject (not with --id).'}),
    version: Args.string({description: 'The version: a number, or latest.', default: 'latest'}),
  }

  static override flags = {
    ...registryFlags,
    id: Flags.integer({description: 'Show the schema with this global id instead.', min: 0}),
    deleted: Flags.boolean({description: 'Find soft-deleted versions too.'}),
    'schema-only': Flags.boolean({description: 'Print the schema alone.'}),
  }

  async run(): Promise<Shown> {
    const {args, flags} = await this.parse(SchemaRegistryGet)
    const registry = this.registry(flags)
    let shown: Shown
    if (flags.id !== undefined) {
      if (args.subject !== undefined) throw usageError('Give a subject or --id, not both.')
      shown = {id: flags.id, ...(await registry.rest<Shown>('GET', `/schemas/ids/${flags.id}`))}
    } else {
      if (args.subject === undefined) throw usageError('Give a subject, or --id <id> for a schema by its id.')
      const version = versionFlag(args.version)
      const path = `/subjects/${encodeURIComponent(args.subject)}/versions/${version}${flags.deleted ? '?deleted=true' : ''}`
      shown = await registry.rest<Shown>('GET', path)
    }
    shown.schemaType ??= 'AVRO'
    if (!flags['schema-only']) {
      const where = shown.subject === undefined ? '' : `subject ${shown.subject} version ${shown.version} `
      this.log(`${where}id ${shown.id} type ${shown.schemaType}`)
      for (const r of shown.references ?? []) this.log(`reference ${r.name} = ${r.subject} version ${r.version}`)
    }
    this.log(pretty(shown.schema))
    return shown
  }
}

/** JSON schemas indented, others as they are. */
function pretty(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2)
  } catch {
    return schema
  }
}
