// Delivery semantics against a real daemon: idempotence (a retry after a lost acknowledgement is not written
// twice), sequence checks, transactions with markers, read_committed, fencing, offsets in transactions, the
// transaction timeout, and recovery across a daemon restart.
import {mkdtempSync} from 'node:fs'
import {createServer, connect, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  Admin,
  InvalidProducerEpochException,
  KafkaConsumer,
  KafkaException,
  KafkaProducer,
  OutOfOrderSequenceException,
  ProducerFencedException,
  StringDeserializer,
  StringSerializer,
  type ConsumerInterceptor,
  type ProducerInterceptor,
} from '../../../src/client/index.js'
import {Connection} from '../../../src/client/connection.js'
import {brokerPaths} from '../../../src/paths.js'
import {FrameDecoder} from '../../../src/protocol/socket/frame.js'
import {BatchBuilder} from '../../../src/protocol/kafka/record-batch.js'
import {QUICK_GROUPS, TestHome, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest({
  serverProperties: {
    ...QUICK_GROUPS,
    // Expired transactions are looked for every 100 ms instead of Kafka's 10 s, so the timeout test is quick.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': 100,
  },
})

/** Everything a reader of this isolation level sees on a partition, as `offset:value`. */
async function readAll(topic: string, isolation: 'read_committed' | 'read_uncommitted', partition = 0) {
  const consumer = new KafkaConsumer(
    {...home.config, 'isolation.level': isolation},
    new StringDeserializer(),
    new StringDeserializer(),
  )
  try {
    const tp = {topic, partition}
    consumer.assign([tp])
    consumer.seekToBeginning([tp])
    const [end] = await consumer.endOffsets([tp])
    const out: string[] = []
    const deadline = Date.now() + 10_000
    while ((await consumer.position(tp)) < end!.offset && Date.now() < deadline) {
      for (const r of await consumer.poll(200)) out.push(`${r.offset}:${r.value}`)
    }
    return {records: out, end: end!.offset}
  } finally {
    await consumer.close()
  }
}

function stringProducer(extra: Record<string, string> = {}) {
  return new KafkaProducer({...home.config, ...extra}, new StringSerializer(), new StringSerializer())
}

/**
 * A socket in front of the daemon, in a home of its own: forwards frames both ways, and when armed closes the
 * client's connection instead of forwarding the answer to the next produce request. The daemon has written the
 * batch by then: only the acknowledgement is lost. `log` lists the frames as they pass: `> method` for a request
 * (`> produce N` with its number of batches), `< method` for its answer.
 */
class AckDroppingProxy {
  readonly home = mkdtempSync(join(tmpdir(), 'kl-proxy-'))
  dropNextProduceAck = false
  /** While set, every answer to this method is dropped (with the client's connection). */
  dropAcksOf: string | null = null
  dropped = 0
  readonly log: string[] = []
  readonly #server: Server
  readonly #clients = new Set<Socket>()

  constructor(target: string) {
    this.#server = createServer((client) => {
      this.#clients.add(client)
      const upstream = connect(target)
      const produceIds = new Set<number>()
      const methods = new Map<number, string>()
      const fromClient = new FrameDecoder(1 << 30)
      const fromDaemon = new FrameDecoder(1 << 30)
      client.on('data', (chunk) => {
        fromClient.push(chunk, (frame) => {
          const {m, p} = JSON.parse(frame.header.toString()) as {m: string; p: {batches?: unknown[]}}
          if (m === 'produce') produceIds.add(frame.correlationId)
          methods.set(frame.correlationId, m)
          this.log.push(m === 'produce' ? `> produce ${p.batches!.length}` : `> ${m}`)
        })
        upstream.write(chunk)
      })
      upstream.on('data', (chunk) => {
        let drop = false
        fromDaemon.push(chunk, (frame) => {
          const method = methods.get(frame.correlationId)
          this.log.push(`< ${method}`)
          methods.delete(frame.correlationId)
          if (method !== undefined && method === this.dropAcksOf) {
            this.dropped++
            drop = true
          }
          if (produceIds.delete(frame.correlationId) && this.dropNextProduceAck) {
            this.dropNextProduceAck = false
            this.dropped++
            drop = true
          }
        })
        if (drop) {
          client.destroy()
          upstream.destroy()
        } else if (!client.destroyed) {
          client.write(chunk)
        }
      })
      const close = () => {
        client.destroy()
        upstream.destroy()
        this.#clients.delete(client)
      }
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
    })
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(brokerPaths(this.home).socket, resolve))
  }

  close(): Promise<void> {
    for (const c of this.#clients) c.destroy()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

describe('idempotent producers', () => {
  it('does not write a batch twice when its acknowledgement is lost and the batch is retried', async () => {
    await home.createTopic('idem')
    await (await Connection.open({home: home.dir})).close() // the daemon is up
    const proxy = new AckDroppingProxy(brokerPaths(home.dir).socket)
    await proxy.listen()
    try {
      for (const idempotence of ['true', 'false']) {
        const producer = new KafkaProducer(
          {'kafkalite.home': proxy.home, 'enable.idempotence': idempotence, 'retry.backoff.ms': '10'},
          new StringSerializer(),
          new StringSerializer(),
          {onNotice: () => {}},
        )
        await producer.send({topic: 'idem', value: `warm-up ${idempotence}`})
        proxy.dropNextProduceAck = true
        const sent = await Promise.all(
          [1, 2, 3].map((i) => producer.send({topic: 'idem', value: `${idempotence}-${i}`})),
        )
        await producer.close()
        expect(proxy.dropped).toBeGreaterThan(0)
        proxy.dropped = 0
        const {records} = await readAll('idem', 'read_uncommitted')
        const copies = records.filter((r) => r.endsWith(`${idempotence}-1`)).length
        if (idempotence === 'true') {
          // Written once, and the retry was answered with the offsets of the first write.
          expect(copies).toBe(1)
          expect(sent.map((m) => `${m.offset}:${idempotence}-${sent.indexOf(m) + 1}`)).toEqual(
            records.filter((r) => r.includes(`${idempotence}-`) && !r.includes('warm')),
          )
        } else {
          // The control: without idempotence the same loss writes the batch twice.
          expect(copies).toBe(2)
        }
      }
    } finally {
      await proxy.close()
    }
  })

  it('answers out-of-order sequences, duplicates and old epochs as Kafka does', async () => {
    await home.createTopic('seq')
    const connection = await Connection.open({home: home.dir})
    try {
      const {producerId} = await connection.request('initProducerId', {transactionalId: null})
      const batch = (epoch: number, sequence: number, values: string[]) => {
        const b = new BatchBuilder({maxBytes: 1 << 16})
        for (const v of values) b.append(Date.now(), null, Buffer.from(v))
        b.setProducerState(producerId, epoch, sequence, false)
        return b.build()
      }
      const produce = async (bytes: Buffer) => {
        const res = await connection.request(
          'produce',
          {acks: -1, batches: [{topic: 'seq', partition: 0, size: bytes.length}]},
          [bytes],
        )
        return res.results[0]!
      }
      expect(await produce(batch(0, 0, ['a', 'b']))).toMatchObject({baseOffset: 0})
      expect(await produce(batch(0, 2, ['c']))).toMatchObject({baseOffset: 2})
      // The same batch again: not written, answered with its first offset.
      expect(await produce(batch(0, 2, ['c']))).toMatchObject({baseOffset: 2})
      const gap = await produce(batch(0, 5, ['x']))
      expect(gap.error?.code).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
      expect(gap.error?.message).toBe(
        `Out of order sequence number for producer ${producerId} at offset 3 in partition seq-0: 5 (incoming seq. number), 2 (current end sequence number)`,
      )
      // A new epoch starts again at sequence 0; then the old epoch is refused.
      expect((await produce(batch(1, 3, ['y']))).error?.code).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
      expect(await produce(batch(1, 0, ['d']))).toMatchObject({baseOffset: 3})
      const old = await produce(batch(0, 3, ['z']))
      expect(old.error?.message).toBe(
        `Epoch of producer ${producerId} at offset 4 in seq-0 is 0, which is smaller than the last seen epoch 1`,
      )
      expect((await readAll('seq', 'read_uncommitted')).records).toEqual(['0:a', '1:b', '2:c', '3:d'])
    } finally {
      await connection.close()
    }
  })

  it("refuses settings that conflict with idempotence when it is asked for, with Kafka's messages", () => {
    expect(() => new KafkaProducer({...home.config, 'enable.idempotence': 'true', acks: '1'})).toThrow(
      'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.',
    )
    expect(() => new KafkaProducer({...home.config, 'transactional.id': 't', 'enable.idempotence': 'false'})).toThrow(
      'Cannot set a transactional.id without also enabling idempotence.',
    )
    expect(
      () =>
        new KafkaProducer({...home.config, 'enable.idempotence': 'true', 'max.in.flight.requests.per.connection': 6}),
    ).toThrow('Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.')
    // Not asked for explicitly: acks=1 quietly turns idempotence off, as in Kafka 3.2+.
    expect(() => new KafkaProducer({...home.config, acks: '1'})).not.toThrow()
  })
})

describe('transactions', () => {
  it('shows committed records to read_committed readers, never aborted ones, and never markers', async () => {
    await home.createTopic('tx')
    const producer = stringProducer({'transactional.id': 'writer'})
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({topic: 'tx', value: 'c1'})
    await producer.send({topic: 'tx', value: 'c2'})
    await producer.commitTransaction()
    producer.beginTransaction()
    await producer.send({topic: 'tx', value: 'a1'})
    await producer.abortTransaction()
    producer.beginTransaction()
    await producer.send({topic: 'tx', value: 'c3'})
    await producer.commitTransaction()
    await producer.close()
    // Markers take offsets 2, 4 and 6.
    expect(await readAll('tx', 'read_committed')).toEqual({records: ['0:c1', '1:c2', '5:c3'], end: 7})
    expect(await readAll('tx', 'read_uncommitted')).toEqual({records: ['0:c1', '1:c2', '3:a1', '5:c3'], end: 7})
  })

  it('sends a full batch at once, and the commit right behind the rest of the batches, without waiting for answers', async () => {
    await home.createTopic('pipelined', 3)
    const proxy = new AckDroppingProxy(brokerPaths(home.dir).socket)
    await proxy.listen()
    // Small batches that linger: at commit, each partition has full batches waiting and one open batch.
    const producer = stringProducer({
      'kafkalite.home': proxy.home,
      'transactional.id': 'pipelined',
      'batch.size': '200',
      'linger.ms': '60000',
    })
    try {
      await producer.initTransactions()
      await producer.partitionsFor('pipelined') // the topic's metadata, known before the transaction
      proxy.log.length = 0
      producer.beginTransaction()
      const acks = Array.from({length: 30}, (_, i) =>
        producer.send({topic: 'pipelined', partition: i % 3, value: `record-${i}`}),
      )
      await producer.commitTransaction()
      expect((await Promise.all(acks)).map((m) => m.offset)).toEqual(Array.from({length: 30}, (_, i) => (i / 3) | 0))
      // The first batch to fill goes while nothing is in flight; at commit the other 5 (full or not) go in one
      // request, and the commit follows it before any answer has come back.
      expect(proxy.log).toEqual(['> produce 1', '> produce 5', '> endTxn', '< produce', '< produce', '< endTxn'])
    } finally {
      await producer.close()
      await proxy.close()
    }
    expect((await readAll('pipelined', 'read_committed', 2)).records).toHaveLength(10)
  })

  it('commits once when the answer to a commit is lost: the resent commit succeeds, and no abort can undo it', async () => {
    await home.createTopic('lost-commit')
    const proxy = new AckDroppingProxy(brokerPaths(home.dir).socket)
    await proxy.listen()
    const producer = stringProducer({
      'kafkalite.home': proxy.home,
      'transactional.id': 'lost-commit',
      'retry.backoff.ms': '10',
      'delivery.timeout.ms': '400',
    })
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.send({topic: 'lost-commit', value: 'once'})
      // Every answer to EndTxn is lost until the producer gives up: the daemon committed, the producer cannot know.
      proxy.dropAcksOf = 'endTxn'
      await expect(producer.commitTransaction()).rejects.toThrow()
      expect(proxy.dropped).toBeGreaterThan(0)
      proxy.dropAcksOf = null
      // As Java's producer: after a commit of unknown outcome only the commit may be called again, never an abort.
      await expect(producer.abortTransaction()).rejects.toThrow(
        'Cannot attempt operation `abortTransaction` because the previous call to `commitTransaction` timed out and must be retried',
      )
      await producer.commitTransaction() // the retry says so, and the daemon answers a committed commit with success
      // A new transaction whose records never reached the log can still be aborted.
      producer.beginTransaction()
      await producer.abortTransaction()
      await expect(producer.abortTransaction()).rejects.toThrow(/cannot abort a transaction in state READY/)
    } finally {
      await producer.close()
      await proxy.close()
    }
    expect(await readAll('lost-commit', 'read_committed')).toEqual({records: ['0:once'], end: 2})
  })

  it('holds read_committed readers at the last stable offset while a transaction is open', async () => {
    await home.createTopic('lso')
    const plain = stringProducer()
    await plain.send({topic: 'lso', value: 'before'})
    const producer = stringProducer({'transactional.id': 'slow'})
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({topic: 'lso', value: 'pending'})
    await plain.send({topic: 'lso', value: 'after'}) // a non-transactional record behind the open transaction
    const committedView = await readAll('lso', 'read_committed')
    expect(committedView).toEqual({records: ['0:before'], end: 1})
    expect((await readAll('lso', 'read_uncommitted')).end).toBe(3)
    await producer.commitTransaction()
    expect(await readAll('lso', 'read_committed')).toEqual({records: ['0:before', '1:pending', '2:after'], end: 4})
    await producer.close()
    await plain.close()
  })

  it("fences a zombie: the older producer gets Kafka's ProducerFencedException and its open transaction is aborted", async () => {
    await home.createTopic('zombie')
    const zombie = stringProducer({'transactional.id': 'app'})
    await zombie.initTransactions()
    zombie.beginTransaction()
    await zombie.send({topic: 'zombie', value: 'from-zombie'})
    const successor = stringProducer({'transactional.id': 'app'})
    await successor.initTransactions()
    const fenced = await zombie.commitTransaction().catch((e: unknown) => e)
    expect(fenced).toBeInstanceOf(ProducerFencedException)
    expect((fenced as Error).message).toMatch(
      /^Producer with transactionalId 'app' and \(producerId=\d+, epoch=0\) has been fenced by another producer with the same transactionalId$/,
    )
    // Fatal: every later operation fails the same way.
    await expect(zombie.send({topic: 'zombie', value: 'late'})).rejects.toBeInstanceOf(ProducerFencedException)
    expect(() => zombie.beginTransaction()).toThrow(ProducerFencedException)
    successor.beginTransaction()
    await successor.send({topic: 'zombie', value: 'from-successor'})
    await successor.commitTransaction()
    await successor.close()
    await zombie.close()
    expect((await readAll('zombie', 'read_committed')).records).toEqual(['2:from-successor'])
  })

  it('commits consumed offsets with the transaction, and only if it commits', async () => {
    await home.createTopic('offsets-in')
    await home.createTopic('offsets-out')
    const admin = await Admin.create(home.config)
    const committed = async () =>
      (await admin.listConsumerGroupOffsets('g')).find((o) => o.topic === 'offsets-in')?.offset ?? null
    const producer = stringProducer({'transactional.id': 'processor'})
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({topic: 'offsets-out', value: 'x'})
    await producer.sendOffsetsToTransaction([{topic: 'offsets-in', partition: 0, offset: 5}], 'g')
    expect(await committed()).toBeNull()
    await producer.abortTransaction()
    expect(await committed()).toBeNull()
    producer.beginTransaction()
    await producer.sendOffsetsToTransaction([{topic: 'offsets-in', partition: 0, offset: 7}], 'g')
    // A read_committed consumer of the group waits for the open transaction's offsets (KIP-447): it is answered
    // UNSTABLE_OFFSET_COMMIT and asks again, until the transaction ends. Through the proxy its requests are seen.
    const proxy = new AckDroppingProxy(brokerPaths(home.dir).socket)
    await proxy.listen()
    const reader = new KafkaConsumer({
      'kafkalite.home': proxy.home,
      'group.id': 'g',
      'isolation.level': 'read_committed',
    })
    const waiting = reader.committed([{topic: 'offsets-in', partition: 0}])
    const asked = () => proxy.log.filter((frame) => frame === '> offsetFetch').length
    await waitFor(() => asked() >= 2, 10_000, 'the reader to be told to wait and ask again')
    await producer.commitTransaction()
    expect((await waiting)[0]?.offset).toBe(7)
    expect(await committed()).toBe(7)
    await reader.close()
    await proxy.close()
    await producer.close()
    await admin.close()
  })

  it('refuses a transactional offset commit from a consumer that lost its generation', async () => {
    await home.createTopic('gen-in')
    const consumer = new KafkaConsumer({...home.config, 'group.id': 'gen', 'auto.offset.reset': 'earliest'})
    consumer.subscribe(['gen-in'])
    await waitFor(async () => {
      await consumer.poll(100)
      return consumer.assignment().length === 1
    })
    const metadata = consumer.groupMetadata()
    const producer = stringProducer({'transactional.id': 'gen-tx'})
    await producer.initTransactions()
    producer.beginTransaction()
    const stale = {...metadata, generationId: metadata.generationId + 5}
    const error = await producer
      .sendOffsetsToTransaction([{topic: 'gen-in', partition: 0, offset: 1}], stale)
      .catch((e: unknown) => e)
    expect((error as KafkaException).code).toBe('COMMIT_FAILED')
    await expect(producer.commitTransaction()).rejects.toThrow(/Call abortTransaction\(\)/)
    await producer.abortTransaction()
    producer.beginTransaction()
    await producer.sendOffsetsToTransaction([{topic: 'gen-in', partition: 0, offset: 1}], consumer.groupMetadata())
    await producer.commitTransaction()
    expect((await consumer.committed([{topic: 'gen-in', partition: 0}]))[0]?.offset).toBe(1)
    await producer.close()
    await consumer.close()
  })

  it('aborts a transaction that runs past transaction.timeout.ms and fences its producer', async () => {
    await home.createTopic('expire')
    const producer = stringProducer({'transactional.id': 'sleepy', 'transaction.timeout.ms': '300'})
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({topic: 'expire', value: 'never'})
    // The daemon aborts it: the abort marker moves the last stable offset past the record.
    await waitFor(async () => (await readAll('expire', 'read_committed')).end === 2, 10_000)
    expect((await readAll('expire', 'read_committed')).records).toEqual([])
    await expect(producer.commitTransaction()).rejects.toBeInstanceOf(ProducerFencedException)
    await producer.close()
  })

  it('refuses a transaction timeout above transaction.max.timeout.ms', async () => {
    const producer = stringProducer({'transactional.id': 'long', 'transaction.timeout.ms': String(16 * 60_000)})
    await expect(producer.initTransactions()).rejects.toThrow(
      /The transaction timeout 960000 ms is larger than the maximum value allowed by the broker \(as configured by transaction.max.timeout.ms: 900000 ms\)/,
    )
    await producer.close()
  })

  it('keeps an open transaction across a kill -9 of the daemon, then aborts it when it times out', async () => {
    await home.createTopic('crash')
    const producer = stringProducer({'transactional.id': 'survivor', 'transaction.timeout.ms': '1500'})
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({topic: 'crash', value: 'in-flight'})
    process.kill(home.daemonPid()!, 'SIGKILL')
    await waitFor(() => {
      try {
        process.kill(home.daemonPid()!, 0)
        return false
      } catch {
        return true
      }
    })
    // The restarted daemon still holds readers back at the open transaction...
    const admin = await Admin.create(home.config)
    expect((await readAll('crash', 'read_committed')).end).toBe(0)
    // ...until its timeout aborts it.
    await waitFor(async () => (await readAll('crash', 'read_committed')).end === 2, 15_000)
    expect((await readAll('crash', 'read_uncommitted')).records).toEqual(['0:in-flight'])
    expect((await readAll('crash', 'read_committed')).records).toEqual([])
    await admin.close()
    await producer.close().catch(() => {})
  })

  it('forgets idle producers and unused transactional ids once they expire, and takes an expired producer back', async () => {
    home.setServerProperties({
      'producer.id.expiration.ms': 300,
      'producer.id.expiration.check.interval.ms': 50,
      'transactional.id.expiration.ms': 300,
      'transaction.remove.expired.transaction.cleanup.interval.ms': 50,
    })
    await home.createTopic('idle')
    const admin = await Admin.create(home.config)
    const idempotent = stringProducer()
    try {
      const transactional = stringProducer({'transactional.id': 'idle-writer'})
      await transactional.initTransactions()
      transactional.beginTransaction()
      await transactional.send({topic: 'idle', value: 't'})
      await transactional.commitTransaction()
      await transactional.close()
      await idempotent.send({topic: 'idle', value: 'i1'})
      await idempotent.send({topic: 'idle', value: 'i2'})
      expect((await admin.describeProducers([{topic: 'idle', partition: 0}]))[0]!.producers).toHaveLength(2)
      expect(await admin.listTransactions()).toHaveLength(1)
      await waitFor(
        async () => (await admin.describeProducers([{topic: 'idle', partition: 0}]))[0]!.producers.length === 0,
        5000,
        'the idle producers to expire',
      )
      await waitFor(async () => (await admin.listTransactions()).length === 0, 5000, 'the transactional id to expire')
      // The idempotent producer goes on at sequence 2: the partition, which forgot it, takes it at its word.
      expect(await idempotent.send({topic: 'idle', value: 'i3'})).toMatchObject({offset: 4})
    } finally {
      await idempotent.close()
      await admin.close()
    }
    expect((await readAll('idle', 'read_committed')).records).toEqual(['0:t', '2:i1', '3:i2', '4:i3'])
  })

  it('requires initTransactions and beginTransaction before a transactional send', async () => {
    const producer = stringProducer({'transactional.id': 'early'})
    await expect(producer.send({topic: 'x', value: 'v'})).rejects.toThrow(
      "Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled.",
    )
    await producer.initTransactions()
    await expect(producer.send({topic: 'x', value: 'v'})).rejects.toThrow(/Cannot call send in state READY/)
    await producer.close()
  })
})

describe('the Java-style client API', () => {
  it('runs interceptors declared in interceptor.classes and reports named metrics', async () => {
    await home.createTopic('intercepted')
    const acknowledged: number[] = []
    class Stamp implements ProducerInterceptor<string, string> {
      onSend(record: {topic: string; value?: string | null}) {
        return {...record, value: `${record.value}!`}
      }
      onAcknowledgement(metadata: {offset: number} | null) {
        if (metadata) acknowledged.push(metadata.offset)
      }
    }
    const producer = new KafkaProducer(
      {...home.config, 'interceptor.classes': [Stamp]},
      new StringSerializer(),
      new StringSerializer(),
    )
    await producer.send({topic: 'intercepted', value: 'a'})
    await producer.send({topic: 'intercepted', value: 'b'})
    const pm = producer.metrics()
    expect(pm.get('record-send-total')?.value).toBe(2)
    expect(pm.get('request-latency-avg')?.value).toBeGreaterThanOrEqual(0)
    expect(pm.get('record-send-total')).toMatchObject({group: 'producer-metrics', tags: {'client-id': 'producer-1'}})
    await producer.close()
    expect(acknowledged).toEqual([0, 1])

    const committedOffsets: number[] = []
    const upper: ConsumerInterceptor<string, string> = {
      onConsume: (records) => records,
      onCommit: (offsets) => committedOffsets.push(...offsets.map((o) => o.offset)),
    }
    const consumer = new KafkaConsumer(
      {...home.config, 'group.id': 'ic', 'auto.offset.reset': 'earliest', 'interceptor.classes': [upper]},
      new StringDeserializer(),
      new StringDeserializer(),
    )
    consumer.assign([{topic: 'intercepted', partition: 0}])
    const values: string[] = []
    await waitFor(async () => {
      for (const r of await consumer.poll(200)) values.push(r.value!)
      return values.length === 2
    })
    expect(values).toEqual(['a!', 'b!'])
    await consumer.commitSync()
    expect(committedOffsets).toEqual([2])
    expect(consumer.metrics().get('records-consumed-total')?.value).toBe(2)
    expect(consumer.metrics().get('records-lag-max')?.value).toBe(0)
    await consumer.close()
  })

  it('raises typed exceptions named as Kafka names them', async () => {
    const connection = await Connection.open({home: home.dir})
    try {
      await home.createTopic('typed')
      const produce = (sequence: number) => {
        const b = new BatchBuilder({maxBytes: 1024})
        b.append(0, null, Buffer.from('v'))
        b.setProducerState(99, 0, sequence, false)
        const bytes = b.build()
        return connection.request(
          'produce',
          {acks: -1, batches: [{topic: 'typed', partition: 0, size: bytes.length}]},
          [bytes],
        )
      }
      await produce(0)
      const res = await produce(7) // a gap in the sequence of a producer the partition knows
      const {errorFromData} = await import('../../../src/errors.js')
      const error = errorFromData(res.results[0]!.error!)
      expect(error).toBeInstanceOf(OutOfOrderSequenceException)
      expect(error).toBeInstanceOf(KafkaException)
      expect(error.name).toBe('OutOfOrderSequenceException')
      expect(errorFromData({code: 'INVALID_PRODUCER_EPOCH', message: 'm'})).toBeInstanceOf(
        InvalidProducerEpochException,
      )
    } finally {
      await connection.close()
    }
  })
})
