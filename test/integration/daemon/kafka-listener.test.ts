// The daemon's Kafka-protocol listener as a user opens it: `daemon start --listeners` and `--override`, what the start
// message and `daemon status` show, the one-line errors of a listener that cannot open, and nothing on TCP unless
// asked (checked in the kernel's own table of listening sockets, not only in what the daemon says).
import {existsSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {describe, expect, it} from 'vitest'
import {ApiVersions, Metadata} from '../../../src/protocol/kafka/codec/index.js'
import {TestHome} from '../../helpers/env.js'
import {kafkaRequest} from '../../helpers/kafka-request.js'

const home = TestHome.forEachTest()

interface Listener {
  name: string
  host: string
  port: number
  advertisedHost: string
  advertisedPort: number
}

const statusJson = async () =>
  JSON.parse((await home.run(['daemon', 'status', '--json'])).stdout) as {
    pid: number
    listeners: Listener[]
    config: string | null
    settings: Record<string, string>
  }

/** The inodes of the TCP sockets in LISTEN state (st 0A), IPv4 and IPv6, from the kernel's tables. */
function listeningTcpInodes(): Set<string> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9])
    }
  }
  return inodes
}

/** The inodes of a process's open sockets. */
function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1]!)
    } catch {
      // closed meanwhile
    }
  }
  return inodes
}

/** How many TCP sockets the process listens on. */
function tcpListenersOf(pid: number): number {
  const listening = listeningTcpInodes()
  return [...socketInodesOf(pid)].filter((inode) => listening.has(inode)).length
}

/** A TCP port taken by another process (here: this one), on loopback. */
async function occupiedPort(): Promise<{server: Server; port: number}> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {server, port: (server.address() as {port: number}).port}
}

describe('the Kafka listener', () => {
  it.runIf(existsSync('/proc/net/tcp'))('listens on no TCP port unless asked', async () => {
    expect((await home.run(['daemon', 'start'])).code).toBe(0)
    const plain = await statusJson()
    expect(plain.listeners).toEqual([])
    expect(tcpListenersOf(plain.pid)).toBe(0)
    expect((await home.run(['daemon', 'status'])).stdout).toMatch(
      /listeners +none \(no TCP port: the Unix socket only\)/,
    )
    // The same check sees a listener when one is asked for: it can fail.
    await home.run(['daemon', 'stop'])
    expect((await home.run(['daemon', 'start', '--listeners', 'PLAINTEXT://127.0.0.1:0'])).code).toBe(0)
    expect(tcpListenersOf((await statusJson()).pid)).toBe(1)
  })

  it('opens --listeners on a free port, names the bound address, and answers Kafka requests there', async () => {
    const start = await home.run(['daemon', 'start', '--listeners', 'PLAINTEXT://127.0.0.1:0'])
    expect(start.stderr).toBe('')
    expect(start.code).toBe(0)
    const [, port] = /\nListening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)\n$/.exec(start.stdout) ?? []
    expect(Number(port)).toBeGreaterThan(0)
    const status = await statusJson()
    expect(status.listeners).toEqual([
      {
        name: 'PLAINTEXT',
        host: '127.0.0.1',
        port: Number(port),
        advertisedHost: '127.0.0.1',
        advertisedPort: Number(port),
      },
    ])
    expect(status.settings).toMatchObject({listeners: 'PLAINTEXT://127.0.0.1:0'})
    expect((await home.run(['daemon', 'status'])).stdout).toMatch(
      new RegExp(`\\n {2}listeners +PLAINTEXT://127\\.0\\.0\\.1:${port}\\n`),
    )
    const versions = await kafkaRequest({host: '127.0.0.1', port: Number(port)}, ApiVersions, 3, {})
    expect(versions.errorCode).toBe(0)
    expect(versions.apiKeys).toContainEqual(expect.objectContaining({apiKey: Metadata.apiKey}))
    // kafkalite's own commands take the bound address for the local broker's.
    const list = await home.run(['topics', '--bootstrap-server', `localhost:${port}`, '--list'])
    expect(list.stderr).toBe('')
    expect(list.code).toBe(0)
  })

  it('binds loopback for a listener without a host, and says what advertised.listeners advertises', async () => {
    const start = await home.run([
      'daemon',
      'start',
      '--listeners',
      'PLAINTEXT://:0',
      '--override',
      'advertised.listeners=PLAINTEXT://kafka.example:9092',
    ])
    expect(start.code, start.stderr).toBe(0)
    expect(start.stdout).toMatch(
      /\nListening on PLAINTEXT:\/\/127\.0\.0\.1:\d+ \(advertised as kafka\.example:9092\)\n$/,
    )
    const [listener] = (await statusJson()).listeners
    expect(listener).toMatchObject({host: '127.0.0.1', advertisedHost: 'kafka.example', advertisedPort: 9092})
  })

  it('refuses, in one line, to start again with other listeners or settings, and starts again with the same', async () => {
    expect((await home.run(['daemon', 'start', '--listeners', 'PLAINTEXT://127.0.0.1:0'])).code).toBe(0)
    const {pid, listeners} = await statusJson()
    const port = listeners[0]!.port
    const other = await home.run(['daemon', 'start', '--listeners', `PLAINTEXT://127.0.0.1:${port + 1}`])
    expect(other.code).toBe(1)
    expect(other.stderr).toBe(
      `Error: The kafkalite daemon for ${home.dir} already runs (pid ${pid}) with listeners PLAINTEXT://127.0.0.1:${port}, not listeners PLAINTEXT://127.0.0.1:${port + 1}: stop it first with 'kafkalite daemon stop', then start it again.\n`,
    )
    const setting = await home.run(['daemon', 'start', '--override', 'num.partitions=3'])
    expect(setting.code).toBe(1)
    expect(setting.stderr).toMatch(
      /already runs \(pid \d+\) with num\.partitions not set, not num\.partitions=3: stop it/,
    )
    // The same listeners (port 0: any port), or none asked for: the daemon that runs is the one wanted.
    for (const args of [['--listeners', `PLAINTEXT://127.0.0.1:${port}`], ['--listeners', 'PLAINTEXT://:0'], []]) {
      const again = await home.run(['daemon', 'start', ...args])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toBe(
        `The kafkalite daemon is already running (pid ${pid}) for ${home.dir}.\nListening on PLAINTEXT://127.0.0.1:${port}\n`,
      )
    }
    expect((await statusJson()).pid).toBe(pid)
  })

  it('fails the start in one line naming the address when its port is in use', async () => {
    const {server, port} = await occupiedPort()
    try {
      const res = await home.run(['daemon', 'start', '--listeners', `PLAINTEXT://127.0.0.1:${port}`])
      expect(res.code).toBe(1)
      expect(res.stderr).toBe(
        `Error: Cannot listen on PLAINTEXT://127.0.0.1:${port}: the port is in use (another Kafka or kafkalite?): stop it, or choose another port (port 0 picks a free one).\n`,
      )
      expect(res.stdout).toBe('')
      expect((await home.run(['daemon', 'status'])).code).toBe(1) // no daemon left behind
      // A command that starts the daemon on demand says the same, once.
      const json = await home.run(['daemon', 'start', '--listeners', `PLAINTEXT://127.0.0.1:${port}`, '--json'])
      expect(JSON.parse(json.stderr)).toEqual({
        error: {code: 'LISTENER_UNAVAILABLE', message: expect.stringMatching(/^Cannot listen on PLAINTEXT:/)},
      })
    } finally {
      server.close()
    }
  })

  it('fails the start in one line naming the address when the address is not one of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const res = await home.run(['daemon', 'start', '--listeners', 'PLAINTEXT://192.0.2.1:0'])
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      'Error: Cannot listen on PLAINTEXT://192.0.2.1:0: the address is not one of this machine: name a local address, or leave the host empty for loopback.\n',
    )
  })

  it('refuses a malformed listener, or one it cannot serve, as a usage error, before starting anything', async () => {
    const bad = await home.run(['daemon', 'start', '--listeners', 'localhost:9092'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe(
      "Error: --listeners: Invalid listeners entry 'localhost:9092': use NAME://host:port, for example PLAINTEXT://127.0.0.1:9092 (port 0 picks a free port).\n",
    )
    const sasl = await home.run(['daemon', 'start', '--listeners', 'SASL_PLAINTEXT://127.0.0.1:0'])
    expect(sasl.code).toBe(2)
    expect(sasl.stderr).toBe(
      "Error: --listeners: Listener SASL_PLAINTEXT (SASL): sasl.enabled.mechanisms names GSSAPI: kafkalite's listeners speak PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; set it to those it should offer.\n",
    )
    const override = await home.run(['daemon', 'start', '--override', 'num.partitions'])
    expect(override.code).toBe(2)
    expect(override.stderr).toMatch(/^Error: Invalid --override 'num\.partitions': use name=value/)
    expect(existsSync(`${home.dir}/daemon.pid`)).toBe(false)
  })

  it('applies --override for that start only', async () => {
    const start = await home.run(['daemon', 'start', '--override', 'num.partitions=3', '--json'])
    expect(JSON.parse(start.stdout)).toMatchObject({alreadyRunning: false, listeners: []})
    await home.run(['topics', '--create', '--topic', 'three'])
    expect((await home.run(['topics', '--describe', '--topic', 'three'])).stdout).toMatch(/PartitionCount: 3/)
    await home.run(['daemon', 'stop'])
    await home.run(['topics', '--create', '--topic', 'one']) // starts the daemon on demand, without the override
    expect((await home.run(['topics', '--describe', '--topic', 'one'])).stdout).toMatch(/PartitionCount: 1/)
  })
})
