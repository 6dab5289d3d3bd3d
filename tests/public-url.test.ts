import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawSocket, waitFor } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { get } from './support/http'
import { databaseForProcess, npmStart } from './support/npm-start'
import { startTestServer, type TestServer } from './support/server'
import { freePort } from './support/site-process-control'
import { consentingVisitor, startedAWhileAgo } from './support/submissions'

/** A form POST with headers fetch may not send (a forged Host), as an attacker's own client sends it. */
function forgedPost(baseUrl: string, path: string, fields: Record<string, string>, headers: Record<string, string>) {
  const body = new URLSearchParams(fields).toString()
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = request(baseUrl + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), ...headers } }, (response) => {
      let text = ''
      response.on('data', (chunk: Buffer) => (text += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }))
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

const evil = { Host: 'evil.example', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' }

describe('mail links and same-origin checks come from the configured public URL', () => {
  let server: TestServer
  let adminCookie: string
  beforeAll(async () => {
    server = await startTestServer()
    adminCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'admin' })).id)
  })
  afterAll(() => server.close())

  const outbox = async () => (await (await get(server.url, '/beheer/outbox', { Cookie: adminCookie })).text()).replaceAll('&amp;', '&')

  it('refuses a form whose Origin matches a forged Host or X-Forwarded-Host', async () => {
    const user = await createUser(server.database.db)
    const forgeries: Array<Record<string, string>> = [{ Host: 'evil.example', Origin: 'http://evil.example' }, { 'X-Forwarded-Host': 'evil.example', Origin: 'http://evil.example' }, { ...evil, Origin: 'https://evil.example' }]
    for (const headers of forgeries) {
      const response = await forgedPost(server.url, '/wachtwoord-vergeten', { email: user.email }, headers)
      expect(response.status).toBe(403)
      expect(response.body).toContain('Dit verzoek is geweigerd')
    }
  })

  it('links a password reset asked for with a forged Host to the site itself', async () => {
    const user = await createUser(server.database.db, { email: 'herstel.host@voorbeeld.nl' })
    const response = await forgedPost(server.url, '/wachtwoord-vergeten', { email: user.email }, { ...evil, Origin: server.url })
    expect(response.status).toBe(200)
    await waitFor(async () => (await outbox()).includes('herstel.host@voorbeeld.nl'), 10_000, 'the reset mail')
    const page = await outbox()
    expect(page).toContain(`${server.url}/wachtwoord-herstellen/`)
    expect(page).not.toContain('evil.example')
  })

  it('links the removal mail of a tip posted with a forged Host to the site itself', async () => {
    const fields = { soort: 'tip', ...consentingVisitor, tekst: 'Een tip die via een vervalste Host binnenkwam.', email: 'tipgever.host@voorbeeld.nl', formulier_gestart: await startedAWhileAgo(server.database.db) }
    const response = await forgedPost(server.url, '/bijdragen/nieuw?sectie=lobby', fields, { ...evil, Origin: server.url, 'X-Forwarded-For': '10.9.0.1' })
    expect(response.status).toBeLessThan(400)
    await waitFor(async () => (await outbox()).includes('tipgever.host@voorbeeld.nl'), 10_000, 'the removal mail')
    const page = await outbox()
    expect(page).toContain(`${server.url}/bijdragen/verwijderen/`)
    expect(page).not.toContain('evil.example')
  })

  it('refuses a live-editing socket whose Origin matches a forged Host, and allows the site origin', async () => {
    const member = await sessionCookieFor(server.database.db, (await createUser(server.database.db)).id)
    expect(await rawSocket(server.url, 'lobby', { Host: 'evil.example', Origin: 'http://evil.example', Cookie: member }).refused).toBe(403)
    const allowed = rawSocket(server.url, 'lobby', { Host: 'evil.example', Origin: server.url, Cookie: member })
    await allowed.opened
    allowed.socket.close()
  })

  it('still accepts a form a browser marks same-origin with Sec-Fetch-Site', async () => {
    const response = await forgedPost(server.url, '/wachtwoord-vergeten', { email: 'niemand@voorbeeld.nl' }, { Host: 'evil.example', 'Sec-Fetch-Site': 'same-origin' })
    expect(response.status).toBe(200)
  })
})

describe('npm start without PUBLIC_URL', () => {
  it('starts, warns in the log and on /beheer/outbox, and links mails to http://localhost:<PORT>', { timeout: 120_000 }, async () => {
    const { database, environment, handOver, remove } = await databaseForProcess()
    const admin = await createUser(database.db, { role: 'admin', email: 'beheer.zonder.url@voorbeeld.nl' })
    const adminCookie = await sessionCookieFor(database.db, admin.id)
    await handOver()
    const port = await freePort()
    const site = npmStart(port, { ...environment, PUBLIC_URL: '' })
    try {
      await site.ready
      expect(site.logs.some((line) => line.level === 40 && line.msg.includes('PUBLIC_URL is not set') && line.msg.includes(`http://localhost:${port}`))).toBe(true)
      const baseUrl = `http://127.0.0.1:${port}`
      const reset = await forgedPost(baseUrl, '/wachtwoord-vergeten', { email: admin.email }, { Host: 'evil.example', Origin: `http://localhost:${port}` })
      expect(reset.status).toBe(200)
      const outbox = async () => (await (await get(baseUrl, '/beheer/outbox', { Cookie: adminCookie })).text()).replaceAll('&amp;', '&')
      await waitFor(async () => (await outbox()).includes(`http://localhost:${port}/wachtwoord-herstellen/`), 10_000, 'the reset mail')
      const page = await outbox()
      expect(page).toContain('het adres van de site is niet ingesteld (PUBLIC_URL)')
      expect(page).not.toContain('evil.example')
    } finally {
      await site.stop()
      await remove()
    }
  })
})
