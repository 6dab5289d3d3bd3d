import { and, desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purgeExpired } from '#server/contributions/retention'
import { attachments, auditLog, contributions, examples, outbox } from '#server/db/schema'
import { createStorage } from '#server/files/storage'
import { searchHandbook } from '#server/search/search'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { consentingVisitor, pngBytes, samePicture, startedAWhileAgo } from './support/submissions'

let server: TestServer
let editorCookie: string
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50 } })
  editorCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'editor', name: 'Eva Redacteur' })).id)
})
afterAll(() => server.close())

const db = () => server.database.db
/** Each visitor test gets its own address, so the per-visitor limit does not carry over between tests. */
let visitor = 0
const asVisitor = () => ({ 'X-Forwarded-For': `10.0.0.${++visitor}` })

async function submitTip(section: string, fields: Record<string, string>, headers: Record<string, string> = asVisitor()) {
  return postForm(server.url, `/bijdragen/nieuw?sectie=${section}`, { soort: 'tip', ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()), ...fields }, headers)
}

async function pendingId(body: string) {
  const [row] = await db().select().from(contributions).where(eq(contributions.body, body))
  return row
}

function moderate(items: string[], decision: string, extra: Record<string, string> = {}) {
  // The editor confirms destructive decisions (the second step the page asks for).
  const body = new URLSearchParams({ decision, bevestigd: 'ja', ...extra })
  for (const item of items) body.append('items', item)
  return fetch(server.url + '/beheer/moderatie', { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editorCookie }, body })
}

describe('tips and lessons learned', () => {
  it('waits for moderation, then appears under its section, on the home page and in search', async () => {
    const text = 'Nodig de wethouder uit op de jaarlijkse netwerkborrel: dat opent deuren.'
    const sent = await submitTip('lobby', { tekst: text, email: 'vera@voorbeeld.nl' })
    expect(sent.status).toBe(302)
    const thanks = await (await get(server.url, sent.headers.get('location')!)).text()
    expect(thanks).toContain('wacht op beoordeling')
    expect(await (await get(server.url, '/handreiking/lobby')).text()).not.toContain(text)

    const queue = await (await get(server.url, '/beheer/moderatie', { Cookie: editorCookie })).text()
    expect(queue).toContain(text)
    expect(await (await get(server.url, '/', { Cookie: editorCookie })).text()).toMatch(/Moderatie<span class="badge">\d+/)

    const row = await pendingId(text)
    expect((await moderate([`tip:${row.id}`], 'approve')).status).toBe(200)
    const page = await (await get(server.url, '/handreiking/lobby')).text()
    expect(page).toContain(text)
    expect(page).toContain('Vera Vrijwilliger, UVV Ergens')
    expect(await (await get(server.url, '/')).text()).toContain(text)
    expect((await searchHandbook(db(), 'netwerkborrel')).results.some((result) => result.kind === 'tip' && result.slug === 'lobby')).toBe(true)

    const [mail] = await db().select().from(outbox).where(eq(outbox.to, 'vera@voorbeeld.nl')).orderBy(desc(outbox.id)).limit(1)
    expect(mail.subject).toBe('Uw bijdrage staat op de website')
    const [audit] = await db().select().from(auditLog).where(eq(auditLog.action, 'contribution.approved')).orderBy(desc(auditLog.id)).limit(1)
    expect(audit.actorId).not.toBeNull()
  })

  it('hides the name unless the submitter agreed to show it', async () => {
    const text = 'Een tip zonder naam erbij, graag anoniem geplaatst.'
    await submitTip('mandaat', { tekst: text, toon_naam: '' })
    const row = await pendingId(text)
    await moderate([`tip:${row.id}`], 'approve')
    const page = await (await get(server.url, '/handreiking/mandaat')).text()
    expect(page).toContain(text)
    expect(page).not.toContain('Vera Vrijwilliger')
  })

  it('a rejection needs a reason, which the submitter is mailed; spam is not mailed; neither is shown', async () => {
    const rejectedText = 'Dit is een tip die niet over de paragraaf gaat.'
    const spamText = 'Koop nu goedkope horloges op onze website!!!'
    await submitTip('financiering', { tekst: rejectedText, email: 'afgewezen@voorbeeld.nl' })
    await submitTip('financiering', { tekst: spamText, email: 'spammer@voorbeeld.nl' })
    const rejected = await pendingId(rejectedText)
    const spam = await pendingId(spamText)
    expect(await (await moderate([`tip:${rejected.id}`], 'reject')).text()).toContain('Geef bij afwijzen een reden')
    await moderate([`tip:${rejected.id}`], 'reject', { reason: 'Past beter bij paragraaf 4.6.' })
    await moderate([`tip:${spam.id}`], 'spam')
    const [mail] = await db().select().from(outbox).where(eq(outbox.to, 'afgewezen@voorbeeld.nl')).orderBy(desc(outbox.id)).limit(1)
    expect(mail.text).toContain('Past beter bij paragraaf 4.6.')
    const spamMails = await db().select().from(outbox).where(and(eq(outbox.to, 'spammer@voorbeeld.nl'), eq(outbox.subject, 'Uw bijdrage is niet geplaatst')))
    expect(spamMails).toHaveLength(0)
    const page = await (await get(server.url, '/handreiking/financiering')).text()
    expect(page).not.toContain(rejectedText)
    expect(page).not.toContain('horloges')
  })

  it('approves several items at once', async () => {
    const texts = ['Bulk tip een over samenwerken.', 'Bulk tip twee over samenwerken.']
    for (const text of texts) await submitTip('sociale-kaart', { tekst: text })
    const ids = await Promise.all(texts.map(pendingId))
    const response = await moderate(ids.map((row) => `tip:${row.id}`), 'approve')
    expect(await response.text()).toContain('2 bijdragen goedgekeurd')
  })

  it('lets the editor correct a tip before approving it', async () => {
    await submitTip('lobby', { tekst: 'Een tip met een tikfuot erin.' })
    const row = await pendingId('Een tip met een tikfuot erin.')
    await moderate([`tip:${row.id}`], 'approve', { editedBody: 'Een tip met een tikfout erin, verbeterd.' })
    const page = await (await get(server.url, '/handreiking/lobby')).text()
    expect(page).toContain('Een tip met een tikfout erin, verbeterd.')
    expect(page).not.toContain('tikfuot')
  })

  it('refuses oversized forms before reading them', async () => {
    const response = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', { soort: 'tip', tekst: 'x'.repeat(300 * 1024) }, asVisitor())
    expect(response.status).toBe(413)
  })

  it('shows each field error next to the field and stores nothing', async () => {
    const response = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', { soort: 'tip', tekst: 'kort', email: 'geen-adres', formulier_gestart: await startedAWhileAgo(db()) }, asVisitor())
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toContain('minstens 10 tekens')
    expect(html).toContain('Vul een geldig e-mailadres in')
    expect(html).toContain('Geef toestemming voor publicatie')
    expect(await pendingId('kort')).toBeUndefined()
  })
})

describe('abuse and privacy', () => {
  it('renders script in every field as text', async () => {
    const payload = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
    await submitTip('lobby', { tekst: `Tip met code ${payload}`, naam: payload, organisatie: payload, toon_naam: 'ja' })
    const row = await pendingId(`Tip met code ${payload}`)
    const queue = await (await get(server.url, '/beheer/moderatie', { Cookie: editorCookie })).text()
    expect(queue).not.toContain('<script>alert("xss")')
    expect(queue).not.toContain('<img src=x')
    await moderate([`tip:${row.id}`], 'approve')
    const page = await (await get(server.url, '/handreiking/lobby')).text()
    expect(page).toContain('&lt;script&gt;alert(')
    expect(page).not.toContain('<script>alert("xss")')
    expect(page).not.toContain('<img src=x')
  })

  it('pretends to accept a filled-in honeypot; a form sent too fast or with a forged token comes back with its text', async () => {
    const trap = await submitTip('lobby', { tekst: 'Ik ben een robot met een honingpot.', website_adres: 'http://spam.example' })
    expect(trap.status).toBe(302)
    expect(await pendingId('Ik ben een robot met een honingpot.')).toBeUndefined()
    const { formStartedToken } = await import('#server/contributions/form-guard')
    const fast = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', { soort: 'tip', ...consentingVisitor, tekst: 'Ik ben een hele snelle typist.', formulier_gestart: await formStartedToken(db()) }, asVisitor())
    expect(fast.status).toBe(400)
    const fastPage = await fast.text()
    expect(fastPage).toContain('verstuur het formulier opnieuw')
    expect(fastPage).toContain('Ik ben een hele snelle typist.')
    expect(await pendingId('Ik ben een hele snelle typist.')).toBeUndefined()
    const forged = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', { soort: 'tip', ...consentingVisitor, tekst: 'Een vervalste tijd in het formulier.', formulier_gestart: '1.abc.def' }, asVisitor())
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('Een vervalste tijd in het formulier.')
    expect(await pendingId('Een vervalste tijd in het formulier.')).toBeUndefined()
  })

  it('limits each visitor to 10 submissions an hour', async () => {
    const headers = asVisitor()
    for (let index = 0; index < 10; index++) expect((await submitTip('rol-gemeente', { tekst: `Tip nummer ${index} van een ijverige bezoeker.` }, headers)).status).toBe(302)
    const eleventh = await submitTip('rol-gemeente', { tekst: 'De elfde tip binnen een uur.' }, headers)
    expect(eleventh.status).toBe(400)
    expect(await eleventh.text()).toContain('al veel bijdragen gestuurd')
    expect(await pendingId('De elfde tip binnen een uur.')).toBeUndefined()
    const others = await submitTip('rol-gemeente', { tekst: 'Een andere bezoeker mag gewoon.' })
    expect(others.status).toBe(302)
  })

  it('keeps IP addresses only as hashes, purged after 30 days; refused items go after 90 days', async () => {
    await submitTip('lobby', { tekst: 'Een tip om de bewaartermijn te testen.' }, { 'X-Forwarded-For': '203.0.113.77' })
    const row = await pendingId('Een tip om de bewaartermijn te testen.')
    expect(row.clientHash).toBeTruthy()
    expect(JSON.stringify(row)).not.toContain('203.0.113.77')
    await moderate([`tip:${row.id}`], 'spam')
    const storage = createStorage({ dataDir: server.dataDir })
    await purgeExpired(db(), storage, new Date(Date.now() + 31 * 86_400_000))
    const [afterMonth] = await db().select().from(contributions).where(eq(contributions.id, row.id))
    expect(afterMonth.clientHash).toBeNull()
    await purgeExpired(db(), storage, new Date(Date.now() + 91 * 86_400_000))
    expect(await db().select().from(contributions).where(eq(contributions.id, row.id))).toHaveLength(0)
  })

  it('lets a submitter remove their contribution through the link in their mail', async () => {
    await submitTip('lobby', { tekst: 'Deze tip wil ik later weer weghalen.', email: 'spijt@voorbeeld.nl' })
    const [mail] = await db().select().from(outbox).where(eq(outbox.to, 'spijt@voorbeeld.nl')).orderBy(desc(outbox.id)).limit(1)
    const link = /https?:\/\/\S+(\/bijdragen\/verwijderen\/\S+)/.exec(mail.text)![1]
    expect(await (await get(server.url, link)).text()).toContain('Deze tip wil ik later weer weghalen.')
    expect(await pendingId('Deze tip wil ik later weer weghalen.')).toBeDefined()
    expect((await postForm(server.url, link, {})).status).toBe(200)
    expect(await pendingId('Deze tip wil ik later weer weghalen.')).toBeUndefined()
  })
})

describe('suggested text changes', () => {
  const sectionSlug = 'deelnamecriteria'

  async function suggest(paragraph: number, proposal: string) {
    await postForm(
      server.url,
      `/bijdragen/nieuw?sectie=${sectionSlug}`,
      { soort: 'suggestie', alinea: String(paragraph), voorstel: proposal, reden: 'Zo is het duidelijker.', ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()) },
      asVisitor(),
    )
    const [row] = await db().select().from(contributions).where(eq(contributions.body, proposal))
    return row
  }

  it('shows the editor a word-level diff, and accepting it reaches connected editors live', async () => {
    const member = await createUser(db())
    const watcher = connectClient(server.url, sectionSlug, await sessionCookieFor(db(), member.id))
    await waitForSync(watcher)
    const original = watcher.text()
    expect(original).toContain('Een netwerk kan ervoor kiezen deelname alleen open te stellen voor vrijwilligersorganisaties of breder.')
    const proposal = original.replace('of breder.', 'of juist breder.')
    const suggestion = await suggest(0, proposal)
    expect(suggestion.originalText).toContain('Een netwerk kan ervoor kiezen')

    const queue = await (await get(server.url, `/beheer/moderatie?soort=suggestion`, { Cookie: editorCookie })).text()
    expect(queue).toMatch(/<ins><span class="visually-hidden">\[toegevoegd: <\/span>juist ?<span/)

    await moderate([`suggestion:${suggestion.id}`], 'approve')
    await waitFor(() => watcher.text().includes('of juist breder.'), 5000, 'suggestion reaching the client')
    watcher.close()
  })

  it('reports a conflict with both texts when the passage changed meanwhile, and changes nothing', async () => {
    const paragraphs = await import('#server/contributions/suggestions')
    const section = await (await import('#server/handbook/sections')).getPublishedDocument(db(), 'hoe-vaak-bijeenkomen')
    const original = paragraphs.paragraphsOf(section!.document)[0]
    const suggestion = await (async () => {
      await postForm(
        server.url,
        '/bijdragen/nieuw?sectie=hoe-vaak-bijeenkomen',
        { soort: 'suggestie', alinea: '0', voorstel: original.replace('twee tot vier', 'drie tot vijf'), reden: 'Bij ons is dat zo.', ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()) },
        asVisitor(),
      )
      const [row] = await db().select().from(contributions).where(eq(contributions.kind, 'suggestion')).orderBy(desc(contributions.id)).limit(1)
      return row
    })()
    const member = await createUser(db())
    const editorClient = connectClient(server.url, 'hoe-vaak-bijeenkomen', await sessionCookieFor(db(), member.id))
    await waitForSync(editorClient)
    // Someone rewrites the passage in the live document before the suggestion is handled.
    const fragment = editorClient.doc.getXmlFragment('default')
    editorClient.doc.transact(() => fragment.delete(0, fragment.length))
    editorClient.addParagraph('Wij komen elke maand bij elkaar, want er zit een grens aan de tijd.')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const answer = await (await moderate([`suggestion:${suggestion.id}`], 'approve')).text()
    expect(answer).toContain('Conflict: de tekst is intussen veranderd')
    expect(answer).toContain('drie tot vijf')
    expect(answer).toContain('Wij komen elke maand bij elkaar')
    const [still] = await db().select().from(contributions).where(eq(contributions.id, suggestion.id))
    expect(still.status).toBe('pending')
    expect(editorClient.text()).not.toContain('drie tot vijf')
    editorClient.close()
  })
})

describe('forms that guide', () => {
  it('lists every error at once in a summary that links to each field, and the title starts with "Fout:"', async () => {
    const response = await postForm(server.url, '/bijdragen/nieuw?sectie=lobby', { soort: 'tip', tekst: 'kort', email: 'geen-adres', formulier_gestart: await startedAWhileAgo(db()) }, asVisitor())
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toMatch(/<title>Fout: Bijdragen/)
    const summary = html.slice(html.indexOf('class="error-summary"'), html.indexOf('</ul>', html.indexOf('class="error-summary"')))
    expect(summary).toContain('Er is iets misgegaan')
    expect(summary).toContain('autofocus')
    // In the order of the form: the text, then the address, then consent.
    expect([...summary.matchAll(/href="#([^"]+)"/g)].map((match) => match[1])).toEqual(['veld-tekst', 'veld-email', 'veld-toestemming'])
    for (const id of ['veld-tekst', 'veld-email', 'veld-toestemming']) expect(html).toContain(`id="${id}"`)
  })

  it('accepts "www." in an example’s website and stores it as https://', async () => {
    const form = new FormData()
    const fields = { ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()), netwerk: 'Netwerk met een www-adres', regio: 'Utrecht', samenvatting: 'Een samenvatting van minstens twintig tekens lang.', verhaal: 'Een verhaal van minstens vijftig tekens lang, over hoe wij samen begonnen.', website: 'www.netwerk-utrecht.nl' }
    for (const [key, value] of Object.entries(fields)) form.append(key, value)
    const response = await fetch(server.url + '/voorbeelden/nieuw', { method: 'POST', body: form, redirect: 'manual', headers: { Origin: server.url, ...asVisitor() } })
    expect(response.status).toBe(302)
    const [example] = await db().select().from(examples).where(eq(examples.name, 'Netwerk met een www-adres'))
    expect(example.website).toBe('https://www.netwerk-utrecht.nl')
  })

  it('offers a section picker without a section, and takes a general tip for the whole handbook', async () => {
    const page = await (await get(server.url, '/bijdragen/nieuw')).text()
    expect(page).toContain('Bij welke paragraaf hoort uw bijdrage?')
    expect(page).toMatch(/<option value=""[^>]*>Algemeen \(bij de hele handreiking\)<\/option>/)
    expect(page).toMatch(/<option value="lobby"[^>]*>4.6 Lobby<\/option>/)
    expect((await get(server.url, '/bijdragen/nieuw?soort=suggestie')).status).toBe(200)

    const text = 'Een algemene tip: begin klein en vier elk succes samen.'
    const sent = await postForm(server.url, '/bijdragen/nieuw', { soort: 'tip', sectie: '', tekst: text, ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()) }, asVisitor())
    expect(sent.status).toBe(302)
    expect(sent.headers.get('location')).toBe('/bijdragen/nieuw?verstuurd=1')
    const row = await pendingId(text)
    expect(row.sectionId).toBeNull()
    expect(await (await get(server.url, '/beheer/moderatie', { Cookie: editorCookie })).text()).toContain('de hele handreiking (algemeen)')
    await moderate([`tip:${row.id}`], 'approve')
    const home = await (await get(server.url, '/')).text()
    expect(home).toContain(text)
    expect(home).toContain('over de hele handreiking')

    const picked = 'Een tip voor de sociale kaart, gekozen in het formulier.'
    await postForm(server.url, '/bijdragen/nieuw', { soort: 'tip', sectie: 'sociale-kaart', tekst: picked, ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()) }, asVisitor())
    expect((await pendingId(picked)).sectionId).not.toBeNull()
    const unknown = await postForm(server.url, '/bijdragen/nieuw', { soort: 'tip', sectie: 'bestaat-niet', tekst: 'Een tip bij een onbekende paragraaf.', ...consentingVisitor, formulier_gestart: await startedAWhileAgo(db()) }, asVisitor())
    expect(unknown.status).toBe(400)
    expect(await unknown.text()).toContain('Kies een paragraaf uit de lijst')
  })
})

describe('moderators see everything they approve', () => {
  async function sendExampleWithFile(name: string) {
    const form = new FormData()
    const fields = {
      ...consentingVisitor,
      formulier_gestart: await startedAWhileAgo(db()),
      netwerk: name,
      plaats: 'Deventer',
      regio: 'Overijssel',
      samenvatting: 'Acht organisaties in Deventer delen één vrijwilligerspool.',
      verhaal: 'Het begon met een gedeelde agenda.\n\nNu plannen we samen de inzet van honderd vrijwilligers.',
      website: 'https://www.deventer-samen.nl',
      contact: 'Bel 0570-123456',
      email: 'inzender-deventer@voorbeeld.nl',
    }
    for (const [key, value] of Object.entries(fields)) form.append(key, value)
    form.append('themas', 'werven-van-vrijwilligers')
    form.append('bestanden', new Blob([new Uint8Array(pngBytes)], { type: 'image/png' }), 'poster pool.png')
    await fetch(server.url + '/voorbeelden/nieuw', { method: 'POST', body: form, redirect: 'manual', headers: { Origin: server.url, ...asVisitor() } })
    const [example] = await db().select().from(examples).where(eq(examples.name, name))
    const [file] = await db().select().from(attachments).where(eq(attachments.exampleId, example.id))
    return { example, file }
  }

  it('shows every field of a waiting example and each file, which only moderators can open', async () => {
    const { example, file } = await sendExampleWithFile('Vrijwilligerspool Deventer')
    const queue = (await (await get(server.url, '/beheer/moderatie', { Cookie: editorCookie })).text()).replaceAll('<!-- -->', '')
    for (const shown of ['Vrijwilligerspool Deventer', 'Deventer', 'Overijssel', 'Werven van vrijwilligers', 'Acht organisaties in Deventer', 'honderd vrijwilligers', 'https://www.deventer-samen.nl', 'Bel 0570-123456', 'poster-pool.png', 'PNG, 1 kB', `href="/beheer/bestanden/${file.id}"`, 'Zo komt het op de website']) {
      expect(queue).toContain(shown)
    }
    expect(queue).not.toContain('inzender-deventer@voorbeeld.nl')

    const opened = await get(server.url, `/beheer/bestanden/${file.id}`, { Cookie: editorCookie })
    expect(opened.status).toBe(200)
    expect(opened.headers.get('content-type')).toBe('image/png')
    expect(opened.headers.get('content-disposition')).toMatch(/^attachment; filename="poster-pool.png"/)
    expect(await samePicture(Buffer.from(await opened.arrayBuffer()), pngBytes)).toBe(true)

    expect((await get(server.url, `/beheer/bestanden/${file.id}`)).status).toBe(403)
    const member = await sessionCookieFor(db(), (await createUser(db(), { role: 'member' })).id)
    expect((await get(server.url, `/beheer/bestanden/${file.id}`, { Cookie: member })).status).toBe(403)
    expect((await get(server.url, `/voorbeelden/${example.slug}/bestanden/${file.id}`)).status).toBe(404)
    expect((await get(server.url, '/beheer/bestanden/999999', { Cookie: editorCookie })).status).toBe(404)

    // Once decided, the moderators' route no longer serves it; published files go through the example page.
    await moderate([`example:${example.id}`], 'approve')
    expect((await get(server.url, `/beheer/bestanden/${file.id}`, { Cookie: editorCookie })).status).toBe(404)
  })

  it('shows the section a tip answers, and the tip as readers will see it', async () => {
    const text = 'Maak één gedeelde lijst met alle lokale initiatieven en houd die samen bij.'
    await submitTip('sociale-kaart', { tekst: text })
    const queue = (await (await get(server.url, '/beheer/moderatie?sectie=sociale-kaart', { Cookie: editorCookie })).text()).replaceAll('<!-- -->', '')
    expect(queue).toContain('De tekst van de paragraaf waar dit over gaat')
    expect(queue).toContain('Partijen kunnen er samen voor zorgen dat ze de <strong>sociale kaart</strong> scherp krijgen')
    expect(queue).toContain('Vera Vrijwilliger, UVV Ergens')
    expect(queue).toContain('Zo komt het op de website')
  })

  it('asks for confirmation before rejecting or marking as spam, and changes nothing until confirmed', async () => {
    const text = 'Een tip die een redacteur bijna per ongeluk afwijst.'
    await submitTip('lobby', { tekst: text })
    const row = await pendingId(text)
    const body = new URLSearchParams({ decision: 'spam', items: `tip:${row.id}` })
    const asked = await fetch(server.url + '/beheer/moderatie', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editorCookie }, body })
    const html = (await asked.text()).replaceAll('<!-- -->', '')
    expect(html).toContain('Weet u zeker dat u deze bijdrage wilt als spam markeren?')
    expect(html).toContain('Ja, als spam markeren')
    expect(html).toContain('name="bevestigd" value="ja"')
    expect((await pendingId(text)).status).toBe('pending')
    await moderate([`tip:${row.id}`], 'spam')
    expect((await pendingId(text)).status).toBe('spam')
  })

  it('shows the count badge only while something waits', async () => {
    expect(await (await get(server.url, '/', { Cookie: editorCookie })).text()).toMatch(/Moderatie<span class="badge">\d+/)
    const waiting = await db().select({ id: contributions.id, kind: contributions.kind }).from(contributions).where(eq(contributions.status, 'pending'))
    const pendingExamples = await db().select({ id: examples.id }).from(examples).where(eq(examples.status, 'pending'))
    const keys = [...waiting.map((item) => `${item.kind}:${item.id}`), ...pendingExamples.map((item) => `example:${item.id}`)]
    await moderate(keys, 'spam')
    const home = await (await get(server.url, '/', { Cookie: editorCookie })).text()
    expect(home).toContain('>Moderatie</a>')
    expect(home).not.toContain('class="badge"')
  })
})
