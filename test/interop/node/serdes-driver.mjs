// Confluent's official JavaScript serdes (@confluentinc/schemaregistry's AvroSerializer, AvroDeserializer,
// JsonSerializer, JsonDeserializer) against a registry: it registers the schema it is given under <topic>-value,
// serializes the values with it (useLatestVersion, as Confluent's docs do for a given schema), and deserializes the
// bytes kafkalite's serializers wrote. One JSON line out, for test/interop/schema-serdes.test.ts to compare.
// Usage: node serdes-driver.mjs '<json: {url, format: "avro"|"json", topic, schema, values, bytes: [hex]}>'
import {
  AvroDeserializer,
  AvroSerializer,
  JsonDeserializer,
  JsonSerializer,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry'

const {url, format, topic, schema, values, bytes} = JSON.parse(process.argv[2])
const client = new SchemaRegistryClient({baseURLs: [url], maxRetries: 0})
const id = await client.register(`${topic}-value`, {schemaType: format === 'avro' ? 'AVRO' : 'JSON', schema})
const config = {useLatestVersion: true, autoRegisterSchemas: false, ...(format === 'json' ? {validate: true} : {})}
const serializer =
  format === 'avro'
    ? new AvroSerializer(client, SerdeType.VALUE, config)
    : new JsonSerializer(client, SerdeType.VALUE, config)
const deserializer =
  format === 'avro'
    ? new AvroDeserializer(client, SerdeType.VALUE, {})
    : new JsonDeserializer(client, SerdeType.VALUE, {})
const written = []
for (const v of values) written.push((await serializer.serialize(topic, v)).toString('hex'))
const read = []
for (const hex of bytes) read.push(await deserializer.deserialize(topic, Buffer.from(hex, 'hex')))
let refused = null
try {
  await serializer.serialize(topic, format === 'avro' ? {name: 'x', age: 'not an int'} : {id: 'not an integer'})
} catch (e) {
  refused = e.message
}
console.log(JSON.stringify({id, written, read, refused}))
