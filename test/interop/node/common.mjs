// What the suite's Node drivers share: the JSON contract of every driver (see test/interop/drivers.ts). One JSON
// object per line on stdout, events first ({"event": ...}), then exactly one {"result": ...} or {"error": "..."}.
// Keys, values and header values travel in base64 (null stays null).
import {createInterface} from 'node:readline'

export function emit(object) {
  process.stdout.write(JSON.stringify(object, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) + '\n')
}

export const b64 = (data) => (data === null || data === undefined ? null : Buffer.from(data).toString('base64'))
export const unb64 = (text) => (text === null || text === undefined ? null : Buffer.from(text, 'base64'))

export function deadline(params, defaultMs = 20_000) {
  const end = Date.now() + (params.timeoutMs ?? defaultMs)
  return {passed: () => Date.now() >= end, left: () => Math.max(0, end - Date.now())}
}

/** Whether a consume scenario has what it asked for: `count` records, or the record keyed `stopKey`. */
export function stopAfter(records, params, record) {
  if (params.count !== undefined && records.length >= params.count) return true
  return params.stopKey !== undefined && record.key === params.stopKey
}

/** Resolves when stdin says "leave" or closes: how the suite tells a group member to leave. */
export function leaveRequested() {
  return new Promise((resolve) => {
    const lines = createInterface({input: process.stdin})
    lines.on('line', (line) => {
      if (line.trim() === 'leave') resolve()
    })
    lines.on('close', resolve)
  })
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns a value other than undefined, or fails when the deadline passes. */
export async function waitFor(what, check, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const value = await check()
    if (value !== undefined) return value
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/**
 * Kafka's range assignment (Java's RangeAssignor): per topic, members sorted by id take consecutive runs of
 * partitions, the first ones one more when the count does not divide. `subscriptions` maps member id to topics.
 */
export function rangeAssign(subscriptions, partitionCounts) {
  const result = new Map([...subscriptions.keys()].map((id) => [id, new Map()]))
  for (const [topic, count] of partitionCounts) {
    const members = [...subscriptions].filter(([, topics]) => topics.includes(topic)).map(([id]) => id)
    members.sort()
    const each = Math.floor(count / members.length)
    const extra = count % members.length
    let next = 0
    members.forEach((id, i) => {
      const n = each + (i < extra ? 1 : 0)
      result.get(id).set(
        topic,
        Array.from({length: n}, (_, j) => next + j),
      )
      next += n
    })
  }
  return result
}

/** Runs a driver: `node <driver> <scenario> '<json parameters>'`, scenarios by name. */
export async function main(scenarios) {
  const [name, raw] = process.argv.slice(2)
  if (name === undefined || raw === undefined) {
    process.stderr.write("usage: <driver> <scenario> '<json parameters>'\n")
    process.exit(2)
  }
  const scenario = scenarios[name]
  if (scenario === undefined) {
    emit({error: `unknown scenario: ${name}`})
    process.exit(1)
  }
  try {
    const result = await scenario(JSON.parse(raw))
    emit({result})
    process.exit(0)
  } catch (error) {
    process.stderr.write(`${error?.stack ?? error}\n`)
    emit({error: String(error?.message ?? error)})
    process.exit(1)
  }
}
