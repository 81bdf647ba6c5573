import {describe, expect, it} from 'vitest'
import {hasCollisionChars, invalidTopicNameMessage, unifyCollisionChars} from '../../src/protocol/kafka/topic-name.js'

describe('topic names', () => {
  it('accepts ASCII letters, digits, dots, underscores and dashes up to 249 characters', () => {
    expect(invalidTopicNameMessage('orders.v1_EU-2')).toBeUndefined()
    expect(invalidTopicNameMessage('x'.repeat(249))).toBeUndefined()
  })

  it('refuses a topic name longer than 249 characters', () => {
    expect(invalidTopicNameMessage('x'.repeat(250))).toBe(
      `Topic name is invalid: the length of '${'x'.repeat(250)}' is longer than the max allowed length 249`,
    )
  })

  it.each([
    ['', 'Topic name is invalid: the empty string is not allowed'],
    ['.', "Topic name is invalid: '.' is not allowed"],
    ['..', "Topic name is invalid: '..' is not allowed"],
    [
      'a b',
      "Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    ],
    [
      'ünï',
      "Topic name is invalid: 'ünï' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    ],
  ])("refuses %j with Kafka's message", (name, message) => {
    expect(invalidTopicNameMessage(name)).toBe(message)
  })

  it('finds names that collide once periods become underscores', () => {
    expect(hasCollisionChars('a.b')).toBe(true)
    expect(hasCollisionChars('ab')).toBe(false)
    expect(unifyCollisionChars('a.b_c')).toBe(unifyCollisionChars('a_b.c'))
  })
})
