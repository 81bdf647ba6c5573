// kafkalite lag against a real daemon: the plain snapshot off a terminal, --json and --fail-on, the history kept
// across a daemon restart, the same columns in consumer-groups --describe --json, and the live viewer in a real
// terminal (tmux) with a producer and a slow consumer group.
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {DaemonControl, KafkaConsumer, KafkaProducer} from '../../../src/client/index.js'
import {BIN, QUICK_GROUPS, TestHome, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest({serverProperties: QUICK_GROUPS})

beforeEach(async () => {
  await home.createTopic('orders')
})

async function produce(count: number): Promise<void> {
  const producer = new KafkaProducer(home.config)
  for (let i = 0; i < count; i++) producer.sendWithCallback({topic: 'orders', value: `v${i}`}, () => {})
  await producer.close()
}

/**
 * A group member that consumes `perCommit` records, commits, and produces three times as many, a second apart
 * (so its lag never decreases: Burrow's WARN), until stopped.
 */
function slowConsumer(group: string, perCommit: number) {
  let stopped = false
  let commits = 0
  const consumer = new KafkaConsumer({
    ...home.config,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': 'false',
    'max.poll.records': String(perCommit),
  })
  consumer.assign([{topic: 'orders', partition: 0}])
  const done = (async () => {
    while (!stopped) {
      await consumer.poll(1000)
      await consumer.commitSync()
      commits++
      await produce(3 * perCommit)
      // A pace, not a wait: the lag history is kept in time, so commits a second apart are what makes this member
      // slow (its lag grows from commit to commit) and, once it stops, idle for longer than its commits span.
      await new Promise((r) => setTimeout(r, 1000))
    }
    await consumer.close()
  })()
  return {
    commits: () => commits,
    stop: () => {
      stopped = true
      return done
    },
  }
}

describe('kafkalite lag', () => {
  it('prints a plain snapshot off a terminal, JSON with --json, and fails with --fail-on', async () => {
    await produce(100)
    const slow = slowConsumer('slow', 10)
    await waitFor(() => slow.commits() >= 3, 20_000, 'three commits')
    const plain = await home.run(['lag'])
    expect(plain.code, plain.stderr).toBe(0)
    const [header, row] = plain.stdout.trimEnd().split('\n')
    expect(header).toMatch(
      /^GROUP\s+STATE\s+MEMBERS\s+ASSIGNOR\s+LAG\s+MAX-LAG-PARTITION\s+LAG-TIME\s+CONSUME\/s\s+PRODUCE\/s\s+ETA\s+TREND\s+STATUS$/,
    )
    expect(row).toMatch(/^slow\s+Empty\s+0\s+-\s+\d+\s+orders-0:\d+\s+\S+s\s+\S+\s+\S+\s+∞\s+\S+\s+WARN$/)
    const json = JSON.parse((await home.run(['lag', '--json'])).stdout) as {
      groups: {groupId: string; totalLag: number; status: string; partitions: {trend: number[]}[]}[]
    }
    const group = json.groups.find((g) => g.groupId === 'slow')!
    expect(group.status).toBe('WARN')
    // Each commit moved 10 records on while 30 were produced: the lag at each commit grows by 20.
    const trend = group.partitions[0]!.trend
    expect(trend.slice(0, 3)).toEqual([90, 110, 130])
    const failed = await home.run(['lag', '--fail-on', 'WARN'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/--fail-on WARN: group slow is WARN \(orders-0 WARN\)\./)
    expect((await home.run(['lag', '--fail-on', 'ERR'])).code).toBe(0)
    // Once the consumer stops committing for longer than its window of commits spans, Burrow calls it STOP.
    await slow.stop()
    await waitFor(async () => (await home.run(['lag', '--fail-on', 'ERR'])).code === 1, 30_000, 'STOP')
    expect((await home.run(['lag', '--fail-on', 'ERR'])).stderr).toMatch(/group slow is ERR \(orders-0 STOP\)/)
    expect((await home.run(['lag', '--fail-on', 'MAYBE'])).code).toBe(2)
    expect((await home.run(['lag', '--interval', 'soon'])).stderr).toMatch(/Invalid --interval 'soon'/)
    const noGroup = await home.run(['lag', '--group', 'nope'])
    expect(noGroup.code).toBe(1)
    expect(noGroup.stderr).toMatch(/Consumer group 'nope' does not exist\. List the groups with/)
    const noTopic = await home.run(['lag', '--topic', 'nope', '--json'])
    expect(noTopic.code).toBe(1)
    expect(noTopic.stderr + noTopic.stdout).toMatch(/Topic 'nope' does not exist\. List the topics with/)
  }, 90_000)

  it('keeps the history across a daemon restart, and shows it in consumer-groups --describe --json', async () => {
    await produce(50)
    const kept = slowConsumer('kept', 10)
    await waitFor(() => kept.commits() >= 2, 20_000, 'two commits')
    await kept.stop()
    // The snapshot details the partitions asked for; every group's totals and status are always there.
    const control = await DaemonControl.open({home: home.dir})
    const none = await control.lagSnapshot({partitions: 'none'})
    expect(none.groups).toEqual([
      expect.objectContaining({groupId: 'kept', partitions: [], totalLag: expect.any(Number)}),
    ])
    expect(none.groups[0]!.totalLag).toBeGreaterThan(0)
    const one = await control.lagSnapshot({partitions: {groupId: 'kept'}})
    expect(one.groups[0]!.partitions).toEqual([expect.objectContaining({topic: 'orders', partition: 0})])
    expect((await control.lagSnapshot({partitions: {topic: 'other'}})).groups[0]!.partitions).toEqual([])
    control.close()
    const before = JSON.parse((await home.run(['lag', '--json', '--group', 'kept'])).stdout)
    await home.run(['daemon', 'stop'])
    const after = JSON.parse((await home.run(['lag', '--json', '--group', 'kept'])).stdout)
    expect(after.groups[0].partitions[0].trend).toEqual(before.groups[0].partitions[0].trend)
    expect(after.groups[0].partitions[0].trend.length).toBeGreaterThanOrEqual(2)
    expect(after.groups[0].lagSeconds).toBeGreaterThan(0)
    const described = JSON.parse(
      (await home.run(['consumer-groups', '--describe', '--group', 'kept', '--json'])).stdout,
    )
    const g = described.groups[0]
    expect(g.groupId).toBe('kept')
    expect(['WARN', 'ERR']).toContain(g.status) // lagging, or stopped by now
    expect(g.partitions[0]).toMatchObject({topic: 'orders', partition: 0})
    expect(['WARN', 'STOP']).toContain(g.partitions[0].status)
    expect(g.partitions[0].lagSeconds).toBeGreaterThan(0)
  }, 60_000)

  it('runs live in a terminal: lag grows, the status turns WARN, keys work, q restores the terminal', async () => {
    const session = `kl-${process.pid}-${Date.now()}`
    const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
    const pane = () => tmux('capture-pane', '-p', '-t', session)
    const raw = join(home.dir, 'pane.raw')
    await produce(20)
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '24', 'sh')
    try {
      // CI=true as in a CI job, where ink on its own draws nothing but the last frame: the viewer must still be live.
      tmux(
        'send-keys',
        '-t',
        session,
        `clear; echo BEFORE-VIEWER; CI=true KAFKALITE_HOME='${home.dir}' '${process.execPath}' '${BIN}' lag --interval 300ms`,
        'Enter',
      )
      const consumer = slowConsumer('live', 5)
      await waitFor(() => pane().includes('kafkalite lag '), 20_000, 'the viewer to start')
      // Everything the viewer writes from its first frames on, to check that refreshes never clear the screen.
      tmux('pipe-pane', '-o', '-t', session, `cat >> '${raw}'`)
      await waitFor(() => /live\s+\S+\s+\d+\s+\S+\s+\d+/.test(pane()), 20_000, 'the viewer to show the group')
      const lagOf = () => Number(/live\s+\S+\s+\d+\s+\S+\s+(\d+)/.exec(pane())?.[1] ?? -1)
      const first = lagOf()
      await waitFor(() => lagOf() > first, 20_000, 'the lag to grow')
      // Each refresh is drawn where the last one was: one title line, at the top.
      expect(pane().match(/kafkalite lag /g)).toHaveLength(1)
      expect(pane().startsWith('kafkalite lag ')).toBe(true)
      await waitFor(() => /live.*WARN/.test(pane()), 20_000, 'the status to turn WARN')
      // The screen is redrawn in place, line by line: never cleared (which flickers) between refreshes.
      tmux('pipe-pane', '-t', session)
      const written = readFileSync(raw, 'latin1')
      expect(written.length).toBeGreaterThan(0)
      expect(written).not.toContain('\x1b[2J')
      expect(written).not.toContain('\x1b[3J')
      tmux('send-keys', '-t', session, 'Enter')
      await waitFor(() => /group live/.test(pane()) && /orders\s+0\s+\d+/.test(pane()), 10_000, 'the group view')
      tmux('send-keys', '-t', session, 'Escape')
      await waitFor(() => /consumer groups/.test(pane()), 10_000, 'the groups view')
      tmux('send-keys', '-t', session, 'p')
      await waitFor(() => pane().includes('PAUSED'), 10_000, 'pause')
      tmux('send-keys', '-t', session, 'q')
      // The alternate screen is left: the shell's screen comes back as it was, and the viewer exited 0.
      await waitFor(() => !pane().includes('kafkalite lag '), 10_000, 'the viewer to leave the screen')
      const foreground = () => tmux('display-message', '-p', '-t', session, '#{pane_current_command}').trim()
      await waitFor(() => foreground() === 'sh', 10_000, 'the viewer process to end')
      tmux('send-keys', '-t', session, 'echo EXIT=$?', 'Enter')
      await waitFor(() => /EXIT=0/.test(pane()), 10_000, 'the viewer to exit')
      const restored = pane()
      expect(restored).toContain('BEFORE-VIEWER')
      expect(restored).not.toContain('kafkalite lag')
      await consumer.stop()
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session])
    }
  }, 90_000)

  it('reconnects after the daemon restarts under it, and marks the numbers stale until then', async () => {
    const session = `kl-${process.pid}-${Date.now()}-r`
    const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
    const pane = () => tmux('capture-pane', '-p', '-t', session)
    await produce(20)
    const consumer = slowConsumer('again', 5)
    await waitFor(() => consumer.commits() >= 1, 20_000, 'a commit')
    await consumer.stop()
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '24', 'sh')
    try {
      tmux(
        'send-keys',
        '-t',
        session,
        `KAFKALITE_HOME='${home.dir}' '${process.execPath}' '${BIN}' lag --interval 300ms`,
        'Enter',
      )
      const lagOf = () => Number(/again\s+\S+\s+\d+\s+\S+\s+(\d+)/.exec(pane())?.[1] ?? -1)
      await waitFor(() => lagOf() >= 0, 20_000, 'the viewer to show the group')
      const before = lagOf()
      expect((await home.run(['daemon', 'stop'])).code).toBe(0)
      await waitFor(() => /STALE/.test(pane()) && /No kafkalite daemon is running/.test(pane()), 10_000, 'stale')
      expect(lagOf()).toBe(before) // the last numbers stay on the screen, marked stale
      // A new daemon (started by this producer): the viewer finds it by itself and shows the new lag.
      await produce(7)
      await waitFor(() => lagOf() === before + 7 && !/STALE|No kafkalite daemon/.test(pane()), 20_000, 'recovery')
      // Stopped again: r retries at once, and recovers as soon as a daemon runs.
      tmux('send-keys', '-t', session, 'p')
      expect((await home.run(['daemon', 'stop'])).code).toBe(0)
      tmux('send-keys', '-t', session, 'r')
      await waitFor(() => /STALE/.test(pane()), 10_000, 'stale while paused')
      expect((await home.run(['daemon', 'start'])).code).toBe(0)
      tmux('send-keys', '-t', session, 'r')
      await waitFor(() => !/STALE/.test(pane()) && lagOf() === before + 7, 10_000, 'recovery on r')
      tmux('send-keys', '-t', session, 'q')
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session])
    }
  }, 90_000)
})
