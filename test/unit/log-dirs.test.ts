// kafka-log-dirs' JSON (cli/log-dirs.ts): java.util.HashMap's iteration order, checked against the JDK's own output.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {BrokerCore} from '../../src/broker/core.js'
import {createLogger} from '../../src/broker/logger.js'
import {BatchBuilder} from '../../src/protocol/kafka/record-batch.js'
import {Store} from '../../src/store/store.js'
import {javaHashMapOrder, javaStringHash, topicPartitionHash} from '../../src/cli/java-compat.js'
import {brokerIdsText, logDirsJson} from '../../src/cli/log-dirs.js'

describe("kafka-log-dirs' HashMap order", () => {
  it('orders topic partitions as a HashMap<TopicPartition, ...> of the JDK iterates them', () => {
    const items = ['orders', 'clicks', 'a-very-long-topic-name'].flatMap((topic) =>
      Array.from({length: 12}, (_, partition) => ({topic, partition})),
    )
    const order = javaHashMapOrder(items, (i) => topicPartitionHash(i.topic, i.partition)).map(
      (i) => `${i.topic}-${i.partition}`,
    )
    // Printed by Java 17 with kafka-clients 4.4.0: new HashMap<TopicPartition, Integer>() filled in this order.
    expect(order.join(',')).toBe(
      'orders-8,orders-10,a-very-long-topic-name-0,a-very-long-topic-name-4,clicks-9,a-very-long-topic-name-2,clicks-11,a-very-long-topic-name-8,clicks-5,a-very-long-topic-name-6,clicks-7,clicks-1,orders-1,a-very-long-topic-name-10,clicks-3,orders-3,orders-5,orders-7,orders-9,orders-11,clicks-10,a-very-long-topic-name-3,a-very-long-topic-name-1,clicks-6,a-very-long-topic-name-7,clicks-8,a-very-long-topic-name-5,clicks-2,orders-0,a-very-long-topic-name-11,clicks-4,orders-2,a-very-long-topic-name-9,orders-4,clicks-0,orders-6',
    )
    expect(brokerIdsText([17, 3, 40, 1])).toBe('17,1,3,40') // new HashSet<>(List.of(17, 3, 40, 1))
    expect(javaStringHash('logDir')).toBe(-1097370967)
  })

  it("prints Kafka's JSON with the keys in Jackson's order of a HashMap", () => {
    const json = logDirsJson(
      new Map([
        [
          1,
          new Map([
            [
              '/data',
              {
                replicaInfos: [{topic: 't', partition: 0, size: 12, offsetLag: 0, isFuture: false}],
                totalBytes: -1,
                usableBytes: -1,
              },
            ],
          ]),
        ],
      ]),
      new Set(),
    )
    expect(json).toBe(
      '{"brokers":[{"broker":1,"logDirs":[{"partitions":[{"partition":"t-0","size":12,"offsetLag":0,"isFuture":false}],"error":null,"logDir":"/data"}]}],"version":1}',
    )
  })
})

describe('BrokerCore.describeLogDirs', () => {
  it("sizes each partition by the bytes of its stored batches, in the database's directory, for this broker only", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kl-log-dirs-'))
    const store = Store.open(join(dir, 'kafkalite.db'))
    const core = new BrokerCore(
      store,
      brokerConfigFrom({}, null),
      createLogger(() => {}),
    )
    try {
      core.broker.createTopic('a', 2, 1, {})
      core.broker.createTopic('b', 1, 1, {})
      const batch = (value: string) => {
        const b = new BatchBuilder({maxBytes: 1 << 20})
        b.append(1, null, Buffer.from(value))
        return Buffer.from(b.build())
      }
      const one = batch('x'.repeat(10))
      const two = batch('y'.repeat(500))
      core.produce({acks: -1, timeoutMs: 1000, batches: [{topic: 'a', partition: 1, records: one}]})
      core.produce({acks: -1, timeoutMs: 1000, batches: [{topic: 'a', partition: 1, records: two}]})
      const all = core.describeLogDirs({brokers: [1], topics: null})
      expect(all.brokers).toHaveLength(1)
      const logDir = all.brokers[0]!.logDirs[0]!
      expect(logDir.logDir).toBe(dir)
      expect(logDir.partitions).toEqual([
        {topic: 'a', partition: 0, size: 0, offsetLag: 0, isFuture: false},
        {topic: 'a', partition: 1, size: one.length + two.length, offsetLag: 0, isFuture: false},
        {topic: 'b', partition: 0, size: 0, offsetLag: 0, isFuture: false},
      ])
      expect(logDir.totalBytes).toBeGreaterThan(0)
      expect(logDir.usableBytes).toBeGreaterThanOrEqual(0)
      const some = core.describeLogDirs({
        brokers: [1, 2],
        topics: [
          {topic: 'a', partitions: [1]},
          {topic: 'c', partitions: [0]},
        ],
      })
      expect(some.brokers[0]!.logDirs[0]!.partitions.map((p) => `${p.topic}-${p.partition}`)).toEqual(['a-1'])
      expect(some.brokers[1]).toEqual({
        broker: 2,
        logDirs: [],
        error: {code: 'INVALID_REQUEST', message: 'Broker 2 is not in this cluster: its one broker is 1.'},
      })
    } finally {
      core.close()
      store.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
