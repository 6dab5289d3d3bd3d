import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from './support/collab-client'
import { createImportedDatabase, openTestDataDir } from './support/database'
import { createUser, sessionCookieFor, testPassword } from './support/factories'
import { get, postForm } from './support/http'
import { exited, freePort, startSiteProcess } from './support/site-process-control'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A database the server process opens itself, with an admin and a member signed in (PGlite allows one process per directory). */
async function prepareDatabase() {
  const setUp = async (db: Parameters<typeof createUser>[0]) => {
    const admin = await createUser(db, { role: 'admin' })
    const member = await createUser(db, { email: 'lid.met.log@voorbeeld.nl' })
    return { adminCookie: await sessionCookieFor(db, admin.id), memberCookie: await sessionCookieFor(db, member.id), memberEmail: member.email }
  }
  if (process.env.TEST_DB === 'postgres') {
    const database = await createImportedDatabase()
    cleanups.push(() => database.close())
    return { location: database.url!, ...(await setUp(database.db)) }
  }
  const location = await mkdtemp(path.join(os.tmpdir(), 'lh-logs-'))
  cleanups.push(() => rm(location, { recursive: true, force: true }))
  const database = await openTestDataDir(location)
  const people = await setUp(database.db)
  await database.close()
  return { location, ...people }
}

const tokenPattern = /[a-z2-7]{32}\.[a-z2-7]{32}/g

describe('the server log', () => {
  it('never contains a link token: not in request lines, not in mail lines', async () => {
    const { location, adminCookie, memberCookie, memberEmail } = await prepareDatabase()
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const site = startSiteProcess(port, location, { LOG_LEVEL: 'info' })
    let log = ''
    site.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()))
    cleanups.push(() => site.child.kill('SIGKILL'))
    await site.ready

    // Every kind of mailed link: invitation, password reset, e-mail change.
    expect((await postForm(baseUrl, '/beheer/uitnodigen', { email: 'nieuw.in.log@voorbeeld.nl', role: 'member' }, { Cookie: adminCookie })).status).toBe(200)
    expect((await postForm(baseUrl, '/wachtwoord-vergeten', { email: memberEmail })).status).toBe(200)
    expect((await postForm(baseUrl, '/account', { intent: 'email', email: 'nieuw.adres@voorbeeld.nl' }, { Cookie: memberCookie })).status).toBe(200)
    let links: string[] = []
    await waitFor(async () => {
      const outboxPage = await (await get(baseUrl, '/beheer/outbox', { Cookie: adminCookie })).text()
      links = [...new Set([...outboxPage.matchAll(/\/(?:uitnodiging|wachtwoord-herstellen|account\/e-mail)\/[a-z2-7]{32}\.[a-z2-7]{32}/g)].map((match) => match[0]))]
      return links.length === 3
    }, 10_000, 'three links on the outbox page')

    const removalLink = `/bijdragen/verwijderen/${'a'.repeat(32)}.${'b'.repeat(32)}`
    for (const link of [...links, removalLink]) expect((await get(baseUrl, link)).status).toBeLessThan(500)
    const [invitation] = links.filter((link) => link.startsWith('/uitnodiging/'))
    expect((await postForm(baseUrl, invitation, { name: 'Nieuw Lid', password: testPassword, passwordRepeat: testPassword })).status).toBe(302)

    await waitFor(() => log.includes('/bijdragen/verwijderen/:token'), 5000, 'the request lines in the log')
    site.child.kill('SIGTERM')
    await exited(site.child)

    expect(log).toContain('/uitnodiging/:token')
    expect(log).toContain('/wachtwoord-herstellen/:token')
    expect(log).toContain('/account/e-mail/:token')
    expect(log).toMatch(/mail queued in the outbox/)
    for (const link of [...links, removalLink]) {
      const token = link.split('/').pop()!
      expect(log).not.toContain(token.split('.')[1])
    }
    expect(log.match(tokenPattern)).toBeNull()
  }, 180_000)
})
