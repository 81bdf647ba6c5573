// Types of bench/exactly-once.mjs, for the integration test that runs it.
export interface ExactlyOnceResult {
  records: number
  outputRecords: number
  processorKills: number
  daemonKills: number
  restarts: number
  mismatches: {p: number; ok: boolean; got: number}[]
  seconds: number
}

export function runExactlyOnce(options: {
  home: string
  records?: number
  partitions?: number
  kills?: number
  killDaemon?: boolean
  maxPollRecords?: number
  /** Longest random pause inside each transaction, in ms. */
  pauseMs?: number
  log?: (line: string) => void
}): Promise<ExactlyOnceResult>
