// How Kafka's console tools assemble client properties: a properties file, then `--*-property k=v` entries (which
// win), then each dedicated flag through `maybeMergeOptions`: written when the flag was given on the command line,
// or when the key is not set yet (so a flag's default never overrides a value from a file or a property).
import type {ClientConfig} from '../client/config.js'
import {parseKeyValueArgs, readPropertiesFile} from '../properties.js'

export function clientProperties(file: string | undefined, entries: readonly string[] | undefined): ClientConfig {
  return {...(file ? readPropertiesFile(file) : {}), ...parseKeyValueArgs([...(entries ?? [])])}
}

/** Kafka's CommandLineUtils.maybeMergeOptions. */
export function maybeMerge(
  props: ClientConfig,
  key: string,
  given: string | number | undefined,
  fallback: string | number,
): void {
  if (given !== undefined) props[key] = String(given)
  else if (props[key] === undefined) props[key] = String(fallback)
}

/** Fills in a flag whose value is optional in Kafka (`--compression-codec` alone means gzip): oclif needs a value. */
export function withOptionalValue(argv: readonly string[], flag: string, implied: string): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    out.push(arg)
    if (arg === flag) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('-')) out.push(implied)
    }
  }
  return out
}
