// Builds kafkalite in four steps:
// 0. the Kafka protocol codec is generated from its definitions (src/protocol/kafka/definitions -> messages/);
// 1. tsc emits dist/ (the importable library and its type declarations);
// 2. rolldown bundles the CLI entry, every command and the daemon into dist/bundle/, minified with shared chunks:
//    loading one bundle instead of ~300 small CommonJS files of @oclif/core and its dependencies measured 35-40 ms
//    faster per command here (see bench/);
// 3. the oclif manifest is generated from the bundled commands, so oclif never loads every command to list flags.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const step = (name) => process.stderr.write(`build: ${name}\n`)

rmSync(join(root, 'dist'), {force: true, recursive: true})

const {generateCodec, writeCodec} = await import('./gen-kafka-codec.mjs')
const codecStarted = performance.now()
const codecModules = generateCodec()
const codecWritten = writeCodec(codecModules)
step(
  `kafka codec: ${codecModules.size} modules, ${codecWritten} changed, ${Math.round(performance.now() - codecStarted)} ms`,
)

step('tsc')
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
)

step('bundle')
const {build} = await import('rolldown')
const input = {
  main: 'src/cli/main.ts',
  daemon: 'src/daemon/main.ts',
  'hooks/command-not-found': 'src/hooks/command-not-found.ts',
}
const commandsDir = join(root, 'src/commands')
for (const file of walk(commandsDir)) {
  if (!file.endsWith('.ts')) continue
  input[`commands/${relative(commandsDir, file).replace(/\.ts$/, '')}`] = relative(root, file)
}
await build({
  cwd: root,
  input,
  platform: 'node',
  // Native addons, and optional tooling oclif may probe for: never bundled.
  external: ['better-sqlite3', '@node-rs/crc32', 'typescript', 'ts-node', 'tsx'],
  logLevel: 'warn',
  output: {
    dir: join(root, 'dist/bundle'),
    // CommonJS, so that bin/code-cache.cjs can give V8 its code cache (Node 20 cannot for ES modules).
    format: 'cjs',
    exports: 'named',
    minify: process.env.KAFKALITE_NO_MINIFY ? false : true,
    entryFileNames: '[name].cjs',
    chunkFileNames: 'chunk-[hash].cjs',
  },
})

step('oclif manifest')
const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')

step('code cache')
// Run every command's --help and a daemon start once with KAFKALITE_CODE_CACHE=write (bin/code-cache.cjs).
const env = {...process.env, KAFKALITE_CODE_CACHE: 'write', KAFKALITE_HOME: mkdtempSync(join(tmpdir(), 'kl-build-'))}
const run = (args) => execFileSync(process.execPath, [join(root, 'bin/run.js'), ...args], {env, stdio: 'ignore'})
for (const id of Object.keys(plugin.manifest.commands)) run([...id.split(':'), '--help'])
// The daemon opens a Kafka listener, so that a command of another home reaches it over Kafka's protocol and the
// client's Kafka transport (the codec, loaded only then) is cached too.
writeFileSync(join(env.KAFKALITE_HOME, 'server.properties'), 'listeners=PLAINTEXT://127.0.0.1:0\n')
run(['topics', '--list'])
const status = execFileSync(process.execPath, [join(root, 'bin/run.js'), 'daemon', 'status', '--json'], {env})
const port = JSON.parse(status.toString()).listeners[0].port
const elsewhere = mkdtempSync(join(tmpdir(), 'kl-build-'))
execFileSync(
  process.execPath,
  [join(root, 'bin/run.js'), 'topics', '--list', '--bootstrap-server', `127.0.0.1:${port}`],
  {
    env: {...env, KAFKALITE_HOME: elsewhere},
    stdio: 'ignore',
  },
)
run(['daemon', 'stop'])
rmSync(env.KAFKALITE_HOME, {recursive: true, force: true})
rmSync(elsewhere, {recursive: true, force: true})
step(`done (${Object.keys(plugin.manifest.commands).length} commands)`)

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else yield path
  }
}
