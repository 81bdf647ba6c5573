// kafkalite configs (kafka-configs) as the real CLI against a real daemon: topic overrides described and altered in
// Kafka's formats, users' SCRAM credentials, client quotas of users, clients and their defaults, --json, and one-line
// errors for what Kafka's tool refuses. (test/interop/client-quotas.test.ts compares the quota lines with Kafka 4.4's
// own tool against Apache Kafka.)
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()
const configs = (...args: string[]) => home.run(['configs', ...args])

describe('configs', () => {
  it("alters and describes a topic's overrides as Kafka prints them", async () => {
    await home.createTopic('orders', 1)
    const altered = await configs(
      '--alter',
      '--topic',
      'orders',
      '--add-config',
      'retention.ms=86400000,cleanup.policy=[compact,delete]',
    )
    expect(altered.stdout).toBe('Completed updating config for topic orders.\n')
    const described = await configs('--describe', '--entity-type', 'topics', '--entity-name', 'orders')
    expect(described.stdout).toBe(
      [
        'Dynamic configs for topic orders are:',
        '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}',
        '  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000, DEFAULT_CONFIG:log.retention.hours=168}',
        '',
      ].join('\n'),
    )
    const all = await configs('--describe', '--topic', 'orders', '--all')
    expect(all.stdout).toMatch(/^All configs for topic orders are:\n/)
    expect(all.stdout).toContain(
      '  segment.ms=604800000 sensitive=false synonyms={DEFAULT_CONFIG:log.roll.hours=168}\n',
    )
    // A properties file, then a deletion; deleting what is not overridden is refused before the broker is asked.
    const file = join(home.dir, 'more.properties')
    writeFileSync(file, 'max.message.bytes=2000\n')
    expect((await configs('--alter', '--topic', 'orders', '--add-config-file', file)).code).toBe(0)
    expect((await configs('--alter', '--topic', 'orders', '--delete-config', 'retention.ms,cleanup.policy')).code).toBe(
      0,
    )
    const after = await configs('--describe', '--topic', 'orders', '--json')
    const json = JSON.parse(after.stdout) as {topics: {name: string; configs: {name: string; value: string}[]}[]}
    expect(json.topics[0]!.configs.map((c) => `${c.name}=${c.value}`)).toEqual(['max.message.bytes=2000'])
    const missing = await configs('--alter', '--topic', 'orders', '--delete-config', 'segment.ms')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe('Error: Invalid config(s): segment.ms\n')
    // Without a name: every topic.
    await home.createTopic('clicks', 1)
    expect((await configs('--describe', '--entity-type', 'topics')).stdout).toBe(
      'Dynamic configs for topic clicks are:\nDynamic configs for topic orders are:\n  max.message.bytes=2000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n',
    )
  })

  it('sets, describes and deletes SCRAM credentials, one line per user', async () => {
    const set = await configs(
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      'alice',
      '--add-config',
      'SCRAM-SHA-512=[password=a512],SCRAM-SHA-256=[iterations=8192,password=a256]',
    )
    expect(set.stderr).toBe('')
    expect(set.stdout).toBe('Completed updating config for user alice.\n')
    await configs('--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-256=[password=b]')
    expect((await configs('--describe', '--user', 'alice')).stdout).toBe(
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n",
    )
    expect((await configs('--describe', '--entity-type', 'users')).stdout).toBe(
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n" +
        "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=4096\n",
    )
    // A user without credentials: nothing, as Kafka's tool prints.
    const nobody = await configs('--describe', '--user', 'nobody')
    expect([nobody.code, nobody.stdout]).toEqual([0, ''])
    await configs('--alter', '--user', 'bob', '--delete-config', 'SCRAM-SHA-256')
    const json = JSON.parse((await configs('--describe', '--entity-type', 'users', '--json')).stdout) as {
      users: {user: string}[]
    }
    expect(json.users.map((u) => u.user)).toEqual(['alice'])
    const gone = await configs('--alter', '--user', 'bob', '--delete-config', 'SCRAM-SHA-256')
    expect(gone.code).toBe(1)
    expect(gone.stderr).toBe('Error: Attempt to delete a user credential that does not exist\n')
  })

  it('sets dynamic broker configs, for one broker and as the cluster default, applied at once and kept', async () => {
    await home.createTopic('orders', 1)
    expect(
      (
        await configs(
          '--alter',
          '--entity-type',
          'brokers',
          '--entity-default',
          '--add-config',
          'log.retention.ms=3600000',
        )
      ).stdout,
    ).toBe('Completed updating default config for brokers in the cluster.\n')
    expect((await configs('--alter', '--broker', '1', '--add-config', 'log.retention.bytes=5000')).stdout).toBe(
      'Completed updating config for broker 1.\n',
    )
    const expected = [
      'Dynamic configs for broker 1 are:',
      '  log.retention.bytes=5000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.bytes=5000, DEFAULT_CONFIG:log.retention.bytes=-1}',
      'Default configs for brokers in the cluster are:',
      '  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}',
      '',
    ].join('\n')
    expect((await configs('--describe', '--entity-type', 'brokers')).stdout).toBe(expected)
    // Topics without an override take them at once, with Kafka's sources.
    const topic = await configs('--describe', '--topic', 'orders', '--all')
    expect(topic.stdout).toContain(
      '  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}\n',
    )
    expect(topic.stdout).toContain(
      '  retention.bytes=5000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.bytes=5000, DEFAULT_CONFIG:log.retention.bytes=-1}\n',
    )
    const all = await configs('--describe', '--broker', '1', '--all')
    expect(all.stdout).toMatch(/^All configs for broker 1 are:\n/)
    expect(all.stdout).toContain('  log.retention.bytes=5000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:')
    // Kept across a restart.
    await home.run(['daemon', 'stop'])
    expect((await configs('--describe', '--entity-type', 'brokers')).stdout).toBe(expected)
    expect((await configs('--alter', '--broker', '1', '--delete-config', 'log.retention.bytes')).code).toBe(0)
    const json = JSON.parse((await configs('--describe', '--broker', '1', '--json')).stdout)
    expect(json.brokers).toEqual([{name: '1', configs: []}])
  })

  it('alters and describes client quotas of users, clients, their pairs and defaults as Kafka prints them, kept across a restart', async () => {
    const alter = async (...args: string[]) => {
      const r = await configs('--alter', ...args)
      expect(r.stderr, args.join(' ')).toBe('')
      return r.stdout
    }
    expect(
      await alter(
        '--entity-type',
        'clients',
        '--entity-name',
        'c1',
        '--add-config',
        'producer_byte_rate=1024,consumer_byte_rate=2048',
      ),
    ).toBe('Completed updating config for client c1.\n')
    // As Kafka's tool: --user with --client is named after the client, the first entity it lists.
    expect(await alter('--user', 'alice', '--client', 'c1', '--add-config', 'request_percentage=50.5')).toBe(
      'Completed updating config for client c1.\n',
    )
    expect(await alter('--entity-type', 'users', '--entity-default', '--add-config', 'producer_byte_rate=1e7')).toBe(
      'Completed updating default config for users in the cluster.\n',
    )
    expect(
      await alter(
        '--entity-type',
        'users',
        '--entity-name',
        'alice',
        '--entity-type',
        'clients',
        '--entity-default',
        '--add-config',
        'controller_mutation_rate=5',
      ),
    ).toBe('Completed updating config for user alice.\n')
    expect(await alter('--client-defaults', '--add-config', 'consumer_byte_rate=100')).toBe(
      'Completed updating default config for clients in the cluster.\n',
    )
    await alter(
      '--user',
      'alice',
      '--add-config',
      'producer_byte_rate=4096,consumer_byte_rate=8192,request_percentage=12.5,controller_mutation_rate=0.5',
    )
    const described = async () => ({
      clients: (await configs('--describe', '--entity-type', 'clients')).stdout,
      users: (await configs('--describe', '--entity-type', 'users')).stdout,
      pairs: (await configs('--describe', '--entity-type', 'users', '--entity-type', 'clients')).stdout,
      alice: (await configs('--describe', '--user', 'alice')).stdout,
      aliceClients: (
        await configs('--describe', '--entity-type', 'users', '--entity-name', 'alice', '--entity-type', 'clients')
      ).stdout,
      c1: (await configs('--describe', '--client', 'c1')).stdout,
    })
    const expected = {
      // The entities and their keys in the order of Kafka's HashMaps, values as Java prints doubles.
      clients:
        'Quota configs for the default client-id are consumer_byte_rate=100.0\n' +
        "Quota configs for client-id 'c1' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0\n",
      users:
        'Quota configs for the default user-principal are producer_byte_rate=1.0E7\n' +
        "Quota configs for user-principal 'alice' are producer_byte_rate=4096.0, consumer_byte_rate=8192.0, controller_mutation_rate=0.5, request_percentage=12.5\n",
      pairs:
        "Quota configs for user-principal 'alice', client-id 'c1' are request_percentage=50.5\n" +
        "Quota configs for user-principal 'alice', the default client-id are controller_mutation_rate=5.0\n",
      alice:
        "Quota configs for user-principal 'alice' are producer_byte_rate=4096.0, consumer_byte_rate=8192.0, controller_mutation_rate=0.5, request_percentage=12.5\n",
      aliceClients:
        "Quota configs for user-principal 'alice', client-id 'c1' are request_percentage=50.5\n" +
        "Quota configs for user-principal 'alice', the default client-id are controller_mutation_rate=5.0\n",
      c1: "Quota configs for client-id 'c1' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0\n",
    }
    expect(await described()).toEqual(expected)
    const json = JSON.parse((await configs('--describe', '--user-defaults', '--json')).stdout) as {quotas: unknown}
    expect(json.quotas).toEqual([{entity: {user: null}, values: {producer_byte_rate: 1e7}}])
    // Stored: the same after the daemon stops and starts again.
    expect((await home.run(['daemon', 'stop'])).code).toBe(0)
    expect(await described()).toEqual(expected)
    // Removed, key by key; the last key removes the entity.
    await alter('--client', 'c1', '--delete-config', 'producer_byte_rate')
    expect((await configs('--describe', '--client', 'c1')).stdout).toBe(
      "Quota configs for client-id 'c1' are consumer_byte_rate=2048.0\n",
    )
    await alter('--client', 'c1', '--delete-config', 'consumer_byte_rate')
    expect((await configs('--describe', '--client', 'c1')).stdout).toBe('')
  })

  it('refuses bad input in one line with a non-zero exit', async () => {
    const cases: [string[], string][] = [
      [['--topic', 't'], 'Command must include exactly one action: --describe, --alter'],
      [['--describe'], 'At least one entity type must be specified'],
      [['--describe', '--entity-type', 'nope'], 'Invalid entity type: nope'],
      [['--describe', '--entity-type', 'groups'], '--entity-type groups is not supported'],
      [['--describe', '--broker', '2'], "The broker '2' doesn't exist and doesn't have dynamic config."],
      [['--describe', '--broker', 'x'], 'must be a valid integer broker id'],
      [
        ['--alter', '--broker', '1', '--add-config', 'listeners=PLAINTEXT://:9093'],
        'Cannot update these configs dynamically: Set(listeners)',
      ],
      [['--alter', '--broker-defaults', '--add-config', 'log.retention.ms=abc'], 'Invalid value abc for configuration'],
      [['--alter', '--broker', '1', '--delete-config', 'log.retention.ms'], 'Invalid config(s): log.retention.ms'],
      [
        ['--alter', '--entity-type', 'topics', '--add-config', 'a=1'],
        'An entity name must be specified with --alter of topics',
      ],
      [
        ['--alter', '--topic', 't'],
        'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter',
      ],
      [
        ['--alter', '--topic', 't', '--add-config', 'novalue'],
        'Invalid entity config: all configs to be added must be in the format',
      ],
      [
        ['--alter', '--topic', 't', '--entity-type', 'topics', '--add-config', 'a=1'],
        'Duplicate entity type(s) specified: topics',
      ],
      [
        ['--alter', '--user', 'u', '--add-config', 'SCRAM-SHA-256=[iterations=10,password=x]'],
        'Iterations 10 is less than the minimum 4096 required for SCRAM-SHA-256',
      ],
      [
        ['--alter', '--user', 'u', '--add-config', 'SCRAM-SHA-256=secret'],
        'Invalid credential property SCRAM-SHA-256=secret',
      ],
      [
        ['--alter', '--user', 'u', '--add-config', 'SCRAM-SHA-1=[password=x]'],
        "Only quota and SCRAM credential configs can be added for 'users'",
      ],
      [['--alter', '--client', 'c1', '--delete-config', 'producer_byte_rate'], 'Invalid config(s): producer_byte_rate'],
      [
        ['--alter', '--client', 'c1', '--add-config', 'producer_byte_rate=abc'],
        'Cannot parse quota configuration value for producer_byte_rate: abc',
      ],
      [
        ['--alter', '--client', 'c1', '--add-config', 'producer_byte_rate=1.5'],
        'producer_byte_rate cannot be a fractional value.',
      ],
      [
        ['--alter', '--user', 'u', '--add-config', 'request_percentage=0'],
        'Quota request_percentage must be greater than 0',
      ],
      [
        ['--alter', '--client-defaults', '--add-config', 'consumer_byte_rate=Infinity'],
        'Quota consumer_byte_rate must be a finite number',
      ],
      [
        ['--alter', '--client', 'c1', '--add-config', 'SCRAM-SHA-256=[password=x],connection_creation_rate=1'],
        "Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: connection_creation_rate,SCRAM-SHA-256",
      ],
      [
        ['--alter', '--user', 'u', '--add-config', 'SCRAM-SHA-256=[password=x],producer_byte_rate=1'],
        "Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.",
      ],
      [
        ['--alter', '--user-defaults', '--add-config', 'SCRAM-SHA-256=[password=x]'],
        'The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials',
      ],
      [
        ['--describe', '--entity-type', 'users', '--entity-type', 'topics'],
        "Only 'users' and 'clients' entity types may be specified together",
      ],
      [['--describe', '--entity-type', 'users', '--client', 'x'], 'should not be used in conjunction'],
      [['--describe', '--client', 'a', '--client-defaults'], 'Duplicate entity type(s) specified: clients'],
      [
        [
          '--alter',
          '--entity-type',
          'users',
          '--entity-type',
          'clients',
          '--entity-name',
          'a',
          '--add-config',
          'producer_byte_rate=1',
        ],
        'An entity name must be specified for every entity type',
      ],
      [
        ['--alter', '--entity-type', 'clients', '--add-config', 'producer_byte_rate=1'],
        'An entity-name or default entity must be specified with --alter of users, clients, brokers or ips',
      ],
      [
        ['--describe', '--entity-type', 'topics', '--entity-default'],
        '--entity-default must not be specified with --describe of topics',
      ],
      [['--describe', '--entity-type', 'ips'], 'kafkalite has no IP connection quotas'],
      [['--alter', '--topic', 'missing', '--add-config', 'retention.ms=1'], "Topic 'missing' does not exist"],
    ]
    for (const [args, message] of cases) {
      const r = await configs(...args)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })
})
