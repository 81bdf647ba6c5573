// zstd, Kafka's compression codec 4 (compression.type=zstd): a zstd frame holds the batch's records.
//
// Where the running Node has zstd in node:zlib (22.15 and later), that is used. Node 20 has none, so kafkalite then
// uses the zstd library compiled to WebAssembly by @bokuweb/zstd-wasm: portable (no native build, no download at
// install: the .wasm ships in the npm package), MIT, zstd 1.5, with no dependencies. Its own init() is asynchronous,
// but record batches are encoded and decoded synchronously everywhere (the producer's sender, the broker's
// validation, the consumer's poll), so the module is instantiated synchronously through Emscripten's
// Module.instantiateWasm hook, on first use: nothing is loaded by a process that never meets a zstd batch.
//
// Decompression is bounded: a batch may not expand past `max` bytes (the broker's bound against decompression
// bombs). A frame written by a stream (Kafka's Java client) does not state its size, so the output buffer is
// doubled until the frame fits or the bound is reached.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import * as zlib from 'node:zlib'

/** Kafka's default compression.zstd.level (ZSTD_CLEVEL_DEFAULT). */
export const ZSTD_DEFAULT_LEVEL = 3

interface Zstd {
  compress(data: Buffer, level: number): Buffer
  decompress(data: Buffer, max: number): Buffer
}

let zstd: Zstd | undefined

/** Compresses `data` into one zstd frame. */
export function zstdCompress(data: Buffer, level = ZSTD_DEFAULT_LEVEL): Buffer {
  zstd ??= load()
  return zstd.compress(data, level)
}

/** Decompresses zstd frames, to at most `max` bytes (an Error past that). */
export function zstdDecompress(data: Buffer, max: number): Buffer {
  zstd ??= load()
  return zstd.decompress(data, max)
}

/** Which implementation this process uses: 'node:zlib' or 'wasm' (for tests and `--version` diagnostics). */
export function zstdImplementation(): 'node:zlib' | 'wasm' {
  zstd ??= load()
  return zstd === nodeZstd ? 'node:zlib' : 'wasm'
}

function load(): Zstd {
  if (
    typeof (zlib as {zstdCompressSync?: unknown}).zstdCompressSync === 'function' &&
    !process.env.KAFKALITE_WASM_ZSTD
  ) {
    return nodeZstd
  }
  return wasmZstd()
}

/** node:zlib's zstd (Node 22.15+); typed here since @types/node 20 does not declare it. */
const nodeZstd: Zstd = {
  compress(data, level) {
    const z = zlib as unknown as {
      zstdCompressSync(d: Buffer, o: object): Buffer
      constants: Record<string, number>
    }
    return z.zstdCompressSync(data, {params: {[z.constants.ZSTD_c_compressionLevel!]: level}})
  },
  decompress(data, max) {
    const z = zlib as unknown as {zstdDecompressSync(d: Buffer, o: object): Buffer}
    try {
      return z.zstdDecompressSync(data, max < Number.MAX_SAFE_INTEGER ? {maxOutputLength: max} : {})
    } catch (error) {
      if ((error as {code?: string}).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new Error(`the data decompresses to more than ${max} bytes`)
      }
      throw error
    }
  },
}

/** WebAssembly's JS API, as far as used here (the project's lib has no DOM types, where it is declared). */
interface WasmInstance {
  exports: unknown
}
const {WebAssembly: Wasm} = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object
    Instance: new (module: object, imports: object) => WasmInstance
  }
}

/** The part of the Emscripten module of @bokuweb/zstd-wasm that kafkalite calls. */
interface ZstdModule {
  HEAPU8: Uint8Array
  instantiateWasm?: (imports: object, receive: (instance: WasmInstance) => unknown) => unknown
  init(wasm: Buffer): void
  _malloc(size: number): number
  _free(pointer: number): void
  _ZSTD_compressBound(size: number): number
  _ZSTD_compress(dst: number, capacity: number, src: number, size: number, level: number): number
  _ZSTD_decompress(dst: number, capacity: number, src: number, size: number): number
  _ZSTD_isError(code: number): number
}

/** ZSTD_error_dstSize_tooSmall: the output buffer is too small for the frame. */
const DST_SIZE_TOO_SMALL = 70
/** WebAssembly's 32-bit heap: kafkalite never asks for more than this in one buffer. */
const WASM_MAX_BUFFER = 1024 * 1024 * 1024

function wasmZstd(): Zstd {
  const require = createRequire(import.meta.url)
  // The package's exports name only its entry point; its Emscripten module sits beside it.
  const dir = dirname(require.resolve('@bokuweb/zstd-wasm'))
  const {Module} = require(join(dir, 'module.js')) as {Module: ZstdModule}
  const wasm = readFileSync(join(dir, 'zstd.wasm'))
  Module.instantiateWasm = (imports, receive) => {
    const instance = new Wasm.Instance(new Wasm.Module(wasm), imports)
    receive(instance)
    return instance.exports
  }
  Module.init(wasm)
  const m = Module
  // ZSTD_getErrorCode: an error result is (size_t)-code, i.e. -code as a signed 32-bit number.
  const errorCode = (result: number) => -(result | 0)
  const isError = (result: number) => m._ZSTD_isError(result) !== 0
  const copyIn = (data: Buffer): number => {
    const pointer = m._malloc(Math.max(1, data.length))
    if (pointer === 0) throw new Error(`zstd could not allocate ${data.length} bytes`)
    m.HEAPU8.set(data, pointer)
    return pointer
  }
  return {
    compress(data, level) {
      const src = copyIn(data)
      const bound = m._ZSTD_compressBound(data.length)
      const dst = m._malloc(bound)
      try {
        if (dst === 0) throw new Error(`zstd could not allocate ${bound} bytes`)
        const size = m._ZSTD_compress(dst, bound, src, data.length, level)
        if (isError(size)) throw new Error(`zstd compression failed (error ${errorCode(size)})`)
        return Buffer.from(m.HEAPU8.subarray(dst, dst + (size >>> 0)))
      } finally {
        m._free(dst)
        m._free(src)
      }
    },
    decompress(data, max) {
      const limit = Math.min(max, WASM_MAX_BUFFER)
      const src = copyIn(data)
      try {
        let capacity = Math.min(limit, Math.max(64 * 1024, data.length * 8))
        for (;;) {
          const dst = m._malloc(Math.max(1, capacity))
          if (dst === 0) throw new Error(`zstd could not allocate ${capacity} bytes`)
          try {
            const size = m._ZSTD_decompress(dst, capacity, src, data.length)
            if (!isError(size)) return Buffer.from(m.HEAPU8.subarray(dst, dst + (size >>> 0)))
            if (errorCode(size) !== DST_SIZE_TOO_SMALL) throw new Error(`invalid zstd data (error ${errorCode(size)})`)
            if (capacity >= limit) throw new Error(`the data decompresses to more than ${max} bytes`)
            capacity = Math.min(limit, capacity * 4)
          } finally {
            m._free(dst)
          }
        }
      } finally {
        m._free(src)
      }
    },
  }
}
