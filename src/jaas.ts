// Kafka's JAAS configuration syntax (sasl.jaas.config), read by the client (its credentials) and by the broker's
// SASL listeners (PLAIN users as user_<name>="password" options, as Kafka's PlainLoginModule reads them).
import {KafkaException} from './errors.js'

/**
 * Kafka's JAAS syntax (JaasConfig): `<LoginModule> <flag> key="value" key2=value2;`, one login module. Values may be
 * quoted ("...", with \" and \\ escapes) or bare words.
 */
export function parseJaasConfig(text: string): {module: string; flag: string; options: Map<string, string>} {
  const fail = (why: string) =>
    new KafkaException('INVALID_CONFIG', `Invalid value for configuration sasl.jaas.config: ${why}`)
  let at = 0
  const skip = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++
  }
  const word = (): string => {
    skip()
    const start = at
    while (at < text.length && /[^\s=;"]/.test(text[at]!)) at++
    return text.slice(start, at)
  }
  const module = word()
  if (module === '') throw fail('expected a login module name')
  const flag = word().toLowerCase()
  if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag)) {
    throw fail(`expected a control flag (required, requisite, sufficient or optional) after ${module}`)
  }
  const options = new Map<string, string>()
  for (;;) {
    skip()
    if (at >= text.length) throw fail('it must end with a semicolon')
    if (text[at] === ';') {
      at++
      skip()
      if (at < text.length) throw fail('kafkalite takes one login module')
      return {module, flag, options}
    }
    const key = word()
    skip()
    if (key === '' || text[at] !== '=') throw fail(`expected key=value at '${text.slice(at, at + 20)}'`)
    at++
    skip()
    let value = ''
    if (text[at] === '"') {
      at++
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\' && at + 1 < text.length) at++
        value += text[at]!
        at++
      }
      if (at >= text.length) throw fail(`unterminated quoted value of ${key}`)
      at++
    } else {
      value = word()
    }
    options.set(key, value)
  }
}
