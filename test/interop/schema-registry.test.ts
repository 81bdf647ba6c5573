// Confluent's official JavaScript schema registry client, @confluentinc/schemaregistry (test/interop/node), against
// kafkalite's registry over HTTP, with and without basic auth: it registers Avro and JSON schemas, looks them up by
// id, subject and version, checks compatibility (and is refused an incompatible schema with Confluent's 409 and
// reasons), sets the config, and deletes. kafkalite's own SchemaRegistryClient reads back what it registered.
// The daemon runs in a home of its own, whichever broker the rest of the suite runs against.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SchemaRegistryClient} from '../../src/client/index.js'
import {INTEROP_DIR, ROOT} from './harness/env.js'

const home = mkdtempSync(join(tmpdir(), 'kafkalite-registry-'))
let url = ''
const cli = (args: string[]) =>
  execFileSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {env: {...process.env, KAFKALITE_HOME: home}})

beforeAll(() => {
  writeFileSync(join(home, 'server.properties'), 'kafkalite.schema.registry.basic.auth.users=interop:interop-secret\n')
  const started = JSON.parse(cli(['daemon', 'start', '--schema-registry', '0', '--json']).toString()) as {
    schemaRegistry: {url: string}[]
  }
  url = started.schemaRegistry[0]!.url
})

afterAll(() => {
  cli(['daemon', 'stop'])
  rmSync(home, {recursive: true, force: true})
})

function driver(...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [join(INTEROP_DIR, 'node', 'schemaregistry-driver.mjs'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>
}

const V1 = '{"type":"record","name":"User","namespace":"interop","fields":[{"name":"id","type":"long"}]}'

describe("@confluentinc/schemaregistry against kafkalite's registry", () => {
  it('registers, looks up, checks compatibility, sets config and deletes', async () => {
    const r = driver(url, 'interop:interop-secret')
    expect(r).toMatchObject({
      id: 1,
      byId: {schema: V1},
      getId: 1,
      latest: {subject: 'interop-users-value', version: 1, id: 1, schema: V1},
      compatibleV2: true,
      compatibleBad: false,
      compatibleV2WithVersion1: true,
      registerBad: {status: 409, errorCode: 409},
      idV2: 2,
      version2: {version: 2, id: 2},
      versions: [1, 2],
      jsonId: 3,
      jsonById: {schemaType: 'JSON'},
      subjects: ['interop-json-value', 'interop-users-value'],
      setSubjectLevel: 'FULL_TRANSITIVE',
      subjectLevel: 'FULL_TRANSITIVE',
      setDefaultLevel: 'FORWARD',
      defaultLevel: 'FORWARD',
      missingSubject: {status: 404, errorCode: 40401},
      deletedVersion: 2,
      deletedSubject: [1],
      deletedPermanently: [1, 2],
      subjectsAfter: ['interop-json-value'],
    })
    expect((r.registerBad as {message: string}).message).toContain(
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'age' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'age'}",
    )
    // kafkalite's client, over the socket, sees the JSON schema Confluent's client registered.
    const local = new SchemaRegistryClient({}, {home})
    try {
      expect(await local.getBySubjectAndId(undefined, 3)).toMatchObject({schemaType: 'JSON'})
    } finally {
      await local.close()
    }
  })

  it('is refused without the credentials the registry asks for', () => {
    expect(() => driver(url)).toThrow(/401/)
  })
})
