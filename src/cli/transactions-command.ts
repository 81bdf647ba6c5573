// What the `transactions` subcommands share: the check of Kafka's global options (transactionsFlags in flags.ts), and
// errors in kafka-transactions' shape (`<what failed>: <cause>. Enable debug logging for additional detail.`, exit 1).
import {KafkaException, toKafkaException} from '../errors.js'
import {readPropertiesFile} from '../properties.js'
import {BaseCommand} from './base-command.js'

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
