// The closed list of error codes. Kafka's names where Kafka has the concept (clients/.../protocol/Errors.java),
// our own for what only a local daemon has. Errors cross the socket as {code, message}; every side turns a code
// back into the matching class with `errorFromCode`.

/**
 * Every code an error can carry, with whether a retry can succeed, the exception class name Kafka uses, and its
 * numeric code on Kafka's wire (Errors.java). Codes that never cross Kafka's wire (the client's own exceptions,
 * kafkalite's daemon errors) carry -1, UNKNOWN_SERVER_ERROR, should a Kafka response ever need one.
 */
export const ERROR_CODES = {
  // Kafka's own codes.
  UNKNOWN_SERVER_ERROR: {retriable: false, name: 'UnknownServerException', kafka: -1},
  OFFSET_OUT_OF_RANGE: {retriable: false, name: 'OffsetOutOfRangeException', kafka: 1},
  CORRUPT_MESSAGE: {retriable: true, name: 'CorruptRecordException', kafka: 2},
  UNKNOWN_TOPIC_OR_PARTITION: {retriable: true, name: 'UnknownTopicOrPartitionException', kafka: 3},
  INVALID_FETCH_SIZE: {retriable: false, name: 'InvalidFetchSizeException', kafka: 4},
  LEADER_NOT_AVAILABLE: {retriable: true, name: 'LeaderNotAvailableException', kafka: 5},
  NOT_LEADER_OR_FOLLOWER: {retriable: true, name: 'NotLeaderOrFollowerException', kafka: 6},
  REPLICA_NOT_AVAILABLE: {retriable: true, name: 'ReplicaNotAvailableException', kafka: 9},
  NETWORK_EXCEPTION: {retriable: true, name: 'NetworkException', kafka: 13},
  GROUP_AUTHORIZATION_FAILED: {retriable: false, name: 'GroupAuthorizationException', kafka: 30},
  CLUSTER_AUTHORIZATION_FAILED: {retriable: false, name: 'ClusterAuthorizationException', kafka: 31},
  NOT_CONTROLLER: {retriable: true, name: 'NotControllerException', kafka: 41},
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: {retriable: true, name: 'NotEnoughReplicasAfterAppendException', kafka: 20},
  ILLEGAL_SASL_STATE: {retriable: false, name: 'IllegalSaslStateException', kafka: 34},
  SASL_AUTHENTICATION_FAILED: {retriable: false, name: 'SaslAuthenticationException', kafka: 58},
  SSL_AUTHENTICATION_FAILED: {retriable: false, name: 'SslAuthenticationException', kafka: -1},
  UNKNOWN_PRODUCER_ID: {retriable: false, name: 'UnknownProducerIdException', kafka: 59},
  FENCED_LEADER_EPOCH: {retriable: true, name: 'FencedLeaderEpochException', kafka: 74},
  OFFSET_NOT_AVAILABLE: {retriable: true, name: 'OffsetNotAvailableException', kafka: 78},
  PREFERRED_LEADER_NOT_AVAILABLE: {retriable: true, name: 'PreferredLeaderNotAvailableException', kafka: 80},
  THROTTLING_QUOTA_EXCEEDED: {retriable: true, name: 'ThrottlingQuotaExceededException', kafka: 89},
  TRANSACTION_COORDINATOR_FENCED: {retriable: false, name: 'TransactionCoordinatorFencedException', kafka: 52},
  SECURITY_DISABLED: {retriable: false, name: 'SecurityDisabledException', kafka: 54},
  REQUEST_TIMED_OUT: {retriable: true, name: 'TimeoutException', kafka: 7},
  MESSAGE_TOO_LARGE: {retriable: false, name: 'RecordTooLargeException', kafka: 10},
  INVALID_TOPIC_EXCEPTION: {retriable: false, name: 'InvalidTopicException', kafka: 17},
  RECORD_LIST_TOO_LARGE: {retriable: false, name: 'RecordBatchTooLargeException', kafka: 18},
  INVALID_REQUIRED_ACKS: {retriable: false, name: 'InvalidRequiredAcksException', kafka: 21},
  INVALID_TIMESTAMP: {retriable: false, name: 'InvalidTimestampException', kafka: 32},
  UNSUPPORTED_VERSION: {retriable: false, name: 'UnsupportedVersionException', kafka: 35},
  TOPIC_ALREADY_EXISTS: {retriable: false, name: 'TopicExistsException', kafka: 36},
  INVALID_PARTITIONS: {retriable: false, name: 'InvalidPartitionsException', kafka: 37},
  INVALID_REPLICATION_FACTOR: {retriable: false, name: 'InvalidReplicationFactorException', kafka: 38},
  INVALID_REPLICA_ASSIGNMENT: {retriable: false, name: 'InvalidReplicaAssignmentException', kafka: 39},
  INVALID_CONFIG: {retriable: false, name: 'InvalidConfigurationException', kafka: 40},
  INVALID_REQUEST: {retriable: false, name: 'InvalidRequestException', kafka: 42},
  POLICY_VIOLATION: {retriable: false, name: 'PolicyViolationException', kafka: 44},
  INVALID_RECORD: {retriable: false, name: 'InvalidRecordException', kafka: 87},
  TOPIC_AUTHORIZATION_FAILED: {retriable: false, name: 'TopicAuthorizationException', kafka: 29},
  NOT_ENOUGH_REPLICAS: {retriable: true, name: 'NotEnoughReplicasException', kafka: 19},
  KAFKA_STORAGE_ERROR: {retriable: true, name: 'KafkaStorageException', kafka: 56},
  UNKNOWN_TOPIC_ID: {retriable: true, name: 'UnknownTopicIdException', kafka: 100},
  UNKNOWN_LEADER_EPOCH: {retriable: true, name: 'UnknownLeaderEpochException', kafka: 75},
  MISMATCHED_ENDPOINT_TYPE: {retriable: false, name: 'MismatchedEndpointTypeException', kafka: 114},
  UNSUPPORTED_ENDPOINT_TYPE: {retriable: false, name: 'UnsupportedEndpointTypeException', kafka: 115},
  MEMBER_ID_REQUIRED: {retriable: false, name: 'MemberIdRequiredException', kafka: 79},
  UNSUPPORTED_SASL_MECHANISM: {retriable: false, name: 'UnsupportedSaslMechanismException', kafka: 33},
  NOT_COORDINATOR: {retriable: true, name: 'NotCoordinatorException', kafka: 16},
  COORDINATOR_LOAD_IN_PROGRESS: {retriable: true, name: 'CoordinatorLoadInProgressException', kafka: 14},
  INVALID_FETCH_SESSION_EPOCH: {retriable: true, name: 'InvalidFetchSessionEpochException', kafka: 71},
  FETCH_SESSION_ID_NOT_FOUND: {retriable: true, name: 'FetchSessionIdNotFoundException', kafka: 70},
  TOPIC_DELETION_DISABLED: {retriable: false, name: 'TopicDeletionDisabledException', kafka: 73},
  ILLEGAL_GENERATION: {retriable: false, name: 'IllegalGenerationException', kafka: 22},
  INCONSISTENT_GROUP_PROTOCOL: {retriable: false, name: 'InconsistentGroupProtocolException', kafka: 23},
  INVALID_GROUP_ID: {retriable: false, name: 'InvalidGroupIdException', kafka: 24},
  UNKNOWN_MEMBER_ID: {retriable: false, name: 'UnknownMemberIdException', kafka: 25},
  INVALID_SESSION_TIMEOUT: {retriable: false, name: 'InvalidSessionTimeoutException', kafka: 26},
  REBALANCE_IN_PROGRESS: {retriable: false, name: 'RebalanceInProgressException', kafka: 27},
  COORDINATOR_NOT_AVAILABLE: {retriable: true, name: 'CoordinatorNotAvailableException', kafka: 15},
  GROUP_ID_NOT_FOUND: {retriable: false, name: 'GroupIdNotFoundException', kafka: 69},
  NON_EMPTY_GROUP: {retriable: false, name: 'GroupNotEmptyException', kafka: 68},
  FENCED_INSTANCE_ID: {retriable: false, name: 'FencedInstanceIdException', kafka: 82},
  GROUP_SUBSCRIBED_TO_TOPIC: {retriable: false, name: 'GroupSubscribedToTopicException', kafka: 86},
  COMMIT_FAILED: {retriable: false, name: 'CommitFailedException', kafka: -1},
  NO_OFFSET_FOR_PARTITION: {retriable: false, name: 'NoOffsetForPartitionException', kafka: -1},
  OUT_OF_ORDER_SEQUENCE_NUMBER: {retriable: false, name: 'OutOfOrderSequenceException', kafka: 45},
  DUPLICATE_SEQUENCE_NUMBER: {retriable: false, name: 'DuplicateSequenceException', kafka: 46},
  INVALID_PRODUCER_EPOCH: {retriable: false, name: 'InvalidProducerEpochException', kafka: 47},
  PRODUCER_FENCED: {retriable: false, name: 'ProducerFencedException', kafka: 90},
  INVALID_TXN_STATE: {retriable: false, name: 'InvalidTxnStateException', kafka: 48},
  INVALID_PRODUCER_ID_MAPPING: {retriable: false, name: 'InvalidPidMappingException', kafka: 49},
  INVALID_TRANSACTION_TIMEOUT: {retriable: false, name: 'InvalidTxnTimeoutException', kafka: 50},
  CONCURRENT_TRANSACTIONS: {retriable: true, name: 'ConcurrentTransactionsException', kafka: 51},
  TRANSACTIONAL_ID_NOT_FOUND: {retriable: false, name: 'TransactionalIdNotFoundException', kafka: 105},
  OPERATION_NOT_ATTEMPTED: {retriable: false, name: 'OperationNotAttemptedException', kafka: 55},
  TRANSACTION_ABORTED: {retriable: false, name: 'TransactionAbortedException', kafka: -1},
  UNSTABLE_OFFSET_COMMIT: {retriable: true, name: 'UnstableOffsetCommitException', kafka: 88},
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: {retriable: false, name: 'TransactionalIdAuthorizationException', kafka: 53},
  RESOURCE_NOT_FOUND: {retriable: false, name: 'ResourceNotFoundException', kafka: 91},
  DUPLICATE_RESOURCE: {retriable: false, name: 'DuplicateResourceException', kafka: 92},
  UNACCEPTABLE_CREDENTIAL: {retriable: false, name: 'UnacceptableCredentialException', kafka: 93},
  // kafkalite's own codes.
  TRANSACTION_INCOMPLETE: {retriable: true, name: 'TransactionIncompleteException', kafka: -1},
  LAG_CHECK_FAILED: {retriable: false, name: 'LagCheckFailedException', kafka: -1},
  DAEMON_UNAVAILABLE: {retriable: true, name: 'DaemonUnavailableException', kafka: -1},
  DAEMON_START_FAILED: {retriable: false, name: 'DaemonStartException', kafka: -1},
  LISTENER_UNAVAILABLE: {retriable: false, name: 'ListenerUnavailableException', kafka: -1},
  DAEMON_VERSION_MISMATCH: {retriable: false, name: 'DaemonVersionMismatchException', kafka: -1},
  HOME_NOT_USABLE: {retriable: false, name: 'HomeNotUsableException', kafka: -1},
  SOCKET_PATH_TOO_LONG: {retriable: false, name: 'SocketPathTooLongException', kafka: -1},
  SCHEMA_FROM_FUTURE: {retriable: false, name: 'SchemaFromFutureException', kafka: -1},
  // On Kafka's wire, a damaged database is a storage error.
  CORRUPT_DATABASE: {retriable: false, name: 'CorruptDatabaseException', kafka: 56},
  BROKER_CONFIG_INVALID: {retriable: false, name: 'BrokerConfigException', kafka: -1},
  REMOTE_CLUSTER_UNSUPPORTED: {retriable: false, name: 'RemoteClusterUnsupportedException', kafka: -1},
  CONNECTION_CLOSED: {retriable: true, name: 'DisconnectException', kafka: -1},
  RECORD_PARSE_ERROR: {retriable: false, name: 'KafkaException', kafka: -1},
  // A value its serializer refuses (not matching its schema, a registry that refused the schema), and a record the
  // consumer cannot deserialize: Kafka's client-side SerializationException and RecordDeserializationException.
  SERIALIZATION: {retriable: false, name: 'SerializationException', kafka: -1},
  RECORD_DESERIALIZATION: {retriable: false, name: 'RecordDeserializationException', kafka: -1},
  ILLEGAL_STATE: {retriable: false, name: 'IllegalStateException', kafka: -1},
  WAKEUP: {retriable: false, name: 'WakeupException', kafka: -1},
  INTERRUPTED: {retriable: false, name: 'InterruptException', kafka: -1},
  USAGE: {retriable: false, name: 'IllegalArgumentException', kafka: -1},
} as const satisfies Record<string, {retriable: boolean; name: string; kafka: number}>

export type ErrorCode = keyof typeof ERROR_CODES

/** Exit codes of every command: 0 success, 1 an error at run time, 2 a usage error (bad flags or arguments). */
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

/** The error data that crosses the socket. */
export interface ErrorData {
  code: ErrorCode
  message: string
}

/** Kafka's base exception: every error kafkalite raises is one, with a stable `code`. */
export class KafkaException extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  /** The process exit code a command uses when this error ends it. */
  readonly exitCode: number

  constructor(code: ErrorCode, message: string, options: {cause?: unknown; exitCode?: number} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.code = code
    this.retriable = ERROR_CODES[code].retriable
    this.exitCode = options.exitCode ?? (code === 'USAGE' ? EXIT_USAGE : EXIT_ERROR)
    this.name = ERROR_CODES[code].name
  }

  toJSON(): ErrorData {
    return {code: this.code, message: this.message}
  }
}

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)

type ExceptionOptions = {cause?: unknown; exitCode?: number}

/** Kafka's RetriableException: an error a retry of the same operation may not meet again. */
export class RetriableException extends KafkaException {}

/** Kafka's AuthorizationException, the base of the *AuthorizationException classes. */
export class AuthorizationException extends KafkaException {}

// Kafka's typed exceptions, one class per error code a caller is expected to tell apart. Every error of that code
// that reaches the client library is an instance of its class (see exceptionFor).
export class TimeoutException extends RetriableException {
  constructor(message: string, options?: ExceptionOptions) {
    super('REQUEST_TIMED_OUT', message, options)
  }
}
export class UnknownTopicOrPartitionException extends RetriableException {
  constructor(message: string, options?: ExceptionOptions) {
    super('UNKNOWN_TOPIC_OR_PARTITION', message, options)
  }
}
export class TopicAuthorizationException extends AuthorizationException {
  constructor(message: string, options?: ExceptionOptions) {
    super('TOPIC_AUTHORIZATION_FAILED', message, options)
  }
}
export class TransactionalIdAuthorizationException extends AuthorizationException {
  constructor(message: string, options?: ExceptionOptions) {
    super('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', message, options)
  }
}
export class RecordTooLargeException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('MESSAGE_TOO_LARGE', message, options)
  }
}
export class OffsetOutOfRangeException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('OFFSET_OUT_OF_RANGE', message, options)
  }
}
export class CommitFailedException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('COMMIT_FAILED', message, options)
  }
}
/** Fatal for a transactional producer: another producer with its transactional.id took over. Close the producer. */
export class ProducerFencedException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('PRODUCER_FENCED', message, options)
  }
}
export class InvalidProducerEpochException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('INVALID_PRODUCER_EPOCH', message, options)
  }
}
export class OutOfOrderSequenceException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('OUT_OF_ORDER_SEQUENCE_NUMBER', message, options)
  }
}
export class InvalidTxnStateException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('INVALID_TXN_STATE', message, options)
  }
}
/** describeTransactions of a transactional id the coordinator does not know. */
export class TransactionalIdNotFoundException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('TRANSACTIONAL_ID_NOT_FOUND', message, options)
  }
}
/** A record of a transaction that was aborted before the record was sent. */
export class TransactionAbortedException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('TRANSACTION_ABORTED', message, options)
  }
}

/** The broker cannot write (or read) its storage now: a full disk, an I/O error. Retriable: it may pass. */
export class KafkaStorageException extends RetriableException {
  constructor(message: string, options?: ExceptionOptions) {
    super('KAFKA_STORAGE_ERROR', message, options)
  }
}

/** The broker's database is damaged: the daemon stops, and refuses to start until `kafkalite daemon check` says. */
export class CorruptDatabaseException extends KafkaException {
  constructor(message: string, options?: ExceptionOptions) {
    super('CORRUPT_DATABASE', message, options)
  }
}

type ExceptionClass = new (message: string, options?: ExceptionOptions) => KafkaException

const TYPED: Partial<Record<ErrorCode, ExceptionClass>> = {
  REQUEST_TIMED_OUT: TimeoutException,
  UNKNOWN_TOPIC_OR_PARTITION: UnknownTopicOrPartitionException,
  TOPIC_AUTHORIZATION_FAILED: TopicAuthorizationException,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: TransactionalIdAuthorizationException,
  MESSAGE_TOO_LARGE: RecordTooLargeException,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeException,
  COMMIT_FAILED: CommitFailedException,
  PRODUCER_FENCED: ProducerFencedException,
  INVALID_PRODUCER_EPOCH: InvalidProducerEpochException,
  OUT_OF_ORDER_SEQUENCE_NUMBER: OutOfOrderSequenceException,
  INVALID_TXN_STATE: InvalidTxnStateException,
  TRANSACTIONAL_ID_NOT_FOUND: TransactionalIdNotFoundException,
  TRANSACTION_ABORTED: TransactionAbortedException,
  KAFKA_STORAGE_ERROR: KafkaStorageException,
  CORRUPT_DATABASE: CorruptDatabaseException,
}

/** The exception of a code, as its typed class when Kafka has one (RetriableException for other retriable codes). */
export function exceptionFor(code: ErrorCode, message: string, options?: ExceptionOptions): KafkaException {
  const typed = TYPED[code]
  if (typed) return new typed(message, options)
  return ERROR_CODES[code].retriable
    ? new RetriableException(code, message, options)
    : new KafkaException(code, message, options)
}

/** Turns error data from the socket back into an exception; an unknown code becomes UNKNOWN_SERVER_ERROR. */
export function errorFromData(data: {code?: unknown; message?: unknown}): KafkaException {
  const message = typeof data.message === 'string' ? data.message : 'Unknown error'
  return exceptionFor(isErrorCode(data.code) ? data.code : 'UNKNOWN_SERVER_ERROR', message)
}

/** A usage error: bad flags, arguments or properties. Exit code 2. */
export function usageError(message: string): KafkaException {
  return new KafkaException('USAGE', message)
}

/** Wraps anything thrown into a KafkaException, keeping the original as the cause. */
export function toKafkaException(error: unknown): KafkaException {
  if (error instanceof KafkaException) return error
  if (typeof error === 'object' && error !== null && !(error instanceof Error) && 'code' in error) {
    return errorFromData(error as {code?: unknown; message?: unknown})
  }
  const message = error instanceof Error ? error.message : String(error)
  return new KafkaException('UNKNOWN_SERVER_ERROR', message, {cause: error})
}
