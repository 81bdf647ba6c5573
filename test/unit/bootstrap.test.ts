import {describe, expect, it} from 'vitest'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {kafkaListenersOf, listenerAddresses, resolveBootstrap, runningListenerAddresses} from '../../src/bootstrap.js'

describe('where --bootstrap-server points', () => {
  const kafka = (addresses: {host: string; port: number}[], orLocal = false) => ({kind: 'kafka', addresses, orLocal})

  it("is Kafka's default address, localhost:9092, under its usual names: the local daemon while nothing listens there", () => {
    expect(resolveBootstrap('localhost:9092', {})).toEqual(kafka([{host: 'localhost', port: 9092}], true))
    expect(resolveBootstrap('127.0.0.1:9092', {})).toEqual(kafka([{host: '127.0.0.1', port: 9092}], true))
    expect(resolveBootstrap('[::1]:9092', {})).toEqual(kafka([{host: '::1', port: 9092}], true))
    expect(resolveBootstrap('localhost:9092,127.0.0.1:9092', {}).kind).toBe('kafka')
  })

  it('is a Kafka cluster at any other host or port', () => {
    expect(resolveBootstrap('kafka:9092', {})).toEqual(kafka([{host: 'kafka', port: 9092}]))
    expect(resolveBootstrap('localhost:9093', {})).toEqual(kafka([{host: 'localhost', port: 9093}]))
    expect(resolveBootstrap('b1:9092,b2:9093', {})).toEqual(
      kafka([
        {host: 'b1', port: 9092},
        {host: 'b2', port: 9093},
      ]),
    )
  })

  it('is the local daemon at the listeners of server.properties, and Kafka elsewhere', () => {
    const props = {listeners: 'PLAINTEXT://broker1:19092'}
    expect(listenerAddresses(props)).toEqual([{host: 'broker1', port: 19092}])
    expect(resolveBootstrap('broker1:19092', props)).toEqual({kind: 'local'})
    expect(resolveBootstrap('localhost:19092', props)).toEqual({kind: 'local'})
    // The home names its own listeners: localhost:9092 is whatever listens there, not the local daemon.
    expect(resolveBootstrap('localhost:9092', props)).toEqual(kafka([{host: 'localhost', port: 9092}]))
  })

  it("refuses an address without a port as Kafka's tools do", () => {
    expect(() => resolveBootstrap('localhost', {})).toThrow(/Please provide valid host:port like host1:9091,host2:9092/)
    expect(() => resolveBootstrap(' ', {})).toThrow(/Error while validating the bootstrap address/)
    expect(() => resolveBootstrap('localhost:99999', {})).toThrow(/got 'localhost:99999'/)
  })
})

describe("the Kafka listeners a broker's settings ask for", () => {
  const kraft = {
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    'advertised.listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL',
  }

  it('opens none unless listeners is set', () => {
    expect(kafkaListenersOf({})).toEqual([])
    expect(kafkaListenersOf({'advertised.listeners': 'PLAINTEXT://localhost:9092'})).toEqual([])
  })

  it("skips the KRaft controller's listener and binds loopback where Kafka's quickstart names no host", () => {
    expect(kafkaListenersOf(kraft)).toEqual([
      {
        name: 'PLAINTEXT',
        protocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port: 9092,
        advertised: {host: 'localhost', port: 9092},
      },
    ])
  })

  it('binds a host that is named, port 0 included', () => {
    expect(
      kafkaListenersOf({
        listeners: 'PLAINTEXT://0.0.0.0:0,PLAIN2://[::1]:9094',
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,PLAIN2:PLAINTEXT',
      }),
    ).toEqual([
      {name: 'PLAINTEXT', protocol: 'PLAINTEXT', host: '0.0.0.0', port: 0, advertised: null},
      {name: 'PLAIN2', protocol: 'PLAINTEXT', host: '::1', port: 9094, advertised: null},
    ])
  })

  it('refuses a SASL listener without PLAIN, an SSL listener without a PEM key store, an unknown protocol or none', () => {
    expect(() => kafkaListenersOf({listeners: 'SASL_PLAINTEXT://:9093'})).toThrow(
      'Listener SASL_PLAINTEXT (SASL): sasl.enabled.mechanisms names GSSAPI',
    )
    expect(() =>
      kafkaListenersOf({listeners: 'KERB://:9093', 'listener.security.protocol.map': 'KERB:KERBEROS'}),
    ).toThrow('Listener KERB is KERBEROS: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL')
    expect(() => kafkaListenersOf({listeners: 'SSL://:9093'})).toThrow(
      'Listener SSL (SSL): set ssl.keystore.location to a PEM file holding the private key and the certificate chain',
    )
    expect(() =>
      kafkaListenersOf({listeners: 'SSL://:9093', 'ssl.keystore.location': '/x', 'ssl.keystore.type': 'PKCS12'}),
    ).toThrow('ssl.keystore.type=PKCS12: kafkalite reads PEM stores only')
    expect(() => kafkaListenersOf({listeners: 'INTERNAL://:9093'})).toThrow(
      'Listener INTERNAL has no security protocol: add INTERNAL:PLAINTEXT to listener.security.protocol.map',
    )
  })
})

describe('the addresses a running daemon listens on', () => {
  it('are read from its pid file, bound and advertised', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kl-pid-'))
    try {
      const pidFile = join(dir, 'daemon.pid')
      expect(runningListenerAddresses(pidFile)).toEqual([])
      const listener = {
        name: 'PLAINTEXT',
        host: '127.0.0.1',
        port: 40001,
        advertisedHost: 'broker',
        advertisedPort: 9092,
      }
      writeFileSync(pidFile, JSON.stringify({pid: 1, listeners: [listener]}))
      const running = runningListenerAddresses(pidFile)
      expect(running).toEqual([
        {host: 'broker', port: 9092},
        {host: '127.0.0.1', port: 40001},
      ])
      expect(resolveBootstrap('localhost:40001', {}, running)).toEqual({kind: 'local'})
      expect(resolveBootstrap('broker:9092', {}, running)).toEqual({kind: 'local'})
      expect(resolveBootstrap('localhost:40002', {}, running).kind).toBe('kafka')
      writeFileSync(pidFile, 'not json')
      expect(runningListenerAddresses(pidFile)).toEqual([])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
