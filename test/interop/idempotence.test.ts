// An idempotent producer whose first Produce response is lost (the frame proxy drops it and the connection) must
// retry, and the broker must keep each record once.
import {afterAll, beforeAll, describe, expect} from 'vitest'
import {broker, consume, createTopic, text, unique, eachFamily} from './harness/context.js'
import {runDriver} from './harness/drivers.js'
import {FAMILIES} from './harness/families.js'
import {FrameProxy} from './frame-proxy.js'

const proxy = broker.proxy ? new FrameProxy(broker.proxy.proxyPort, broker.proxy.upstream) : undefined

describe.skipIf(proxy === undefined)('an idempotent producer across a lost response', () => {
  beforeAll(() => proxy!.start())
  afterAll(() => proxy!.stop())

  eachFamily(
    'idempotent',
    FAMILIES,
    '%s retries a batch whose response was lost and the topic holds each record once',
    async (family) => {
      const topic = unique(`idempotent-${family}`)
      const clientId = unique(`idempotent-${family}`)
      await createTopic(topic, 1)
      const records = Array.from({length: 5}, (_, i) => ({
        partition: 0,
        key: text(`k${i}`),
        value: text(`v${i}`),
        headers: [],
      }))
      let dropped = false
      proxy!.fault = {
        dropResponse: (request) => {
          if (dropped || request.clientId !== clientId || request.apiKey !== 0) return false
          dropped = true
          return true
        },
      }
      try {
        await runDriver(
          family,
          'produce',
          {bootstrap: `127.0.0.1:${broker.proxy!.proxyPort}`, clientId, topic, records, idempotent: true},
          90_000,
        )
      } finally {
        proxy!.fault = undefined
      }
      expect(dropped).toBe(true)
      const produceRequests = proxy!.framesOf(clientId).filter((f) => f.apiKey === 0 && f.direction === 'request')
      expect(produceRequests.length).toBeGreaterThanOrEqual(2) // the retry
      const read = await consume('java', topic, {count: 10, timeoutMs: 5000})
      expect(read.map((r) => Buffer.from(r.key!, 'base64').toString())).toEqual(['k0', 'k1', 'k2', 'k3', 'k4'])
    },
  )
})
