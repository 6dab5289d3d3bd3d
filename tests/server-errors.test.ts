import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { contentDir } from './support/database'
import { createUser, sessionCookieFor } from './support/factories'
import { get } from './support/http'
import { databaseForProcess, npmStart } from './support/npm-start'
import { freePort } from './support/site-process-control'

const errorLevel = 50

// A database that lost two tables behind the server's back: pages that need them fail with a 500.
describe('errors that reach a visitor as a 500', () => {
  let site: ReturnType<typeof npmStart>
  let baseUrl: string
  let cookie: string
  let remove: () => Promise<void>
  beforeAll(async () => {
    const prepared = await databaseForProcess()
    remove = prepared.remove
    await importContentIfEmpty(prepared.database.db, contentDir)
    cookie = await sessionCookieFor(prepared.database.db, (await createUser(prepared.database.db)).id)
    await prepared.database.db.execute(sql`alter table examples rename to examples_gone`)
    await prepared.database.db.execute(sql`alter table sessions rename to sessions_gone`)
    await prepared.handOver()
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    site = npmStart(port, { ...prepared.environment, PUBLIC_URL: baseUrl })
    await site.ready
  }, 120_000)
  afterAll(async () => {
    await site?.stop()
    await remove?.()
  })

  const errorLines = (requestId: string | null) => site.logs.filter((line) => line.level === errorLevel && line.requestId === requestId)

  it('are logged at error level with the request id when a page fails', async () => {
    const response = await get(baseUrl, '/voorbeelden')
    expect(response.status).toBe(500)
    const requestId = response.headers.get('X-Request-Id')
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    await expect.poll(() => errorLines(requestId).length).toBe(1)
    expect(JSON.stringify(errorLines(requestId)[0].err)).toContain('examples')
  })

  it('are logged at error level with the request id when the server fails before the page', async () => {
    const response = await get(baseUrl, '/', { Cookie: cookie })
    expect(response.status).toBe(500)
    expect(await response.text()).toContain('Er ging iets mis op de server')
    const requestId = response.headers.get('X-Request-Id')
    await expect.poll(() => errorLines(requestId).length).toBe(1)
  })

  it('logs no error for a page that does not exist', async () => {
    const response = await get(baseUrl, '/bestaat-niet')
    expect(response.status).toBe(404)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(errorLines(response.headers.get('X-Request-Id'))).toEqual([])
  })
})
