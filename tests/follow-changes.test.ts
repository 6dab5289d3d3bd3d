import { and, desc, eq, gt } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outbox, sections, subscriptions } from '#server/db/schema'
import { chapterSectionIds } from '#server/follow/changes'
import { listChapters } from '#server/follow/subscriptions'
import { liveDraftText } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { childrenNamed, parseXml, type XmlElement } from './support/xml'

const atom = 'http://www.w3.org/2005/Atom'
const day = 86_400_000

let server: TestServer
let editorCookie: string
/** A chapter with sub-sections, one of them, and a section of another chapter. */
let chapter: { slug: string; number: string; title: string }
let inChapter: { slug: string; title: string }
let elsewhere: { slug: string; title: string }

beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50 } })
  editorCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'editor', name: 'Eva Redacteur', email: 'eva.redacteur@voorbeeld.nl' })).id)
  const chapters = await listChapters(db())
  const all = await db().select({ id: sections.id, slug: sections.slug, title: sections.title }).from(sections)
  const withChildren = []
  for (const entry of chapters) if (entry.number && (await chapterSectionIds(db(), entry.id)).length > 2) withChildren.push(entry)
  chapter = withChildren[0]
  const childIds = await chapterSectionIds(db(), withChildren[0].id)
  inChapter = all.find((row) => row.id === childIds[1])!
  const otherIds = await chapterSectionIds(db(), withChildren[1].id)
  elsewhere = all.find((row) => row.id === otherIds[1])!
})
afterAll(() => server.close())

const db = () => server.database.db
let visitor = 0
const asVisitor = () => ({ 'X-Forwarded-For': `10.1.0.${++visitor}` })

/** An editor adds a paragraph to the live document and publishes it. */
async function publishChange(slug: string, text: string, summary: string) {
  const client = connectClient(server.url, slug, editorCookie)
  await waitForSync(client)
  client.addParagraph(text)
  await waitFor(async () => (await liveDraftText(server.collab, slug))?.includes(text) ?? false, 10_000, 'the edit on the server')
  client.close()
  const response = await postForm(server.url, `/handreiking/${slug}/bewerken`, { summary }, { Cookie: editorCookie })
  expect(response.status).toBe(302)
}

async function freezeEdition(note: string) {
  const response = await postForm(server.url, '/edities', { note }, { Cookie: editorCookie })
  expect(response.status).toBe(200)
  return Number(/Editie (\d+) is vastgelegd/.exec(await response.text())![1])
}

function mailsTo(email: string) {
  return db().select().from(outbox).where(eq(outbox.to, email)).orderBy(desc(outbox.id))
}

async function subscribe(email: string, choice = '') {
  const response = await postForm(server.url, '/volgen', { email, volgen: choice }, asVisitor())
  expect(response.status).toBe(200)
  return response.text()
}

/** Subscribes and uses the link from the confirmation mail; returns that mail. */
async function confirmedFollower(email: string, choice = '') {
  await subscribe(email, choice)
  await waitFor(async () => (await mailsTo(email)).length > 0, 10_000, 'the confirmation mail')
  const [mail] = await mailsTo(email)
  const link = linkIn(mail.text, '/volgen/bevestigen/')
  expect((await postForm(server.url, new URL(link).pathname, {})).status).toBe(200)
  return mail
}

/** The first link to this path on the site in a mail's text: absolute, from PUBLIC_URL (the test server's own address). */
function linkIn(text: string, path: string) {
  const match = new RegExp(`${server.url.replace(/[.]/g, '\\.')}${path}[a-z2-7]{32}\\.[a-z2-7]{32}`).exec(text)
  expect(match, `a ${path} link in:\n${text}`).not.toBeNull()
  return match![0]
}

function only(element: XmlElement, name: string) {
  const found = childrenNamed(element, name)
  expect(found, `one <${name}> in <${element.name}>`).toHaveLength(1)
  return found[0]
}

function expectTimestamp(element: XmlElement) {
  expect(element.text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
}

async function readFeed() {
  const response = await get(server.url, '/wijzigingen.xml')
  expect(response.status).toBe(200)
  expect(response.headers.get('Content-Type')).toBe('application/atom+xml; charset=utf-8')
  expect(response.headers.get('Cache-Control')).toMatch(/\bpublic\b/)
  const source = await response.text()
  const feed = parseXml(source)
  expect(feed.name).toBe('feed')
  expect(feed.attributes.xmlns).toBe(atom)
  for (const name of ['id', 'title', 'updated']) only(feed, name)
  expectTimestamp(only(feed, 'updated'))
  const entries = childrenNamed(feed, 'entry')
  for (const entry of entries) {
    for (const name of ['id', 'title', 'updated']) expect(only(entry, name).text).not.toBe('')
    expectTimestamp(only(entry, 'updated'))
    expect(only(entry, 'id').text).toMatch(/^tag:127\.0\.0\.1,2026:(revisie|editie)\/\d+$/)
    const links = childrenNamed(entry, 'link')
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(link.attributes.href.startsWith(`${server.url}/`)).toBe(true)
  }
  // Entry ids are unique: a feed reader shows each change once.
  expect(new Set(entries.map((entry) => only(entry, 'id').text)).size).toBe(entries.length)
  return { source, feed, entries }
}

describe('the XML check the feed test relies on', () => {
  it('accepts well-formed XML and refuses what is not', () => {
    const feed = parseXml('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="x"><title>A &amp; B &#233;</title><link href="/a"/></feed>\n')
    expect(childrenNamed(feed, 'title')[0].text).toBe('A & B é')
    for (const broken of ['<feed><title>A & B</title></feed>', '<feed><a></b></feed>', '<feed><a>', '<feed/><feed/>', '<feed a="1" a="2"/>', '<feed>&nbsp;</feed>', '<feed>a < b</feed>', '<feed>\u0001</feed>']) {
      expect(() => parseXml(broken), broken).toThrow()
    }
  })
})

describe('the Atom feed /wijzigingen.xml', () => {
  it('is well-formed Atom with a just published change and a frozen edition, without names or addresses', async () => {
    const page = await (await get(server.url, '/')).text()
    expect(page).toContain('<link rel="alternate" type="application/atom+xml" title="Wijzigingen in de handreiking" href="/wijzigingen.xml"/>')
    const before = await readFeed()
    // The imported first edition is not a change.
    expect(before.entries).toHaveLength(0)

    await publishChange(inChapter.slug, 'Spreek elk kwartaal af & houd het klein <samen>.', 'Een alinea over kwartaaloverleg & "klein" houden')
    const { source, entries } = await readFeed()
    expect(entries).toHaveLength(1)
    const [entry] = entries
    expect(only(entry, 'title').text).toContain(inChapter.title)
    expect(only(entry, 'summary').text).toBe('Een alinea over kwartaaloverleg & "klein" houden')
    expect(childrenNamed(entry, 'link').find((link) => link.attributes.rel === 'alternate')!.attributes.href).toBe(`${server.url}/handreiking/${inChapter.slug}`)
    expect(source).not.toContain('Eva')
    expect(source).not.toContain('@')

    const number = await freezeEdition('De eerste editie met bijdragen van lezers.')
    const after = await readFeed()
    const edition = after.entries.find((candidate) => only(candidate, 'title').text === `Editie ${number} is verschenen`)!
    expect(edition).toBeDefined()
    const hrefs = childrenNamed(edition, 'link').map((link) => link.attributes.href)
    expect(hrefs).toEqual([`${server.url}/edities/${number}/wijzigingen`, `${server.url}/edities/${number}.pdf`])
    expect(after.entries).toHaveLength(2)
  })

  it('is answered from the page cache until something is published', async () => {
    await get(server.url, '/wijzigingen.xml')
    const hits = server.site.pageCache.hits
    const cached = await get(server.url, '/wijzigingen.xml')
    expect(server.site.pageCache.hits).toBe(hits + 1)
    const count = (await readFeed()).entries.length
    expect(await cached.text()).toContain('<feed xmlns="http://www.w3.org/2005/Atom"')
    await publishChange(elsewhere.slug, 'Een zin over het cachen van feeds.', 'Cache-proef')
    expect((await readFeed()).entries).toHaveLength(count + 1)
  })
})

describe('following by e-mail', () => {
  it('confirms, sends a digest with the change, never twice, and unsubscribes without signing in', async () => {
    const email = 'volger@voorbeeld.nl'
    const answer = await subscribe(email)
    expect(answer).toContain('Kijk in uw e-mail')
    await waitFor(async () => (await mailsTo(email)).length === 1, 10_000, 'the confirmation mail')
    const [confirmation] = await mailsTo(email)
    expect(confirmation.subject).toBe('Bevestig dat u wijzigingen in de handreiking wilt volgen')
    const confirmLink = linkIn(confirmation.text, '/volgen/bevestigen/')
    expect(confirmation.html).toContain(`href="${confirmLink}"`)

    // Before confirmation: nothing is sent, however much changes.
    await publishChange(chapter.slug, 'Een zin van voor de bevestiging.', 'Voor de bevestiging')
    await server.site.runDigest()
    expect(await mailsTo(email)).toHaveLength(1)

    // Opening the link asks; the button confirms, once.
    const asked = await (await get(server.url, new URL(confirmLink).pathname)).text()
    expect(asked).toContain('Ja, ik wil de wijzigingen volgen')
    expect(await (await postForm(server.url, new URL(confirmLink).pathname, {})).text()).toContain('U volgt nu de wijzigingen')
    expect(await (await postForm(server.url, new URL(confirmLink).pathname, {})).text()).toContain('Link niet meer geldig')
    const [row] = await db().select().from(subscriptions).where(eq(subscriptions.email, email))
    expect(row.confirmedAt).not.toBeNull()
    expect(row.confirmSecretHash).toBeNull()

    await publishChange(inChapter.slug, 'Een zin na de bevestiging.', 'Na de bevestiging')
    await server.site.runDigest()
    const [digest, ...earlier] = await mailsTo(email)
    expect(earlier).toHaveLength(1)
    expect(digest.subject).toBe('Wijzigingen in de Handreiking Lokaal samenwerken')
    expect(digest.text).toContain(inChapter.title)
    expect(digest.text).toContain('Na de bevestiging')
    expect(digest.text).toContain(`${server.url}/handreiking/${inChapter.slug}`)
    expect(digest.text).toContain(`${server.url}/wijzigingen`)
    // What was published before the confirmation is not in it.
    expect(digest.text).not.toContain('Voor de bevestiging')
    const unsubscribeLink = linkIn(digest.text, '/volgen/opzeggen/')
    expect(digest.listUnsubscribe).toBe(unsubscribeLink)
    expect(digest.html).toContain(`href="${unsubscribeLink}"`)

    // Run again, now or after a restart: the subscription remembers what it was sent.
    await server.site.runDigest()
    await server.stop()
    // The restarted site runs the job at start, on the same port (PUBLIC_URL) and database.
    server = await startTestServer({ database: server.database, dataDir: server.dataDir, port: Number(new URL(server.url).port), collab: { writeWindowMs: 50 } })
    await server.site.runDigest()
    expect(await mailsTo(email)).toHaveLength(2)
    // At most weekly: a change the next day waits until a week has passed.
    await publishChange(inChapter.slug, 'Nog een zin, een dag later.', 'Een dag later')
    await server.site.runDigest(new Date(Date.now() + day))
    expect(await mailsTo(email)).toHaveLength(2)
    await server.site.runDigest(new Date(Date.now() + 8 * day))
    const [weekLater] = await mailsTo(email)
    expect(weekLater.text).toContain('Een dag later')
    expect(weekLater.text).not.toContain('Na de bevestiging')

    // Unsubscribing needs no account: the link asks, the button removes the row.
    const path = new URL(unsubscribeLink).pathname
    const page = await (await get(server.url, path)).text()
    expect(page).toContain('Afmelden</button>')
    expect(await db().select().from(subscriptions).where(eq(subscriptions.email, email))).toHaveLength(1)
    expect(await (await postForm(server.url, path, {})).text()).toContain('U bent afgemeld')
    expect(await db().select().from(subscriptions).where(eq(subscriptions.email, email))).toHaveLength(0)
    expect(await (await get(server.url, path)).text()).toContain('U bent al afgemeld')
    // A forged link (another secret) finds nothing.
    const forged = path.replace(/\.[a-z2-7]{32}$/, `.${'a'.repeat(32)}`)
    expect(await (await get(server.url, forged)).text()).toContain('U bent al afgemeld')
  })

  it('mails a chapter follower only about that chapter, and every follower once per new edition', async () => {
    const chapterFollower = 'hoofdstuk.volger@voorbeeld.nl'
    const wholeFollower = 'alles.volger@voorbeeld.nl'
    await confirmedFollower(chapterFollower, chapter.slug)
    await confirmedFollower(wholeFollower)
    await publishChange(elsewhere.slug, 'Een zin in een ander hoofdstuk.', 'Ander hoofdstuk')
    await server.site.runDigest()
    expect(await mailsTo(chapterFollower)).toHaveLength(1)
    expect((await mailsTo(wholeFollower))[0].text).toContain('Ander hoofdstuk')
    await publishChange(inChapter.slug, 'Een zin in het gevolgde hoofdstuk.', 'Gevolgd hoofdstuk')
    await server.site.runDigest()
    const [chapterDigest] = await mailsTo(chapterFollower)
    expect(chapterDigest.subject).toBe(`Wijzigingen in hoofdstuk ${chapter.number} ${chapter.title} (Handreiking Lokaal samenwerken)`)
    expect(chapterDigest.text).toContain('Gevolgd hoofdstuk')
    expect(chapterDigest.text).not.toContain('Ander hoofdstuk')

    const number = await freezeEdition('Een editie voor de volgers.')
    for (const email of [chapterFollower, wholeFollower]) {
      const editionMails = (await mailsTo(email)).filter((mail) => mail.subject.includes(`Editie ${number} `))
      expect(editionMails).toHaveLength(1)
      expect(editionMails[0].text).toContain(`${server.url}/edities/${number}/wijzigingen`)
      expect(editionMails[0].text).toContain(`${server.url}/edities/${number}.pdf`)
      expect(editionMails[0].text).toContain('Een editie voor de volgers.')
      expect(editionMails[0].listUnsubscribe).toMatch(/\/volgen\/opzeggen\//)
    }
    await server.site.runDigest(new Date(Date.now() + 8 * day))
    for (const email of [chapterFollower, wholeFollower]) expect((await mailsTo(email)).filter((mail) => mail.subject.includes('Editie'))).toHaveLength(1)
  })

  it('answers the same for an address that already follows, and sends it nothing new', async () => {
    const email = 'al.volger@voorbeeld.nl'
    const first = await subscribe(email)
    await waitFor(async () => (await mailsTo(email)).length === 1, 10_000, 'the confirmation mail')
    await postForm(server.url, new URL(linkIn((await mailsTo(email))[0].text, '/volgen/bevestigen/')).pathname, {})
    const again = await subscribe(email)
    const status = (page: string) => /<p role="status">([\s\S]*?)<\/p>/.exec(page)![1]
    expect(status(again)).toBe(status(first))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await mailsTo(email)).toHaveLength(1)
    // A new address gets its mail within that time: the check above could have failed.
    await subscribe('nieuwe.lezer@voorbeeld.nl')
    await waitFor(async () => (await mailsTo('nieuwe.lezer@voorbeeld.nl')).length === 1, 500, 'a new address its confirmation')
  })

  it('refuses a bad address with a Dutch message next to the field, storing and sending nothing', async () => {
    const response = await postForm(server.url, '/volgen', { email: 'geen-adres', volgen: '' }, asVisitor())
    expect(response.status).toBe(400)
    const page = await response.text()
    expect(page).toContain('<title>Fout: Wijzigingen volgen')
    expect(page).toMatch(/id="veld-email-error" class="field__error"><span class="visually-hidden">Fout: <\/span>Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.<\/p><input[^>]*aria-invalid="true"/)
    expect(page).toContain('href="#veld-email"')
    const unknownChapter = await (await postForm(server.url, '/volgen', { email: 'lezer@voorbeeld.nl', volgen: 'bestaat-niet' }, asVisitor())).text()
    expect(unknownChapter).toContain('Kies de hele handreiking of een hoofdstuk uit de lijst.')
    expect(await db().select().from(subscriptions).where(eq(subscriptions.email, 'geen-adres'))).toHaveLength(0)
    expect(await db().select().from(subscriptions).where(eq(subscriptions.email, 'lezer@voorbeeld.nl'))).toHaveLength(0)
  })

  it('limits requests per address, and forgets unconfirmed addresses after a week', async () => {
    const email = 'veel.aanvragen@voorbeeld.nl'
    for (let attempt = 0; attempt < 5; attempt++) expect(await subscribe(email)).toContain('Kijk in uw e-mail')
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await mailsTo(email)).toHaveLength(3)

    const [row] = await db().select().from(subscriptions).where(eq(subscriptions.email, email))
    expect(row.confirmedAt).toBeNull()
    await server.site.runRetention()
    expect(await db().select().from(subscriptions).where(eq(subscriptions.email, email))).toHaveLength(1)
    await db().update(subscriptions).set({ createdAt: new Date(Date.now() - 8 * day) }).where(eq(subscriptions.email, email))
    await server.site.runRetention()
    expect(await db().select().from(subscriptions).where(eq(subscriptions.email, email))).toHaveLength(0)
    // Its link no longer works either.
    const link = linkIn((await mailsTo(email))[0].text, '/volgen/bevestigen/')
    expect(await (await get(server.url, new URL(link).pathname)).text()).toContain('Link niet meer geldig')
    expect(await db().select().from(subscriptions).where(and(eq(subscriptions.email, email), gt(subscriptions.id, 0)))).toHaveLength(0)
  })

  it('offers "Volg dit hoofdstuk" on a chapter page, with the chapter chosen', async () => {
    const page = await (await get(server.url, `/handreiking/${chapter.slug}`)).text()
    expect(page).toContain(`href="/volgen?hoofdstuk=${chapter.slug}"`)
    expect(await (await get(server.url, `/handreiking/${inChapter.slug}`)).text()).not.toContain('Volg dit hoofdstuk')
    const form = await (await get(server.url, `/volgen?hoofdstuk=${chapter.slug}`)).text()
    expect(form).toMatch(new RegExp(`<option value="${chapter.slug}" selected="">`))
  })
})
