import {describe, expect, it} from 'vitest'
import {Connection} from '../../../src/client/connection.js'
import {readBatchHeader} from '../../../src/protocol/kafka/record-batch.js'
import {exited, readUntil, TestHome, uniqueTopic, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest()

const consumeAll = (topic: string, ...extra: string[]) =>
  home.run(['console-consumer', '--topic', topic, '--from-beginning', '--exit-at-end', ...extra])

/** The batches stored for partition 0 of a topic, as a fetch returns them. */
async function storedBatches(topic: string): Promise<Buffer> {
  const connection = await Connection.open({home: home.dir})
  try {
    const {payload} = await connection.requestWithPayload('fetch', {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      partitions: [{topic, partition: 0, offset: 0, maxBytes: 1 << 20}],
    })
    return payload
  } finally {
    connection.close()
  }
}

describe('console-producer and console-consumer', () => {
  it("produces lines and reads them back from the beginning, with Kafka's closing count", async () => {
    const topic = uniqueTopic()
    const produced = await home.run(['console-producer', '--bootstrap-server', 'localhost:9092', '--topic', topic], {
      input: 'first\nsecond\nthird\n',
    })
    expect(produced.stderr).not.toMatch(/Error/)
    expect(produced.code).toBe(0)
    const consumed = await consumeAll(topic)
    expect(consumed.code).toBe(0)
    expect(consumed.stdout).toBe('first\nsecond\nthird\n')
    expect(consumed.stderr).toMatch(/Processed a total of 3 messages\n$/)
  })

  it('creates a missing topic on produce, as auto.create.topics.enable does', async () => {
    const topic = uniqueTopic('auto')
    await home.run(['console-producer', '--topic', topic], {input: 'x\n'})
    const list = await home.run(['topics', '--list'])
    expect(list.stdout).toBe(`${topic}\n`)
  })

  it('parses keys and headers and prints them with the formatter properties', async () => {
    const topic = uniqueTopic()
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '1'])
    const input = 'h1:v1,h2:v2\tkey1\tvalue1\nh3:v3\tkey2\tvalue2\n'
    const res = await home.run(
      ['console-producer', '--topic', topic, '--property', 'parse.key=true', '--property', 'parse.headers=true'],
      {input},
    )
    expect(res.code).toBe(0)
    const out = await consumeAll(
      topic,
      '--property',
      'print.key=true',
      '--property',
      'print.headers=true',
      '--property',
      'print.offset=true',
      '--property',
      'print.partition=true',
    )
    expect(out.stdout).toBe(
      'Partition:0\tOffset:0\th1:v1,h2:v2\tkey1\tvalue1\nPartition:0\tOffset:1\th3:v3\tkey2\tvalue2\n',
    )
  })

  it('keeps null keys and values apart from empty ones with null.marker and null.literal', async () => {
    const topic = uniqueTopic()
    await home.run(
      ['console-producer', '--topic', topic, '--property', 'parse.key=true', '--property', 'null.marker=<NULL>'],
      {
        input: '<NULL>\tv1\nk2\t<NULL>\nk3\t\n',
      },
    )
    const out = await consumeAll(topic, '--property', 'print.key=true', '--property', 'null.literal=(null)')
    expect(out.stdout).toBe('(null)\tv1\nk2\t(null)\nk3\t\n')
  })

  it('stops at a line without a key separator, after the lines before it were acknowledged', async () => {
    const topic = uniqueTopic()
    const res = await home.run(['console-producer', '--topic', topic, '--property', 'parse.key=true'], {
      input: 'a\t1\nb\t2\nno-separator\nc\t3\n',
    })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/No key separator found on line number 3: 'no-separator'/)
    const out = await consumeAll(topic, '--property', 'print.key=true')
    expect(out.stdout).toBe('a\t1\nb\t2\n')
    // A first line that does not parse sends nothing, so it creates no topic either (as in Kafka, where the
    // reader fails before the first send).
    const untouched = uniqueTopic()
    const bad = await home.run(['console-producer', '--topic', untouched, '--property', 'parse.key=true'], {
      input: 'no-separator\n',
    })
    expect(bad.code).toBe(1)
    expect((await home.run(['topics', '--list'])).stdout).not.toContain(untouched)
  })

  it('refuses a record larger than max.message.bytes with a clear error', async () => {
    const topic = uniqueTopic()
    await home.run(['topics', '--create', '--topic', topic, '--config', 'max.message.bytes=200'])
    const res = await home.run(['console-producer', '--topic', topic], {input: `small\n${'x'.repeat(500)}\n`})
    expect(res.code).toBe(1)
    // Kafka's ErrorLoggingCallback: the sizes of the record that failed, which had a value.
    expect(res.stderr).toMatch(
      new RegExp(
        `^ERROR Error when sending message to topic ${topic} with key: null, value: 500 bytes with error: The message is \\d+ bytes when serialized which is larger than the max\\.message\\.bytes of topic '${topic}' \\(200\\)`,
      ),
    )
    expect((await consumeAll(topic)).stdout).toBe('small\n')
    const keyed = await home.run(['console-producer', '--topic', topic, '--property', 'parse.key=true'], {
      input: `k\t${'y'.repeat(300)}\n`,
    })
    expect(keyed.stderr).toMatch(/with key: 1 bytes, value: 300 bytes with error: The message is/)
  })

  it('carries on when its topic is deleted and created again with fewer partitions, as Kafka clients do', async () => {
    const topic = uniqueTopic('gone')
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '3'])
    const consumer = home.spawn(['console-consumer', '--topic', topic, '--from-beginning'])
    const stderr: string[] = []
    consumer.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()))
    const producer = home.spawn([
      'console-producer',
      '--topic',
      topic,
      '--producer-property',
      'delivery.timeout.ms=1500',
      '--producer-property',
      'linger.ms=0',
    ])
    for (let i = 0; i < 6; i++) producer.stdin!.write(`a${i}\n`)
    await readUntil(consumer, (t) => t.split('\n').filter((l) => l.startsWith('a')).length === 6, 20_000)
    await home.run(['topics', '--delete', '--topic', topic])
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '1'])
    // Records the producer had placed on partitions 1 and 2 fail after delivery.timeout.ms; the ones after them go to
    // the topic's one partition, and the consumer, which only logged the missing partitions, reads them.
    let i = 0
    const feed = setInterval(() => producer.stdin!.write(`b${i++}\n`), 50)
    try {
      await readUntil(consumer, (t) => /\nb\d+\n/.test(`\n${t}`), 20_000)
    } finally {
      clearInterval(feed)
    }
    producer.stdin!.end()
    await exited(producer)
    expect(consumer.exitCode).toBeNull() // still running
    expect(stderr.join('')).toMatch(/Received UNKNOWN_TOPIC_OR_PARTITION in fetch for partition gone-[0-9a-f]+-[12]/)
    consumer.kill('SIGINT')
    await exited(consumer)
  }, 60_000)

  it('refuses a line longer than max.request.size as soon as it is read past the limit, naming the line', async () => {
    const topic = uniqueTopic('long')
    const input = Buffer.concat([Buffer.from('ok\n'), Buffer.alloc(100 * 1024 * 1024, 'x'), Buffer.from('\nafter\n')])
    const started = Date.now()
    const res = await home.run(['console-producer', '--topic', topic], {input, timeoutMs: 60_000})
    // Reading stops at the limit: 100 MB are never held (a quadratic read took ~20 s and 300 MB for this).
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      "Error: Line 2 is longer than 1048576 bytes, the producer's max.request.size: a record made of it cannot be sent. Split the line, or raise the limit with --producer-property max.request.size=<bytes> (the topic's max.message.bytes limits records too).\n",
    )
    expect((await consumeAll(topic)).stdout).toBe('ok\n')
    const json = await home.run(['console-producer', '--topic', topic, '--format', 'json'], {
      input: `{"value":"${'y'.repeat(7 * 1024 * 1024)}"}\n`,
    })
    expect(json.stderr).toMatch(
      /^Error: Line 1 is longer than \d+ bytes, the longest JSON line of a record within the producer's max\.request\.size \(1048576 bytes\)/,
    )
  }, 60_000)

  it('copies a topic through the JSON-lines format, binary and UTF-8 values, headers and nulls included', async () => {
    const source = uniqueTopic('src')
    const copy = uniqueTopic('copy')
    await home.run(['topics', '--create', '--topic', source, '--partitions', '3'])
    await home.run(['topics', '--create', '--topic', copy, '--partitions', '3'])
    const lines = [
      {
        partition: 0,
        key: 'k',
        value: 'héllo wörld ✓',
        headers: [
          {key: 'a', value: '1'},
          {key: 'a', value: null},
        ],
      },
      {partition: 1, key: null, value: null, headers: []},
      {partition: 2, key: '', value: '', headers: []},
      {
        partition: 2,
        key: 'bin',
        value: Buffer.from([0, 255, 128, 10, 13]).toString('base64'),
        valueEncoding: 'base64',
        headers: [],
      },
    ]
    const input = lines.map((l) => JSON.stringify({...l, timestamp: 1_700_000_000_000})).join('\n') + '\n'
    const produced = await home.run(['console-producer', '--topic', source, '--format', 'json'], {input})
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const dumped = await consumeAll(source, '--format', 'json')
    expect(dumped.code).toBe(0)
    const piped = await home.run(['console-producer', '--topic', copy, '--format', 'json'], {input: dumped.stdout})
    expect(piped.code).toBe(0)
    const again = await consumeAll(copy, '--format', 'json')
    const strip = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((l) => {
          const {topic: _t, ...rest} = JSON.parse(l) as Record<string, unknown>
          return rest
        })
        .sort((a, b) => Number(a.partition) - Number(b.partition) || Number(a.offset) - Number(b.offset))
    expect(strip(again.stdout)).toEqual(strip(dumped.stdout))
    const records = strip(dumped.stdout)
    expect(records).toHaveLength(4)
    expect(records[0]).toMatchObject({partition: 0, key: 'k', value: 'héllo wörld ✓', timestamp: 1_700_000_000_000})
    expect(records[1]).toMatchObject({partition: 1, key: null, value: null})
    expect(records[3]).toMatchObject({
      valueEncoding: 'base64',
      value: Buffer.from([0, 255, 128, 10, 13]).toString('base64'),
    })
  })

  it('reads one partition from an offset and stops at --max-messages', async () => {
    const topic = uniqueTopic()
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '2'])
    const input = Array.from({length: 10}, (_, i) => `${i}`).join('\n') + '\n'
    await home.run(['console-producer', '--topic', topic, '--partition', '1'], {input})
    const out = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--partition',
      '1',
      '--offset',
      '4',
      '--max-messages',
      '3',
    ])
    expect(out.stdout).toBe('4\n5\n6\n')
    expect(out.stderr).toMatch(/Processed a total of 3 messages/)
    const empty = await home.run([
      'console-consumer',
      '--topic',
      topic,
      '--partition',
      '0',
      '--offset',
      'earliest',
      '--timeout-ms',
      '200',
    ])
    expect(empty.code).toBe(0)
    expect(empty.stdout).toBe('')
  })

  it("starts where Kafka's ConsoleConsumerOptions say, for every combination of --partition, --offset, --from-beginning and --group", async () => {
    const topic = uniqueTopic()
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '2'])
    await home.run(['console-producer', '--topic', topic, '--partition', '0'], {input: 'a0\na1\na2\na3\na4\n'})
    await home.run(['console-producer', '--topic', topic, '--partition', '1'], {input: 'b0\nb1\nb2\n'})
    // Every run stops by itself: after 5 s at most when records are expected, after 1 s of silence otherwise.
    const read = async (expected: number, ...args: string[]) => {
      const limits =
        expected > 0 ? ['--max-messages', String(expected), '--timeout-ms', '5000'] : ['--timeout-ms', '1000']
      const out = await home.run(['console-consumer', '--topic', topic, ...args, ...limits])
      expect(out.code, out.stderr).toBe(0)
      return out.stdout
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '')
        .sort()
    }
    // --partition without --offset: --from-beginning starts at the earliest offset, its absence at the latest.
    expect(await read(5, '--partition', '0', '--from-beginning')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
    expect(await read(3, '--partition', '1', '--from-beginning')).toEqual(['b0', 'b1', 'b2'])
    expect(await read(0, '--partition', '0')).toEqual([])
    // --partition with --offset: earliest, latest (any case, as Kafka lowercases it) or an offset.
    expect(await read(5, '--partition', '0', '--offset', 'earliest')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
    expect(await read(5, '--partition', '0', '--offset', 'EARLIEST')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
    expect(await read(0, '--partition', '0', '--offset', 'latest')).toEqual([])
    expect(await read(2, '--partition', '0', '--offset', '3')).toEqual(['a3', 'a4'])
    // No --partition: every partition, from the beginning or from the end.
    expect(await read(8, '--from-beginning')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2'])
    expect(await read(0)).toEqual([])
    // --group: --from-beginning applies only while the group has no committed offset.
    expect(await read(8, '--group', 'g1', '--from-beginning')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2'])
    expect(await read(0, '--group', 'g1', '--from-beginning')).toEqual([])
    expect(await read(0, '--group', 'g2')).toEqual([])
    // The combinations Kafka refuses, with its messages.
    const refused = async (message: RegExp, ...args: string[]) => {
      const out = await home.run(['console-consumer', ...args])
      expect(out.code, out.stderr).toBe(2)
      expect(out.stderr).toMatch(message)
    }
    await refused(
      /Options from-beginning and offset cannot be specified together\./,
      '--topic',
      topic,
      '--partition',
      '0',
      '--offset',
      '1',
      '--from-beginning',
    )
    await refused(/The partition is required when offset is specified\./, '--topic', topic, '--offset', '1')
    await refused(
      /The partition is required when offset is specified\./,
      '--topic',
      topic,
      '--offset',
      '1',
      '--from-beginning',
    )
    await refused(/The topic is required when partition is specified\./, '--include', 't.*', '--partition', '0')
    await refused(
      /Options group and partition cannot be specified together\./,
      '--topic',
      topic,
      '--group',
      'g1',
      '--partition',
      '0',
    )
    await refused(
      /Options group and partition cannot be specified together\./,
      '--topic',
      topic,
      '--consumer-property',
      'group.id=g1',
      '--partition',
      '0',
      '--from-beginning',
    )
  }, 90_000)

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)(
    'sends the records it has read before it exits on %s (exit %d), and says how many',
    async (signal, exitCode) => {
      const topic = uniqueTopic('sig')
      // linger.ms of a minute: the records wait in the producer's buffer until it closes.
      const child = home.spawn(['console-producer', '--topic', topic, '--timeout', '60000'])
      let stderr = ''
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
      child.stdin!.write(Array.from({length: 20}, (_, i) => `slow-${i}\n`).join(''))
      // The topic is created by the producer's metadata request when the input arrives.
      await waitFor(async () => (await home.run(['topics', '--list'])).stdout.includes(topic), 10_000, 'the topic')
      child.kill(signal)
      expect(await exited(child), stderr).toBe(exitCode)
      // Every line read before the signal (all 20, unless the machine is slow) is in the topic, and stderr says so.
      const [, read] =
        /^Error: Interrupted by \w+: (\d+) record\(s\) were written; the input after line \1 was not read\.\n$/.exec(
          stderr,
        ) ?? []
      expect(stderr).toMatch(new RegExp(`^Error: Interrupted by ${signal}: `))
      expect(Number(read)).toBeGreaterThan(0)
      const out = await consumeAll(topic)
      expect(out.stdout).toBe(Array.from({length: Number(read)}, (_, i) => `slow-${i}\n`).join(''))
    },
  )

  it('waits for a slow reader without adding a listener per wait', async () => {
    const topic = uniqueTopic('pipe')
    const lines = Array.from({length: 100_000}, (_, i) => `record-${String(i).padStart(8, '0')}-${'x'.repeat(32)}\n`)
    expect((await home.run(['console-producer', '--topic', topic], {input: lines.join('')})).code).toBe(0)
    // 5 MB to a reader that pauses after each chunk: the consumer waits for 'drain' dozens of times.
    const child = home.spawn(['console-consumer', '--topic', topic, '--from-beginning', '--exit-at-end'])
    let bytes = 0
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdout!.on('data', (c: Buffer) => {
      bytes += c.length
      child.stdout!.pause()
      setTimeout(() => child.stdout!.resume(), 5)
    })
    expect(await exited(child)).toBe(0)
    expect(stderr).toBe('Processed a total of 100000 messages\n')
    expect(bytes).toBe(lines.join('').length)
  }, 60_000)

  it("places keyed records on the partition Kafka's murmur2 partitioner picks", async () => {
    const topic = uniqueTopic()
    await home.run(['topics', '--create', '--topic', topic, '--partitions', '3'])
    // From the reference: "key" -> partition 1, "foo" -> 2, "hello" -> 0 of 3.
    await home.run(['console-producer', '--topic', topic, '--property', 'parse.key=true'], {
      input: 'key\ta\nfoo\tb\nhello\tc\n',
    })
    const out = await consumeAll(topic, '--property', 'print.key=true', '--property', 'print.partition=true')
    expect(out.stdout.trimEnd().split('\n').sort()).toEqual([
      'Partition:0\thello\tc',
      'Partition:1\tkey\ta',
      'Partition:2\tfoo\tb',
    ])
  })

  it('waits for new records (long poll) and exits cleanly on Ctrl-C', async () => {
    const topic = uniqueTopic()
    await home.run(['topics', '--create', '--topic', topic])
    const consumer = home.spawn(['console-consumer', '--topic', topic])
    // The consumer starts at the end; give it time to resolve its position by producing until it prints.
    let stop = false
    const producing = (async () => {
      for (let i = 0; !stop && i < 100; i++) {
        await home.run(['console-producer', '--topic', topic], {input: `live-${i}\n`})
      }
    })()
    await readUntil(consumer, (t) => t.includes('live-'))
    stop = true
    await producing
    consumer.kill('SIGINT')
    expect(await exited(consumer)).toBe(0)
  })

  it("refuses Kafka's invalid option combinations", async () => {
    const groupAndPartition = await home.run(['console-consumer', '--topic', 't', '--group', 'g1', '--partition', '0'])
    expect(groupAndPartition.code).toBe(2)
    expect(groupAndPartition.stderr).toMatch(/Options group and partition cannot be specified together\./)
    const mismatch = await home.run([
      'console-consumer',
      '--topic',
      't',
      '--group',
      'a',
      '--consumer-property',
      'group.id=b',
    ])
    expect(mismatch.stderr).toMatch(
      /The group ids provided in different places .* do not match\. Detected group ids: 'a', 'b'/,
    )
    const both = await home.run(['console-consumer', '--topic', 't', '--include', 't.*'])
    expect(both.stderr).toMatch(/Exactly one of --include\/--topic is required/)
    expect(both.code).toBe(2)
    const offsetAlone = await home.run(['console-consumer', '--topic', 't', '--offset', '3'])
    expect(offsetAlone.stderr).toMatch(/The partition is required when offset is specified\./)
    const badOffset = await home.run(['console-consumer', '--topic', 't', '--partition', '0', '--offset', 'soon'])
    expect(badOffset.stderr).toMatch(
      /The provided offset value 'soon' is incorrect\. Valid values are 'earliest', 'latest', or a non-negative long\./,
    )
  })

  it('reads every topic matching --include', async () => {
    const a = uniqueTopic('inc-a')
    const b = uniqueTopic('inc-b')
    await home.run(['console-producer', '--topic', a], {input: 'from-a\n'})
    await home.run(['console-producer', '--topic', b], {input: 'from-b\n'})
    const out = await home.run(['console-consumer', '--include', 'inc-.*', '--from-beginning', '--exit-at-end'])
    expect(out.stdout.trimEnd().split('\n').sort()).toEqual(['from-a', 'from-b'])
  })

  it.each([
    ['snappy', 2],
    ['lz4', 3],
    ['gzip', 1],
    ['zstd', 4],
  ])('stores batches compressed with --compression-codec %s (codec %d) and reads them back', async (codec, id) => {
    const topic = uniqueTopic()
    const lines = Array.from({length: 2000}, (_, i) => `order-${i % 50},{"item":${i},"qty":${i % 7}}\n`).join('')
    const res = await home.run(['console-producer', '--topic', topic, '--compression-codec', codec], {input: lines})
    expect(res.code).toBe(0)
    expect((await consumeAll(topic)).stdout).toBe(lines)
    // The stored batches, as a fetch returns them: compressed with that codec, and much smaller than the lines.
    const stored = await storedBatches(topic)
    expect(readBatchHeader(stored).compression).toBe(id)
    expect(stored.length).toBeLessThan(Buffer.byteLength(lines) / 2)
  })

  it.each([
    ['lz4', 'gzip', 3],
    ['zstd', 'none', 4],
    ['gzip', 'zstd', 1],
    ['uncompressed', 'snappy', 0],
  ])(
    'stores batches with the codec of a topic whose compression.type is %s (the producer used %s)',
    async (topicCodec, producerCodec, id) => {
      const topic = uniqueTopic()
      const created = await home.run([
        'topics',
        '--create',
        '--topic',
        topic,
        '--config',
        `compression.type=${topicCodec}`,
      ])
      expect(created.code).toBe(0)
      const lines = Array.from({length: 500}, (_, i) => `line ${i} ${'x'.repeat(i % 40)}\n`).join('')
      const res = await home.run(['console-producer', '--topic', topic, '--compression-codec', producerCodec], {
        input: lines,
      })
      expect(res.code).toBe(0)
      expect((await consumeAll(topic)).stdout).toBe(lines)
      expect(readBatchHeader(await storedBatches(topic)).compression).toBe(id)
    },
  )

  it('refuses an unknown --compression-codec with a clear error', async () => {
    const res = await home.run(['console-producer', '--topic', uniqueTopic(), '--compression-codec', 'brotli'], {
      input: 'a\n',
    })
    expect(res.code).not.toBe(0)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(/brotli/)
  })

  it('compresses with gzip when --compression-codec is given without a value', async () => {
    const topic = uniqueTopic()
    const res = await home.run(['console-producer', '--topic', topic, '--compression-codec'], {
      input: 'zipped\n'.repeat(100),
    })
    expect(res.code).toBe(0)
    const out = await consumeAll(topic)
    expect(out.stdout).toBe('zipped\n'.repeat(100))
  })
})
