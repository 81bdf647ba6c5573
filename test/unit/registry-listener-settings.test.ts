// The schema registry listener's settings: its http:// and https:// addresses, the https listeners' TLS
// (kafkalite.schema.registry.ssl.*), and the users it lets in: kafkalite.schema.registry.basic.auth.users and the lines
// of kafkalite.schema.registry.basic.auth.users.file (user:password, or Jetty's realm lines `user: password,role`).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'
import {brokerConfigFrom, registryListeners} from '../../src/broker/broker-config.js'
import {basicAuthUsers} from '../../src/daemon/registry/http-server.js'

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, {recursive: true, force: true})
  dir = undefined
})

describe('the registry listener settings', () => {
  it('reads users from the setting and from a file, Jetty realm lines included', () => {
    dir = mkdtempSync(join(tmpdir(), 'kl-auth-'))
    const file = join(dir, 'users')
    writeFileSync(file, '# users\ncarol:c-secret\ndave: d-secret,admin,developer\n\n')
    const users = basicAuthUsers({basicAuthUsers: 'alice:a:with:colons, bob:b', basicAuthUsersFile: file})
    expect(Object.fromEntries([...users].map(([u, p]) => [u, p.toString()]))).toEqual({
      alice: 'a:with:colons',
      bob: 'b',
      carol: 'c-secret',
      dave: 'd-secret',
    })
  })

  it('refuses a user without a password and a file it cannot read, naming them', () => {
    expect(() => basicAuthUsers({basicAuthUsers: 'alice', basicAuthUsersFile: ''})).toThrow(
      "Invalid user 'alice' in kafkalite.schema.registry.basic.auth.users: write user:password.",
    )
    expect(() => basicAuthUsers({basicAuthUsers: '', basicAuthUsersFile: '/nonexistent/users'})).toThrow(
      /^Cannot read kafkalite.schema.registry.basic.auth.users.file \/nonexistent\/users/,
    )
  })

  it('binds loopback without a host, takes port 0 and https, and refuses other shapes in one line', () => {
    expect(registryListeners('http://:8081, http://0.0.0.0:0,http://[::1]:9000,HTTPS://:8443')).toEqual([
      {protocol: 'http', host: '127.0.0.1', port: 8081},
      {protocol: 'http', host: '0.0.0.0', port: 0},
      {protocol: 'http', host: '::1', port: 9000},
      {protocol: 'https', host: '127.0.0.1', port: 8443},
    ])
    expect(() => registryListeners('127.0.0.1:8081')).toThrow(
      "Invalid kafkalite.schema.registry.listeners '127.0.0.1:8081': use http://host:port or https://host:port, for example http://127.0.0.1:8081 or https://127.0.0.1:8081.",
    )
    expect(() => registryListeners('ftp://127.0.0.1:8081')).toThrow(/use http:\/\/host:port or https:\/\/host:port/)
    expect(() => registryListeners('http://127.0.0.1:70000')).toThrow(/the port must be 0 to 65535/)
  })

  it('reads the https listeners’ key store and client-certificate rule from kafkalite.schema.registry.ssl.*', () => {
    const tls = fileURLToPath(new URL('../fixtures/tls', import.meta.url))
    const listeners = 'http://127.0.0.1:0,https://127.0.0.1:0'
    const config = brokerConfigFrom(
      {
        'kafkalite.schema.registry.listeners': listeners,
        'kafkalite.schema.registry.ssl.keystore.location': join(tls, 'broker.pem'),
        'kafkalite.schema.registry.ssl.truststore.location': join(tls, 'ca.pem'),
        // Confluent's registry says true/false for its own listener.
        'kafkalite.schema.registry.ssl.client.auth': 'true',
      },
      null,
    ).schemaRegistry
    expect(config.listeners.map((l) => l.protocol)).toEqual(['http', 'https'])
    expect(config.tls).toMatchObject({clientAuth: 'required'})
    expect(config.tls!.key).toContain('PRIVATE KEY')
    expect(config.tls!.ca).toContain('CERTIFICATE')
    // Plain HTTP alone reads no TLS setting.
    const plain = {'kafkalite.schema.registry.listeners': 'http://127.0.0.1:0'}
    expect(brokerConfigFrom(plain, null).schemaRegistry.tls).toBeNull()
  })

  it('refuses an https listener without a usable PEM key store, in one line naming the setting', () => {
    const https = {'kafkalite.schema.registry.listeners': 'https://:8443'}
    const refused = (props: Record<string, string>) => () =>
      brokerConfigFrom({...https, ...props}, '/h/server.properties')
    expect(refused({})).toThrow(
      "The schema registry's listener https://127.0.0.1:8443 in /h/server.properties: set kafkalite.schema.registry.ssl.keystore.location to a PEM file holding the private key and the certificate chain.",
    )
    expect(refused({'kafkalite.schema.registry.ssl.keystore.location': '/nonexistent/registry.pem'})).toThrow(
      "cannot read kafkalite.schema.registry.ssl.keystore.location '/nonexistent/registry.pem' (ENOENT)",
    )
    expect(
      refused({
        'kafkalite.schema.registry.ssl.keystore.type': 'JKS',
        'kafkalite.schema.registry.ssl.keystore.location': '/x.jks',
      }),
    ).toThrow(
      'kafkalite.schema.registry.ssl.keystore.type=JKS: kafkalite reads PEM stores only (set kafkalite.schema.registry.ssl.keystore.type=PEM and convert the store)',
    )
    expect(
      refused({
        'kafkalite.schema.registry.ssl.keystore.location': '/dev/null',
        'kafkalite.schema.registry.ssl.client.auth': 'required',
      }),
    ).toThrow(
      'kafkalite.schema.registry.ssl.client.auth=required needs kafkalite.schema.registry.ssl.truststore.location (the CAs of client certificates)',
    )
  })
})
