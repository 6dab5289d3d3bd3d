import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support/server'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

async function page(path: string, init?: RequestInit) {
  const response = await fetch(server.url + path, init)
  return { response, html: await response.text() }
}

const h1Count = (html: string) => html.match(/<h1[\s>]/g)?.length ?? 0

describe('reading pages', () => {
  it('home shows what the handbook is, the whole table of contents, examples, search and the PDF', async () => {
    const { response, html } = await page('/')
    expect(response.status).toBe(200)
    expect(html).toContain('<html lang="nl"')
    expect(h1Count(html)).toBe(1)
    expect(html).toContain('Handreiking Lokaal samenwerken')
    for (const entry of ['Voor wie?', 'Aanleiding', '3.4.7', 'Commitment vastleggen', '4.10', 'StreekZorg Westelijke Mijnstreek']) {
      expect(html).toContain(entry)
    }
    expect(html).toContain('href="/voorbeelden"')
    expect(html).toContain('action="/zoeken"')
    expect(html).toContain('href="/handreiking.pdf"')
    expect(html).toContain('href="#inhoud"')
  })

  it('a section page has breadcrumb, text, previous/next, side navigation with the current section and its date', async () => {
    const { response, html } = await page('/handreiking/deelnamecriteria')
    expect(response.status).toBe(200)
    expect(h1Count(html)).toBe(1)
    expect(html).toMatch(/<h1>.*3\.4\.1.*Deelnamecriteria.*<\/h1>/s)
    expect(html).toContain('aria-label="Kruimelpad"')
    expect(html).toContain('href="/handreiking/randvoorwaarden"')
    expect(html).toMatch(/rel="prev"[^>]*>|href="\/handreiking\/randvoorwaarden" rel="prev"/)
    expect(html).toMatch(/href="\/handreiking\/hoe-vaak-bijeenkomen"[^>]*rel="next"|rel="next"[^>]*href="\/handreiking\/hoe-vaak-bijeenkomen"/)
    expect(html).toMatch(/<a(?=[^>]*aria-current="page")(?=[^>]*href="\/handreiking\/deelnamecriteria")[^>]*>/)
    expect(html).toContain('Een netwerk kan ervoor kiezen deelname alleen open te stellen')
    // Untouched imported text is dated by the first edition, not by the import.
    expect(html).toContain('Laatst gewijzigd in <time dateTime="2014">2014</time>')
  })

  it('the first and last sections have only the neighbour they have', async () => {
    const first = await page('/handreiking/voor-wie')
    expect(first.html).not.toContain('rel="prev"')
    expect(first.html).toContain('rel="next"')
    const last = await page('/handreiking/streekzorg-westelijke-mijnstreek')
    expect(last.html).toContain('rel="prev"')
    expect(last.html).not.toContain('rel="next"')
  })

  it('lists examples and filters them by theme and by region', async () => {
    const all = await page('/voorbeelden')
    expect(all.response.status).toBe(200)
    const count = (html: string) => html.match(/class="card"/g)?.length ?? 0
    expect(count(all.html)).toBeGreaterThanOrEqual(6)
    const limburg = await page('/voorbeelden?regio=Limburg')
    expect(count(limburg.html)).toBeGreaterThan(0)
    expect(count(limburg.html)).toBeLessThan(count(all.html))
    expect(limburg.html).toContain('StreekZorg')
    expect(limburg.html).not.toContain('MVZ 010')
    const byTheme = await page('/voorbeelden?thema=centraal-contactpunt')
    expect(count(byTheme.html)).toBeGreaterThan(0)
    expect(count(byTheme.html)).toBeLessThan(count(all.html))
    const unknown = await page('/voorbeelden?thema=bestaat-niet')
    expect(count(unknown.html)).toBe(count(all.html))
  })

  it('an example shows its fields, quote and story', async () => {
    const { response, html } = await page('/voorbeelden/mvz-010-rotterdam')
    expect(response.status).toBe(200)
    expect(h1Count(html)).toBe(1)
    expect(html).toContain('Rotterdam')
    expect(html).toContain('2004')
    expect(html).toContain('Renske Venstra')
    expect(html).toContain('href="https://www.vrijwilligerswerkrotterdam.nl"')
  })

  it('search shows ranked results with highlighted snippets', async () => {
    const { response, html } = await page('/zoeken?q=coordinatie')
    expect(response.status).toBe(200)
    expect(html).toContain('href="/handreiking/coordinatie-regie"')
    expect(html).toContain('<mark>')
    const empty = await page('/zoeken?q=')
    expect(empty.response.status).toBe(200)
    const none = await page('/zoeken?q=xyzzyqwerty')
    expect(none.html).toContain('Geen resultaten')
  })

  it('colophon, a Dutch 404 and the health check', async () => {
    expect((await page('/colofon')).html).toContain('Vereniging NOV')
    const missing = await page('/handreiking/bestaat-niet')
    expect(missing.response.status).toBe(404)
    expect(missing.html).toContain('Pagina niet gevonden')
    expect((await page('/iets/heel/anders')).response.status).toBe(404)
    const health = await page('/healthz')
    expect(health.response.status).toBe(200)
  })

  it('public pages carry Cache-Control and an ETag, and answer 304 when unchanged', async () => {
    const { response } = await page('/handreiking/aanleiding')
    expect(response.headers.get('cache-control')).toMatch(/public/)
    const etag = response.headers.get('etag')
    expect(etag).toBeTruthy()
    const again = await fetch(server.url + '/handreiking/aanleiding', { headers: { 'If-None-Match': etag! } })
    expect(again.status).toBe(304)
  })
})

describe('health check', () => {
  it('fails with 503 once the database stops answering', async () => {
    const own = await startTestServer()
    await own.database.close()
    const response = await fetch(own.url + '/healthz')
    expect(response.status).toBe(503)
    await own.close().catch(() => {})
  })
})
