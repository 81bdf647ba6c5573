// The produce and consume baselines of bench/run.mjs, run as their own process and timed the way the console
// tools are (process wall time): the least any tool must do to get lines into the store, or records out of it.
//
//   node bench/baseline.mjs insert <input file> <database>   split lines, encode RecordBatch v2 batches of 16 KiB,
//                                                             insert them as blobs, ~1 MB per transaction
//   node bench/baseline.mjs read <database>                   read the blobs back and decode every record's value,
//                                                             writing the values to stdout
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const {BatchBuilder, forEachRecord, readBatchHeader} = await import(join(ROOT, 'dist/protocol/kafka/record-batch.js'))
const {openDatabase} = await import(join(ROOT, 'dist/store/open.js'))

const [mode, ...args] = process.argv.slice(2)
if (mode === 'insert') {
  const [input, database] = args
  // The same schema and pragmas as the daemon's store.
  const db = openDatabase(database)
  db.prepare("INSERT INTO topic (id, name, topic_id, partitions, created_at) VALUES (1, 't', 'x', 1, 0)").run()
  db.prepare('INSERT INTO topic_partition (topic, partition) VALUES (1, 0)').run()
  const insert = db.prepare(
    'INSERT INTO batch (topic, partition, base_offset, last_offset, first_timestamp, max_timestamp, producer_id, producer_epoch, base_sequence, attributes, record_count, bytes) VALUES (1, 0, ?, ?, ?, ?, -1, -1, -1, 0, ?, ?)',
  )
  const tx = db.transaction((group) => {
    for (const b of group) insert.run(...b)
  })
  const data = readFileSync(input)
  let offset = 0
  let pos = 0
  let group = []
  let builder = new BatchBuilder({maxBytes: 16384})
  const ts = Date.now()
  const flush = () => {
    const bytes = builder.build()
    const n = builder.recordCount
    bytes.writeBigInt64BE(BigInt(offset), 0)
    group.push([offset, offset + n - 1, ts, ts, n, bytes])
    offset += n
    builder = new BatchBuilder({maxBytes: 16384})
    if (group.length === 64) {
      tx(group)
      group = []
    }
  }
  while (pos < data.length) {
    const nl = data.indexOf(10, pos)
    const value = data.subarray(pos, nl)
    pos = nl + 1
    if (builder.append(ts, null, value, null) < 0) {
      flush()
      builder.append(ts, null, value, null)
    }
  }
  if (builder.recordCount > 0) flush()
  if (group.length > 0) tx(group)
  db.close()
} else if (mode === 'read') {
  const db = openDatabase(args[0])
  const newline = Buffer.from('\n')
  const chunks = []
  let size = 0
  let count = 0
  for (const bytes of db.prepare('SELECT bytes FROM batch ORDER BY last_offset').pluck().iterate()) {
    forEachRecord(bytes, 0, bytes.length, readBatchHeader(bytes), (r) => {
      chunks.push(r.data.subarray(r.valueStart, r.valueStart + r.valueLength), newline)
      size += r.valueLength + 1
      count++
    })
    if (size > 1 << 18) {
      process.stdout.write(Buffer.concat(chunks))
      chunks.length = 0
      size = 0
    }
  }
  process.stdout.write(Buffer.concat(chunks))
  process.stderr.write(`${count}\n`)
  db.close()
} else {
  throw new Error('usage: baseline.mjs insert <input> <database> | read <database>')
}
