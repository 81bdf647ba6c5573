// interceptor.classes, loaded the same way by the producer and the consumer.
import {describe, expect, it} from 'vitest'
import {Interceptors} from '../../src/client/interceptors.js'

describe('interceptors', () => {
  it('holds a module that fails to import as the error every wait gets, never an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const interceptors = new Interceptors({'interceptor.classes': './no/such/module.js#Nope'}, () => {})
      expect(interceptors.loading).not.toBeNull()
      await new Promise((r) => setTimeout(r, 50)) // the import fails meanwhile, with no one waiting yet
      await expect(interceptors.ready()).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(/interceptor.classes: cannot import '.\/no\/such\/module.js'/),
      })
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('calls each interceptor, reports what one throws, and goes on to the next', () => {
    const seen: string[] = []
    const reports: string[] = []
    const interceptors = new Interceptors<{name: string; close?: () => void}>(
      {'interceptor.classes': [{name: 'a'}, {name: 'b'}]},
      (m) => reports.push(m),
    )
    interceptors.each((i) => {
      seen.push(i.name)
      if (i.name === 'a') throw new Error('boom')
    }, 'onSend')
    expect(seen).toEqual(['a', 'b'])
    expect(reports).toEqual(['Error executing interceptor onSend: boom'])
  })
})
