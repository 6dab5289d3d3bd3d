import { eq } from 'drizzle-orm'
import { PDFParse } from 'pdf-parse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contributions, sections } from '#server/db/schema'
import { publishRevision } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { hasPoppler, linkAnnotations, pageCount, poppler } from './support/pdf'
import { normalise, seedTableOfContents } from './support/seed'
import { startTestServer, type TestServer } from './support/server'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50 } })
  // A reader's tip on 3.4.5, approved by an editor: it belongs in the appendix of chapter 3 only.
  const [mandaat] = await server.database.db.select({ id: sections.id }).from(sections).where(eq(sections.slug, 'mandaat'))
  await server.database.db.insert(contributions).values({ kind: 'tip', sectionId: mandaat.id, body: 'Leg het mandaat van het platform elk jaar opnieuw vast.', status: 'approved', name: 'Anna de Boer', showName: 1 })
}, 60_000)
afterAll(() => server.close())

const download = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(server.url + path, { headers })
  return { response, bytes: Buffer.from(await response.arrayBuffer()) }
}
const textOf = async (pdf: Buffer) => {
  const parser = new PDFParse({ data: new Uint8Array(pdf) })
  const text = normalise((await parser.getText()).text)
  await parser.destroy()
  return text
}
/** "3.4 Randvoorwaarden", as the table of contents of the 2014 edition numbers it. */
const chapterLabels = (chapter: string) => seedTableOfContents.map((entry) => entry.replace(/^(\d+)\. /, '$1 ')).filter((label) => label.split(/[ .]/)[0] === chapter)
/** The numbered headings in the PDF's structure tree, e.g. "3.4 Randvoorwaarden". */
const numberedHeadings = (pdf: Buffer) =>
  [...poppler('pdfinfo', pdf, ['-struct-text']).matchAll(/^\s*H[2-6] \(block\)\n\s*"(\d+(?:\.\d+)*) {2}(.+)"$/gm)].map((match) => `${match[1]} ${match[2]}`)

describe('the PDF of one chapter', () => {
  it('is offered on the chapter’s page, without starting a render: size and page count once a render finished', async () => {
    const rendersBefore = server.site.pdf.chapterRenders
    const before = await fetch(server.url + '/handreiking/samenwerking-opzetten')
    // React separates text parts with empty comments.
    const html = (await before.text()).replaceAll('<!-- -->', '')
    expect(html).toMatch(/href="\/handreiking\/samenwerking-opzetten\.pdf"[^>]*>Download dit hoofdstuk <span class="file-facts">\(pdf\)<\/span>/)
    expect(before.headers.get('cache-control')).toMatch(/public/)
    // The page is stored for the next readers (a second view is a hit) ...
    const hits = server.site.pageCache.hits
    await (await fetch(server.url + '/handreiking/samenwerking-opzetten')).text()
    expect(server.site.pageCache.hits).toBe(hits + 1)
    expect(server.site.pdf.chapterRenders).toBe(rendersBefore)
    // A sub-section has no PDF of its own, so no link to one.
    expect(await (await fetch(server.url + '/handreiking/mandaat')).text()).not.toContain('Download dit hoofdstuk')

    // ... but does not outlive the chapter's first render.
    const { bytes } = await download('/handreiking/samenwerking-opzetten.pdf')
    const pages = await pageCount(bytes)
    const after = await fetch(server.url + '/handreiking/samenwerking-opzetten')
    expect((await after.text()).replaceAll('<!-- -->', '')).toContain(`Download dit hoofdstuk <span class="file-facts">(pdf, ${Math.round(bytes.length / 1000)} kB, ${pages} pagina&#x27;s)</span>`)
    expect(after.headers.get('cache-control')).toMatch(/public/)
  })

  it.runIf(hasPoppler)('holds exactly the headings of its sections, and its own tips', async () => {
    const { response, bytes } = await download('/handreiking/samenwerking-opzetten.pdf')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/pdf')
    expect(response.headers.get('content-disposition')).toContain('handreiking-lokaal-samenwerken-samenwerking-opzetten.pdf')
    const expected = chapterLabels('3')
    expect(expected).toContain('3.4.7 Commitment vastleggen')
    expect(numberedHeadings(bytes)).toEqual(expected)
    const text = await textOf(bytes)
    expect(text).toContain('Hoofdstuk 3: Samenwerking opzetten')
    expect(text).toContain('Bijlage: Tips uit de praktijk')
    expect(text).toContain('Leg het mandaat van het platform elk jaar opnieuw vast. — Anna de Boer')
    expect(text).not.toContain('Goede voorbeelden uit de praktijk')

    const other = (await download('/handreiking/samenwerken-op-onderdelen.pdf')).bytes
    expect(numberedHeadings(other)).toEqual(chapterLabels('4'))
    expect(await textOf(other)).not.toContain('Bijlage: Tips uit de praktijk')
  })

  it('is tagged like the whole book: structure tree, marked content, language, links in the tree', async () => {
    const { bytes } = await download('/handreiking/samenwerking-opzetten.pdf')
    const raw = bytes.toString('latin1')
    expect(raw).toMatch(/\/StructTreeRoot \d+ 0 R/)
    expect(raw).toMatch(/\/MarkInfo \d+ 0 R/)
    expect(raw).toMatch(/\/Lang \(nl-NL\)/)
    if (hasPoppler) expect(poppler('pdfinfo', bytes, [])).toMatch(/Tagged:\s+yes/)
    const { links } = await linkAnnotations(bytes)
    expect(links.length).toBeGreaterThan(10)
    expect(links.filter((link) => link.element?.role !== 'Link' || !link.element.alt)).toEqual([])
  })

  it('is answered with 404 in Dutch for a sub-section or an unknown slug', async () => {
    for (const slug of ['mandaat', 'randvoorwaarden', 'bestaat-niet']) {
      const response = await fetch(`${server.url}/handreiking/${slug}.pdf`)
      expect(response.status, slug).toBe(404)
      expect(await response.text()).toContain('alleen een hoofdstuk van de handreiking heeft een eigen pdf')
    }
  })

  it('is cached by content: the same bytes and ETag until its text changes, one render for a burst after a publish', async () => {
    const first = await download('/handreiking/samenwerking-opzetten.pdf')
    const etag = first.response.headers.get('etag')!
    const again = await download('/handreiking/samenwerking-opzetten.pdf')
    expect(again.response.headers.get('etag')).toBe(etag)
    expect(again.bytes.equals(first.bytes)).toBe(true)
    expect((await fetch(server.url + '/handreiking/samenwerking-opzetten.pdf', { headers: { 'If-None-Match': etag } })).status).toBe(304)
    const chapter4 = await download('/handreiking/samenwerken-op-onderdelen.pdf')

    // A publish in chapter 4 (4.6 Lobby).
    const editor = await createUser(server.database.db, { role: 'editor', name: 'Eva Redacteur' })
    const cookie = await sessionCookieFor(server.database.db, editor.id)
    const writer = connectClient(server.url, 'lobby', cookie)
    await waitForSync(writer)
    writer.addParagraph('Nodig de wethouder uit op de jaarlijkse netwerkdag.')
    await waitFor(() => writer.text().includes('netwerkdag'))
    await new Promise((resolve) => setTimeout(resolve, 150))
    await publishRevision(server.database.db, server.collab, { slug: 'lobby', summary: 'Zin over de netwerkdag', publisherId: editor.id })
    writer.close()

    // Eight downloads of chapter 4 at once: one render, all the same new file.
    const rendersBefore = server.site.pdf.chapterRenders
    const burst = await Promise.all(Array.from({ length: 8 }, () => download('/handreiking/samenwerken-op-onderdelen.pdf')))
    expect(server.site.pdf.chapterRenders).toBe(rendersBefore + 1)
    for (const { bytes } of burst) expect(bytes.equals(burst[0].bytes)).toBe(true)
    expect(burst[0].bytes.equals(chapter4.bytes)).toBe(false)
    expect(burst[0].response.headers.get('etag')).not.toBe(chapter4.response.headers.get('etag'))
    expect(await textOf(burst[0].bytes)).toContain('netwerkdag')

    // Chapter 3 did not change: the same file, not rendered again.
    const unchanged = await download('/handreiking/samenwerking-opzetten.pdf')
    expect(unchanged.response.headers.get('etag')).toBe(etag)
    expect(unchanged.bytes.equals(first.bytes)).toBe(true)
    expect(server.site.pdf.chapterRenders).toBe(rendersBefore + 1)
  })

  it('leaves stored pages alone when it renders and no page went out without its size and page count', async () => {
    // The whole book's facts known and shown (the publish above renders it again in the background).
    const showsFacts = async () => /file-facts">\(pdf, \d+ kB/.test((await (await fetch(server.url + '/')).text()).replaceAll('<!-- -->', ''))
    await waitFor(showsFacts, 120_000, 'the home page with the PDF’s size')
    await (await fetch(server.url + '/handreiking/mandaat')).text()
    const hits = server.site.pageCache.hits
    const rendersBefore = server.site.pdf.chapterRenders

    // Chapter 2, downloaded before anyone saw its page since the last change: rendered now.
    const { response } = await download('/handreiking/de-meerwaarde-van-samenwerken.pdf')
    expect(response.status).toBe(200)
    expect(server.site.pdf.chapterRenders).toBe(rendersBefore + 1)
    // A page stored before is still served from memory: the render did not move the content version on.
    await (await fetch(server.url + '/handreiking/mandaat')).text()
    expect(server.site.pageCache.hits).toBe(hits + 1)
    // The chapter's page, asked for now, has the facts at once.
    const chapterPage = (await (await fetch(server.url + '/handreiking/de-meerwaarde-van-samenwerken')).text()).replaceAll('<!-- -->', '')
    expect(chapterPage).toMatch(/Download dit hoofdstuk <span class="file-facts">\(pdf, \d+ kB, \d+ pagina/)
  })
})
