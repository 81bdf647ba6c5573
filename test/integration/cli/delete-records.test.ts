// kafkalite delete-records (kafka-delete-records) as the real CLI against a real daemon: Kafka's offset JSON file and
// output lines, the log start that consumers, topics --describe, Admin.listOffsets and the lag viewer then see, and
// the errors.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {DaemonControl} from '../../../src/client/index.js'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()

/** Writes an offset JSON file into the home and returns its path. */
function offsetFile(content: unknown): string {
  const file = join(home.dir, 'offsets.json')
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

const deleteRecords = (file: string, ...more: string[]) =>
  home.run(['delete-records', '--bootstrap-server', 'localhost:9092', '--offset-json-file', file, ...more])

describe('delete-records', () => {
  it("deletes the records before each offset and prints Kafka's lines; consumers then start at the new log start", async () => {
    await home.createTopic('clicks', 2)
    await home.produceToEach('clicks', 2, 4)
    const file = offsetFile({
      partitions: [
        {topic: 'clicks', partition: 0, offset: 3},
        {topic: 'clicks', partition: 1, offset: -1},
      ],
      version: 1,
    })
    const res = await deleteRecords(file)
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toBe(
      'Executing records delete operation\nRecords delete operation completed:\n' +
        'partition: clicks-0\tlow_watermark: 3\npartition: clicks-1\tlow_watermark: 4\n',
    )
    const read = await home.run(['console-consumer', '--topic', 'clicks', '--from-beginning', '--exit-at-end'])
    expect(read.stdout).toBe('0-3\n')
    const described = JSON.parse((await home.run(['topics', '--describe', '--topic', 'clicks', '--json'])).stdout)
    expect(JSON.stringify(described)).toContain('"logStartOffset":3')
    const [earliest] = await home.withAdmin((admin) =>
      admin.listOffsets([{topic: 'clicks', partition: 0, spec: 'earliest'}]),
    )
    expect(earliest!.offset).toBe(3)
    // The lag viewer's snapshot starts the partition's log there too.
    await home.withAdmin((admin) =>
      admin.alterConsumerGroupOffsets('viewer', [{topic: 'clicks', partition: 0, offset: 4}]),
    )
    const control = await DaemonControl.open({home: home.dir})
    try {
      const {groups} = await control.lagSnapshot({partitions: {groupId: 'viewer'}})
      expect(groups[0]!.partitions).toEqual([expect.objectContaining({partition: 0, logStart: 3, logEnd: 4, lag: 0})])
    } finally {
      control.close()
    }
  })

  it("answers --json with each partition's low watermark", async () => {
    await home.createTopic('clicks', 1)
    await home.produceToEach('clicks', 1, 2)
    const res = await deleteRecords(offsetFile({partitions: [{topic: 'clicks', partition: 0, offset: 1}]}), '--json')
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toEqual({
      partitions: [{topic: 'clicks', partition: 0, lowWatermark: 1}],
      connection: expect.objectContaining({transport: 'unix-socket'}),
    })
  })

  it('prints a failed partition on stderr with its Kafka error and exits 1, after deleting the others', async () => {
    await home.createTopic('clicks', 2)
    await home.produceToEach('clicks', 2, 2)
    const res = await deleteRecords(
      offsetFile({
        partitions: [
          {topic: 'clicks', partition: 0, offset: 1},
          {topic: 'clicks', partition: 1, offset: 9},
        ],
      }),
    )
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('partition: clicks-0\tlow_watermark: 1\n')
    expect(res.stderr).toContain(
      'partition: clicks-1\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: Cannot increment the log start offset to 9 of partition clicks-1 since it is larger than the high watermark 2\n',
    )
    expect(res.stderr).toMatch(/^Error: 1 of 2 partition\(s\) failed; clicks-1: /m)
  })

  it.each([
    ['not JSON', '{"partitions": [', 'The input string is not a valid JSON'],
    ['another version', {version: 2, partitions: []}, 'Not supported version field value 2'],
    ['no partitions', {version: 1}, 'Missing partitions field'],
    [
      'a partition twice',
      {
        partitions: [
          {topic: 'a', partition: 0, offset: 1},
          {topic: 'a', partition: 0, offset: 2},
        ],
      },
      'Offset json file contains duplicate topic partitions: a-0',
    ],
    [
      'an entry without an offset',
      {partitions: [{topic: 'a', partition: 0}]},
      'Invalid partition entry {"topic":"a","partition":0}: each needs a string "topic", an integer "partition" and an integer "offset"',
    ],
  ])("refuses an offset JSON file with %s, with Kafka's message (exit 2)", async (_, content, message) => {
    const res = await deleteRecords(offsetFile(content))
    expect(res.code).toBe(2)
    expect(res.stderr).toBe(`Error: ${message}\n`)
    expect(res.stdout).toBe('')
  })

  it('names an offset JSON file it cannot read', async () => {
    const res = await deleteRecords(join(home.dir, 'missing.json'))
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/^Error: Cannot read --offset-json-file '.*missing\.json': ENOENT/)
  })
})
