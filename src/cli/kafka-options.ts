// Kafka's command-line conventions, shared by the Kafka-shaped commands: its option-combination checks and their
// messages (CommandLineUtils), its topic regex rules (TopicFilter), and `k=v` lists.
import {usageError} from '../errors.js'
import {setOwn} from '../properties.js'

/** `Option "[a]" can't be used with option "[b]"` when both are given. */
export function checkInvalidArgs(given: Record<string, unknown>, option: string, forbidden: readonly string[]): void {
  if (!isGiven(given[option])) return
  for (const other of forbidden) {
    if (isGiven(given[other])) throw usageError(`Option "[${option}]" can't be used with option "[${other}]"`)
  }
}

/** `Missing required argument "[name]"`. */
export function checkRequiredArgs(given: Record<string, unknown>, ...options: string[]): void {
  for (const option of options) {
    if (!isGiven(given[option])) throw usageError(`Missing required argument "[${option}]"`)
  }
}

export function isGiven(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false
  return !(Array.isArray(value) && value.length === 0)
}

/**
 * Kafka's TopicFilter: trims, turns ',' into '|', drops spaces and surrounding quotes, then matches the WHOLE name
 * (Java's String.matches). So `test.topic` also matches `test_topic`; escape the dot to be exact.
 */
export function topicPattern(value: string): RegExp {
  let pattern = value.trim().replaceAll(',', '|').replaceAll(' ', '')
  pattern = pattern.replace(/^["']+/, '').replace(/["']+$/, '')
  try {
    return new RegExp(`^(?:${pattern})$`)
  } catch (error) {
    throw usageError(`Invalid topic regex '${value}': ${(error as Error).message}`)
  }
}

/** Parses `--config name=value` entries: split on the first '=' with spaces around it allowed. */
export function parseConfigEntries(entries: readonly string[] | undefined, what = 'topic'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of entries ?? []) {
    const match = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/s.exec(entry)
    if (!match || match[1] === '') {
      throw usageError(
        `requirement failed: Invalid ${what} config: all configs to be added must be in the format "key=val" (got '${entry}').`,
      )
    }
    setOwn(out, match[1]!, match[2]!)
  }
  return out
}
