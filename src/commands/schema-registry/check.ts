import {Args} from '@oclif/core'
import {registryFlags, schemaFlags, SchemaRegistryCommand, versionFlag} from '../../cli/schema-registry.js'
import {EXIT_ERROR} from '../../errors.js'

export interface CheckResult {
  subject: string
  compatible: boolean
  messages: string[]
}

export default class SchemaRegistryCheck extends SchemaRegistryCommand {
  static override description = `Check whether a schema is compatible with a subject, without registering it.

Against the versions the subject's compatibility level names (the latest, or all of them for a transitive level), or against the version given. Prints compatible, or incompatible with the registry's reasons and exits 1.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> users-value --schema-file user-v2.avsc',
    '<%= config.bin %> <%= command.id %> users-value 1 --schema-file user-v2.avsc --json',
  ]

  static override args = {
    subject: Args.string({description: 'The subject.', required: true}),
    version: Args.string({description: 'Check against this version only (a number, or latest).'}),
  }

  static override flags = {
    ...registryFlags,
    ...schemaFlags,
  }

  async run(): Promise<CheckResult> {
    const {args, flags} = await this.parse(SchemaRegistryCheck)
    const schema = this.schemaOf(flags)
    const version = args.version === undefined ? undefined : versionFlag(args.version)
    const path = `/compatibility/subjects/${encodeURIComponent(args.subject)}/versions${version === undefined ? '' : `/${version}`}?verbose=true`
    const body = {
      schema: schema.schema,
      ...(schema.schemaType !== 'AVRO' ? {schemaType: schema.schemaType} : {}),
      ...(schema.references ? {references: schema.references} : {}),
    }
    const r = await this.registry(flags).rest<{is_compatible: boolean; messages?: string[]}>('POST', path, body)
    const result = {subject: args.subject, compatible: r.is_compatible, messages: r.messages ?? []}
    if (r.is_compatible) {
      this.log(`The schema is compatible with subject ${args.subject}.`)
      return result
    }
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else {
      this.log(`The schema is incompatible with subject ${args.subject}:`)
      for (const m of result.messages) this.log(`  ${m}`)
    }
    return this.exit(EXIT_ERROR)
  }
}
