// The README's transactional producer example runs as written (its TypeScript stripped of types, `kafkalite`
// resolved to the built library), against a real daemon; its 100 records are then visible to read_committed.
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import ts from 'typescript'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {KafkaConsumer} from '../../src/client/index.js'
import {ROOT, TestHome} from '../helpers/env.js'

let home: TestHome

beforeEach(() => {
  home = new TestHome()
})

afterEach(async () => {
  await home.cleanup()
})

function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const match = new RegExp(`<!-- test: ${marker} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!match) throw new Error(`README.md has no block marked ${marker}`)
  return match[1]!
}

describe('the README', () => {
  it("runs Kafka's transactional producer example, written in TypeScript", async () => {
    const source = readmeBlock('transactional-example').replace(
      "from 'kafkalite'",
      `from ${JSON.stringify(join(ROOT, 'dist', 'client', 'index.js'))}`,
    )
    const js = ts.transpileModule(source, {
      compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022},
    }).outputText
    const file = join(home.dir, 'example.mjs')
    writeFileSync(file, js)
    await home.run(['topics', '--create', '--topic', 'my-topic'])
    execFileSync(process.execPath, [file], {env: home.env, stdio: 'pipe'})
    const consumer = new KafkaConsumer({'kafkalite.home': home.dir, 'isolation.level': 'read_committed'})
    const tp = {topic: 'my-topic', partition: 0}
    consumer.assign([tp])
    consumer.seekToBeginning([tp])
    const values: string[] = []
    while (values.length < 100) {
      const records = await consumer.poll(2000)
      if (records.isEmpty()) break
      for (const r of records) values.push(r.value!.toString())
    }
    await consumer.close()
    expect(values).toEqual(Array.from({length: 100}, (_, i) => String(i)))
  })
})
