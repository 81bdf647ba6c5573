import {describe, expect, it} from 'vitest'
import {checkBootstrapServers, listenerAddresses} from '../../src/bootstrap.js'

describe('--bootstrap-server', () => {
  it('accepts the local broker under its usual names', () => {
    for (const v of ['localhost:9092', '127.0.0.1:9092', '[::1]:9092', 'localhost:9092,127.0.0.1:9092']) {
      expect(() => checkBootstrapServers(v, {})).not.toThrow()
    }
  })

  it('refuses another host or port, naming it and the local address', () => {
    expect(() => checkBootstrapServers('kafka:9092', {})).toThrow(
      "Bootstrap server 'kafka:9092' is not the local kafkalite broker (localhost:9092); remote clusters are not supported yet",
    )
    expect(() => checkBootstrapServers('localhost:9093', {})).toThrow(
      /'localhost:9093' is not the local kafkalite broker/,
    )
  })

  it('follows the listeners of server.properties', () => {
    const props = {listeners: 'PLAINTEXT://broker1:19092'}
    expect(listenerAddresses(props)).toEqual([{host: 'broker1', port: 19092}])
    expect(() => checkBootstrapServers('broker1:19092', props)).not.toThrow()
    expect(() => checkBootstrapServers('localhost:9092', props)).toThrow(
      /not the local kafkalite broker \(broker1:19092\)/,
    )
  })

  it("refuses an address without a port as Kafka's tools do", () => {
    expect(() => checkBootstrapServers('localhost', {})).toThrow(
      /Please provide valid host:port like host1:9091,host2:9092/,
    )
    expect(() => checkBootstrapServers(' ', {})).toThrow(/Error while validating the bootstrap address/)
  })
})
