// Kafka's numeric error codes, read back into kafkalite's errors: the code a response carries becomes the same
// ErrorData the Unix socket carries, so the client's rules (which errors to retry, which to raise) are written once.
import {ERROR_CODES, exceptionFor, type ErrorCode, type ErrorData, type KafkaException} from '../../errors.js'

const BY_NUMBER = new Map<number, ErrorCode>()
for (const [code, info] of Object.entries(ERROR_CODES) as [ErrorCode, {kafka: number}][]) {
  // The first name of a number wins: Kafka's own, listed before kafkalite's codes that share it.
  if (info.kafka > 0 && !BY_NUMBER.has(info.kafka)) BY_NUMBER.set(info.kafka, code)
}

/** The error of a response's error code and message; undefined for 0 (no error). */
export function errorData(errorCode: number, errorMessage?: string | null): ErrorData | undefined {
  if (errorCode === 0) return undefined
  const code = BY_NUMBER.get(errorCode) ?? 'UNKNOWN_SERVER_ERROR'
  const known = BY_NUMBER.has(errorCode)
  const message =
    errorMessage ||
    (known ? defaultMessage(code) : `The broker answered with Kafka error code ${errorCode}, unknown to kafkalite.`)
  return {code, message}
}

/** The exception of a response's error code (which must not be 0). */
export function kafkaError(errorCode: number, errorMessage: string | null | undefined, what: string): KafkaException {
  const data = errorData(errorCode, errorMessage) ?? {code: 'UNKNOWN_SERVER_ERROR', message: 'no error'}
  return exceptionFor(data.code, errorMessage ? data.message : `${what}: ${data.message}`)
}

/** The text Kafka's Errors.java gives a code, for responses that carry no message of their own. */
function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code] ?? `The broker answered ${code}.`
}

const DEFAULT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'This server does not host this topic-partition.',
  LEADER_NOT_AVAILABLE: 'There is no leader for this topic-partition as we are in the middle of a leadership election.',
  NOT_LEADER_OR_FOLLOWER:
    'For requests intended only for the leader, this error indicates that the broker is not the current leader.',
  NOT_COORDINATOR: 'This is not the correct coordinator.',
  COORDINATOR_NOT_AVAILABLE: 'The coordinator is not available.',
  COORDINATOR_LOAD_IN_PROGRESS: "The coordinator is loading and hence can't process requests.",
  REBALANCE_IN_PROGRESS: 'The group is rebalancing, so a rejoin is needed.',
  GROUP_ID_NOT_FOUND: 'The group id does not exist.',
  NON_EMPTY_GROUP: 'The group is not empty.',
  TOPIC_ALREADY_EXISTS: 'Topic already exists.',
  TOPIC_AUTHORIZATION_FAILED: 'Topic authorization failed.',
  GROUP_AUTHORIZATION_FAILED: 'Group authorization failed.',
  CLUSTER_AUTHORIZATION_FAILED: 'Cluster authorization failed.',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'Transactional Id authorization failed.',
  OFFSET_OUT_OF_RANGE: 'The requested offset is not within the range of offsets maintained by the server.',
  ILLEGAL_GENERATION: 'Specified group generation id is not valid.',
  UNKNOWN_MEMBER_ID: 'The coordinator is not aware of this member.',
  INVALID_TXN_STATE: 'The producer attempted a transactional operation in an invalid state.',
  PRODUCER_FENCED: 'There is a newer producer with the same transactionalId which fences the current one.',
  INVALID_PRODUCER_EPOCH: 'Producer attempted to produce with an old epoch.',
  CONCURRENT_TRANSACTIONS:
    'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.',
  MESSAGE_TOO_LARGE: 'The request included a message larger than the max message size the server will accept.',
  NETWORK_EXCEPTION: 'The server disconnected before a response was received.',
  REQUEST_TIMED_OUT: 'The request timed out.',
  NOT_ENOUGH_REPLICAS: 'Messages are rejected since there are fewer in-sync replicas than required.',
  KAFKA_STORAGE_ERROR: 'Disk error when trying to access log file on the disk.',
  UNSTABLE_OFFSET_COMMIT: 'There are unstable offsets that need to be cleared.',
  GROUP_SUBSCRIBED_TO_TOPIC: 'The consumer group is actively subscribed to the topic',
  SASL_AUTHENTICATION_FAILED: 'SASL Authentication failed.',
}
