// One Kafka request over TCP, encoded and decoded with kafkalite's codec: for tests that check what a Kafka client
// would see from a listener (the cluster id in Metadata, say) without a client library.
import {Socket} from 'node:net'
import {decodeResponseFrame, encodeRequestFrame, type ApiCodec} from '../../src/protocol/kafka/codec/index.js'

/** Sends one request to a Kafka listener and resolves with the decoded response body. */
export function kafkaRequest<Req, Res>(
  address: {host: string; port: number},
  api: ApiCodec<Req, Res>,
  version: number,
  body: Req,
  timeoutMs = 5000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    let got = Buffer.alloc(0)
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${api.name} within ${timeoutMs} ms`)))
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk])
      if (got.length < 4 || got.length < 4 + got.readInt32BE(0)) return
      socket.destroy()
      try {
        resolve(decodeResponseFrame(api, version, got.subarray(4, 4 + got.readInt32BE(0))).body)
      } catch (error) {
        reject(error as Error)
      }
    })
    socket.connect(address.port, address.host, () =>
      socket.write(encodeRequestFrame(api, version, {correlationId: 7, clientId: 'kafkalite-test'}, body)),
    )
  })
}
