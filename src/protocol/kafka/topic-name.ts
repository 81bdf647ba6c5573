// Kafka's topic-name rules (clients/src/main/java/org/apache/kafka/common/internals/Topic.java), checked in the
// same order and reported with the same texts.

export const MAX_TOPIC_NAME_LENGTH = 249

/** Internal topics as Kafka lists them; kafkalite reports them as internal in list and describe. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([
  '__consumer_offsets',
  '__transaction_state',
  '__share_group_state',
])

const LEGAL = /^[a-zA-Z0-9._-]+$/

/** The reason a topic name is invalid, or undefined when it is valid. */
export function invalidTopicNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the empty string is not allowed'
  if (name === '.') return "'.' is not allowed"
  if (name === '..') return "'..' is not allowed"
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`
  }
  if (!LEGAL.test(name)) {
    return `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`
  }
  return undefined
}

/** Kafka's full message for an invalid name: `Topic name is invalid: <reason>`. */
export function invalidTopicNameMessage(name: string): string | undefined {
  const reason = invalidTopicNameReason(name)
  return reason === undefined ? undefined : `Topic name is invalid: ${reason}`
}

/** True when the name contains '.' or '_', which Kafka's metric names cannot tell apart. */
export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_')
}

/** Kafka's `unifyCollisionChars`: '.' becomes '_'. Two names with the same unified form collide. */
export function unifyCollisionChars(name: string): string {
  return name.replaceAll('.', '_')
}
