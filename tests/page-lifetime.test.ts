import { createHook } from 'node:async_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, sessionCookieFor } from './support/factories'
import { startTestServer, type TestServer } from './support/server'

let server: TestServer
let memberCookie: string
beforeAll(async () => {
  server = await startTestServer()
  memberCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'member', name: 'Mila Lid' })).id)
})
afterAll(() => server.close())

describe('a page, once answered, is not held in memory', () => {
  it('leaves no timer behind that would keep its render (request, load context, response) for seconds', async () => {
    // Timers started while the pages are served, and whether they are still pending afterwards.
    const pending = new Map<number, { _idleTimeout?: number }>()
    const hook = createHook({
      init: (id, type, _trigger, resource) => void (type === 'Timeout' && pending.set(id, resource as never)),
      destroy: (id) => void pending.delete(id),
    })
    hook.enable()
    try {
      for (const path of ['/handreiking/mandaat/bewerken', '/handreiking/lobby', '/handreiking/lobby/bewerken', '/voorbeelden']) {
        const answer = await fetch(server.url + path, { headers: { Cookie: memberCookie } })
        expect(answer.status).toBe(200)
        await answer.text()
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
      // Pending afterwards: short timers (the write window, a document's unload grace) and the connection's
      // own (headers, keep-alive: a minute and more). A render's abort timer (11 s) or Remix's stream
      // timeout (4.95 s, until the request's signal aborts) would hold the page.
      const holding = [...pending.values()].map((timer) => timer._idleTimeout ?? 0).filter((ms) => ms >= 4000 && ms < 60_000)
      expect(holding).toEqual([])
    } finally {
      hook.disable()
    }
  })
})
