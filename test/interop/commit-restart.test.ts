// Offsets committed by each family survive a restart of the broker: after it, each family's group resumes at
// its committed offset.
import {beforeAll, describe, expect, test} from 'vitest'
import {bootstrap, broker, createTopic, produce, text, unique, eachFamily} from './harness/context.js'
import {restartBroker} from './harness/broker.js'
import {runDriver} from './harness/drivers.js'
import {FAMILIES} from './harness/families.js'

const topic = unique('committed')
const groups = new Map(FAMILIES.map((f) => [f, unique(`committed-${f}`)]))
const committed = new Set<string>()

describe.skipIf(!broker.restartable)('committed offsets across a broker restart', () => {
  beforeAll(async () => {
    await createTopic(topic, 1)
    await produce(
      'java',
      topic,
      Array.from({length: 10}, (_, i) => ({partition: 0, key: text(`k${i}`), value: text(`v${i}`), headers: []})),
    )
  })

  eachFamily('commit-restart', FAMILIES, '%s commits offset 4 for its group', async (family) => {
    await runDriver(family, 'commit', {bootstrap, topic, group: groups.get(family), offset: 4})
    committed.add(family)
  })

  test('the broker restarts on the same data', async () => {
    await restartBroker(broker)
  })

  eachFamily('commit-restart', FAMILIES, '%s resumes at offset 4 after the restart', async (family) => {
    if (!committed.has(family)) throw new Error(`${family} did not commit (see its test)`)
    const r = await runDriver<{committed: number | null; firstOffset: number}>(family, 'resume', {
      bootstrap,
      topic,
      group: groups.get(family),
    })
    if (family !== 'kcat') expect(r.committed).toBe(4)
    expect(r.firstOffset).toBe(4)
  })
})
