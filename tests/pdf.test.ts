import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PDFParse } from 'pdf-parse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { liveDraftText } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { postForm } from './support/http'
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
    const body = pages.slice(4).join('\n')
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

  it('has the colophon, the examples, the tips appendix and clickable links', async () => {
    const all = pages.join('\n')
    expect(all).toContain('Colofon')
    expect(all).toContain('Marloes')
    expect(all).toContain('Goede voorbeelden uit de praktijk')
    expect(all).toContain('Humanitas')
    expect(all).toContain('Bijlage: Tips uit de praktijk')
    const parser = new PDFParse({ data: new Uint8Array(pdf) })
    const links = (await parser.getText({ parseHyperlinks: true })).text
    await parser.destroy()
    expect(links).toContain('https://www.vrijwilligerswerkrotterdam.nl')
    expect(pdf.toString('latin1')).toContain('/URI (https://www.vrijwilligerswerkrotterdam.nl)')
    expect(pdf.toString('latin1')).toMatch(/\/Outlines \d+ 0 R/)
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
    // Published as the editor does it: the form bumps the content version before it answers (a direct
    // call would leave that to Postgres' NOTIFY, which may still be on its way when the burst starts).
    expect((await postForm(server.url, '/handreiking/lobby/bewerken', { summary: 'Zin over de gemeenteraad' }, { Cookie: cookie })).status).toBe(302)
    writer.close()

    // A burst of downloads right after the publish starts one render, not eight.
    const rendersBefore = server.site.pdf.renders
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
