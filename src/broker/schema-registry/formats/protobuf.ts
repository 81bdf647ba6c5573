// Protobuf for the registry: registration and lookup only. kafkalite stores the schema's text as given (its lines'
// trailing spaces and the trailing newlines trimmed), after a check that it is not empty and its braces balance; it
// does not parse .proto files, so it checks no compatibility: the registry refuses a check of Protobuf schemas with
// a message saying so (and how to register under compatibility NONE).
import {SchemaParseError, type ParsedSchema} from './format.js'

export class ProtobufSchema implements ParsedSchema {
  readonly type = 'PROTOBUF' as const
  readonly canonical: string

  constructor(canonical: string) {
    this.canonical = canonical
  }

  canRead(): string[] {
    throw new Error('Protobuf schemas have no compatibility check in kafkalite')
  }
}

export function parseProtobuf(text: string): ProtobufSchema {
  const canonical = text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim()
  if (canonical === '') throw new SchemaParseError('Empty schema')
  let depth = 0
  for (const c of canonical.replace(/"(?:[^"\\]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '')) {
    if (c === '{') depth++
    else if (c === '}' && --depth < 0) break
  }
  if (depth !== 0) throw new SchemaParseError('Unbalanced braces in the Protobuf schema')
  return new ProtobufSchema(canonical)
}
