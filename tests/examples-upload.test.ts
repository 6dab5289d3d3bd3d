import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attachments, examples } from '#server/db/schema'
import { createUser, sessionCookieFor } from './support/factories'
import { get } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { exited, freePort, processStats, startSiteProcess } from './support/site-process-control'
import { consentingVisitor, pdfBytes, plainZip, pngBytes, samePicture, submitExample } from './support/submissions'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const db = () => server.database.db


async function storedFiles() {
  const root = path.join(server.dataDir, 'uploads')
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    return (await Promise.all(entries.map((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)])))).flat()
  }
  return walk(root)
}

describe('examples with files', () => {
  it('a visitor’s example waits for moderation; its files are served only as attachments with the detected type', async () => {
    const response = await submitExample(server, 'Zwols Loket Vrijwillige Hulp', [
      { name: 'Jaarverslag 2024 (definitief).pdf', bytes: pdfBytes },
      { name: 'foto loket.png', bytes: pngBytes, type: 'application/octet-stream' },
    ])
    expect(response.status).toBe(302)
    const [example] = await db().select().from(examples).where(eq(examples.name, 'Zwols Loket Vrijwillige Hulp'))
    expect(example.status).toBe('pending')
    expect((await get(server.url, `/voorbeelden/${example.slug}`)).status).toBe(404)

    const editor = await sessionCookieFor(db(), (await createUser(db(), { role: 'editor' })).id)
    const body = new URLSearchParams({ decision: 'approve', items: `example:${example.id}` })
    await fetch(server.url + '/beheer/moderatie', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editor }, body })
    const page = await (await get(server.url, `/voorbeelden/${example.slug}`)).text()
    expect(page).toContain('Twaalf organisaties in Zwolle')
    const files = await db().select().from(attachments).where(eq(attachments.exampleId, example.id))
    expect(files.map((file) => file.fileName).sort()).toEqual(['Jaarverslag-2024-definitief.pdf', 'foto-loket.png'])
    const png = files.find((file) => file.fileName.endsWith('.png'))!
    const download = await get(server.url, `/voorbeelden/${example.slug}/bestanden/${png.id}`)
    expect(download.headers.get('content-type')).toBe('image/png')
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="foto-loket.png"/)
    expect(download.headers.get('x-content-type-options')).toBe('nosniff')
    // Re-encoded without metadata (see tests/uploads-scanning.test.ts): the same picture, not the same bytes.
    expect(await samePicture(Buffer.from(await download.arrayBuffer()), pngBytes)).toBe(true)
    // The page comes from the published-page cache, and the download is a change it shows at once.
    expect((await (await get(server.url, `/voorbeelden/${example.slug}`)).text()).replaceAll('<!-- -->', '')).toContain('1 keer gedownload')
  })

  it('a member’s example is published at once, and an editor can take it offline', async () => {
    const member = await sessionCookieFor(db(), (await createUser(db())).id)
    const response = await submitExample(server, 'Netwerk van een netwerklid', [], { Cookie: member })
    expect(response.status).toBe(302)
    const location = response.headers.get('location')!
    expect(location).toMatch(/^\/voorbeelden\/netwerk-van-een-netwerklid/)
    expect((await get(server.url, location)).status).toBe(200)
    const editor = await sessionCookieFor(db(), (await createUser(db(), { role: 'editor' })).id)
    const takeOffline = (body: string) => fetch(server.url + location, { method: 'POST', redirect: 'manual', headers: { Origin: server.url, Cookie: editor, 'Content-Type': 'application/x-www-form-urlencoded' }, body })
    // The first step only asks; the example stays online until the editor confirms.
    expect(await (await takeOffline('')).text()).toContain('Ja, offline halen')
    expect((await get(server.url, location)).status).toBe(200)
    await takeOffline('bevestigd=ja')
    expect((await get(server.url, location)).status).toBe(404)
  })

  it('refuses an HTML file named .pdf and a plain zip named .docx, storing nothing', async () => {
    const before = await db().select().from(examples)
    const html = await submitExample(server, 'Netwerk met nepbestand', [{ name: 'verslag.pdf', bytes: Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>') }])
    expect(html.status).toBe(400)
    expect(await html.text()).toContain('verslag.pdf is geen toegestaan bestandstype')
    const zip = await submitExample(server, 'Netwerk met nepbestand', [{ name: 'notulen.docx', bytes: plainZip() }])
    expect(zip.status).toBe(400)
    expect(await zip.text()).toContain('notulen.docx is geen toegestaan bestandstype')
    const renamed = await submitExample(server, 'Netwerk met nepbestand', [{ name: 'foto.pdf', bytes: pngBytes }])
    expect(await renamed.text()).toContain('is een PNG-bestand')
    expect(await db().select().from(examples)).toHaveLength(before.length)
    const leftovers = (await storedFiles()).filter((file) => !file.includes(`${path.sep}voorbeelden${path.sep}`))
    expect(leftovers).toEqual([])
  })

  // A server process of its own (PGlite on disk, migrations, import), the form's 3 s minimum and a 21 MB
  // upload: about 15 s alone, several times that with both CPUs busy.
  it('refuses a file over 20 MB without the server holding it in memory, and stores nothing', { timeout: 120_000 }, async () => {
    // Measured on a real server process, so the test's own copy of the upload does not count.
    // A new folder the server process migrates and imports into itself, not a copy of the template: the
    // import grows its heap to the size it keeps serving at, so the upload's own growth is what is measured
    // (from a copied folder the young generation's first growth alone is 20+ MB).
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-upload-'))
    const port = await freePort()
    const site = startSiteProcess(port, dataDir)
    try {
      await site.ready
      const baseUrl = `http://127.0.0.1:${port}`
      const formPage = await (await fetch(baseUrl + '/voorbeelden/nieuw')).text()
      const started = /name="formulier_gestart" value="([^"]+)"/.exec(formPage)![1]
      await new Promise((resolve) => setTimeout(resolve, 3100))
      const form = new FormData()
      for (const [key, value] of Object.entries({ ...consentingVisitor, formulier_gestart: started, netwerk: 'Netwerk met een groot bestand', regio: 'Utrecht', samenvatting: 'Een samenvatting die lang genoeg is om te tellen.', verhaal: 'Een verhaal dat lang genoeg is, want het moet minstens vijftig tekens hebben.' })) form.append(key, value)
      form.append('bestanden', new Blob([new Uint8Array(Buffer.concat([pngBytes, Buffer.alloc(21 * 1024 * 1024)]))], { type: 'image/png' }), 'groot.png')
      const before = (await processStats(site.child.pid!)).rssMb
      const response = await fetch(baseUrl + '/voorbeelden/nieuw', { method: 'POST', body: form, headers: { Origin: baseUrl } })
      const after = (await processStats(site.child.pid!)).rssMb
      expect(response.status).toBe(400)
      expect(await response.text()).toContain('groter dan 20 MB')
      expect(after - before).toBeLessThan(15)
      const leftovers = await readdir(path.join(dataDir, 'uploads', 'tmp')).catch(() => [])
      expect(leftovers).toEqual([])
    } finally {
      site.child.kill('SIGKILL')
      await exited(site.child)
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses more than 5 files', async () => {
    const six = Array.from({ length: 6 }, (_, index) => ({ name: `bijlage-${index}.pdf`, bytes: pdfBytes }))
    const response = await submitExample(server, 'Netwerk met te veel bestanden', six)
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('hoogstens 5 bestanden')
    const [latest] = await db().select().from(examples).orderBy(desc(examples.id)).limit(1)
    expect(latest.name).not.toBe('Netwerk met te veel bestanden')
  })
})
