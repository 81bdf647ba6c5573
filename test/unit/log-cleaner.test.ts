// The log cleaner's rules on an in-memory store with a fake clock: the exact offset map, which partitions are due
// (dirty ratio, active segment, min.compaction.lag.ms), what a pass keeps (the latest record per key at its offset,
// tombstones until their delete horizon, nothing of an aborted transaction, markers once their transaction is gone),
// and that rewritten batches are valid RecordBatch v2 that keep their base offset, producer id and last offset delta.
import {afterEach, describe, expect, it} from 'vitest'
import {Broker, type PartitionState} from '../../src/broker/broker.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {KeyOffsetMap} from '../../src/broker/key-offset-map.js'
import {CleanerPass, cleanableOf} from '../../src/broker/log-cleaner.js'
import {BatchBuilder, checkBatch, decodeRecords, readBatchHeader} from '../../src/protocol/kafka/record-batch.js'
import {Store} from '../../src/store/store.js'

const NOW = 1_700_000_000_000
let store: Store | undefined
let clock = NOW

afterEach(() => {
  store?.close()
  store = undefined
})

function start(configs: Record<string, string>): {broker: Broker; p: PartitionState} {
  store = Store.open(':memory:')
  clock = NOW
  // Transactional batches pass without a coordinator here: the markers are written by the test.
  const broker = new Broker(store, brokerConfigFrom({}, null), {now: () => clock, verifyTransaction: () => null})
  broker.createTopic('t', 1, 1, {'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', ...configs})
  return {broker, p: broker.partition('t', 0)}
}

/** Appends one batch of [key, value] records (value null: a tombstone); `producer`: [id, epoch, seq, txn]. */
function append(
  broker: Broker,
  records: [string | null, string | null][],
  producer?: [number, number, number, boolean],
) {
  const b = new BatchBuilder({maxBytes: 1 << 20})
  for (const [k, v] of records) b.append(clock, k === null ? null : Buffer.from(k), v === null ? null : Buffer.from(v))
  if (producer) b.setProducerState(...producer)
  const [result] = broker.produce({
    acks: 1,
    timeoutMs: 1000,
    batches: [{topic: 't', partition: 0, records: Buffer.from(b.build())}],
  })
  expect(result!.error).toBeUndefined()
}

/** Runs one cleaner pass over the partition if it is due; returns whether it ran. */
function clean(p: PartitionState): boolean {
  const c = cleanableOf(store!, p, clock)
  if (c === null) return false
  const pass = new CleanerPass(store!, c, clock, 1_000_000)
  while (!pass.step(1000));
  p.cleanOffset = Math.max(p.cleanOffset, pass.stats.endOffset)
  p.deleteHorizon = pass.stats.deleteHorizon
  return true
}

/** Every stored batch of the partition, checked (CRC, layout), with its records as offset:key=value. */
function log(p: PartitionState): {baseOffset: number; producerId: number; records: string[]}[] {
  const {batches} = store!.readBatches(p.topic.row.id, 0, 0, p.nextOffset, 1 << 30)
  return batches.map((bytes) => {
    const header = checkBatch(bytes, 0, bytes.length)
    return {
      baseOffset: header.baseOffset,
      producerId: header.producerId,
      records: decodeRecords(bytes).map((r) =>
        header.isControl
          ? `${r.offset}:marker`
          : `${r.offset}:${r.key?.toString() ?? null}=${r.value?.toString() ?? null}`,
      ),
    }
  })
}
const records = (p: PartitionState) => log(p).flatMap((b) => b.records)

describe('the offset map', () => {
  it('is exact: keys that share a hash keep their own offsets, and it grows', () => {
    const map = new KeyOffsetMap()
    const keys = Array.from({length: 5000}, (_, i) => Buffer.from(`key-${i}`))
    keys.forEach((k, i) => map.set(k, 0, k.length, i))
    keys.forEach((k, i) => map.set(k, 0, k.length, i + 10_000))
    expect(map.size).toBe(5000)
    expect(keys.every((k, i) => map.get(k, 0, k.length) === i + 10_000)).toBe(true)
    expect(map.get(Buffer.from('absent'), 0, 6)).toBe(-1)
    // A key is read where it lies in a larger buffer.
    const inside = Buffer.from('xxkey-7yy')
    expect(map.get(inside, 2, 5)).toBe(10_007)
    expect(map.sortedOffsets()[0]).toBe(10_000)
  })
})

describe('the log cleaner', () => {
  it('keeps the latest record of each key at its offset and leaves the active segment alone', () => {
    const {broker, p} = start({'segment.bytes': '200'})
    append(broker, [
      ['a', 'a1'],
      ['b', 'b1'],
    ])
    append(broker, [
      ['a', 'a2'],
      ['c', 'c1'],
    ])
    append(broker, [['b', 'b2']])
    append(broker, [['d', 'd1']])
    expect(p.segments.length).toBeGreaterThan(1)
    expect(clean(p)).toBe(true)
    // b2 (offset 4) is in the active segment, which the map does not cover: b1 stays until a later pass.
    expect(p.segments.at(-1)!.baseOffset).toBe(4)
    expect(records(p)).toEqual(['1:b=b1', '2:a=a2', '3:c=c1', '4:b=b2', '5:d=d1'])
    append(broker, [['e', 'e'.repeat(150)]]) // rolls the segment holding b2
    expect(clean(p)).toBe(true)
    // Offsets never change: a2 is still offset 2; every batch left is valid (checked in log()).
    expect(records(p)).toEqual(['2:a=a2', '3:c=c1', '4:b=b2', '5:d=d1', '6:e=' + 'e'.repeat(150)])
  })

  it('keeps a tombstone until its delete horizon, then removes it on a later pass', () => {
    const {broker, p} = start({'segment.bytes': '120', 'delete.retention.ms': '1000'})
    append(broker, [['a', 'a1']])
    append(broker, [['a', null]])
    append(broker, [['z', 'z1']])
    append(broker, [['y', 'y1']])
    expect(clean(p)).toBe(true)
    expect(records(p)).toContain('1:a=null')
    expect(records(p)).not.toContain('0:a=a1')
    expect(p.deleteHorizon).toBe(NOW + 1000)
    clock += 999
    expect(clean(p)).toBe(false) // nothing dirty, the horizon not yet passed
    clock += 1
    expect(clean(p)).toBe(true)
    expect(records(p).some((r) => r.startsWith('1:'))).toBe(false)
  })

  it('removes the records of an aborted transaction, then its marker after delete.retention.ms', () => {
    const {broker, p} = start({'segment.bytes': '150', 'delete.retention.ms': '500'})
    const marker = (committed: boolean) =>
      broker.writeMarkers([{topic: 't', partition: 0, producerId: 7, producerEpoch: 0, committed, coordinatorEpoch: 0}])
    append(broker, [['k', 'aborted']], [7, 0, 0, true])
    marker(false)
    append(broker, [['k', 'committed']], [7, 0, 1, true])
    marker(true)
    append(broker, [['x', 'later']])
    append(broker, [['y', 'later']])
    expect(clean(p)).toBe(true)
    const first = records(p)
    expect(first).not.toContain('0:k=aborted')
    expect(first).toContain('2:k=committed')
    // The abort marker stays this pass (a batch of its transaction was met); the next pass sets its horizon.
    expect(first).toContain('1:marker')
    append(broker, [['w', 'more']])
    clock += 1
    clean(p)
    expect(records(p)).toContain('1:marker')
    clock += 500
    clean(p)
    expect(records(p)).not.toContain('1:marker')
    expect(records(p)).toContain('2:k=committed')
    expect(records(p)).toContain('3:marker') // its transaction's record is still there
  })

  it('waits for min.compaction.lag.ms and honours min.cleanable.dirty.ratio', () => {
    const {broker, p} = start({
      'segment.bytes': '120',
      'min.compaction.lag.ms': '10000',
      'min.cleanable.dirty.ratio': '0.5',
    })
    append(broker, [['a', 'a1']])
    append(broker, [['a', 'a2']])
    append(broker, [['b', 'b1']])
    expect(cleanableOf(store!, p, clock)).toBeNull() // every segment is younger than the lag
    clock += 10_001
    const due = cleanableOf(store!, p, clock)
    expect(due?.ratio).toBe(1)
    clean(p)
    expect(cleanableOf(store!, p, clock)).toBeNull() // clean now: ratio 0
  })

  it('keeps producer id, epoch, sequence and last offset delta of a rewritten batch', () => {
    const {broker, p} = start({'segment.bytes': '200'})
    append(
      broker,
      [
        ['a', 'a1'],
        ['b', 'b1'],
        ['c', 'c1'],
      ],
      [42, 3, 10, false],
    )
    append(broker, [['a', 'a2']])
    append(broker, [['z', 'z'.repeat(150)]])
    clean(p)
    const [first] = log(p)
    const {batches} = store!.readBatches(p.topic.row.id, 0, 0, p.nextOffset, 1 << 30)
    const header = readBatchHeader(batches[0]!)
    expect(first!.records).toEqual(['1:b=b1', '2:c=c1'])
    expect(header).toMatchObject({
      baseOffset: 0,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 10,
      lastOffsetDelta: 2,
      recordCount: 2,
    })
  })
})
