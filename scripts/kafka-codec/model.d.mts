// Types of model.mjs for the tests that read the definitions (the codec generator itself is plain JavaScript, so
// that `npm run build` runs it with node before tsc).

/** A version range; hi is Infinity for "N+". null is the empty range. */
export interface Range {
  lo: number
  hi: number
}

export interface Field {
  name: string
  /** As written: `int32`, `[]string`, `[]TopicProduceData`, `LeaderIdAndEpoch`. */
  type: string
  array: boolean
  /** The element type of an array, else the type. */
  base: string
  /** The struct type name, or null for a primitive. */
  structName: string | null
  versions: Range | null
  nullable: Range | 'all' | null
  tag: number | null
  taggedVersions: Range | null
  default: string | null
  nonFlexible: boolean
  /** A struct's fields (a common struct's, for a reference to one). */
  fields: Field[] | null
  common: boolean
}

export interface Struct {
  name: string
  versions: Range | null
  fields: Field[]
}

export interface Message {
  name: string
  kind: 'request' | 'response' | 'header' | 'data'
  apiKey: number | null
  versions: Range
  flexible: Range | null
  legacy: {versions: Range; release: string | null} | null
  latestUnstable: boolean
  release: string
  file: string
  fields: Field[]
  structs: Map<string, Struct>
}

/** A field as it is on the wire at one version. */
export interface FieldAt {
  name: string
  type: string
  nullable: boolean
  tag: number | null
  compact: boolean
  default: string
  fields?: FieldAt[]
}

export const PRIMITIVES: Set<string>
export function parseRange(text: string): Range | null
export function formatRange(r: Range | null): string
export function inRange(v: number, r: Range | null): boolean
export function intersect(a: Range | null, b: Range | null): Range | null
export function covers(outer: Range | null, inner: Range | null): boolean
export function parseDefinitionFile(text: string, file?: string): Message[]
export function loadDefinitions(dir: string): Message[]
export function fieldVersions(field: Field, parent: Range | null): Range | null
export function nullableVersions(field: Field, present: Range | null): Range | null
export function taggedVersions(field: Field, present: Range | null): Range | null
export function canonicalDefault(field: Field, raw?: string | null): string
export function fieldsAt(fields: Field[], version: number, flexible: boolean, parent?: Range): FieldAt[]
export function isFlexible(message: Message, version: number): boolean
