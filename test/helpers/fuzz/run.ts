// The fuzzer's harness: sets up a daemon with known data, sends it seeded random and mutated frames over many
// connections while sampling its memory and checking that it answers, then checks what it kept: the known data byte
// for byte, every stored batch readable, nothing stored that had to be refused, everything acknowledged stored, and a
// log without errors. Every problem names the seed and the frame that shows it.
import {readFileSync} from 'node:fs'
import type {Socket} from 'node:net'
import {brokerPaths} from '../../../src/paths.js'
import {
  BatchBuilder,
  checkBatch,
  CODECS,
  controlTypeOf,
  forEachRecord,
  OFFSET,
  splitBatches,
  type BatchHeader,
} from '../../../src/protocol/kafka/record-batch.js'
import {FrameDecoder, KIND_ERROR, KIND_RESPONSE, type Frame} from '../../../src/protocol/socket/frame.js'
import {batchKey} from './batches.js'
import {connectSocket, RawClient} from './client.js'
import {connectionFrames, type FuzzContext, type FuzzFrame, type SentBatch} from './frames.js'
import {mixSeed, Rng} from './prng.js'

export interface FuzzOptions {
  /** The broker home; its daemon must be running. */
  home: string
  seed: number
  /** Frames to send (whole connections: the last one may take the count a little past it). */
  frames: number
  /** Connections open at once. */
  concurrency?: number
  /** Replay only the connections that hold frames in [from, to). */
  from?: number
  to?: number
  /** How far past its size after setup the daemon's RSS may grow (MiB). */
  rssBoundMiB?: number
  /** Progress lines (long runs). */
  progress?: (line: string) => void
}

export interface FuzzReport {
  seed: number
  framesSent: number
  connections: number
  repliesMatched: number
  /** Connections the daemon had not closed 10 s after the client finished sending (parked requests). */
  connectionsTimedOut: number
  durationMs: number
  /** The daemon's RSS after setup, its peak, the bound on the growth, and the peak in each tenth of the run. */
  rssMiB: {afterSetup: number; peak: number; bound: number; tenths: number[]}
  batches: {sent: number; mustRefuse: number; acknowledged: number; refused: number; stored: number}
  /** Error replies (whole requests) and batch errors, by code. */
  errors: Record<string, number>
  /** Per mutation of a batch (each part of a combination counted apart, codecs too): sent, and acknowledged. */
  mutations: Record<string, {sent: number; acknowledged: number}>
  violations: string[]
}

/** Topics whose batches the daemon stores as sent (no recompression), so stored bytes can be traced to a frame. */
const REF_TOPIC = 'fz-ref'
const REF_LAT_TOPIC = 'fz-ref-lat'
const DATA_TOPIC = 'fz-data'
/** Recompressed on append (compression.type=gzip): its batches are checked for readability only. */
const RECOMPRESSED_TOPIC = 'fz-data-gzip'
/**
 * How far the daemon's RSS may grow past its size after setup. It decompresses one batch at a time, to at most
 * 32 x max.message.bytes = 32 MiB, and the allocator keeps what it freed for reuse: measured, gzip and lz4 bombs
 * alone settle at +100-110 MiB each, and a mix of all the fuzzer sends settles at +190-230 MiB over 150,000 frames (no
 * upward trend). Fetch replies are bounded apart (kafkalite.queued.max.response.bytes, 32 MiB), and the fuzzer's
 * clients read theirs. A leak of 256 bytes a frame would pass this bound within a million frames.
 */
export const DEFAULT_RSS_BOUND_MIB = 256
const CONNECTION_TIMEOUT_MS = 10_000
const PROBE_TIMEOUT_MS = 20_000

/** A 48-bit number for a batchKey: compact enough to keep for every batch of a million frames. */
const short = (key: string) => parseInt(key.slice(0, 12), 16)

function rssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

interface StoredBatch {
  baseOffset: number
  lastOffset: number
  header: BatchHeader
  bytes: Buffer
}

/** Every batch of a partition, from its log start offset to its high watermark, as stored. */
async function readPartition(
  client: RawClient,
  topic: string,
  partition: number,
): Promise<{batches: StoredBatch[]; logStart: number; highWatermark: number; problems: string[]}> {
  const batches: StoredBatch[] = []
  const problems: string[] = []
  let offset = 0
  let logStart = -1
  let highWatermark = -1
  for (let round = 0; ; round++) {
    const {result, payload} = await client.call<{
      partitions: {highWatermark: number; logStartOffset: number; size: number; error?: {code: string}}[]
    }>('fetch', {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      partitions: [{topic, partition, offset, maxBytes: 8 << 20}],
    })
    const p = result.partitions[0]!
    if (p.error?.code === 'OFFSET_OUT_OF_RANGE' && round === 0) {
      offset = p.logStartOffset
      continue
    }
    if (p.error) {
      problems.push(`fetching ${topic}-${partition} at offset ${offset} failed: ${JSON.stringify(p.error)}`)
      break
    }
    logStart = p.logStartOffset
    highWatermark = p.highWatermark
    if (offset >= highWatermark) break
    let any = false
    for (const {offset: at, size} of splitBatches(payload)) {
      any = true
      const bytes = Buffer.from(payload.subarray(at, at + size))
      try {
        const header = checkBatch(bytes, 0, size)
        batches.push({
          baseOffset: header.baseOffset,
          lastOffset: header.baseOffset + header.lastOffsetDelta,
          header,
          bytes,
        })
        offset = header.baseOffset + header.lastOffsetDelta + 1
      } catch (error) {
        problems.push(
          `${topic}-${partition}: the batch at offset ${offset} fails its checks: ${(error as Error).message}`,
        )
        return {batches, logStart, highWatermark, problems}
      }
    }
    if (!any) {
      problems.push(
        `${topic}-${partition}: a fetch at offset ${offset} (high watermark ${highWatermark}) returned no batch`,
      )
      break
    }
  }
  return {batches, logStart, highWatermark, problems}
}

/** Checks one stored batch as a consumer reads it: layout, CRC, records, offsets, and what a control batch holds. */
function checkStored(b: StoredBatch): string | undefined {
  const h = b.header
  if (h.lastOffsetDelta !== h.recordCount - 1) {
    return `lastOffsetDelta ${h.lastOffsetDelta} does not match its ${h.recordCount} records`
  }
  try {
    let i = 0
    forEachRecord(b.bytes, 0, b.bytes.length, h, (r) => {
      if (r.offset !== h.baseOffset + i) throw new Error(`record ${i} has offset ${r.offset}, not ${h.baseOffset + i}`)
      i++
    })
  } catch (error) {
    return `its records do not decode: ${(error as Error).message}`
  }
  if (h.isControl && (!h.isTransactional || h.recordCount !== 1 || !controlTypeOf(b.bytes, 0, b.bytes.length, h))) {
    return 'it is a control batch but not a transaction marker'
  }
  return undefined
}

interface Setup {
  ctx: FuzzContext
  /** Stored bytes of each reference partition before the run, and their end offset. */
  reference: Map<string, {bytes: Buffer; end: number}>
  /** Keys of the batches setup produced (allowed in the log). */
  setupKeys: Set<number>
}

/** Creates the topics and writes the reference data the run must leave alone. */
async function setup(client: RawClient, seed: number): Promise<Setup> {
  const rng = new Rng(mixSeed(seed, 0x5e7))
  const topics = [
    {name: REF_TOPIC, numPartitions: 3},
    {name: REF_LAT_TOPIC, numPartitions: 2, configs: {'message.timestamp.type': 'LogAppendTime'}},
    {name: DATA_TOPIC, numPartitions: 4},
    {name: RECOMPRESSED_TOPIC, numPartitions: 2, configs: {'compression.type': 'gzip'}},
    {name: 'fz-adm-0', numPartitions: 1},
    {name: 'fz-adm-1', numPartitions: 2},
  ]
  const created = await client.call<{topics: {name: string; error?: unknown}[]}>('createTopics', {topics})
  const failed = created.result.topics.filter((t) => t.error)
  if (failed.length > 0) throw new Error(`setup: createTopics failed: ${JSON.stringify(failed)}`)
  const idempotent = (await client.call<{producerId: number; producerEpoch: number}>('initProducerId', {})).result
  const refTxn = (
    await client.call<{producerId: number; producerEpoch: number}>('initProducerId', {transactionalId: 'fz-ref-txn'})
  ).result
  const txn = (
    await client.call<{producerId: number; producerEpoch: number}>('initProducerId', {transactionalId: 'fz-txn-0'})
  ).result

  const setupKeys = new Set<number>()
  const produce = async (topic: string, partition: number, batch: Buffer) => {
    setupKeys.add(short(batchKey(batch)))
    const {result} = await client.call<{results: {error?: unknown}[]}>(
      'produce',
      {acks: -1, batches: [{topic, partition, size: batch.length}]},
      batch,
    )
    if (result.results[0]?.error) throw new Error(`setup: produce failed: ${JSON.stringify(result.results[0].error)}`)
  }
  let sequence = 0
  for (const [topic, partitions] of [
    [REF_TOPIC, 3],
    [REF_LAT_TOPIC, 2],
  ] as const) {
    for (let partition = 0; partition < partitions; partition++) {
      for (let i = 0; i < 12; i++) {
        const builder = new BatchBuilder({maxBytes: Number.MAX_SAFE_INTEGER, compression: CODECS[i % CODECS.length]})
        const count = rng.int(1, 20)
        for (let r = 0; r < count; r++) {
          builder.append(
            Date.now() - rng.int(0, 10_000),
            rng.chance(0.2) ? null : rng.bytes(rng.int(0, 20)),
            rng.chance(0.1) ? null : rng.bytes(rng.chance(0.1) ? 3000 : rng.int(0, 100)),
            rng.chance(0.3) ? [{key: rng.text(5), value: rng.chance(0.3) ? null : rng.bytes(10)}] : [],
          )
        }
        // Some batches from an idempotent producer, so the run meets producer state it must not disturb.
        if (topic === REF_TOPIC && partition === 0 && i % 3 === 0) {
          builder.setProducerState(idempotent.producerId, idempotent.producerEpoch, sequence, false)
          sequence += count
        }
        await produce(topic, partition, Buffer.from(builder.build()))
      }
    }
  }
  // A committed and an aborted transaction: their markers are part of the reference data.
  let txnSequence = 0
  for (const committed of [true, false]) {
    const builder = new BatchBuilder({maxBytes: 1 << 20})
    builder.append(Date.now(), Buffer.from('k'), Buffer.from(committed ? 'committed' : 'aborted'))
    builder.setProducerState(refTxn.producerId, refTxn.producerEpoch, txnSequence++, true)
    await produce(REF_TOPIC, 1, Buffer.from(builder.build()))
    await client.call('endTxn', {
      transactionalId: 'fz-ref-txn',
      producerId: refTxn.producerId,
      producerEpoch: refTxn.producerEpoch,
      committed,
    })
  }

  const reference = new Map<string, {bytes: Buffer; end: number}>()
  for (const [topic, partitions] of [
    [REF_TOPIC, 3],
    [REF_LAT_TOPIC, 2],
  ] as const) {
    for (let partition = 0; partition < partitions; partition++) {
      const read = await readPartition(client, topic, partition)
      if (read.problems.length > 0) throw new Error(`setup: ${read.problems.join('; ')}`)
      reference.set(`${topic}-${partition}`, {
        bytes: Buffer.concat(read.batches.map((b) => b.bytes)),
        end: read.highWatermark,
      })
    }
  }
  const ctx: FuzzContext = {
    dataTopics: [
      {name: REF_TOPIC, partitions: 3},
      {name: REF_LAT_TOPIC, partitions: 2},
      {name: DATA_TOPIC, partitions: 4},
      {name: RECOMPRESSED_TOPIC, partitions: 2},
    ],
    adminTopics: ['fz-adm-0', 'fz-adm-1', 'fz-adm-2', 'fz-adm-3'],
    groups: ['fz-group-0', 'fz-group-1', 'fz-group-2'],
    producers: {idempotent, transactional: {transactionalId: 'fz-txn-0', ...txn}},
  }
  return {ctx, reference, setupKeys}
}

/** Counts per mutation combination ('gzip+offset-delta+base-offset') turned into counts per part. */
function byPart(combinations: Record<string, {sent: number; acknowledged: number}>) {
  const out: Record<string, {sent: number; acknowledged: number}> = {}
  for (const [combination, {sent, acknowledged}] of Object.entries(combinations)) {
    for (const part of combination.split('+')) {
      const c = (out[part] ??= {sent: 0, acknowledged: 0})
      c.sent += sent
      c.acknowledged += acknowledged
    }
  }
  return out
}

/** How many frames each connection sends: mostly a few, sometimes dozens. */
function plan(seed: number, frames: number): number[] {
  const rng = new Rng(mixSeed(seed, 0xffffffff))
  const counts: number[] = []
  for (let total = 0; total < frames;) {
    const n = 1 + (rng.chance(0.7) ? rng.int(0, 15) : rng.int(0, 63))
    counts.push(n)
    total += n
  }
  return counts
}

/** Runs the fuzzer against the daemon of `options.home` and checks it afterwards. Never throws for a finding. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const {seed} = options
  const paths = brokerPaths(options.home)
  const pid = (JSON.parse(readFileSync(paths.pidFile, 'utf8')) as {pid: number}).pid
  const violations: string[] = []
  const violation = (frame: FuzzFrame | undefined, message: string) => {
    if (violations.length >= 50) return
    violations.push(
      frame
        ? `seed ${seed}, frame #${frame.index} (${frame.what.slice(0, 300)}): ${message}`
        : `seed ${seed}: ${message}`,
    )
  }
  const client = await RawClient.open(paths.socket)
  const {ctx, reference, setupKeys} = await setup(client, seed)
  const afterSetup = rssMiB(pid) ?? 0
  const bound = options.rssBoundMiB ?? DEFAULT_RSS_BOUND_MIB
  let peak = afterSetup
  const tenths = Array.from({length: 10}, () => 0)

  // What the run sent and what the daemon answered, kept compact (a million frames send some two million batches).
  const okKeys = new Set<number>(setupKeys)
  const mustKeys = new Map<number, number>() // key -> frame index
  const acknowledged = new Map<string, Map<number, {key: number; batch: SentBatch; frame: number}>>()
  const errors: Record<string, number> = {}
  const mutations: Record<string, {sent: number; acknowledged: number}> = {}
  const counts = {sent: 0, mustRefuse: 0, acknowledged: 0, refused: 0, stored: 0}
  let framesSent = 0
  let repliesMatched = 0
  let connectionsTimedOut = 0
  const countError = (code: string) => (errors[code] = (errors[code] ?? 0) + 1)

  const onReply = (frame: FuzzFrame, reply: Frame) => {
    repliesMatched++
    let header: unknown
    const text = reply.header.toString('utf8')
    try {
      header = JSON.parse(text)
    } catch {
      violation(frame, `the reply's header is not JSON: ${text.slice(0, 200)}`)
      return
    }
    if (text.includes('"UNKNOWN_SERVER_ERROR"')) violation(frame, `the daemon failed inside: ${text.slice(0, 500)}`)
    if (reply.kind === KIND_ERROR) {
      countError((header as {code?: string}).code ?? '(no code)')
      return
    }
    if (reply.kind !== KIND_RESPONSE) {
      violation(frame, `a reply of kind ${reply.kind}`)
      return
    }
    if (!frame.produce) return
    if (frame.produce.mustFail) violation(frame, `a produce request that must fail was answered: ${text.slice(0, 300)}`)
    const results = (header as {results?: {baseOffset: number; error?: {code: string}}[]}).results
    if (!Array.isArray(results) || results.length !== frame.produce.batches.length) {
      violation(frame, `the produce reply has ${results?.length} results for ${frame.produce.batches.length} batches`)
      return
    }
    results.forEach((result, i) => {
      const batch = frame.produce!.batches[i]!
      if (result.error) {
        counts.refused++
        countError(result.error.code)
        return
      }
      counts.acknowledged++
      mutations[batch.mutation]!.acknowledged++
      if (batch.mustRefuse) {
        violation(
          frame,
          `batch ${i} (${batch.mutation}) was acknowledged at offset ${result.baseOffset}; it must be refused`,
        )
      }
      const tp = `${batch.topic}-${batch.partition}`
      let map = acknowledged.get(tp)
      if (!map) acknowledged.set(tp, (map = new Map()))
      map.set(result.baseOffset, {key: short(batch.key), batch, frame: frame.index})
    })
  }

  // The connections to open: all of the plan's, or those holding frames in [from, to) to replay a stretch of a run.
  const sizes = plan(seed, options.frames)
  const from = options.from ?? 0
  const to = options.to ?? Number.POSITIVE_INFINITY
  const jobs: {connection: number; first: number; count: number}[] = []
  for (let c = 0, first = 0; c < sizes.length; first += sizes[c]!, c++) {
    if (first + sizes[c]! > from && first < to) jobs.push({connection: c, first, count: sizes[c]!})
  }
  const totalFrames = jobs.reduce((t, j) => t + j.count, 0)

  // Memory, liveness and the daemon's answers to a well-behaved client, sampled while the fuzzer runs.
  // Which frames were in flight when something went wrong: the connections open then, and those that closed in the
  // last second (a daemon that crashes closes them all before the sampler notices).
  const open = new Set<FuzzFrame[]>()
  const recentlyClosed: {frames: FuzzFrame[]; at: number}[] = []
  let dead = false
  const suspects = () => {
    const now = Date.now()
    const all = [...open, ...recentlyClosed.filter((c) => now - c.at < 1000).map((c) => c.frames)]
    if (all.length === 0) return 'no connection was open'
    const first = Math.min(...all.map((f) => f[0]!.index))
    const last = Math.max(...all.map((f) => f[f.length - 1]!.index))
    const ranges = all.map((f) => `#${f[0]!.index}-#${f[f.length - 1]!.index}`).join(', ')
    return `frames in flight: ${ranges}; replay them with 'npm run fuzz -- --seed ${seed} --frames ${options.frames} --from ${first} --to ${last + 1} --concurrency 1'`
  }
  const sampler = setInterval(() => {
    const rss = rssMiB(pid)
    if (rss === undefined) {
      if (!dead) violation(undefined, `the daemon (pid ${pid}) died; ${suspects()}`)
      dead = true
      return
    }
    if (rss > peak) peak = rss
    const tenth = Math.min(9, Math.floor((framesSent / Math.max(1, totalFrames)) * 10))
    if (rss > tenths[tenth]!) tenths[tenth] = rss
  }, 50)
  let probing = true
  const probe = (async () => {
    while (probing && !dead) {
      const started = Date.now()
      try {
        const reply = await client.request('hello', {protocol: 1, version: 'fuzz'}, undefined, PROBE_TIMEOUT_MS)
        if (reply.kind !== KIND_RESPONSE)
          violation(undefined, `hello failed during the run: ${JSON.stringify(reply.header)}`)
      } catch (error) {
        violation(undefined, `a well-behaved client got no answer: ${(error as Error).message}; ${suspects()}`)
        dead = true
        return
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - started))))
    }
  })()

  const started = Date.now()
  let nextReport = 50_000

  const runConnection = async (job: {connection: number; first: number; count: number}) => {
    const rng = new Rng(mixSeed(seed, job.connection))
    const frames = connectionFrames(rng, ctx, job.first, job.count)
    const byId = new Map<number, FuzzFrame>()
    for (const f of frames) {
      if (f.correlationId !== 0) byId.set(f.correlationId, f)
      for (const b of f.produce?.batches ?? []) {
        counts.sent++
        const m = (mutations[b.mutation] ??= {sent: 0, acknowledged: 0})
        m.sent++
        const key = short(b.key)
        if (b.mustRefuse) {
          counts.mustRefuse++
          mustKeys.set(key, f.index)
        } else {
          okKeys.add(key)
        }
      }
    }
    const strategy = rng.weighted({whole: 60, frames: 25, pieces: 15})
    let socket: Socket
    try {
      socket = await connectSocket(paths.socket)
    } catch (error) {
      violation(frames[0], `cannot connect: ${(error as Error).message}`)
      dead = true
      return
    }
    open.add(frames)
    const decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER)
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (reply) => {
          const frame = byId.get(reply.correlationId)
          if (frame) onReply(frame, reply)
        })
      } catch (error) {
        violation(frames[0], `the daemon sent a malformed frame on this connection: ${(error as Error).message}`)
        socket.destroy()
      }
    })
    socket.on('error', () => {})
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), CONNECTION_TIMEOUT_MS)
      socket.once('close', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    const all = Buffer.concat(frames.map((f) => f.bytes))
    if (strategy === 'whole') {
      socket.write(all)
    } else if (strategy === 'frames') {
      for (const f of frames) socket.write(f.bytes)
    } else {
      // Pieces of random sizes, each in its own write and turn of the event loop: frames split at any byte.
      for (let at = 0, n = 0; at < all.length && !socket.destroyed; n++) {
        const size = n > 64 ? all.length - at : rng.int(1, Math.max(1, Math.min(4096, all.length - at)))
        socket.write(all.subarray(at, at + size))
        at += size
        await new Promise((r) => setImmediate(r))
      }
    }
    framesSent += frames.length
    socket.end()
    if (!(await closed)) {
      connectionsTimedOut++
      socket.destroy()
    }
    open.delete(frames)
    recentlyClosed.push({frames, at: Date.now()})
    if (recentlyClosed.length > 64) recentlyClosed.shift()
    if (framesSent >= nextReport) {
      nextReport += 50_000
      const s = (Date.now() - started) / 1000
      options.progress?.(
        `${framesSent} frames in ${s.toFixed(0)} s (${Math.round(framesSent / s)}/s), RSS ${rssMiB(pid)?.toFixed(0)} MiB (peak ${peak.toFixed(0)})`,
      )
    }
  }

  let next = 0
  const worker = async () => {
    while (next < jobs.length && !dead) await runConnection(jobs[next++]!)
  }
  await Promise.all(Array.from({length: options.concurrency ?? 8}, worker))
  const durationMs = Date.now() - started
  probing = false
  await probe
  clearInterval(sampler)

  // ---- afterwards -----------------------------------------------------------------------------------------------
  if (!dead) {
    // The same daemon, answering a fresh client.
    const fresh = await RawClient.open(paths.socket)
    try {
      const hello = await fresh.call<{pid: number}>('hello', {protocol: 1, version: 'fuzz'})
      if (hello.result.pid !== pid) violation(undefined, `the daemon's pid changed from ${pid} to ${hello.result.pid}`)
      await check(fresh)
    } catch (error) {
      violation(undefined, `checking the daemon after the run failed: ${(error as Error).stack}`)
    } finally {
      fresh.close()
    }
  }
  client.close()
  if (peak - afterSetup > bound) {
    violation(
      undefined,
      `the daemon's RSS grew from ${afterSetup.toFixed(0)} to ${peak.toFixed(0)} MiB, past the ${bound} MiB bound`,
    )
  }
  const log = readFileSync(paths.log, 'utf8')
  for (const line of log
    .split('\n')
    .filter((l) => / ERROR /.test(l) || /uncaught/i.test(l))
    .slice(0, 5)) {
    violation(undefined, `the daemon logged: ${line.slice(0, 1000)}`)
  }

  return {
    seed,
    framesSent,
    connections: jobs.length,
    repliesMatched,
    connectionsTimedOut,
    durationMs,
    rssMiB: {afterSetup: Math.round(afterSetup), peak: Math.round(peak), bound, tenths: tenths.map(Math.round)},
    batches: counts,
    errors,
    mutations: byPart(mutations),
    violations,
  }

  /** Reads every partition of every topic and checks what is stored. */
  async function check(fresh: RawClient): Promise<void> {
    const {result} = await fresh.call<{topics: {name: string; partitions: number; error?: unknown}[]}>('metadata', {
      topics: null,
    })
    for (const topic of result.topics) {
      if (topic.error) continue
      for (let partition = 0; partition < topic.partitions; partition++) {
        const tp = `${topic.name}-${partition}`
        const read = await readPartition(fresh, topic.name, partition)
        for (const problem of read.problems) violation(undefined, problem)
        const ref = reference.get(tp)
        if (ref) {
          // The reference data, byte for byte, and nothing slipped in before its end.
          const before = read.batches.filter((b) => b.baseOffset < ref.end)
          const bytes = Buffer.concat(before.map((b) => b.bytes))
          if (!bytes.equals(ref.bytes)) {
            violation(
              undefined,
              `${tp}: the reference data changed (${ref.bytes.length} bytes before, ${bytes.length} after)`,
            )
          }
        }
        const stored = new Map<number, StoredBatch>()
        let expected = read.logStart
        for (const b of read.batches) {
          stored.set(b.baseOffset, b)
          if (b.baseOffset !== expected && !(b === read.batches[0] && b.baseOffset <= expected)) {
            violation(undefined, `${tp}: the batch at offset ${b.baseOffset} follows offset ${expected - 1}`)
          }
          expected = b.lastOffset + 1
          const problem = checkStored(b)
          const key = short(batchKey(b.bytes))
          const from = mustKeys.get(key)
          const traced = topic.name !== RECOMPRESSED_TOPIC && !b.header.isControl
          if (problem) {
            const by = from ?? (okKeys.has(key) ? 'a frame of the run' : 'no known frame')
            violation(
              undefined,
              `${tp}: the stored batch at offset ${b.baseOffset} (from ${by}) is unreadable: ${problem}`,
            )
          } else if (traced && from !== undefined && !okKeys.has(key)) {
            violation(
              undefined,
              `${tp}: the batch at offset ${b.baseOffset} is frame #${from}'s, which had to be refused`,
            )
          } else if (traced && !okKeys.has(key) && (topic.name.startsWith('fz-ref') || topic.name === DATA_TOPIC)) {
            violation(undefined, `${tp}: the batch at offset ${b.baseOffset} is none the run or its setup sent`)
          }
          if (!b.header.isControl) counts.stored++
        }
        if (read.batches.length > 0 && expected !== read.highWatermark) {
          violation(
            undefined,
            `${tp}: the last batch ends at offset ${expected - 1}, the high watermark is ${read.highWatermark}`,
          )
        }
        // Every acknowledged batch is where its acknowledgement said.
        for (const [offset, ack] of acknowledged.get(tp) ?? []) {
          if (offset < read.logStart) continue // deleted since (retention is not enforced today, but may be)
          const b = stored.get(offset)
          const sameProducerBatch =
            b !== undefined &&
            ack.batch.producerId >= 0n &&
            b.bytes.readBigInt64BE(OFFSET.producerId) === ack.batch.producerId &&
            b.header.producerEpoch === ack.batch.producerEpoch &&
            b.header.baseSequence === ack.batch.baseSequence
          const same =
            b !== undefined &&
            (topic.name === RECOMPRESSED_TOPIC || short(batchKey(b.bytes)) === ack.key || sameProducerBatch)
          if (!same) {
            violation(
              undefined,
              `${tp}: frame #${ack.frame}'s batch was acknowledged at offset ${offset}, which holds ${b ? 'another batch' : 'no batch'}`,
            )
          }
        }
      }
    }
  }
}
