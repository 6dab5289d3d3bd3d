import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import zlib from 'node:zlib'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContentVersion } from '#server/content-version'
import { contributions, revisions, sections } from '#server/db/schema'
import { PageCache } from '#server/page-cache'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { consentingVisitor, startedAWhileAgo } from './support/submissions'

type Raw = { status: number; headers: IncomingHttpHeaders; body: Buffer }

/** A plain HTTP request: no automatic decompression, exactly the bytes on the wire. */
function raw(baseUrl: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(baseUrl + path, { method, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }))
    })
    call.on('error', reject)
    call.end()
  })
}

let server: TestServer
let memberCookie: string
let editorCookie: string
beforeAll(async () => {
  server = await startTestServer()
  const member = await createUser(server.database.db, { role: 'member', name: 'Mila Lid' })
  const editor = await createUser(server.database.db, { role: 'editor', name: 'Eddy Redacteur' })
  memberCookie = await sessionCookieFor(server.database.db, member.id)
  editorCookie = await sessionCookieFor(server.database.db, editor.id)
})
afterAll(() => server.close())

const hits = () => server.site.pageCache.hits
const text = async (path: string, headers: Record<string, string> = {}) => (await raw(server.url, path, headers)).body.toString('utf8')

describe('the published-page cache', () => {
  it('answers a reader without a session from memory, in identity, gzip and brotli, with strong ETags and 304s', async () => {
    const first = await raw(server.url, '/handreiking/mandaat', { 'Accept-Encoding': 'identity' })
    expect(first.status).toBe(200)
    const before = hits()
    const identity = await raw(server.url, '/handreiking/mandaat', { 'Accept-Encoding': 'identity' })
    expect(hits()).toBe(before + 1)
    expect(identity.body.equals(first.body)).toBe(true)
    expect(identity.headers['content-encoding']).toBeUndefined()
    expect(identity.headers['content-length']).toBe(String(identity.body.length))
    expect(identity.headers.vary).toBe('Cookie, Accept-Encoding')

    const brotli = await raw(server.url, '/handreiking/mandaat', { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(brotli.headers['content-encoding']).toBe('br')
    expect(zlib.brotliDecompressSync(brotli.body).equals(identity.body)).toBe(true)
    const gzip = await raw(server.url, '/handreiking/mandaat', { 'Accept-Encoding': 'gzip, br;q=0' })
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(zlib.gunzipSync(gzip.body).equals(identity.body)).toBe(true)
    expect(brotli.body.length).toBeLessThan(identity.body.length / 3)

    const etags = [identity, gzip, brotli].map((response) => response.headers.etag!)
    expect(new Set(etags).size).toBe(3)
    for (const etag of etags) expect(etag).toMatch(/^"[^"]+"$/)
    const notModified = await raw(server.url, '/handreiking/mandaat', { 'Accept-Encoding': 'br', 'If-None-Match': brotli.headers.etag! })
    expect(notModified.status).toBe(304)
    expect(notModified.body.length).toBe(0)
    // Another representation's tag is not a match.
    expect((await raw(server.url, '/handreiking/mandaat', { 'Accept-Encoding': 'br', 'If-None-Match': gzip.headers.etag! })).status).toBe(200)
  })

  it('answers HEAD with the headers of the stored page and no body', async () => {
    const get = await raw(server.url, '/voorbeelden', { 'Accept-Encoding': 'identity' })
    const head = await raw(server.url, '/voorbeelden', { 'Accept-Encoding': 'identity' }, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
    expect(head.headers['content-length']).toBe(String(get.body.length))
    expect(head.headers.etag).toBe(get.headers.etag)
  })

  it('keeps the security headers of a rendered page and allows only the page’s own scripts, by hash', async () => {
    const cached = await raw(server.url, '/colofon')
    const rendered = await raw(server.url, '/colofon', { Cookie: memberCookie })
    for (const name of ['x-content-type-options', 'referrer-policy', 'cross-origin-opener-policy', 'permissions-policy']) {
      expect(cached.headers[name], name).toBe(rendered.headers[name])
    }
    const withoutScripts = (policy: string) => policy.split('; ').filter((directive) => !directive.startsWith('script-src'))
    const cachedPolicy = String(cached.headers['content-security-policy'])
    expect(withoutScripts(cachedPolicy)).toEqual(withoutScripts(String(rendered.headers['content-security-policy'])))
    const scriptSource = cachedPolicy.split('; ').find((directive) => directive.startsWith('script-src'))!
    expect(scriptSource).not.toContain('nonce')
    expect(scriptSource).not.toContain('unsafe-inline')
    expect(scriptSource).toMatch(/'sha256-[A-Za-z0-9+/=]+'/)
    expect(cached.body.toString()).not.toContain('nonce=')
  })

  it('never gives a signed-in member a cached page, and never stores theirs', async () => {
    await raw(server.url, '/')
    const before = hits()
    const member = await text('/', { Cookie: memberCookie })
    expect(member).toContain('Uitloggen')
    expect(hits()).toBe(before)
    expect(await text('/')).not.toContain('Uitloggen')
  })

  it('does not cache URLs with a query string, search included', async () => {
    await raw(server.url, '/voorbeelden?regio=Limburg')
    const before = hits()
    await raw(server.url, '/voorbeelden?regio=Limburg')
    await raw(server.url, '/zoeken?q=vrijwilliger')
    await raw(server.url, '/zoeken?q=vrijwilliger')
    expect(hits()).toBe(before)
  })

  it('serves the current PDF from memory and renders it again only after a change', async () => {
    const first = await raw(server.url, '/handreiking.pdf')
    expect(first.status).toBe(200)
    // Its size and page count are known now: the pages that linked to it without them are made again (the content version moves on once).
    await raw(server.url, '/handreiking.pdf')
    const renders = server.site.pdf.renders
    const before = hits()
    const again = await raw(server.url, '/handreiking.pdf')
    expect(hits()).toBe(before + 1)
    expect(again.body.equals(first.body)).toBe(true)
    expect(again.headers['content-type']).toBe('application/pdf')
    // A signed-in download goes through the app, and still finds the bytes in memory.
    await raw(server.url, '/handreiking.pdf', { Cookie: memberCookie })
    expect(server.site.pdf.renders).toBe(renders)
  })
})

describe('after a change readers can see, the next anonymous request shows it', () => {
  it('a published revision', async () => {
    const page = '/handreiking/lobby'
    const sentence = 'Een wethouder die meeleest, helpt het netwerk vooruit.'
    await text(page)
    const writer = connectClient(server.url, 'lobby', editorCookie)
    await waitForSync(writer)
    writer.addParagraph(sentence)
    await waitFor(() => writer.text().includes('meeleest'))
    await server.collab.open('lobby').then((room) => room?.flush())
    expect(await text(page)).not.toContain(sentence)
    const published = await postForm(server.url, '/handreiking/lobby/bewerken', { summary: 'Zin over de wethouder' }, { Cookie: editorCookie })
    expect(published.status).toBe(302)
    writer.close()
    expect(await text(page)).toContain(sentence)
  })

  it('an approved tip', async () => {
    const page = '/handreiking/mandaat'
    const tip = 'Leg het mandaat van elke deelnemer vast in één A4: dat voorkomt discussie.'
    await text(page)
    const sent = await postForm(server.url, '/bijdragen/nieuw?sectie=mandaat', { soort: 'tip', ...consentingVisitor, tekst: tip, formulier_gestart: await startedAWhileAgo(server.database.db) }, { 'X-Forwarded-For': '10.9.0.1' })
    expect(sent.status).toBe(302)
    const [row] = await server.database.db.select().from(contributions).where(eq(contributions.body, tip))
    const body = new URLSearchParams({ decision: 'approve', items: `tip:${row.id}` })
    const approved = await fetch(server.url + '/beheer/moderatie', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editorCookie }, body })
    expect(approved.status).toBe(200)
    expect(await text(page)).toContain(tip)
    expect(await text('/')).toContain(tip)
  })

  it('an edition frozen by an editor', async () => {
    expect(await text('/edities')).not.toContain('Editie 1')
    const frozen = await postForm(server.url, '/edities', { note: 'Eerste editie' }, { Cookie: editorCookie })
    expect(frozen.status).toBe(200)
    expect(await text('/edities')).toContain('Editie 1')
  })

  it('a change made by another process, told through the database', async () => {
    const page = '/handreiking/deelnamecriteria'
    expect(await text(page)).toContain('Deelnamecriteria')
    const [section] = await server.database.db.select().from(sections).where(eq(sections.slug, 'deelnamecriteria'))
    // Written straight into the database, as a second app process would: only the trigger's NOTIFY tells this one.
    await server.database.db.update(revisions).set({ title: 'Wie mag er meedoen' }).where(eq(revisions.id, section.currentRevisionId!))
    await waitFor(async () => (await text(page)).includes('Wie mag er meedoen'), 5000, 'the page after the NOTIFY')
  })
})

describe('what the cache never stores', () => {
  let base: string
  let calls = 0
  let close: () => void
  beforeAll(async () => {
    const version = { current: '1', changed: () => {} } as unknown as ContentVersion
    const cache = new PageCache({ version, maxBytes: 1024 * 1024, sessionCookies: ['sessie'] })
    const app: RequestListener = (request, response) => {
      calls += 1
      const [path, kind] = (request.url ?? '').split('/').filter(Boolean)
      response.setHeader('Content-Type', 'text/html; charset=utf-8')
      response.setHeader('Cache-Control', kind === 'private' ? 'private, no-cache' : 'public, max-age=60')
      if (kind === 'cookie') response.setHeader('Set-Cookie', 'iets=1')
      response.statusCode = kind === 'error' ? 500 : 200
      response.end(`<p>${path} ${kind ?? ''}</p>`)
    }
    const http = createServer(cache.handler(app))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    close = () => http.close()
  })
  afterAll(() => close())

  it.each(['cookie', 'error', 'private'])('a response with %s goes to the app every time', async (kind) => {
    const before = calls
    const first = await raw(base, `/pagina/${kind}`)
    const second = await raw(base, `/pagina/${kind}`)
    expect(calls).toBe(before + 2)
    expect(second.body.toString()).toBe(first.body.toString())
    if (kind === 'cookie') expect(second.headers['set-cookie']).toEqual(['iets=1'])
  })

  it('a public page is rendered once, and a session cookie skips the cache', async () => {
    const before = calls
    await raw(base, '/pagina/gewoon')
    await raw(base, '/pagina/gewoon')
    expect(calls).toBe(before + 1)
    await raw(base, '/pagina/gewoon', { Cookie: 'taal=nl; sessie=abc' })
    expect(calls).toBe(before + 2)
  })
})
