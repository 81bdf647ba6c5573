// console-producer with a transactional.id sends all of stdin in one transaction; console-consumer
// --isolation-level read_committed shows only what was committed.
import {describe, expect, it} from 'vitest'
import {TestHome, exited, waitFor} from '../../helpers/env.js'

const home = TestHome.forEachTest()

const consume = (topic: string, isolation: string) =>
  home.run([
    'console-consumer',
    '--topic',
    topic,
    '--from-beginning',
    '--exit-at-end',
    '--isolation-level',
    isolation,
    '--property',
    'print.offset=true',
  ])

describe('transactional console tools', () => {
  it('commits all of stdin as one transaction, and aborts all of it when a line fails', async () => {
    await home.run(['topics', '--create', '--topic', 'tx'])
    const tx = ['--producer-property', 'transactional.id=loader']
    const ok = await home.run(['console-producer', '--topic', 'tx', ...tx], {input: 'a\nb\n'})
    expect(ok.code).toBe(0)
    // --sync: the first line's record is in the log before the second line fails (without it, it may still wait in
    // the producer's buffer, and the abort drops it there).
    const bad = await home.run(['console-producer', '--topic', 'tx', '--sync', '--property', 'parse.key=true', ...tx], {
      input: 'k\tc\nno-separator\n',
    })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/No key separator found on line number 2/)
    const committed = await consume('tx', 'read_committed')
    expect(committed.stdout).toBe('Offset:0\ta\nOffset:1\tb\n')
    // The aborted record is in the log (read_uncommitted shows it); the markers never show.
    const all = await consume('tx', 'read_uncommitted')
    expect(all.stdout).toBe('Offset:0\ta\nOffset:1\tb\nOffset:3\tc\n')
  })

  it('aborts the transaction on Ctrl-C', async () => {
    await home.run(['topics', '--create', '--topic', 'int'])
    const child = home.spawn(['console-producer', '--topic', 'int', '--producer-property', 'transactional.id=typist'])
    child.stdin!.write('typed\n')
    // Wait until the record reached the log (a read_uncommitted reader sees it), then interrupt.
    await waitFor(
      async () => (await consume('int', 'read_uncommitted')).stdout.includes('typed'),
      10_000,
      'the record to reach the log',
    )
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    child.kill('SIGINT')
    const code = await exited(child)
    expect(code).toBe(130)
    expect(stderr).toMatch(/Interrupted by SIGINT: the transaction of 1 record\(s\) was aborted\./)
    expect((await consume('int', 'read_committed')).stdout).toBe('')
  })

  it('aborts cleanly and exits 130 on Ctrl-C while records of the transaction are still buffered', async () => {
    await home.run(['topics', '--create', '--topic', 'busy'])
    // linger.ms of a minute: full batches leave at once, the last one waits in the producer's buffer.
    const child = home.spawn([
      'console-producer',
      '--topic',
      'busy',
      '--timeout',
      '60000',
      '--producer-property',
      'transactional.id=busy-loader',
    ])
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdin!.write(Array.from({length: 20_000}, (_, i) => `line-${String(i).padStart(6, '0')}\n`).join(''))
    await waitFor(
      async () => (await consume('busy', 'read_uncommitted')).stdout.includes('line-'),
      10_000,
      'the first batches to reach the log',
    )
    child.kill('SIGINT')
    expect(await exited(child), stderr).toBe(130)
    // One line, the abort: no send error for the batches the abort failed. (How many lines were read by then
    // depends on the machine's speed.)
    const [, read] =
      /^Error: Interrupted by SIGINT: the transaction of (\d+) record\(s\) was aborted\.\n$/.exec(stderr) ?? []
    expect(Number(read)).toBeGreaterThan(0)
    expect(Number(read)).toBeLessThanOrEqual(20_000)
    expect((await consume('busy', 'read_committed')).stdout).toBe('')
  })
})
