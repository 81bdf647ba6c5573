// Fetch as a long poll, like Kafka's fetch.min.bytes / fetch.max.wait.ms: a fetch that finds too little data is
// parked on the partitions it reads and answered when an append reaches one of them (no polling loop), when the
// wait runs out, or when its connection closes.
import {KafkaException, type ErrorData} from '../errors.js'
import type {ParsedRequests, Responses} from '../protocol/socket/messages.js'
import {lastStableOffset, type Broker, type PartitionState} from './broker.js'

type FetchRequest = ParsedRequests['fetch']
type FetchPartition = Responses['fetch']['partitions'][number]

export interface FetchResult {
  header: Responses['fetch']
  payload: Buffer[]
}

/**
 * Where a fetch's bytes come from: the daemon's budget of responses clients have not read yet. A fetch takes what it
 * may read just before it reads, gives back what it did not use, and holds nothing while it is parked, so a long
 * poll waiting for data never keeps bytes from fetches that have data to send.
 */
export interface FetchBudget {
  /** Takes up to `wanted` bytes now (0 when the budget is spent); held until the response is written. */
  take(wanted: number): number
  give(n: number): void
}

const UNBOUNDED: FetchBudget = {take: (wanted) => wanted, give: () => {}}

/** One pass within what the budget grants; what it did not read goes back at once. */
function readWithin(broker: Broker, req: FetchRequest, budget: FetchBudget): ReturnType<typeof readOnce> {
  const granted = budget.take(req.maxBytes)
  const result = readOnce(broker, {...req, maxBytes: granted})
  if (result.bytes < granted) budget.give(granted - result.bytes)
  return result
}

/** One pass over the requested partitions: what they hold now. */
export function readOnce(broker: Broker, req: FetchRequest): FetchResult & {bytes: number; hasError: boolean} {
  const partitions: FetchPartition[] = []
  const payload: Buffer[] = []
  let total = 0
  let hasError = false
  for (const part of req.partitions) {
    let p: PartitionState | undefined
    try {
      p = broker.partition(part.topic, part.partition)
      broker.checkOffset(p, part.offset)
      const remaining = req.maxBytes - total
      const lso = lastStableOffset(p)
      // read_committed readers get nothing at or past the last stable offset (an open transaction's first record).
      const endOffset = req.isolationLevel === 1 ? lso : p.nextOffset
      let size = 0
      if (remaining > 0) {
        const read = broker.read(p, part.offset, Math.min(part.maxBytes, remaining), endOffset)
        // The first batch of the response may exceed the limits (KIP-74), later ones may not.
        if (total === 0 || read.bytes <= remaining) {
          payload.push(...read.batches)
          size = read.bytes
          total += size
        }
      }
      const result: FetchPartition = {
        topic: part.topic,
        partition: part.partition,
        highWatermark: p.nextOffset,
        lastStableOffset: lso,
        logStartOffset: p.logStartOffset,
        size,
      }
      if (req.isolationLevel === 1 && size > 0) {
        result.abortedTransactions = broker.abortedTransactions(p, part.offset, endOffset)
      }
      partitions.push(result)
    } catch (error) {
      hasError = true
      const data: ErrorData =
        error instanceof KafkaException ? error.toJSON() : {code: 'UNKNOWN_SERVER_ERROR', message: String(error)}
      partitions.push({
        topic: part.topic,
        partition: part.partition,
        highWatermark: p?.nextOffset ?? -1,
        lastStableOffset: p?.nextOffset ?? -1,
        logStartOffset: p?.logStartOffset ?? -1,
        size: 0,
        error: data,
      })
    }
  }
  return {header: {partitions}, payload, bytes: total, hasError}
}

/**
 * Answers a fetch now if it has at least minBytes (or an error, or no wait), else parks it. `onClose` registers a
 * callback for when the requesting connection goes away, so a parked fetch never outlives its client.
 */
export function fetch(
  broker: Broker,
  req: FetchRequest,
  onClose: (cancel: () => void) => () => void,
  budget: FetchBudget = UNBOUNDED,
): FetchResult | Promise<FetchResult> {
  const first = readWithin(broker, req, budget)
  if (first.hasError || first.bytes >= req.minBytes || req.maxWaitMs === 0) return first
  budget.give(first.bytes) // parked: it holds nothing while it waits
  return new Promise<FetchResult>((resolve) => {
    const watched: PartitionState[] = []
    let pending = false
    const finish = (result: FetchResult) => {
      clearTimeout(timer)
      for (const p of watched) p.waiters.delete(wake)
      unregister()
      resolve(result)
    }
    // Appends wake the fetch after the producing request is answered (a microtask later), and several appends in
    // the same turn of the event loop cost one read.
    const wake = () => {
      if (pending) return
      pending = true
      queueMicrotask(() => {
        pending = false
        const again = readWithin(broker, req, budget)
        if (again.hasError || again.bytes >= req.minBytes) finish(again)
        else budget.give(again.bytes)
      })
    }
    const timer = setTimeout(() => finish(readWithin(broker, req, budget)), req.maxWaitMs)
    const unregister = onClose(() => {
      clearTimeout(timer)
      for (const p of watched) p.waiters.delete(wake)
    })
    for (const part of req.partitions) {
      const p = broker.topic(part.topic)?.partitions[part.partition]
      if (p) {
        p.waiters.add(wake)
        watched.push(p)
      }
    }
  })
}
