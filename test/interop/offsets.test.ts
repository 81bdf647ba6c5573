// List offsets by timestamp, and delete records (the log start offset moves, the records before it are gone).
import {beforeAll, describe, expect} from 'vitest'
import {bootstrap, consume, createTopic, produce, text, unique, watermarks, eachFamily} from './harness/context.js'
import {runDriver} from './harness/drivers.js'
import {FAMILIES} from './harness/families.js'

const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000
const fiveRecords = Array.from({length: 5}, (_, i) => ({
  partition: 0,
  key: text(`k${i}`),
  value: text(`v${i}`),
  headers: [],
  timestamp: t0 + i * 1000,
}))

describe('list offsets by timestamp', () => {
  const topic = unique('by-time')
  beforeAll(async () => {
    await createTopic(topic, 1)
    await produce('java', topic, fiveRecords)
  })

  eachFamily('offsets-for-times', FAMILIES, '%s finds the first offset at or after each timestamp', async (family) => {
    const {offsets} = await runDriver<{offsets: (number | null)[]}>(family, 'offsets-for-times', {
      bootstrap,
      topic,
      partition: 0,
      timestamps: [t0 - 60_000, t0, t0 + 1000, t0 + 1500, t0 + 4000],
    })
    expect(offsets).toEqual([0, 0, 1, 2, 4])
  })
})

describe('delete records', () => {
  eachFamily('delete-records', FAMILIES, '%s deletes the records before offset 3', async (family) => {
    const topic = unique(`delete-${family}`)
    await createTopic(topic, 1)
    await produce('java', topic, fiveRecords)
    const {lowWatermark} = await runDriver<{lowWatermark: number}>(family, 'delete-records', {
      bootstrap,
      topic,
      partition: 0,
      before: 3,
    })
    expect(lowWatermark).toBe(3)
    expect(await watermarks('java', topic)).toEqual([{partition: 0, low: 3, high: 5}])
    const read = await consume('java', topic, {count: 2})
    expect(read.map((r) => r.offset)).toEqual([3, 4])
  })
})
