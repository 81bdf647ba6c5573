// Confluent's official JavaScript schema registry client (@confluentinc/schemaregistry) against a registry: it
// registers, looks up, checks compatibility and sets config, and prints what it saw as one JSON line for
// test/interop/schema-registry.test.ts to compare. Usage: node schemaregistry-driver.mjs <url> [user:password]
import {SchemaRegistryClient} from '@confluentinc/schemaregistry'

const [url, userInfo] = process.argv.slice(2)
const client = new SchemaRegistryClient({
  baseURLs: [url],
  maxRetries: 0,
  ...(userInfo ? {basicAuthCredentials: {credentialsSource: 'USER_INFO', userInfo}} : {}),
})

const v1 = JSON.stringify({type: 'record', name: 'User', namespace: 'interop', fields: [{name: 'id', type: 'long'}]})
const v2 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'interop',
  fields: [
    {name: 'id', type: 'long'},
    {name: 'email', type: ['null', 'string'], default: null},
  ],
})
const bad = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'interop',
  fields: [
    {name: 'id', type: 'long'},
    {name: 'age', type: 'int'},
  ],
})
const json = JSON.stringify({type: 'object', properties: {id: {type: 'integer'}}})
const subject = 'interop-users-value'

const error = async (promise) => {
  try {
    await promise
    return null
  } catch (e) {
    return {status: e.status, errorCode: e.errorCode, message: e.message}
  }
}

const out = {}
out.id = await client.register(subject, {schemaType: 'AVRO', schema: v1})
out.byId = await client.getBySubjectAndId(subject, out.id)
out.getId = await client.getId(subject, {schemaType: 'AVRO', schema: v1})
out.latest = await client.getLatestSchemaMetadata(subject)
out.compatibleV2 = await client.testSubjectCompatibility(subject, {schemaType: 'AVRO', schema: v2})
out.compatibleBad = await client.testSubjectCompatibility(subject, {schemaType: 'AVRO', schema: bad})
out.compatibleV2WithVersion1 = await client.testCompatibility(subject, 1, {schemaType: 'AVRO', schema: v2})
out.registerBad = await error(client.register(subject, {schemaType: 'AVRO', schema: bad}))
out.idV2 = await client.register(subject, {schemaType: 'AVRO', schema: v2})
out.version2 = await client.getSchemaMetadata(subject, 2)
out.versions = await client.getAllVersions(subject)
out.jsonId = await client.register('interop-json-value', {schemaType: 'JSON', schema: json})
out.jsonById = await client.getBySubjectAndId('interop-json-value', out.jsonId)
out.subjects = await client.getAllSubjects()
out.setSubjectLevel = await client.updateCompatibility(subject, 'FULL_TRANSITIVE')
out.subjectLevel = await client.getCompatibility(subject)
out.setDefaultLevel = await client.updateDefaultCompatibility('FORWARD')
out.defaultLevel = await client.getDefaultCompatibility()
out.missingSubject = await error(client.getLatestSchemaMetadata('interop-missing'))
out.deletedVersion = await client.deleteSubjectVersion(subject, 2)
out.deletedSubject = await client.deleteSubject(subject)
out.deletedPermanently = await client.deleteSubject(subject, true)
out.subjectsAfter = await client.getAllSubjects()
await client.close()
process.stdout.write(`${JSON.stringify(out)}\n`)
