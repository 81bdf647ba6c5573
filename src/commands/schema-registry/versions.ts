import {Args, Flags} from '@oclif/core'
import {registryFlags, SchemaRegistryCommand} from '../../cli/schema-registry.js'

export default class SchemaRegistryVersions extends SchemaRegistryCommand {
  static override description = `List a subject's version numbers.

Soft-deleted versions are listed with --deleted.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> users-value',
    '<%= config.bin %> <%= command.id %> users-value --deleted --json',
  ]

  static override args = {subject: Args.string({description: 'The subject.', required: true})}

  static override flags = {
    ...registryFlags,
    deleted: Flags.boolean({description: 'Include soft-deleted versions.'}),
  }

  async run(): Promise<{subject: string; versions: number[]}> {
    const {args, flags} = await this.parse(SchemaRegistryVersions)
    const path = `/subjects/${encodeURIComponent(args.subject)}/versions${flags.deleted ? '?deleted=true' : ''}`
    const versions = await this.registry(flags).rest<number[]>('GET', path)
    for (const v of versions) this.log(String(v))
    return {subject: args.subject, versions}
  }
}
