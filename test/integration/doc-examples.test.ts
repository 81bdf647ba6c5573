// The code blocks of README.md, ARCHITECTURE.md and docs/*.md are examples a reader will paste: a stale one must fail
// here. The rules, for whoever writes documentation:
// - every ```ts block is type-checked against the library (`kafkalite` is src/client/index.ts), then run as a
//   program against a daemon of its own, with `kafkalite` resolved to the built library (dist/client/index.js);
// - every `kafkalite ...` command in a ```sh block, and every `$ kafkalite ...` line of any block, must name a
//   command the CLI has and only flags that command has;
// - a ```sh block after a `<!-- test: NAME -->` line also runs, in bash with `set -euo pipefail`, with `kafkalite`
//   on PATH as the real CLI binary, in a home and a working directory of its own. Mark the blocks that can run
//   unattended (no Ctrl-C, no placeholders); the marker also names a TypeScript block in failures.
import {spawn} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import ts from 'typescript'
import {describe, expect, it} from 'vitest'
import {KafkaConsumer} from '../../src/client/index.js'
import {BIN, ROOT, TestHome} from '../helpers/env.js'

interface Block {
  page: string
  /** 1-based line of the opening fence. */
  line: number
  lang: string
  text: string
  /** From a `<!-- test: NAME -->` line just above the block (blank lines between allowed). */
  name: string | null
}

const PAGES = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
]

/** The fenced blocks of a Markdown page, with the indentation of list items removed. */
function blocksOf(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n')
  const blocks: Block[] = []
  let marker: string | null = null
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const fence = /^(\s*)(`{3,})(\S*)\s*$/.exec(line)
    if (fence) {
      const [, indent, ticks, lang] = fence as unknown as [string, string, string, string]
      const body: string[] = []
      let j = i + 1
      while (j < lines.length && lines[j]!.trim() !== ticks) body.push(lines[j++]!.slice(indent.length))
      blocks.push({page, line: i + 1, lang, text: body.join('\n'), name: marker})
      marker = null
      i = j
      continue
    }
    const m = /^\s*<!-- test: (\S+) -->\s*$/.exec(line)
    if (m) marker = m[1]!
    else if (line.trim() !== '') marker = null
  }
  return blocks
}

const BLOCKS = PAGES.flatMap(blocksOf)
const TS_BLOCKS = BLOCKS.filter((b) => b.lang === 'ts')
const SH_RUNS = BLOCKS.filter((b) => b.lang === 'sh' && b.name !== null)
const where = (b: Block) => `${b.page}:${b.line}${b.name ? ` (${b.name})` : ''}`

// ---- commands and flags, checked against the oclif manifest -------------------------------------------------------

interface ManifestFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
}
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {flags: Record<string, ManifestFlag>}>
}

/** Shell words of a line, with `|`, `||`, `&&`, `;` and `&` as words of their own; a `#` word starts a comment. */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1)
      word = (word ?? '') + line.slice(i + 1, end < 0 ? line.length : end)
      i = end < 0 ? line.length : end
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word)
      word = null
    } else if (c === '#' && word === null) {
      break
    } else if ('|&;'.includes(c)) {
      if (word !== null) words.push(word)
      word = null
      words.push(line[i + 1] === c ? c + line[++i] : c)
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== null) words.push(word)
  return words
}

/** The `kafkalite` invocations of a block, as argument lists. */
function invocations(block: Block): string[][] {
  const text = block.text.replace(/\\\n/g, ' ')
  const lines = text.split('\n')
  const commandLines = block.lang === 'sh' ? lines : lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2))
  const found: string[][] = []
  for (const line of commandLines) {
    let segment: string[] = []
    for (const word of [...shellWords(line), ';']) {
      if (['|', '||', '&&', ';', '&'].includes(word)) {
        const start = segment.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))
        if (segment[start] === 'kafkalite') found.push(segment.slice(start + 1))
        segment = []
      } else {
        segment.push(word)
      }
    }
  }
  return found
}

/** What is wrong with `kafkalite <args>` as the CLI defines its commands, or null. */
function checkInvocation(args: readonly string[]): string | null {
  const words = args.filter((w, i) => !/^[<>]/.test(w) && !/^[<>]/.test(args[i - 1] ?? ''))
  const positional = (from: number) => words.slice(from).findIndex((w) => !w.startsWith('-'))
  let id = ''
  let at = 0
  // The longest run of leading words that names a command (topics use spaces: `daemon start`).
  for (let n = 1; n <= words.length && !words[n - 1]!.startsWith('-'); n++) {
    const candidate = words.slice(0, n).join(':')
    if (MANIFEST.commands[candidate]) [id, at] = [candidate, n]
  }
  if (!id) return `no command '${words.slice(0, 2).join(' ')}'`
  // As kafka-transactions, a command with subcommands takes the global options before the subcommand.
  const subcommands = Object.keys(MANIFEST.commands).filter((c) => c.startsWith(`${id}:`))
  if (subcommands.length > 0 && positional(at) >= 0) {
    const valueFlags = new Set(
      subcommands
        .flatMap((c) => Object.values(MANIFEST.commands[c]!.flags))
        .filter((f) => f.type === 'option')
        .map((f) => `--${f.name}`),
    )
    for (let i = at; i < words.length; i++) {
      if (valueFlags.has(words[i]!)) i++
      else if (!words[i]!.startsWith('-')) {
        const sub = `${id}:${words[i]}`
        if (!MANIFEST.commands[sub]) return `no subcommand '${words[i]}' of '${id.replaceAll(':', ' ')}'`
        id = sub
        words.splice(i, 1)
        break
      }
    }
  }
  const flags = Object.values(MANIFEST.commands[id]!.flags)
  for (let i = at; i < words.length; i++) {
    const word = words[i]!
    if (word === '--') break
    let flag: ManifestFlag | undefined
    if (word.startsWith('--')) {
      const name = word.slice(2).split('=')[0]!
      if (name === 'help') continue
      flag = flags.find((f) => f.name === name)
      if (!flag) return `'${id.replaceAll(':', ' ')}' has no flag --${name}`
    } else if (/^-[A-Za-z]$/.test(word)) {
      if (word === '-h') continue
      flag = flags.find((f) => f.char === word[1])
      if (!flag) return `'${id.replaceAll(':', ' ')}' has no flag ${word}`
    }
    if (flag?.type === 'option' && !word.includes('=')) i++
  }
  return null
}

// ---- TypeScript: one type-check for every block -------------------------------------------------------------------

const tsFile = (b: Block) => join(ROOT, 'test', '.doc-examples', `${b.page.replace(/\W/g, '-')}-${b.line}.ts`)

function typeErrors(blocks: readonly Block[]): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {}},
  )!
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    types: ['node'],
    baseUrl: ROOT,
    paths: {kafkalite: ['./dist/client/index.d.ts']},
  }
  const files = new Map(blocks.map((b) => [tsFile(b), b]))
  const host = ts.createCompilerHost(options)
  const {getSourceFile, fileExists, readFile} = host
  host.getSourceFile = (name, version, ...rest) => {
    const b = files.get(name)
    return b ? ts.createSourceFile(name, b.text, version) : getSourceFile.call(host, name, version, ...rest)
  }
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name)
  host.readFile = (name) => files.get(name)?.text ?? readFile.call(host, name)
  const program = ts.createProgram([...files.keys()], options, host)
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const b = d.file && files.get(d.file.fileName)
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    if (!b || d.start === undefined) return message
    const {line} = d.file!.getLineAndCharacterOfPosition(d.start)
    return `${b.page}:${b.line + 1 + line}: ${message}`
  })
}

// ---- running ------------------------------------------------------------------------------------------------------

interface Outcome {
  code: number | null
  output: string
}

function run(command: string, args: string[], options: {cwd: string; env: NodeJS.ProcessEnv}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {...options, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    const timer = setTimeout(() => {
      output += '\n(killed after 45 s)'
      child.kill('SIGKILL')
    }, 45_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, output})
    })
  })
}

/** Stops the daemons a block started in homes of its own (`export KAFKALITE_HOME=$(mktemp -d)`) under `dir`. */
function killDaemonsUnder(dir: string): void {
  for (const entry of readdirSync(dir, {recursive: true, withFileTypes: true})) {
    if (entry.name !== 'daemon.pid' || !entry.isFile()) continue
    try {
      const {pid} = JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')) as {pid: number}
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
}

async function inHome<T>(fn: (home: TestHome) => Promise<T>): Promise<T> {
  const home = new TestHome()
  try {
    return await fn(home)
  } finally {
    killDaemonsUnder(home.dir)
    await home.cleanup()
  }
}

async function readCommitted(home: TestHome, topic: string, count: number): Promise<string[]> {
  const consumer = new KafkaConsumer({'kafkalite.home': home.dir, 'isolation.level': 'read_committed'})
  const tp = {topic, partition: 0}
  consumer.assign([tp])
  consumer.seekToBeginning([tp])
  const values: string[] = []
  while (values.length < count) {
    const records = await consumer.poll(2000)
    if (records.isEmpty()) break
    for (const r of records) values.push(r.value!.toString())
  }
  await consumer.close()
  return values
}

/** What some examples leave behind that only a reader with the broker can see. */
const AFTERWARDS: Record<string, (home: TestHome) => Promise<void>> = {
  'transactional-example': async (home) => {
    expect(await readCommitted(home, 'my-topic', 100)).toEqual(Array.from({length: 100}, (_, i) => String(i)))
  },
  'consume-transform-produce': async (home) => {
    expect(await readCommitted(home, 'shouted', 2)).toEqual(['EXACTLY', 'ONCE'])
  },
}

describe('the examples of the README and docs/', () => {
  it('finds the pages and their examples (the checks cannot pass on nothing)', () => {
    expect(PAGES).toContain('docs/client.md')
    expect(TS_BLOCKS.length).toBeGreaterThanOrEqual(8)
    expect(SH_RUNS.length).toBeGreaterThanOrEqual(8)
    expect(TS_BLOCKS.map((b) => b.name)).toContain('transactional-example')
  })

  it('name only commands and flags the CLI has', () => {
    const wrong = BLOCKS.flatMap((b) =>
      invocations(b).flatMap((args) => {
        const problem = checkInvocation(args)
        return problem ? [`${where(b)}: kafkalite ${args.join(' ')}: ${problem}`] : []
      }),
    )
    expect(wrong).toEqual([])
    // The check itself: it must catch what a stale example would say.
    expect(checkInvocation(['topics', '--craete'])).toMatch(/no flag --craete/)
    expect(checkInvocation(['transactions', '--bootstrap-server', 'x', 'lst'])).toMatch(/no subcommand 'lst'/)
    expect(checkInvocation(['daemon', 'start', '--foreground'])).toBeNull()
  })

  it('type-check against the library', () => {
    expect(typeErrors(TS_BLOCKS)).toEqual([])
    const stale: Block = {page: 'stale.md', line: 1, lang: 'ts', name: null, text: "import {Admin} from 'kafkalite'\n"}
    expect(typeErrors([{...stale, text: `${stale.text}Admin.lagSnapshot()\n`}])).toEqual([
      expect.stringContaining("Property 'lagSnapshot' does not exist"),
    ])
  }, 60_000)

  it.concurrent.each(TS_BLOCKS.map((b) => [where(b), b] as const))(
    'runs the TypeScript of %s',
    async (_, block) => {
      await inHome(async (home) => {
        const source = block.text.replace(
          /from 'kafkalite'/g,
          `from ${JSON.stringify(join(ROOT, 'dist', 'client', 'index.js'))}`,
        )
        const js = ts.transpileModule(source, {
          compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022},
        }).outputText
        const file = join(home.dir, 'example.mjs')
        writeFileSync(file, js)
        const outcome = await run(process.execPath, [file], {cwd: home.dir, env: home.env})
        expect(outcome.code, outcome.output).toBe(0)
        await AFTERWARDS[block.name ?? '']?.(home)
      })
    },
    60_000,
  )

  it.concurrent.each(SH_RUNS.map((b) => [where(b), b] as const))(
    'runs the shell of %s',
    async (_, block) => {
      await inHome(async (home) => {
        const work = join(home.dir, 'work')
        const bin = join(home.dir, 'bin')
        mkdirSync(work)
        mkdirSync(bin)
        symlinkSync(BIN, join(bin, 'kafkalite'))
        const env = {...home.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: work}
        const outcome = await run('bash', ['--noprofile', '--norc', '-euo', 'pipefail', '-c', block.text], {
          cwd: work,
          env,
        })
        expect(outcome.code, outcome.output).toBe(0)
      })
    },
    60_000,
  )
})
