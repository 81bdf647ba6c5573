import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {usageError} from '../../errors.js'

const SUBCOMMANDS = ['list', 'describe', 'describe-producers', 'abort', 'find-hanging']
/** Global options of kafka-transactions that take a value (they may come before the subcommand). */
const VALUE_OPTIONS = new Set(['--bootstrap-server', '--broker-list', '--command-config'])

export default class Transactions extends BaseCommand {
  static override description = `Inspect and abort transactions: Apache Kafka's kafka-transactions.

Subcommands: list, describe, describe-producers, abort, find-hanging ('kafkalite transactions <subcommand> --help'). As with Kafka's tool, the global options may come before the subcommand: 'kafkalite transactions --bootstrap-server localhost:9092 list' works as pasted from Kafka's documentation.`

  static override strict = false
  /** So that an unknown subcommand under --json is reported as a JSON error too. */
  static override enableJsonFlag = true

  static override args = {subcommand: Args.string({description: `One of: ${SUBCOMMANDS.join(', ')}.`})}

  static override examples = [
    '<%= config.bin %> <%= command.id %> list',
    '<%= config.bin %> <%= command.id %> --bootstrap-server localhost:9092 describe --transactional-id my-transactional-id',
  ]

  async run(): Promise<void> {
    // The subcommand parses the arguments; without this, oclif warns (under NODE_ENV=development or test) that
    // this command did not parse its own.
    this.parsed = true
    const argv = [...this.argv]
    let at = -1
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!
      if (VALUE_OPTIONS.has(arg)) i++
      else if (!arg.startsWith('-')) {
        at = i
        break
      }
    }
    const subcommand = at >= 0 ? argv[at]! : undefined
    // Not parsed here (the subcommand parses), so the --version every command takes is answered by hand.
    if (subcommand === undefined && argv.includes('--version')) {
      this.log(this.config.userAgent)
      return
    }
    if (subcommand === undefined || !SUBCOMMANDS.includes(subcommand)) {
      throw usageError(
        `${subcommand === undefined ? 'Missing subcommand' : `Unknown subcommand '${subcommand}'`}: use one of ${SUBCOMMANDS.join(', ')}. See '${this.config.bin} transactions --help'.`,
      )
    }
    argv.splice(at, 1)
    // The subcommand prints its own result (as JSON under --json); returning it would print it twice.
    await this.config.runCommand(`transactions:${subcommand}`, argv)
  }
}
