// The consume-transform-produce loop of the exactly-once proof: reads `in` as a member of group `eos`
// (read_committed), writes each record's value to the same partition of `out`, and commits the consumed offsets in
// the same transaction. Killed with kill -9 at random points by bench/exactly-once.mjs; any error ends the process
// with exit 1 and the harness starts another. Prints `done` once every partition is consumed to its end.
//
//   node bench/eos-processor.mjs <home> <in> <out>
import {KafkaConsumer, KafkaProducer} from '../dist/client/index.js'

const [home, input, output] = process.argv.slice(2)
const config = {'kafkalite.home': home}
const consumer = new KafkaConsumer(
  {
    ...config,
    'group.id': 'eos',
    'isolation.level': 'read_committed',
    'enable.auto.commit': 'false',
    'auto.offset.reset': 'earliest',
    'session.timeout.ms': '2000',
    'heartbeat.interval.ms': '200',
    'max.poll.records': process.env.EOS_MAX_POLL_RECORDS ?? '50',
  },
  undefined,
  undefined,
  {onNotice: () => {}},
)
const producer = new KafkaProducer(
  {...config, 'transactional.id': 'eos-processor', 'transaction.timeout.ms': '10000', 'linger.ms': '0'},
  undefined,
  undefined,
  {onNotice: () => {}},
)

try {
  await producer.initTransactions()
  consumer.subscribe([input])
  for (;;) {
    const records = await consumer.poll(200)
    if (records.count > 0) {
      producer.beginTransaction()
      const positions = new Map()
      for (const r of records) {
        producer.sendWithCallback({topic: output, partition: r.partition, key: r.key, value: r.value}, () => {})
        positions.set(r.partition, r.offset + 1)
      }
      // A pause inside the transaction (EOS_PAUSE_MS, default 2): the kills land mid-transaction more often.
      await new Promise((r) => setTimeout(r, Math.random() * Number(process.env.EOS_PAUSE_MS ?? 2)))
      const offsets = [...positions].map(([partition, offset]) => ({topic: input, partition, offset}))
      await producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata())
      await producer.commitTransaction()
    }
    const assigned = consumer.assignment()
    if (assigned.length > 0 && records.count === 0) {
      const ends = await consumer.endOffsets(assigned)
      const positions = await Promise.all(assigned.map((tp) => consumer.position(tp)))
      if (ends.every((e, i) => positions[i] >= e.offset) && assigned.length === Number(process.env.EOS_PARTITIONS)) {
        process.stdout.write('done\n')
        break
      }
    }
  }
  await producer.close()
  await consumer.close()
  process.exit(0)
} catch (error) {
  process.stderr.write(`processor: ${error?.name}: ${error?.message}\n`)
  process.exit(1)
}
