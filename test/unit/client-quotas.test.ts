// Client quotas in the broker core, on a real store: what AlterClientQuotas accepts and refuses (Kafka's
// ClientQuotaControlManager messages), how DescribeClientQuotas filters match (ClientQuotasImage.describe), that
// quotas survive a restart, which quota applies to a client (KIP-55's precedence, DefaultQuotaCallback), and the
// throttle times of Kafka's Rate over its quota windows (QuotaUtils.throttleTime).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {ClientQuotas} from '../../src/broker/client-quotas.js'
import {Rate} from '../../src/broker/quota-meter.js'
import {javaDouble, javaHashMapOrder, javaMapText, javaStringHash} from '../../src/java-text.js'
import type {Requests} from '../../src/protocol/socket/messages.js'
import {Store} from '../../src/store/store.js'

const WINDOWS = {samples: 11, windowMs: 1000}
let store: Store | undefined
let clock = 1_700_000_000_000

function quotas(at: Store = Store.open(':memory:')): ClientQuotas {
  store = at
  return new ClientQuotas(at, WINDOWS, () => clock)
}

afterEach(() => {
  store?.close()
  store = undefined
})

type Entity = Record<string, string | null>
const entityOf = (e: Entity) => Object.entries(e).map(([entityType, entityName]) => ({entityType, entityName}))

/** One alteration through the core, parsed as the socket's schema would leave it. */
function alter(q: ClientQuotas, entity: Entity, ops: Record<string, number | null>, validateOnly = false) {
  const req = {
    entries: [
      {
        entity: entityOf(entity),
        ops: Object.entries(ops).map(([key, value]) => ({key, value: value ?? 0, remove: value === null})),
      },
    ],
    validateOnly,
  }
  return q.alter(req).entries[0]!.error
}

function describeQuotas(q: ClientQuotas, components: Requests['describeClientQuotas']['components'], strict = false) {
  return q
    .describe({
      components: components.map((c) => ({match: null, ...c})),
      strict,
    })
    .entries.map((e) => ({
      entity: Object.fromEntries(e.entity.map((p) => [p.entityType, p.entityName])),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }))
    .sort(byEntity)
}

/** A canonical order of described entities (the broker answers in Kafka's HashMap order, checked in test/interop). */
function byEntity(a: {entity: Entity}, b: {entity: Entity}): number {
  const key = (e: Entity) => JSON.stringify(Object.entries(e).sort())
  return key(a.entity) < key(b.entity) ? -1 : key(a.entity) > key(b.entity) ? 1 : 0
}

/** The same items in the canonical order. */
const sorted = <T extends {entity: Entity; values?: Record<string, number>}>(items: T[]) => [...items].sort(byEntity)

describe('AlterClientQuotas', () => {
  it('sets, changes and removes quotas of users, client ids, their pairs and defaults', () => {
    const q = quotas()
    expect(alter(q, {user: 'alice'}, {producer_byte_rate: 1024, request_percentage: 50.5})).toBeUndefined()
    expect(alter(q, {'client-id': null}, {consumer_byte_rate: 2048})).toBeUndefined()
    expect(alter(q, {user: null, 'client-id': 'c1'}, {controller_mutation_rate: 10})).toBeUndefined()
    expect(alter(q, {user: 'alice'}, {producer_byte_rate: 4096, request_percentage: null})).toBeUndefined()
    expect(describeQuotas(q, [])).toEqual(
      sorted([
        {entity: {user: null, 'client-id': 'c1'}, values: {controller_mutation_rate: 10}},
        {entity: {user: 'alice'}, values: {producer_byte_rate: 4096}},
        {entity: {'client-id': null}, values: {consumer_byte_rate: 2048}},
      ]),
    )
    // Removing the last quota of an entity removes the entity; removing what is not set does nothing.
    expect(alter(q, {'client-id': null}, {consumer_byte_rate: null, producer_byte_rate: null})).toBeUndefined()
    expect(describeQuotas(q, [{entityType: 'client-id', matchType: 2}])).toEqual([
      {entity: {user: null, 'client-id': 'c1'}, values: {controller_mutation_rate: 10}},
    ])
  })

  it.each([
    [{user: 'alice'}, {producer_byte_rate: 0}, 'Quota producer_byte_rate must be greater than 0'],
    [{user: 'alice'}, {request_percentage: -1}, 'Quota request_percentage must be greater than 0'],
    [{user: 'alice'}, {producer_byte_rate: 10.5}, 'producer_byte_rate cannot be a fractional value.'],
    [{user: 'alice'}, {consumer_byte_rate: 1e19}, 'Proposed value for consumer_byte_rate is too large for a LONG.'],
    [{user: 'alice'}, {producer_byte_rate: Infinity}, 'Quota producer_byte_rate must be a finite number'],
    [{user: 'alice'}, {connection_creation_rate: 10}, 'Invalid configuration key connection_creation_rate'],
    [{user: 'alice'}, {'SCRAM-SHA-256': 10}, 'Invalid configuration key SCRAM-SHA-256'],
    [{}, {producer_byte_rate: 10}, 'Invalid empty client quota entity'],
    [{user: ''}, {producer_byte_rate: 10}, 'Empty user not supported'],
    [{group: 'g'}, {producer_byte_rate: 10}, 'Unhandled client quota entity type: group'],
    [
      {ip: '127.0.0.1', user: 'alice'},
      {producer_byte_rate: 10},
      'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId',
    ],
  ] as const)('refuses %j %j: %s', (entity, ops, message) => {
    const q = quotas()
    expect(alter(q, entity, ops)).toEqual({code: 'INVALID_REQUEST', message})
    expect(describeQuotas(q, [])).toEqual([])
  })

  it('applies none of an entity when one of its ops is refused, and the other entities of the request', () => {
    const q = quotas()
    const res = q.alter({
      entries: [
        {
          entity: entityOf({user: 'alice'}),
          ops: [
            {key: 'producer_byte_rate', value: 1024, remove: false},
            {key: 'consumer_byte_rate', value: -5, remove: false},
          ],
        },
        {entity: entityOf({user: 'bob'}), ops: [{key: 'producer_byte_rate', value: 2048, remove: false}]},
      ],
      validateOnly: false,
    })
    expect(res.entries.map((e) => e.error?.message)).toEqual([
      'Quota consumer_byte_rate must be greater than 0',
      undefined,
    ])
    expect(describeQuotas(q, [])).toEqual([{entity: {user: 'bob'}, values: {producer_byte_rate: 2048}}])
  })

  it("answers an entity or a key given twice with Kafka's 'Ignoring duplicate entity'", () => {
    const q = quotas()
    const op = {key: 'producer_byte_rate', value: 1024, remove: false}
    const twice = q.alter({
      entries: [
        {entity: entityOf({user: 'alice', 'client-id': 'c1'}), ops: [op]},
        {entity: entityOf({'client-id': 'c1', user: 'alice'}), ops: [op]},
      ],
      validateOnly: false,
    })
    // One result for the entity: Kafka's map of results keeps the last, which refuses the duplicate.
    expect(twice.entries).toHaveLength(1)
    expect(twice.entries[0]!.error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Ignoring duplicate entity ClientQuotaEntity(entries={client-id=c1, user=alice})',
    })
    const key = q.alter({
      entries: [{entity: entityOf({'client-id': null}), ops: [op, {...op, value: 2048}]}],
      validateOnly: false,
    })
    expect(key.entries[0]!.error?.message).toBe('Ignoring duplicate entity ClientQuotaEntity(entries={client-id=null})')
  })

  it('checks without applying with validateOnly', () => {
    const q = quotas()
    expect(alter(q, {user: 'alice'}, {producer_byte_rate: 1024}, true)).toBeUndefined()
    expect(alter(q, {user: 'alice'}, {producer_byte_rate: -1}, true)?.message).toBe(
      'Quota producer_byte_rate must be greater than 0',
    )
    expect(describeQuotas(q, [])).toEqual([])
    expect(q.produce.enabled).toBe(false)
  })

  it('keeps quotas across a restart of the broker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkalite-quotas-'))
    try {
      const path = join(dir, 'db.sqlite')
      const first = quotas(Store.open(path))
      alter(first, {user: 'alice', 'client-id': null}, {producer_byte_rate: 1024})
      alter(first, {'client-id': 'c1'}, {consumer_byte_rate: 1e6, request_percentage: 12.5})
      alter(first, {'client-id': 'c1'}, {request_percentage: null})
      store!.close()
      const second = quotas(Store.open(path))
      expect(describeQuotas(second, [])).toEqual(
        sorted([
          {entity: {user: 'alice', 'client-id': null}, values: {producer_byte_rate: 1024}},
          {entity: {'client-id': 'c1'}, values: {consumer_byte_rate: 1e6}},
        ]),
      )
      expect(second.produce.quotaOf('alice', 'any')).toBe(1024)
      expect(second.fetch.quotaOf('bob', 'c1')).toBe(1e6)
      expect(second.request.enabled).toBe(false)
    } finally {
      store?.close()
      store = undefined
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('DescribeClientQuotas', () => {
  function populated(): ClientQuotas {
    const q = quotas()
    for (const entity of [
      {user: 'alice'},
      {user: null},
      {'client-id': 'c1'},
      {'client-id': null},
      {user: 'alice', 'client-id': 'c1'},
      {user: 'alice', 'client-id': null},
      {user: null, 'client-id': null},
    ] as Entity[]) {
      expect(alter(q, entity, {producer_byte_rate: 100})).toBeUndefined()
    }
    return q
  }
  const entities = (rows: {entity: Entity}[]) => rows.map((r) => r.entity)
  const sortedEntities = (es: Entity[]) => sorted(es.map((entity) => ({entity}))).map((r) => r.entity)

  it('matches an exact name, the default, or any name of a type, with other parts unless strict', () => {
    const q = populated()
    expect(entities(describeQuotas(q, [{entityType: 'user', matchType: 0, match: 'alice'}]))).toEqual(
      sortedEntities([{user: 'alice', 'client-id': null}, {user: 'alice', 'client-id': 'c1'}, {user: 'alice'}]),
    )
    expect(entities(describeQuotas(q, [{entityType: 'user', matchType: 0, match: 'alice'}], true))).toEqual([
      {user: 'alice'},
    ])
    expect(entities(describeQuotas(q, [{entityType: 'user', matchType: 1}], true))).toEqual([{user: null}])
    expect(entities(describeQuotas(q, [{entityType: 'client-id', matchType: 2}], true))).toEqual(
      sortedEntities([{'client-id': null}, {'client-id': 'c1'}]),
    )
    expect(
      entities(
        describeQuotas(
          q,
          [
            {entityType: 'user', matchType: 2},
            {entityType: 'client-id', matchType: 1},
          ],
          true,
        ),
      ),
    ).toEqual(
      sortedEntities([
        {user: null, 'client-id': null},
        {user: 'alice', 'client-id': null},
      ]),
    )
    expect(describeQuotas(q, [{entityType: 'user', matchType: 0, match: 'bob'}])).toEqual([])
    expect(describeQuotas(q, [{entityType: 'ip', matchType: 2}])).toEqual([])
  })

  it.each([
    [[{entityType: '', matchType: 2}], 'INVALID_REQUEST', 'Invalid empty entity type.'],
    [
      [
        {entityType: 'user', matchType: 2},
        {entityType: 'user', matchType: 1},
      ],
      'INVALID_REQUEST',
      'Entity type user cannot appear more than once in the filter.',
    ],
    [[{entityType: 'group', matchType: 2}], 'UNSUPPORTED_VERSION', 'Unsupported entity type group'],
    [
      [{entityType: 'user', matchType: 0}],
      'INVALID_REQUEST',
      'Request specified MATCH_TYPE_EXACT, but set match string to null.',
    ],
    [
      [{entityType: 'user', matchType: 1, match: 'x'}],
      'INVALID_REQUEST',
      'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.',
    ],
    [
      [{entityType: 'user', matchType: 2, match: 'x'}],
      'INVALID_REQUEST',
      'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.',
    ],
    [[{entityType: 'user', matchType: 3}], 'INVALID_REQUEST', 'Unknown match type 3'],
    [
      [
        {entityType: 'ip', matchType: 2},
        {entityType: 'client-id', matchType: 2},
      ],
      'INVALID_REQUEST',
      'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
    ],
  ] as const)('refuses the filter %j: %s %s', (components, code, message) => {
    const q = populated()
    expect(() => describeQuotas(q, components as never)).toThrow(expect.objectContaining({code, message}))
  })
})

describe('which quota applies to a client (KIP-55)', () => {
  // Kafka's precedence, most specific first, each row set on top of the ones below it.
  const levels: [Entity, number][] = [
    [{'client-id': null}, 8],
    [{'client-id': 'c1'}, 7],
    [{user: null}, 6],
    [{user: null, 'client-id': null}, 5],
    [{user: null, 'client-id': 'c1'}, 4],
    [{user: 'alice'}, 3],
    [{user: 'alice', 'client-id': null}, 2],
    [{user: 'alice', 'client-id': 'c1'}, 1],
  ]

  it('takes the most specific entity that has a quota, from <user, client-id> down to the default client id', () => {
    const q = quotas()
    expect(q.produce.quotaOf('alice', 'c1')).toBe(Infinity)
    for (const [entity, value] of levels) {
      alter(q, entity, {producer_byte_rate: value})
      expect(q.produce.quotaOf('alice', 'c1'), JSON.stringify(entity)).toBe(value)
    }
    // Then removed from the most specific down: each level uncovers the next.
    for (const [entity, value] of [...levels].reverse()) {
      expect(q.produce.quotaOf('alice', 'c1'), JSON.stringify(entity)).toBe(value)
      alter(q, entity, {producer_byte_rate: null})
    }
    expect(q.produce.quotaOf('alice', 'c1')).toBe(Infinity)
    expect(q.produce.enabled).toBe(false)
  })

  it('applies a user quota to every client of the user, and not to other users', () => {
    const q = quotas()
    alter(q, {user: 'alice'}, {producer_byte_rate: 100})
    expect(q.produce.quotaOf('alice', 'c1')).toBe(100)
    expect(q.produce.quotaOf('alice', 'c2')).toBe(100)
    expect(q.produce.quotaOf('bob', 'c1')).toBe(Infinity)
    // Only the key's own meter: the consumer's is untouched.
    expect(q.fetch.quotaOf('alice', 'c1')).toBe(Infinity)
  })

  it('gives unauthenticated clients (ANONYMOUS) the default user quota', () => {
    const q = quotas()
    alter(q, {user: null}, {consumer_byte_rate: 500})
    expect(q.fetch.quotaOf('ANONYMOUS', 'console-consumer')).toBe(500)
  })
})

describe('throttling', () => {
  it('measures a rate over at least quota.window.num - 1 windows, and throttles for as long as Kafka does', () => {
    const q = quotas()
    alter(q, {'client-id': 'p'}, {producer_byte_rate: 100})
    const client = {user: 'ANONYMOUS', clientId: 'p'}
    // 1000 bytes at once: 1000 bytes over 10 windows is 100 B/s, the bound: within quota.
    expect(q.throttleProduce(client, 1000, 1, 0)).toBe(0)
    // 1000 more in the same instant: 200 B/s, twice the bound: (200 - 100) / 100 x 10,000 ms.
    expect(q.throttleProduce(client, 1000, 1, 0)).toBe(10_000)
    // Another client id has no quota.
    expect(q.throttleProduce({user: 'ANONYMOUS', clientId: 'other'}, 1e6, 1, 0)).toBe(0)
    // 15 s later every sample is older than 11 windows: purged, and the rate starts over.
    clock += 15_000
    expect(q.throttleProduce(client, 500, 1, 0)).toBe(0)
  })

  it('shares one rate between the clients of a user under a user quota', () => {
    const q = quotas()
    alter(q, {user: 'alice'}, {producer_byte_rate: 100})
    expect(q.throttleProduce({user: 'alice', clientId: 'a'}, 1000, 1, 0)).toBe(0)
    expect(q.throttleProduce({user: 'alice', clientId: 'b'}, 500, 1, 0)).toBe(5000)
    expect(q.throttleProduce({user: 'bob', clientId: 'b'}, 5000, 1, 0)).toBe(0)
  })

  it('takes back the bytes of a throttled fetch, which goes out empty', () => {
    const q = quotas()
    alter(q, {user: null}, {consumer_byte_rate: 100})
    const client = {user: 'ANONYMOUS', clientId: 'c'}
    expect(q.fetchMaxBytes(client)).toBe(1000)
    expect(q.throttleFetch(client, 1000, 0)).toBe(0)
    expect(q.throttleFetch(client, 1000, 0)).toBe(10_000)
    // The refused 1000 bytes were not counted: the rate is still 100 B/s, so a 0-byte fetch is within quota.
    expect(q.throttleFetch(client, 0, 0)).toBe(0)
  })

  it('throttles on request time as a percentage of a second, at most one window', () => {
    const q = quotas()
    alter(q, {'client-id': 'busy'}, {request_percentage: 1})
    const client = {user: 'ANONYMOUS', clientId: 'busy'}
    // 50 ms of handling: 5 (percent-seconds) over 10 windows, 0.5 %: within 1 %.
    expect(q.throttleRequest(client, 50e6)).toBe(0)
    // 250 ms more: 3 % over 10 s, 2 % above the bound for 10 s, but bounded to one window (1000 ms).
    expect(q.throttleRequest(client, 250e6)).toBe(1000)
    // acks=0 produce requests are not counted against request time.
    expect(q.throttleProduce(client, 10, 0, 10e9)).toBe(0)
  })

  it('records nothing while no quota of a type is set', () => {
    const q = quotas()
    alter(q, {user: 'alice'}, {consumer_byte_rate: 1})
    expect(q.produce.enabled).toBe(false)
    expect(q.throttleProduce({user: 'alice', clientId: 'x'}, 1e9, 1, 1e9)).toBe(0)
  })
})

describe("Kafka's Rate", () => {
  it('pads a young rate to quota.window.num - 1 windows and measures an old one over the time since its oldest sample', () => {
    const rate = new Rate(WINDOWS)
    rate.record(1000, 0)
    expect(rate.windowSize(0)).toBe(10_000)
    expect(rate.measure(0)).toBe(100)
    // One record per second for 12 s: the ring of 12 samples starts dropping the oldest.
    for (let t = 1000; t <= 12_000; t += 1000) rate.record(1000, t)
    // The sample of 0 was reused at 12,000, and the one of 1,000 is 11 windows old: purged. 11 samples of 1000
    // bytes, started 2,000 to 12,000, over the 10 s since the oldest.
    expect(rate.windowSize(12_000)).toBe(10_000)
    expect(rate.measure(12_000)).toBe(1100)
  })
})

describe("Java's formats", () => {
  it("prints doubles as Java's Double.toString", () => {
    expect([1024, 0.5, 50.5, 1e7, 12345678, 1e-4, 0.001, 2 ** 63, 1.5e300].map(javaDouble)).toEqual([
      '1024.0',
      '0.5',
      '50.5',
      '1.0E7',
      '1.2345678E7',
      '1.0E-4',
      '0.001',
      '9.223372036854776E18',
      '1.5E300',
    ])
  })

  it('iterates HashMap keys by bucket of the final table, in insertion order within one', () => {
    expect(javaStringHash('user')).toBe(3599307)
    expect(javaStringHash('client-id')).toBe(-1904137635)
    // What Java 17's jshell printed for the same maps.
    expect(
      javaMapText(
        [
          ['user', 'alice'],
          ['client-id', 'c1'],
        ],
        2,
      ),
    ).toBe('{client-id=c1, user=alice}')
    const keys = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate']
    expect(javaHashMapOrder(keys.map(javaStringHash), 4).map((i) => keys[i])).toEqual([
      'producer_byte_rate',
      'consumer_byte_rate',
      'controller_mutation_rate',
      'request_percentage',
    ])
    expect(javaHashMapOrder([javaStringHash('consumer_byte_rate'), javaStringHash('producer_byte_rate')], 2)).toEqual([
      0, 1,
    ])
  })
})
