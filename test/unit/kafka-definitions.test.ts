// The definition format of src/protocol/kafka/definitions/ (README.md there): what it means, and the errors a
// malformed definition gets.
import {describe, expect, it} from 'vitest'
import {fieldsAt, formatRange, parseDefinitionFile, parseRange, type Message} from '../../scripts/kafka-codec/model.mjs'
import {MESSAGES} from '../helpers/kafka-samples.js'

const parse = (lines: string[]): Message[] => parseDefinitionFile(lines.join('\n'), 'test.def')

describe('the definition format', () => {
  it('reads version ranges as Kafka writes them', () => {
    expect(parseRange('3+')).toEqual({lo: 3, hi: Infinity})
    expect(parseRange('0-12')).toEqual({lo: 0, hi: 12})
    expect(parseRange('5')).toEqual({lo: 5, hi: 5})
    expect(parseRange('none')).toBeNull()
    expect(formatRange({lo: 9, hi: Infinity})).toBe('9+')
    expect(() => parseRange('3-1')).toThrow(/empty version range/)
  })

  it('gives each field its versions, nullability, tag, compactness and default at a version', () => {
    const [request] = parse([
      'release 4.4.0',
      'api 99 Example versions 0-4 flexible 3+',
      'request',
      '  Name string',
      '  Topics []Topic null:2+',
      '    Id uuid 1+',
      '  Epoch int32 1+ =-1',
      '  Rack string 3+ null tag:0 =null',
      'response',
      '  ErrorCode int16',
    ])
    expect(request!.name).toBe('ExampleRequest')
    expect(fieldsAt(request!.fields, 0, false).map((f) => f.name)).toEqual(['Name', 'Topics'])
    expect(fieldsAt(request!.fields, 3, true)).toEqual([
      {name: 'Name', type: 'string', nullable: false, tag: null, compact: true, default: '""'},
      {
        name: 'Topics',
        type: '[]Topic',
        nullable: true,
        tag: null,
        compact: true,
        default: '[]',
        fields: [{name: 'Id', type: 'uuid', nullable: false, tag: null, compact: true, default: 'zero'}],
      },
      {name: 'Epoch', type: 'int32', nullable: false, tag: null, compact: true, default: '-1'},
      {name: 'Rack', type: 'string', nullable: true, tag: 0, compact: true, default: 'null'},
    ])
  })

  it('links a struct type without fields to the common struct of that name', () => {
    const [request] = parse([
      'release 4.4.0',
      'api 99 Example versions 0 flexible none',
      'request',
      '  struct Shared',
      '    Name string',
      '  A []Shared',
      '  B []Shared',
      'response',
    ])
    const [a, b] = request!.fields
    expect(a!.fields).toBe(b!.fields)
    expect(a!.fields!.map((f) => f.name)).toEqual(['Name'])
  })

  it('names the file and line of a malformed definition', () => {
    expect(() => parse(['api 1 Fetch versions 4-18'])).toThrow(/test.def:1: the file must start with 'release/)
    expect(() => parse(['release 4.4.0', 'api 1 Fetch versions 4-18', 'request', '   Odd int32'])).toThrow(
      /test.def:4: indentation must be a multiple of two spaces/,
    )
    expect(() => parse(['release 4.4.0', 'api 1 Fetch versions 4-18', 'request', '  Id int33'])).toThrow(
      /test.def:4: unknown type 'int33'/,
    )
    expect(() => parse(['release 4.4.0', 'api 1 Fetch versions 4-18', 'request', '  Id int32 sometimes'])).toThrow(
      /test.def:4: unknown option 'sometimes' of field Id/,
    )
    expect(() => parse(['release 4.4.0', 'api 1 Fetch flexible 12+'])).toThrow(/test.def:2: missing 'versions'/)
    expect(() => parse(['release 4.4.0', 'api 1 Fetch versions 4-18', 'request', '  T []Missing'])).toThrow(
      /test.def: FetchRequest.T: struct Missing has no fields/,
    )
  })

  it('holds one request and one response per API, each file naming Apache Kafka 4.4.0', () => {
    const apis = MESSAGES.filter((m) => m.apiKey !== null)
    expect(new Set(MESSAGES.map((m) => m.release))).toEqual(new Set(['4.4.0']))
    for (const m of apis) {
      const pair = apis.filter((x) => x.apiKey === m.apiKey).map((x) => x.kind)
      expect(pair.sort(), m.name).toEqual(['request', 'response'])
    }
  })
})
