// The log cleaner's sections of `npm run bench` (issue 14), called from bench/run.mjs with its shared helpers:
//   compaction   one cleaner pass over a partition of 1,000,000 records with 10,000 keys (100-byte values), MB/s of
//                the dirty section, against reading every record of the same log (the least a compaction must do:
//                look at each key), and, for the record, against reading its bytes only. In a child process of its
//                own per run (a fresh heap), on the broker's own classes and a SQLite file, as the daemon runs them.
//   cleaner      a daemon's produce throughput and produce p99 latency while the cleaner compacts a backlog of
//                2,000,000 records, against the same daemon with the cleaner idle, measured alternately in one run.
import {spawnSync} from 'node:child_process'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/** The child's program for one compaction run: prints {readMBs, bytesMBs, cleanMBs, ...} as JSON. */
const COMPACTION_CHILD = `
const [dist, dir, n, keys] = process.argv.slice(1)
const {Store} = await import(dist + '/store/store.js')
const {Broker} = await import(dist + '/broker/broker.js')
const {brokerConfigFrom} = await import(dist + '/broker/broker-config.js')
const {BatchBuilder, forEachRecord, readBatchHeader} = await import(dist + '/protocol/kafka/record-batch.js')
const {CleanerPass, cleanableOf} = await import(dist + '/broker/log-cleaner.js')
const N = Number(n), KEYS = Number(keys)
const store = Store.open(dir + '/kafkalite.db')
const broker = new Broker(store, brokerConfigFrom({}, null))
broker.createTopic('c', 1, 1, {'cleanup.policy': 'compact', 'segment.bytes': String(16 << 20)})
const value = Buffer.alloc(100, 'v')
let i = 0
while (i < N) {
  const batches = []
  for (let b = 0; b < 64 && i < N; b++) {
    const bb = new BatchBuilder({maxBytes: 16384})
    while (i < N && bb.append(Date.now(), Buffer.from('key-' + (i % KEYS)), value, []) >= 0) i++
    batches.push({topic: 'c', partition: 0, records: Buffer.from(bb.build())})
  }
  store.unit(() => broker.produce({acks: 1, timeoutMs: 1000, batches}))
}
const p = broker.partition('c', 0)
const c = cleanableOf(store, p, Date.now())
// Reading the log: its batches from the start, 1 MiB per read as a fetch reads them; with every record walked.
function read(walk) {
  let bytes = 0, records = 0, from = 0
  const start = performance.now()
  for (;;) {
    const r = store.readBatches(p.topic.row.id, 0, from, c.firstUncleanable, 1 << 20)
    if (r.batches.length === 0) break
    bytes += r.bytes
    for (const b of r.batches) {
      const h = readBatchHeader(b)
      if (walk) forEachRecord(b, 0, b.length, h, () => { records++ })
      from = h.baseOffset + h.lastOffsetDelta + 1
    }
  }
  return {ms: performance.now() - start, bytes, records}
}
const bytesOnly = read(false)
const records = read(true)
const start = performance.now()
const pass = new CleanerPass(store, c, Date.now(), 1000000)
while (!pass.done) store.unit(() => pass.step(4))
const cleanMs = performance.now() - start
store.close()
const mbs = (bytes, ms) => bytes / 1e6 / (ms / 1000)
process.stdout.write(JSON.stringify({
  dirtyBytes: c.dirtyBytes,
  recordsRead: records.records,
  readMBs: mbs(records.bytes, records.ms),
  bytesMBs: mbs(bytesOnly.bytes, bytesOnly.ms),
  cleanMBs: mbs(c.dirtyBytes, cleanMs),
  keys: pass.stats.keys,
  bytesAfter: pass.stats.bytesAfter,
}))
`

/** One pass of the cleaner over 1M records of 10k keys, against reading every record of the same log. */
export async function compaction(b) {
  b.log('compaction: 1,000,000 records of 10,000 keys, one cleaner pass against reading every record')
  const runs = []
  for (let run = 0; run < b.RUNS; run++) {
    const dir = b.newHome()
    try {
      const res = spawnSync(
        b.NODE,
        ['--input-type=module', '-e', COMPACTION_CHILD, join(b.ROOT, 'dist'), dir, '1000000', '10000'],
        {encoding: 'utf8', maxBuffer: 1 << 20},
      )
      if (res.status !== 0) throw new Error(`compaction run failed: ${res.stderr}`)
      runs.push(JSON.parse(res.stdout))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }
  const clean = b.median(runs.map((r) => r.cleanMBs))
  const read = b.median(runs.map((r) => r.readMBs))
  const bytes = b.median(runs.map((r) => r.bytesMBs))
  const last = runs.at(-1)
  b.log(
    `compaction: ${(last.dirtyBytes / 1e6).toFixed(0)} MB dirty, ${last.keys} keys, ${(last.bytesAfter / 1e6).toFixed(1)} MB left`,
  )
  b.row(
    'Compaction pass, 1M records / 10k keys',
    clean,
    'MB/s',
    'read of every record',
    read,
    clean / read,
    '>= 0.3x',
    clean / read >= 0.3,
  )
  b.row(
    'Compaction pass, 1M records / 10k keys',
    clean,
    'MB/s',
    'read of the bytes only',
    bytes,
    clean / bytes,
    '-',
    null,
  )
}

/** A daemon's log, for the cleaner's start and end lines. */
const daemonLog = (home) => readFileSync(join(home, 'daemon.log'), 'utf8')

/** The child's program: produce throughput and a latency probe against a home; prints {rate, p99}. */
const PRODUCE_CHILD = `
const [lib, home, topic, records] = process.argv.slice(1)
const {KafkaProducer} = await import(lib)
const config = {'kafkalite.home': home, acks: '1'}
const N = Number(records)
const value = Buffer.alloc(100, 'p')
const bulk = new KafkaProducer({...config, 'linger.ms': 5, 'batch.size': 262144})
let failed = null
const cb = (e) => { if (e) failed = e }
let start = process.hrtime.bigint()
for (let i = 0; i < N; i++) {
  bulk.sendWithCallback({topic, value}, cb)
  if ((i & 1023) === 0 && bulk.bufferedBytes >= 32 << 20) await bulk.whenBufferAvailable()
}
await bulk.flush()
const rate = N / (Number(process.hrtime.bigint() - start) / 1e9)
await bulk.close()
if (failed) throw failed
const probe = new KafkaProducer({...config, 'linger.ms': 0})
const latencies = []
for (let i = 0; i < 1000; i++) {
  const t = process.hrtime.bigint()
  await probe.send({topic, value})
  latencies.push(Number(process.hrtime.bigint() - t) / 1e6)
}
await probe.close()
latencies.sort((a, b) => a - b)
process.stdout.write(JSON.stringify({rate, p99: latencies[Math.floor(latencies.length * 0.99)]}))
`

/** The child's program that fills the compacted backlog. */
const FILL_CHILD = `
const [lib, home, records, keys] = process.argv.slice(1)
const {KafkaProducer} = await import(lib)
const producer = new KafkaProducer({'kafkalite.home': home, acks: '1', 'linger.ms': 5})
const value = Buffer.alloc(100, 'v')
const N = Number(records), K = Number(keys)
for (let i = 0; i < N; i++) {
  producer.sendWithCallback({topic: 'table', key: 'key-' + (i % K), value}, (e) => { if (e) throw e })
  if ((i & 1023) === 0 && producer.bufferedBytes >= 32 << 20) await producer.whenBufferAvailable()
}
await producer.flush()
await producer.close()
`

/**
 * Produce throughput and p99 latency while the cleaner compacts a backlog of 2M records, against the same daemon
 * with the cleaner idle. The backlog is written with min.compaction.lag.ms high (not yet cleanable), then the topic
 * is made cleanable and the measurement starts once the daemon logs the pass's start; a run whose pass ended before
 * the measurement did is reported as such.
 */
export async function cleanerLoad(b) {
  b.log('cleaner: produce throughput and p99 while a cleaner pass runs, against the cleaner idle')
  const lib = join(b.ROOT, 'dist', 'client', 'index.js')
  const home = b.newHome()
  writeFileSync(join(home, 'server.properties'), 'log.cleaner.backoff.ms=50\nlog.retention.check.interval.ms=1000\n')
  const child = (program, args) => {
    const res = spawnSync(b.NODE, ['--input-type=module', '-e', program, lib, home, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    })
    if (res.status !== 0) throw new Error(`cleaner bench child failed: ${res.stderr}`)
    return res.stdout === '' ? null : JSON.parse(res.stdout)
  }
  const records = String(Math.min(b.RECORDS, 200_000))
  const idle = []
  const busy = []
  let overlapped = 0
  try {
    b.cli(home, ['topics', '--create', '--topic', 'events'])
    for (let run = 0; run < Math.max(3, Math.ceil(b.RUNS / 2)); run++) {
      idle.push(child(PRODUCE_CHILD, ['events', records]))
      b.cli(home, ['topics', '--delete', '--topic', 'table', '--if-exists'])
      const topic = ['topics', '--create', '--topic', 'table', '--config', 'cleanup.policy=compact']
      b.cli(home, [...topic, '--config', 'segment.bytes=16777216', '--config', 'min.compaction.lag.ms=3600000'])
      child(FILL_CHILD, ['2000000', '10000'])
      const before = daemonLog(home).split('\n').length - 1 // the last element is the empty one after the last line
      b.cli(home, ['configs', '--alter', '--topic', 'table', '--add-config', 'min.compaction.lag.ms=0'])
      const deadline = Date.now() + 30_000
      while (
        !daemonLog(home)
          .split('\n')
          .slice(before)
          .some((l) => l.includes('log cleaner: cleaning table-0'))
      ) {
        if (Date.now() > deadline)
          throw new Error(`the cleaner did not start within 30 s: ${daemonLog(home).split('\n').slice(-8).join('\n')}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      busy.push(child(PRODUCE_CHILD, ['events', records]))
      const cleaned = () =>
        daemonLog(home)
          .split('\n')
          .slice(before)
          .some((l) => l.includes('log cleaner: cleaned table-0'))
      if (!cleaned()) overlapped++
      // The next idle measurement starts once the pass is over.
      while (!cleaned()) {
        if (Date.now() > deadline + 60_000) throw new Error('the cleaner pass did not end within 90 s')
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  } finally {
    try {
      b.cli(home, ['daemon', 'stop'])
    } catch {
      // already stopped
    }
    rmSync(home, {recursive: true, force: true})
  }
  b.log(`cleaner: the pass was still running when ${overlapped} of ${busy.length} measurements ended`)
  const rateIdle = b.median(idle.map((r) => r.rate))
  const rateBusy = b.median(busy.map((r) => r.rate))
  const p99Idle = b.median(idle.map((r) => r.p99))
  const p99Busy = b.median(busy.map((r) => r.p99))
  b.row(
    'Produce while the cleaner runs',
    rateBusy,
    'rec/s',
    'cleaner idle',
    rateIdle,
    rateBusy / rateIdle,
    '>= 0.8x',
    rateBusy / rateIdle >= 0.8,
  )
  b.row('Produce p99 while the cleaner runs', p99Busy, 'ms', 'cleaner idle', p99Idle, p99Busy / p99Idle, '-', null)
}
