// kafkalite benchmarks: `npm run bench` (after a build). Every figure is the median of several runs and is printed
// next to a baseline measured in the same run on the same machine, because absolute numbers on shared machines
// drift from one minute to the next while ratios hold.
//
//   BENCH_RECORDS=1000000  records for the produce and consume runs (100-byte values)
//   BENCH_RUNS=5           repetitions of each timed step
//   BENCH_ONLY=a,b         only these sections: cli, cold, produce, latency, rebalance, group, txn, lag,
//                          validation, unread, bigrecord (bench/robustness.mjs), listener, anchor (bench/kafka-listener.mjs), cluster
//                          (bench/kafka-cluster.mjs), registry (bench/schema-registry.mjs), serdes (bench/serdes.mjs: Avro
//                          produce and decode), compaction and cleaner (bench/retention.mjs: one cleaner pass
//                          against reading every record; produce throughput and p99 while the cleaner runs), perf
//                          (bench/tools.mjs: producer-perf-test against console-producer)
//   BENCH_DOCS=path|none   where the report goes: by default a complete run (no BENCH_ONLY) rewrites the generated
//                          part of docs/benchmarks.md and a partial run writes nothing; a path writes there anyway
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, release, tmpdir, totalmem} from 'node:os'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {kafkaCluster} from './kafka-cluster.mjs'
import {kafkaAnchor, kafkaListener} from './kafka-listener.mjs'
import {largeRecord, recordValidation, unreadFetches} from './robustness.mjs'
import {cleanerLoad, compaction} from './retention.mjs'
import {registryLookups} from './schema-registry.mjs'
import {schemaSerdes} from './serdes.mjs'
import {perfTests} from './tools.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(ROOT, 'bin', 'run.js')
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const NODE = process.execPath

const rows = []
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6
const now = () => process.hrtime.bigint()
const log = (s) => process.stderr.write(`bench: ${s}\n`)

function newHome() {
  return mkdtempSync(join(tmpdir(), 'kl-bench-'))
}

function cli(home, args, options = {}) {
  const res = spawnSync(NODE, [BIN, ...args], {
    env: {...process.env, ...options.env, KAFKALITE_HOME: home},
    input: options.input,
    stdio: [options.stdin ?? 'pipe', options.stdout ?? 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  })
  if (res.status !== 0) throw new Error(`kafkalite ${args.join(' ')} failed (${res.status}): ${res.stderr}`)
  return res
}

function timeCommand(cmd, args, env = {}) {
  const start = now()
  const res = spawnSync(cmd, args, {env: {...process.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']})
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${res.stderr}`)
  return ms(start)
}

/** One figure of the report. A row without a target (an anchor, a companion figure) has target '-' and ok null. */
function row(name, value, unit, baselineName, baseline, ratio, target, ok) {
  rows.push({name, value, unit, baselineName, baseline, ratio, target, ok})
}

// ---- 1. import costs (what each piece adds to a bare node start) -------------------------------------------------------------------------------------------
function importCosts() {
  log('import costs')
  const base = median(Array.from({length: RUNS * 2}, () => timeCommand(NODE, ['-e', '0'])))
  const cache = join(ROOT, 'bin/code-cache.cjs')
  const bundle = join(ROOT, 'dist/bundle/main.cjs')
  const imports = {
    'CLI bundle (oclif) with V8 code cache': `import('${cache}').then(() => import('${bundle}'))`,
    'CLI bundle (oclif) without code cache': `import('${bundle}')`,
    '@oclif/core (unbundled)': "import('@oclif/core')",
    'zod (unbundled)': "import('zod')",
    'better-sqlite3': "import('better-sqlite3')",
    'client library (dist/client)': `import('${join(ROOT, 'dist/client/index.js')}')`,
  }
  const out = []
  for (const [name, code] of Object.entries(imports)) {
    const t = median(
      Array.from({length: RUNS}, () =>
        timeCommand(NODE, ['--input-type=module', '-e', `await ${code}`], {NODE_PATH: ''}),
      ),
    )
    out.push({name, ms: t - base})
  }
  return {base, out}
}

// ---- 2. CLI latency against a running daemon -------------------------------------------------------------------
function cliLatency() {
  log('CLI latency')
  const home = newHome()
  try {
    cli(home, ['topics', '--create', '--topic', 'bench'])
    const n = RUNS * 3
    const base = median(Array.from({length: n}, () => timeCommand(NODE, ['-e', '0'])))
    const list = median(
      Array.from({length: n}, () => timeCommand(NODE, [BIN, 'topics', '--list'], {KAFKALITE_HOME: home})),
    )
    row(
      'CLI latency: topics --list (daemon running)',
      list,
      'ms',
      'node -e 0',
      base,
      list / base,
      '<= 2.0x',
      list / base <= 2.0,
    )
  } finally {
    cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
  }
}

// ---- 3. cold start ---------------------------------------------------------------------------------------------
function coldStart() {
  log('cold start')
  const base = median(Array.from({length: RUNS}, () => timeCommand(NODE, ['-e', '0'])))
  const times = []
  for (let i = 0; i < RUNS; i++) {
    const home = newHome()
    times.push(timeCommand(NODE, [BIN, 'topics', '--create', '--topic', 'cold'], {KAFKALITE_HOME: home}))
    cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
  }
  const t = median(times)
  row('Cold start: no daemon, topics --create', t, 'ms', 'node -e 0', base, t / base, '<= 400 ms', t <= 400)
}

// ---- 4. produce and consume 1M records, with direct-SQLite baselines -------------------------------------------
function makeInput(file) {
  // 100-byte values: a counter padded with letters, one per line.
  const line = (i) => String(i).padStart(10, '0') + 'x'.repeat(90)
  const chunk = []
  for (let i = 0; i < RECORDS; i++) chunk.push(line(i))
  writeFileSync(file, chunk.join('\n') + '\n')
}

/** Runs bench/baseline.mjs as its own process, timed like the console tools: wall time of the whole process. */
function sqliteBaselines(input) {
  const dir = newHome()
  const script = join(ROOT, 'bench/baseline.mjs')
  try {
    const produce = []
    const consume = []
    for (let run = 0; run < RUNS; run++) {
      const db = join(dir, `base-${run}.db`)
      produce.push(timeCommand(NODE, [script, 'insert', input, db]))
      const start = now()
      const res = spawnSync(NODE, [script, 'read', db], {stdio: ['ignore', 'ignore', 'pipe']})
      consume.push(ms(start))
      if (Number(res.stderr.toString()) !== RECORDS) throw new Error(`baseline read: ${res.stderr}`)
    }
    return {produce: RECORDS / (median(produce) / 1000), consume: RECORDS / (median(consume) / 1000)}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

function peakRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024
  } catch {
    return Number.NaN
  }
}

async function produceConsume() {
  const dir = newHome()
  const input = join(dir, 'input.txt')
  log(`writing ${RECORDS} records of 100 bytes`)
  makeInput(input)
  const baselines = sqliteBaselines(input)
  const produceRates = []
  const consumeRates = []
  const rss = []
  let idleRss = Number.NaN
  try {
    for (let run = 0; run < RUNS; run++) {
      log(`produce/consume run ${run + 1}/${RUNS}`)
      const home = newHome()
      try {
        cli(home, ['topics', '--create', '--topic', 'bench'])
        const pid = JSON.parse(cli(home, ['daemon', 'status', '--json']).stdout.toString()).pid
        idleRss = peakRss(pid)
        const start = now()
        execFileSync(
          'sh',
          ['-c', `"${NODE}" "${BIN}" console-producer --topic bench --request-required-acks 1 < "${input}"`],
          {
            env: {...process.env, KAFKALITE_HOME: home},
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        )
        produceRates.push(RECORDS / (ms(start) / 1000))
        rss.push(peakRss(pid))
        const cstart = now()
        const res = spawnSync(
          NODE,
          [BIN, 'console-consumer', '--topic', 'bench', '--from-beginning', '--max-messages', String(RECORDS)],
          {
            env: {...process.env, KAFKALITE_HOME: home},
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        )
        if (!res.stderr.toString().includes(`Processed a total of ${RECORDS} messages`)) {
          throw new Error(`consumer: ${res.stderr}`)
        }
        consumeRates.push(RECORDS / (ms(cstart) / 1000))
      } finally {
        cli(home, ['daemon', 'stop'])
        rmSync(home, {recursive: true, force: true})
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  const p = median(produceRates)
  const c = median(consumeRates)
  const r = Math.max(...rss)
  const k = (n) => `${Math.round(n / 1000)}k`
  row(
    `Produce ${k(RECORDS)} x 100 B via console-producer (acks=1)`,
    p,
    'rec/s',
    'script: encode + insert into SQLite',
    baselines.produce,
    p / baselines.produce,
    '>= 800k rec/s and >= 0.6x',
    p >= 800_000 && p / baselines.produce >= 0.6,
  )
  row(
    `Consume ${k(RECORDS)} via console-consumer > /dev/null`,
    c,
    'rec/s',
    'script: read + decode from SQLite',
    baselines.consume,
    c / baselines.consume,
    '>= 1M rec/s',
    c >= 1_000_000,
  )
  row('Daemon peak RSS during the produce run', r, 'MB', 'idle daemon', idleRss, r / idleRss, '<= 150 MB', r <= 150)
}

// ---- 5. end-to-end latency -------------------------------------------------------------------------------------
async function endToEnd() {
  log('end-to-end latency')
  const {KafkaProducer, KafkaConsumer} = await import(join(ROOT, 'dist/client/index.js'))
  const home = newHome()
  const config = {'kafkalite.home': home}
  const producer = new KafkaProducer({...config, 'linger.ms': 0})
  const consumer = new KafkaConsumer({...config, 'fetch.max.wait.ms': 5000})
  const topic = 'latency'
  await producer.send({topic, partition: 0, value: 'warm-up'})
  consumer.assign([{topic, partition: 0}])
  consumer.seekToEnd()
  await consumer.position({topic, partition: 0})
  const samples = []
  const n = 2000
  for (let i = 0; i < n; i++) {
    const polled = consumer.poll(5000)
    await new Promise((resolve) => setImmediate(resolve)) // let the fetch park at the daemon
    const start = now()
    void producer.send({topic, partition: 0, value: String(i)})
    const records = await polled
    if (records.count !== 1) throw new Error(`expected 1 record, got ${records.count}`)
    samples.push(ms(start))
  }
  await producer.close()
  await consumer.close()
  cli(home, ['daemon', 'stop'])
  rmSync(home, {recursive: true, force: true})

  // Baseline: a round trip on a Unix socket between two Node processes, the floor for any local broker.
  const echoDir = newHome()
  const sock = join(echoDir, 'echo.sock')
  const server = spawn(
    NODE,
    [
      '-e',
      `require('net').createServer(s => s.on('data', d => s.write(d))).listen(${JSON.stringify(sock)}, () => console.log('up'))`,
    ],
    {stdio: ['ignore', 'pipe', 'inherit']},
  )
  await new Promise((resolve) => server.stdout.once('data', resolve))
  const {connect} = await import('node:net')
  const client = connect(sock)
  await new Promise((resolve) => client.once('connect', resolve))
  const rtts = []
  for (let i = 0; i < n; i++) {
    const start = now()
    client.write('x')
    await new Promise((resolve) => client.once('data', resolve))
    rtts.push(ms(start))
  }
  client.destroy()
  server.kill()
  rmSync(echoDir, {recursive: true, force: true})
  const p50 = percentile(samples, 0.5)
  const p99 = percentile(samples, 0.99)
  row(
    'End-to-end latency p50 (produce -> waiting consumer)',
    p50,
    'ms',
    'Unix socket round trip p50',
    percentile(rtts, 0.5),
    p50 / percentile(rtts, 0.5),
    '<= 1 ms',
    p50 <= 1,
  )
  row(
    'End-to-end latency p99',
    p99,
    'ms',
    'Unix socket round trip p99',
    percentile(rtts, 0.99),
    p99 / percentile(rtts, 0.99),
    '<= 5 ms',
    p99 <= 5,
  )
}

// ---- 6. consumer groups ----------------------------------------------------------------------------------------
/** Rebalance time: a third member joins a group of two on a 12-partition topic, until all three hold 4 partitions. */
async function rebalance() {
  log('rebalance')
  const {Admin, KafkaConsumer} = await import(join(ROOT, 'dist/client/index.js'))
  const home = newHome()
  const delay = 0
  writeFileSync(join(home, 'server.properties'), `group.initial.rebalance.delay.ms=${delay}\n`)
  const admin = await Admin.create({'kafkalite.home': home})
  await admin.createTopics([{name: 'rb', numPartitions: 12}])
  admin.close()
  const times = []
  for (let run = 0; run < RUNS; run++) {
    const config = {'kafkalite.home': home, 'group.id': `rb-${run}`}
    const make = () => {
      const c = new KafkaConsumer(config)
      c.subscribe(['rb'])
      return c
    }
    const members = [make(), make()]
    let stop = false
    const loops = members.map(async (c) => {
      while (!stop) await c.poll(20)
    })
    while (!members.every((c) => c.assignment().length === 6)) await new Promise((r) => setTimeout(r, 5))
    const start = now()
    const third = make()
    members.push(third)
    loops.push(
      (async () => {
        while (!stop) await third.poll(20)
      })(),
    )
    while (!members.every((c) => c.assignment().length === 4)) await new Promise((r) => setImmediate(r))
    times.push(ms(start))
    stop = true
    await Promise.all(loops)
    await Promise.all(members.map((c) => c.close()))
  }
  cli(home, ['daemon', 'stop'])
  rmSync(home, {recursive: true, force: true})
  const t = median(times)
  row(
    'Rebalance: a 3rd member joins 2 (12 partitions)',
    t,
    'ms',
    'group.initial.rebalance.delay.ms',
    delay,
    Number.NaN,
    '< 100 ms + initial delay',
    t < 100 + delay,
  )
}

/** Group consume throughput: two console consumers of one group, against one, on the same 12-partition topic. */
async function groupConsume() {
  log('group consume')
  const dir = newHome()
  const input = join(dir, 'input.txt')
  makeInput(input)
  const home = newHome()
  // Both members of a starting group should land in its first generation.
  writeFileSync(join(home, 'server.properties'), 'group.initial.rebalance.delay.ms=300\n')
  try {
    cli(home, ['topics', '--create', '--topic', 'gc', '--partitions', '12'])
    execFileSync('sh', ['-c', `"${NODE}" "${BIN}" console-producer --topic gc < "${input}"`], {
      env: {...process.env, KAFKALITE_HOME: home},
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    const consume = (group, members) =>
      new Promise((resolve, reject) => {
        const start = now()
        let total = 0
        let left = members
        for (let i = 0; i < members; i++) {
          const child = spawn(
            NODE,
            [BIN, 'console-consumer', '--topic', 'gc', '--group', group, '--from-beginning', '--exit-at-end'],
            {
              env: {...process.env, KAFKALITE_HOME: home},
              stdio: ['ignore', 'ignore', 'pipe'],
            },
          )
          let err = ''
          child.stderr.on('data', (c) => (err += c))
          child.on('close', () => {
            const match = /Processed a total of (\d+) messages/.exec(err)
            if (!match) return reject(new Error(`group consumer: ${err}`))
            total += Number(match[1])
            if (--left === 0) {
              if (total !== RECORDS) return reject(new Error(`group consumed ${total} of ${RECORDS}`))
              resolve(RECORDS / (ms(start) / 1000))
            }
          })
        }
      })
    const single = []
    const double = []
    for (let run = 0; run < RUNS; run++) {
      single.push(await consume(`one-${run}`, 1))
      double.push(await consume(`two-${run}`, 2))
    }
    const one = median(single)
    const two = median(double)
    row(
      'Group consume, 2 members (console-consumer --group)',
      two,
      'rec/s',
      '1 member, same topic',
      one,
      two / one,
      '>= 1.0x',
      two >= one,
    )
  } finally {
    cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
    rmSync(dir, {recursive: true, force: true})
  }
}

// ---- 8. delivery guarantees: idempotent and transactional produce against plain produce -----------------------
async function deliveryGuarantees() {
  log('idempotent and transactional produce')
  const {KafkaProducer} = await import('../dist/client/index.js')
  const home = newHome()
  const records = RECORDS // long runs: a 300k run varied by up to 2x with garbage collection
  const value = Buffer.alloc(100, 'x')
  try {
    cli(home, ['topics', '--create', '--topic', 'dg', '--partitions', '3'])
    const config = {'kafkalite.home': home, acks: 'all', 'linger.ms': '5'}
    // Sends `records` records (100-byte values), in transactions of `perTxn` records when transactional.
    const produce = async (extra, perTxn = 0) => {
      const producer = new KafkaProducer({...config, ...extra})
      if (perTxn > 0) await producer.initTransactions()
      const start = now()
      const failed = (e) => {
        if (e) throw e
      }
      for (let i = 0; i < records;) {
        if (perTxn > 0) producer.beginTransaction()
        const end = perTxn > 0 ? Math.min(records, i + perTxn) : records
        for (; i < end; i++) {
          producer.sendWithCallback({topic: 'dg', value}, failed)
          if (producer.bufferedBytes > 16 << 20) await producer.whenBufferAvailable()
          if ((i & 1023) === 0) await new Promise((r) => setImmediate(r))
        }
        if (perTxn > 0) await producer.commitTransaction()
      }
      await producer.flush()
      const rate = records / (ms(start) / 1000)
      await producer.close()
      return rate
    }
    // Interleaved runs, and the ratio of each run to the plain run next to it: slow drifts of a shared machine
    // cancel out of each ratio.
    const plain = []
    const ratios = {idempotent: [], txn1k: [], txn10k: []}
    const rates = {idempotent: [], txn1k: [], txn10k: []}
    for (let run = 0; run < RUNS; run++) {
      // Every other run measures the plain baseline last, so no kind of run always comes first.
      const first = run % 2 === 0 ? await produce({'enable.idempotence': 'false'}) : undefined
      const measured = {
        idempotent: await produce({'enable.idempotence': 'true'}),
        txn1k: await produce({'transactional.id': `bench-a-${run}`}, 1000),
        txn10k: await produce({'transactional.id': `bench-b-${run}`}, 10_000),
      }
      const p = first ?? (await produce({'enable.idempotence': 'false'}))
      plain.push(p)
      for (const k of Object.keys(measured)) {
        rates[k].push(measured[k])
        ratios[k].push(measured[k] / p)
      }
    }
    const p = median(plain)
    const add = (name, key, target) => {
      const ratio = median(ratios[key])
      row(name, median(rates[key]), 'rec/s', 'plain produce, acks=all', p, ratio, `>= ${target}x`, ratio >= target)
    }
    add('Idempotent produce (client library, acks=all)', 'idempotent', 0.95)
    add('Transactional produce, 1,000 records/txn', 'txn1k', 0.8)
    add('Transactional produce, 10,000 records/txn', 'txn10k', 0.8)
  } finally {
    cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
  }
}

// ---- 9. the lag viewer: one refresh with 200 groups over 50 topics of 10 partitions, and the daemon's CPU --------
// The daemon's lag history is full, as after minutes of steady producing: a sample interval of 10 ms (server.properties)
// and 320 rounds of appends to every partition give each partition its bound of log-end samples (300, thinned to 225
// past it), and each group partition its window of 10 commits.
async function lagViewer() {
  log('lag viewer')
  const {Admin, DaemonControl, KafkaProducer} = await import('../dist/client/index.js')
  const {initialState, reducer} = await import('../dist/tui/lag/view.js')
  const {Screen} = await import('../dist/tui/lag/app.js')
  process.env.NODE_ENV ??= 'production' // as `kafkalite lag` runs React
  const {createElement} = await import('react')
  const {render} = await import('ink')
  const {Readable, Writable} = await import('node:stream')
  const home = newHome()
  writeFileSync(join(home, 'server.properties'), 'kafkalite.lag.sample.interval.ms=10\n')
  const config = {'kafkalite.home': home}
  try {
    const admin = await Admin.create(config)
    const control = await DaemonControl.open({home})
    const topics = Array.from({length: 50}, (_, i) => `t${i}`)
    await admin.createTopics(topics.map((name) => ({name, numPartitions: 10})))
    const producer = new KafkaProducer({...config, 'linger.ms': '5'})
    const value = Buffer.alloc(100, 'x')
    const commitRound = async (round) => {
      for (let g = 0; g < 200; g++) {
        const topic = topics[g % 50]
        const offsets = Array.from({length: 10}, (_, partition) => ({topic, partition, offset: round * 10 + (g % 7)}))
        await admin.alterConsumerGroupOffsets(`group-${g}`, offsets)
      }
    }
    log('lag viewer: filling the history (320 rounds of appends to 500 partitions, 10 rounds of commits)')
    for (let round = 1; round <= 320; round++) {
      for (const topic of topics) {
        for (let partition = 0; partition < 10; partition++) {
          for (let i = 0; i < 2; i++) producer.sendWithCallback({topic, partition, value}, () => {})
        }
      }
      await producer.flush()
      if (round % 32 === 0) await commitRound(round / 32)
      await new Promise((r) => setTimeout(r, 11)) // the next round in the next sample interval
    }
    await producer.close()
    const size = async (partitions) =>
      `${(JSON.stringify(await control.lagSnapshot({partitions})).length / 1024).toFixed(0)} kB`
    log(
      `lag viewer: a snapshot is ${await size('none')} of JSON on the groups screen, ${await size('all')} with every partition`,
    )
    // The frame is drawn as the viewer draws it: one ink instance, re-rendered, writing to a 160x50 terminal.
    let written = ''
    const stdout = Object.assign(
      new Writable({
        write: (chunk, _encoding, done) => {
          written += chunk
          done()
        },
      }),
      {
        columns: 160,
        rows: 51,
        isTTY: true,
      },
    )
    const stdin = Object.assign(new Readable({read() {}}), {isTTY: false})
    const screen = (state) => createElement(Screen, {state, width: 160, height: 50})
    const ink = render(screen(initialState(1000)), {
      stdout,
      stdin,
      patchConsole: false,
      maxFps: 0,
    })
    const stages = {request: [], draw: []}
    const refresh = async () => {
      const start = now()
      const snapshot = await control.lagSnapshot({partitions: 'none'}) // as the viewer's groups screen asks
      const fetched = now()
      written = ''
      ink.rerender(screen(reducer(initialState(1000), {type: 'snapshot', groups: snapshot.groups, now: snapshot.now})))
      if (!written.includes('group-')) throw new Error('the lag viewer drew no group')
      stages.request.push(Number(fetched - start) / 1e6)
      stages.draw.push(ms(fetched))
      return ms(start)
    }
    const roundTrip = async () => {
      const start = now()
      await control.status()
      return ms(start)
    }
    for (let i = 0; i < 3; i++) await refresh() // warm-up
    const refreshes = []
    const trips = []
    for (let i = 0; i < RUNS * 4; i++) {
      refreshes.push(await refresh())
      trips.push(await roundTrip())
    }
    const r = median(refreshes)
    const stage = (name) => `${name} ${median(stages[name]).toFixed(1)} ms`
    log(`lag viewer: a refresh is ${stage('request')} (the daemon evaluates), ${stage('draw')} (medians)`)
    row(
      'Lag viewer refresh: 200 groups, 50 topics x 10 partitions',
      r,
      'ms',
      'status request round trip',
      median(trips),
      r / median(trips),
      '< 50 ms',
      r < 50,
    )
    // Daemon CPU while a viewer refreshes every second, against the same daemon idle.
    const pid = JSON.parse(readFileSync(join(home, 'daemon.pid'), 'utf8')).pid
    const cpuMs = () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return (Number(f[11]) + Number(f[12])) * 10 // clock ticks of 10 ms
    }
    const seconds = 10
    const idleStart = cpuMs()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const idle = ((cpuMs() - idleStart) / (seconds * 1000)) * 100
    const busyStart = cpuMs()
    for (let i = 0; i < seconds; i++) {
      const t = Date.now()
      await control.lagSnapshot({partitions: 'none'})
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - t))))
    }
    const busy = ((cpuMs() - busyStart) / (seconds * 1000)) * 100
    row('Daemon CPU, lag viewer refreshing every 1 s', busy, '%', 'idle daemon', idle, Number.NaN, '< 5%', busy < 5)
    ink.unmount()
    admin.close()
    control.close()
  } finally {
    cli(home, ['daemon', 'stop'])
    rmSync(home, {recursive: true, force: true})
  }
}

// ---- report ----------------------------------------------------------------------------------------------------
const fmt = (v, unit) =>
  unit === 'rec/s' ? `${Math.round(v).toLocaleString('en-US')}` : v.toFixed(unit === 'MB' ? 1 : 2)

/** What the sections in their own modules (bench/robustness.mjs, bench/kafka-listener.mjs) share with this file. */
const bench = {ROOT, BIN, NODE, RECORDS, RUNS, log, row, median, percentile, ms, now, newHome, cli, makeInput}

// BENCH_ONLY=cli,cold,... runs a subset.
const SECTIONS = [
  'cli',
  'cold',
  'produce',
  'latency',
  'rebalance',
  'group',
  'txn',
  'lag',
  'validation',
  'unread',
  'bigrecord',
  'listener',
  'anchor',
  'cluster',
  'registry',
  'serdes',
  'compaction',
  'cleaner',
  'perf',
]
const only = process.env.BENCH_ONLY?.split(',')
const unknown = only?.filter((s) => !SECTIONS.includes(s)) ?? []
if (unknown.length > 0) throw new Error(`BENCH_ONLY: no section ${unknown.join(', ')} (use ${SECTIONS.join(', ')})`)
const want = (name) => !only || only.includes(name)
/** Runs a section when it is wanted, and says how long it took. */
async function section(name, run) {
  if (!want(name)) return
  const start = now()
  await run()
  log(`${name}: ${(ms(start) / 1000).toFixed(1)} s`)
}
const started = new Date()
const loadAtStart = loadavg()[0]
let base = Number.NaN
let imports = []
await section('cli', () => {
  ;({base, out: imports} = importCosts())
  cliLatency()
})
await section('cold', coldStart)
await section('produce', produceConsume)
await section('latency', endToEnd)
await section('rebalance', rebalance)
await section('group', groupConsume)
await section('txn', deliveryGuarantees)
await section('lag', lagViewer)
await section('validation', () => recordValidation(bench))
await section('unread', () => unreadFetches(bench))
await section('bigrecord', () => largeRecord(bench))
await section('listener', () => kafkaListener(bench))
await section('anchor', () => kafkaAnchor(bench))
await section('cluster', () => kafkaCluster(bench))
await section('registry', () => registryLookups(bench))
await section('serdes', () => schemaSerdes(bench))
await section('compaction', () => compaction(bench))
await section('cleaner', () => cleanerLoad(bench))
await section('perf', () => perfTests(bench))

console.log(`\nkafkalite benchmarks (${started.toISOString()}, node ${process.version}, ${RUNS} runs each, medians)\n`)
const header = ['benchmark', 'value', 'unit', 'baseline (same run)', 'baseline', 'ratio', 'target', 'met']
const ratioText = (r) => (Number.isNaN(r.ratio) ? '-' : `${r.ratio.toFixed(2)}x`)
const metText = (r, no) => (r.ok === null ? '-' : r.ok ? 'yes' : no)
const table = rows.map((r) => [
  r.name,
  fmt(r.value, r.unit),
  r.unit,
  r.baselineName,
  fmt(r.baseline, r.unit),
  ratioText(r),
  r.target,
  metText(r, 'NO'),
])
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)))
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
console.log(line(header))
console.log(widths.map((w) => '-'.repeat(w)).join('  '))
for (const t of table) console.log(line(t))
if (imports.length > 0) {
  console.log(`\nImport cost over node -e 0 (${base.toFixed(1)} ms):`)
  for (const i of imports) console.log(`  ${i.name.padEnd(40)} +${i.ms.toFixed(1)} ms`)
}

// ---- docs/benchmarks.md: the run's part, between the markers; the hand-written analysis around it stays --------
const BEGIN = '<!-- bench:begin: written by bench/run.mjs, edits here are lost -->'
const END = '<!-- bench:end -->'
const docsPath = process.env.BENCH_DOCS ?? (only ? 'none' : join(ROOT, 'docs', 'benchmarks.md'))
if (docsPath === 'none') {
  log(`partial run: docs/benchmarks.md left as it is (BENCH_DOCS=docs/benchmarks.md writes it anyway)`)
} else {
  await writeDocs(docsPath)
}

/** The machine and the code the figures came from. */
function runFacts() {
  const cpu = cpus()
  const git = (args) => {
    const res = spawnSync('git', args, {cwd: ROOT, encoding: 'utf8'})
    return res.status === 0 ? res.stdout.trim() : null
  }
  const commit = git(['rev-parse', '--short', 'HEAD'])
  const dirty = commit && git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bench'])
  return [
    ['date', `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`],
    ['commit', commit ? `${commit}${dirty ? ' (with uncommitted changes in src/ or bench/)' : ''}` : 'unknown'],
    ['node', process.version],
    [
      'machine',
      `${process.platform} ${release()} ${process.arch}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'})`,
    ],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['load average (1 min) at start, at end', `${loadAtStart.toFixed(2)}, ${loadavg()[0].toFixed(2)}`],
    [
      'runs',
      `${RUNS} per figure, medians; ${RECORDS.toLocaleString('en-US')} records of 100 B for produce and consume`,
    ],
    ['sections', only ? only.join(', ') : 'all'],
  ]
}

function generatedPart() {
  const cell = (s) => String(s).replaceAll('|', '\\|')
  const mdTable = (head, body) =>
    [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.map(cell).join(' | ')} |`).join('\n')
  const parts = [
    BEGIN,
    '',
    mdTable(['run', ''], runFacts()),
    '',
    mdTable(
      ['benchmark', 'value', 'baseline (same run)', 'baseline', 'ratio', 'target', 'met'],
      rows.map((r) => [
        r.name,
        `${fmt(r.value, r.unit)} ${r.unit}`,
        r.baselineName,
        `${fmt(r.baseline, r.unit)} ${r.unit}`,
        ratioText(r),
        r.target,
        metText(r, '**no**'),
      ]),
    ),
  ]
  if (imports.length > 0) {
    parts.push(
      '',
      `Import cost over \`node -e 0\` (${base.toFixed(1)} ms):`,
      '',
      mdTable(
        ['import', 'adds'],
        imports.map((i) => [i.name, `${i.ms.toFixed(1)} ms`]),
      ),
    )
  }
  parts.push('', END)
  return parts.join('\n')
}

async function writeDocs(file) {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : null
  let text
  if (before === null) {
    text = `# Benchmarks\n\n${generatedPart()}\n`
  } else {
    const from = before.indexOf(BEGIN)
    const to = before.indexOf(END)
    if (from < 0 || to < from) {
      throw new Error(`${file} has no '${BEGIN}' ... '${END}' part to rewrite: put the markers back, or set BENCH_DOCS`)
    }
    text = before.slice(0, from) + generatedPart() + before.slice(to + END.length)
  }
  // The file is checked by prettier: write it the way prettier would (tables aligned), when prettier is installed.
  try {
    const prettier = await import('prettier')
    const options = (await prettier.resolveConfig(file)) ?? {}
    text = await prettier.format(text, {...options, filepath: file})
  } catch (error) {
    log(`prettier not available (${error.message}): ${file} is written unformatted`)
  }
  writeFileSync(file, text)
  log(`wrote ${relative(process.cwd(), file) || file}`)
}
