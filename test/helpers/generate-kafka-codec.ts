// Vitest's global setup: regenerates the Kafka codec from its definitions before any test file loads it, so that
// `npx vitest run` works on a fresh checkout and never tests code older than the definitions. Unchanged files are
// left alone, so this costs about 0.1 s.
import {writeCodec} from '../../scripts/gen-kafka-codec.mjs'

export default function setup(): void {
  writeCodec()
}
