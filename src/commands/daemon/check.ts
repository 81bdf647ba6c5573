import {checkDatabase, type DatabaseCheckData} from '../../client/database-check.js'
import {BaseCommand} from '../../cli/base-command.js'
import {describeCheck} from '../../cli/database-check.js'
import {EXIT_ERROR} from '../../errors.js'

export default class DaemonCheck extends BaseCommand {
  static override description = `Check the broker's database for damage, with SQLite's integrity_check.

The running daemon checks its own database, and serves nothing else meanwhile (the check reads every page: about a second per GiB, more from a cold disk); with no daemon running, the check runs on its own and no daemon is started. A daemon that finds damage, at work or in this check, stops, and refuses to start until this check finds the database intact. Exits with 1 when the database is damaged.`

  static override enableJsonFlag = true

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<DatabaseCheckData> {
    await this.parse(DaemonCheck)
    const result = await checkDatabase({home: this.home})
    if (this.jsonEnabled()) {
      if (!result.intact) {
        process.stdout.write(`${JSON.stringify(result)}\n`)
        return this.exit(EXIT_ERROR)
      }
      return result
    }
    for (const line of describeCheck(result)) this.log(line)
    if (!result.intact) return this.exit(EXIT_ERROR)
    return result
  }
}
