// What the `transactions` subcommands share: Kafka's global options, and errors in kafka-transactions' shape
// (`<what failed>: <cause>. Enable debug logging for additional detail.`, exit 1).
import {Flags} from '@oclif/core'
import {KafkaException, toKafkaException} from '../errors.js'
import {readPropertiesFile} from '../properties.js'
import {BaseCommand, connectionFlags} from './base-command.js'

export const transactionsFlags = {
  ...connectionFlags,
  'command-config': Flags.string({
    description: 'Property file containing configs to be passed to the admin client.',
    helpValue: '<command config property file>',
  }),
}

export abstract class TransactionsCommand extends BaseCommand {
  static override enableJsonFlag = true
  protected override errorPrefix = ''

  /** Checks the global options shared by every subcommand. */
  protected checkGlobal(flags: {'bootstrap-server'?: string; 'command-config'?: string}): void {
    this.checkBootstrap(flags)
    if (flags['command-config']) readPropertiesFile(flags['command-config'])
  }

  /** Runs `fn`, turning a failure into kafka-transactions' message for `what`. */
  protected async failing<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      const e = toKafkaException(error)
      if (e.code === 'USAGE') throw e
      throw new KafkaException(
        e.code,
        `${what}: ${e.message.replace(/\.$/, '')}. Enable debug logging for additional detail.`,
      )
    }
  }

  protected print(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text)
  }
}
