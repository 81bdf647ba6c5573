// Apache Kafka's own message specs (clients/src/main/resources/common/message/*.json), read at test or authoring time
// from the kafka-clients jar of Maven Central, never copied into the repository. They are the reference the fidelity
// check compares kafkalite's definitions with, and what scripts/kafka-codec/transcribe.mjs starts from.
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {inflateRawSync} from 'node:zlib'
import {
  canonicalDefault,
  fieldsAt,
  formatRange,
  intersect,
  isFlexible,
  loadDefinitions,
  parseRange,
  PRIMITIVES,
} from './model.mjs'

/** Where Maven keeps the kafka-clients jar of a release; KAFKA_CLIENTS_JAR_<version with underscores> overrides it. */
export function kafkaClientsJar(release) {
  const override = process.env[`KAFKA_CLIENTS_JAR_${release.replaceAll('.', '_')}`]
  if (override) return override
  const m2 = process.env.MAVEN_REPOSITORY ?? join(homedir(), '.m2', 'repository')
  return join(m2, 'org/apache/kafka/kafka-clients', release, `kafka-clients-${release}.jar`)
}

/** The Maven command that brings the jar of a release. */
export function mavenCommand(release) {
  return `mvn -q dependency:get -Dartifact=org.apache.kafka:kafka-clients:${release} -Dtransitive=false`
}

/**
 * The message specs in a kafka-clients jar, by file name (`ProduceRequest.json` -> parsed JSON), or null when the jar
 * is not there.
 */
export function readSpecsFromJar(jarPath) {
  if (!existsSync(jarPath)) return null
  const specs = new Map()
  for (const [name, data] of readZip(readFileSync(jarPath), (n) => /^common\/message\/[A-Za-z]+\.json$/.test(n))) {
    specs.set(name.slice('common/message/'.length), parseJsonWithComments(data.toString('utf8')))
  }
  return specs
}

/** The entries of a zip archive whose names pass the filter (stored or deflated, no zip64: a jar is small). */
function* readZip(zip, filter) {
  let eocd = zip.length - 22
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory')
    const method = zip.readUInt16LE(p + 10)
    const compressedSize = zip.readUInt32LE(p + 20)
    const nameLength = zip.readUInt16LE(p + 28)
    const extraLength = zip.readUInt16LE(p + 30)
    const commentLength = zip.readUInt16LE(p + 32)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength)
    p += 46 + nameLength + extraLength + commentLength
    if (!filter(name)) continue
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const raw = zip.subarray(start, start + compressedSize)
    if (method === 0) yield [name, raw]
    else if (method === 8) yield [name, inflateRawSync(raw)]
    else throw new Error(`zip entry ${name}: unsupported compression method ${method}`)
  }
}

/** Kafka's spec files are JSON with // comments. */
export function parseJsonWithComments(text) {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      out += c
      if (c === '\\') out += text[++i]
      else if (c === '"') inString = false
    } else if (c === '"') {
      inString = true
      out += c
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else {
      out += c
    }
  }
  return JSON.parse(out)
}

/** A Kafka spec as the same model kafkalite's definitions parse into (model.mjs). */
export function specToMessage(spec) {
  const structs = new Map()
  for (const s of spec.commonStructs ?? []) {
    structs.set(s.name, {name: s.name, versions: parseRange(s.versions), fields: s.fields.map(toField)})
  }
  const link = (fields) => {
    for (const f of fields) {
      if (f.structName === null) continue
      if (f.fields === null) {
        const common = structs.get(f.structName)
        if (!common) throw new Error(`${spec.name}.${f.name}: unknown struct ${f.structName}`)
        f.fields = common.fields
        f.common = true
      } else {
        link(f.fields)
      }
    }
  }
  const fields = spec.fields.map(toField)
  link(fields)
  for (const s of structs.values()) link(s.fields)
  return {
    name: spec.name,
    kind: spec.type,
    apiKey: spec.apiKey ?? null,
    versions: parseRange(spec.validVersions),
    flexible: parseRange(spec.flexibleVersions),
    legacy: null,
    latestUnstable: spec.latestVersionUnstable === true,
    fields,
    structs,
  }
}

function toField(f) {
  const array = f.type.startsWith('[]')
  const base = array ? f.type.slice(2) : f.type
  const structName = PRIMITIVES.has(base) ? null : base
  return {
    name: f.name,
    type: f.type,
    array,
    base,
    structName,
    versions: parseRange(f.versions),
    nullable: f.nullableVersions ? parseRange(f.nullableVersions) : null,
    tag: f.tag ?? null,
    taggedVersions: f.taggedVersions ? parseRange(f.taggedVersions) : null,
    default: f.default === undefined ? null : String(f.default),
    nonFlexible: f.flexibleVersions === 'none',
    fields: f.fields ? f.fields.map(toField) : null,
    common: false,
  }
}

/**
 * Compares one of kafkalite's messages with Kafka's spec of it, version by version over `versions` (the versions both
 * should agree on). Returns one line per difference; an empty list means they agree.
 */
export function compareMessage(ours, theirs, versions) {
  const diffs = []
  const where = ours.name
  if (ours.apiKey !== null && ours.apiKey !== theirs.apiKey)
    diffs.push(`${where}: API key ${ours.apiKey} vs Kafka's ${theirs.apiKey}`)
  for (let v = versions.lo; v <= versions.hi; v++) {
    if (isFlexible(ours, v) !== isFlexible(theirs, v)) {
      diffs.push(`${where} v${v}: flexible ${isFlexible(ours, v)} vs Kafka's ${isFlexible(theirs, v)}`)
    }
    compareFields(
      fieldsAt(ours.fields, v, isFlexible(ours, v)),
      fieldsAt(theirs.fields, v, isFlexible(theirs, v)),
      `${where} v${v}`,
      diffs,
    )
  }
  return diffs
}

function compareFields(a, b, where, diffs) {
  const names = (list) => list.map((f) => f.name).join(', ')
  if (names(a) !== names(b)) {
    diffs.push(`${where}: fields [${names(a)}] vs Kafka's [${names(b)}]`)
    return
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i]
    const y = b[i]
    const at = `${where} ${x.name}`
    for (const key of ['type', 'nullable', 'tag', 'compact', 'default']) {
      if (x[key] !== y[key]) diffs.push(`${at}: ${key} ${x[key]} vs Kafka's ${y[key]}`)
    }
    if (x.fields || y.fields) compareFields(x.fields ?? [], y.fields ?? [], at, diffs)
  }
}

/** The versions of ours that a given release of Kafka defines: everything but the legacy ones. */
export function comparableVersions(ours, theirs) {
  return intersect(ours.versions, theirs.versions)
}

export {canonicalDefault, formatRange}

/** The Kafka releases the definitions name: the pinned one, and those their legacy versions come from. */
export function definitionReleases() {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../src/protocol/kafka/definitions')
  const releases = new Set()
  for (const m of loadDefinitions(dir)) {
    releases.add(m.release)
    if (m.legacy?.release) releases.add(m.legacy.release)
  }
  return [...releases]
}

// `node scripts/kafka-codec/kafka-specs.mjs fetch`: brings the kafka-clients jars the fidelity test reads.
if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] !== 'fetch') {
    process.stderr.write('usage: kafka-specs.mjs fetch\n')
    process.exit(2)
  }
  for (const release of definitionReleases()) {
    if (existsSync(kafkaClientsJar(release))) {
      process.stderr.write(`kafka-clients ${release}: ${kafkaClientsJar(release)}\n`)
      continue
    }
    process.stderr.write(`kafka-clients ${release}: ${mavenCommand(release)}\n`)
    const [command, ...args] = mavenCommand(release).split(' ')
    execFileSync(command, args, {stdio: 'inherit'})
  }
}
