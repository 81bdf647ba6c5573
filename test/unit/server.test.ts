// The daemon's socket server runs the requests that arrive in one read as one unit of work (one SQLite commit), and
// keeps each request's failure its own.
import {mkdtempSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {KafkaException, KafkaStorageException} from '../../src/errors.js'
import {encodeFrame, FrameDecoder, KIND_REQUEST, type Frame} from '../../src/protocol/socket/frame.js'
import type {Handlers} from '../../src/daemon/socket/handlers.js'
import {brokerConfigFrom} from '../../src/broker/broker-config.js'
import {MemoryPool, ResponseBudget} from '../../src/daemon/connection.js'
import {DaemonServer} from '../../src/daemon/socket/server.js'
import {ClientQuotas} from '../../src/broker/client-quotas.js'
import {MAX_HEADER_DEPTH} from '../../src/protocol/socket/header-shape.js'
import {Store} from '../../src/store/store.js'

let dir: string
let store: Store
let server: DaemonServer
let units: number
let socket: Socket
/** Units of work to refuse (as a full disk would), after running them. */
let refuse: number

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kl-server-'))
  store = Store.open(join(dir, 'db'))
  store.db.exec('CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)')
  const insert = store.db.prepare('INSERT INTO note (text) VALUES (?)')
  units = 0
  refuse = 0
  // Two methods stand in for real ones: describeGroups writes each id in its own transaction (as the broker's
  // appends do), and fails on an id named 'bad' after writing it.
  const handlers = {
    describeGroups: (req: {groupIds: string[]}) => {
      const grouped = store.db.inTransaction // already in the unit of work's transaction
      return store.transaction(() => {
        for (const id of req.groupIds) {
          insert.run(id)
          if (id === 'bad') throw new KafkaException('INVALID_GROUP_ID', `bad group ${id}`)
        }
        return {groups: [], grouped}
      })
    },
    // A read: what the notes hold now.
    listGroups: () => ({groups: notes().map((text) => ({groupId: text}))}),
  } as unknown as Handlers
  server = new DaemonServer(
    handlers,
    {
      config: brokerConfigFrom({'socket.request.max.bytes': String(1 << 20)}, null).network,
      requests: new MemoryPool(-1),
      responses: new ResponseBudget(64 << 20),
      log: {info() {}, warn() {}, error() {}},
      unitOfWork: {
        run: (work) => {
          units++
          if (refuse === 0) return store.unit(work)
          refuse--
          store.db.exec('BEGIN')
          work()
          store.db.exec('ROLLBACK')
          return new KafkaStorageException('The disk is full.')
        },
        writes: () => store.changes(),
        failed: () => false,
      },
    },
    new ClientQuotas(store, {samples: 11, windowMs: 1000}),
  )
  await server.listen(join(dir, 'sock'))
  socket = connect(join(dir, 'sock'))
  await new Promise((resolve) => socket.once('connect', resolve))
})

afterEach(async () => {
  socket.destroy()
  await server.close()
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

/**
 * Writes the requests in one write and resolves with their replies, in order: a list of ids writes them
 * (describeGroups), null reads the notes (listGroups).
 */
function requests(...groupIds: (string[] | null)[]): Promise<Frame[]> {
  return headers(
    ...groupIds.map((ids) =>
      JSON.stringify(ids === null ? {m: 'listGroups', p: {}} : {m: 'describeGroups', p: {groupIds: ids}}),
    ),
  )
}

/** Writes requests with these JSON headers in one write and resolves with their replies, in order. */
function headers(...texts: string[]): Promise<Frame[]> {
  socket.write(Buffer.concat(texts.flatMap((text, i) => encodeFrame(i + 1, KIND_REQUEST, text))))
  return new Promise((resolve) => {
    const frames: Frame[] = []
    const decoder = new FrameDecoder()
    const onData = (chunk: Buffer) =>
      decoder.push(chunk, (frame) => {
        frames.push(frame)
        if (frames.length === texts.length) {
          socket.off('data', onData)
          resolve(frames)
        }
      })
    socket.on('data', onData)
  })
}

const notes = () => (store.db.prepare('SELECT text FROM note ORDER BY id').all() as {text: string}[]).map((r) => r.text)

describe('the daemon server', () => {
  it('runs the requests of one read in one unit of work, each in a transaction of its own inside it', async () => {
    const replies = await requests(['a'], ['b', 'c'], ['d'])
    expect(units).toBe(1)
    expect(replies.map((f) => JSON.parse(f.header.toString()) as {grouped: boolean})).toEqual([
      {groups: [], grouped: true},
      {groups: [], grouped: true},
      {groups: [], grouped: true},
    ])
    expect(notes()).toEqual(['a', 'b', 'c', 'd'])
    expect(store.db.inTransaction).toBe(false) // committed before the replies left
  })

  it("undoes a failed request's writes only, and answers it with its error", async () => {
    const replies = await requests(['a'], ['x', 'bad'], ['d'])
    expect(units).toBe(1)
    expect(replies.map((f) => f.kind)).toEqual([1, 2, 1])
    expect(JSON.parse(replies[1]!.header.toString())).toEqual({code: 'INVALID_GROUP_ID', message: 'bad group bad'})
    expect(notes()).toEqual(['a', 'd'])
  })

  it('answers the requests of a refused unit with the refusal from the first that wrote on, and keeps the replies before', async () => {
    store.db.exec("INSERT INTO note (text) VALUES ('old')")
    refuse = 1
    const replies = await requests(null, ['a'], null, ['b'])
    const bodies = replies.map((f) => [f.correlationId, f.kind, JSON.parse(f.header.toString()) as unknown])
    expect(bodies).toEqual([
      [1, 1, {groups: [{groupId: 'old'}]}],
      [2, 2, {code: 'KAFKA_STORAGE_ERROR', message: 'The disk is full.'}],
      // A read after a refused write may have seen the write: it is refused too.
      [3, 2, {code: 'KAFKA_STORAGE_ERROR', message: 'The disk is full.'}],
      [4, 2, {code: 'KAFKA_STORAGE_ERROR', message: 'The disk is full.'}],
    ])
    expect(notes()).toEqual(['old'])
    // The storage takes writes again: the same requests succeed.
    const again = await requests(['a'], null)
    expect(again.map((f) => f.kind)).toEqual([1, 1])
    expect(JSON.parse(again[1]!.header.toString())).toEqual({groups: [{groupId: 'old'}, {groupId: 'a'}]})
  })

  // Found by the socket fuzzer: JSON.parse builds every value, so a 99 MB header of brackets cost the daemon 5 GiB
  // and 38 s of blocked event loop before zod could refuse it.
  it('refuses, unparsed, a header nested deeper than any request, and serves the next request', async () => {
    const deep = 200_000
    const replies = await headers(
      `{"m":"describeGroups","p":{"groupIds":${'['.repeat(deep)}${']'.repeat(deep)}}}`,
      JSON.stringify({m: 'describeGroups', p: {groupIds: ['a']}}),
    )
    expect(replies.map((f) => JSON.parse(f.header.toString()) as unknown)).toEqual([
      {
        code: 'INVALID_REQUEST',
        message: `Malformed request: the header nests deeper than ${MAX_HEADER_DEPTH} levels, which no request does`,
      },
      {groups: [], grouped: true},
    ])
  })
})
