// What the registry needs of a schema format (Confluent's ParsedSchema, reduced to what kafkalite serves).

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF'

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO']

/** A referenced schema, resolved: its name in the referencing schema, and its own text and references. */
export interface ResolvedReference {
  name: string
  schema: string
  /** The schemas it references itself, resolved the same way (dependencies before dependents). */
  references: ResolvedReference[]
}

/** A schema parsed and checked by its format. */
export interface ParsedSchema {
  readonly type: SchemaType
  /**
   * The text stored and served, as Confluent's canonicalString(): Avro as Java's Schema.toString() writes it, JSON
   * Schema as compact JSON. Two registrations with the same text (and references) are the same schema, one id.
   */
  readonly canonical: string
  /**
   * Confluent's isBackwardCompatible: the reasons data written with `writer` cannot be read with this schema (empty
   * when it can), each with two `%s` for Confluent's "new"/"old" prefixes.
   */
  canRead(writer: ParsedSchema): string[]
}

/** Thrown by a format for a schema it refuses; the registry answers 42201 with the message. */
export class SchemaParseError extends Error {}

/** Java's String.format of Confluent's messages, for their two `%s`. */
export function formatPrefixes(message: string, first: string, second: string): string {
  let n = 0
  return message.replace(/%s/g, () => (n++ === 0 ? first : second))
}
