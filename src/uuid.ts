// Kafka's Uuid.randomUuid(): a random (version 4) UUID printed as 22 characters of URL-safe base64, drawn again when
// its text starts with '-' (a command line would take `-t -Ab...` for an option) or is one of Kafka's reserved ids.
import {randomUUID} from 'node:crypto'

const RESERVED = new Set(['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAQ']) // ZERO_UUID, METADATA_TOPIC_ID

export function randomKafkaUuid(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url')
    if (!id.startsWith('-') && !RESERVED.has(id)) return id
  }
}
