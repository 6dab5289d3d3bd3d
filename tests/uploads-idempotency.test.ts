import { watch, type FSWatcher } from 'node:fs'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { eq, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formStartedToken } from '#server/contributions/form-guard'
import { purgeExpired } from '#server/contributions/retention'
import { attachments, contributions, examples, pendingUploads } from '#server/db/schema'
import { createStorage } from '#server/files/storage'
import { TemporaryFile } from '#server/files/temporary-files'
import { waitFor } from './support/collab-client'
import { postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { consentingVisitor, pdfBytes, startedAWhileAgo } from './support/submissions'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const db = () => server.database.db
let visitor = 0
const asVisitor = () => ({ 'X-Forwarded-For': `10.2.0.${++visitor}` })
const temporaryDir = () => path.join(server.dataDir, 'uploads', 'tmp')

function tipFields(text: string, token: string) {
  return { soort: 'tip', ...consentingVisitor, tekst: text, formulier_gestart: token }
}

function exampleForm(name: string, token: string, options: { files?: Array<{ name: string; bytes: Buffer }>; extra?: Record<string, string>; before?: Record<string, string> } = {}) {
  const form = new FormData()
  for (const [key, value] of Object.entries(options.before ?? {})) form.append(key, value)
  const fields = {
    formulier_gestart: token,
    netwerk: name,
    regio: 'Utrecht',
    samenvatting: 'Een samenvatting die lang genoeg is om te tellen.',
    verhaal: 'Een verhaal dat lang genoeg is, want het moet minstens vijftig tekens hebben.',
    ...options.extra,
  }
  for (const [key, value] of Object.entries(fields)) form.append(key, value)
  for (const file of options.files ?? []) form.append('bestanden', new Blob([new Uint8Array(file.bytes)], { type: 'application/pdf' }), file.name)
  for (const [key, value] of Object.entries(consentingVisitor)) form.append(key, value)
  return form
}

function sendExample(form: FormData, headers: Record<string, string>) {
  return fetch(server.url + '/voorbeelden/nieuw', { method: 'POST', body: form, redirect: 'manual', headers: { Origin: server.url, ...headers } })
}

async function storedFiles() {
  const root = path.join(server.dataDir, 'uploads', 'voorbeelden')
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    return (await Promise.all(entries.map((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)])))).flat()
  }
  return walk(root)
}

const tipsWith = (text: string) => db().select().from(contributions).where(eq(contributions.body, text))
const examplesNamed = (name: string) => db().select().from(examples).where(eq(examples.name, name))
const megabyteOfPdf = Buffer.concat([pdfBytes, Buffer.alloc(1024 * 1024)])

describe('one form token, one submission', () => {
  it('a tip sent twice with the same token (a resubmit after a lost answer) is stored once; both answers are the thank-you page', async () => {
    const token = await startedAWhileAgo(db())
    const text = 'Een tip die na een verloren antwoord nog eens werd verstuurd.'
    const headers = asVisitor()
    const first = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields(text, token), headers)
    const again = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields(text, token), headers)
    expect(first.status).toBe(302)
    expect(again.status).toBe(302)
    expect(again.headers.get('location')).toBe(first.headers.get('location'))
    expect(await (await fetch(server.url + again.headers.get('location'))).text()).toContain('Dank u wel!')
    expect(await tipsWith(text)).toHaveLength(1)
  })

  it('a double click (the same form posted three times at once) stores one tip, and every answer is a success', async () => {
    const token = await startedAWhileAgo(db())
    const text = 'Een tip van iemand die drie keer snel op versturen klikte.'
    const headers = asVisitor()
    const answers = await Promise.all([1, 2, 3].map(() => postForm(server.url, '/bijdragen/nieuw?sectie=mandaat', tipFields(text, token), headers)))
    expect(answers.map((answer) => answer.status)).toEqual([302, 302, 302])
    expect(new Set(answers.map((answer) => answer.headers.get('location')))).toEqual(new Set(['/bijdragen/nieuw?sectie=mandaat&verstuurd=1']))
    expect(await tipsWith(text)).toHaveLength(1)
  })

  it('one anti-spam token is not good for 12 submissions: other text with a used token comes back, kept, with a new token', async () => {
    const token = await startedAWhileAgo(db())
    const headers = asVisitor()
    const texts = Array.from({ length: 12 }, (_, index) => `Tip nummer ${index} met steeds hetzelfde formulierkenmerk.`)
    const answers = []
    for (const text of texts) answers.push(await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields(text, token), headers))
    expect(answers[0].status).toBe(302)
    expect(answers.slice(1).map((answer) => answer.status)).toEqual(Array(11).fill(400))
    const page = await answers[1].text()
    expect(page).toContain('Dit formulier is al eens verstuurd')
    expect(page).toContain(texts[1])
    const newToken = /name="formulier_gestart" value="([^"]+)"/.exec(page)![1]
    expect(newToken).not.toBe(token)
    const stored = await db().select().from(contributions).where(like(contributions.body, 'Tip nummer % met steeds hetzelfde formulierkenmerk.'))
    expect(stored.map((row) => row.body)).toEqual([texts[0]])
  })

  it('a tip sent within 3 seconds comes back with its text and a plain request to send it again, which then works', async () => {
    const token = await formStartedToken(db(), Date.now() - 1000)
    const text = 'Een tip van iemand die heel snel typt en meteen verstuurt.'
    const headers = asVisitor()
    const fast = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields(text, token), headers)
    expect(fast.status).toBe(400)
    const page = await fast.text()
    expect(page).toContain('erg snel na het openen verstuurd')
    expect(page).toContain(text)
    // The form keeps the token it was shown with, so the fill time counts from the first showing.
    const kept = /name="formulier_gestart" value="([^"]+)"/.exec(page)![1]
    expect(kept).toBe(token)
    expect(await tipsWith(text)).toHaveLength(0)
    await waitFor(() => Date.now() - Number(token.split('.')[0]) > 3000, 5000, 'the minimum fill time')
    expect((await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields(text, kept), headers)).status).toBe(302)
    expect(await tipsWith(text)).toHaveLength(1)
  })

  it('an example with a file, double-clicked and then resubmitted, is stored once with one file and nothing pending', async () => {
    const token = await startedAWhileAgo(db())
    const name = 'Netwerk dat dubbel klikte'
    const headers = asVisitor()
    const form = () => exampleForm(name, token, { files: [{ name: 'verslag.pdf', bytes: megabyteOfPdf }] })
    const answers = await Promise.all([sendExample(form(), headers), sendExample(form(), headers)])
    answers.push(await sendExample(form(), headers))
    expect(answers.map((answer) => answer.status)).toEqual([302, 302, 302])
    expect(new Set(answers.map((answer) => answer.headers.get('location')))).toEqual(new Set(['/voorbeelden/nieuw?verstuurd=1']))
    const [example, ...others] = await examplesNamed(name)
    expect(others).toEqual([])
    const files = await db().select().from(attachments).where(eq(attachments.exampleId, example.id))
    expect(files).toHaveLength(1)
    expect((await storedFiles()).filter((file) => file.includes(example.slug))).toHaveLength(1)
    expect(await db().select().from(pendingUploads)).toEqual([])
    expect(await readdir(temporaryDir())).toEqual([])
  })
})

describe('refused uploads write nothing', () => {
  let watcher: FSWatcher
  const created = new Set<string>()
  beforeAll(async () => {
    // Temporary files lose their name at once, but their creation is still seen here.
    await mkdir(temporaryDir(), { recursive: true })
    watcher = watch(temporaryDir(), (_event, name) => name && created.add(name))
  })
  afterAll(() => watcher.close())

  it('24 refused uploads (honeypot, limit reached, used token, too fast, bad type, too much text) create no temporary file and store nothing', async () => {
    const file = [{ name: 'verslag.pdf', bytes: megabyteOfPdf }]
    const examplesBefore = (await db().select().from(examples)).length
    const storedBefore = (await storedFiles()).length
    const refusals: Array<{ form: () => Promise<FormData>; headers: () => Record<string, string>; status: number; says: string }> = []

    for (let index = 0; index < 4; index++) {
      refusals.push({ form: async () => exampleForm(`Honingpot ${index}`, await startedAWhileAgo(db()), { files: file, before: { website_adres: 'http://spam.example' } }), headers: asVisitor, status: 302, says: '' })
    }
    const busy = asVisitor()
    for (let index = 0; index < 10; index++) expect((await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields(`Tip ${index} van een bezige bezoeker, tot de grens.`, await startedAWhileAgo(db())), busy)).status).toBe(302)
    for (let index = 0; index < 4; index++) {
      refusals.push({ form: async () => exampleForm(`Over de grens ${index}`, await startedAWhileAgo(db()), { files: file }), headers: () => busy, status: 400, says: 'al veel bijdragen gestuurd' })
    }
    const usedToken = await startedAWhileAgo(db())
    expect((await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', tipFields('Een tip die het formulierkenmerk opgebruikt.', usedToken), asVisitor())).status).toBe(302)
    for (let index = 0; index < 4; index++) {
      refusals.push({ form: async () => exampleForm(`Gebruikt kenmerk ${index}`, usedToken, { files: file }), headers: asVisitor, status: 400, says: 'al eens verstuurd' })
    }
    for (let index = 0; index < 4; index++) {
      refusals.push({ form: async () => exampleForm(`Te snel ${index}`, await formStartedToken(db()), { files: file }), headers: asVisitor, status: 400, says: 'erg snel na het openen' })
    }
    const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'.padEnd(300_000, ' '))
    for (let index = 0; index < 4; index++) {
      refusals.push({ form: async () => exampleForm(`Nepbestand ${index}`, await startedAWhileAgo(db()), { files: [{ name: 'verslag.pdf', bytes: html }] }), headers: asVisitor, status: 400, says: 'geen toegestaan bestandstype' })
    }
    for (let index = 0; index < 4; index++) {
      refusals.push({ form: async () => exampleForm(`Veel tekst ${index}`, await startedAWhileAgo(db()), { files: file, extra: { contact: 'x'.repeat(60_000), plaats: 'y'.repeat(60_000), website: 'z'.repeat(60_000), verhaal: 'v'.repeat(60_000), samenvatting: 's'.repeat(60_000) } }), headers: asVisitor, status: 413, says: 'meer tekst dan wij aannemen' })
    }

    expect(refusals.length).toBeGreaterThanOrEqual(24)
    for (const refusal of refusals) {
      const answer = await sendExample(await refusal.form(), refusal.headers())
      expect(answer.status).toBe(refusal.status)
      if (refusal.says) expect(await answer.text()).toContain(refusal.says)
    }

    // A control upload that is accepted: once its temporary file is seen, every earlier one would have been too.
    const control = await sendExample(exampleForm('Netwerk dat wel mocht', await startedAWhileAgo(db()), { files: file }), asVisitor())
    expect(control.status).toBe(302)
    await waitFor(() => created.size > 0, 5000, 'the control upload’s temporary file')
    expect(created.size).toBe(1)
    expect((await db().select().from(examples)).length).toBe(examplesBefore + 1)
    expect((await storedFiles()).length).toBe(storedBefore + 1)
    expect(await readdir(temporaryDir())).toEqual([])
  }, 120_000)

  it('300 KB of text fields in a multipart form gets 413 with a Dutch message, and nothing is stored', async () => {
    const name = 'Netwerk met driehonderd kilobyte tekst'
    const form = exampleForm(name, await startedAWhileAgo(db()), { files: [{ name: 'verslag.pdf', bytes: pdfBytes }] })
    for (let index = 0; index < 6; index++) form.append(`veld${index}`, 'w'.repeat(50 * 1024))
    const answer = await sendExample(form, asVisitor())
    expect(answer.status).toBe(413)
    expect(await answer.text()).toContain('Het formulier bevat meer tekst dan wij aannemen (samen hoogstens 256 kB)')
    expect(await examplesNamed(name)).toEqual([])
    expect(await readdir(temporaryDir())).toEqual([])
  })
})

describe('the bounds around uploads', () => {
  it('refuses a body without a length (chunked), which no browser form sends and no limit could bound', async () => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('soort=tip&tekst=' + 'x'.repeat(1000)))
        controller.close()
      },
    })
    const answer = await fetch(server.url + '/bijdragen/nieuw?sectie=lobby', { method: 'POST', body, duplex: 'half', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url } } as RequestInit)
    expect(answer.status).toBe(411)
    expect(await answer.text()).toContain('de lengte ontbreekt')
  })

  it('the retention job removes every left-over temporary file, old or fresh, and stored files without a row; an upload in progress and stored files with a row are kept', async () => {
    await mkdir(temporaryDir(), { recursive: true })
    // Named files are only ever left behind: by an older version, or by kill -9 between a file's open and its unlink.
    const stale = path.join(temporaryDir(), 'van-een-oudere-versie')
    const fresh = path.join(temporaryDir(), 'van-een-crash-zojuist')
    await writeFile(stale, 'oud')
    await writeFile(fresh, '')
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await utimes(stale, twoHoursAgo, twoHoursAgo)
    // An upload still being received (here or in another process sharing the folder) lives in its open handle.
    const inProgress = await TemporaryFile.create(temporaryDir())
    await inProgress.write(pdfBytes)
    const strayDir = path.join(server.dataDir, 'uploads', 'voorbeelden', 'zonder-rij')
    await mkdir(strayDir, { recursive: true })
    await writeFile(path.join(strayDir, '0a1b2c3d-zwerfbestand.pdf'), pdfBytes)
    const kept = await sendExample(exampleForm('Netwerk waarvan het bestand blijft', await startedAWhileAgo(db()), { files: [{ name: 'verslag.pdf', bytes: pdfBytes }] }), asVisitor())
    expect(kept.status).toBe(302)
    const withRows = (await db().select({ key: attachments.storageKey }).from(attachments)).map((row) => row.key)

    await purgeExpired(db(), createStorage({ dataDir: server.dataDir }), new Date(), temporaryDir())
    expect(await readdir(temporaryDir())).toEqual([])
    const received: Buffer[] = []
    for await (const chunk of inProgress.read()) received.push(chunk)
    expect(Buffer.concat(received).equals(pdfBytes)).toBe(true)
    await inProgress.discard()
    const remaining = (await storedFiles()).map((file) => path.relative(path.join(server.dataDir, 'uploads'), file).split(path.sep).join('/'))
    expect(remaining.sort()).toEqual([...withRows].sort())
  })
})
