import {beforeEach, describe, expect, it} from 'vitest'
import {KafkaConsumer, KafkaProducer, type TopicPartition} from '../../../src/client/index.js'
import {QUICK_GROUPS, TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest({serverProperties: QUICK_GROUPS})
let base: Record<string, string>

beforeEach(() => {
  base = {...home.config, 'heartbeat.interval.ms': '100', 'auto.offset.reset': 'earliest'}
})

const names = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b)

/** Polls every consumer until `done` holds. */
async function pollAll(consumers: KafkaConsumer[], done: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out polling')
    await Promise.all(consumers.map((c) => c.poll(50)))
  }
}

async function describe1(groupId: string) {
  return home.withAdmin(async (admin) => (await admin.describeConsumerGroups([groupId]))[0]!)
}

describe('consumer groups', () => {
  it('splits the partitions between members and moves them when one leaves', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 4)
    const a = new KafkaConsumer({...base, 'group.id': 'g', 'client.id': 'a'})
    const b = new KafkaConsumer({...base, 'group.id': 'g', 'client.id': 'b'})
    a.subscribe([topic])
    await pollAll([a], () => a.assignment().length === 4)
    b.subscribe([topic])
    await pollAll([a, b], () => a.assignment().length === 2 && b.assignment().length === 2)
    expect([...names(a.assignment()), ...names(b.assignment())].sort()).toEqual([0, 1, 2, 3])
    const d = await describe1('g')
    expect(d).toMatchObject({state: 'Stable', assignor: 'range'})
    expect(d.members).toHaveLength(2)
    await b.close()
    await pollAll([a], () => a.assignment().length === 4)
    await a.close()
    expect((await describe1('g')).state).toBe('Empty')
  })

  it("moves a crashed member's partitions at once when its connection drops", async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const survivor = new KafkaConsumer({...base, 'group.id': 'g', 'session.timeout.ms': '30000'})
    survivor.subscribe([topic])
    const victim = home.spawn(['console-consumer', '--topic', topic, '--group', 'g'], {})
    await waitFor(
      async () => {
        await survivor.poll(50)
        return (await describe1('g')).members.length === 2 && survivor.assignment().length === 1
      },
      15_000,
      'two members',
    )
    const started = Date.now()
    victim.kill('SIGKILL')
    await pollAll([survivor], () => survivor.assignment().length === 2)
    expect(Date.now() - started).toBeLessThan(10_000) // far below the 30 s session timeout
    await survivor.close()
  })

  it('commits consumed offsets and resumes from them in a new consumer', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    await home.produceToEach(topic, 2, 10)
    const first = new KafkaConsumer({...base, 'group.id': 'g', 'max.poll.records': '5'})
    first.subscribe([topic])
    let seen = 0
    const until = Date.now() + 10_000
    while (seen < 5 && Date.now() < until) seen += (await first.poll(100)).count
    await first.commitSync()
    const committed = await first.committed([0, 1].map((partition) => ({topic, partition})))
    expect(committed.reduce((s, c) => s + (c?.offset ?? 0), 0)).toBe(seen)
    await first.close()
    const second = new KafkaConsumer({...base, 'group.id': 'g'})
    second.subscribe([topic])
    let rest = 0
    const deadline = Date.now() + 10_000
    while (seen + rest < 20 && Date.now() < deadline) rest += (await second.poll(100)).count
    expect(seen + rest).toBe(20)
    await second.close()
  })

  it('refuses to start without a committed offset when auto.offset.reset is none', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 1)
    const c = new KafkaConsumer({...base, 'group.id': 'g', 'auto.offset.reset': 'none'})
    c.subscribe([topic])
    await expect(pollAll([c], () => false, 5000)).rejects.toMatchObject({code: 'NO_OFFSET_FOR_PARTITION'})
    await c.close()
  })

  it('gives a static member its partitions back without a rebalance when it returns within the session', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 4)
    const config = {...base, 'group.id': 'g', 'session.timeout.ms': '10000'}
    const a = new KafkaConsumer({...config, 'group.instance.id': 'instance-a'})
    const b = new KafkaConsumer({...config, 'group.instance.id': 'instance-b'})
    a.subscribe([topic])
    b.subscribe([topic])
    await pollAll([a, b], () => a.assignment().length === 2 && b.assignment().length === 2)
    const before = await describe1('g')
    const mine = names(b.assignment())
    await b.close() // a static member does not leave the group on close
    const back = new KafkaConsumer({...config, 'group.instance.id': 'instance-b'})
    back.subscribe([topic])
    await pollAll([a, back], () => back.assignment().length === 2)
    expect(names(back.assignment())).toEqual(mine)
    const after = await describe1('g')
    expect(after.generationId).toBe(before.generationId) // no rebalance happened
    expect(after.state).toBe('Stable')
    await a.close()
    await back.close()
  })

  it('fences the older of two live members with the same group.instance.id', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const config = {...base, 'group.id': 'g', 'session.timeout.ms': '10000', 'group.instance.id': 'same'}
    const old = new KafkaConsumer(config)
    old.subscribe([topic])
    await pollAll([old], () => old.assignment().length === 2)
    const young = new KafkaConsumer(config)
    young.subscribe([topic])
    await pollAll([young], () => young.assignment().length === 2)
    await expect(pollAll([old], () => false, 5000)).rejects.toMatchObject({
      code: 'FENCED_INSTANCE_ID',
      name: 'FencedInstanceIdException',
    })
    await young.close()
    await old.close()
  })

  it('expires a static member whose session runs out and moves its partitions', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const a = new KafkaConsumer({...base, 'group.id': 'g', 'session.timeout.ms': '10000'})
    a.subscribe([topic])
    const gone = home.spawn(
      [
        'console-consumer',
        '--topic',
        topic,
        '--group',
        'g',
        '--consumer-property',
        'group.instance.id=doomed',
        '--consumer-property',
        'session.timeout.ms=1000',
        '--consumer-property',
        'heartbeat.interval.ms=100',
      ],
      {},
    )
    await pollAll([a], () => a.assignment().length === 1)
    const killed = Date.now()
    gone.kill('SIGKILL')
    await pollAll([a], () => a.assignment().length === 2)
    expect(Date.now() - killed).toBeGreaterThanOrEqual(900) // a static member stays until its session expires
    await a.close()
  })

  it('removes a member that stops polling for longer than max.poll.interval.ms', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const config = {...base, 'group.id': 'g', 'max.poll.interval.ms': '1000'}
    const busy = new KafkaConsumer(config)
    const live = new KafkaConsumer(config)
    busy.subscribe([topic])
    live.subscribe([topic])
    await pollAll([busy, live], () => busy.assignment().length === 1 && live.assignment().length === 1)
    // `busy` stops polling; its heartbeat task notices and leaves the group.
    await pollAll([live], () => live.assignment().length === 2, 10_000)
    await live.close()
    await busy.close()
  })

  it('keeps groups, members and committed offsets across a daemon restart', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    await home.produceToEach(topic, 2, 5)
    const c = new KafkaConsumer({...base, 'group.id': 'g', 'session.timeout.ms': '20000'})
    c.subscribe([topic])
    let seen = 0
    const until = Date.now() + 10_000
    while (seen < 10 && Date.now() < until) seen += (await c.poll(100)).count
    expect(seen).toBe(10)
    await c.commitSync()
    const before = await describe1('g')
    await home.run(['daemon', 'stop'])
    // The consumer reconnects (starting a new daemon), heartbeats with its member id and stays in the group.
    await home.produceToEach(topic, 2, 1)
    let more = 0
    const deadline = Date.now() + 15_000
    while (more < 2 && Date.now() < deadline) more += (await c.poll(100)).count
    expect(more).toBe(2)
    const after = await describe1('g')
    expect(after.members.map((m) => m.memberId)).toEqual(before.members.map((m) => m.memberId))
    expect(after.state).toBe('Stable')
    await c.close()
    const offsets = await home.withAdmin((admin) => admin.listConsumerGroupOffsets('g'))
    expect(offsets.map((o) => o.offset)).toEqual([6, 6])
  })

  it('subscribes by pattern and picks up a new matching topic', async () => {
    const first = uniqueTopic('pat')
    await home.createTopic(first, 1)
    const c = new KafkaConsumer({...base, 'group.id': 'g', 'metadata.max.age.ms': '500'})
    c.subscribe(/pat-.*/)
    await pollAll([c], () => c.assignment().length === 1)
    const second = uniqueTopic('pat')
    await home.createTopic(second, 1)
    await pollAll([c], () => c.assignment().length === 2, 15_000)
    expect(c.subscription().sort()).toEqual([first, second].sort())
    await c.close()
  })

  it('has the leader rebalance when its topic is created again with fewer partitions, or gains partitions', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 3)
    // Two members: the leader notices the change (Kafka's assignmentSnapshot) whichever member's fetch failed.
    const [a, b] = [0, 1].map(() => new KafkaConsumer({...base, 'group.id': 'shrink'}))
    a!.subscribe([topic])
    b!.subscribe([topic])
    await pollAll([a!, b!], () => a!.assignment().length + b!.assignment().length === 3)
    await home.withAdmin(async (admin) => {
      await admin.deleteTopics([topic])
      await admin.createTopics([{name: topic, numPartitions: 1}])
    })
    // metadata.max.age.ms is 5 minutes: the missing partitions' fetch errors make the leader look, as in Kafka.
    await pollAll([a!, b!], () => [...a!.assignment(), ...b!.assignment()].map((tp) => tp.partition).join() === '0')
    const producer = new KafkaProducer(home.config)
    await producer.send({topic, partition: 0, value: 'after'})
    let read = 0
    const deadline = Date.now() + 15_000
    while (read === 0 && Date.now() < deadline) {
      for (const c of [a!, b!]) read += (await c.poll(50)).count
    }
    expect(read).toBe(1)
    // Partitions added: assigned once the leader's metadata (metadata.max.age.ms) shows them.
    await a!.close()
    const c = new KafkaConsumer({...base, 'group.id': 'grow', 'metadata.max.age.ms': '300'})
    c.subscribe([topic])
    await pollAll([c], () => c.assignment().length === 1)
    await home.withAdmin((admin) => admin.createPartitions({[topic]: 3}))
    await pollAll([c], () => c.assignment().length === 3)
    await Promise.all([b!.close(), c.close(), producer.close()])
  })

  it('calls the rebalance listener with revoked and assigned partitions', async () => {
    const topic = uniqueTopic()
    await home.createTopic(topic, 2)
    const events: string[] = []
    const a = new KafkaConsumer({...base, 'group.id': 'g'})
    a.subscribe([topic], {
      onPartitionsAssigned: (tps) => void events.push(`assigned ${names(tps).join(',')}`),
      onPartitionsRevoked: (tps) => void events.push(`revoked ${names(tps).join(',')}`),
    })
    await pollAll([a], () => a.assignment().length === 2)
    const b = new KafkaConsumer({...base, 'group.id': 'g'})
    b.subscribe([topic])
    await pollAll([a, b], () => a.assignment().length === 1 && b.assignment().length === 1)
    expect(events).toEqual(['assigned 0,1', 'revoked 0,1', `assigned ${names(a.assignment()).join(',')}`])
    await a.close()
    await b.close()
  })
})

describe('eager and cooperative rebalancing', () => {
  /**
   * Members a and b share 4 partitions. b stops polling, so it is slow to rejoin: a rebalance started by a third
   * member c lasts until b notices it has not polled for max.poll.interval.ms (3 s) and leaves. Meanwhile records
   * keep arriving on every partition. Returns how many records a received during the rebalance, once a has learnt
   * of it (within a heartbeat) and rejoined.
   */
  async function recordsDuringRebalance(strategy: string): Promise<{during: number; protocol: string}> {
    const topic = uniqueTopic()
    await home.createTopic(topic, 4)
    const config = {
      ...base,
      'group.id': `g-${strategy}`,
      'partition.assignment.strategy': strategy,
      'max.poll.interval.ms': '3000',
    }
    const a = new KafkaConsumer(config)
    const b = new KafkaConsumer(config)
    a.subscribe([topic])
    b.subscribe([topic])
    await pollAll([a, b], () => a.assignment().length === 2 && b.assignment().length === 2)
    const producer = new KafkaProducer({...home.config, 'linger.ms': '0'})
    let producing = true
    const load = (async () => {
      for (let i = 0; producing; i++) {
        await Promise.all([0, 1, 2, 3].map((partition) => producer.send({topic, partition, value: String(i)})))
        // A pace, not a wait: records keep arriving on every partition for as long as the rebalance lasts.
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    const c = new KafkaConsumer(config)
    c.subscribe([topic])
    void c.poll(100) // c joins; a learns of the rebalance at its next heartbeat
    await waitFor(async () => (await describe1(config['group.id'])).state === 'PreparingRebalance', 5000, 'a rebalance')
    const settle = Date.now() + 500 // a's next heartbeat says "rebalance"; eager: a revokes everything, then rejoins
    while (Date.now() < settle) await a.poll(50)
    let during = 0
    const window = Date.now() + 1200
    while (Date.now() < window) during += (await a.poll(100)).count
    expect((await describe1(config['group.id'])).state).not.toBe('Stable') // the window was inside the rebalance
    producing = false
    await load
    await producer.close()
    const protocol = (await describe1(config['group.id'])).assignor
    await Promise.all([a.close(), b.close(), c.close()])
    return {during, protocol}
  }

  it('stops every partition of a member during an eager rebalance', async () => {
    const {during} = await recordsDuringRebalance('range')
    expect(during).toBe(0)
  })

  it('keeps the partitions that stay flowing during a cooperative rebalance', async () => {
    const {during} = await recordsDuringRebalance('cooperative-sticky')
    expect(during).toBeGreaterThan(20)
  })
})
