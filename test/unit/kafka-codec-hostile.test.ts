// Hostile input: lengths that claim more than the frame holds, negative and null lengths where none is allowed, bad
// varints, tagged fields that lie about their size, and random corruption of valid frames. Every case must end in a
// SchemaException that names the field, never another error and never a large allocation.
import {describe, expect, it} from 'vitest'
import {decodeRequestFrame, decodeRequestHeader} from '../../src/protocol/kafka/codec/frame.js'
import {Reader} from '../../src/protocol/kafka/codec/reader.js'
import {SchemaException} from '../../src/protocol/kafka/codec/schema-exception.js'
import {Writer} from '../../src/protocol/kafka/codec/writer.js'
import {decodeConsumerProtocolAssignment} from '../../src/protocol/kafka/messages/consumer-protocol.js'
import {APIS} from '../../src/protocol/kafka/messages/index.js'
import {MESSAGES, Samples, codecOf, versionsOf} from '../helpers/kafka-samples.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

function schemaError(fn: () => unknown): SchemaException {
  try {
    fn()
  } catch (e) {
    if (e instanceof SchemaException) return e
    throw new Error(`expected a SchemaException, got ${String(e)}`, {cause: e})
  }
  throw new Error('expected a SchemaException, got a value')
}

/** Heap growth while running fn, in bytes (a rough bound: allocation of a claimed length would show as gigabytes). */
function heapGrowth(fn: () => void): number {
  const before = process.memoryUsage()
  fn()
  const after = process.memoryUsage()
  return after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)
}

describe('hostile lengths', () => {
  it('refuses an array of 2^31 - 1 elements in a 20-byte frame without allocating it', () => {
    // Metadata v0 request: header v1 (key 3, v0, correlation 1, client id "c"), then topics: 0x7fffffff.
    const frame = hex('0003 0000 00000001 0001 63 7fffffff 0000 0000 00')
    expect(frame.length).toBe(20)
    let error: SchemaException | undefined
    const growth = heapGrowth(() => {
      error = schemaError(() => decodeRequestFrame(frame))
    })
    expect(error!.field).toBe('topics')
    expect(error!.position).toBe(11)
    expect(error!.message).toMatch(
      /MetadataRequest v0 at byte 11 \(topics\): length 2147483647 is more than the 5 bytes left/,
    )
    expect(growth).toBeLessThan(16 * 1024 * 1024)
  })

  it('refuses a compact array or string whose varint length claims 2^32 - 2 elements', () => {
    // ApiVersions v3 request: header v2 (key 18, v3, correlation 1, null client id, no tags), then a compact string
    // whose length is the largest unsigned varint.
    const frame = hex('0012 0003 00000001 ffff 00 ffffffff0f 00')
    const error = schemaError(() => decodeRequestFrame(frame))
    expect(error.field).toBe('clientSoftwareName')
    expect(error.reason).toMatch(/string length 4294967294 is more than Kafka's limit of 32767/)
    // ApiVersions v3 response body: error 0, then an api keys array of 2^32 - 2 elements.
    const array = schemaError(() => APIS.ApiVersions.decodeResponse(3, hex('0000 ffffffff0f 00')))
    expect([array.field, array.reason]).toEqual(['apiKeys', 'length 4294967294 is more than the 1 bytes left'])
  })

  it('refuses bytes and records lengths longer than the frame', () => {
    const join = hex(
      '000b 0000 00000001 ffff' + '0001 67 00001388 0000 0008 636f6e73756d6572 00000001 0001 72 7ffffff0',
    )
    expect(schemaError(() => decodeRequestFrame(join)).field).toBe('protocols[].metadata')
    const produce = hex('0000 0003 00000001 ffff' + 'ffff 0001 00000000 00000001 0001 74 00000001 00000000 7fffffff 00')
    const error = schemaError(() => decodeRequestFrame(produce))
    expect(error.field).toBe('topicData[].partitionData[].records')
    expect(error.reason).toMatch(/length 2147483647 is more than the 1 bytes left/)
  })

  it('refuses negative lengths other than -1, and -1 where null is not allowed', () => {
    const negative = hex('0003 0001 00000001 ffff fffffffe')
    expect(schemaError(() => decodeRequestFrame(negative)).reason).toMatch(/negative array length -2/)
    // Metadata v0's topic array cannot be null (from v1 it can).
    const nullV0 = hex('0003 0000 00000001 ffff ffffffff')
    expect(schemaError(() => decodeRequestFrame(nullV0)).reason).toMatch(/null in a field that is not nullable/)
    expect(decodeRequestFrame(hex('0003 0001 00000001 ffff ffffffff')).body).toMatchObject({topics: null})
    // A group id cannot be null.
    const nullGroup = hex('000c 0000 00000001 ffff ffff')
    expect(schemaError(() => decodeRequestFrame(nullGroup)).field).toBe('groupId')
  })

  it('refuses an unsigned varint longer than five bytes', () => {
    const frame = hex('0012 0003 00000001 ffff 00 8080808080 00')
    expect(schemaError(() => decodeRequestFrame(frame)).reason).toMatch(/longer than 5 bytes/)
  })

  it('refuses tagged fields whose size runs past the frame or does not match their value', () => {
    // ApiVersions v3 response body: error 0, no api keys, throttle 0, then tagged fields.
    const body = (tags: string) => hex('0000 01 00000000' + tags)
    expect(schemaError(() => APIS.ApiVersions.decodeResponse(3, body('01 05 ffffffff07'))).reason).toMatch(
      /length 2147483647 is more than/,
    )
    // Tag 1 (FinalizedFeaturesEpoch, an int64) said to be 4 bytes long.
    expect(schemaError(() => APIS.ApiVersions.decodeResponse(3, body('01 01 04 0000000000000001'))).reason).toMatch(
      /ends 4 bytes after its size says/,
    )
    // A huge tagged-field count ends at the data, not in a loop.
    expect(schemaError(() => APIS.ApiVersions.decodeResponse(3, body('ffffffff0f'))).field).toBe('taggedFields')
  })

  it('refuses a request header shorter than its fixed part, and a consumer protocol version below 0', () => {
    expect(schemaError(() => decodeRequestHeader(hex('0003'))).context).toBe('RequestHeader')
    expect(schemaError(() => decodeConsumerProtocolAssignment(hex('8000'))).reason).toMatch(/version -32768/)
  })
})

describe('random corruption of valid frames', () => {
  it('either decodes or throws SchemaException, for 20,000 mutated messages of every kind', () => {
    let state = 0x2545f491
    const random = () => {
      // xorshift32: deterministic, so a failure reproduces.
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) / 4294967296
    }
    const samples: {name: string; version: number; bytes: Buffer; read: (r: Reader, v: number) => unknown}[] = []
    for (const message of MESSAGES) {
      const codec = codecOf(message)
      for (const version of versionsOf(message)) {
        const w = new Writer()
        codec.write(w, version, new Samples(version).message(message, version, 'values'))
        samples.push({name: message.name, version, bytes: w.finish(), read: codec.read})
      }
    }
    let decoded = 0
    let refused = 0
    for (let i = 0; i < 20_000; i++) {
      const sample = samples[Math.floor(random() * samples.length)]!
      const bytes = Buffer.from(sample.bytes)
      if (bytes.length === 0) continue
      const mutations = 1 + Math.floor(random() * 4)
      for (let m = 0; m < mutations; m++) {
        const at = Math.floor(random() * bytes.length)
        const kind = random()
        // Flip a byte, or plant a large length, a null marker or a long varint where a length may be.
        if (kind < 0.4) bytes[at] = Math.floor(random() * 256)
        else if (kind < 0.6 && at + 4 <= bytes.length) bytes.writeInt32BE(0x7fffffff, at)
        else if (kind < 0.8 && at + 2 <= bytes.length) bytes.writeInt16BE(-1, at)
        else bytes[at] = 0xff
      }
      const r = new Reader(bytes)
      r.context = `${sample.name} v${sample.version}`
      try {
        sample.read(r, sample.version)
        decoded++
      } catch (e) {
        if (!(e instanceof SchemaException)) {
          throw new Error(`${sample.name} v${sample.version} threw ${String(e)} on ${bytes.toString('hex')}`, {
            cause: e,
          })
        }
        refused++
      }
    }
    expect(decoded + refused).toBeGreaterThan(19_000)
    expect(refused).toBeGreaterThan(1000)
  })
})
