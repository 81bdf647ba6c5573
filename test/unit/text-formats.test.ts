import {describe, expect, it} from 'vitest'
import {DefaultMessageFormatter, OutputBuffer, type FormattableRecord} from '../../src/cli/formatter.js'
import {parseJsonRecord, writeJsonRecord} from '../../src/cli/json-lines.js'
import {LineMessageReader, LineSplitter} from '../../src/cli/line-reader.js'

const b = (s: string) => Buffer.from(s, 'utf8')
const text = (p: {
  key: Buffer | null
  value: Buffer | null
  headers: {key: string; value: Buffer | null}[] | null
}) => ({
  key: p.key?.toString() ?? null,
  value: p.value?.toString() ?? null,
  headers: p.headers?.map((h) => [h.key, h.value?.toString() ?? null]) ?? null,
})

describe('LineSplitter', () => {
  const split = (chunks: Buffer[]) => {
    const s = new LineSplitter()
    const out: string[] = []
    for (const c of chunks) s.push(c, (l) => out.push(l.toString('utf8')))
    s.end((l) => out.push(l.toString('utf8')))
    return out
  }

  it('ends lines at \\n, \\r\\n and a lone \\r, keeps empty lines, and takes a last line without terminator', () => {
    expect(split([b('a\nb\r\nc\rd\n\nlast')])).toEqual(['a', 'b', 'c', 'd', '', 'last'])
  })

  it('gives the same lines whatever the chunk boundaries, multi-byte characters included', () => {
    const input = b('héllo\r\nwörld\n\r\n✓ tick\rend\r\n')
    const expected = ['héllo', 'wörld', '', '✓ tick', 'end']
    for (let cut = 0; cut <= input.length; cut++) {
      expect(split([input.subarray(0, cut), input.subarray(cut)])).toEqual(expected)
    }
    expect(split([...input].map((x) => Buffer.from([x])))).toEqual(expected)
  })

  it('reads a line spread over many chunks in linear time', () => {
    // 32 MiB in 512 chunks: copying all that is held at each chunk (quadratic) took 8 GB of copies, seconds.
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const s = new LineSplitter()
    const lines: Buffer[] = []
    const started = performance.now()
    for (let i = 0; i < 512; i++) s.push(chunk, (l) => lines.push(l))
    s.push(b('\nnext\n'), (l) => lines.push(l))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(lines.map((l) => l.length)).toEqual([32 * 1024 * 1024, 4])
  })

  it('refuses a line as soon as it passes maxLineBytes, with the number of the line', () => {
    const tooLong = (n: number, max: number) => new Error(`line ${n} is longer than ${max}`)
    const long = new LineSplitter({maxLineBytes: 1000, tooLong})
    const seen: string[] = []
    long.push(b('first\n'), (l) => seen.push(l.toString()))
    let pushed = 0
    const chunk = Buffer.alloc(100, 'x')
    expect(() => {
      for (; pushed < 2000; pushed++) long.push(chunk, (l) => seen.push(l.toString()))
    }).toThrow('line 2 is longer than 1000')
    // Refused at the chunk that took it past the limit: nothing more was read, nor held.
    expect(pushed).toBe(10)
    expect(seen).toEqual(['first'])
    // A line inside one chunk, and the last line without a terminator, are measured too; the limit itself fits.
    const inOne = new LineSplitter({maxLineBytes: 1000, tooLong})
    const fits = `${'y'.repeat(1000)}\n`
    expect(() => inOne.push(b(`${fits}ok\n${'z'.repeat(1001)}\n`), () => {})).toThrow('line 3 is longer than 1000')
    const last = new LineSplitter({maxLineBytes: 1000, tooLong})
    last.push(b('z'.repeat(600)), () => {})
    last.push(b('z'.repeat(400)), () => {})
    const out: Buffer[] = []
    last.end((l) => out.push(l))
    expect(out[0]!.length).toBe(1000)
  })
})

describe('LineMessageReader (Kafka test vectors)', () => {
  it('reads the whole line as the value by default', () => {
    expect(text(new LineMessageReader({}).parse(b('a\tb'), 1))).toEqual({key: null, value: 'a\tb', headers: null})
  })

  it('parses headers, key and value with default separators', () => {
    const r = new LineMessageReader({'parse.key': 'true', 'parse.headers': 'true'})
    expect(text(r.parse(b(':\t\t'), 1))).toEqual({key: '', value: '', headers: [['', '']]})
    expect(text(r.parse(b('h1:v1,h2:v2\tkey\tvalue'), 1))).toEqual({
      key: 'key',
      value: 'value',
      headers: [
        ['h1', 'v1'],
        ['h2', 'v2'],
      ],
    })
  })

  it('gives an empty value after a key', () => {
    expect(text(new LineMessageReader({'parse.key': 'true'}).parse(b('key\t'), 1))).toEqual({
      key: 'key',
      value: '',
      headers: null,
    })
  })

  it('turns the null marker into null, but only on an exact match', () => {
    const r = new LineMessageReader({'parse.key': 'true', 'null.marker': '<NULL>'})
    expect(text(r.parse(b('key\t<NULL>'), 1)).value).toBeNull()
    expect(text(r.parse(b('key\t<NULL>value'), 1)).value).toBe('<NULL>value')
    expect(text(r.parse(b('<NULL>\tv'), 1)).key).toBeNull()
  })

  it('reports a missing separator with the line number, unless ignore.error', () => {
    expect(() => new LineMessageReader({'parse.key': 'true'}).parse(b('abc'), 3)).toThrow(
      "No key separator found on line number 3: 'abc'",
    )
    expect(() => new LineMessageReader({'parse.headers': 'true'}).parse(b('abc'), 2)).toThrow(
      "No headers delimiter found on line number 2: 'abc'",
    )
    expect(() => new LineMessageReader({'parse.headers': 'true'}).parse(b('h\tv'), 4)).toThrow(
      "No header key separator found in pair 'h' on line number 4",
    )
    const lenient = new LineMessageReader({'parse.key': 'true', 'parse.headers': 'true', 'ignore.error': 'true'})
    expect(text(lenient.parse(b('abc'), 1))).toEqual({key: null, value: 'abc', headers: null})
    expect(text(lenient.parse(b('h\tk\tv'), 1))).toEqual({key: 'k', value: 'v', headers: [['h', null]]})
  })

  it('refuses a header key equal to the null marker and clashing separators', () => {
    const r = new LineMessageReader({'parse.headers': 'true', 'null.marker': 'N'})
    expect(() => r.parse(b('N:v\tvalue'), 1)).toThrow(
      "Header keys should not be equal to the null marker 'N' as they can't be null",
    )
    expect(() => new LineMessageReader({'headers.delimiter': ',', 'headers.separator': ','})).toThrow(
      'headers.delimiter and headers.separator may not be equal',
    )
    expect(() => new LineMessageReader({'null.marker': '\t'})).toThrow('null.marker and key.separator may not be equal')
  })

  it('splits headers with a regular expression, as Kafka does', () => {
    const r = new LineMessageReader({'parse.headers': 'true', 'headers.separator': '[,;]'})
    expect(text(r.parse(b('a:1;b:2,c:3\tv'), 1)).headers).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ])
  })
})

function record(fields: Partial<FormattableRecord> & {key?: string | null; value?: string | null}): FormattableRecord {
  const key = fields.key === undefined ? b('key') : fields.key === null ? null : b(fields.key)
  const value = fields.value === undefined ? b('value') : fields.value === null ? null : b(fields.value)
  const data = Buffer.concat([key ?? Buffer.alloc(0), value ?? Buffer.alloc(0)])
  return {
    topic: 't',
    partition: 0,
    offset: 123,
    timestamp: -1,
    timestampType: 0,
    headers: [],
    ...fields,
    data,
    keyStart: 0,
    keyLength: key === null ? -1 : key.length,
    valueStart: key?.length ?? 0,
    valueLength: value === null ? -1 : value.length,
  }
}

const format = (props: Record<string, string>, r: FormattableRecord) => {
  const out = new OutputBuffer(4)
  new DefaultMessageFormatter(props).writeTo(out, r)
  return out.take().toString('utf8')
}

describe('DefaultMessageFormatter (Kafka test vectors)', () => {
  it.each([
    [{}, 'value\n'],
    [{'print.key': 'true'}, 'key\tvalue\n'],
    [{'print.key': 'true', 'print.partition': 'true'}, 'Partition:0\tkey\tvalue\n'],
    [
      {'print.key': 'true', 'print.partition': 'true', 'print.timestamp': 'true'},
      'NO_TIMESTAMP\tPartition:0\tkey\tvalue\n',
    ],
    [
      {
        'print.key': 'true',
        'print.partition': 'true',
        'print.timestamp': 'true',
        'print.offset': 'true',
        'print.headers': 'true',
      },
      'NO_TIMESTAMP\tPartition:0\tOffset:123\tNO_HEADERS\tkey\tvalue\n',
    ],
    [{'print.value': 'false'}, ''],
  ])('formats %j as %j', (props, expected) => {
    expect(format(props, record({}))).toBe(expected)
  })

  it('prints timestamps, headers and a custom separator', () => {
    const r = record({
      timestamp: 123,
      headers: [
        {key: 'h1', value: b('v1')},
        {key: 'h2', value: b('v2')},
      ],
    })
    const props = {
      'print.timestamp': 'true',
      'print.partition': 'true',
      'print.offset': 'true',
      'print.headers': 'true',
      'print.key': 'true',
      'print.value': 'false',
      'key.separator': '<sep>',
    }
    expect(format(props, r)).toBe('CreateTime:123<sep>Partition:0<sep>Offset:123<sep>h1:v1,h2:v2<sep>key\n')
  })

  it('prints null.literal for a null value and header value, and a custom line separator', () => {
    const props = {'print.key': 'true', 'key.separator': '<sep>', 'line.separator': '<end>', 'null.literal': '<null>'}
    expect(format(props, record({key: 'KEY', value: null}))).toBe('KEY<sep><null><end>')
    expect(
      format({'print.headers': 'true', 'print.value': 'false'}, record({headers: [{key: 'h', value: null}]})),
    ).toBe('h:null\n')
  })

  it('prints LogAppendTime and the epoch and delivery placeholders', () => {
    const props = {'print.timestamp': 'true', 'print.epoch': 'true', 'print.delivery': 'true'}
    expect(format(props, record({timestamp: 5, timestampType: 1}))).toBe(
      'LogAppendTime:5\tDelivery:NOT_PRESENT\tEpoch:NOT_PRESENT\tvalue\n',
    )
  })
})

describe('JSON lines', () => {
  const roundTrip = (r: FormattableRecord) => {
    const out = new OutputBuffer()
    writeJsonRecord(out, r)
    const line = out.take()
    expect(line.at(-1)).toBe(0x0a)
    return {
      json: JSON.parse(line.toString()) as Record<string, unknown>,
      parsed: parseJsonRecord(line.subarray(0, -1), 1),
    }
  }

  it('writes UTF-8 as strings and other bytes as base64, and reads both back exactly', () => {
    const binary = Buffer.from([0, 255, 128, 10])
    const r = {
      ...record({timestamp: 7}),
      data: Buffer.concat([b('ké'), binary]),
      keyLength: 3,
      valueStart: 3,
      valueLength: 4,
    }
    const {json, parsed} = roundTrip({
      ...r,
      headers: [
        {key: 'a', value: binary},
        {key: 'a', value: null},
      ],
    })
    expect(json).toMatchObject({
      key: 'ké',
      value: binary.toString('base64'),
      valueEncoding: 'base64',
      timestamp: 7,
      partition: 0,
    })
    expect(json.keyEncoding).toBeUndefined()
    expect(parsed.key).toEqual(b('ké'))
    expect(parsed.value).toEqual(binary)
    expect(parsed.headers).toEqual([
      {key: 'a', value: binary},
      {key: 'a', value: null},
    ])
    expect(parsed).toMatchObject({timestamp: 7, partition: 0})
  })

  it('keeps null apart from empty', () => {
    const {parsed} = roundTrip(record({key: null, value: ''}))
    expect(parsed.key).toBeNull()
    expect(parsed.value).toEqual(Buffer.alloc(0))
  })

  it('names the line and the field of a bad record', () => {
    expect(() => parseJsonRecord(b('{"value": 5}'), 3)).toThrow('Line 3: "value" must be a string or null')
    expect(() => parseJsonRecord(b('[1]'), 4)).toThrow('Line 4: not a JSON object')
    expect(() => parseJsonRecord(b('{oops'), 5)).toThrow(/Line 5: not valid JSON/)
    expect(() => parseJsonRecord(b('{"timestamp": -3}'), 6)).toThrow(
      'Line 6: "timestamp" must be a non-negative integer (milliseconds), got -3',
    )
    expect(() => parseJsonRecord(b('{"headers": {"a": 1}}'), 7)).toThrow(/Line 7: "headers" must be an array/)
  })
})
