// The one error a Kafka message decoder throws on bytes it cannot read (Kafka's SchemaException): whatever the input, a
// decoder either returns a message or throws this, never a RangeError, never after a huge allocation. The broker
// answers it by closing the connection, as Kafka does with a request it cannot parse.
import {KafkaException} from '../../../errors.js'

/** A Kafka message that cannot be decoded (or a value that cannot be encoded), with where and why. */
export class SchemaException extends KafkaException {
  /** The message being decoded or encoded, with its version: `ProduceRequest v9`. */
  readonly context: string
  /** The field being read, as a path: `topicData[].partitionData[].records`. */
  readonly field: string
  /** The byte offset in the decoded buffer where the bad value starts (-1 when encoding). */
  readonly position: number
  /** What is wrong with it. */
  readonly reason: string

  constructor(context: string, field: string, position: number, reason: string) {
    const where = position >= 0 ? ` at byte ${position}` : ''
    const what = field === '' ? '' : ` (${field})`
    super('INVALID_REQUEST', `Malformed ${context || 'Kafka message'}${where}${what}: ${reason}`)
    this.name = 'SchemaException'
    this.context = context
    this.field = field
    this.position = position
    this.reason = reason
  }

  /** The same error, placed in the message it happened in. */
  within(context: string): SchemaException {
    return this.context === '' ? new SchemaException(context, this.field, this.position, this.reason) : this
  }
}
