// The library's SchemaRegistryClient against a real daemon's registry: over the Unix socket (no schema.registry.url,
// the daemon started on demand) and over HTTP (the daemon's registry listener), with basic auth, the caches that spare
// a steady producer a request per record, and Confluent's errors as SchemaRegistryError.
import {describe, expect, it} from 'vitest'
import {SchemaRegistryClient, SchemaRegistryError} from '../../../src/client/index.js'
import {TestHome} from '../../helpers/env.js'

const home = TestHome.forEachTest()

const USER = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'com.example',
  fields: [{name: 'id', type: 'long'}],
})
const USER_V2 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'com.example',
  fields: [
    {name: 'id', type: 'long'},
    {name: 'email', type: ['null', 'string'], default: null},
  ],
})

async function registryUrl(properties: Record<string, string> = {}): Promise<string> {
  home.setServerProperties({'kafkalite.schema.registry.listeners': 'http://127.0.0.1:0', ...properties})
  const start = await home.run(['daemon', 'start'])
  expect(start.code, start.stderr).toBe(0)
  const status = JSON.parse((await home.run(['daemon', 'status', '--json'])).stdout) as {
    schemaRegistry: {url: string}[]
  }
  return status.schemaRegistry[0]!.url
}

describe('SchemaRegistryClient over the socket (no schema.registry.url)', () => {
  it('registers, looks up by id, subject and version, and checks compatibility, starting the daemon', async () => {
    const client = new SchemaRegistryClient({}, {home: home.dir})
    try {
      const id = await client.register('users-value', {schema: USER})
      expect(id).toBe(1)
      expect(await client.registerFullResponse('users-value', {schema: USER})).toMatchObject({
        id: 1,
        subject: 'users-value',
        version: 1,
      })
      expect(await client.getBySubjectAndId('users-value', id)).toEqual({schema: USER, schemaType: 'AVRO'})
      expect(await client.getId('users-value', {schema: USER})).toBe(1)
      expect(await client.getLatestSchemaMetadata('users-value')).toEqual({
        id: 1,
        subject: 'users-value',
        version: 1,
        schema: USER,
        schemaType: 'AVRO',
      })
      expect(await client.testSubjectCompatibility('users-value', {schema: USER_V2})).toBe(true)
      expect(await client.testCompatibility('users-value', 1, {schema: '"string"'})).toBe(false)
      expect(await client.register('users-value', {schema: USER_V2})).toBe(2)
      expect(await client.getAllVersions('users-value')).toEqual([1, 2])
      expect(await client.getSchemaMetadata('users-value', 2)).toMatchObject({id: 2, version: 2})
      expect(await client.getAllSubjects()).toEqual(['users-value'])
      expect(await client.getDefaultCompatibility()).toBe('BACKWARD')
      expect(await client.updateCompatibility('users-value', 'FULL')).toBe('FULL')
      expect(await client.getCompatibility('users-value')).toBe('FULL')
      expect(await client.updateDefaultCompatibility('NONE')).toBe('NONE')
      expect(await client.deleteSubjectVersion('users-value', 2)).toBe(2)
      expect(await client.deleteSubject('users-value')).toEqual([1])
      expect(await client.deleteSubject('users-value', true)).toEqual([1, 2])
      expect(await client.getAllSubjects()).toEqual([])
    } finally {
      await client.close()
    }
  })

  it("throws Confluent's errors as SchemaRegistryError with status, error_code and message", async () => {
    const client = new SchemaRegistryClient({}, {home: home.dir})
    try {
      const error = await client.getLatestSchemaMetadata('nope').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SchemaRegistryError)
      expect(error).toMatchObject({status: 404, errorCode: 40401, message: "Subject 'nope' not found."})
      await client.register('s', {schema: USER})
      const refused = await client.register('s', {schema: '"string"'}).catch((e: unknown) => e)
      expect(refused).toMatchObject({status: 409, errorCode: 409})
      expect((refused as Error).message).toContain('Schema being registered is incompatible')
      await expect(client.register('s', {schema: '{"type": "nothing"}'})).rejects.toMatchObject({errorCode: 42201})
    } finally {
      await client.close()
    }
  })
})

describe('SchemaRegistryClient over HTTP', () => {
  it('reaches the daemon’s registry listener, the first URL that answers of several', async () => {
    const url = await registryUrl()
    const client = new SchemaRegistryClient({'schema.registry.url': `http://127.0.0.1:1,${url}`})
    try {
      expect(await client.register('users-value', {schema: USER})).toBe(1)
      expect(await client.getId('users-value', {schema: USER})).toBe(1)
    } finally {
      await client.close()
    }
    // The local client sees what the HTTP client registered: one registry.
    const local = new SchemaRegistryClient({}, {home: home.dir})
    expect(await local.getAllSubjects()).toEqual(['users-value'])
    await local.close()
  })

  it('sends basic.auth.user.info, and is refused 401 with a wrong password', async () => {
    const url = await registryUrl({'kafkalite.schema.registry.basic.auth.users': 'alice:secret,bob:other'})
    const ok = new SchemaRegistryClient({
      'schema.registry.url': url,
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'alice:secret',
    })
    const wrong = new SchemaRegistryClient({
      'schema.registry.url': url,
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'alice:nope',
    })
    try {
      expect(await ok.register('s', {schema: USER})).toBe(1)
      await expect(wrong.getAllSubjects()).rejects.toMatchObject({status: 401, errorCode: 401})
    } finally {
      await ok.close()
      await wrong.close()
    }
  })

  it('answers a steady producer’s lookups from its caches, with the registry gone', async () => {
    const url = await registryUrl()
    const client = new SchemaRegistryClient({'schema.registry.url': url})
    try {
      const id = await client.register('s', {schema: USER})
      await client.getBySubjectAndId('s', id)
      await client.getSchemaMetadata('s', 1)
      expect((await home.run(['daemon', 'stop'])).code).toBe(0)
      for (let i = 0; i < 1000; i++) {
        expect(await client.register('s', {schema: USER})).toBe(id)
        expect(await client.getId('s', {schema: USER})).toBe(id)
        expect((await client.getBySubjectAndId('s', id)).schema).toBe(USER)
        expect((await client.getSchemaMetadata('s', 1)).id).toBe(id)
      }
      await expect(client.getAllSubjects()).rejects.toThrow(/Cannot reach the schema registry/)
    } finally {
      await client.close()
    }
  })

  it('refuses a bad schema.registry.url and basic.auth.credentials.source in one line', () => {
    expect(() => new SchemaRegistryClient({'schema.registry.url': 'localhost:8081'})).toThrow(
      "Invalid schema.registry.url 'localhost:8081': use http://host:port or https://host:port, several separated by commas.",
    )
    expect(
      () =>
        new SchemaRegistryClient({
          'schema.registry.url': 'http://127.0.0.1:8081',
          'basic.auth.credentials.source': 'SASL_INHERIT',
        }),
    ).toThrow("Invalid basic.auth.credentials.source 'SASL_INHERIT': use USER_INFO or URL.")
  })
})
