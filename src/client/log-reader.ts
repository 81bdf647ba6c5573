// A partition's log as its stored RecordBatch bytes, for tools that show the log itself (kafkalite dump-log) rather
// than records: fetches at read_uncommitted, so control batches and aborted records come too, and hands each batch
// over unchanged, whichever broker answers (the local daemon returns stored bytes; Kafka's Fetch returns the segment's
// bytes). Not part of the public library: Kafka's clients have no such API.
import {errorFromData, KafkaException} from '../errors.js'
import {splitBatches} from '../protocol/kafka/record-batch.js'
import {commonConfig, type ClientConfig} from './config.js'
import {ReconnectingConnection} from './connection.js'

/** One fetch's worth of a partition's log. */
export interface LogSlice {
  /** The partition's log start offset and high watermark when the fetch was answered. */
  logStartOffset: number
  highWatermark: number
  /** Whole batches, in offset order (a batch cut by the size limit is left out). */
  batches: Buffer[]
}

export class LogReader {
  readonly #connections: ReconnectingConnection

  private constructor(connections: ReconnectingConnection) {
    this.#connections = connections
  }

  /** Connects (starting the local daemon when needed). */
  static async create(config: ClientConfig, onNotice?: (message: string) => void): Promise<LogReader> {
    const connections = ReconnectingConnection.for(commonConfig(config, 'log-reader'), onNotice)
    await connections.get()
    return new LogReader(connections)
  }

  /** The batches from the one holding `offset` on, up to about `maxBytes` (at least one batch, however large). */
  async read(topic: string, partition: number, offset: number, maxBytes = 1 << 20): Promise<LogSlice> {
    const transport = await this.#connections.get()
    const {result, payload} = await transport.requestWithPayload('fetch', {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      isolationLevel: 0,
      partitions: [{topic, partition, offset, maxBytes}],
    })
    const p = result.partitions[0]
    if (p === undefined) {
      throw new KafkaException('UNKNOWN_SERVER_ERROR', `The broker did not answer for ${topic}-${partition}`)
    }
    if (p.error) throw errorFromData(p.error)
    const bytes = payload.subarray(0, p.size)
    const batches: Buffer[] = []
    for (const {offset: at, size} of splitBatches(bytes)) batches.push(bytes.subarray(at, at + size))
    return {logStartOffset: p.logStartOffset, highWatermark: p.highWatermark, batches}
  }

  async close(): Promise<void> {
    await this.#connections.close()
  }
}
