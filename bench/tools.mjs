// The tools section of `npm run bench` (issue 14), called from bench/run.mjs with its shared helpers:
//   perf   kafkalite producer-perf-test against kafkalite console-producer on the same records: RECORDS x 100 B,
//          acks=1, each into a fresh daemon, interleaved; both printed, wall time of the whole process (start-up
//          included, as for every CLI figure here), and the perf test's own figure (its first send to its last
//          acknowledgement) beside them.
import {execFileSync, spawnSync} from 'node:child_process'
import {rmSync} from 'node:fs'
import {join} from 'node:path'

export async function perfTests(b) {
  const dir = b.newHome()
  const input = join(dir, 'input.txt')
  b.log(`perf: writing ${b.RECORDS} records of 100 bytes`)
  b.makeInput(input)
  const consoleRates = []
  const perfRates = []
  const perfOwn = []
  try {
    for (let run = 0; run < b.RUNS; run++) {
      b.log(`perf run ${run + 1}/${b.RUNS}`)
      const home = b.newHome()
      try {
        b.cli(home, ['topics', '--create', '--topic', 'console'])
        b.cli(home, ['topics', '--create', '--topic', 'perf'])
        const env = {...process.env, KAFKALITE_HOME: home}
        let start = b.now()
        execFileSync(
          'sh',
          ['-c', `"${b.NODE}" "${b.BIN}" console-producer --topic console --request-required-acks 1 < "${input}"`],
          {env, stdio: ['ignore', 'ignore', 'inherit']},
        )
        consoleRates.push(b.RECORDS / (b.ms(start) / 1000))
        start = b.now()
        const res = spawnSync(
          b.NODE,
          [
            b.BIN,
            'producer-perf-test',
            ...['--topic', 'perf', '--num-records', String(b.RECORDS), '--record-size', '100'],
            ...['--throughput', '-1', '--command-property', 'acks=1'],
          ],
          {env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26},
        )
        const wall = b.ms(start)
        const out = res.stdout.toString()
        const total = /^(\d+) records sent, ([\d.]+) records\/sec/m.exec(out.trimEnd().split('\n').at(-1) ?? '')
        if (res.status !== 0 || total === null || Number(total[1]) !== b.RECORDS) {
          throw new Error(`producer-perf-test failed (${res.status}): ${out}${res.stderr}`)
        }
        perfRates.push(b.RECORDS / (wall / 1000))
        perfOwn.push(Number(total[2]))
      } finally {
        b.cli(home, ['daemon', 'stop'])
        rmSync(home, {recursive: true, force: true})
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  const consoleRate = b.median(consoleRates)
  const perfRate = b.median(perfRates)
  const own = b.median(perfOwn)
  const k = `${Math.round(b.RECORDS / 1000)}k`
  b.row(
    `producer-perf-test ${k} x 100 B (acks=1), whole process`,
    perfRate,
    'rec/s',
    'console-producer, same records',
    consoleRate,
    perfRate / consoleRate,
    '-',
    null,
  )
  b.row(
    `producer-perf-test ${k} x 100 B, as it reports itself`,
    own,
    'rec/s',
    'console-producer, same records',
    consoleRate,
    own / consoleRate,
    '-',
    null,
  )
}
