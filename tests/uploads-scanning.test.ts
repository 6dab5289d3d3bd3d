import { readdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import path from 'node:path'
import { Readable } from 'node:stream'
import { eq } from 'drizzle-orm'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uploadTempDir } from '#server/files/storage'
import { auditLog, attachments, examples, pendingUploads } from '#server/db/schema'
import { clamdScanner } from '#server/files/clamd'
import { clamdAvailable, eicar, startClamd, stopClamd, type TestClamd } from './support/clamd'
import { createUser, sessionCookieFor } from './support/factories'
import { get } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { exampleTexts, submitExample } from './support/submissions'

/** A small valid one-page PDF; `extra` goes verbatim into an uncompressed stream (a file inside the PDF). */
function onePagePdf(title: string, extra = '') {
  const content = `BT /F1 24 Tf 40 100 Td (${title}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...(extra ? [`<< /Type /EmbeddedFile /Length ${extra.length} >>\nstream\n${extra}\nendstream`] : []),
  ]
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((object, index) => {
    offsets.push(out.length)
    out += `${index + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer << /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

/** A phone photo: EXIF with the owner's marker and a GPS position. */
function photoWithGps() {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
    .jpeg()
    .withExif({ IFD0: { Copyright: 'Marker-Camera-Eigenaar' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 30/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '6/1 5/1 0/1' } })
    .toBuffer()
}


async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => [])
  return (await Promise.all(entries.map((entry) => (entry.isDirectory() ? filesUnder(path.join(directory, entry.name)) : [path.join(directory, entry.name)])))).flat()
}

async function decide(server: TestServer, cookie: string, exampleId: number) {
  const body = new URLSearchParams({ decision: 'approve', items: `example:${exampleId}` })
  const response = await fetch(server.url + '/beheer/moderatie', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: cookie }, body })
  return (await response.text()).replaceAll('<!-- -->', '')
}

const exampleNamed = async (server: TestServer, name: string) => (await server.database.db.select().from(examples).where(eq(examples.name, name)))[0]
const filesOf = (server: TestServer, exampleId: number) => server.database.db.select().from(attachments).where(eq(attachments.exampleId, exampleId)).orderBy(attachments.id)

describe.skipIf(!clamdAvailable)('uploads scanned by a real clamd', () => {
  let clamd: TestClamd
  let server: TestServer
  let editor: string
  beforeAll(async () => {
    clamd = await startClamd()
    server = await startTestServer({ clamdUrl: clamd.url, scanTimeoutMs: 5000 })
    editor = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'editor' })).id)
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    if (clamd) await stopClamd(clamd)
  })

  it('a clean PDF passes: scanned, with a preview of its first page for moderators, downloadable', async () => {
    const pdf = onePagePdf('Jaarverslag')
    const response = await submitExample(server, 'Mantelzorgloket Deventer', [{ name: 'jaarverslag.pdf', bytes: pdf, type: 'application/pdf' }])
    expect(response.status).toBe(302)
    const example = await exampleNamed(server, 'Mantelzorgloket Deventer')
    const [file] = await filesOf(server, example.id)
    expect(file.scanStatus).toBe('clean')
    expect(file.previewKey).toBeTruthy()

    const queue = (await (await get(server.url, '/beheer/moderatie', { Cookie: editor })).text()).replaceAll('<!-- -->', '')
    expect(queue).toContain('gescand, geen virus gevonden')
    expect(queue).not.toContain('niet op virussen gescand (er is geen virusscanner')
    expect(queue).toContain(`src="/beheer/bestanden/${file.id}/voorbeeld"`)
    expect(queue).toContain('alt="Eerste pagina van jaarverslag.pdf, bij het voorbeeld Mantelzorgloket Deventer"')
    const preview = await get(server.url, `/beheer/bestanden/${file.id}/voorbeeld`, { Cookie: editor })
    expect(preview.headers.get('content-type')).toBe('image/webp')
    const picture = await sharp(Buffer.from(await preview.arrayBuffer())).metadata()
    expect(picture.format).toBe('webp')
    expect(Math.max(picture.width ?? 0, picture.height ?? 0)).toBeLessThanOrEqual(480)
    expect((await get(server.url, `/beheer/bestanden/${file.id}/voorbeeld`)).status).toBe(403)

    const download = await get(server.url, `/beheer/bestanden/${file.id}`, { Cookie: editor })
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true)

    expect(await decide(server, editor, example.id)).toContain('1 bijdrage goedgekeurd')
    const page = (await (await get(server.url, `/voorbeelden/${example.slug}`)).text()).replaceAll('<!-- -->', '')
    expect(page).toContain(`src="/voorbeelden/${example.slug}/bestanden/${file.id}/voorbeeld"`)
    expect((await get(server.url, `/voorbeelden/${example.slug}/bestanden/${file.id}/voorbeeld`)).headers.get('content-type')).toBe('image/webp')
    expect((await get(server.url, `/voorbeelden/${example.slug}/bestanden/${file.id}`)).status).toBe(200)
  })

  it('a valid PDF carrying the EICAR string is refused by the file field, the typing kept, nothing stored, the refusal audited', async () => {
    const infected = onePagePdf('Begroting', eicar)
    const clean = onePagePdf('Bijlage')
    const before = { stored: await filesUnder(path.join(server.dataDir, 'uploads')), audits: await server.database.db.select().from(auditLog).where(eq(auditLog.action, 'file.infected')) }
    const response = await submitExample(server, 'Netwerk met besmet bestand', [
      { name: 'bijlage.pdf', bytes: clean, type: 'application/pdf' },
      { name: 'begroting.pdf', bytes: infected, type: 'application/pdf' },
    ])
    expect(response.status).toBeGreaterThanOrEqual(400)
    const html = (await response.text()).replaceAll('<!-- -->', '')
    expect(html).toContain('In begroting.pdf is een virus of ander schadelijk onderdeel gevonden. Wij hebben het bestand niet bewaard.')
    // Shown by the file field and in the error summary, with what the visitor typed still there.
    expect(html).toMatch(/<p id="[^"]*bestanden-error" class="field__error"><span class="visually-hidden">Fout: <\/span>In begroting.pdf is een virus/)
    expect(html).toContain('value="Netwerk met besmet bestand"')
    expect(html).toContain(exampleTexts.samenvatting)

    expect(await exampleNamed(server, 'Netwerk met besmet bestand')).toBeUndefined()
    expect(await server.database.db.select().from(pendingUploads)).toEqual([])
    expect(await filesUnder(path.join(server.dataDir, 'uploads'))).toEqual(before.stored)
    expect(await filesUnder(uploadTempDir(server.dataDir))).toEqual([])
    const audits = await server.database.db.select().from(auditLog).where(eq(auditLog.action, 'file.infected'))
    expect(audits.length).toBe(before.audits.length + 1)
    expect(audits.at(-1)?.details).toMatchObject({ fileName: 'begroting.pdf', signature: 'Local.Test.EICAR.UNOFFICIAL', stage: 'upload' })
  })

  it('with the scanner down a submission is accepted into quarantine: not downloadable, not approvable, released after the scanner returns', async () => {
    await clamd.stop()
    try {
      const response = await submitExample(server, 'Netwerk tijdens storing', [
        { name: 'plan.pdf', bytes: onePagePdf('Plan'), type: 'application/pdf' },
        { name: 'foto.jpg', bytes: await photoWithGps(), type: 'image/jpeg' },
      ])
      expect(response.status).toBe(302)
      const example = await exampleNamed(server, 'Netwerk tijdens storing')
      const files = await filesOf(server, example.id)
      expect(files.map((file) => [file.scanStatus, file.previewKey])).toEqual([
        ['pending', null],
        ['pending', null],
      ])
      const queue = (await (await get(server.url, '/beheer/moderatie', { Cookie: editor })).text()).replaceAll('<!-- -->', '')
      expect(queue).toContain('nog niet gescand')
      expect(queue).not.toContain(`href="/beheer/bestanden/${files[0].id}"`)
      const refused = await get(server.url, `/beheer/bestanden/${files[0].id}`, { Cookie: editor })
      expect(refused.status).toBe(409)
      expect(await refused.text()).toContain('nog niet op virussen gescand')
      expect((await get(server.url, `/beheer/bestanden/${files[0].id}/voorbeeld`, { Cookie: editor })).status).toBe(404)

      expect(await decide(server, editor, example.id)).toContain('Niet goedgekeurd: plan.pdf, foto.jpg zijn nog niet op virussen gescand')
      expect((await exampleNamed(server, 'Netwerk tijdens storing')).status).toBe('pending')

      // Still down: the retention job leaves them waiting.
      await server.site.runRetention()
      expect((await filesOf(server, example.id)).map((file) => file.scanStatus)).toEqual(['pending', 'pending'])
    } finally {
      await clamd.start()
    }
    const example = await exampleNamed(server, 'Netwerk tijdens storing')
    await server.site.runRetention()
    const files = await filesOf(server, example.id)
    expect(files.map((file) => file.scanStatus)).toEqual(['clean', 'clean'])
    expect(files.every((file) => file.previewKey)).toBe(true)
    expect((await get(server.url, `/beheer/bestanden/${files[0].id}`, { Cookie: editor })).status).toBe(200)
    expect(await decide(server, editor, example.id)).toContain('1 bijdrage goedgekeurd')
    expect((await get(server.url, `/voorbeelden/${example.slug}/bestanden/${files[1].id}`)).status).toBe(200)
    // The orphan sweep in the next run of the job knows previews: they stay.
    await server.site.runRetention()
    expect((await get(server.url, `/voorbeelden/${example.slug}/bestanden/${files[1].id}/voorbeeld`)).headers.get('content-type')).toBe('image/webp')
  })

  it('an infected file that came in while the scanner was down is removed from quarantine when scanned, and audited', async () => {
    await clamd.stop()
    try {
      const response = await submitExample(server, 'Netwerk met late vondst', [
        { name: 'schoon.pdf', bytes: onePagePdf('Schoon'), type: 'application/pdf' },
        { name: 'besmet.pdf', bytes: onePagePdf('Besmet', eicar), type: 'application/pdf' },
      ])
      expect(response.status).toBe(302)
    } finally {
      await clamd.start()
    }
    const example = await exampleNamed(server, 'Netwerk met late vondst')
    const before = await filesOf(server, example.id)
    expect(before.length).toBe(2)
    await server.site.runRetention()
    const after = await filesOf(server, example.id)
    expect(after.map((file) => [file.fileName, file.scanStatus])).toEqual([['schoon.pdf', 'clean']])
    const stored = await filesUnder(path.join(server.dataDir, 'uploads'))
    expect(stored.some((file) => file.endsWith(before[1].storageKey.split('/').pop()!))).toBe(false)
    const [audit] = (await server.database.db.select().from(auditLog).where(eq(auditLog.action, 'file.infected'))).filter((entry) => (entry.details as { stage?: string }).stage === 'quarantine')
    expect(audit.details).toMatchObject({ fileName: 'besmet.pdf', exampleId: example.id })
  })

  it('a phone photo is stored without its EXIF data: no GPS position, no camera owner', async () => {
    const photo = await photoWithGps()
    const original = await sharp(photo).metadata()
    expect(original.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true) // the GPS IFD pointer (tag 0x8825)
    expect(original.exif?.includes('Marker-Camera-Eigenaar')).toBe(true)

    expect((await submitExample(server, 'Netwerk met vakantiefoto', [{ name: 'loket.jpg', bytes: photo, type: 'image/jpeg' }])).status).toBe(302)
    const example = await exampleNamed(server, 'Netwerk met vakantiefoto')
    const [file] = await filesOf(server, example.id)
    const download = await get(server.url, `/beheer/bestanden/${file.id}`, { Cookie: editor })
    const stored = Buffer.from(await download.arrayBuffer())
    const metadata = await sharp(stored).metadata()
    expect(metadata.format).toBe('jpeg')
    expect([metadata.width, metadata.height]).toEqual([64, 48])
    expect(metadata.exif).toBeUndefined()
    expect(metadata.xmp).toBeUndefined()
    expect(stored.includes('Marker-Camera-Eigenaar')).toBe(false)
    expect(file.byteSize).toBe(stored.length)
    expect(file.previewKey).toBeTruthy()
  })

  it('files stored before scanning was switched on are scanned once on start, and only then get a preview', async () => {
    const before = await startTestServer()
    let after: TestServer | undefined
    try {
      expect((await submitExample(before, 'Netwerk van voor de scanner', [{ name: 'oud.pdf', bytes: onePagePdf('Oud'), type: 'application/pdf' }])).status).toBe(302)
      await before.stop()
      after = await startTestServer({ database: before.database, dataDir: before.dataDir, clamdUrl: clamd.url })
      const example = await exampleNamed(after, 'Netwerk van voor de scanner')
      const deadline = Date.now() + 20_000
      while ((await filesOf(after, example.id))[0].scanStatus !== 'clean' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
      const [file] = await filesOf(after, example.id)
      expect(file.scanStatus).toBe('clean')
      for (let tries = 0; !(await filesOf(after, example.id))[0].previewKey && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await filesOf(after, example.id))[0].previewKey).toBeTruthy()
    } finally {
      await (after ?? before).close()
    }
  }, 60_000)

  it('the client streams to clamd and treats a refused size or a silent scanner as "not scanned", never as clean', async () => {
    const scanner = clamdScanner({ url: clamd.url, timeoutMs: 20_000 })
    // 26 MB in 1 MB chunks, past the test clamd's StreamMaxLength of 25 MB; never held whole.
    const chunk = Buffer.alloc(1024 * 1024, 0x41)
    const big = Readable.from((function* () {
      for (let index = 0; index < 26; index++) yield chunk
    })())
    const result = await scanner.scan(big)
    expect(result.verdict).toBe('unavailable')
    expect(result.verdict === 'unavailable' && result.reason).toContain('StreamMaxLength')
    expect(await scanner.scan(Readable.from([Buffer.from('gewone tekst')]))).toEqual({ verdict: 'clean' })
    expect(await scanner.scan(Readable.from([Buffer.from('voor '), Buffer.from(eicar), Buffer.from(' na')]))).toMatchObject({ verdict: 'infected' })

    const silent: Server = createServer((socket) => socket.on('data', () => {}))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as { port: number }).port
      const slow = await clamdScanner({ url: `tcp://127.0.0.1:${port}`, timeoutMs: 300 }).scan(Readable.from([Buffer.from('x')]))
      expect(slow).toMatchObject({ verdict: 'unavailable' })
    } finally {
      silent.close()
    }
  }, 60_000)
})

describe('uploads without CLAMD_URL', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server?.close())

  it('work as before, and the moderation queue says plainly that files are not virus-scanned', async () => {
    const pdf = onePagePdf('Zonder scanner')
    expect((await submitExample(server, 'Netwerk zonder scanner', [{ name: 'verslag.pdf', bytes: pdf, type: 'application/pdf' }])).status).toBe(302)
    const example = await exampleNamed(server, 'Netwerk zonder scanner')
    const [file] = await filesOf(server, example.id)
    expect(file.previewKey).toBeNull()
    const editor = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'editor' })).id)
    const queue = (await (await get(server.url, '/beheer/moderatie', { Cookie: editor })).text()).replaceAll('<!-- -->', '')
    expect(queue).toContain('bestanden worden niet op virussen gescand')
    expect(queue).toContain('niet op virussen gescand')
    const download = await get(server.url, `/beheer/bestanden/${file.id}`, { Cookie: editor })
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true)
    expect(await decide(server, editor, example.id)).toContain('1 bijdrage goedgekeurd')
    expect((await get(server.url, `/voorbeelden/${example.slug}/bestanden/${file.id}`)).status).toBe(200)
  })
})
