// The registry client's HTTP transport against a loopback server written here, for what a real registry does only
// by chance: closing a kept-alive connection just as the next request goes out on it.
import {createServer, type Server, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {SchemaRegistryClient} from '../../src/client/index.js'

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

describe('the registry client over HTTP', () => {
  it('sends a request again on a new connection when the kept-alive one it went out on was closed', async () => {
    const connections: Socket[] = []
    let requests = 0
    server = createServer((socket) => {
      connections.push(socket)
      let served = 0
      socket.on('data', () => {
        requests++
        // The first connection answers once and keeps alive, then drops the next request unanswered.
        if (connections.length === 1 && served === 1) {
          socket.destroy()
          return
        }
        served++
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: 7\r\n' +
            'Connection: keep-alive\r\n\r\n["s-1"]',
        )
      })
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as {port: number}
    const client = new SchemaRegistryClient({'schema.registry.url': `http://127.0.0.1:${port}`})
    try {
      expect(await client.getAllSubjects()).toEqual(['s-1'])
      expect(await client.getAllSubjects()).toEqual(['s-1'])
      expect({connections: connections.length, requests}).toEqual({connections: 2, requests: 3})
    } finally {
      await client.close()
    }
  })
})
