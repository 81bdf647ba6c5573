// Consume-transform-produce: a family reads a topic in a group, writes transformed records to another topic and
// commits the group's offsets in the same transaction (sendOffsetsToTransaction).
import {describe, expect} from 'vitest'
import {bootstrap, consume, createTopic, produce, text, unique, eachFamily} from './harness/context.js'
import {runDriver} from './harness/drivers.js'
import {FAMILIES} from './harness/families.js'

describe('consume-transform-produce', () => {
  eachFamily(
    'consume-transform-produce',
    FAMILIES,
    '%s transforms 5 records and commits the group’s offsets in the transaction',
    async (family) => {
      const input = unique(`ctp-in-${family}`)
      const output = unique(`ctp-out-${family}`)
      const group = unique(`ctp-${family}`)
      await createTopic(input, 1)
      await createTopic(output, 1)
      const values = Array.from({length: 5}, (_, i) => `v${i}`)
      await produce(
        'java',
        input,
        values.map((v, i) => ({partition: 0, key: text(`k${i}`), value: text(v), headers: []})),
      )
      await runDriver(family, 'consume-transform-produce', {
        bootstrap,
        input,
        output,
        group,
        transactionalId: unique(`ctp-${family}`),
        count: 5,
        prefix: 'done:',
      })
      const out = await consume('java', output, {isolation: 'read_committed', count: 5})
      expect(out.map((r) => Buffer.from(r.value!, 'base64').toString())).toEqual(values.map((v) => `done:${v}`))
      expect(out.map((r) => Buffer.from(r.key!, 'base64').toString())).toEqual(values.map((_, i) => `k${i}`))
      const {offsets} = await runDriver<{offsets: {topic: string; partition: number; offset: number}[]}>(
        'java',
        'group-offsets',
        {
          bootstrap,
          group,
        },
      )
      expect(offsets).toEqual([{topic: input, partition: 0, offset: 5}])
    },
  )
})
