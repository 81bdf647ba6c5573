import {Args, Flags} from '@oclif/core'
import {registryFlags, schemaFlags, SchemaRegistryCommand} from '../../cli/schema-registry.js'

export default class SchemaRegistryRegister extends SchemaRegistryCommand {
  static override description = `Register a schema under a subject, and print its global id and version.

A schema already registered under the subject keeps its id and version. The registry checks it against the subject's compatibility level first: an incompatible schema is refused with the registry's reasons (exit 1).`

  static override enableJsonFlag = true

  static override examples = [
    `<%= config.bin %> <%= command.id %> users-value --schema '{"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}'`,
    '<%= config.bin %> <%= command.id %> users-value --schema-file user.avsc --json',
    '<%= config.bin %> <%= command.id %> orders-value --schema-file order.json --schema-type JSON',
    '<%= config.bin %> <%= command.id %> users-value --schema-file user.avsc --reference com.acme.Address=address-value:1',
  ]

  static override args = {subject: Args.string({description: 'The subject.', required: true})}

  static override flags = {
    ...registryFlags,
    ...schemaFlags,
    normalize: Flags.boolean({description: 'Have the registry normalize the schema first.'}),
  }

  async run(): Promise<{subject: string; id: number; version: number}> {
    const {args, flags} = await this.parse(SchemaRegistryRegister)
    const schema = this.schemaOf(flags)
    const r = await this.registry(flags).registerFullResponse(args.subject, schema, flags.normalize)
    this.log(`Registered schema id ${r.id} as version ${r.version} of subject ${args.subject}.`)
    return {subject: args.subject, id: r.id, version: r.version}
  }
}
