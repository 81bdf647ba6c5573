// The schema registry section of `npm run bench` (issue 13), called from bench/run.mjs with its shared helpers:
//   registry   lookups over HTTP against the daemon's registry listener, one at a time on a keep-alive connection
//              (as a serializer's client makes them): GET /schemas/ids/{id} (a consumer's lookup by id) and
//              POST /subjects/{s} (a producer's lookup of its schema, parsed and canonicalized by the daemon),
//              against a bare node:http server answering the same body, in a process of its own, measured in the
//              same run with the same client. Target: p99 <= 2 ms.
import {spawn} from 'node:child_process'
import {Agent, request} from 'node:http'
import {rmSync} from 'node:fs'

const LOOKUPS = Number(process.env.BENCH_REGISTRY_LOOKUPS ?? 5000)
const WARMUP = 500

const SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    {name: 'id', type: 'long'},
    {name: 'customer', type: 'string'},
    {name: 'amount', type: 'double'},
    {name: 'status', type: {type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED']}},
    {name: 'note', type: ['null', 'string'], default: null},
  ],
})

function call(agent, port, method, path, body) {
  const payload = body === undefined ? undefined : Buffer.from(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: payload
          ? {'Content-Type': 'application/vnd.schemaregistry.v1+json', 'Content-Length': payload.length}
          : {},
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`))
          else resolve(Buffer.concat(chunks))
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** Latencies in ms of `count` sequential calls, after a warm-up. */
async function latencies(bench, port, method, path, body) {
  const agent = new Agent({keepAlive: true, maxSockets: 1})
  try {
    for (let i = 0; i < WARMUP; i++) await call(agent, port, method, path, body)
    const out = []
    for (let i = 0; i < LOOKUPS; i++) {
      const start = bench.now()
      await call(agent, port, method, path, body)
      out.push(bench.ms(start))
    }
    return out
  } finally {
    agent.destroy()
  }
}

/** A bare node:http server in a child process answering every request with `body`; resolves with it and its port. */
function echoServer(body) {
  const code = `const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'Content-Type':'application/vnd.schemaregistry.v1+json','Content-Length':Buffer.byteLength(${JSON.stringify(body)})});r.end(${JSON.stringify(body)})})});s.keepAliveTimeout=30000;s.listen(0,'127.0.0.1',()=>process.stdout.write(s.address().port+'\\n'))`
  const child = spawn(process.execPath, ['-e', code], {stdio: ['ignore', 'pipe', 'inherit']})
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve({child, port: Number(String(d).trim())}))
    child.once('error', reject)
  })
}

export async function registryLookups(bench) {
  const home = bench.newHome()
  let echo
  try {
    const started = JSON.parse(bench.cli(home, ['daemon', 'start', '--schema-registry', '0', '--json']).stdout)
    const port = started.schemaRegistry[0].port
    const agent = new Agent({keepAlive: true, maxSockets: 1})
    const registered = JSON.parse(
      await call(agent, port, 'POST', '/subjects/orders-value/versions', JSON.stringify({schema: SCHEMA})),
    )
    agent.destroy()
    const byIdPath = `/schemas/ids/${registered.id}`
    const byIdBody = JSON.stringify({schema: registered.schema})
    echo = await echoServer(byIdBody)
    const lookups = [
      ['GET /schemas/ids/{id}', 'GET', byIdPath, undefined],
      ['POST /subjects/{s} (lookup by schema)', 'POST', '/subjects/orders-value', JSON.stringify({schema: SCHEMA})],
    ]
    for (const [name, method, path, body] of lookups) {
      const registry = await latencies(bench, port, method, path, body)
      const baseline = await latencies(bench, echo.port, method, path, body)
      const p99 = bench.percentile(registry, 0.99)
      const baseP99 = bench.percentile(baseline, 0.99)
      bench.log(
        `registry ${name}: p50 ${bench.percentile(registry, 0.5).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms; node:http echo p99 ${baseP99.toFixed(3)} ms`,
      )
      bench.row(
        `registry ${name} over HTTP, p99 of ${LOOKUPS}`,
        p99,
        'ms',
        'bare node:http server, same client, p99',
        baseP99,
        p99 / baseP99,
        '<= 2 ms',
        p99 <= 2,
      )
    }
  } finally {
    echo?.child.kill()
    try {
      bench.cli(home, ['daemon', 'stop'])
    } catch {
      // already stopped
    }
    rmSync(home, {recursive: true, force: true})
  }
}
