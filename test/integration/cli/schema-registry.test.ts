// `kafkalite schema-registry` as a user runs it: against the local daemon's registry over the socket (started on
// demand), and against a registry named by --schema-registry-url with basic auth, over HTTP and HTTPS; its output,
// --json and exit codes; and `daemon start --schema-registry`, whose bound port `daemon status` shows.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {TestHome} from '../../helpers/env.js'
import {fixture} from '../../helpers/tls.js'

const home = TestHome.forEachTest()

const V1 = '{"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}'
const V2 = '{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]}'

describe('kafkalite schema-registry', () => {
  it('registers, lists, shows, checks, configures and deletes against the local registry', async () => {
    const registered = await home.run(['schema-registry', 'register', 'users-value', '--schema', V1])
    expect(registered.stderr).toBe('')
    expect(registered.stdout).toBe('Registered schema id 1 as version 1 of subject users-value.\n')
    expect((await home.run(['schema-registry', 'subjects'])).stdout).toBe('users-value\n')
    expect((await home.run(['schema-registry', 'versions', 'users-value', '--json'])).stdout).toContain('"versions"')
    const shown = await home.run(['schema-registry', 'get', 'users-value'])
    expect(shown.stdout.split('\n')[0]).toBe('subject users-value version 1 id 1 type AVRO')
    expect(JSON.parse(shown.stdout.split('\n').slice(1).join('\n'))).toEqual(JSON.parse(V1))
    expect(JSON.parse((await home.run(['schema-registry', 'get', '--id', '1', '--schema-only'])).stdout)).toEqual(
      JSON.parse(V1),
    )

    const dir = mkdtempSync(join(tmpdir(), 'kl-schema-'))
    writeFileSync(join(dir, 'v2.avsc'), V2)
    const check = await home.run(['schema-registry', 'check', 'users-value', '--schema-file', join(dir, 'v2.avsc')])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain('The schema is incompatible with subject users-value:')
    expect(check.stdout).toContain("errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'")
    const refused = await home.run([
      'schema-registry',
      'register',
      'users-value',
      '--schema-file',
      join(dir, 'v2.avsc'),
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /Schema being registered is incompatible with an earlier schema for subject "users-value"/,
    )

    const config = await home.run(['schema-registry', 'config', 'users-value', '--compatibility', 'NONE', '--json'])
    expect(JSON.parse(config.stdout)).toMatchObject({subject: 'users-value', compatibility: 'NONE', mode: 'READWRITE'})
    const ok = await home.run(['schema-registry', 'check', 'users-value', '--schema', V2, '--json'])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({compatible: true, messages: []})
    expect((await home.run(['schema-registry', 'register', 'users-value', '--schema', V2])).stdout).toContain(
      'id 2 as version 2',
    )
    expect((await home.run(['schema-registry', 'config'])).stdout).toBe(
      'global: compatibility BACKWARD, mode READWRITE\n',
    )

    expect((await home.run(['schema-registry', 'delete', 'users-value', '1'])).stdout).toBe(
      'Soft-deleted version 1 of subject users-value.\n',
    )
    const early = await home.run(['schema-registry', 'delete', 'users-value', '--permanent'])
    expect(early.code).toBe(1)
    expect(early.stderr).toContain("Subject 'users-value' was not deleted first before being permanently deleted")
    expect((await home.run(['schema-registry', 'delete', 'users-value'])).stdout).toBe(
      'Soft-deleted version 2 of subject users-value.\n',
    )
    const gone = await home.run(['schema-registry', 'delete', 'users-value', '--permanent', '--json'])
    expect(JSON.parse(gone.stdout)).toMatchObject({versions: [1, 2], permanent: true})
    expect((await home.run(['schema-registry', 'subjects', '--deleted'])).stdout).toBe('')
  })

  it('refuses bad flags in one line with exit 2, and a missing subject with the registry’s message and exit 1', async () => {
    const none = await home.run(['schema-registry', 'register', 'users-value'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Give the schema: --schema <text> or --schema-file <file>.')
    const version = await home.run(['schema-registry', 'get', 'users-value', 'first'])
    expect(version.code).toBe(2)
    expect(version.stderr).toContain("Invalid version 'first': give a version number from 1, or latest.")
    const property = await home.run(['schema-registry', 'subjects', '--property', 'bootstrap.servers=x:1'])
    expect(property.code).toBe(2)
    expect(property.stderr).toContain("--property: 'bootstrap.servers' is not a schema registry client property")
    const missing = await home.run(['schema-registry', 'get', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("Subject 'nope' not found.")
    const url = await home.run(['schema-registry', 'subjects', '--schema-registry-url', 'localhost:8081'])
    expect(url.code).not.toBe(0)
    expect(url.stderr).toContain("Invalid schema.registry.url 'localhost:8081'")
  })

  it('reaches a registry named by --schema-registry-url, with basic auth from --property', async () => {
    home.setServerProperties({'kafkalite.schema.registry.basic.auth.users': 'ci:secret'})
    const started = await home.run(['daemon', 'start', '--schema-registry', '0', '--json'])
    expect(started.code, started.stderr).toBe(0)
    const url = (JSON.parse(started.stdout) as {schemaRegistry: {url: string}[]}).schemaRegistry[0]!.url
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const status = await home.run(['daemon', 'status'])
    expect(status.stdout).toContain(`registry     ${url}`)

    // Another home, no daemon of its own: the registry is the URL's.
    const other = new TestHome()
    try {
      const denied = await other.run(['schema-registry', 'subjects', '--schema-registry-url', url])
      expect(denied.code).toBe(1)
      expect(denied.stderr).toContain('Unauthorized')
      const auth = ['--schema-registry-url', url, '--property', 'basic.auth.user.info=ci:secret']
      expect((await other.run(['schema-registry', 'register', 's', '--schema', '"int"', ...auth])).code).toBe(0)
      expect((await other.run(['schema-registry', 'subjects', ...auth])).stdout).toBe('s\n')
      expect(other.daemonPid()).toBeUndefined()
    } finally {
      await other.cleanup()
    }
    expect((await home.run(['schema-registry', 'subjects'])).stdout).toBe('s\n')
  })

  it('reaches an HTTPS registry with schema.registry.ssl.ca.location, and says what to set when it does not trust it', async () => {
    home.setServerProperties({
      'kafkalite.schema.registry.ssl.keystore.location': fixture('broker.pem'),
      'kafkalite.schema.registry.basic.auth.users': 'ci:secret',
    })
    const started = await home.run(['daemon', 'start', '--schema-registry', 'https://127.0.0.1:0', '--json'])
    expect(started.code, started.stderr).toBe(0)
    const url = (JSON.parse(started.stdout) as {schemaRegistry: {url: string}[]}).schemaRegistry[0]!.url
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)

    const other = new TestHome()
    try {
      const auth = ['--schema-registry-url', url, '--property', 'basic.auth.user.info=ci:secret']
      const untrusted = await other.run(['schema-registry', 'subjects', ...auth])
      expect(untrusted.code).toBe(1)
      expect(untrusted.stderr).toMatch(
        new RegExp(
          `^Error: TLS with the schema registry at ${url.replace(/\./g, '\\.')} failed: its certificate is not trusted \\(.+\\): set schema\\.registry\\.ssl\\.ca\\.location to a PEM file of the CA that signed it\\.\\n$`,
        ),
      )
      const trusted = [...auth, '--property', `schema.registry.ssl.ca.location=${fixture('ca.pem')}`]
      const registered = await other.run(['schema-registry', 'register', 's', '--schema', '"int"', ...trusted])
      expect(registered.stderr).toBe('')
      expect(registered.stdout).toBe('Registered schema id 1 as version 1 of subject s.\n')
      expect((await other.run(['schema-registry', 'subjects', ...trusted])).stdout).toBe('s\n')
      // The same from a --command-config file, with Java's truststore names.
      const config = join(other.dir, 'registry.properties')
      writeFileSync(
        config,
        `schema.registry.url=${url}\nbasic.auth.user.info=ci:secret\nschema.registry.ssl.truststore.type=PEM\nschema.registry.ssl.truststore.location=${fixture('ca.pem')}\n`,
      )
      const listed = await other.run(['schema-registry', 'versions', 's', '--command-config', config, '--json'])
      expect(listed.stderr).toBe('')
      expect(JSON.parse(listed.stdout)).toMatchObject({subject: 's', versions: [1]})
      const unreadable = await other.run([
        'schema-registry',
        'subjects',
        ...auth,
        '--property',
        'schema.registry.ssl.ca.location=/nonexistent/ca.pem',
      ])
      expect(unreadable.code).not.toBe(0)
      expect(unreadable.stderr).toBe(
        "Error: Invalid schema.registry.ssl.ca.location '/nonexistent/ca.pem': cannot read it (ENOENT); give the path of a PEM file.\n",
      )
      expect(other.daemonPid()).toBeUndefined()
    } finally {
      await other.cleanup()
    }
  })

  it('refuses a bad --schema-registry address in one line', async () => {
    const bad = await home.run(['daemon', 'start', '--schema-registry', 'localhost'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("Invalid --schema-registry 'localhost': give [host:]port")
  })
})
