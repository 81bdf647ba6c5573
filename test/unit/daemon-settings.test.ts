// What a start asks for, against the daemon that already runs (src/cli/daemon-lifecycle.ts), and formatting a home
// (src/meta.ts): the rules behind `daemon start --listeners`, kafka-server-start.sh and kafka-storage.sh format.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {listeningLines, parseOverrides, settingsDifference} from '../../src/cli/daemon-lifecycle.js'
import {clusterIdOf, formatHome, randomClusterId, readClusterId} from '../../src/meta.js'

const bound = (port: number, advertised = {host: '127.0.0.1', port}) => ({
  name: 'PLAINTEXT',
  host: '127.0.0.1',
  port,
  advertisedHost: advertised.host,
  advertisedPort: advertised.port,
})

describe('a start asking for settings while a daemon runs', () => {
  const running = {listeners: [bound(40001)], settings: {listeners: 'PLAINTEXT://127.0.0.1:0', 'num.partitions': '3'}}

  it('finds nothing to refuse when the listeners match (port 0 and loopback names included)', () => {
    for (const listeners of ['PLAINTEXT://127.0.0.1:40001', 'PLAINTEXT://:0', 'PLAINTEXT://localhost:40001']) {
      expect(settingsDifference({listeners}, {listeners}, running)).toBeNull()
    }
    expect(settingsDifference({}, {}, running)).toBeNull()
    expect(settingsDifference({'num.partitions': ' 3'}, {}, running)).toBeNull()
  })

  it('names the listeners it has and the ones asked for', () => {
    expect(
      settingsDifference({listeners: 'PLAINTEXT://127.0.0.1:9092'}, {listeners: 'PLAINTEXT://127.0.0.1:9092'}, running),
    ).toEqual({
      has: 'listeners PLAINTEXT://127.0.0.1:40001',
      asked: 'listeners PLAINTEXT://127.0.0.1:9092',
    })
    const none = {listeners: [], settings: {}}
    expect(settingsDifference({listeners: 'PLAINTEXT://:0'}, {listeners: 'PLAINTEXT://:0'}, none)?.has).toBe(
      'no Kafka listener',
    )
    const advertised = {'advertised.listeners': 'PLAINTEXT://kafka:9092'}
    expect(settingsDifference(advertised, {listeners: 'PLAINTEXT://:0', ...advertised}, running)).not.toBeNull()
  })

  it('names another setting it runs without, or with another value', () => {
    expect(settingsDifference({'num.partitions': '1'}, {}, running)).toEqual({
      has: 'num.partitions=3',
      asked: 'num.partitions=1',
    })
    expect(settingsDifference({'log.retention.hours': '1'}, {}, running)).toEqual({
      has: 'log.retention.hours not set',
      asked: 'log.retention.hours=1',
    })
  })
})

describe('--override name=value', () => {
  it('splits at the first =, and refuses a value without one', () => {
    expect(parseOverrides(['a=b=c', 'listeners = PLAINTEXT://:0'])).toEqual({a: 'b=c', listeners: 'PLAINTEXT://:0'})
    expect(() => parseOverrides(['=x'])).toThrow("Invalid --override '=x': use name=value")
  })
})

describe('the lines that name bound listeners', () => {
  it('say where the listener is bound, and what it advertises when that differs', () => {
    expect(listeningLines([bound(9092), bound(40001, {host: 'localhost', port: 9092})])).toEqual([
      'Listening on PLAINTEXT://127.0.0.1:9092',
      'Listening on PLAINTEXT://127.0.0.1:40001 (advertised as localhost:9092)',
    ])
  })
})

describe("a home's meta.properties", () => {
  let dir: string | undefined
  afterEach(() => dir && rmSync(dir, {recursive: true, force: true}))
  const home = () => (dir = mkdtempSync(join(tmpdir(), 'kl-meta-')))

  it('is written once by format, and kept by the broker', () => {
    const h = home()
    const id = randomClusterId()
    expect(formatHome(h, id, 2, {ignoreFormatted: false})).toEqual({formatted: true, clusterId: id})
    expect(readFileSync(join(h, 'meta.properties'), 'utf8')).toMatch(
      new RegExp(`\\nnode\\.id=2\\n[^]*cluster\\.id=${id}\\n`),
    )
    expect(clusterIdOf(h, 1)).toBe(id)
    expect(formatHome(h, randomClusterId(), 2, {ignoreFormatted: true})).toEqual({formatted: false, clusterId: id})
    expect(() => formatHome(h, id, 2, {ignoreFormatted: false})).toThrow(
      /is already formatted\. Use --ignore-formatted/,
    )
  })

  it('is made by the first broker start of a home never formatted', () => {
    const h = home()
    expect(readClusterId(h)).toBeNull()
    const id = clusterIdOf(h, 1)
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(readClusterId(h)).toBe(id)
  })

  it('refuses a cluster id that is not one, and a file whose cluster.id is broken', () => {
    const h = home()
    expect(() => formatHome(h, 'abc', 1, {ignoreFormatted: false})).toThrow(
      "Cluster id 'abc' is not a Kafka cluster id",
    )
    writeFileSync(join(h, 'meta.properties'), 'cluster.id=abc\n')
    expect(() => clusterIdOf(h, 1)).toThrow(/has no valid cluster\.id .*: fix it or remove the file/)
  })
})
