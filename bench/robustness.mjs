// The robustness sections of `npm run bench` (issue 10), called from bench/run.mjs with its shared helpers:
//   validation   produce throughput with the daemon's per-record validation of produced batches, against the same
//                produce on a daemon that skips it (KAFKALITE_BENCH_SKIP_RECORD_VALIDATION=1, which exists for this
//                measurement only)
//   unread       the daemon's peak RSS while 50 clients pipeline fetches of 16 MiB and never read them, against the
//                same daemon idle
//   bigrecord    what one record of 90 MiB costs the daemon at peak, produced and consumed, against its size
import {execFileSync} from 'node:child_process'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'

/** The daemon's resident set (VmRSS) or its peak since start or since resetPeakRss (VmHWM), in MiB. */
export function rssMiB(pid, field = 'VmRSS') {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]) / 1024
}

/**
 * Resets the process's VmHWM to its current RSS (Linux's clear_refs, value 5), so that VmHWM is the peak of what
 * follows only. False when the kernel or the permissions do not allow it: the caller's samples are then the peak.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * Samples the process's VmRSS every 20 ms until stop(), which returns the largest sample, or VmHWM when it could be
 * reset before (it then also holds the peaks between samples).
 */
export function sampleRss(pid, hwmReset) {
  let peak = rssMiB(pid)
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid))
    } catch {
      // the process is gone: the caller finds out on its own
    }
  }, 20)
  return {
    stop() {
      clearInterval(timer)
      return hwmReset ? Math.max(peak, rssMiB(pid, 'VmHWM')) : Math.max(peak, rssMiB(pid))
    },
  }
}

const daemonPid = (b, home) => JSON.parse(b.cli(home, ['daemon', 'status', '--json']).stdout.toString()).pid

// ---- produce with and without per-record validation ------------------------------------------------------------
/**
 * console-producer, RECORDS x 100 B (acks=1, as the produce section), into a fresh daemon that validates every
 * record of every batch, and into one that skips that call only; interleaved, the ratio taken per pair of runs.
 */
export async function recordValidation(b) {
  b.log('produce with and without per-record validation')
  const {Admin} = await import(join(b.ROOT, 'dist/client/index.js'))
  const dir = b.newHome()
  const input = join(dir, 'input.txt')
  b.makeInput(input)
  const produce = async (skip) => {
    const home = b.newHome()
    try {
      b.cli(home, ['daemon', 'start'], {env: {KAFKALITE_BENCH_SKIP_RECORD_VALIDATION: skip ? '1' : '0'}})
      // The daemon says at start that it skips validation: check that each daemon is the one this run needs.
      const skipping = readFileSync(join(home, 'daemon.log'), 'utf8').includes('KAFKALITE_BENCH_SKIP_RECORD_VALIDATION')
      if (skipping !== skip)
        throw new Error(`the daemon ${skipping ? 'skips' : 'validates'} records, expected otherwise`)
      b.cli(home, ['topics', '--create', '--topic', 'bench'])
      const start = b.now()
      execFileSync(
        'sh',
        ['-c', `"${b.NODE}" "${b.BIN}" console-producer --topic bench --request-required-acks 1 < "${input}"`],
        {env: {...process.env, KAFKALITE_HOME: home}, stdio: ['ignore', 'ignore', 'inherit']},
      )
      const rate = b.RECORDS / (b.ms(start) / 1000)
      const admin = await Admin.create({'kafkalite.home': home})
      const [end] = await admin.listOffsets([{topic: 'bench', partition: 0, spec: 'latest'}])
      admin.close()
      if (end.offset !== b.RECORDS) throw new Error(`after the produce run the log ends at ${end.offset}`)
      return rate
    } finally {
      b.cli(home, ['daemon', 'stop'])
      rmSync(home, {recursive: true, force: true})
    }
  }
  const validated = []
  const skipped = []
  const ratios = []
  try {
    for (let run = 0; run < b.RUNS; run++) {
      b.log(`validation run ${run + 1}/${b.RUNS}`)
      // Every other run measures the baseline first, so neither kind always comes first.
      const first = run % 2 === 1 ? await produce(true) : undefined
      const v = await produce(false)
      const s = first ?? (await produce(true))
      validated.push(v)
      skipped.push(s)
      ratios.push(v / s)
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  const ratio = b.median(ratios)
  b.row(
    `Produce ${Math.round(b.RECORDS / 1000)}k x 100 B, every record validated (console-producer)`,
    b.median(validated),
    'rec/s',
    'daemon skipping record validation',
    b.median(skipped),
    ratio,
    '>= 0.9x',
    ratio >= 0.9,
  )
}

// ---- clients that never read their fetches ---------------------------------------------------------------------
const CLIENTS = 50
const FETCHES_PER_CLIENT = 70
const FETCH_BYTES = 16 << 20

/**
 * 50 raw connections on the Unix socket, each pipelining 70 fetches of up to 16 MiB of a partition holding 40 MB and
 * never reading a byte (56 GiB asked for in all), as test/integration/daemon/hostile-clients.test.ts does with 20.
 * The peak is the daemon's RSS over the 5 s that follow; the baseline the same daemon, idle with the data, just before.
 */
export async function unreadFetches(b) {
  b.log(`daemon RSS with ${CLIENTS} clients that never read their fetches`)
  const {Admin, KafkaProducer} = await import(join(b.ROOT, 'dist/client/index.js'))
  const {encodeFrame, KIND_REQUEST} = await import(join(b.ROOT, 'dist/protocol/socket/frame.js'))
  const {brokerPaths} = await import(join(b.ROOT, 'dist/paths.js'))
  const peaks = []
  const idles = []
  for (let run = 0; run < b.RUNS; run++) {
    const home = b.newHome()
    const config = {'kafkalite.home': home}
    const sockets = []
    try {
      const producer = new KafkaProducer({...config, 'linger.ms': '5', 'batch.size': String(1 << 20)})
      const value = Buffer.alloc(100_000, 'x')
      for (let i = 0; i < 400; i++) {
        producer.sendWithCallback({topic: 'unread', partition: 0, value}, (e) => {
          if (e) throw e
        })
      }
      await producer.close()
      const pid = daemonPid(b, home)
      await new Promise((r) => setTimeout(r, 500)) // let the producer's connection close and the heap settle
      const idle = rssMiB(pid)
      const hwmReset = resetPeakRss(pid)
      const fetch = {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: FETCH_BYTES,
        partitions: [{topic: 'unread', partition: 0, offset: 0, maxBytes: FETCH_BYTES}],
      }
      const frame = (id) => Buffer.concat(encodeFrame(id, KIND_REQUEST, JSON.stringify({m: 'fetch', p: fetch})))
      const requests = Buffer.concat(Array.from({length: FETCHES_PER_CLIENT}, (_, i) => frame(i + 1)))
      const sampling = sampleRss(pid, hwmReset)
      for (let c = 0; c < CLIENTS; c++) {
        const socket = connect(brokerPaths(home).socket)
        sockets.push(socket)
        socket.on('error', () => {}) // the daemon may close a connection it will not serve; that is its right
        await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
        socket.pause() // never reads
        socket.write(requests)
      }
      await new Promise((r) => setTimeout(r, 5_000)) // the daemon serves what it is willing to serve
      const peak = sampling.stop()
      // The daemon still serves a well-behaved client while the others sit on their replies.
      const admin = await Admin.create(config)
      const [end] = await admin.listOffsets([{topic: 'unread', partition: 0, spec: 'latest'}])
      admin.close()
      if (end.offset !== 400) throw new Error(`the daemon answered a fresh client with log end ${end.offset}`)
      b.log(`unread run ${run + 1}/${b.RUNS}: idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`)
      peaks.push(peak)
      idles.push(idle)
    } finally {
      for (const s of sockets) s.destroy()
      b.cli(home, ['daemon', 'stop'])
      rmSync(home, {recursive: true, force: true})
    }
  }
  const peak = Math.max(...peaks)
  const idle = b.median(idles)
  b.row(
    `Daemon peak RSS, ${CLIENTS} clients never reading ${FETCHES_PER_CLIENT} fetches of 16 MiB each`,
    peak,
    'MB',
    'same daemon idle, 40 MB in the topic',
    idle,
    peak / idle,
    '<= 200 MB',
    peak <= 200,
  )
}

// ---- one large record --------------------------------------------------------------------------------------------
const BIG_RECORD = 90 << 20

/**
 * One record of 90 MiB (a topic with max.message.bytes of 100 MiB), produced by the library into a fresh daemon, then
 * consumed by the library from a freshly started daemon. Each figure is the daemon's peak RSS over its phase less its
 * idle RSS just before, against the record's size: what the record cost the daemon, in multiples of its size.
 */
export async function largeRecord(b) {
  b.log('daemon RSS for one record of 90 MiB')
  const {Admin, KafkaProducer, KafkaConsumer} = await import(join(b.ROOT, 'dist/client/index.js'))
  const produced = []
  const consumed = []
  const value = Buffer.alloc(BIG_RECORD)
  for (let i = 0; i < BIG_RECORD; i += 4096) value[i] = i & 0xff
  const settle = () => new Promise((r) => setTimeout(r, 300))
  for (let run = 0; run < b.RUNS; run++) {
    const home = b.newHome()
    const config = {'kafkalite.home': home}
    try {
      const admin = await Admin.create(config)
      await admin.createTopics([{name: 'big', configs: {'max.message.bytes': String(100 << 20)}}])
      admin.close()
      let pid = daemonPid(b, home)
      await settle()
      let idle = rssMiB(pid)
      let sampling = sampleRss(pid, resetPeakRss(pid))
      const producer = new KafkaProducer({...config, 'max.request.size': String(100 << 20)})
      await producer.send({topic: 'big', partition: 0, value})
      await producer.close()
      produced.push((sampling.stop() - idle) / (BIG_RECORD / (1 << 20)))
      b.cli(home, ['daemon', 'stop'])
      const again = await Admin.create(config) // a fresh daemon: what the produce left behind is not counted
      await again.listTopics()
      again.close()
      pid = daemonPid(b, home)
      await settle()
      idle = rssMiB(pid)
      sampling = sampleRss(pid, resetPeakRss(pid))
      const consumer = new KafkaConsumer({...config, 'max.partition.fetch.bytes': String(100 << 20)})
      consumer.assign([{topic: 'big', partition: 0}])
      consumer.seekToBeginning([{topic: 'big', partition: 0}])
      let got = 0
      for (let tries = 0; got === 0 && tries < 30; tries++) {
        const records = await consumer.poll(2_000)
        for (const r of records) if (r.value?.equals(value)) got++
      }
      await consumer.close()
      if (got !== 1) throw new Error('the 90 MiB record did not come back whole')
      consumed.push((sampling.stop() - idle) / (BIG_RECORD / (1 << 20)))
      b.log(
        `big record run ${run + 1}/${b.RUNS}: produce ${produced.at(-1).toFixed(2)}x, consume ${consumed.at(-1).toFixed(2)}x`,
      )
    } finally {
      b.cli(home, ['daemon', 'stop'])
      rmSync(home, {recursive: true, force: true})
    }
  }
  for (const [what, values] of [
    ['produced', produced],
    ['consumed', consumed],
  ]) {
    const cost = Math.max(...values)
    b.row(
      `Daemon peak RSS over idle, one 90 MiB record ${what} (worst of ${b.RUNS})`,
      cost * 90,
      'MB',
      'the record',
      90,
      cost,
      '<= 1.5x',
      cost <= 1.5,
    )
  }
}
