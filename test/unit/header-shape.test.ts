import {describe, expect, it} from 'vitest'
import {headerShapeProblem, MAX_HEADER_DEPTH, MAX_HEADER_VALUES} from '../../src/protocol/socket/header-shape.js'
import {MAX_REQUEST_ARRAY} from '../../src/protocol/socket/messages.js'

const problem = (text: string) => headerShapeProblem(Buffer.from(text))
const nested = (depth: number) => `{"m":"x","p":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`

describe('the shape of a request header, checked before it is parsed', () => {
  it('passes the requests clients send, the largest included', () => {
    expect(problem(JSON.stringify({m: 'metadata', p: {topics: null}}))).toBeUndefined()
    const configs = {'retention.ms': '1', 'cleanup.policy': 'compact'}
    expect(problem(JSON.stringify({m: 'createTopics', p: {topics: [{name: 'a', configs}]}}))).toBeUndefined()
    // A fetch of MAX_REQUEST_ARRAY partitions, each with its four fields.
    const partitions = Array.from({length: MAX_REQUEST_ARRAY}, (_, i) => ({
      topic: 't',
      partition: i,
      offset: 0,
      maxBytes: 1,
    }))
    expect(problem(JSON.stringify({m: 'fetch', p: {maxWaitMs: 0, maxBytes: 1, partitions}}))).toBeUndefined()
  })

  it(`refuses nesting deeper than ${MAX_HEADER_DEPTH} levels, of arrays or objects`, () => {
    expect(problem(nested(MAX_HEADER_DEPTH))).toBeUndefined()
    expect(problem(nested(MAX_HEADER_DEPTH + 1))).toMatch(/nests deeper than 32 levels/)
    expect(problem(`${'{"a":'.repeat(MAX_HEADER_DEPTH + 1)}1${'}'.repeat(MAX_HEADER_DEPTH + 1)}`)).toMatch(/nests/)
  })

  it(`refuses more than ${MAX_HEADER_VALUES} values`, () => {
    expect(problem(`[${'0,'.repeat(MAX_HEADER_VALUES - 2)}0]`)).toBeUndefined()
    expect(problem(`[${'0,'.repeat(MAX_HEADER_VALUES)}0]`)).toMatch(/holds more than 2000000 values/)
  })

  it('ignores brackets and commas inside strings, escaped quotes included', () => {
    const text = JSON.stringify({m: '['.repeat(1000) + ',"\\'.repeat(10), p: {s: '{'.repeat(1000) + '\\"['}})
    expect(problem(text)).toBeUndefined()
    expect(problem(`["\\"${'['.repeat(100)}"]`)).toBeUndefined()
  })
})
