// The users the schema registry's HTTP listener lets in: kafkalite.schema.registry.basic.auth.users and the lines of
// kafkalite.schema.registry.basic.auth.users.file (user:password, or Jetty's realm lines `user: password,role`).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {registryListeners} from '../../src/broker/broker-config.js'
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

  it('binds loopback without a host, takes port 0, and refuses https and other shapes in one line', () => {
    expect(registryListeners('http://:8081, http://0.0.0.0:0,http://[::1]:9000')).toEqual([
      {host: '127.0.0.1', port: 8081},
      {host: '0.0.0.0', port: 0},
      {host: '::1', port: 9000},
    ])
    expect(() => registryListeners('https://127.0.0.1:8081')).toThrow(
      "Invalid kafkalite.schema.registry.listeners 'https://127.0.0.1:8081': kafkalite serves the registry over plain HTTP only; use http://, for example http://127.0.0.1:8081.",
    )
    expect(() => registryListeners('127.0.0.1:8081')).toThrow(/use http:\/\/host:port/)
    expect(() => registryListeners('http://127.0.0.1:70000')).toThrow(/the port must be 0 to 65535/)
  })
})
