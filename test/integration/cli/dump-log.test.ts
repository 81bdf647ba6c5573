// kafkalite dump-log (kafka-dump-log) as the real CLI: a partition's log fetched from a real daemon, and Kafka segment
// files read from disk, printed in Kafka's words; its CRC check, its ranges and its errors.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BatchBuilder, buildControlBatch, setBaseOffset} from '../../../src/protocol/kafka/record-batch.js'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()
const dumpLog = (...args: string[]) => home.run(['dump-log', ...args])

/** Batches with fixed timestamps and producer fields, so that every byte (and CRC) of the dump is known. */
function segment(): Buffer {
  const a = new BatchBuilder({maxBytes: 1 << 20})
  a.append(1_700_000_000_000, Buffer.from('k1'), Buffer.from('v1'))
  a.append(1_700_000_000_005, null, Buffer.from('v2'), [
    {key: 'h1', value: Buffer.from('x')},
    {key: 'h2', value: null},
  ])
  const first = Buffer.from(a.build())
  const b = new BatchBuilder({maxBytes: 1 << 20, compression: 'gzip'})
  b.append(1_700_000_001_000, Buffer.from('k3'), null)
  b.setProducerState(7, 1, 2147483647, true)
  const second = Buffer.from(b.build())
  setBaseOffset(second, 0, 2)
  const marker = buildControlBatch({
    producerId: 7,
    producerEpoch: 1,
    committed: false,
    coordinatorEpoch: 3,
    timestamp: 1_700_000_002_000,
  })
  setBaseOffset(marker, 0, 3)
  return Buffer.concat([first, second, marker])
}

describe('dump-log', () => {
  it("prints a Kafka segment file's batches and records as Kafka's DumpLogSegments does", async () => {
    const dir = join(home.dir, 'kafka-logs', 'orders-0')
    mkdirSync(dir, {recursive: true})
    const file = join(dir, '00000000000000000000.log')
    const bytes = segment()
    writeFileSync(file, bytes)
    const res = await dumpLog('--files', file, '--print-data-log')
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const lines = res.stdout.trimEnd().split('\n')
    expect(lines.slice(0, 2)).toEqual([`Dumping ${file}`, 'Log starting offset: 0'])
    expect(lines[2]).toMatch(
      /^baseOffset: 0 lastOffset: 1 count: 2 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: -1 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1700000000005 size: (\d+) magic: 2 compresscodec: none crc: \d+ isvalid: true$/,
    )
    expect(lines[3]).toBe(
      '| offset: 0 CreateTime: 1700000000000 keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k1 payload: v1',
    )
    expect(lines[4]).toBe(
      '| offset: 1 CreateTime: 1700000000005 keySize: -1 valueSize: 2 sequence: -1 headerKeys: [h1,h2] payload: v2',
    )
    // A sequence wraps at Integer.MAX_VALUE, as DefaultRecordBatch.incrementSequence wraps it.
    expect(lines[5]).toMatch(
      /^baseOffset: 2 lastOffset: 2 count: 1 baseSequence: 2147483647 lastSequence: 2147483647 producerId: 7 producerEpoch: 1 partitionLeaderEpoch: -1 isTransactional: true isControl: false deleteHorizonMs: OptionalLong.empty position: \d+ CreateTime: 1700000001000 size: \d+ magic: 2 compresscodec: gzip crc: \d+ isvalid: true$/,
    )
    expect(lines[6]).toBe(
      '| offset: 2 CreateTime: 1700000001000 keySize: 2 valueSize: -1 sequence: 2147483647 headerKeys: [] key: k3',
    )
    expect(lines[7]).toMatch(/ isTransactional: true isControl: true .* compresscodec: none crc: \d+ isvalid: true$/)
    expect(lines[8]).toBe(
      '| offset: 3 CreateTime: 1700000002000 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: ABORT coordinatorEpoch: 3',
    )
    expect(lines).toHaveLength(9)
    // position: the byte position of each batch in the file.
    const size0 = Number(/ size: (\d+) /.exec(lines[2]!)![1])
    expect(lines[5]).toContain(` position: ${size0} `)
    // The CRC printed is the batch's own.
    expect(lines[2]).toContain(` crc: ${bytes.readUInt32BE(17)} `)

    // Shallow: batch lines only; --skip-record-metadata: contents only, control records as empty lines.
    const shallow = await dumpLog('--files', file)
    expect(shallow.stdout.trimEnd().split('\n')).toHaveLength(5)
    const skip = await dumpLog('--files', file, '--print-data-log', '--skip-record-metadata')
    expect(skip.stdout.split('\n').slice(3, 5)).toEqual(['| key: k1 payload: v1', '| payload: v2'])
    expect(skip.stdout.split('\n')[8]).toBe('')
  })

  it('says isvalid: false for a batch whose CRC does not match, names the trailing bytes, and exits 1', async () => {
    const file = join(home.dir, '00000000000000000000.log')
    const bytes = segment()
    bytes[70] = bytes[70]! ^ 0xff // inside the first batch's records
    writeFileSync(file, Buffer.concat([bytes, Buffer.from([0, 0, 0])]))
    const res = await dumpLog('--files', file)
    expect(res.code).toBe(1)
    const lines = res.stdout.trimEnd().split('\n')
    expect(lines[2]).toMatch(/ isvalid: false$/)
    expect(lines[3]).toMatch(/ isvalid: true$/)
    expect(lines.at(-1)).toBe('Found 3 invalid bytes at the end of 00000000000000000000.log')
    expect(res.stderr).toBe(
      `Error: 1 batch(es) failed the CRC-32C check (isvalid: false), the first at offset 0 of ${file}.\n`,
    )
  })

  it("dumps a daemon's partition, from the log start or an offset range, transactions and zstd included", async () => {
    await home.createTopic('d', 2)
    await home.run(['console-producer', '--topic', 'd', '--partition', '1', '--property', 'parse.key=true'], {
      input: 'k1\tv1\nk2\tv2\n',
    })
    await home.run(['console-producer', '--topic', 'd', '--partition', '1', '--compression-codec', 'zstd'], {
      input: 'z\n',
    })
    await home.run(
      ['console-producer', '--topic', 'd', '--partition', '1', '--producer-property', 'transactional.id=t1'],
      {
        input: 'a\nb\n',
      },
    )
    const all = await dumpLog('--files', 'd-1', '--print-data-log')
    expect(all.code, all.stderr).toBe(0)
    const lines = all.stdout.trimEnd().split('\n')
    expect(lines.slice(0, 2)).toEqual(['Dumping d-1', 'Log starting offset: 0'])
    const batchLines = lines.filter((l) => l.startsWith('baseOffset:'))
    expect(batchLines.map((l) => /^baseOffset: (\d+) lastOffset: (\d+) /.exec(l)!.slice(1).join('-'))).toEqual([
      '0-1',
      '2-2',
      '3-4',
      '5-5',
    ])
    expect(batchLines.every((l) => l.endsWith('isvalid: true'))).toBe(true)
    expect(batchLines[1]).toContain(' compresscodec: zstd ')
    expect(batchLines[3]).toContain(' isTransactional: true isControl: true ')
    expect(lines.filter((l) => l.startsWith('| ')).map((l) => l.replace(/CreateTime: \d+/, 'T'))).toEqual([
      '| offset: 0 T keySize: 2 valueSize: 2 sequence: 0 headerKeys: [] key: k1 payload: v1',
      '| offset: 1 T keySize: 2 valueSize: 2 sequence: 1 headerKeys: [] key: k2 payload: v2',
      '| offset: 2 T keySize: -1 valueSize: 1 sequence: 0 headerKeys: [] payload: z',
      '| offset: 3 T keySize: -1 valueSize: 1 sequence: 0 headerKeys: [] payload: a',
      '| offset: 4 T keySize: -1 valueSize: 1 sequence: 1 headerKeys: [] payload: b',
      '| offset: 5 T keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 0',
    ])
    // A range: the batches holding offsets 2 to 3; positions count from the first batch printed.
    const range = await dumpLog(
      '--topic',
      'd',
      '--partition',
      '1',
      '--offset',
      '2',
      '--max-offset',
      '3',
      '--deep-iteration',
    )
    expect(range.code, range.stderr).toBe(0)
    const rangeBatches = range.stdout.split('\n').filter((l) => l.startsWith('baseOffset:'))
    expect(rangeBatches.map((l) => /^baseOffset: (\d+)/.exec(l)![1])).toEqual(['2', '3'])
    expect(rangeBatches[0]).toContain(' position: 0 ')
    expect(range.stdout.split('\n')[1]).toBe('Log starting offset: 2')
    expect(range.stderr).toBe('Non-consecutive offsets in d-1\n  -1 is followed by 2\n')
    // A segment's path in a log directory names the partition and the first offset.
    const path = await dumpLog('--files', '/var/lib/kafka/d-1/00000000000000000003.log')
    expect(path.stdout.split('\n').slice(0, 3).join('\n')).toMatch(
      /^Dumping \/var\/lib\/kafka\/d-1\/00000000000000000003.log\nLog starting offset: 3\nbaseOffset: 3 /,
    )
    const json = JSON.parse((await dumpLog('--files', 'd-1', '--json')).stdout) as {dumps: {batches: number}[]}
    expect(json.dumps[0]!.batches).toBe(4)
    // Nothing in partition 0.
    expect((await dumpLog('--files', 'd-0')).stdout).toBe('Dumping d-0\nLog starting offset: 0\n')
  })

  it('refuses bad input in one line', async () => {
    await home.createTopic('d', 1)
    const cases: [string[], string, number][] = [
      [[], 'Missing required argument "[files]"', 2],
      [['--files', 'nodash'], "'nodash' names no topic partition", 2],
      [['--files', 'd-5'], "Partition 5 of topic 'd' does not exist", 1],
      [['--files', 'd-0', '--offset', 'x'], "Invalid --offset 'x': an integer is required.", 2],
      [['--files', 'd-0', '--offset', '5', '--max-offset', '2'], '--max-offset 2 is before --offset 5', 2],
      [['--files', 'd-0', '--offsets-decoder'], '--offsets-decoder is not available', 2],
      [['--files', 'd-0', '--value-decoder-class', 'com.Foo'], "--value-decoder-class 'com.Foo' is not available", 2],
      [['--files', 'd-0', '--index-sanity-check'], '--index-sanity-check checks index files', 2],
    ]
    for (const [args, message, code] of cases) {
      const r = await dumpLog(...args)
      expect(r.code, args.join(' ')).toBe(code)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })
})
