// DescribeTransactions (key 65): v0.
//
// - The coordinator's state of each transactional id asked for (`kafka-transactions describe`): state, producer id
//   and epoch, timeout, the start of the open transaction and its partitions, by topic.
// - An unknown transactional id gets TRANSACTIONAL_ID_NOT_FOUND, an empty one INVALID_REQUEST, the other fields left
//   at their defaults, as Kafka leaves them.
import {
  APIS,
  type DescribeTransactionsRequest,
  type DescribeTransactionsResponse,
} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi, errorFields} from '../api.js'

type TransactionStateData = DescribeTransactionsResponse['transactionStates'][number]

function failed(transactionalId: string, errorCode: number): TransactionStateData {
  return {
    errorCode,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: 0,
    producerId: 0,
    producerEpoch: 0,
    topics: [],
  }
}

export const describeTransactionsApi = defineKafkaApi<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  codec: APIS.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const {transactions} = ctx.core.describeTransactions({transactionalIds: req.transactionalIds})
    return {
      throttleTimeMs: 0,
      transactionStates: transactions.map((t): TransactionStateData => {
        if (t.error) return failed(t.transactionalId, errorFields(t.error).errorCode)
        const topics = new Map<string, number[]>()
        for (const p of t.partitions) {
          const partitions = topics.get(p.topic)
          if (partitions) partitions.push(p.partition)
          else topics.set(p.topic, [p.partition])
        }
        return {
          errorCode: 0,
          transactionalId: t.transactionalId,
          transactionState: t.state,
          transactionTimeoutMs: t.transactionTimeoutMs,
          transactionStartTimeMs: t.transactionStartTimeMs,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          topics: [...topics].map(([topic, partitions]) => ({topic, partitions})),
        }
      }),
    }
  },
  errorResponse: (req, errorCode) => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((id) => failed(id, errorCode)),
  }),
})
