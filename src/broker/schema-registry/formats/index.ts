// The schema formats the registry serves, by Confluent's schemaType.
import {parseAvro} from './avro.js'
import {SchemaParseError, type ParsedSchema, type ResolvedReference, type SchemaType} from './format.js'
import {parseJsonSchema} from './json-schema.js'
import {parseProtobuf} from './protobuf.js'

export {SchemaParseError, SCHEMA_TYPES, formatPrefixes} from './format.js'
export type {ParsedSchema, ResolvedReference, SchemaType} from './format.js'

/** Parses a schema of `type`; a SchemaParseError names what is wrong with it. */
export function parseSchema(
  type: SchemaType,
  text: string,
  references: readonly ResolvedReference[],
  normalize: boolean,
): ParsedSchema {
  if (text.trim() === '') throw new SchemaParseError('Empty schema')
  switch (type) {
    case 'AVRO':
      return parseAvro(text, references)
    case 'JSON':
      return parseJsonSchema(text, references, normalize)
    case 'PROTOBUF':
      return parseProtobuf(text)
  }
}
