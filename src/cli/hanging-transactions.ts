// kafka-transactions find-hanging (FindHangingTransactionsCommand): the partitions in scope, the open transactions
// on them older than the max transaction timeout (by the producer's last timestamp), and of those the ones the
// coordinator will never finish: their producer id has no transactional id, that id is unknown, or its
// transaction does not include the partition.
import type {Admin, ProducerState} from '../client/admin.js'
import {KafkaException} from '../errors.js'

export interface HangingTransaction {
  topic: string
  partition: number
  producer: ProducerState
}

export interface HangingScope {
  topic?: string
  partition?: number
  brokerId?: number
  /** --max-transaction-timeout in milliseconds. */
  maxTransactionTimeoutMs: number
}

/** What find-hanging asks of the Admin client. */
export type HangingAdmin = Pick<
  Admin,
  'listTopics' | 'describeTopics' | 'describeProducers' | 'listTransactions' | 'describeTransactions'
>

/** Runs one step, turning its failure into kafka-transactions' message for `what`. */
export type Step = <T>(what: string, fn: () => Promise<T>) => Promise<T>

export async function findHangingTransactions(
  admin: HangingAdmin,
  scope: HangingScope,
  step: Step,
  now: () => number = Date.now,
): Promise<HangingTransaction[]> {
  const partitions = await partitionsToSearch(admin, scope, step)
  const candidates = await candidateTransactions(admin, partitions, scope, step, now())
  if (candidates.length === 0) return []
  const producerIds = [...new Set(candidates.map((c) => c.producer.producerId))]
  const listings = await step(`Failed to list transactions for ${producerIds.length} producers`, () =>
    admin.listTransactions({producerIds}),
  )
  const transactionalIds = new Map<number, string>()
  for (const l of listings)
    if (producerIds.includes(l.producerId)) transactionalIds.set(l.producerId, l.transactionalId)
  const ids = [...new Set(transactionalIds.values())]
  // One id at a time, so that an id that disappeared in between (TransactionalIdNotFound) counts as hanging.
  const descriptions = await step(`Failed to describe ${ids.length} transactions`, async () => {
    const found = new Map<string, {topic: string; partition: number}[]>()
    for (const id of ids) {
      try {
        const [description] = await admin.describeTransactions([id])
        found.set(id, description!.partitions)
      } catch (error) {
        if (!(error instanceof KafkaException && error.code === 'TRANSACTIONAL_ID_NOT_FOUND')) throw error
      }
    }
    return found
  })
  return candidates.filter(({topic, partition, producer}) => {
    const id = transactionalIds.get(producer.producerId)
    const open = id === undefined ? undefined : descriptions.get(id)
    // The coordinator still writes the marker of a partition in its Ongoing or Prepare* transaction.
    return open === undefined || !open.some((tp) => tp.topic === topic && tp.partition === partition)
  })
}

async function partitionsToSearch(
  admin: HangingAdmin,
  {topic, partition, brokerId}: HangingScope,
  step: Step,
): Promise<{topic: string; partition: number}[]> {
  if (topic !== undefined && partition !== undefined) return [{topic, partition}]
  const topics =
    topic !== undefined ? [topic] : (await step('Failed to list topics', () => admin.listTopics())).map((t) => t.name)
  if (topics.length === 0) return []
  const descriptions = await step(`Failed to describe ${topics.length} topics`, () => admin.describeTopics(topics))
  return descriptions.flatMap((t) =>
    t.partitions
      .filter((p) => brokerId === undefined || p.replicas.some((r) => r.id === brokerId))
      .map((p) => ({topic: t.name, partition: p.partition})),
  )
}

async function candidateTransactions(
  admin: HangingAdmin,
  partitions: readonly {topic: string; partition: number}[],
  {brokerId, maxTransactionTimeoutMs}: HangingScope,
  step: Step,
  now: number,
): Promise<HangingTransaction[]> {
  if (partitions.length === 0) return []
  const on = brokerId === undefined ? 'their leaders' : `broker ${brokerId}`
  const states = await step(`Failed to describe producers for ${partitions.length} partitions on ${on}`, () =>
    admin.describeProducers(partitions, brokerId === undefined ? {} : {brokerId}),
  )
  return states.flatMap(({topic, partition, producers}) =>
    producers
      .filter((p) => p.currentTxnStartOffset >= 0 && now - p.lastTimestamp > maxTransactionTimeoutMs)
      .map((producer) => ({topic, partition, producer})),
  )
}
