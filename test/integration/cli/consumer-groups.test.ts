import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {afterEach, describe, expect, it} from 'vitest'
import {KafkaConsumer} from '../../../src/client/index.js'
import {exited, QUICK_GROUPS, TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest({serverProperties: QUICK_GROUPS})
const children: ChildProcess[] = []

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

/** A topic with `perPartition` records in each partition, values "p-i", timestamps 1000 + i. */
async function topicWithRecords(partitions: number, perPartition: number, name = uniqueTopic()) {
  await home.createTopic(name, partitions)
  await home.produceToEach(name, partitions, perPartition, {firstTimestamp: 1000})
  return name
}

/** Waits until a group is Stable with `members` members. */
async function stableWith(group: string, members: number) {
  await waitFor(
    async () => {
      const d = await home.withAdmin((a) => a.describeConsumerGroups([group]))
      return d[0]!.state === 'Stable' && d[0]!.members.length === members
    },
    20_000,
    `group ${group} to be Stable with ${members} members`,
  )
}

/** Starts a console consumer in group `group` and collects what it prints. */
function consumer(topic: string, group: string, ...extra: string[]) {
  const child = home.spawn(['console-consumer', '--topic', topic, '--group', group, '--from-beginning', ...extra])
  children.push(child)
  const lines: string[] = []
  let partial = ''
  child.stdout!.on('data', (c: Buffer) => {
    const text = partial + c.toString()
    const parts = text.split('\n')
    partial = parts.pop()!
    lines.push(...parts)
  })
  return {child, lines}
}

const run = (...args: string[]) => home.run(['consumer-groups', ...args])

describe('console-consumer --group', () => {
  it('splits a topic between two consumers of a group, and the survivor takes over when one is killed', async () => {
    const topic = await topicWithRecords(4, 0)
    const a = consumer(topic, 'g')
    const b = consumer(topic, 'g')
    await stableWith('g', 2)
    await home.produceToEach(topic, 4, 10)
    await waitFor(() => a.lines.length + b.lines.length === 40, 20_000, 'all 40 records')
    expect(a.lines.length).toBeGreaterThan(0)
    expect(b.lines.length).toBeGreaterThan(0)
    expect(new Set([...a.lines, ...b.lines]).size).toBe(40) // disjoint, and together the whole topic
    b.child.kill('SIGKILL')
    await stableWith('g', 1)
    await home.produceToEach(topic, 4, 1, {prefix: 'after-'})
    await waitFor(() => a.lines.filter((l) => l.startsWith('after-')).length === 4, 20_000, 'a to read every partition')
  })

  it('shares a topic between three consumer processes', async () => {
    const topic = await topicWithRecords(6, 0)
    const cs = [consumer(topic, 'g3'), consumer(topic, 'g3'), consumer(topic, 'g3')]
    await stableWith('g3', 3)
    await home.produceToEach(topic, 6, 5)
    await waitFor(() => cs.reduce((n, c) => n + c.lines.length, 0) === 30, 20_000, 'all 30 records')
    const all = cs.flatMap((c) => c.lines)
    expect(new Set(all).size).toBe(30)
    for (const c of cs) expect(c.lines).toHaveLength(10)
    const members = (await run('--describe', '--group', 'g3', '--members')).stdout
    const counts = members
      .split('\n')
      .filter((l) => l.startsWith('g3 '))
      .map((l) => Number(l.trim().split(/\s+/).at(-1)))
    expect(counts).toEqual([2, 2, 2])
  })

  it('commits what it printed when it stops at --max-messages, and the next one continues from there', async () => {
    const topic = await topicWithRecords(1, 20)
    const first = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--group',
      'resume',
      '--from-beginning',
      '--max-messages',
      '7',
    ])
    expect(first.stdout.trim().split('\n')).toHaveLength(7)
    const described = await run('--describe', '--group', 'resume')
    expect(described.stdout).toMatch(new RegExp(`resume +${topic} +0 +7 +20 +13 +- +- +-`))
    const second = await home.run(['console-consumer', '--topic', topic, '--group', 'resume', '--max-messages', '13'])
    expect(second.stdout.trim().split('\n')[0]).toBe('0-7')
  })

  it('exits at the end in a group: two members read the whole topic once between them and stop', async () => {
    home.setServerProperties({'group.initial.rebalance.delay.ms': 500})
    const topic = await topicWithRecords(4, 25)
    const runs = await Promise.all(
      [0, 1].map(() =>
        home.run(['console-consumer', '--topic', topic, '--group', 'end', '--from-beginning', '--exit-at-end']),
      ),
    )
    const lines = runs.flatMap((r) =>
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => l !== ''),
    )
    expect(runs.map((r) => r.code)).toEqual([0, 0])
    expect(lines).toHaveLength(100)
    expect(new Set(lines).size).toBe(100)
    const described = await run('--describe', '--group', 'end')
    expect(described.stdout.match(/ 25 +25 +0 /g)).toHaveLength(4)
  })

  it('leaves the group cleanly on Ctrl-C', async () => {
    const topic = await topicWithRecords(1, 3)
    const c = consumer(topic, 'ctrl')
    await waitFor(() => c.lines.length === 3, 15_000, 'the records')
    c.child.kill('SIGINT')
    expect(await exited(c.child)).toBe(0)
    const state = await run('--describe', '--group', 'ctrl', '--state')
    expect(state.stdout).toMatch(/ctrl +localhost:9092 {2}\(1\) +- +Empty +0/)
  })
})

describe('kafkalite consumer-groups (kafka-consumer-groups)', () => {
  async function committedGroup(group: string, offsets: number[], partitions = 2) {
    const topic = await topicWithRecords(partitions, 10)
    await home.withAdmin((a) =>
      a.alterConsumerGroupOffsets(
        group,
        offsets.map((offset, partition) => ({topic, partition, offset})),
      ),
    )
    return topic
  }

  it('lists groups, with their state on request', async () => {
    await committedGroup('b-group', [1, 1])
    await committedGroup('a-group', [1, 1])
    expect((await run('--list')).stdout).toBe('a-group\nb-group\n')
    const withState = await run('--list', '--state')
    expect(withState.stdout).toBe(
      `${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n${'a-group'.padEnd(25)} ${'Empty'.padEnd(20)}\n${'b-group'.padEnd(25)} ${'Empty'.padEnd(20)}\n`,
    )
    expect((await run('--list', '--state', 'stable')).stdout).toBe(`${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n`)
    const bad = await run('--list', '--state', 'Sleepy')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /Invalid state list 'Sleepy'\. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling/,
    )
  })

  it("describes offsets and lag in Kafka's columns", async () => {
    const topic = await committedGroup('desc', [4, 10])
    const res = await run('--describe', '--group', 'desc')
    expect(res.code).toBe(0)
    expect(res.stderr).toBe("\nConsumer group 'desc' has no active members.\n")
    const t = Math.max(15, topic.length)
    const row = (...c: string[]) =>
      `\n${c[0]!.padEnd(15)} ${c[1]!.padEnd(t)} ${c[2]!.padEnd(10)} ${c[3]!.padEnd(15)} ${c[4]!.padEnd(15)} ${c[5]!.padEnd(15)} ${c[6]!.padEnd(15)} ${c[7]!.padEnd(15)} ${c[8]}`
    expect(res.stdout).toBe(
      row(
        'GROUP',
        'TOPIC',
        'PARTITION',
        'CURRENT-OFFSET',
        'LOG-END-OFFSET',
        'LAG',
        'CONSUMER-ID',
        'HOST',
        'CLIENT-ID',
      ) +
        row('desc', topic, '0', '4', '10', '6', '-', '-', '-') +
        row('desc', topic, '1', '10', '10', '0', '-', '-', '-') +
        '\n',
    )
    const json = JSON.parse((await run('--describe', '--group', 'desc', '--json')).stdout) as {
      groups: {totalLag: number}[]
    }
    expect(json.groups[0]!.totalLag).toBe(6)
  })

  it('describes live members, their assignments and the group state', async () => {
    const topic = await topicWithRecords(3, 1)
    const c = new KafkaConsumer({
      ...home.config,
      'group.id': 'live',
      'client.id': 'app-1',
      'heartbeat.interval.ms': '100',
    })
    c.subscribe([topic])
    await waitFor(async () => (await c.poll(50), c.assignment().length === 3), 15_000, 'the assignment')
    const members = await run('--describe', '--group', 'live', '--members', '--verbose')
    const id = c.groupMetadata().memberId
    const w = Math.max(15, id.length)
    // Kafka 4.4's columns: a classic group's members have no epochs and no target assignment.
    const a = Math.max(20, `${topic}:0,1,2`.length)
    expect(members.stdout).toBe(
      `\n${'GROUP'.padEnd(15)} ${'CONSUMER-ID'.padEnd(w)} ${'HOST'.padEnd(15)} ${'CLIENT-ID'.padEnd(15)} ${'#PARTITIONS'.padEnd(15)} ${'CURRENT-EPOCH'.padEnd(15)} ${'CURRENT-ASSIGNMENT'.padEnd(a)} ${'TARGET-EPOCH'.padEnd(15)} ${'TARGET-ASSIGNMENT'.padEnd(20)}` +
        `\n${'live'.padEnd(15)} ${id.padEnd(w)} ${'/localhost'.padEnd(15)} ${'app-1'.padEnd(15)} ${'3'.padEnd(15)} ${'-'.padEnd(15)} ${`${topic}:0,1,2`.padEnd(a)} ${'-'.padEnd(15)} ${'-'.padEnd(20)}\n`,
    )
    const state = await run('--describe', '--group', 'live', '--state')
    expect(state.stdout).toBe(
      `\n${'GROUP'.padEnd(15)} ${'COORDINATOR (ID)'.padEnd(25)} ${'ASSIGNMENT-STRATEGY'.padEnd(20)} ${'STATE'.padEnd(20)} #MEMBERS` +
        `\n${'live'.padEnd(15)} ${'localhost:9092  (1)'.padEnd(25)} ${'range'.padEnd(20)} ${'Stable'.padEnd(20)} 1\n`,
    )
    const verbose = await run('--describe', '--group', 'live', '--state', '--verbose')
    expect(verbose.stdout).toBe(
      `\n${'GROUP'.padEnd(15)} ${'COORDINATOR (ID)'.padEnd(25)} ${'ASSIGNMENT-STRATEGY'.padEnd(20)} ${'STATE'.padEnd(20)} ${'GROUP-EPOCH'.padEnd(15)} ${'TARGET-ASSIGNMENT-EPOCH'.padEnd(25)} #MEMBERS` +
        `\n${'live'.padEnd(15)} ${'localhost:9092  (1)'.padEnd(25)} ${'range'.padEnd(20)} ${'Stable'.padEnd(20)} ${'-'.padEnd(15)} ${'-'.padEnd(25)} 1\n`,
    )
    const epochs = await run('--describe', '--group', 'live', '--offsets', '--verbose')
    expect(epochs.stdout).toMatch(/^\nGROUP {11}TOPIC +PARTITION {2}LEADER-EPOCH {4}CURRENT-OFFSET {2}LOG-END-OFFSET/)
    const offsets = await run('--describe', '--group', 'live')
    expect(offsets.stdout).toContain(`live            ${topic}`)
    expect(offsets.stdout).toContain(id)
    await c.close()
  })

  it('fails with a clear message and exit code 1 for a group that does not exist', async () => {
    const res = await run('--describe', '--group', 'ghost')
    expect(res.code).toBe(1)
    expect(res.stderr).toBe("\nError: Consumer group 'ghost' does not exist.\n")
    // Under --json the error path of every command: nothing on stdout, the error as JSON on stderr, exit 1.
    const json = await run('--describe', '--group', 'ghost', '--json')
    expect(json.code).toBe(1)
    expect(json.stdout).toBe('')
    expect(JSON.parse(json.stderr)).toEqual({
      error: {code: 'GROUP_ID_NOT_FOUND', message: "Consumer group 'ghost' does not exist."},
    })
  })

  describe('--reset-offsets', () => {
    const plan = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/).slice(2).map(Number))

    it.each([
      [
        ['--to-earliest'],
        [
          [0, 0],
          [1, 0],
        ],
      ],
      [
        ['--to-latest'],
        [
          [0, 10],
          [1, 10],
        ],
      ],
      [
        ['--to-current'],
        [
          [0, 4],
          [1, 6],
        ],
      ],
      [
        ['--to-offset', '7'],
        [
          [0, 7],
          [1, 7],
        ],
      ],
      [
        ['--to-offset', '50'],
        [
          [0, 10],
          [1, 10],
        ],
      ],
      [
        ['--shift-by', '-3'],
        [
          [0, 1],
          [1, 3],
        ],
      ],
      [
        ['--shift-by', '-30'],
        [
          [0, 0],
          [1, 0],
        ],
      ],
      [
        ['--shift-by', '2'],
        [
          [0, 6],
          [1, 8],
        ],
      ],
      [
        ['--to-datetime', '1970-01-01T00:00:01.005'],
        [
          [0, 5],
          [1, 5],
        ],
      ],
      [
        ['--to-datetime', '1970-01-01T01:00:01.003+01:00'],
        [
          [0, 3],
          [1, 3],
        ],
      ],
      [
        ['--by-duration', 'PT1H'],
        [
          [0, 10],
          [1, 10],
        ],
      ],
    ])('plans %j as Kafka does', async (scenario, expected) => {
      const topic = await committedGroup('r', [4, 6])
      const res = await run('--reset-offsets', '--group', 'r', '--topic', topic, ...scenario, '--dry-run')
      expect(res.code, res.stderr).toBe(0)
      expect(plan(res.stdout)).toEqual(expected)
      // A dry run changes nothing.
      const committed = await home.withAdmin((a) => a.listConsumerGroupOffsets('r'))
      expect(committed.map((o) => o.offset)).toEqual([4, 6])
    })

    it('executes, exports CSV, reads a plan from a file, and narrows the scope to partitions', async () => {
      const topic = await committedGroup('x', [4, 6])
      const executed = await run('--reset-offsets', '--group', 'x', '--all-topics', '--to-offset', '2', '--execute')
      expect(executed.code).toBe(0)
      expect((await home.withAdmin((a) => a.listConsumerGroupOffsets('x'))).map((o) => o.offset)).toEqual([2, 2])
      const exported = await run(
        '--reset-offsets',
        '--group',
        'x',
        '--topic',
        `${topic}:1`,
        '--to-latest',
        '--export',
        '--dry-run',
      )
      expect(exported.stdout).toBe(`${topic},1,10\n\n`)
      const file = join(home.dir, 'plan.csv')
      writeFileSync(file, `${topic},0,9\n${topic},1,1\n`)
      await run('--reset-offsets', '--group', 'x', '--from-file', file, '--execute')
      expect((await home.withAdmin((a) => a.listConsumerGroupOffsets('x'))).map((o) => o.offset)).toEqual([9, 1])
    })

    it('warns on the missing --execute and refuses an active group', async () => {
      const topic = await committedGroup('busy', [1, 1])
      const dry = await run('--reset-offsets', '--group', 'busy', '--topic', topic, '--to-earliest')
      expect(dry.stderr).toMatch(/^WARN: No action will be performed as the --execute option is missing\./)
      const c = new KafkaConsumer({...home.config, 'group.id': 'busy', 'heartbeat.interval.ms': '100'})
      c.subscribe([topic])
      await waitFor(async () => (await c.poll(50), c.assignment().length === 2), 15_000, 'the assignment')
      const refused = await run('--reset-offsets', '--group', 'busy', '--topic', topic, '--to-earliest', '--execute')
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(
        /Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable\./,
      )
      await c.close()
    })

    it('cannot shift a partition without a committed offset', async () => {
      const topic = await topicWithRecords(1, 3)
      const res = await run('--reset-offsets', '--group', 'new', '--topic', topic, '--shift-by', '1')
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(
        new RegExp(`Cannot shift offset for partition ${topic}-0 since there is no current committed offset`),
      )
    })

    it('needs exactly one scenario and a scope', async () => {
      const none = await run('--reset-offsets', '--group', 'r', '--all-topics')
      expect(none.code).toBe(2)
      expect(none.stderr).toMatch(/Option '\[reset-offsets\]' requires one of the following scenarios/)
      const two = await run('--reset-offsets', '--group', 'r', '--all-topics', '--to-earliest', '--to-latest')
      expect(two.stderr).toMatch(/Option "\[to-earliest\]" can't be used with option "\[to-latest\]"/)
      const noScope = await run('--reset-offsets', '--group', 'r', '--to-earliest')
      expect(noScope.stderr).toMatch(/One of the reset scopes should be defined: --all-topics, --topic\./)
    })
  })

  it('deletes an empty group and refuses a live one', async () => {
    const topic = await committedGroup('old', [1, 1])
    const c = new KafkaConsumer({...home.config, 'group.id': 'live', 'heartbeat.interval.ms': '100'})
    c.subscribe([topic])
    await waitFor(async () => (await c.poll(50), c.assignment().length === 2), 15_000, 'the assignment')
    const refused = await run('--delete', '--group', 'live')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /\* Group 'live' could not be deleted due to: GroupNotEmptyException: The group is not empty\./,
    )
    const ok = await run('--delete', '--group', 'old')
    expect(ok.stdout).toBe("Deletion of requested consumer groups ('old') was successful.\n")
    expect((await run('--list')).stdout).toBe('live\n')
    await c.close()
  })

  it('deletes the offsets of a topic unless the group is subscribed to it', async () => {
    const topic = await committedGroup('d', [3, 3])
    const res = await run('--delete-offsets', '--group', 'd', '--topic', topic)
    expect(res.code).toBe(0)
    expect(res.stdout.split('\n')[0]).toBe(`Request succeed for deleting offsets with topic ${topic} group d`)
    expect(res.stdout).toMatch(/Successful/)
    expect(await home.withAdmin((a) => a.listConsumerGroupOffsets('d'))).toEqual([])
  })

  it('waits until a group has caught up (--wait-for-lag), and gives up after --wait-timeout', async () => {
    const topic = await topicWithRecords(2, 50)
    const late = await run('--describe', '--group', 'catchup', '--wait-for-lag', '0', '--wait-timeout', '300ms')
    expect(late.code).toBe(1)
    consumer(topic, 'catchup', '--consumer-property', 'auto.commit.interval.ms=100')
    const res = await run('--describe', '--group', 'catchup', '--wait-for-lag', '0', '--wait-timeout', '20s')
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/catchup +\S+ +0 +50 +50 +0 /)
  })

  it('needs exactly one action, and a group for --describe', async () => {
    const none = await run('--group', 'x')
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(
      /Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets/,
    )
    const noGroup = await run('--describe')
    expect(noGroup.stderr).toMatch(/Option \[describe\] takes one of these options: \[group\], \[all-groups\]/)
    const twoViews = await run('--describe', '--group', 'x', '--members', '--state')
    expect(twoViews.stderr).toMatch(
      /Option \[describe\] takes at most one of these options: \[members\], \[offsets\], \[state\]/,
    )
  })
})

describe('consumer-groups --validate-regex', () => {
  it("checks RE2 syntax as Kafka's tool does, without a broker", async () => {
    const valid = await run('--validate-regex', 'orders-.*')
    expect([valid.code, valid.stdout]).toEqual([0, 'The regular expression `orders-.*` is valid.\n'])
    const lookahead = await run('--validate-regex', '(?=x)')
    expect([lookahead.code, lookahead.stdout]).toEqual([
      1,
      'The regular expression `(?=x)` is invalid: invalid or unsupported Perl syntax.\n',
    ])
    expect(existsSync(join(home.dir, 'daemon.pid'))).toBe(false) // no daemon was needed
  })
})
