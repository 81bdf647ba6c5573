// PRODUCER_FENCED (KIP-588, Kafka 2.7) is newer than the transaction APIs: a request of a version from before it is
// answered INVALID_PRODUCER_EPOCH instead, as Kafka's KafkaApis answers it, which those clients treat as fenced.
import {kafkaCode} from './api.js'

/** The error code to send: PRODUCER_FENCED as INVALID_PRODUCER_EPOCH when `version` is below `fencedSince`. */
export function fencedCode(errorCode: number, version: number, fencedSince: number): number {
  return version < fencedSince && errorCode === kafkaCode('PRODUCER_FENCED')
    ? kafkaCode('INVALID_PRODUCER_EPOCH')
    : errorCode
}
