import {describe, expect, it} from 'vitest'
import {Partitioner} from '../../src/client/partitioner.js'

describe('the partitioner', () => {
  it('places a keyed record by murmur2 of its key, whatever was sent before', () => {
    const p = new Partitioner(16384)
    expect(p.partition('t', Buffer.from('key'), 3)).toBe(1)
    expect(p.partition('t', Buffer.from('foo'), 3)).toBe(2)
    expect(p.partition('t', Buffer.from('hello'), 3)).toBe(0)
  })

  it('sticks records without a key to one partition until batch.size bytes went there, then moves on', () => {
    const p = new Partitioner(1000)
    const first = p.partition('t', null, 4)
    for (let i = 0; i < 9; i++) {
      expect(p.partition('t', null, 4)).toBe(first)
      p.onAppend('t', first, 100, 4)
    }
    p.onAppend('t', first, 100, 4) // the 1000th byte
    const second = p.partition('t', null, 4)
    expect(second).not.toBe(first)
    expect(p.partition('t', null, 4)).toBe(second)
  })

  it('spreads sticky partitions over all partitions over time', () => {
    const p = new Partitioner(1)
    const seen = new Set<number>()
    for (let i = 0; i < 200; i++) {
      const partition = p.partition('t', null, 5)
      seen.add(partition)
      p.onAppend('t', partition, 1, 5)
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4])
  })

  it('keeps topics apart', () => {
    const p = new Partitioner(10)
    const a = p.partition('a', null, 100)
    p.onAppend('b', a, 1000, 100)
    expect(p.partition('a', null, 100)).toBe(a)
  })
})
