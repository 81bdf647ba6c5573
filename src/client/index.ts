// kafkalite's client library: Kafka's Java client API (Admin, KafkaProducer, KafkaConsumer) for the local broker.
export {Admin} from './admin.js'
export type {
  ConfigEntry,
  CreatedTopic,
  IsolationLevel,
  ListOffsetsResultInfo,
  NewTopic,
  Node,
  OffsetSpec,
  TopicDescription,
  TopicListing,
  TopicPartitionInfo,
} from './admin.js'
export {KafkaProducer} from './producer.js'
export type {ProducerRecord, RecordMetadata, SendCallback} from './producer.js'
export {ConsumerRecords, KafkaConsumer} from './consumer.js'
export type {ConsumerRecord, RecordView, TimestampType, TopicPartition} from './consumer.js'
export {
  BufferDeserializer,
  BufferSerializer,
  JsonDeserializer,
  JsonSerializer,
  StringDeserializer,
  StringSerializer,
} from './serializers.js'
export type {Deserializer, Serializer} from './serializers.js'
export type {ClientConfig} from './config.js'
export {ERROR_CODES, KafkaException} from '../errors.js'
export type {ErrorCode} from '../errors.js'
export type {RecordHeader} from '../protocol/record-batch.js'
