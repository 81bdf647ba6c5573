import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

const home = TestHome.forEachTest()

describe('kafkalite topics (kafka-topics)', () => {
  it("creates a topic and prints Kafka's confirmation", async () => {
    const topic = uniqueTopic('orders')
    const res = await home.run([
      'topics',
      '--bootstrap-server',
      'localhost:9092',
      '--create',
      '--topic',
      topic,
      '--partitions',
      '3',
    ])
    expect(res.stderr).not.toMatch(/Error/)
    expect(res.code).toBe(0)
    expect(res.stdout).toBe(`Created topic ${topic}.\n`)
  })

  it("describes a topic in Kafka's tab-separated format", async () => {
    await home.run([
      'topics',
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '2',
      '--config',
      'cleanup.policy=compact',
    ])
    const res = await home.run(['topics', '--describe', '--topic', 'orders'])
    expect(res.code).toBe(0)
    const lines = res.stdout.replace(/\n$/, '').split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(
      /^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup\.policy=compact$/,
    )
    expect(lines[1]).toBe('\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ')
    expect(lines[2]).toBe('\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ')
    expect(res.stderr).toBe('')
  })

  it('lists topics sorted, filters by a full-match regex, and hides internal topics on request', async () => {
    for (const t of ['b-topic', 'a-topic', 'a-topic-2']) await home.run(['topics', '--create', '--topic', t])
    expect((await home.run(['topics', '--list'])).stdout).toBe('a-topic\na-topic-2\nb-topic\n')
    expect((await home.run(['topics', '--list', '--topic', 'a-topic'])).stdout).toBe('a-topic\n')
    expect((await home.run(['topics', '--list', '--topic', 'a-.*'])).stdout).toBe('a-topic\na-topic-2\n')
    expect((await home.run(['topics', '--list', '--exclude-internal'])).stdout).toBe('a-topic\na-topic-2\nb-topic\n')
  })

  it('prints one empty line when there are no topics, as Kafka does', async () => {
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(0)
    expect(res.stdout).toBe('\n')
  })

  it('refuses a topic that already exists, and accepts it silently with --if-not-exists', async () => {
    await home.run(['topics', '--create', '--topic', 'dup'])
    const again = await home.run(['topics', '--create', '--topic', 'dup'])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe("Error while executing topic command : Topic 'dup' already exists.\n")
    const quiet = await home.run(['topics', '--create', '--topic', 'dup', '--if-not-exists'])
    expect(quiet.code).toBe(0)
    expect(quiet.stdout).toBe('')
  })

  it('warns about topic names with a period or underscore and refuses a colliding name', async () => {
    const first = await home.run(['topics', '--create', '--topic', 'a.b'])
    expect(first.stdout).toBe(
      "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nCreated topic a.b.\n",
    )
    const second = await home.run(['topics', '--create', '--topic', 'a_b'])
    expect(second.code).toBe(1)
    expect(second.stderr).toBe("Error while executing topic command : Topic 'a_b' collides with existing topic: a.b\n")
  })

  it.each([
    ['', 'the empty string is not allowed'],
    ['..', "'..' is not allowed"],
    ['bad name', "'bad name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
    ['x'.repeat(250), `the length of '${'x'.repeat(250)}' is longer than the max allowed length 249`],
  ])("refuses the invalid topic name %j with Kafka's message", async (name, reason) => {
    const res = await home.run(['topics', '--create', '--topic', name])
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(`Error while executing topic command : Topic name is invalid: ${reason}\n`)
  })

  it("refuses a replication factor above 1 with Kafka's message", async () => {
    const res = await home.run(['topics', '--create', '--topic', 'rf', '--replication-factor', '3'])
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      'Error while executing topic command : Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.\n',
    )
  })

  it('refuses an unknown or invalid config', async () => {
    const unknown = await home.run(['topics', '--create', '--topic', 'c', '--config', 'foo=1'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toBe('Error while executing topic command : Unknown topic config name: foo\n')
    // Names of Object.prototype's properties are configs like any other: unknown (plain-object lookups found them).
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const proto = await home.run(['topics', '--create', '--topic', 'c', '--config', `${name}=1`])
      expect(proto.code).toBe(1)
      expect(proto.stderr).toBe(`Error while executing topic command : Unknown topic config name: ${name}\n`)
    }
    const invalid = await home.run(['topics', '--create', '--topic', 'c', '--config', 'retention.ms=abc'])
    expect(invalid.stderr).toBe(
      'Error while executing topic command : Invalid value abc for configuration retention.ms: Not a number of type LONG\n',
    )
    const badPolicy = await home.run(['topics', '--create', '--topic', 'c', '--config', 'cleanup.policy=forever'])
    expect(badPolicy.stderr).toMatch(
      /Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete/,
    )
  })

  it('increases partitions with --alter and refuses to decrease them', async () => {
    await home.run(['topics', '--create', '--topic', 'grow', '--partitions', '2'])
    const up = await home.run(['topics', '--alter', '--topic', 'grow', '--partitions', '4'])
    expect(up.code).toBe(0)
    expect(up.stdout).toBe('')
    expect((await home.run(['topics', '--describe', '--topic', 'grow'])).stdout).toMatch(/PartitionCount: 4/)
    const down = await home.run(['topics', '--alter', '--topic', 'grow', '--partitions', '3'])
    expect(down.code).toBe(1)
    expect(down.stderr).toBe(
      'Error while executing topic command : The topic grow currently has 4 partition(s); 3 would not be an increase.\n',
    )
    const same = await home.run(['topics', '--alter', '--topic', 'grow', '--partitions', '4'])
    expect(same.stderr).toBe('Error while executing topic command : Topic already has 4 partition(s).\n')
  })

  it('deletes topics matching a regex and fails on a missing one unless --if-exists', async () => {
    for (const t of ['tmp-1', 'tmp-2', 'keep']) await home.run(['topics', '--create', '--topic', t])
    expect((await home.run(['topics', '--delete', '--topic', 'tmp-.*'])).code).toBe(0)
    expect((await home.run(['topics', '--list'])).stdout).toBe('keep\n')
    const missing = await home.run(['topics', '--delete', '--topic', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Error while executing topic command : Topic 'nope' does not exist as expected/)
    expect((await home.run(['topics', '--delete', '--topic', 'nope', '--if-exists'])).code).toBe(0)
    expect((await home.run(['topics', '--describe', '--topic', 'nope', '--if-exists'])).code).toBe(0)
  })

  it('needs exactly one action, and reports usage errors with exit code 2', async () => {
    const none = await home.run(['topics', '--topic', 'x'])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(
      /Command must include exactly one action: --list, --describe, --create, --alter or --delete/,
    )
    const two = await home.run(['topics', '--list', '--describe'])
    expect(two.code).toBe(2)
    const missingTopic = await home.run(['topics', '--create'])
    expect(missingTopic.stderr).toMatch(/Missing required argument "\[topic\]"/)
    const badCombo = await home.run(['topics', '--list', '--partitions', '3'])
    expect(badCombo.stderr).toMatch(/Option "\[partitions\]" can't be used with option "\[list\]"/)
    const zero = await home.run(['topics', '--create', '--topic', 'z', '--partitions', '0'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toMatch(/The partitions must be greater than 0/)
    const unknownFlag = await home.run(['topics', '--list', '--frobnicate'])
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('fails in one line naming a bootstrap server nothing answers at, after request.timeout.ms', async () => {
    const props = join(home.dir, 'admin.properties')
    writeFileSync(props, 'request.timeout.ms=300\n')
    const res = await home.run(['topics', '--bootstrap-server', '127.0.0.1:1', '--list', '--command-config', props])
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      'Error while executing topic command : Timed out waiting for a node of the Kafka cluster at 127.0.0.1:1: Could not connect to the Kafka broker at 127.0.0.1:1 (ECONNREFUSED).\n',
    )
  })

  it('answers --json with the topics and their offsets', async () => {
    await home.run(['topics', '--create', '--topic', 'j', '--partitions', '2'])
    const res = await home.run(['topics', '--describe', '--topic', 'j', '--json'])
    expect(res.code).toBe(0)
    const parsed = JSON.parse(res.stdout) as {topics: {name: string; partitionCount: number; partitions: unknown[]}[]}
    expect(parsed.topics[0]).toMatchObject({name: 'j', partitionCount: 2, replicationFactor: 1})
    expect(parsed.topics[0]!.partitions[1]).toMatchObject({partition: 1, leader: 1, logStartOffset: 0, logEndOffset: 0})
    const list = JSON.parse((await home.run(['topics', '--list', '--json'])).stdout) as {topics: {name: string}[]}
    expect(list.topics.map((t) => t.name)).toEqual(['j'])
  })

  it('shows only overridden topics with --topics-with-overrides and honours partition filters', async () => {
    await home.run(['topics', '--create', '--topic', 'plain'])
    await home.run(['topics', '--create', '--topic', 'tuned', '--config', 'min.insync.replicas=2'])
    const overrides = await home.run(['topics', '--describe', '--topics-with-overrides'])
    expect(overrides.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^Topic: tuned\t.*Configs: min\.insync\.replicas=2$/),
    ])
    const underMin = await home.run(['topics', '--describe', '--under-min-isr-partitions'])
    expect(underMin.stdout).toBe(
      '\tTopic: tuned\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n',
    )
    const underReplicated = await home.run(['topics', '--describe', '--under-replicated-partitions'])
    expect(underReplicated.stdout).toBe('')
  })
})
