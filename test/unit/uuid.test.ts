import {describe, expect, it} from 'vitest'
import {randomKafkaUuid} from '../../src/uuid.js'

describe("Kafka's random uuids (cluster ids, topic ids)", () => {
  it("never start with '-', which kafka-storage.sh format -t would take for an option (1 in 64 would)", () => {
    const ids = Array.from({length: 20_000}, randomKafkaUuid)
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([])
    expect(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
