import type {Hook} from '@oclif/core'
import {EXIT_USAGE} from '../errors.js'

/** An unknown command: one line naming it, the closest command if one is close, exit code 2. */
const hook: Hook<'command_not_found'> = async function (options) {
  const known = options.config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
  const wanted = options.id.replaceAll(':', ' ')
  const close = known.find((k) => k.startsWith(wanted) || wanted.startsWith(k) || distance(k, wanted) <= 2)
  const hint = close ? ` Did you mean '${close}'?` : ''
  process.stderr.write(`Error: Unknown command '${wanted}'.${hint} See '${options.config.bin} --help'.\n`)
  process.exit(EXIT_USAGE)
}

function distance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

export default hook
