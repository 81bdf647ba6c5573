import {describe, expect, it} from 'vitest'
import {encodeFrame, FrameDecoder, KIND_REQUEST, KIND_RESPONSE, type Frame} from '../../src/protocol/socket/frame.js'

const frames = () => [
  Buffer.concat(encodeFrame(1, KIND_REQUEST, JSON.stringify({m: 'hello', p: {}}))),
  Buffer.concat(encodeFrame(2, KIND_RESPONSE, '{"ok":true}', [Buffer.from('payload-1'), Buffer.from('-and-more')])),
  Buffer.concat(encodeFrame(0x7fffffff, KIND_REQUEST, '{"m":"x","p":{"s":"héllo"}}', Buffer.alloc(0))),
]

const decodeAll = (chunks: Buffer[]): Frame[] => {
  const out: Frame[] = []
  const decoder = new FrameDecoder()
  for (const c of chunks) decoder.push(c, (f) => out.push(f))
  return out
}

const simplify = (f: Frame) => ({
  id: f.correlationId,
  kind: f.kind,
  header: f.header.toString(),
  payload: f.payload.toString(),
})

describe('frame codec', () => {
  const expected = [
    {id: 1, kind: 0, header: '{"m":"hello","p":{}}', payload: ''},
    {id: 2, kind: 1, header: '{"ok":true}', payload: 'payload-1-and-more'},
    {id: 0x7fffffff, kind: 0, header: '{"m":"x","p":{"s":"héllo"}}', payload: ''},
  ]

  it('decodes many frames that arrive in one chunk', () => {
    expect(decodeAll([Buffer.concat(frames())]).map(simplify)).toEqual(expected)
  })

  it('decodes frames split at every byte position', () => {
    const all = Buffer.concat(frames())
    for (let cut = 0; cut <= all.length; cut++) {
      expect(decodeAll([all.subarray(0, cut), all.subarray(cut)]).map(simplify)).toEqual(expected)
    }
  })

  it('decodes frames fed one byte at a time', () => {
    const all = Buffer.concat(frames())
    const bytes = [...all].map((b) => Buffer.from([b]))
    expect(decodeAll(bytes).map(simplify)).toEqual(expected)
  })

  it('writes the length prefix as the bytes after it', () => {
    const frame = Buffer.concat(encodeFrame(7, KIND_REQUEST, '{}', Buffer.from('abc')))
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4)
    expect(frame.readUInt32BE(4)).toBe(7)
    expect(frame.readUInt32BE(9)).toBe(2)
  })

  it('refuses a frame longer than the limit before buffering it', () => {
    const decoder = new FrameDecoder(1000)
    const header = Buffer.alloc(8)
    header.writeUInt32BE(5000, 0)
    expect(() => decoder.push(header, () => {})).toThrow(
      /Frame of 5000 bytes exceeds socket.request.max.bytes \(1000\)/,
    )
  })

  it('refuses a frame too short to hold its header, and a header that runs past the frame', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 3, 1, 2, 3]), () => {})).toThrow(
      /shorter than a frame header/,
    )
    const bad = Buffer.from([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 50])
    expect(() => new FrameDecoder().push(bad, () => {})).toThrow(/runs past the frame end/)
  })
})
