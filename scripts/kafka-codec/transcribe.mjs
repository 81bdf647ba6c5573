#!/usr/bin/env node
// Authoring tool: prints Kafka's spec of an API in kafkalite's definition format, as a starting point or to see what
// a newer Kafka release changed (`diff` its output with the definition file). Kafka's files are read from the
// kafka-clients jar in the local Maven repository and never written into the repository.
//
//   node scripts/kafka-codec/transcribe.mjs <release> <ApiName>...      e.g. 4.4.0 Produce Fetch
//   node scripts/kafka-codec/transcribe.mjs <release> --data <Name>...  e.g. 4.4.0 --data RequestHeader
import {canonicalDefault, covers, fieldVersions, formatRange, intersect} from './model.mjs'
import {kafkaClientsJar, mavenCommand, readSpecsFromJar, specToMessage} from './kafka-specs.mjs'

/** The definition text of one API (its request and response specs). */
export function transcribeApi(request, response, release) {
  const req = specToMessage(request)
  const res = specToMessage(response)
  const lines = [`release ${release}`, '']
  let api = `api ${req.apiKey} ${req.name.replace(/Request$/, '')} versions ${formatRange(req.versions)}`
  api += ` flexible ${formatRange(req.flexible)}`
  if (req.latestUnstable) api += ' unstable-latest'
  lines.push(api)
  for (const [keyword, message] of [
    ['request', req],
    ['response', res],
  ]) {
    lines.push('', keyword)
    lines.push(...messageBody(message))
  }
  return lines.join('\n') + '\n'
}

/** The definition text of a standalone structure (a header, a consumer protocol structure). */
export function transcribeData(spec, keyword) {
  const m = specToMessage(spec)
  return [
    `${keyword} ${m.name} versions ${formatRange(m.versions)} flexible ${formatRange(m.flexible)}`,
    ...messageBody(m),
  ]
}

function messageBody(message) {
  const lines = []
  for (const s of message.structs.values()) {
    lines.push(`  struct ${s.name}`)
    lines.push(...fieldLines(s.fields, message.versions, 2))
  }
  lines.push(...fieldLines(message.fields, message.versions, 1))
  return lines
}

function fieldLines(fields, parent, depth) {
  const lines = []
  for (const f of fields) {
    const present = fieldVersions(f, parent)
    if (present === null) continue // only in versions this release no longer has
    const words = [f.name, f.type]
    if (!covers(f.versions, parent)) words.push(formatRange(f.versions))
    if (f.nullable !== null) words.push(covers(f.nullable, present) ? 'null' : `null:${formatRange(f.nullable)}`)
    if (f.tag !== null) {
      const tagged = intersect(f.taggedVersions ?? f.versions, present)
      words.push(
        tagged && tagged.lo === present.lo && tagged.hi === present.hi
          ? `tag:${f.tag}`
          : `tag:${f.tag}@${formatRange(f.taggedVersions)}`,
      )
    }
    if (f.default !== null) {
      const explicit = canonicalDefault(f)
      if (explicit !== canonicalDefault(f, null)) words.push(`=${explicit}`)
    }
    if (f.nonFlexible) words.push('nonflex')
    lines.push('  '.repeat(depth) + words.join(' '))
    if (f.fields !== null && !f.common) lines.push(...fieldLines(f.fields, present, depth + 1))
  }
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [release, ...names] = process.argv.slice(2)
  if (!release || names.length === 0) {
    process.stderr.write('usage: transcribe.mjs <release> <ApiName>... | --data <Name>...\n')
    process.exit(2)
  }
  const specs = readSpecsFromJar(kafkaClientsJar(release))
  if (specs === null) {
    process.stderr.write(
      `No kafka-clients ${release} jar at ${kafkaClientsJar(release)}. Run: ${mavenCommand(release)}\n`,
    )
    process.exit(1)
  }
  if (names[0] === '--data') {
    const out = [`release ${release}`]
    for (const name of names.slice(1)) {
      const spec = specs.get(`${name}.json`)
      if (!spec) throw new Error(`no spec ${name}.json in kafka-clients ${release}`)
      out.push('', ...transcribeData(spec, spec.type === 'header' ? 'header' : 'data'))
    }
    process.stdout.write(out.join('\n') + '\n')
  } else {
    for (const name of names) {
      const request = specs.get(`${name}Request.json`)
      const response = specs.get(`${name}Response.json`)
      if (!request || !response) throw new Error(`no spec ${name}Request/Response.json in kafka-clients ${release}`)
      process.stdout.write(transcribeApi(request, response, release))
    }
  }
}
