// The interoperability suite's driver for kcat (librdkafka's command-line client), through its command line only.
//   node kcat-driver.mjs <scenario> '<json parameters>'
// What kcat's command line cannot express is a limit of the family, recorded in test/interop/families.ts: no admin
// API (create topic, delete records), no per-record timestamps, headers only as text arguments, no
// sendOffsetsToTransaction, no way to read a group's committed offset except by consuming from it.
import {spawn} from 'node:child_process'
import {deadline, emit, leaveRequested, main, stopAfter, unb64} from './common.mjs'

const KCAT = process.env.KCAT ?? 'kcat'
// Delimiters that no record of the suite contains: records go through stdin as key, KEY_DELIM, value, MSG_DELIM.
const KEY_DELIM = '\\x1e\\x1e\\x1d'
const MSG_DELIM = '\\x1f\\x1f\\x1d\\x1d'
const FORMAT = '%p %o %T %K %S %h\\n%k%s'

function run(args, {input, timeoutMs = 30_000} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, {stdio: ['pipe', 'pipe', 'pipe']})
    const out = []
    const err = []
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => err.push(c))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const stderr = Buffer.concat(err).toString()
      if (code !== 0) reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr.trim()}`))
      else resolve({stdout: Buffer.concat(out), stderr})
    })
    child.stdin.on('error', () => {}) // kcat may exit before reading all of it: its exit code says why
    child.stdin.end(input ?? '')
  })
}

const b = (p) => ['-b', p.bootstrap, '-X', `client.id=${p.clientId ?? 'interop-kcat'}`]

/** Parses records printed with FORMAT: a text line of fields and headers, then the key and value bytes. */
function parseRecords(topic, buf, onRecord) {
  let at = 0
  while (true) {
    const nl = buf.indexOf(0x0a, at)
    if (nl < 0) return at
    const line = buf.subarray(at, nl).toString('latin1')
    const [partition, offset, ts, keyLen, valueLen] = line.split(' ', 5).map(Number)
    const headerText = line.split(' ').slice(5).join(' ')
    const k = Math.max(0, keyLen)
    const v = Math.max(0, valueLen)
    if (buf.length < nl + 1 + k + v) return at
    const key = keyLen < 0 ? null : buf.subarray(nl + 1, nl + 1 + k)
    const value = valueLen < 0 ? null : buf.subarray(nl + 1 + k, nl + 1 + k + v)
    // %h prints name=value pairs separated by commas, as raw bytes.
    const headerBytes = Buffer.from(headerText, 'latin1')
    const headers = []
    if (headerBytes.length > 0) {
      for (const pair of headerBytes.toString('latin1').split(',')) {
        const eq = pair.indexOf('=')
        const name = Buffer.from(eq < 0 ? pair : pair.slice(0, eq), 'latin1').toString()
        headers.push([name, eq < 0 ? null : Buffer.from(pair.slice(eq + 1), 'latin1').toString('base64')])
      }
    }
    onRecord({
      topic,
      partition,
      offset,
      timestamp: ts,
      key: key === null ? null : key.toString('base64'),
      value: value === null ? null : value.toString('base64'),
      headers,
    })
    at = nl + 1 + k + v
  }
}

async function metadata(p) {
  const {stdout} = await run(['-L', '-J', ...b(p)])
  const md = JSON.parse(stdout.toString())
  return {
    brokers: md.brokers.map((x) => {
      const i = x.name.lastIndexOf(':')
      return {id: x.id, host: x.name.slice(0, i), port: Number(x.name.slice(i + 1))}
    }),
    topics: md.topics
      .map((t) => ({name: t.topic, partitions: t.partitions.length}))
      .sort((x, y) => (x.name < y.name ? -1 : 1)),
  }
}

async function highWatermark(p, topic, partition) {
  // librdkafka lists offsets read_committed by default, which gives the last stable offset instead.
  const {stdout} = await run([
    '-Q',
    ...b(p),
    '-X',
    'isolation.level=read_uncommitted',
    '-t',
    `${topic}:${partition}:-1`,
  ])
  return Number(/offset (-?\d+)/.exec(stdout.toString())[1])
}

/** One kcat per record: headers (-H) and null values (-Z) are per invocation. Timestamps cannot be set. */
async function produce(p) {
  if (p.idempotent) return produceIdempotent(p)
  const offsets = []
  for (const r of p.records) {
    const args = ['-P', ...b(p), '-t', p.topic, '-p', String(r.partition ?? 0), '-K', KEY_DELIM, '-D', MSG_DELIM]
    for (const [name, value] of r.headers ?? []) args.push('-H', `${name}=${unb64(value).toString()}`)
    if (r.value === null) args.push('-Z')
    args.push('-X', 'acks=all')
    const parts = r.key === null ? [] : [unb64(r.key), Buffer.from(rawDelim(KEY_DELIM))]
    await run(args, {
      input: Buffer.concat([...parts, unb64(r.value) ?? Buffer.alloc(0), Buffer.from(rawDelim(MSG_DELIM))]),
    })
    offsets.push({partition: r.partition ?? 0, offset: (await highWatermark(p, p.topic, r.partition ?? 0)) - 1})
  }
  return {offsets}
}

/** Idempotent: all records through one producer (its sequence numbers), so no per-record headers. */
async function produceIdempotent(p) {
  const args = [
    '-P',
    ...b(p),
    '-t',
    p.topic,
    '-p',
    String(p.records[0]?.partition ?? 0),
    '-K',
    KEY_DELIM,
    '-D',
    MSG_DELIM,
  ]
  // -E: a lost connection is for librdkafka to retry, not a reason for kcat to exit.
  args.push('-E', '-X', 'enable.idempotence=true')
  await run(args, {input: stdinOf(p.records)})
  return {offsets: null}
}

function rawDelim(delim) {
  return delim.replace(/\\x([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
}

function stdinOf(records, keyDelim = KEY_DELIM, msgDelim = MSG_DELIM) {
  return Buffer.concat(
    records.flatMap((r) => [
      ...(r.key === null ? [] : [unb64(r.key), Buffer.from(rawDelim(keyDelim))]),
      unb64(r.value) ?? Buffer.alloc(0),
      Buffer.from(rawDelim(msgDelim)),
    ]),
  )
}

async function consume(p) {
  const until = deadline(p)
  const args = ['-C', ...b(p), '-t', p.topic, '-o', 'beginning', '-e', '-f', FORMAT]
  args.push('-X', `isolation.level=${p.isolation ?? 'read_uncommitted'}`)
  if (p.partitions?.length === 1) args.push('-p', String(p.partitions[0]))
  if (p.count !== undefined) args.push('-c', String(p.count))
  const {stdout} = await run(args, {timeoutMs: until.left()})
  const records = []
  let done = false
  parseRecords(p.topic, stdout, (r) => {
    if (done || (p.partitions && !p.partitions.includes(r.partition))) return
    records.push(r)
    if (stopAfter(records, p, r)) done = true
  })
  return {records}
}

const groupArgs = (p) => [
  ...b(p),
  '-G',
  p.group,
  '-X',
  'partition.assignment.strategy=range',
  '-X',
  'session.timeout.ms=10000',
  '-X',
  'heartbeat.interval.ms=500',
  '-X',
  'auto.offset.reset=earliest',
  '-u', // unbuffered: each record reaches the suite when kcat gets it
  '-f',
  FORMAT,
]

/** A balanced consumer (-G): kcat reports each rebalance on stderr and leaves the group on SIGTERM. */
async function groupMember(p) {
  const child = spawn(KCAT, [...groupArgs(p), '-X', 'auto.commit.interval.ms=200', p.topic], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let pending = Buffer.alloc(0)
  let consumed = 0
  child.stdout.on('data', (c) => {
    pending = Buffer.concat([pending, c])
    const used = parseRecords(p.topic, pending, (r) => {
      emit({...r, event: 'record'})
      consumed++
    })
    pending = pending.subarray(used)
  })
  let errText = ''
  child.stderr.on('data', (c) => {
    errText += c.toString()
    let nl
    while ((nl = errText.indexOf('\n')) >= 0) {
      const line = errText.slice(0, nl)
      errText = errText.slice(nl + 1)
      const m = /rebalanced.*: assigned: (.*)$/.exec(line)
      if (m) {
        const partitions = [...m[1].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])).sort((x, y) => x - y)
        emit({event: 'assigned', partitions})
      } else if (/rebalanced.*: revoked/.test(line)) {
        // eager protocol: the next "assigned" line carries the whole new assignment
      } else {
        process.stderr.write(line + '\n')
      }
    }
  })
  const exited = new Promise((resolve) => child.on('close', resolve))
  await Promise.race([leaveRequested(), exited])
  child.kill('SIGTERM') // kcat closes its consumer: final commit, then LeaveGroup
  const code = await exited
  if (code !== 0 && code !== null) throw new Error(`kcat exited ${code}`)
  return {left: true, consumed}
}

/** Consumes `offset` records from the start in the group; kcat commits what it consumed when it closes. */
async function commit(p) {
  await run([...groupArgs(p), '-c', String(p.offset), p.topic], {timeoutMs: p.timeoutMs ?? 30_000})
  return {committed: p.offset}
}

/** kcat cannot read a committed offset; consuming one record from the group shows where it resumes. */
async function resume(p) {
  const {stdout} = await run([...groupArgs(p), '-c', '1', p.topic], {timeoutMs: p.timeoutMs ?? 30_000})
  const records = []
  parseRecords(p.topic, stdout, (r) => records.push(r))
  if (records.length === 0) throw new Error('no record')
  return {committed: null, firstOffset: records[0].offset}
}

/**
 * kcat runs one transaction per invocation (-X transactional.id), committed when its input ends. It would abort
 * when interrupted, but it reads stdin in blocks and sends nothing before the input ends, so an abort with records
 * sent cannot be made from its command line (families.ts lists this).
 */
async function transactions(p) {
  const outcomes = []
  for (const t of p.transactions) {
    if (!t.commit) throw new Error('kcat cannot abort a transaction whose records were sent')
    const args = ['-P', ...b(p), '-t', p.topic, '-p', '0', '-K', KEY_DELIM, '-D', MSG_DELIM]
    args.push('-X', `transactional.id=${p.transactionalId}`)
    await run(args, {input: stdinOf(t.records)})
    outcomes.push('committed')
  }
  return {transactions: outcomes}
}

async function offsetsForTimes(p) {
  const offsets = []
  for (const ts of p.timestamps) {
    const {stdout} = await run(['-Q', ...b(p), '-t', `${p.topic}:${p.partition ?? 0}:${ts}`])
    const offset = Number(/offset (-?\d+)/.exec(stdout.toString())[1])
    offsets.push(offset >= 0 ? offset : null)
  }
  return {offsets}
}

async function watermarks(p) {
  const partitions = p.partitions ?? [0]
  const out = []
  for (const partition of partitions) {
    const {stdout: low} = await run(['-Q', ...b(p), '-t', `${p.topic}:${partition}:-2`])
    out.push({
      partition,
      low: Number(/offset (-?\d+)/.exec(low.toString())[1]),
      high: await highWatermark(p, p.topic, partition),
    })
  }
  return {partitions: out}
}

await main({
  metadata,
  produce,
  consume,
  'group-member': groupMember,
  commit,
  resume,
  transactions,
  'offsets-for-times': offsetsForTimes,
  watermarks,
})
