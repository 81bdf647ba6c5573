// The Kafka APIs the listener serves: one adapter per API key (NN-name.ts, NN the key), each stating its versions.
// ApiVersions is built from this list. To add an API: write its definition (src/protocol/kafka/definitions/), its
// adapter here, add it below, and test it with real clients (test/interop) and the listener's own tests.
import type {KafkaApi} from '../api.js'
import {produceApi} from './00-produce.js'
import {fetchApi} from './01-fetch.js'
import {listOffsetsApi} from './02-list-offsets.js'
import {metadataApi} from './03-metadata.js'
import {offsetCommitApi} from './08-offset-commit.js'
import {offsetFetchApi} from './09-offset-fetch.js'
import {findCoordinatorApi} from './10-find-coordinator.js'
import {joinGroupApi} from './11-join-group.js'
import {heartbeatApi} from './12-heartbeat.js'
import {leaveGroupApi} from './13-leave-group.js'
import {syncGroupApi} from './14-sync-group.js'
import {describeGroupsApi} from './15-describe-groups.js'
import {listGroupsApi} from './16-list-groups.js'
import {saslHandshakeApi} from './17-sasl-handshake.js'
import {saslAuthenticateApi} from './36-sasl-authenticate.js'
import {apiVersionsApi} from './18-api-versions.js'
import {createTopicsApi} from './19-create-topics.js'
import {deleteTopicsApi} from './20-delete-topics.js'
import {initProducerIdApi} from './22-init-producer-id.js'
import {addPartitionsToTxnApi} from './24-add-partitions-to-txn.js'
import {addOffsetsToTxnApi} from './25-add-offsets-to-txn.js'
import {endTxnApi} from './26-end-txn.js'
import {txnOffsetCommitApi} from './28-txn-offset-commit.js'
import {describeProducersApi} from './61-describe-producers.js'
import {describeTransactionsApi} from './65-describe-transactions.js'
import {listTransactionsApi} from './66-list-transactions.js'
import {deleteRecordsApi} from './21-delete-records.js'
import {offsetForLeaderEpochApi} from './23-offset-for-leader-epoch.js'
import {describeConfigsApi} from './32-describe-configs.js'
import {describeLogDirsApi} from './35-describe-log-dirs.js'
import {alterConfigsApi} from './33-alter-configs.js'
import {createPartitionsApi} from './37-create-partitions.js'
import {incrementalAlterConfigsApi} from './44-incremental-alter-configs.js'
import {describeClusterApi} from './60-describe-cluster.js'
import {deleteGroupsApi} from './42-delete-groups.js'
import {offsetDeleteApi} from './47-offset-delete.js'
import {describeClientQuotasApi} from './48-describe-client-quotas.js'
import {alterClientQuotasApi} from './49-alter-client-quotas.js'
import {describeUserScramCredentialsApi} from './50-describe-user-scram-credentials.js'
import {alterUserScramCredentialsApi} from './51-alter-user-scram-credentials.js'

/** Every API the listener serves, ApiVersions included. */
export function kafkaApis(): KafkaApi[] {
  const apis: KafkaApi[] = [
    produceApi,
    fetchApi,
    listOffsetsApi,
    metadataApi,
    offsetCommitApi,
    offsetFetchApi,
    findCoordinatorApi,
    joinGroupApi,
    heartbeatApi,
    leaveGroupApi,
    syncGroupApi,
    describeGroupsApi,
    listGroupsApi,
    saslHandshakeApi,
    saslAuthenticateApi,
    createTopicsApi,
    deleteTopicsApi,
    initProducerIdApi,
    addPartitionsToTxnApi,
    addOffsetsToTxnApi,
    endTxnApi,
    txnOffsetCommitApi,
    describeProducersApi,
    describeTransactionsApi,
    listTransactionsApi,
    deleteRecordsApi,
    offsetForLeaderEpochApi,
    describeConfigsApi,
    alterConfigsApi,
    describeLogDirsApi,
    createPartitionsApi,
    incrementalAlterConfigsApi,
    describeClusterApi,
    deleteGroupsApi,
    offsetDeleteApi,
    describeClientQuotasApi,
    alterClientQuotasApi,
    describeUserScramCredentialsApi,
    alterUserScramCredentialsApi,
  ] as KafkaApi[]
  let byKey: ReadonlyMap<number, KafkaApi> | undefined
  const versions = apiVersionsApi(
    () => (byKey ??= new Map([...apis, versions as KafkaApi].map((a) => [a.codec.apiKey, a]))),
  )
  return [...apis, versions as KafkaApi]
}
