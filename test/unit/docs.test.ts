// The reference pages name everything the code offers: a setting, a command or a public method added without its
// line in the docs fails here. (That their examples still run is test/integration/doc-examples.test.ts.)
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BROKER_SETTINGS} from '../../src/broker/broker-config.js'
import {TOPIC_CONFIGS} from '../../src/broker/topic-config.js'
import * as client from '../../src/client/index.js'
import {ROOT} from '../helpers/env.js'

const page = (name: string) => readFileSync(join(ROOT, name), 'utf8')
/** The names not written in code (`name`, `name(...)`, `name.x`) anywhere in the text. */
const missing = (text: string, names: readonly string[]) =>
  names.filter((n) => !new RegExp(`\`${n.replaceAll('.', '\\.')}(?![\\w-])`).test(text))

describe('docs/broker.md', () => {
  const text = page('docs/broker.md')

  it('has a row for every broker setting kafkalite reads from server.properties', () => {
    expect(missing(text, Object.keys(BROKER_SETTINGS))).toEqual([])
  })

  it('has a row for every topic config, with the broker settings that set its default', () => {
    const synonyms = Object.values(TOPIC_CONFIGS).flatMap((d) => (d.synonyms ?? []).map((s) => s.name))
    expect(missing(text, Object.keys(TOPIC_CONFIGS))).toEqual([])
    expect(missing(text, synonyms)).toEqual([])
  })
})

describe('docs/client.md', () => {
  const text = page('docs/client.md')

  it('names every class and value the library exports', () => {
    expect(missing(text, Object.keys(client))).toEqual([])
  })

  it.each([
    'Admin',
    'KafkaProducer',
    'KafkaConsumer',
    'DaemonControl',
    'ConsumerRecords',
    'SchemaRegistryClient',
  ] as const)('has a row for every public member of %s', (name) => {
    const cls = client[name]
    const members = [
      ...Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== 'constructor'),
      ...Object.getOwnPropertyNames(cls)
        .filter((m) => !['length', 'name', 'prototype'].includes(m))
        .map((m) => `${name}.${m}`),
    ]
    expect(members.length).toBeGreaterThan(2)
    expect(missing(text, members)).toEqual([])
  })
})

describe('the README', () => {
  it('lists every command in its table of Kafka tools', () => {
    const commands = readdirSync(join(ROOT, 'src', 'commands')).map((f) => f.replace(/\.ts$/, ''))
    const text = page('README.md')
    expect(commands.filter((c) => !text.includes(`\`kafkalite ${c}`))).toEqual([])
  })
})

describe('links between the pages', () => {
  const pages = ['README.md', 'ARCHITECTURE.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)]
  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  const anchor = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replaceAll(' ', '-')
  const anchorsOf = (file: string) =>
    new Set([...page(file).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!.replaceAll('`', ''))))

  it.each(pages)('%s links only to pages and headings that exist', (file) => {
    const broken: string[] = []
    for (const [, target] of page(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue
      const [path, hash] = target!.split('#') as [string, string | undefined]
      const resolved = path === '' ? file : join(file, '..', path)
      if (!existsSync(join(ROOT, resolved))) broken.push(target!)
      else if (hash !== undefined && !anchorsOf(resolved).has(hash)) broken.push(target!)
    }
    expect(broken).toEqual([])
  })
})
