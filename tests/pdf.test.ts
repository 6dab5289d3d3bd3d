import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PDFParse } from 'pdf-parse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readConfig } from '#server/config'
import { liveDraftText } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { postForm } from './support/http'
import { actualTexts, hasPoppler, linkAnnotations, poppler, sourceWords, splitWords } from './support/pdf'
import { startTestServer, type TestServer } from './support/server'
import { normalise, seedTableOfContents } from './support/seed'

const hasPdfinfo = existsSync('/usr/bin/pdfinfo')
if (!hasPdfinfo) console.warn('\n  PDF STRUCTURE CHECKS SKIPPED: pdfinfo not found (apt-get install -y poppler-utils).\n')

let server: TestServer
let pdf: Buffer
let pages: string[]
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50 } })
  const response = await fetch(server.url + '/handreiking.pdf')
  pdf = Buffer.from(await response.arrayBuffer())
  const parser = new PDFParse({ data: new Uint8Array(pdf) })
  pages = (await parser.getText()).pages.map((page) => normalise(page.text))
  await parser.destroy()
}, 300_000) // renders and parses the whole handbook: ~5 s alone, past 120 s with a load average of 25
afterAll(() => server.close())

/** "2. De meerwaarde…" in the seed is "2 De meerwaarde…" in the book. */
const tocLabels = seedTableOfContents.map((entry) => entry.replace(/^(\d+)\. /, '$1 '))

describe('the PDF of the current edition', () => {
  it('is a tagged PDF in Dutch whose structure tree holds the headings', () => {
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    expect(pdf.toString('latin1')).toMatch(/\/Lang \(nl-NL\)/)
    if (!hasPdfinfo) return
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lh-pdf-')), 'handreiking.pdf')
    writeFileSync(file, pdf)
    const info = execFileSync('pdfinfo', [file]).toString()
    expect(info).toMatch(/Tagged:\s+yes/)
    expect(info).toMatch(/Title:\s+Handreiking Lokaal samenwerken/)
    const structure = execFileSync('pdfinfo', ['-struct-text', file]).toString()
    expect(structure).toMatch(/H1 \(block\)\s+"Handreiking Lokaal samenwerken"/)
    expect(structure).toMatch(/H2 \(block\)\s+"3 {2}Samenwerking opzetten"/)
    expect(structure).toMatch(/H3 \(block\)\s+"3\.4 {2}Randvoorwaarden"/)
    expect(structure).toMatch(/H4 \(block\)\s+"3\.4\.3 {2}Coördinatie\/regie"/)
    expect(structure).toMatch(/\bL \(block\)[\s\S]*?LI \(block\)[\s\S]*?LBody/)
    expect(structure).toMatch(/BlockQuote/)
    // Links are Link elements holding their text and their annotation.
    expect(structure).toMatch(/Link \(inline\)\s+"www\.vrijwilligerswerkrotterdam\.nl"\s+Object \d+ 0/)
  })

  it('holds every heading of the table of contents, in order, from the cover to the last network', () => {
    const body = pages.slice(pages.findIndex((text) => text.startsWith(tocLabels[0]))).join('\n')
    let position = 0
    for (const label of tocLabels) {
      const found = body.indexOf(label, position)
      expect(found, `heading "${label}" after position ${position}`).toBeGreaterThan(-1)
      position = found + label.length
    }
  })

  it('prints table-of-contents page numbers that match the pages the headings are on', () => {
    const tocText = pages.filter((text) => text.includes('Inhoudsopgave') || /\d+$/.test(text)).slice(0, 6).join(' ')
    for (const label of tocLabels) {
      const match = new RegExp(`${label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} (\\d+)`).exec(tocText)
      expect(match, `toc entry ${label}`).not.toBeNull()
      const pageNumber = Number(match![1])
      expect(pages[pageNumber - 1], `${label} on page ${pageNumber}`).toContain(label)
    }
  })

  it('has the colophon, the examples and clickable links; no empty tips appendix', async () => {
    const all = pages.join('\n')
    expect(all).toContain('Colofon')
    expect(all).toContain('Marloes')
    expect(all).toContain('Goede voorbeelden uit de praktijk')
    expect(all).toContain('Humanitas')
    // No reader tip is approved yet: an appendix would hold nothing.
    expect(all).not.toContain('Bijlage: Tips uit de praktijk')
    const parser = new PDFParse({ data: new Uint8Array(pdf) })
    const links = (await parser.getText({ parseHyperlinks: true })).text
    await parser.destroy()
    expect(links).toContain('https://www.vrijwilligerswerkrotterdam.nl')
    expect(pdf.toString('latin1')).toContain('/URI (https://www.vrijwilligerswerkrotterdam.nl)')
    expect(pdf.toString('latin1')).toMatch(/\/Outlines \d+ 0 R/)
  })

  it.runIf(hasPoppler)('does not retell in the examples part the stories chapter 5 tells: it refers to the section and its page', () => {
    // pdftotext keeps hyphenated words whole (pdf.js does not), so sentences can be searched.
    const all = normalise(poppler('pdftotext', pdf, ['-raw', '-enc', 'UTF-8']))
    // A sentence of the MVZ 010 story, told in chapter 5 and in the example of the same network.
    expect(all.split('Het netwerk werd in 2004 opgericht vanwege de versnippering').length - 1).toBe(1)
    const reference = /Het verhaal van dit netwerk leest u in hoofdstuk 5, bij MVZ 010 \(Rotterdam\) op pagina (\d+)\./.exec(all)
    expect(reference).not.toBeNull()
    expect(pages[Number(reference![1]) - 1]).toContain('MVZ 010 (Rotterdam) MVZ 010 is een')
    // An example no section tells is printed in full.
    expect(all).toContain('Uit dit overleg ontstond het coördinatiepunt Ondersteuning Schuld Stabilisatie')
  })

  it('keeps each contents page well filled', async () => {
    const { tocEntriesPerPage } = await linkAnnotations(pdf)
    const tocPages = tocEntriesPerPage.filter((count) => count > 0)
    expect(tocPages.reduce((sum, count) => sum + count, 0)).toBe(tocLabels.length + 1)
    for (const count of tocPages) expect(count).toBeGreaterThan(tocLabels.length / tocPages.length / 2)
  })

  it('gives every link annotation, the contents’ too, a Link element in the structure tree with its text as description', async () => {
    const { links } = await linkAnnotations(pdf)
    // 37 contents entries (label and page number each) and the web links in the text.
    expect(links.length).toBeGreaterThan(2 * (tocLabels.length + 1))
    const untagged = links.filter((link) => link.element?.role !== 'Link')
    expect(untagged, `${untagged.length} of ${links.length} links outside the structure tree`).toEqual([])
    for (const link of links) {
      expect(link.element!.alt, `alt text of the link on page ${link.page}`).toBeTruthy()
      expect(link.contents).toBe(link.element!.alt)
    }
    expect(links.find((link) => link.url?.startsWith('https://www.vrijwilligerswerkrotterdam.nl'))?.contents).toBe('www.vrijwilligerswerkrotterdam.nl')
    const mandaatPage = /3\.4\.5 Mandaat (\d+)/.exec(pages.join(' '))![1]
    expect(links.filter((link) => link.contents === `3.4.5 Mandaat, pagina ${mandaatPage}`)).toHaveLength(2)
  })

  it.runIf(hasPoppler)('has no word hyphenated at a line or page end split in its text (pdftotext -raw)', () => {
    const raw = poppler('pdftotext', pdf, ['-raw', '-enc', 'UTF-8'])
    // The words the layout broke: each span's /ActualText tells the whole word.
    const broken = actualTexts(pdf).filter((text) => text !== '')
    expect(broken.length).toBeGreaterThan(100)
    const rawWords = new Set(raw.split(/\s+/))
    const missing = broken.filter((word) => !rawWords.has(word))
    expect(missing, 'hyphenated words that do not come out whole').toEqual([])
    expect(splitWords(raw, sourceWords(readConfig().contentDir))).toEqual([])
  })

  it('is cached by content: ETag and 304, and downloads do not render again', async () => {
    const first = await fetch(server.url + '/handreiking.pdf')
    const etag = first.headers.get('etag')!
    expect(first.headers.get('content-type')).toBe('application/pdf')
    expect(first.headers.get('content-disposition')).toContain('handreiking-lokaal-samenwerken.pdf')
    expect((await fetch(server.url + '/handreiking.pdf', { headers: { 'If-None-Match': etag } })).status).toBe(304)
    const rendersBefore = server.site.pdf.renders
    await Promise.all(Array.from({ length: 8 }, () => fetch(server.url + '/handreiking.pdf').then((response) => response.arrayBuffer())))
    expect(server.site.pdf.renders).toBe(rendersBefore)
  })
})

describe('editions', () => {
  // Renders the whole handbook three times (the frozen edition, the current one before and after the
  // publish) and parses one: ~5 s alone, over a minute when the machine's CPUs are busy elsewhere.
  it('a frozen edition’s PDF never changes after later publishes; the current one does', { timeout: 300_000 }, async () => {
    const editor = await createUser(server.database.db, { role: 'editor', name: 'Eva Redacteur' })
    const cookie = await sessionCookieFor(server.database.db, editor.id)
    const freeze = await fetch(server.url + '/edities', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: cookie },
      body: new URLSearchParams({ note: 'Eerste vastgelegde editie op de nieuwe site' }),
    })
    expect(await freeze.text()).toContain('Editie 1 is vastgelegd')
    const editionResponse = await fetch(server.url + '/edities/1.pdf')
    expect(editionResponse.headers.get('content-disposition')).toContain('handreiking-lokaal-samenwerken-editie-1.pdf')
    const edition = Buffer.from(await editionResponse.arrayBuffer())
    expect(await (await fetch(server.url + '/edities')).text()).toContain('Editie 1')
    const currentBefore = Buffer.from(await (await fetch(server.url + '/handreiking.pdf')).arrayBuffer())

    const writer = connectClient(server.url, 'lobby', cookie)
    await waitForSync(writer)
    writer.addParagraph('Een nieuwe zin over lobbyen met de gemeenteraad.')
    // On the server, not just in the writer's own copy: a busy machine can take longer than any write window.
    await waitFor(async () => (await liveDraftText(server.collab, 'lobby'))?.includes('gemeenteraad') ?? false, 20_000, 'the edit reaching the server')
    // The publish and a burst of downloads right after it: one render, not eight (the change
    // itself starts it in the background, or the first download does, whichever comes first).
    const rendersBefore = server.site.pdf.renders
    // Published as the editor does it: the form bumps the content version before it answers (a direct
    // call would leave that to Postgres' NOTIFY, which may still be on its way when the burst starts).
    expect((await postForm(server.url, '/handreiking/lobby/bewerken', { summary: 'Zin over de gemeenteraad' }, { Cookie: cookie })).status).toBe(302)
    writer.close()
    const burst = await Promise.all(Array.from({ length: 8 }, () => fetch(server.url + '/handreiking.pdf').then((response) => response.arrayBuffer())))
    expect(server.site.pdf.renders).toBe(rendersBefore + 1)
    const currentAfter = Buffer.from(burst[0])
    expect(currentAfter.equals(currentBefore)).toBe(false)
    const parser = new PDFParse({ data: new Uint8Array(currentAfter) })
    expect(normalise((await parser.getText()).text)).toContain('gemeenteraad')
    await parser.destroy()
    expect(Buffer.from(await (await fetch(server.url + '/edities/1.pdf')).arrayBuffer()).equals(edition)).toBe(true)
    expect((await fetch(server.url + '/edities/2.pdf')).status).toBe(404)
  })
})
