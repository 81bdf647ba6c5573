// The schema-registry serdes (issue 13): Avro produce through the library against plain produce of the same bytes,
// and Avro decode in the consumer. Each timed step runs in a child process of its own (a fresh heap and JIT, as a
// real producer or consumer has), against one daemon; each figure is the median of BENCH_RUNS runs.
//
//   produce:  RECORDS records of a 5-field schema, KafkaProducer with KafkaAvroSerializer (values built with
//             AvroSchema.record), against KafkaProducer sending the very bytes that serializer wrote (pre-encoded
//             Buffers): the serializer's share of the producer's time. sendWithCallback, acks=1, waiting for the
//             buffer when it is full, then flush.
//   decode:   KafkaConsumer.poll with KafkaAvroDeserializer over the records produced above, against the same poll
//             without a deserializer (Buffers); and the deserializer alone over the fetched value bytes (what the
//             consumer adds per record), records/s.
import {spawnSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const SCHEMA = {
  type: 'record',
  name: 'Trade',
  namespace: 'bench',
  fields: [
    {name: 'id', type: 'long'},
    {name: 'symbol', type: 'string'},
    {name: 'price', type: 'double'},
    {name: 'quantity', type: 'int'},
    {name: 'side', type: {type: 'enum', name: 'Side', symbols: ['BUY', 'SELL']}},
  ],
}

/** The child's program: one timed step, its records/s on stdout. */
const CHILD = `
const [lib, mode, home, topic, records] = process.argv.slice(2)
const {AvroSchema, KafkaAvroDeserializer, KafkaAvroSerializer, KafkaConsumer, KafkaProducer} = await import(lib)
const config = {'kafkalite.home': home, acks: '1', 'linger.ms': 5, 'batch.size': 262144}
const N = Number(records)
const schema = new AvroSchema(${JSON.stringify(JSON.stringify(SCHEMA))})
const value = (i) => schema.record({id: i, symbol: 'SYM' + (i % 500), price: 100 + (i % 1000) / 8, quantity: i % 97, side: i % 2 ? 'BUY' : 'SELL'})
async function produce(producer, make) {
  let failed = null
  const cb = (e) => { if (e) failed = e }
  const start = process.hrtime.bigint()
  for (let i = 0; i < N; i++) {
    producer.sendWithCallback({topic, value: make(i)}, cb)
    if ((i & 1023) === 0 && producer.bufferedBytes >= 32 << 20) await producer.whenBufferAvailable()
  }
  await producer.flush()
  const s = Number(process.hrtime.bigint() - start) / 1e9
  await producer.close()
  if (failed) throw failed
  return N / s
}
async function consume(deserializer, visit) {
  const consumer = new KafkaConsumer({...config, 'auto.offset.reset': 'earliest', 'max.poll.records': 10000}, undefined, deserializer)
  consumer.assign([{topic, partition: 0}])
  let n = 0
  const start = process.hrtime.bigint()
  while (n < N) for (const r of await consumer.poll(1000)) { n++; visit?.(r) }
  const s = Number(process.hrtime.bigint() - start) / 1e9
  await consumer.close()
  return N / s
}
let rate
if (mode === 'avro-produce') {
  rate = await produce(new KafkaProducer(config, undefined, new KafkaAvroSerializer(config)), value)
} else if (mode === 'plain-produce') {
  // The same bytes, encoded before the clock starts (schema id 1: the Avro run registered it first).
  const s = new KafkaAvroSerializer(config)
  await s.prepare(topic, value(0))
  const bytes = Array.from({length: N}, (_, i) => s.serialize(topic, value(i)))
  await s.close()
  rate = await produce(new KafkaProducer(config), (i) => bytes[i])
} else if (mode === 'avro-poll') {
  rate = await consume(new KafkaAvroDeserializer(config))
} else if (mode === 'plain-poll') {
  rate = await consume(undefined)
} else if (mode === 'deserializer') {
  const values = []
  await consume(undefined, (r) => values.push(r.value))
  const d = new KafkaAvroDeserializer(config)
  await d.prepare(topic, values[0])
  const start = process.hrtime.bigint()
  let check = 0
  for (const v of values) check += d.deserialize(topic, v).quantity
  rate = values.length / (Number(process.hrtime.bigint() - start) / 1e9)
  await d.close()
  if (check === 0) throw new Error('nothing decoded')
}
console.log(rate)
`

export async function schemaSerdes(bench) {
  const {ROOT, NODE, RECORDS, RUNS, log, row, median, newHome, cli} = bench
  const lib = join(ROOT, 'dist/client/index.js')
  const home = newHome()
  const program = join(home, 'serdes-child.mjs')
  writeFileSync(program, CHILD)
  const step = (mode, topic) => {
    const res = spawnSync(NODE, [program, lib, mode, home, topic, String(RECORDS)], {encoding: 'utf8'})
    if (res.status !== 0) throw new Error(`serdes ${mode} failed: ${res.stderr}`)
    return Number(res.stdout.trim())
  }
  const rates = {avroProduce: [], plainProduce: [], avroPoll: [], plainPoll: [], deserializer: []}
  try {
    cli(home, ['daemon', 'start'])
    for (let run = 0; run < RUNS; run++) {
      log(`serdes run ${run + 1}/${RUNS}`)
      const avroTopic = `avro-${run}`
      const plainTopic = `plain-${run}`
      cli(home, ['topics', '--create', '--topic', avroTopic])
      cli(home, ['topics', '--create', '--topic', plainTopic])
      rates.avroProduce.push(step('avro-produce', avroTopic))
      rates.plainProduce.push(step('plain-produce', plainTopic))
      rates.avroPoll.push(step('avro-poll', avroTopic))
      rates.plainPoll.push(step('plain-poll', avroTopic))
      rates.deserializer.push(step('deserializer', avroTopic))
      cli(home, ['topics', '--delete', '--topic', avroTopic])
      cli(home, ['topics', '--delete', '--topic', plainTopic])
    }
  } finally {
    cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
  }
  const k = `${Math.round(RECORDS / 1000)}k`
  const ap = median(rates.avroProduce)
  const pp = median(rates.plainProduce)
  row(
    `Avro produce ${k} x 5-field records (KafkaAvroSerializer)`,
    ap,
    'rec/s',
    'plain produce of the same bytes',
    pp,
    ap / pp,
    '>= 0.5x',
    ap / pp >= 0.5,
  )
  const ac = median(rates.avroPoll)
  const pc = median(rates.plainPoll)
  row(
    `Avro consume ${k}: poll with KafkaAvroDeserializer`,
    ac,
    'rec/s',
    'poll of the same bytes',
    pc,
    ac / pc,
    '>= 1M rec/s',
    ac >= 1_000_000,
  )
  const d = median(rates.deserializer)
  row(
    `Avro decode: KafkaAvroDeserializer over ${k} fetched values`,
    d,
    'rec/s',
    'poll of the same bytes',
    pc,
    d / pc,
    '-',
    null,
  )
}
