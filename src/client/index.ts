// kafkalite's client library: Kafka's Java client API (Admin, KafkaProducer, KafkaConsumer) for the local broker.
export {Admin} from './admin.js'
export {DaemonControl} from './daemon-control.js'
export type {DaemonControlOptions, DaemonInfo} from './daemon-control.js'
export type {
  AbortTransactionSpec,
  ClientQuotaAlteration,
  ClientQuotaEntity,
  ClientQuotaEntry,
  ClientQuotaFilter,
  ClientQuotaFilterComponent,
  ConfigEntry,
  CreatedTopic,
  DeletedRecords,
  IsolationLevel,
  ListOffsetsResultInfo,
  ListTransactionsOptions,
  LogDirDescription,
  NewTopic,
  Node,
  OffsetSpec,
  PartitionProducerState,
  ProducerState,
  ReplicaInfo,
  TopicDescription,
  TopicListing,
  TopicPartitionInfo,
  TransactionDescription,
  TransactionListing,
  UserScramCredentialAlteration,
  UserScramCredentialsDescription,
  TransactionState,
} from './admin.js'
export {KafkaProducer} from './producer/producer.js'
export type {
  OffsetToCommit,
  ProducerInterceptor,
  ProducerRecord,
  RecordMetadata,
  SendCallback,
} from './producer/types.js'
export {ConsumerRecords, KafkaConsumer} from './consumer.js'
export type {
  ConsumerInterceptor,
  ConsumerRecord,
  OffsetAndMetadata,
  RecordView,
  TimestampType,
  TopicPartition,
} from './consumer.js'
export type {ConsumerRebalanceListener, GroupMetadata} from './group-member.js'
export type {Metric} from './metrics.js'
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
export {SchemaRegistryClient, SchemaRegistryError} from './schema-registry/registry-client.js'
export type {
  Compatibility,
  SchemaInfo,
  SchemaMetadata,
  SchemaReference,
  SchemaRegistryClientOptions,
  SchemaRegistryConfig,
} from './schema-registry/registry-client.js'
// Confluent's schema-registry serdes. avsc and ajv load on first use, not with the library.
export {AvroSchema, KafkaAvroDeserializer, KafkaAvroSerializer} from './schema-registry/avro-serde.js'
export type {
  AvroDeserializerOptions,
  AvroSchemaDefinition,
  AvroSerializerOptions,
  GenericRecord,
} from './schema-registry/avro-serde.js'
export {
  JsonSchema,
  KafkaJsonSchemaDeserializer,
  KafkaJsonSchemaSerializer,
} from './schema-registry/json-schema-serde.js'
export type {JsonSchemaSerializerOptions} from './schema-registry/json-schema-serde.js'
export type {SerdeOptions} from './schema-registry/schema-serde.js'
export type {SubjectNameStrategy} from './schema-registry/serde-config.js'
export {
  AuthorizationException,
  CommitFailedException,
  CorruptDatabaseException,
  ERROR_CODES,
  InvalidProducerEpochException,
  InvalidTxnStateException,
  KafkaException,
  KafkaStorageException,
  OffsetOutOfRangeException,
  OutOfOrderSequenceException,
  ProducerFencedException,
  RecordTooLargeException,
  RetriableException,
  TimeoutException,
  TopicAuthorizationException,
  TransactionAbortedException,
  TransactionalIdAuthorizationException,
  TransactionalIdNotFoundException,
  UnknownTopicOrPartitionException,
} from '../errors.js'
export type {ErrorCode} from '../errors.js'
export type {RecordHeader} from '../protocol/kafka/record-batch.js'
