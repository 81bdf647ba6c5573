// Starts the broker under test once for the whole run and hands its address to the test files; at the end stops
// it and prints the compatibility table.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestProject} from 'vitest/node'
import {startBroker, stopBroker, type BrokerHandle} from './broker.js'
import {INTEROP_HOME, ROOT} from './env.js'
import {compatibilityMarkdown} from './results.js'

declare module 'vitest' {
  export interface ProvidedContext {
    broker: BrokerHandle
    resultsDir: string
  }
}

let broker: BrokerHandle | undefined
let runDir: string | undefined

export async function setup(project: TestProject): Promise<void> {
  runDir = mkdtempSync(join(tmpdir(), 'kafkalite-interop-'))
  const resultsDir = join(runDir, 'results')
  mkdirSync(resultsDir)
  broker = await startBroker(join(runDir, 'broker'))
  project.provide('broker', broker)
  project.provide('resultsDir', resultsDir)
}

export async function teardown(): Promise<void> {
  if (broker) await stopBroker(broker)
  if (runDir && broker) {
    const table = compatibilityMarkdown(join(runDir, 'results'), broker.label, new Date())
    mkdirSync(INTEROP_HOME, {recursive: true})
    writeFileSync(join(INTEROP_HOME, 'compatibility.md'), table)
    if (process.env.INTEROP_WRITE_DOCS === '1') {
      mkdirSync(join(ROOT, 'docs'), {recursive: true})
      const page = join(ROOT, 'docs', 'compatibility.md')
      writeFileSync(page, table)
      // Formatted as every other page is, so `npm test`'s prettier check passes on what the suite wrote.
      execFileSync(process.execPath, [join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--write', page])
    }
    process.stdout.write(`\n${table}\n(also in ${join(INTEROP_HOME, 'compatibility.md')})\n`)
    if (process.env.INTEROP_KEEP_BROKER_DIR !== '1') rmSync(runDir, {recursive: true, force: true})
  }
}
