// The exactly-once proof: a consume-transform-produce loop (bench/eos-processor.mjs) is killed with kill -9 at
// random points, again and again, and restarted; optionally the daemon is killed too. At the end the output topic,
// read with read_committed, must hold every input record exactly once, in order, per partition.
//
//   node bench/exactly-once.mjs [records] [kills] [--daemon]     (after npm run build)
//
// The integration test runs the same harness with fewer records and kills.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Admin, KafkaConsumer, KafkaProducer} from '../dist/client/index.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PROCESSOR = join(ROOT, 'bench', 'eos-processor.mjs')
const BIN = join(ROOT, 'bin', 'run.js')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs the proof in `home`: `records` input records over `partitions` partitions, `kills` kill -9s of the processor
 * (and of the daemon every other kill when `killDaemon`). Resolves with what was checked.
 */
export async function runExactlyOnce({
  home,
  records = 2000,
  partitions = 3,
  kills = 10,
  killDaemon = false,
  maxPollRecords = 10,
  pauseMs = 2,
  log = () => {},
}) {
  const config = {'kafkalite.home': home}
  const admin = await Admin.create(config)
  await admin.createTopics([
    {name: 'in', numPartitions: partitions},
    {name: 'out', numPartitions: partitions},
  ])
  await admin.close()
  const input = new KafkaProducer({...config, 'linger.ms': '5'})
  const expected = Array.from({length: partitions}, () => [])
  for (let i = 0; i < records; i++) {
    const partition = i % partitions
    const value = `${partition}:${expected[partition].length}`
    expected[partition].push(value)
    input.sendWithCallback({topic: 'in', partition, value}, (e) => {
      if (e) throw e
    })
  }
  await input.close()

  let processorKills = 0
  let daemonKills = 0
  let restarts = 0
  let done = false
  const started = Date.now()
  while (!done) {
    const child = spawn(process.execPath, [PROCESSOR, home, 'in', 'out'], {
      env: {
        ...process.env,
        EOS_PARTITIONS: String(partitions),
        EOS_MAX_POLL_RECORDS: String(maxPollRecords),
        EOS_PAUSE_MS: String(pauseMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    restarts++
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({code, signal})))
    // Kills at random points (during start-up, mid-transaction, between transactions) while the kill budget
    // lasts: a killed daemon is restarted on demand by the processor's next request, a killed processor by us.
    for (;;) {
      if (processorKills + daemonKills >= kills) break
      const result = await Promise.race([exited, sleep(100 + Math.random() * 400).then(() => null)])
      if (result !== null) break
      if (killDaemon && (processorKills + daemonKills) % 2 === 1) {
        const pid = daemonPid(home)
        if (pid) {
          process.kill(pid, 'SIGKILL')
          daemonKills++
          log(`kill -9 daemon ${pid}`)
        }
      } else {
        child.kill('SIGKILL')
        processorKills++
        log(`kill -9 processor ${child.pid}`)
        break
      }
    }
    const {code} = await exited
    if (code === 0 && out.includes('done')) done = true
    else if (code === 1) log(`processor exited: ${err.trim().split('\n').at(-1)}`)
    if (Date.now() - started > 300_000) throw new Error(`exactly-once run did not finish in 5 minutes: ${err}`)
  }

  // Read the output with read_committed and compare with the input, partition by partition.
  const consumer = new KafkaConsumer({...config, 'isolation.level': 'read_committed'})
  const tps = expected.map((_, partition) => ({topic: 'out', partition}))
  consumer.assign(tps)
  consumer.seekToBeginning(tps)
  const ends = await consumer.endOffsets(tps)
  const actual = expected.map(() => [])
  const deadline = Date.now() + 60_000
  for (;;) {
    const positions = await Promise.all(tps.map((tp) => consumer.position(tp)))
    if (positions.every((p, i) => p >= ends[i].offset) || Date.now() > deadline) break
    for (const r of await consumer.poll(500)) actual[r.partition].push(r.value.toString())
  }
  await consumer.close()
  const mismatches = expected
    .map((values, p) => ({p, ok: JSON.stringify(values) === JSON.stringify(actual[p]), got: actual[p].length}))
    .filter((x) => !x.ok)
  const outputRecords = actual.reduce((n, a) => n + a.length, 0)
  return {
    records,
    outputRecords,
    processorKills,
    daemonKills,
    restarts,
    mismatches,
    seconds: (Date.now() - started) / 1000,
  }
}

function daemonPid(home) {
  const res = spawnSync(process.execPath, [BIN, 'daemon', 'status', '--json'], {
    env: {...process.env, KAFKALITE_HOME: home},
  })
  try {
    return JSON.parse(res.stdout.toString()).pid
  } catch {
    return undefined
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = Number(process.argv[2] ?? 20_000)
  const kills = Number(process.argv[3] ?? 50)
  const killDaemon = process.argv.includes('--daemon')
  const home = mkdtempSync(join(tmpdir(), 'kl-eos-'))
  writeFileSync(
    join(home, 'server.properties'),
    'group.initial.rebalance.delay.ms=0\ngroup.min.session.timeout.ms=100\n',
  )
  try {
    const r = await runExactlyOnce({home, records, kills, killDaemon, log: (s) => process.stderr.write(`eos: ${s}\n`)})
    console.log(
      '| input records | output records (read_committed) | processor kill -9 | daemon kill -9 | processor starts | mismatched partitions | seconds |',
    )
    console.log('|---|---|---|---|---|---|---|')
    console.log(
      `| ${r.records} | ${r.outputRecords} | ${r.processorKills} | ${r.daemonKills} | ${r.restarts} | ${r.mismatches.length} | ${r.seconds.toFixed(1)} |`,
    )
    process.exitCode = r.mismatches.length === 0 && r.outputRecords === r.records ? 0 : 1
  } finally {
    spawnSync(process.execPath, [BIN, 'daemon', 'stop'], {env: {...process.env, KAFKALITE_HOME: home}})
    rmSync(home, {recursive: true, force: true})
  }
}
