// Prompt reclaiming of the chunks a large request arrives in. Node hands a socket's bytes over in chunks of up to
// 64 KiB, each its own buffer; the reader copies a large frame's chunks into the frame as they arrive and drops them,
// but V8 frees dropped buffers only at its next collection, which their external memory triggers late: a 90 MiB
// request left 120 MiB of dropped chunks behind it, and the daemon peaked at 2.1x the record. A young-generation
// collection (about a millisecond) every 16 MiB received into a large frame keeps that near nothing.
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

/** Bytes received into large frames between two collections. */
export const RECLAIM_EVERY_BYTES = 16 << 20

type Gc = (options?: {type?: 'minor' | 'major'; execution?: 'sync' | 'async'}) => void

let gc: Gc | null | undefined

/** Collects the young generation, where dropped chunks live; does nothing where the runtime does not allow it. */
export function reclaimChunks(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as Gc
    } catch {
      gc = null
    }
  }
  gc?.({type: 'minor'})
}
