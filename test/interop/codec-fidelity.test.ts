// Fidelity of kafkalite's Kafka message definitions to Apache Kafka's own specs, field by field and version by
// version: names, types, presence, nullability, tags, compactness (flexible versions) and defaults. Kafka's specs
// are read from the kafka-clients jar of the pinned release in the local Maven repository. Without the jar the test
// is skipped and says how to get it:
//
//   node scripts/kafka-codec/kafka-specs.mjs fetch     (mvn dependency:get of the releases the definitions name)
//   npx vitest run test/interop/codec-fidelity.test.ts
import {describe, expect, it} from 'vitest'
import {
  compareMessage,
  kafkaClientsJar,
  mavenCommand,
  readSpecsFromJar,
  specToMessage,
} from '../../scripts/kafka-codec/kafka-specs.mjs'
import {intersect, parseDefinitionFile, type Message} from '../../scripts/kafka-codec/model.mjs'
import {MESSAGES} from '../helpers/kafka-samples.js'

const RELEASE = MESSAGES[0]!.release
const LEGACY_RELEASES = [...new Set(MESSAGES.flatMap((m) => (m.legacy?.release ? [m.legacy.release] : [])))]

function specsOf(release: string) {
  const jar = kafkaClientsJar(release)
  const specs = readSpecsFromJar(jar)
  const missing = `no kafka-clients ${release} jar at ${jar}; run \`${mavenCommand(release)}\` (or \`node scripts/kafka-codec/kafka-specs.mjs fetch\`)`
  if (specs === null) console.warn(`codec fidelity: skipped for Apache Kafka ${release}: ${missing}`)
  return {specs, missing}
}

function kafkaMessage(specs: Map<string, unknown>, name: string): Message {
  const spec = specs.get(`${name}.json`)
  if (spec === undefined) throw new Error(`Kafka ${RELEASE} has no spec ${name}.json`)
  return specToMessage(spec)
}

const pinned = specsOf(RELEASE)

describe.skipIf(pinned.specs === null)(`the definitions against Apache Kafka ${RELEASE}'s specs`, () => {
  const specs = pinned.specs!

  it('name the release they carry in every file', () => {
    expect(new Set(MESSAGES.map((m) => m.release))).toEqual(new Set([RELEASE]))
  })

  for (const ours of MESSAGES) {
    it(`agree on ${ours.name}: key, versions, flexible versions`, () => {
      const theirs = kafkaMessage(specs, ours.name)
      expect(ours.apiKey).toBe(theirs.apiKey)
      expect(ours.kind).toBe(theirs.kind)
      const kafkaRange = ours.legacy ? {lo: ours.legacy.versions.hi + 1, hi: ours.versions.hi} : ours.versions
      expect(kafkaRange).toEqual(theirs.versions)
      expect(ours.flexible).toEqual(theirs.flexible)
      // Kafka marks only the request spec (the response follows it).
      if (ours.kind === 'request') expect(ours.latestUnstable).toBe(theirs.latestUnstable)
    })

    it(`agree on ${ours.name} field by field at every version`, () => {
      const theirs = kafkaMessage(specs, ours.name)
      expect(compareMessage(ours, theirs, intersect(ours.versions, theirs.versions)!)).toEqual([])
    })
  }

  it('would report a difference (the comparison is not vacuous)', () => {
    const theirs = kafkaMessage(specs, 'ProduceRequest')
    const altered = parseDefinitionFile(
      [
        'release 4.4.0',
        'api 0 Produce versions 3-13 flexible 9+',
        'request',
        '  TransactionalId string 3+ null =null',
        '  Acks int32', // int16 in Kafka
        '  TimeoutMs int32',
        '  TopicData []TopicProduceData',
        '    Name string 0-12',
        '    PartitionData []PartitionProduceData',
        '      Index int32',
        '      Records records', // nullable in Kafka, and TopicId (13+) is missing
        'response',
        '  ThrottleTimeMs int32',
      ].join('\n'),
    ).find((m) => m.kind === 'request')!
    const diffs = compareMessage(altered, theirs, {lo: 3, hi: 13})
    expect(diffs).toContain("ProduceRequest v3 Acks: type int32 vs Kafka's int16")
    expect(diffs).toContain("ProduceRequest v3 TopicData PartitionData Records: nullable false vs Kafka's true")
    expect(diffs).toContain("ProduceRequest v13 TopicData: fields [PartitionData] vs Kafka's [TopicId, PartitionData]")
  })
})

for (const release of LEGACY_RELEASES) {
  const legacy = specsOf(release)
  describe.skipIf(legacy.specs === null)(
    `the versions Kafka 4 removed, against Apache Kafka ${release}'s specs`,
    () => {
      for (const ours of MESSAGES.filter((m) => m.legacy?.release === release)) {
        it(`agree on ${ours.name} v${ours.legacy!.versions.lo}-${ours.legacy!.versions.hi} field by field`, () => {
          const theirs = kafkaMessage(legacy.specs!, ours.name)
          expect(compareMessage(ours, theirs, ours.legacy!.versions)).toEqual([])
        })
      }
    },
  )
}

if (pinned.specs === null) {
  describe('without the kafka-clients jar', () => {
    // In the interoperability suite the jars are installed: a missing one is a failure there, not a skip.
    if (process.env.KAFKALITE_REQUIRE_KAFKA_SPECS === '1') {
      it('finds the kafka-clients jar of the pinned release', () => expect.fail(pinned.missing))
    } else {
      it.skip(`compares nothing: ${pinned.missing}`, () => {})
    }
  })
}
