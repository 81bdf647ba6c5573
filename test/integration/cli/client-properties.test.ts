// --producer.config and --consumer.config: Kafka's client properties files, read by the console tools.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest()

describe('client properties files', () => {
  it('reads --producer.config and --consumer.config, with --*-property taking precedence', async () => {
    const topic = uniqueTopic()
    const producerConfig = join(home.dir, 'producer.properties')
    writeFileSync(producerConfig, '# a Kafka producer config\nacks=0\ncompression.type=gzip\nclient.id=from-file\n')
    const produced = await home.run(
      ['console-producer', '--topic', topic, '--producer.config', producerConfig, '--producer-property', 'acks=all'],
      {input: 'a\nb\n'},
    )
    expect(produced.code).toBe(0)
    const consumerConfig = join(home.dir, 'consumer.properties')
    writeFileSync(consumerConfig, 'auto.offset.reset=earliest\n')
    const consumed = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--consumer.config',
      consumerConfig,
      '--max-messages',
      '2',
    ])
    expect(consumed.stdout).toBe('a\nb\n')
  })

  it("takes Kafka 4.4's --command-config and --command-property, and refuses both config flags at once", async () => {
    const topic = uniqueTopic()
    const producerConfig = join(home.dir, 'producer.properties')
    writeFileSync(producerConfig, 'acks=some\n') // refused unless --command-property overrides it
    const produced = await home.run(
      ['console-producer', '--topic', topic, '--command-config', producerConfig, '--command-property', 'acks=1'],
      {input: 'a\nb\n'},
    )
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const consumerConfig = join(home.dir, 'consumer.properties')
    writeFileSync(consumerConfig, 'auto.offset.reset=latest\n')
    const consumed = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--command-config',
      consumerConfig,
      '--command-property',
      'auto.offset.reset=earliest',
      '--max-messages',
      '2',
    ])
    expect(consumed.stdout).toBe('a\nb\n')
    const both = await home.run(
      ['console-producer', '--topic', topic, '--command-config', producerConfig, '--producer.config', producerConfig],
      {input: ''},
    )
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('Options --producer.config and --command-config cannot be specified together')
  })

  it('refuses a missing properties file by name', async () => {
    const res = await home.run(['console-producer', '--topic', 't', '--producer.config', '/nonexistent/p.properties'], {
      input: '',
    })
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/Cannot read properties file '\/nonexistent\/p\.properties'/)
  })

  it("refuses an unknown producer setting value with Kafka's message", async () => {
    const res = await home.run(['console-producer', '--topic', 't', '--producer-property', 'acks=some'], {input: 'x\n'})
    expect(res.code).toBe(1)
    expect(res.stderr).toBe('Error: Invalid value some for configuration acks: String must be one of: all, -1, 0, 1\n')
  })
})
