import {Flags} from '@oclif/core'
import {registryFlags, SchemaRegistryCommand} from '../../cli/schema-registry.js'

export default class SchemaRegistrySubjects extends SchemaRegistryCommand {
  static override description = `List the registry's subjects, one per line.

The local daemon's registry unless --schema-registry-url names another. Subjects whose versions are all soft-deleted are listed with --deleted.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --prefix orders- --json',
    '<%= config.bin %> <%= command.id %> --schema-registry-url http://localhost:8081',
  ]

  static override flags = {
    ...registryFlags,
    prefix: Flags.string({description: 'Only the subjects that start with this.', helpValue: '<prefix>'}),
    deleted: Flags.boolean({description: 'Include subjects that are soft-deleted.'}),
  }

  async run(): Promise<{subjects: string[]}> {
    const {flags} = await this.parse(SchemaRegistrySubjects)
    const query = new URLSearchParams()
    if (flags.prefix) query.set('subjectPrefix', flags.prefix)
    if (flags.deleted) query.set('deleted', 'true')
    const subjects = await this.registry(flags).rest<string[]>('GET', `/subjects${query.size > 0 ? `?${query}` : ''}`)
    for (const s of subjects) this.log(s)
    return {subjects}
  }
}
