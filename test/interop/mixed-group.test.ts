// kafkalite's own consumer (the console consumer, over kafkalite's Unix socket) and a member of each family (over
// the Kafka listener) in one group: they split the partitions whichever is the leader, each reads only its own, and
// when kafkalite's consumer leaves the other takes everything over from the committed offsets. Only against kafkalite:
// no other broker has the socket.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {bootstrap, broker, createTopic, produce, text, unique, waitFor} from './harness/context.js'
import {DriverProcess} from './harness/drivers.js'
import {ROOT} from './harness/env.js'
import {FAMILIES} from './harness/families.js'

const PARTITIONS = [0, 1, 2, 3]
const BIN = join(ROOT, 'bin', 'run.js')
const env = {...process.env, KAFKALITE_HOME: broker.dir ?? '', NO_COLOR: '1'}

interface CliGroup {
  state: string
  members: {memberId: string; clientId: string; assignment: {topic: string; partition: number}[]}[]
}

/** kafkalite's view of the group: `consumer-groups --describe --members --verbose --json`. */
function describeGroup(group: string): CliGroup | undefined {
  const r = spawnSync(
    process.execPath,
    [BIN, 'consumer-groups', '--describe', '--group', group, '--members', '--verbose', '--json'],
    {env, encoding: 'utf8'},
  )
  return r.status === 0 ? (JSON.parse(r.stdout) as {groups: CliGroup[]}).groups[0] : undefined
}

/** The partitions kafkalite's console consumer owns, as the group's description says (its client id is its own). */
function cliPartitions(group: string): number[] | undefined {
  const g = describeGroup(group)
  const member = g?.members.find((m) => m.clientId.startsWith('console-consumer'))
  return g?.state === 'Stable' && member ? member.assignment.map((p) => p.partition).sort() : undefined
}

class ConsoleConsumer {
  readonly child: ChildProcess
  printed = ''
  constructor(topic: string, group: string) {
    this.child = spawn(
      process.execPath,
      [BIN, 'console-consumer', '--topic', topic, '--group', group, '--from-beginning'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    this.child.stdout!.on('data', (c: Buffer) => (this.printed += c.toString()))
  }
  /** Ctrl-C: the console consumer leaves the group and exits. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise((resolve) => this.child.once('close', resolve))
    this.child.kill('SIGINT')
    await exited
  }
}

const lastAssignment = (m: DriverProcess): number[] | undefined =>
  m.events.filter((e) => e.event === 'assigned').at(-1)?.partitions as number[] | undefined
const keysOf = (m: DriverProcess): string[] =>
  m.events.filter((e) => e.event === 'record').map((e) => Buffer.from(e.key as string, 'base64').toString())

async function produceOnePerPartition(topic: string, round: string): Promise<string[]> {
  const keys = PARTITIONS.map((p) => `${round}-p${p}`)
  await produce(
    'java',
    topic,
    PARTITIONS.map((p) => ({partition: p, key: text(keys[p]!), value: text(`value-${keys[p]}`), headers: []})),
  )
  return keys
}

const cases = FAMILIES.flatMap((f) => [[f, 'kafkalite first'] as const, [f, `${f} first`] as const])

describe.skipIf(broker.kind !== 'kafkalite')("a group shared with kafkalite's own consumer", () => {
  test.each(cases)(
    '%s and kafkalite split 4 partitions (%s), and the Kafka client takes all over when kafkalite leaves',
    async (family, order) => {
      const topic = unique(`mixed-${family}`)
      const group = unique(`mixed-${family}`)
      await createTopic(topic, PARTITIONS.length)
      let cli: ConsoleConsumer | undefined
      let member: DriverProcess | undefined
      try {
        if (order === 'kafkalite first') {
          cli = new ConsoleConsumer(topic, group)
          await waitFor(
            'kafkalite to own all partitions',
            () => (cliPartitions(group)?.length === 4 ? true : undefined),
            30_000,
          )
          member = new DriverProcess(family, 'group-member', {bootstrap, topic, group})
        } else {
          member = new DriverProcess(family, 'group-member', {bootstrap, topic, group})
          const first = member
          await waitFor(
            `${family} to own all partitions`,
            () => (lastAssignment(first)?.length === 4 ? true : undefined),
            60_000,
          )
          cli = new ConsoleConsumer(topic, group)
        }
        const m = member
        const split = await waitFor(
          'the partitions to be split',
          () => {
            const mine = lastAssignment(m) ?? []
            const theirs = cliPartitions(group) ?? []
            return mine.length > 0 && theirs.length > 0 && [...mine, ...theirs].sort().join() === PARTITIONS.join()
              ? {mine, theirs}
              : undefined
          },
          60_000,
        )
        const round1 = await produceOnePerPartition(topic, 'round1')
        const c = cli
        await waitFor('each member to read its partitions', () =>
          keysOf(m).length >= split.mine.length && split.theirs.every((p) => c.printed.includes(`value-${round1[p]}`))
            ? true
            : undefined,
        )
        expect(keysOf(m).sort()).toEqual(split.mine.map((p) => round1[p]))
        for (const p of split.mine) expect(c.printed).not.toContain(`value-${round1[p]}`)

        await cli.stop()
        await waitFor(
          `${family} to own all partitions`,
          () => (lastAssignment(m)?.length === 4 ? true : undefined),
          60_000,
        )
        const round2 = await produceOnePerPartition(topic, 'round2')
        await waitFor(`${family} to read every new record`, () =>
          round2.every((k) => keysOf(m).includes(k)) ? true : undefined,
        )
        // Taken over from the console consumer's committed offsets: nothing it read comes again.
        expect(keysOf(m).filter((k) => split.theirs.some((p) => round1[p] === k))).toEqual([])
        m.send('leave')
        await m.result(60_000)
      } finally {
        await cli?.stop()
        member?.kill()
      }
    },
  )
})
