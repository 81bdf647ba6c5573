import {Args, Flags} from '@oclif/core'
import {registryFlags, SchemaRegistryCommand} from '../../cli/schema-registry.js'
import {usageError} from '../../errors.js'

const LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE']

export interface ConfigResult {
  subject: string | null
  compatibility: string
  mode: string
}

export default class SchemaRegistryConfig extends SchemaRegistryCommand {
  static override description = `Show or set the compatibility level and mode, globally or of one subject.

Without a subject, the global settings. A subject without a level (or mode) of its own shows the global one. --compatibility and --mode set them; --reset removes the subject's own (or puts the global ones back to BACKWARD and READWRITE).`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> users-value --compatibility FULL',
    '<%= config.bin %> <%= command.id %> --compatibility NONE --json',
    '<%= config.bin %> <%= command.id %> users-value --reset',
  ]

  static override args = {subject: Args.string({description: 'The subject (default: the global settings).'})}

  static override flags = {
    ...registryFlags,
    compatibility: Flags.string({description: 'Set the compatibility level.', options: LEVELS}),
    mode: Flags.string({description: 'Set the mode.', options: ['READWRITE', 'READONLY', 'IMPORT']}),
    reset: Flags.boolean({
      description: "Remove the subject's own settings (globally: back to the defaults).",
      exclusive: ['compatibility', 'mode'],
    }),
  }

  async run(): Promise<ConfigResult> {
    const {args, flags} = await this.parse(SchemaRegistryConfig)
    const registry = this.registry(flags)
    const subject = args.subject ?? null
    if (subject === '') throw usageError('Give a subject name, or no subject for the global settings.')
    const at = subject === null ? '' : `/${encodeURIComponent(subject)}`
    if (flags.compatibility) await registry.rest('PUT', `/config${at}`, {compatibility: flags.compatibility})
    if (flags.mode) await registry.rest('PUT', `/mode${at}`, {mode: flags.mode})
    if (flags.reset) {
      for (const what of ['config', 'mode']) {
        await registry.rest('DELETE', `/${what}${at}`).catch((error: unknown) => {
          // A subject without settings of its own: nothing to remove.
          if ((error as {errorCode?: number}).errorCode !== 40401) throw error
        })
      }
    }
    const query = subject === null ? '' : '?defaultToGlobal=true'
    const {compatibilityLevel} = await registry.rest<{compatibilityLevel: string}>('GET', `/config${at}${query}`)
    const {mode} = await registry.rest<{mode: string}>('GET', `/mode${at}${query}`)
    this.log(`${subject === null ? 'global' : `subject ${subject}`}: compatibility ${compatibilityLevel}, mode ${mode}`)
    return {subject, compatibility: compatibilityLevel, mode}
  }
}
