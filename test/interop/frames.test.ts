// Captures the Kafka frames that each client family exchanges with the broker (through the frame proxy), checks
// that the proxy splits them the way Kafka frames them (every request answered once, by correlation id), and,
// with INTEROP_UPDATE_FRAMES=1, saves a curated set under test/fixtures/kafka-frames for the codec's golden tests:
// <Api>_v<version>_<request|response>_<family>.bin (the codec's naming, test/fixtures/kafka-frames/README.md), with
// index.json naming the clients and their versions.
import {mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {broker, createTopic, produce, text, unique} from './harness/context.js'
import {runDriver, type WireRecord} from './harness/drivers.js'
import {ROOT} from './harness/env.js'
import {FAMILIES, FAMILY_INFO, unsupported, type Family} from './harness/families.js'
import {apiName, FrameProxy, type CapturedFrame} from './frame-proxy.js'

const FIXTURES = join(ROOT, 'test', 'fixtures', 'kafka-frames')
/** The APIs whose frames are kept as fixtures (the rest are checked, not saved). */
const CURATED = new Set([
  'ApiVersions',
  'Metadata',
  'Produce',
  'Fetch',
  'ListOffsets',
  'FindCoordinator',
  'JoinGroup',
  'SyncGroup',
  'Heartbeat',
  'LeaveGroup',
  'OffsetCommit',
  'OffsetFetch',
  'InitProducerId',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'EndTxn',
  'TxnOffsetCommit',
  'CreateTopics',
  'DescribeCluster',
])

const proxy = broker.proxy ? new FrameProxy(broker.proxy.proxyPort, broker.proxy.upstream) : undefined
const captured = new Map<Family, CapturedFrame[]>()

/** What each family does through the proxy: enough to make it speak every curated API it implements. */
async function exercise(family: Family, clientId: string): Promise<void> {
  const bootstrap = `127.0.0.1:${broker.proxy!.proxyPort}`
  const base = {bootstrap, clientId}
  const topic = unique(`frames-${family}`)
  await createTopic(topic, 1)
  const records: WireRecord[] = [0, 1, 2].map((i) => ({
    partition: 0,
    key: text(`k${i}`),
    value: text(`v${i}`),
    headers: [['h', text('x')]],
  }))
  await runDriver(family, 'metadata', base)
  if (!unsupported(family, 'create-topic'))
    await runDriver(family, 'create-topic', {...base, topic: unique(`frames-created-${family}`), partitions: 1})
  await runDriver(family, 'produce', {...base, topic, records, idempotent: !unsupported(family, 'idempotent')})
  await runDriver(family, 'commit', {...base, topic, group: unique(`frames-${family}`), offset: 3})
  await runDriver(family, 'offsets-for-times', {...base, topic, partition: 0, timestamps: [0]})
  if (!unsupported(family, 'transactions')) {
    await runDriver(family, 'transactions', {
      ...base,
      topic,
      transactionalId: unique(`frames-${family}`),
      transactions: [{commit: true, records}],
    })
  }
  if (!unsupported(family, 'consume-transform-produce')) {
    const output = unique(`frames-out-${family}`)
    await createTopic(output, 1)
    const input = unique(`frames-in-${family}`)
    await createTopic(input, 1)
    await produce('java', input, records)
    await runDriver(family, 'consume-transform-produce', {
      ...base,
      input,
      output,
      group: unique(`frames-ctp-${family}`),
      transactionalId: unique(`frames-ctp-${family}`),
      count: 3,
      prefix: 'x',
    })
  }
}

describe.skipIf(proxy === undefined)('frames real clients exchange with the broker', () => {
  beforeAll(() => proxy!.start())
  afterAll(() => proxy!.stop())

  test.each(FAMILIES)(
    '%s: every request through the proxy gets exactly one response, matched by correlation id',
    async (family) => {
      const clientId = unique(`capture-${family}`)
      await exercise(family, clientId)
      const frames = proxy!.framesOf(clientId)
      captured.set(family, frames)
      const byConnection = new Map<number, CapturedFrame[]>()
      for (const f of frames) byConnection.set(f.connection, [...(byConnection.get(f.connection) ?? []), f])
      for (const list of byConnection.values()) {
        const requests = list.filter((f) => f.direction === 'request').map((f) => `${f.apiKey}/${f.correlationId}`)
        const responses = list.filter((f) => f.direction === 'response').map((f) => `${f.apiKey}/${f.correlationId}`)
        // A client may close a connection with requests in flight (a consumer leaving): answered ones must match.
        expect(new Set(responses).size).toBe(responses.length)
        for (const r of responses) expect(requests).toContain(r)
      }
      for (const f of frames) expect(f.bytes.readInt32BE(0)).toBe(f.bytes.length - 4)
      const apis = new Set(frames.map((f) => apiName(f.apiKey)))
      for (const api of ['ApiVersions', 'Metadata', 'Produce', 'Fetch', 'JoinGroup', 'SyncGroup', 'OffsetCommit']) {
        expect(apis, `${family} sent no ${api}`).toContain(api)
      }
      if (!unsupported(family, 'transactions')) {
        for (const api of ['InitProducerId', 'EndTxn']) expect(apis, `${family} sent no ${api}`).toContain(api)
      }
    },
  )

  test.runIf(process.env.INTEROP_UPDATE_FRAMES === '1')('the curated frames are saved as fixtures', () => {
    mkdirSync(FIXTURES, {recursive: true})
    for (const f of readdirSync(FIXTURES)) if (f.endsWith('.bin') || f === 'index.json') rmSync(join(FIXTURES, f))
    const index: object[] = []
    for (const [family, frames] of captured) {
      const seen = new Set<string>()
      for (const request of frames.filter((f) => f.direction === 'request')) {
        const api = apiName(request.apiKey)
        const kind = `${api}-v${request.apiVersion}`
        if (!CURATED.has(api) || seen.has(kind)) continue
        const response = frames.find(
          (f) =>
            f.direction === 'response' &&
            f.connection === request.connection &&
            f.correlationId === request.correlationId,
        )
        if (response === undefined) continue
        seen.add(kind)
        for (const frame of [request, response]) {
          const file = `${api}_v${request.apiVersion}_${frame.direction}_${family}.bin`
          writeFileSync(join(FIXTURES, file), frame.bytes)
          index.push({
            file,
            client: FAMILY_INFO[family].client,
            api,
            apiKey: frame.apiKey,
            apiVersion: frame.apiVersion,
            direction: frame.direction,
            correlationId: frame.correlationId,
            size: frame.bytes.length,
          })
        }
      }
    }
    const clients = Object.fromEntries(FAMILIES.map((f) => [f, FAMILY_INFO[f].client]))
    writeFileSync(
      join(FIXTURES, 'index.json'),
      JSON.stringify(
        {
          about:
            'Kafka frames (4-byte size prefix included) captured by test/interop/frames.test.ts between real clients and the broker below; request header v1/v2, response header v0/v1 as each API version defines.',
          broker: broker.label,
          clients,
          frames: index,
        },
        null,
        2,
      ) + '\n',
    )
    expect(index.length).toBeGreaterThan(50)
  })
})
