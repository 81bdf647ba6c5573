// ListTransactions (key 66): v0-1.
//
// - Every transactional id the coordinator knows (`kafka-transactions list`), filtered by state, by producer id and
//   (v1+) by how long its transaction has been open. A state filter that names no state of Kafka's matches nothing
//   and comes back in unknownStateFilters.
// - Not served: v2's filter by a pattern of transactional ids (KIP-1152); Kafka's clients send it only when asked to
//   filter so.
import {APIS, type ListTransactionsRequest, type ListTransactionsResponse} from '../../../protocol/kafka/codec/index.js'
import {defineKafkaApi} from '../api.js'

export const listTransactionsApi = defineKafkaApi<ListTransactionsRequest, ListTransactionsResponse>({
  codec: APIS.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const res = ctx.core.listTransactions({
      stateFilters: req.stateFilters,
      producerIdFilters: req.producerIdFilters,
      durationFilterMs: req.durationFilter ?? -1,
    })
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: res.unknownStateFilters,
      transactionStates: res.transactions.map((t) => ({
        transactionalId: t.transactionalId,
        producerId: t.producerId,
        transactionState: t.state,
      })),
    }
  },
  errorResponse: (_req, errorCode) => ({throttleTimeMs: 0, errorCode, unknownStateFilters: [], transactionStates: []}),
})
