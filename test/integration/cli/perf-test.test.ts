// kafkalite producer-perf-test and consumer-perf-test (kafka-producer-perf-test, kafka-consumer-perf-test) as the real
// CLI against a real daemon: Kafka's lines, its payloads and keys, its throttle, transactions, and its errors.
import {describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()
const producerPerf = (...args: string[]) => home.run(['producer-perf-test', ...args])
const consumerPerf = (...args: string[]) => home.run(['consumer-perf-test', ...args])

const TOTAL_LINE =
  /^(\d+) records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/
const WINDOW_LINE =
  /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/
const HEADER =
  'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec'
const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3}'
const DECIMAL = '(?:\\d+\\.\\d{4}|NaN|Infinity)'

/** The records of a topic as JSON lines (key, value), in offset order per partition. */
async function records(topic: string, extra: string[] = []): Promise<{key: string | null; value: string}[]> {
  const out = await home.run([
    'console-consumer',
    '--topic',
    topic,
    '--from-beginning',
    '--exit-at-end',
    '--format',
    'json',
    ...extra,
  ])
  return out.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as {key: string | null; value: string})
}

describe('producer-perf-test', () => {
  it("sends Kafka's random payload for the seed and prints Kafka's final line", async () => {
    await home.createTopic('perf', 1)
    const res = await producerPerf(
      '--topic',
      'perf',
      '--num-records',
      '2000',
      '--record-size',
      '50',
      '--throughput',
      '-1',
    )
    expect(res.code, res.stderr).toBe(0)
    const lines = res.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(TOTAL_LINE)
    expect(TOTAL_LINE.exec(lines[0]!)![1]).toBe('2000')
    const got = await records('perf')
    expect(got).toHaveLength(2000)
    // Java's new SplittableRandom(0).nextInt(26) + 65, 50 times: the first payload of Kafka's own tool.
    expect(got[0]).toMatchObject({key: null, value: 'YQHHNEBSEPDNSEIFGAMSUJXKOLTXSPLGHDIOYZJFNIDSPWHZMK'})
    expect(got.every((r) => /^[A-Z]{50}$/.test(r.value))).toBe(true)
    expect(new Set(got.map((r) => r.value)).size).toBe(2000)
  })

  it('sends monotonic payloads, keys by range, and a random seed of its own', async () => {
    await home.createTopic('mono', 1)
    const res = await producerPerf(
      ...['--topic', 'mono', '--num-records', '25', '--payload-monotonic', '--throughput', '-1'],
      ...['--key-distribution', 'range', '--record-key-range', '10'],
    )
    expect(res.code, res.stderr).toBe(0)
    const got = await records('mono')
    expect(got.map((r) => r.value).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({length: 25}, (_, i) => String(i)),
    )
    expect(got.every((r) => r.key === String(Number(r.value) % 10))).toBe(true)
    await home.createTopic('seeded', 1)
    await producerPerf(
      '--topic',
      'seeded',
      '--num-records',
      '1',
      '--record-size',
      '8',
      '--throughput',
      '-1',
      '--random-seed',
      '42',
    )
    expect((await records('seeded'))[0]!.value).toBe('VOJSBTMP') // Java's SplittableRandom(42)
  })

  it('picks payloads from --payload-file, split by --payload-delimiter', async () => {
    await home.createTopic('file', 1)
    const file = `${home.dir}/payloads.txt`
    const {writeFileSync} = await import('node:fs')
    writeFileSync(file, 'alpha;beta;gamma')
    const res = await producerPerf(
      ...['--topic', 'file', '--num-records', '30', '--payload-file', file, '--payload-delimiter', ';'],
      ...['--throughput', '-1'],
    )
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout.split('\n').slice(0, 2)).toEqual([`Reading payloads from: ${file}`, 'Number of messages read: 3'])
    const values = new Set((await records('file')).map((r) => r.value))
    expect([...values].every((v) => ['alpha', 'beta', 'gamma'].includes(v))).toBe(true)
    expect(values.size).toBeGreaterThan(1)
  })

  it('throttles to --throughput and prints a line every --reporting-interval', async () => {
    await home.createTopic('slow', 1)
    const started = Date.now()
    // 300 records at 200 records/s take about 1.5 s: the throttle's pace is the point of the test.
    const res = await producerPerf(
      ...['--topic', 'slow', '--num-records', '300', '--record-size', '10', '--throughput', '200'],
      ...['--reporting-interval', '400'],
    )
    const elapsed = Date.now() - started
    expect(res.code, res.stderr).toBe(0)
    expect(elapsed).toBeGreaterThan(1200)
    const lines = res.stdout.trimEnd().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(3)
    for (const line of lines.slice(0, -1)) expect(line).toMatch(WINDOW_LINE)
    expect(lines.at(-1)).toMatch(TOTAL_LINE)
  })

  it('prints the steady state after --warmup-records, and the metrics table', async () => {
    await home.createTopic('warm', 1)
    const res = await producerPerf(
      ...['--topic', 'warm', '--num-records', '100', '--record-size', '10', '--throughput', '-1'],
      ...['--warmup-records', '40', '--print-metrics'],
    )
    expect(res.code, res.stderr).toBe(0)
    const lines = res.stdout.split('\n')
    expect(lines[0]).toBe('Warmup first 40 records. Steady state results will print after the complete test summary.')
    expect(lines[1]).toMatch(TOTAL_LINE)
    expect(lines[2]).toMatch(/^60 steady state records sent, /)
    expect(lines[3]).toBe('')
    expect(lines[4]).toMatch(/^Metric Name +Value$/)
    expect(res.stdout).toMatch(/\nproducer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 100\.000\n/)
  })

  it('commits its records in transactions', async () => {
    await home.createTopic('txn', 1)
    const res = await producerPerf(
      ...['--topic', 'txn', '--num-records', '500', '--record-size', '10', '--throughput', '-1'],
      ...['--transactional-id', 'perf-txn', '--transaction-duration-ms', '50'],
    )
    expect(res.code, res.stderr).toBe(0)
    expect(await records('txn', ['--isolation-level', 'read_committed'])).toHaveLength(500)
    const described = await home.run(['transactions', 'describe', '--transactional-id', 'perf-txn'])
    expect(described.stdout).toMatch(/perf-txn/)
  })

  it("refuses bad input in one line with Kafka's messages", async () => {
    const base = ['--topic', 't', '--throughput', '-1']
    const cases: [string[], string][] = [
      [[...base, '--num-records', '0', '--record-size', '1'], '--num-records should be greater than zero.'],
      [[...base, '--num-records', '5', '--record-size', '0'], '--record-size should be greater than zero.'],
      [
        [...base, '--num-records', '5'],
        'Exactly one of --record-size, --payload-file or --payload-monotonic is required.',
      ],
      [[...base, '--num-records', 'x', '--record-size', '1'], "Invalid --num-records 'x': an integer is required."],
      [[...base, '--num-records', '5', '--record-size', '1', '--command-property', 'acks'], 'Invalid property: acks'],
      [
        [...base, '--num-records', '5', '--record-size', '1', '--warmup-records', '5'],
        'The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.',
      ],
      [
        [...base, '--num-records', '5', '--record-size', '1', '--key-distribution', 'range'],
        "--record-key-range is required when --key-distribution is 'range' or 'random'.",
      ],
      [
        [...base, '--num-records', '5', '--record-size', '1', '--transaction-duration-ms', '0'],
        '--transaction-duration-ms should be greater than zero.',
      ],
      [
        [...base, '--num-records', '5', '--payload-file', '/nonexistent/file'],
        'File does not exist or empty file provided.',
      ],
      [
        ['--topic', 't', '--num-records', '5', '--record-size', '1', '--throughput', '0'],
        '--throughput 0 would never send a record',
      ],
    ]
    for (const [args, message] of cases) {
      const r = await producerPerf(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })
})

describe('consumer-perf-test', () => {
  it("reads --num-records records and prints Kafka's header and summary", async () => {
    await home.createTopic('c', 3)
    await producerPerf('--topic', 'c', '--num-records', '3000', '--record-size', '100', '--throughput', '-1')
    const res = await consumerPerf('--topic', 'c', '--num-records', '3000')
    expect(res.code, res.stderr).toBe(0)
    const [header, summary, ...rest] = res.stdout.trimEnd().split('\n')
    expect(header).toBe(HEADER)
    expect(rest).toEqual([])
    const fields = summary!.split(', ')
    expect(summary).toMatch(
      new RegExp(`^${TIME}, ${TIME}, 0\\.2861, ${DECIMAL}, 3000, ${DECIMAL}, \\d+, \\d+, ${DECIMAL}, ${DECIMAL}$`),
    )
    // 3000 x 100 bytes of values = 0.2861 MB (MB = 2^20 bytes); fetch time = elapsed - rebalance time.
    const elapsed =
      Date.parse(fields[1]!.replace(/:(\d{3})$/, '.$1')) - Date.parse(fields[0]!.replace(/:(\d{3})$/, '.$1'))
    expect(Number(fields[6]) + Number(fields[7])).toBe(elapsed)
    const json = JSON.parse((await consumerPerf('--topic', 'c', '--num-records', '3000', '--json')).stdout) as {
      records: number
    }
    expect(json.records).toBe(3000)
  })

  it('prints detailed lines, hides the header, formats dates, and warns on a timeout', async () => {
    await home.createTopic('d', 1)
    await producerPerf('--topic', 'd', '--num-records', '50', '--record-size', '10', '--throughput', '-1')
    const detailed = await consumerPerf(
      ...['--topic', 'd', '--num-records', '100', '--show-detailed-stats', '--reporting-interval', '1'],
      ...['--timeout', '300', '--date-format', "yyyy'T'HH"],
    )
    expect(detailed.code, detailed.stderr).toBe(0)
    const lines = detailed.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(
      'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    )
    expect(lines.at(-1)).toBe(
      'WARNING: Exiting before consuming the expected number of records: timeout (300 ms) exceeded. You can use the --timeout option to increase the timeout.',
    )
    for (const line of lines.slice(1, -1)) {
      expect(line).toMatch(
        new RegExp(
          `^\\d{4}T\\d\\d, 0, ${DECIMAL}, ${DECIMAL}, \\d+, ${DECIMAL}, \\d+, -?\\d+, ${DECIMAL}, ${DECIMAL}$`,
        ),
      )
    }
    const hidden = await consumerPerf(
      '--topic',
      'd',
      '--num-records',
      '50',
      '--hide-header',
      '--from-latest',
      '--timeout',
      '200',
    )
    expect(hidden.stdout.split('\n')[0]).toMatch(/^WARNING: Exiting before consuming the expected number of records/)
  })

  it("refuses bad input in one line with Kafka's messages", async () => {
    const cases: [string[], string][] = [
      [['--topic', 't'], 'Missing required argument "[num-records]"'],
      [['--num-records', '1'], 'Exactly one of the following arguments is required: [topic], [include]'],
      [
        ['--topic', 't', '--num-records', '1', '--reporting-interval', '0'],
        'Reporting interval must be greater than 0.',
      ],
      [['--topic', 't', '--num-records', 'lots'], "Invalid --num-records 'lots': an integer is required."],
      [['--topic', 't', '--num-records', '1', '--date-format', 'yyyy-QQ'], "Illegal pattern character 'Q'"],
    ]
    for (const [args, message] of cases) {
      const r = await consumerPerf(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })
})
