// kafkalite get-offsets (kafka-get-offsets) as the real CLI against a real daemon: its filters, --time, Kafka's
// order and lines, and its errors.
import {describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()
const getOffsets = (...args: string[]) => home.run(['get-offsets', ...args])

describe('get-offsets', () => {
  it("prints topic:partition:offset in Kafka's order, for --topic, --partitions, --topic-partitions and --time", async () => {
    await home.createTopic('t', 12)
    await home.createTopic('other', 1)
    await home.run(['console-producer', '--topic', 't', '--partition', '2'], {input: 'a\nb\nc\n'})
    await home.run(['console-producer', '--topic', 'other'], {input: 'x\n'})
    const latest = await getOffsets('--topic', 't')
    // Sorted by the string "topic-partition", as Kafka's tool sorts: t-10 before t-2.
    expect(latest.stdout.split('\n').slice(0, 5)).toEqual(['t:0:0', 't:1:0', 't:10:0', 't:11:0', 't:2:3'])
    expect((await getOffsets('--topic-partitions', 't:1-3,oth.*')).stdout).toBe('other:0:1\nt:1:0\nt:2:3\n')
    expect((await getOffsets('--topic-partitions', 't:-2')).stdout).toBe('t:0:0\nt:1:0\n')
    expect((await getOffsets('--topic', 't', '--partitions', '2,5', '--time', '-2')).stdout).toBe('t:2:0\nt:5:0\n')
    // A timestamp: the first record at or after it; partitions without one are left out.
    expect((await getOffsets('--topic', 'other', '--time', '0')).stdout).toBe('other:0:0\n')
    expect((await getOffsets('--topic', 'other', '--time', String(Date.now() + 3_600_000))).stdout).toBe('')
    expect((await getOffsets('--topic', 't', '--time', 'latest-tiered')).stdout).toBe('')
    const json = JSON.parse((await getOffsets('--topic', 'other', '--json')).stdout) as {offsets: unknown[]}
    expect(json.offsets).toEqual([{topic: 'other', partition: 0, offset: 1}])
  })

  it("refuses bad input in one line with Kafka's messages", async () => {
    await home.createTopic('t', 1)
    const cases: [string[], string, number][] = [
      [['--topic', 'nope'], 'Error occurred: Could not match any topic-partitions with the specified filters\n', 1],
      [['--time', 'bogus'], 'Error occurred: Malformed time argument bogus. Please use -1 or latest', 2],
      [
        ['--partitions', 'x'],
        '--partitions expects a comma separated list of numeric partition ids, but received: x',
        2,
      ],
      [
        ['--topic', 't', '--topic-partitions', 't:0'],
        '--topic-partitions cannot be used with --topic or --partitions',
        2,
      ],
      [['--topic-partitions', 't:x'], 'Invalid rule specification: t:x', 2],
    ]
    for (const [args, message, code] of cases) {
      const r = await getOffsets(...args)
      expect(r.code, args.join(' ')).toBe(code)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })
})
