import {describe, expect, it} from 'vitest'
import {parseBoolean, parseKeyValueArgs, parseProperties} from '../../src/properties.js'

describe('properties', () => {
  it('splits k=v arguments on the first = as Kafka does', () => {
    expect(parseKeyValueArgs(['a=1', 'b=x=y', 'c', 'd='])).toEqual({a: '1', b: 'x=y', c: '', d: ''})
    expect(() => parseKeyValueArgs(['=v'])).toThrow("Invalid property '=v': expected key=value")
  })

  it('reads Java .properties files', () => {
    const text = [
      '# comment',
      '! also a comment',
      'a=1',
      'b : two words ',
      'c three',
      '  d=continued \\',
      '    line',
      'e=tab\\there\\u0041',
      'f\\=g=h',
      'empty=',
      '',
    ].join('\n')
    expect(parseProperties(text)).toEqual({
      a: '1',
      b: 'two words ',
      c: 'three',
      d: 'continued line',
      e: 'tab\thereA',
      'f=g': 'h',
      empty: '',
    })
  })

  it('reads booleans as Java trim().equalsIgnoreCase("true")', () => {
    expect(parseBoolean(' TRUE ')).toBe(true)
    expect(parseBoolean('yes')).toBe(false)
    expect(parseBoolean(undefined)).toBe(false)
  })
})
