// The schema registry's rules through its one REST router, on an in-memory store: ids, versions, deletes, the
// compatibility decisions of Avro's schema resolution and of Confluent's JSON Schema rules with Confluent's reasons,
// references, config and mode, and Confluent's error bodies. The HTTP front end and the socket reach the same router
// (test/integration/daemon/schema-registry.test.ts drives both against a real daemon).
import {afterEach, describe, expect, it} from 'vitest'
import {SchemaRegistry} from '../../src/broker/schema-registry/registry.js'
import {routeRegistryRequest} from '../../src/broker/schema-registry/router.js'
import {Store} from '../../src/store/store.js'

let store: Store | undefined

afterEach(() => {
  store?.close()
  store = undefined
})

function registry(maxBytes?: number) {
  store = Store.open(':memory:')
  const r = new SchemaRegistry(store)
  const call = (method: string, path: string, body?: unknown) => {
    const res = routeRegistryRequest(
      r,
      {method, path, body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)},
      maxBytes,
    )
    let json: unknown
    try {
      json = JSON.parse(res.body)
    } catch {
      json = res.body
    }
    return {status: res.status, body: json as Record<string, unknown> & unknown[]}
  }
  const register = (subject: string, schema: unknown, extra: Record<string, unknown> = {}) =>
    call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: typeof schema === 'string' ? schema : JSON.stringify(schema),
      ...extra,
    })
  return {call, register}
}

const record = (fields: unknown[], name = 'User') => ({type: 'record', name, namespace: 'com.example', fields})
const V1 = record([{name: 'id', type: 'long'}])

describe('ids and versions', () => {
  it('gives the same schema the same id under every subject, compared in its canonical form', () => {
    const {register, call} = registry()
    const a = register('a-value', V1)
    expect(a).toEqual({status: 200, body: {id: 1, version: 1, schema: JSON.stringify(V1)}})
    // Whitespace and {"type": "long"} for "long" do not make another schema.
    const spaced = `{ "type": "record", "name": "User", "namespace": "com.example",
      "fields": [ {"name": "id", "type": {"type": "long"}} ] }`
    expect(register('a-value', spaced).body).toMatchObject({id: 1, version: 1})
    expect(register('b-value', spaced).body).toMatchObject({id: 1, version: 1})
    call('PUT', '/config/a-value', {compatibility: 'NONE'})
    expect(register('a-value', '{"type": "string"}').body).toMatchObject({id: 2, version: 2})
    expect(call('GET', '/schemas/ids/2').body).toEqual({schema: '"string"'})
    expect(call('GET', '/schemas/ids/1/subjects').body).toEqual(['a-value', 'b-value'])
    expect(call('GET', '/schemas/ids/1/versions').body).toEqual([
      {subject: 'a-value', version: 1},
      {subject: 'b-value', version: 1},
    ])
    expect(call('GET', '/subjects').body).toEqual(['a-value', 'b-value'])
    expect(call('GET', '/subjects/a-value/versions').body).toEqual([1, 2])
    expect(call('GET', '/subjects/a-value/versions/latest').body).toEqual({
      subject: 'a-value',
      version: 2,
      id: 2,
      schema: '"string"',
    })
    expect(call('GET', '/subjects/a-value/versions/1/schema').body).toEqual(V1)
  })

  it('writes schemas back as Java Avro does: names relative to the enclosing namespace, defaults and docs kept', () => {
    const {register} = registry()
    const schema = {
      type: 'record',
      name: 'com.example.Order',
      doc: 'An order',
      fields: [
        {name: 'id', type: 'string', doc: 'the id'},
        {name: 'line', type: {type: 'record', name: 'Line', fields: [{name: 'qty', type: 'int', default: 1}]}},
        {name: 'other', type: 'Line'},
        {name: 'when', type: {type: 'long', logicalType: 'timestamp-millis'}},
        {name: 'note', type: ['null', 'string'], default: null, order: 'ignore'},
      ],
    }
    expect(register('o', schema).body.schema).toBe(
      '{"type":"record","name":"Order","namespace":"com.example","doc":"An order","fields":[' +
        '{"name":"id","type":"string","doc":"the id"},' +
        '{"name":"line","type":{"type":"record","name":"Line","fields":[{"name":"qty","type":"int","default":1}]}},' +
        '{"name":"other","type":"Line"},' +
        '{"name":"when","type":{"type":"long","logicalType":"timestamp-millis"}},' +
        '{"name":"note","type":["null","string"],"default":null,"order":"ignore"}]}',
    )
  })

  it('looks a schema up under a subject (POST /subjects/{s}) and says which of subject and schema is missing', () => {
    const {register, call} = registry()
    register('s', V1)
    expect(call('POST', '/subjects/s', {schema: JSON.stringify(V1)}).body).toEqual({
      subject: 's',
      version: 1,
      id: 1,
      schema: JSON.stringify(V1),
    })
    expect(call('POST', '/subjects/s', {schema: '"int"'})).toEqual({
      status: 404,
      body: {error_code: 40403, message: 'Schema not found'},
    })
    expect(call('POST', '/subjects/nope', {schema: '"int"'})).toEqual({
      status: 404,
      body: {error_code: 40401, message: "Subject 'nope' not found."},
    })
  })

  it("answers what is missing with Confluent's codes and messages", () => {
    const {register, call} = registry()
    register('s', V1)
    expect(call('GET', '/subjects/x/versions').body).toEqual({error_code: 40401, message: "Subject 'x' not found."})
    expect(call('GET', '/subjects/s/versions/9').body).toEqual({error_code: 40402, message: 'Version 9 not found.'})
    expect(call('GET', '/schemas/ids/77')).toEqual({
      status: 404,
      body: {error_code: 40403, message: 'Schema 77 not found'},
    })
    expect(call('GET', '/subjects/s/versions/0')).toEqual({
      status: 422,
      body: {
        error_code: 42202,
        message:
          'The specified version \'0\' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"',
      },
    })
    expect(call('GET', '/nothing/here')).toEqual({status: 404, body: {error_code: 404, message: 'HTTP 404 Not Found'}})
    expect(call('PATCH', '/subjects')).toEqual({
      status: 405,
      body: {error_code: 405, message: 'HTTP 405 Method Not Allowed'},
    })
    expect(call('POST', '/subjects/s/versions', '{"schema": ').status).toBe(400)
    expect(call('POST', '/subjects/s/versions', '{"schema": ').body.error_code).toBe(400)
    expect(register('s', '{"type": "recordx"}')).toEqual({
      status: 422,
      body: {error_code: 42201, message: 'Invalid schema of type AVRO, details: unknown type: "recordx"'},
    })
    expect(call('POST', '/subjects/s/versions', {schema: ''}).body).toEqual({
      error_code: 42201,
      message: 'Empty schema',
    })
    expect(register('s', '"int"', {schemaType: 'XML'}).body).toEqual({
      error_code: 42201,
      message: 'Invalid schema type XML',
    })
    expect(register('bad\u0001', V1).body).toEqual({
      error_code: 42208,
      message: "The specified subject 'bad\u0001' is not a valid.",
    })
  })

  it('refuses schemas nested thousands deep as invalid, not as a failure of the registry', () => {
    const {register} = registry()
    const deepAvro = `${'['.repeat(20_000)}"int"${']'.repeat(20_000)}`
    expect(register('s', deepAvro).body.error_code).toBe(42201)
    const deepJson = `${'{"items":'.repeat(20_000)}{}${'}'.repeat(20_000)}`
    expect(register('s', deepJson, {schemaType: 'JSON'}).body.error_code).toBe(42201)
  })

  it('refuses a body over the limit with 413', () => {
    const {call} = registry(2048)
    const res = call('POST', '/subjects/s/versions', {schema: 'x'.repeat(4096)})
    expect(res.status).toBe(413)
    expect(res.body.error_code).toBe(413)
  })
})

describe('deletes', () => {
  it('soft-deletes, then deletes permanently, with Confluent’s codes for every step out of order', () => {
    const {register, call} = registry()
    register('s', V1)
    register(
      's',
      record([
        {name: 'id', type: 'long'},
        {name: 'n', type: 'string', default: ''},
      ]),
    )
    expect(call('DELETE', '/subjects/s/versions/1?permanent=true').body).toEqual({
      error_code: 40407,
      message: "Subject 's' Version 1 was not deleted first before being permanently deleted",
    })
    expect(call('DELETE', '/subjects/s/versions/1').body).toBe(1)
    expect(call('DELETE', '/subjects/s/versions/1').body).toEqual({
      error_code: 40406,
      message: "Subject 's' Version 1 was soft deleted.Set permanent=true to delete permanently",
    })
    expect(call('GET', '/subjects/s/versions').body).toEqual([2])
    expect(call('GET', '/subjects/s/versions?deleted=true').body).toEqual([1, 2])
    // A soft-deleted version's schema can still be read by its id.
    expect(call('GET', '/schemas/ids/1').status).toBe(200)
    expect(call('DELETE', '/subjects/s/versions/1?permanent=true').body).toBe(1)
    expect(call('GET', '/schemas/ids/1').status).toBe(404)
    expect(call('DELETE', '/subjects/s?permanent=true').body).toEqual({
      error_code: 40405,
      message: "Subject 's' was not deleted first before being permanently deleted",
    })
    expect(call('DELETE', '/subjects/s').body).toEqual([2])
    expect(call('DELETE', '/subjects/s').body).toEqual({
      error_code: 40404,
      message: "Subject 's' was soft deleted.Set permanent=true to delete permanently",
    })
    expect(call('GET', '/subjects').body).toEqual([])
    expect(call('GET', '/subjects?deleted=true').body).toEqual(['s'])
    expect(call('DELETE', '/subjects/s?permanent=true').body).toEqual([2])
    expect(call('DELETE', '/subjects/s').body).toEqual({error_code: 40401, message: "Subject 's' not found."})
    // The same schema registered again keeps its id; versions start again after a permanent delete.
    expect(register('s', V1).body).toMatchObject({id: 1, version: 1})
  })

  it('continues the version numbers of a soft-deleted subject', () => {
    const {register, call} = registry()
    register('s', V1)
    call('DELETE', '/subjects/s')
    expect(register('s', V1).body).toMatchObject({id: 1, version: 2})
  })
})

describe('Avro compatibility', () => {
  function evolve(level: string, from: unknown, to: unknown) {
    const {register, call} = registry()
    call('PUT', '/config', {compatibility: level})
    register('s', from)
    return call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', {schema: JSON.stringify(to)})
      .body as unknown as {
      is_compatible: boolean
      messages: string[]
    }
  }

  it('takes a new field with a default under BACKWARD, and refuses one without, naming the field', () => {
    expect(
      evolve(
        'BACKWARD',
        V1,
        record([
          {name: 'id', type: 'long'},
          {name: 'email', type: 'string', default: ''},
        ]),
      ),
    ).toEqual({is_compatible: true, messages: []})
    const refused = evolve(
      'BACKWARD',
      V1,
      record([
        {name: 'id', type: 'long'},
        {name: 'email', type: 'string'},
      ]),
    )
    expect(refused.is_compatible).toBe(false)
    expect(refused.messages[0]).toBe(
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'email'}",
    )
    expect(refused.messages).toContain('{oldSchemaVersion: 1}')
    expect(refused.messages.at(-1)).toBe("{validateFields: 'false', compatibility: 'BACKWARD'}")
  })

  it('takes a removed field under BACKWARD but not under FORWARD, where the old reader has no default', () => {
    const two = record([
      {name: 'id', type: 'long'},
      {name: 'n', type: 'string'},
    ])
    expect(evolve('BACKWARD', two, V1).is_compatible).toBe(true)
    const forward = evolve('FORWARD', two, V1)
    expect(forward.is_compatible).toBe(false)
    expect(forward.messages[0]).toContain("'The field 'n' at path '/fields/1' in the old schema has no default value")
    expect(forward.messages.at(-1)).toBe("{validateFields: 'false', compatibility: 'FORWARD'}")
  })

  it('promotes int to long for a new reader, and not the other way round', () => {
    const asInt = record([{name: 'id', type: 'int'}])
    expect(evolve('BACKWARD', asInt, V1).is_compatible).toBe(true)
    const narrowed = evolve('BACKWARD', V1, asInt)
    expect(narrowed.messages[0]).toBe(
      "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}",
    )
    expect(evolve('FULL', asInt, V1).is_compatible).toBe(false)
  })

  it('refuses an enum that loses symbols, unless the reader has a default symbol', () => {
    const e = (symbols: string[], extra = {}) =>
      record([{name: 'c', type: {type: 'enum', name: 'C', symbols, ...extra}}])
    const lost = evolve('BACKWARD', e(['RED', 'GREEN', 'BLUE']), e(['RED']))
    expect(lost.messages[0]).toBe(
      "{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[BLUE, GREEN]' at path '/fields/0/type/symbols' in the old schema', additionalInfo:'[BLUE, GREEN]'}",
    )
    expect(evolve('BACKWARD', e(['RED', 'GREEN']), e(['RED', 'X'], {default: 'X'})).is_compatible).toBe(true)
    expect(evolve('BACKWARD', e(['RED']), e(['RED', 'GREEN'])).is_compatible).toBe(true)
  })

  it('reads a type with a union that has it, and refuses a union branch the reader lacks', () => {
    const plain = record([{name: 'v', type: 'string'}])
    const optional = record([{name: 'v', type: ['null', 'string'], default: null}])
    expect(evolve('BACKWARD', plain, optional).is_compatible).toBe(true)
    const lacking = evolve('BACKWARD', optional, plain)
    expect(lacking.messages[0]).toBe(
      "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type/0') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: STRING not compatible with writer type: NULL'}",
    )
    const branches = evolve(
      'BACKWARD',
      record([{name: 'v', type: ['int', 'string']}]),
      record([{name: 'v', type: ['int']}]),
    )
    expect(branches.messages[0]).toContain("errorType:'MISSING_UNION_BRANCH'")
    expect(branches.messages[0]).toContain("additionalInfo:'reader union lacking writer type: STRING'")
  })

  it('refuses a renamed record, and checks every version under a transitive level', () => {
    expect(evolve('BACKWARD', V1, record([{name: 'id', type: 'long'}], 'Person')).messages[0]).toBe(
      "{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: com.example.User'}",
    )
    const {register, call} = registry()
    call('PUT', '/config/s', {compatibility: 'BACKWARD_TRANSITIVE'})
    register(
      's',
      record([
        {name: 'id', type: 'long'},
        {name: 'a', type: 'string'},
      ]),
    )
    call('PUT', '/config/s', {compatibility: 'NONE'})
    register('s', V1)
    call('PUT', '/config/s', {compatibility: 'BACKWARD_TRANSITIVE'})
    // Compatible with version 2 (V1: `a` has a default), not with version 1 (`a` was a string).
    const v3 = record([
      {name: 'id', type: 'long'},
      {name: 'a', type: 'int', default: 0},
    ])
    const res = register('s', v3)
    expect(res.status).toBe(409)
    expect(res.body.error_code).toBe(409)
    expect(res.body.message).toMatch(
      /^Schema being registered is incompatible with an earlier schema for subject "s", details: \[\{errorType:'TYPE_MISMATCH'.*\{oldSchemaVersion: 1\}.*compatibility: 'BACKWARD_TRANSITIVE'\}\]$/,
    )
    call('PUT', '/config/s', {compatibility: 'BACKWARD'})
    expect(register('s', v3).body).toMatchObject({version: 3})
  })

  it('answers is_compatible without messages unless verbose, and an empty subject is compatible', () => {
    const {register, call} = registry()
    expect(call('POST', '/compatibility/subjects/none/versions/latest', {schema: '"int"'}).body).toEqual({
      is_compatible: true,
    })
    expect(call('POST', '/compatibility/subjects/none/versions/3', {schema: '"int"'}).body).toEqual({
      error_code: 40402,
      message: 'Version 3 not found.',
    })
    register('s', '"int"')
    expect(call('POST', '/compatibility/subjects/s/versions/1', {schema: '"string"'}).body).toEqual({
      is_compatible: false,
    })
    expect(call('POST', '/compatibility/subjects/s/versions', {schema: '"long"'}).body).toEqual({is_compatible: true})
  })
})

describe('JSON Schema', () => {
  const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'object',
    properties,
    ...extra,
  })

  function check(from: unknown, to: unknown, level = 'BACKWARD') {
    const {register, call} = registry()
    call('PUT', '/config', {compatibility: level})
    expect(register('j', from, {schemaType: 'JSON'}).status).toBe(200)
    return call('POST', '/compatibility/subjects/j/versions/latest?verbose=true', {
      schema: JSON.stringify(to),
      schemaType: 'JSON',
    }).body as unknown as {is_compatible: boolean; messages: string[]}
  }

  it('registers JSON schemas with their type, and refuses an invalid one with 42201', () => {
    const {register, call} = registry()
    const res = register('j', obj({a: {type: 'string'}}), {schemaType: 'JSON'})
    expect(res.body).toMatchObject({id: 1, version: 1, schemaType: 'JSON'})
    expect(call('GET', '/schemas/ids/1').body).toEqual({
      schemaType: 'JSON',
      schema: JSON.stringify(obj({a: {type: 'string'}})),
    })
    const bad = register('j', {type: 'object', properties: {a: {type: 12}}}, {schemaType: 'JSON'})
    expect(bad.status).toBe(422)
    expect(bad.body.error_code).toBe(42201)
    expect(bad.body.message).toMatch(/^Invalid schema of type JSON, details: /)
  })

  it('takes an optional property in a closed model and refuses a removed one, with Confluent’s reasons', () => {
    const closed = {additionalProperties: false}
    expect(
      check(obj({a: {type: 'string'}}, closed), obj({a: {type: 'string'}, b: {type: 'number'}}, closed)),
    ).toMatchObject({is_compatible: true})
    const removed = check(obj({a: {type: 'string'}, b: {type: 'number'}}, closed), obj({a: {type: 'string'}}, closed))
    expect(removed.is_compatible).toBe(false)
    expect(removed.messages[0]).toBe(
      `{errorType:"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", description:"The new has a closed content model and is missing a property or item present at path '#/properties/b' in the old schema'}`,
    )
  })

  it('refuses a changed type and a narrowed maximum, and takes integer widened to number', () => {
    expect(check(obj({a: {type: 'string'}}), obj({a: {type: 'number'}})).messages[0]).toContain(
      'errorType:"TYPE_CHANGED"',
    )
    expect(check(obj({a: {type: 'integer'}}), obj({a: {type: 'number'}})).is_compatible).toBe(true)
    expect(check(obj({a: {type: 'number', maximum: 10}}), obj({a: {type: 'number', maximum: 5}})).messages[0]).toBe(
      `{errorType:"MAXIMUM_DECREASED", description:"The value at path '#/properties/a/maximum' in the new schema is less than its value in the old schema'}`,
    )
  })
})

describe('references', () => {
  it('resolves a named type of another subject, and keeps a referenced version from being deleted', () => {
    const {register, call} = registry()
    const address = {
      type: 'record',
      name: 'Address',
      namespace: 'com.example',
      fields: [{name: 'city', type: 'string'}],
    }
    register('address', address)
    const user = record([{name: 'home', type: 'com.example.Address'}])
    const refs = [{name: 'com.example.Address', subject: 'address', version: 1}]
    expect(register('user', user).body.error_code).toBe(42201)
    const res = register('user', user, {references: refs})
    expect(res.body).toMatchObject({id: 2, version: 1, references: refs})
    expect(call('GET', '/subjects/user/versions/1').body).toMatchObject({references: refs})
    expect(call('GET', '/subjects/address/versions/1/referencedby').body).toEqual([2])
    expect(call('DELETE', '/subjects/address/versions/1')).toEqual({
      status: 422,
      body: {
        error_code: 42206,
        message: 'One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=address,version=1}.',
      },
    })
    expect(call('POST', '/subjects/user', {schema: JSON.stringify(user), references: refs}).body).toMatchObject({
      id: 2,
    })
  })
})

describe('config and mode', () => {
  it('keeps a global level and levels per subject, with defaultToGlobal', () => {
    const {call} = registry()
    expect(call('GET', '/config').body).toEqual({compatibilityLevel: 'BACKWARD'})
    expect(call('PUT', '/config', {compatibility: 'FULL'}).body).toEqual({compatibility: 'FULL'})
    expect(call('GET', '/config/s').body).toEqual({
      error_code: 40408,
      message: "Subject 's' does not have subject-level compatibility configured",
    })
    expect(call('GET', '/config/s?defaultToGlobal=true').body).toEqual({compatibilityLevel: 'FULL'})
    expect(call('PUT', '/config/s', {compatibility: 'none'}).body).toEqual({compatibility: 'NONE'})
    expect(call('GET', '/config/s').body).toEqual({compatibilityLevel: 'NONE'})
    expect(call('PUT', '/config/s', {compatibility: 'SIDEWAYS'})).toEqual({
      status: 422,
      body: {
        error_code: 42203,
        message:
          'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
      },
    })
    expect(call('DELETE', '/config/s').body).toEqual({compatibilityLevel: 'NONE'})
    expect(call('DELETE', '/config/s').body).toEqual({error_code: 40401, message: "Subject 's' not found."})
    expect(call('DELETE', '/config').body).toEqual({compatibilityLevel: 'FULL'})
    expect(call('GET', '/config').body).toEqual({compatibilityLevel: 'BACKWARD'})
  })

  it('refuses writes in READONLY mode, and IMPORT while subjects exist unless forced', () => {
    const {call, register} = registry()
    expect(call('GET', '/mode').body).toEqual({mode: 'READWRITE'})
    register('s', V1)
    expect(call('PUT', '/mode', {mode: 'IMPORT'}).body).toEqual({
      error_code: 42205,
      message: 'Cannot import since found existing subjects',
    })
    expect(call('PUT', '/mode', {mode: 'NOPE'}).body.error_code).toBe(42204)
    expect(call('PUT', '/mode/s', {mode: 'READONLY'}).body).toEqual({mode: 'READONLY'})
    expect(register('s', '"int"').body).toEqual({
      error_code: 42205,
      message: 'Subject s in context . is in read-only mode',
    })
    expect(call('DELETE', '/mode/s').body).toEqual({mode: 'READONLY'})
    expect(call('PUT', '/mode?force=true', {mode: 'IMPORT'}).body).toEqual({mode: 'IMPORT'})
    expect(register('imported', '"int"', {id: 42, version: 5}).body).toMatchObject({id: 42, version: 5})
    expect(call('GET', '/schemas/ids/42').body).toEqual({schema: '"int"'})
  })

  it('registers PROTOBUF schemas and refuses to check their compatibility, saying how to register anyway', () => {
    const {register, call} = registry()
    const proto = 'syntax = "proto3";\nmessage User { string id = 1; }\n'
    expect(register('p', proto, {schemaType: 'PROTOBUF'}).body).toMatchObject({id: 1, schemaType: 'PROTOBUF'})
    expect(call('POST', '/subjects/p', {schema: proto, schemaType: 'PROTOBUF'}).body).toMatchObject({version: 1})
    const refused = register('p', 'syntax = "proto3";\nmessage User { string id = 1; int32 n = 2; }', {
      schemaType: 'PROTOBUF',
    })
    expect(refused.body.error_code).toBe(42205)
    expect(refused.body.message).toContain('does not check the compatibility of PROTOBUF schemas')
    call('PUT', '/config/p', {compatibility: 'NONE'})
    expect(
      register('p', 'syntax = "proto3";\nmessage User { string id = 1; int32 n = 2; }', {schemaType: 'PROTOBUF'}).body,
    ).toMatchObject({version: 2})
    expect(call('GET', '/schemas/types').body).toEqual(['JSON', 'PROTOBUF', 'AVRO'])
  })
})
