// kafkalite verifiable-producer and verifiable-consumer (Kafka's VerifiableProducer and VerifiableConsumer) as the
// real CLI against a real daemon: their JSON events, field by field in Kafka's order, their end on a signal, and
// their errors.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {exited, readUntil, TestHome, QUICK_GROUPS} from '../../helpers/env.js'

const home = TestHome.forEachTest({serverProperties: QUICK_GROUPS})

const TS = '"timestamp":\\d+'
const lines = (stdout: string) => stdout.trimEnd().split('\n')
const names = (stdout: string) => lines(stdout).map((l) => (JSON.parse(l) as {name: string}).name)

describe('verifiable-producer', () => {
  it("prints Kafka's events in Kafka's field order", async () => {
    await home.createTopic('v', 1)
    const res = await home.run([
      'verifiable-producer',
      '--topic',
      'v',
      '--max-messages',
      '4',
      '--repeating-keys',
      '3',
      '--value-prefix',
      '7',
    ])
    expect(res.code, res.stderr).toBe(0)
    const out = lines(res.stdout)
    expect(out[0]).toMatch(new RegExp(`^\\{${TS},"name":"startup_complete"\\}$`))
    const keys = ['0', '1', '2', '0']
    for (let i = 0; i < 4; i++) {
      expect(out[1 + i]).toMatch(
        new RegExp(
          `^\\{${TS},"name":"producer_send_success","key":"${keys[i]}","value":"7\\.${i}","offset":${i},"topic":"v","partition":0\\}$`,
        ),
      )
    }
    expect(out[5]).toMatch(new RegExp(`^\\{${TS},"name":"shutdown_complete"\\}$`))
    expect(out[6]).toMatch(
      new RegExp(
        `^\\{${TS},"name":"tool_data","sent":4,"acked":4,"target_throughput":-1,"avg_throughput":\\d+\\.\\d+(E-?\\d+)?\\}$`,
      ),
    )
    expect(out).toHaveLength(7)
    // The records are in the topic: values 7.0 to 7.3, keys 0, 1, 2, 0.
    const consumed = await home.run([
      'console-consumer',
      '--topic',
      'v',
      '--from-beginning',
      '--exit-at-end',
      '--property',
      'print.key=true',
    ])
    expect(consumed.stdout).toBe('0\t7.0\n1\t7.1\n2\t7.2\n0\t7.3\n')
  })

  it('prints producer_send_error for a record the producer refuses, with its exception class and message', async () => {
    const config = join(home.dir, 'producer.properties')
    writeFileSync(config, 'max.request.size=10\n')
    const res = await home.run([
      'verifiable-producer',
      '--topic',
      'big',
      '--max-messages',
      '1',
      '--command-config',
      config,
    ])
    expect(res.code, res.stderr).toBe(0)
    const out = lines(res.stdout)
    expect(out[1]).toMatch(
      new RegExp(
        `^\\{${TS},"name":"producer_send_error","topic":"big","key":null,"value":"0","exception":"class org\\.apache\\.kafka\\.common\\.errors\\.RecordTooLargeException","message":"The message is \\d+ bytes when serialized which is larger than 10, which is the value of the max\\.request\\.size configuration\\."\\}$`,
      ),
    )
    expect(out[3]).toMatch(/"name":"tool_data","sent":1,"acked":0,"target_throughput":-1,"avg_throughput":0\.0\}$/)
  })

  it('stops on SIGTERM with shutdown_complete and tool_data', async () => {
    await home.createTopic('forever', 1)
    const child = home.spawn(['verifiable-producer', '--topic', 'forever', '--throughput', '200'])
    let stdout = ''
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
    await readUntil(child, (text) => text.includes('"name":"producer_send_success"'))
    child.kill('SIGTERM')
    expect(await exited(child)).toBe(0)
    expect(stdout).toMatch(
      /"name":"shutdown_complete"\}\n\{"timestamp":\d+,"name":"tool_data","sent":\d+,"acked":\d+,"target_throughput":200,/,
    )
  })
})

describe('verifiable-consumer', () => {
  it("prints Kafka's events for a group: assignment, records, commits, and the end", async () => {
    await home.createTopic('c', 2)
    await home.run(['verifiable-producer', '--topic', 'c', '--max-messages', '6', '--repeating-keys', '2'])
    const res = await home.run([
      'verifiable-consumer',
      '--topic',
      'c',
      '--group-id',
      'checker',
      '--max-messages',
      '6',
      '--verbose',
    ])
    expect(res.code, res.stderr).toBe(0)
    const out = lines(res.stdout)
    const events = names(res.stdout)
    expect(events[0]).toBe('startup_complete')
    expect(events[1]).toBe('partitions_assigned')
    expect(events.slice(-3)).toEqual(['partitions_revoked', 'shutdown_complete', 'shutdown_requested'])
    expect(out[1]).toMatch(
      new RegExp(
        `^\\{${TS},"name":"partitions_assigned","partitions":\\[\\{"topic":"c","partition":0\\},\\{"topic":"c","partition":1\\}\\]\\}$`,
      ),
    )
    const data = out.filter((l) => l.includes('"record_data"'))
    expect(data).toHaveLength(6)
    for (const l of data) {
      expect(l).toMatch(
        new RegExp(
          `^\\{${TS},"name":"record_data","key":"[01]","value":"\\d","topic":"c","partition":[01],"offset":[0-2]\\}$`,
        ),
      )
    }
    const consumed = out.filter((l) => l.includes('"records_consumed"'))
    expect(consumed.length).toBeGreaterThan(0)
    expect(consumed[0]).toMatch(
      new RegExp(
        `^\\{${TS},"name":"records_consumed","count":\\d+,"partitions":\\[\\{"topic":"c","partition":[01],"count":\\d+,"minOffset":0,"maxOffset":\\d+\\}`,
      ),
    )
    const commits = out.filter((l) => l.includes('"offsets_committed"'))
    expect(commits.length).toBe(consumed.length)
    expect(commits.at(-1)).toMatch(
      new RegExp(`^\\{${TS},"name":"offsets_committed","offsets":\\[.*\\],"success":true\\}$`),
    )
    // Committed: 3 records per partition.
    const offsets = await home.withAdmin((admin) => admin.listConsumerGroupOffsets('checker'))
    expect(offsets.map((o) => [o.partition, o.offset]).sort()).toEqual([
      [0, 3],
      [1, 3],
    ])
  })

  it('stops on SIGTERM with shutdown_requested first, and commits nothing with --enable-autocommit events', async () => {
    await home.createTopic('s', 1)
    await home.run(['verifiable-producer', '--topic', 's', '--max-messages', '3'])
    const child = home.spawn(['verifiable-consumer', '--topic', 's', '--group-id', 'auto', '--enable-autocommit'])
    let stdout = ''
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
    await readUntil(child, (text) => text.includes('"name":"records_consumed"'))
    child.kill('SIGTERM')
    expect(await exited(child)).toBe(0)
    const events = names(stdout)
    expect(events.slice(-3)).toEqual(['shutdown_requested', 'partitions_revoked', 'shutdown_complete'])
    expect(events).not.toContain('offsets_committed')
  })

  it('refuses bad input in one line', async () => {
    const cases: [string[], string][] = [
      [
        ['--topic', 't', '--group-id', 'g', '--group-protocol', 'consumer'],
        '--group-protocol consumer (KIP-848) is not offered',
      ],
      [
        ['--topic', 't', '--group-id', 'g', '--group-protocol', 'x'],
        "Invalid --group-protocol 'x': must be one of CLASSIC, CONSUMER.",
      ],
      [['--topic', 't'], 'Missing required flag group-id'],
      [
        ['--topic', 't', '--group-id', 'g', '--max-messages', 'x'],
        "Invalid --max-messages 'x': an integer is required.",
      ],
    ]
    for (const [args, message] of cases) {
      const r = await home.run(['verifiable-consumer', ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
    const p = await home.run(['verifiable-producer', '--topic', 't', '--max-messages', '1', '--throughput', '0'])
    expect(p.code).toBe(2)
    expect(p.stderr).toContain('--throughput 0 would never send a message')
  })
})
