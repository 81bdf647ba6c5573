import {Args, Flags} from '@oclif/core'
import {registryFlags, SchemaRegistryCommand, versionFlag} from '../../cli/schema-registry.js'

export default class SchemaRegistryDelete extends SchemaRegistryCommand {
  static override description = `Delete a subject, or one of its versions: soft first, then --permanent.

A soft delete hides the versions (their schemas stay readable by id, and a registration continues their numbering); --permanent removes versions already soft-deleted, as Confluent's registry requires. Prints the versions deleted.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> users-value',
    '<%= config.bin %> <%= command.id %> users-value --permanent',
    '<%= config.bin %> <%= command.id %> users-value 2 --json',
  ]

  static override args = {
    subject: Args.string({description: 'The subject.', required: true}),
    version: Args.string({description: 'Delete only this version (a number, or latest).'}),
  }

  static override flags = {
    ...registryFlags,
    permanent: Flags.boolean({description: 'Delete for good what is already soft-deleted.'}),
  }

  async run(): Promise<{subject: string; versions: number[]; permanent: boolean}> {
    const {args, flags} = await this.parse(SchemaRegistryDelete)
    const registry = this.registry(flags)
    let versions: number[]
    if (args.version !== undefined) {
      const path = `/subjects/${encodeURIComponent(args.subject)}/versions/${versionFlag(args.version)}?permanent=${flags.permanent}`
      versions = [await registry.rest<number>('DELETE', path)]
    } else {
      versions = await registry.deleteSubject(args.subject, flags.permanent)
    }
    const how = flags.permanent ? 'Permanently deleted' : 'Soft-deleted'
    this.log(`${how} version${versions.length === 1 ? '' : 's'} ${versions.join(', ')} of subject ${args.subject}.`)
    return {subject: args.subject, versions, permanent: flags.permanent}
  }
}
