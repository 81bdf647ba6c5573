// The socket fuzzer, run longer than `npm test` runs it: `npm run fuzz -- --frames 1000000 --seed 42`.
// It runs test/integration/daemon/socket-fuzz.test.ts with these settings (a real daemon in a temporary home; see
// test/README.md for what it sends and checks). Without --seed it picks one and prints it: a seed and a frame index
// name the frame that broke something, and `--seed N --from I --to J` replays the connections that sent frames I..J.
//
//   --frames N        frames to send (default 1000000)
//   --seed N          the PRNG seed (default: random, printed)
//   --concurrency N   connections open at once (default 8)
//   --from I --to J   replay only the connections holding frames I to J - 1 of the seeded run
//   --rss-bound MIB   how far the daemon's RSS may grow past its size after setup (default 256)
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OPTIONS = {
  '--frames': 'KAFKALITE_FUZZ_FRAMES',
  '--seed': 'KAFKALITE_FUZZ_SEED',
  '--concurrency': 'KAFKALITE_FUZZ_CONCURRENCY',
  '--from': 'KAFKALITE_FUZZ_FROM',
  '--to': 'KAFKALITE_FUZZ_TO',
  '--rss-bound': 'KAFKALITE_FUZZ_RSS_BOUND_MIB',
}

function fail(message) {
  process.stderr.write(`fuzz: ${message}\n`)
  process.exit(2)
}

const env = {...process.env, KAFKALITE_FUZZ_FRAMES: '1000000'}
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split('=', 2)
  const name = OPTIONS[flag]
  if (name === undefined) fail(`unknown option '${args[i]}'. Options: ${Object.keys(OPTIONS).join(', ')}.`)
  const value = inline ?? args[++i]
  if (value === undefined || !/^\d+$/.test(value)) {
    fail(`${flag} takes a non-negative integer, not '${value ?? ''}'.`)
  }
  env[name] = value
}
env.KAFKALITE_FUZZ_SEED ??= String(Math.floor(Math.random() * 2 ** 31))

const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
if (!existsSync(vitest)) fail(`vitest is not installed (${vitest}). Run 'npm install'.`)
if (!existsSync(join(ROOT, 'dist')))
  fail("the daemon is not built. Run 'npm run build' (or 'npm run fuzz', which builds).")

const replay =
  env.KAFKALITE_FUZZ_FROM || env.KAFKALITE_FUZZ_TO
    ? `, replaying frames ${env.KAFKALITE_FUZZ_FROM ?? 0} to ${env.KAFKALITE_FUZZ_TO ?? 'the end'}`
    : ''
process.stderr.write(`fuzz: seed ${env.KAFKALITE_FUZZ_SEED}, ${env.KAFKALITE_FUZZ_FRAMES} frames${replay}\n`)
const child = spawn(process.execPath, [vitest, 'run', 'test/integration/daemon/socket-fuzz.test.ts'], {
  cwd: ROOT,
  env,
  stdio: 'inherit',
})
child.on('exit', (code, signal) => {
  process.stderr.write(
    `fuzz: seed ${env.KAFKALITE_FUZZ_SEED}: ${code === 0 ? 'no violation' : `failed (${signal ?? `exit ${code}`})`}\n`,
  )
  process.exit(code ?? 1)
})
