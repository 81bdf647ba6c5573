// Loads the Kafka frames of test/fixtures/kafka-frames/ (naming scheme in its README.md).
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const FRAMES_DIR = fileURLToPath(new URL('../fixtures/kafka-frames', import.meta.url))

/** One fixture frame and what its name says about it. */
export interface FrameFixture {
  file: string
  api: string
  version: number
  direction: 'request' | 'response'
  client: string
  note: string | null
  /** The whole frame, its 4-byte size included. */
  bytes: Buffer
}

const NAME = /^([A-Za-z]+)_v(\d+)_(request|response)_([^_]+)(?:_([^_]+))?\.(hex|bin)$/

/** Hex text with `#` comments and any whitespace. */
export function parseHex(text: string): Buffer {
  const digits = text.replace(/#.*$/gm, '').replace(/\s+/g, '')
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error('not an even run of hex digits')
  return Buffer.from(digits, 'hex')
}

export function loadFrames(dir = FRAMES_DIR): FrameFixture[] {
  const out: FrameFixture[] = []
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(hex|bin)$/.test(file)) continue // README.md, index.json
    const m = NAME.exec(file)
    if (!m) throw new Error(`${file}: not named <Api>_v<version>_<request|response>_<client>[_<note>].<hex|bin>`)
    const raw = readFileSync(join(dir, file))
    const bytes = m[6] === 'hex' ? parseHex(raw.toString('utf8')) : raw
    out.push({
      file,
      api: m[1]!,
      version: Number(m[2]),
      direction: m[3] as 'request' | 'response',
      client: m[4]!,
      note: m[5] ?? null,
      bytes,
    })
  }
  return out
}
