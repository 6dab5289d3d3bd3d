import { desc, eq } from 'drizzle-orm'
import { PDFParse } from 'pdf-parse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contributions, examples, outbox } from '#server/db/schema'
import { liveDraftText } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { consentingVisitor, startedAWhileAgo } from './support/submissions'

let server: TestServer
let editorCookie: string
let memberCookie: string
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50 } })
  editorCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'editor', name: 'Eva Redacteur' })).id)
  memberCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'member', name: 'Mila Lid' })).id)
})
afterAll(() => server.close())

const db = () => server.database.db
let visitor = 0
const asVisitor = () => ({ 'X-Forwarded-For': `10.1.0.${++visitor}` })
/** The page's text as a reader (or screen reader) gets it, without React's comment markers. */
const page = async (path: string) => (await (await get(server.url, path)).text()).replaceAll('<!-- -->', '')
/** Text of a stretch of HTML without its tags. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ')

function moderate(item: string) {
  const body = new URLSearchParams({ decision: 'approve', bevestigd: 'ja', items: item })
  return fetch(server.url + '/beheer/moderatie', { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editorCookie }, body })
}

async function approvedTip(section: string, text: string, fields: Record<string, string>) {
  const sent = await postForm(server.url, `/bijdragen/nieuw?sectie=${section}`, { soort: 'tip', toestemming: 'ja', tekst: text, formulier_gestart: await startedAWhileAgo(db()), ...fields }, asVisitor())
  expect(sent.status).toBe(302)
  const [row] = await db().select().from(contributions).where(eq(contributions.body, text))
  expect((await moderate(`tip:${row.id}`)).status).toBe(200)
  return row
}

async function freeze(note: string) {
  const answer = await postForm(server.url, '/edities', { note }, { Cookie: editorCookie })
  expect(answer.status).toBe(200)
  return answer.text()
}

async function publish(slug: string, summary: string) {
  expect((await postForm(server.url, `/handreiking/${slug}/bewerken`, { summary }, { Cookie: editorCookie })).status).toBe(302)
}

async function pdfText(path: string) {
  const bytes = new Uint8Array(await (await get(server.url, path)).arrayBuffer())
  // Words hyphenated at a line end are joined again, as a reader sees them.
  return (await new PDFParse({ data: bytes }).getText()).text.replace(/-\n/g, '').replace(/\s+/g, ' ')
}

describe('what changed between editions, and who made it', () => {
  it('answers a number that is no edition with the Dutch 404 page, and says there is no edition yet', async () => {
    for (const path of ['/edities/1/wijzigingen', '/edities/0/wijzigingen', '/edities/abc/wijzigingen', '/edities/99999999999999999999/wijzigingen', '/edities/-1/wijzigingen']) {
      const response = await get(server.url, path)
      expect(response.status, path).toBe(404)
      expect(await response.text()).toContain('Pagina niet gevonden')
    }
    expect(await page('/wijzigingen')).toContain('Er is nog geen editie vastgelegd')
  })

  it('edition 1 says it is the first; a publish and accepted contributions after it show on /wijzigingen, on the section page, and then in edition 2', async () => {
    expect(await freeze('De eerste editie op de website')).toContain('Editie 1 is vastgelegd')
    const first = await page('/edities/1/wijzigingen')
    expect(first).toContain('Dit is de eerste editie')
    expect(await page('/edities')).toContain('href="/edities/1/wijzigingen"')
    expect(await page('/handreiking/mandaat')).not.toContain('sinds editie')

    // A member adds a sentence to "mandaat"; an editor publishes it.
    const writer = connectClient(server.url, 'mandaat', memberCookie)
    await waitForSync(writer)
    writer.addParagraph('Een nieuwe zin over de buurtkamer als vaste plek.')
    await waitFor(async () => (await liveDraftText(server.collab, 'mandaat'))?.includes('buurtkamer') ?? false, 10_000, 'the edit on the server')
    writer.close()
    await publish('mandaat', 'Zin over de buurtkamer')

    // A visitor's suggestion without consent to be named changes a word in "deelnamecriteria".
    const original = 'Een netwerk kan ervoor kiezen deelname alleen open te stellen voor vrijwilligersorganisaties of breder.'
    const { getPublishedDocument } = await import('#server/handbook/sections')
    const { paragraphsOf } = await import('#server/contributions/suggestions')
    const paragraphs = paragraphsOf((await getPublishedDocument(db(), 'deelnamecriteria'))!.document)
    const index = paragraphs.findIndex((text) => text.includes(original))
    const proposal = paragraphs[index].replace('of breder.', 'of juist ruimer.')
    await postForm(
      server.url,
      '/bijdragen/nieuw?sectie=deelnamecriteria',
      { soort: 'suggestie', alinea: String(index), voorstel: proposal, reden: 'Zo is het duidelijker.', toestemming: 'ja', naam: 'Geheime Gerrit', organisatie: 'Stichting Stil', formulier_gestart: await startedAWhileAgo(db()) },
      asVisitor(),
    )
    const [suggestion] = await db().select().from(contributions).where(eq(contributions.body, proposal))
    expect(suggestion.showName).toBe(0)
    expect((await moderate(`suggestion:${suggestion.id}`)).status).toBe(200)
    await waitFor(async () => (await liveDraftText(server.collab, 'deelnamecriteria'))?.includes('juist ruimer') ?? false, 10_000, 'the suggestion in the draft')
    await publish('deelnamecriteria', 'Voorstel van een bezoeker')
    // A visitor who consents to be named sends a tip.
    await approvedTip('lobby', 'Nodig de wethouder uit voor de jaarlijkse buurtborrel.', consentingVisitor)

    // Not in an edition yet: /wijzigingen has both sections, with the diff marked for screen readers too.
    const live = await page('/wijzigingen')
    expect(live).toContain('Nog niet in een editie')
    expect(live).toMatch(/<section id="mandaat"[^>]*>[\s\S]*?<ins><span class="visually-hidden">\[toegevoegd: <\/span>[^<]*buurtkamer als vaste plek/)
    expect(live).toMatch(/<section id="deelnamecriteria"[^>]*>[\s\S]*?<del><span class="visually-hidden">\[verwijderd: <\/span>breder/)
    expect(live).toContain('Aan de tekst sinds editie 1 werkten mee: Mila Lid, Vera Vrijwilliger, UVV Ergens en één bezoeker.')
    expect(live).not.toContain('Geheime Gerrit')
    expect(live).not.toContain('Stichting Stil')
    // The section page points at its diff; an unchanged section does not.
    expect(await page('/handreiking/mandaat')).toMatch(/<a [^>]*href="\/wijzigingen#mandaat">Gewijzigd sinds editie 1<\/a>/)
    expect(await page('/handreiking/sociale-kaart')).not.toContain('sinds editie')
    // The history page credits the accepted suggestion, without a name the visitor did not allow.
    const history = await page('/handreiking/deelnamecriteria/geschiedenis')
    expect(history).toContain('met een voorstel van een bezoeker')
    expect(history).not.toContain('Geheime Gerrit')

    expect(await freeze('Met de eerste bijdragen van bezoekers')).toContain('Editie 2 is vastgelegd')
    const second = await page('/edities/2/wijzigingen')
    expect(second).toContain('Wat is er veranderd in editie 2')
    const mandaat = /<section id="mandaat"[\s\S]*?<\/section>/.exec(second)![0]
    expect(mandaat).toContain('Gewijzigd')
    expect(mandaat).toMatch(/<ins><span class="visually-hidden">\[toegevoegd: <\/span>[^<]*Een nieuwe zin over de buurtkamer als vaste plek\.\s*<span class="visually-hidden">\]<\/span><\/ins>/)
    expect(mandaat).not.toContain('<del>')
    const criteria = /<section id="deelnamecriteria"[\s\S]*?<\/section>/.exec(second)![0]
    // Removed and added words both, in order, with the unchanged words around them.
    expect(textOf(criteria)).toContain('vrijwilligersorganisaties of [verwijderd: breder][toegevoegd: juist ruimer]')
    expect(criteria).toContain('Voorstel voor een tekstwijziging')
    expect(criteria).toContain('Van een bezoeker')
    expect(second).not.toMatch(/<section id="(lobby|sociale-kaart)"/)
    expect(second).toContain('Aan deze wijzigingen werkten mee: Mila Lid, Vera Vrijwilliger, UVV Ergens en één bezoeker.')
    expect(second).toContain('Nodig de wethouder uit voor de jaarlijkse buurtborrel.')
    expect(second).not.toContain('Geheime Gerrit')

    // The edition's colophon: on the editions list, the colophon page and in its PDF.
    const list = await page('/edities')
    expect(list).toContain('href="/edities/2/wijzigingen"')
    expect(list).toContain('Met bijdragen van Mila Lid, Vera Vrijwilliger, UVV Ergens en één bezoeker')
    expect(list).not.toContain('Geheime Gerrit')
    const colophon = textOf(await page('/colofon'))
    expect(colophon).toContain('Editie 2 (wat er veranderde)Mila Lid, Vera Vrijwilliger, UVV Ergens en één bezoeker')
    const pdf = await pdfText('/edities/2.pdf')
    expect(pdf).toContain('Aan deze editie werkten mee: Mila Lid, Vera Vrijwilliger, UVV Ergens en één bezoeker.')
    expect(pdf).not.toContain('Geheime Gerrit')

    // Frozen: the section no longer differs from the latest edition.
    expect(await page('/handreiking/mandaat')).not.toContain('sinds editie')
    expect(await page('/wijzigingen')).toContain('Geen paragraaf is veranderd.')
  })

  it('the removal link takes a name out of the next edition’s colophon; the frozen one keeps what its PDF says', async () => {
    await approvedTip('lobby', 'Vraag de griffier wanneer de raad over zorg praat.', { ...consentingVisitor, naam: 'Rita Raadslid', organisatie: '', email: 'rita@voorbeeld.nl', toon_naam: 'ja' })
    expect(textOf(await page('/colofon'))).toContain('Rita Raadslid')
    const [mail] = await db().select().from(outbox).where(eq(outbox.to, 'rita@voorbeeld.nl')).orderBy(desc(outbox.id)).limit(1)
    expect(mail.subject).toBe('Uw bijdrage staat op de website')
    const link = /https?:\/\/\S+(\/bijdragen\/verwijderen\/\S+)/.exec(mail.text)![1]
    expect((await postForm(server.url, link, {})).status).toBe(200)
    expect(textOf(await page('/colofon'))).not.toContain('Rita Raadslid')

    expect(await freeze('Na een verwijderde tip')).toContain('Editie 3 is vastgelegd')
    const list = await page('/edities')
    expect(list).not.toContain('Rita Raadslid')
    expect(await pdfText('/edities/3.pdf')).not.toContain('Rita Raadslid')
    expect(await page('/edities/3/wijzigingen')).not.toContain('Vraag de griffier')
    // Vera is still in every colophon since edition 2; Rita never reached one.
    const shown = list.slice(list.indexOf('<main'), list.indexOf('</main>'))
    expect(shown.match(/Vera Vrijwilliger/g)).toHaveLength(2)
  })

  it('credits a visitor’s example by name only when the box “Mijn naam mag genoemd worden” was ticked', async () => {
    const form = await page('/voorbeelden/nieuw')
    expect(form).toMatch(/<input id="veld-toon_naam" type="checkbox" name="toon_naam" value="ja"\/><label for="veld-toon_naam">Mijn naam mag genoemd worden in het colofon/)
    const send = async (name: string, fields: Record<string, string>) => {
      const body = new FormData()
      const values = { toestemming: 'ja', formulier_gestart: await startedAWhileAgo(db()), netwerk: name, regio: 'Utrecht', samenvatting: 'Een samenvatting van minstens twintig tekens lang.', verhaal: 'Een verhaal van minstens vijftig tekens lang, over hoe wij samen begonnen.', ...fields }
      for (const [key, value] of Object.entries(values)) body.append(key, value)
      expect((await fetch(server.url + '/voorbeelden/nieuw', { method: 'POST', body, redirect: 'manual', headers: { Origin: server.url, ...asVisitor() } })).status).toBe(302)
      const [row] = await db().select().from(examples).where(eq(examples.name, name))
      // The editor sees the name and whether it may be credited before deciding.
      const queue = textOf((await (await get(server.url, '/beheer/moderatie', { Cookie: editorCookie })).text()).replaceAll('<!-- -->', ''))
      expect(queue).toContain(`Naam inzender${fields.naam}Naam in het colofon${fields.toon_naam ? 'ja' : 'nee'}`)
      expect((await moderate(`example:${row.id}`)).status).toBe(200)
    }
    await send('Buurtnetwerk Met Naam', { naam: 'Erik Exempel', toon_naam: 'ja' })
    await send('Buurtnetwerk Zonder Naam', { naam: 'Stille Sanne' })
    const live = await page('/wijzigingen')
    expect(live).toContain('Aan de tekst sinds editie 3 werkten mee: Erik Exempel en één bezoeker.')
    expect(live).toContain('Buurtnetwerk Met Naam')
    expect(live).toContain('Buurtnetwerk Zonder Naam')
    expect(live).not.toContain('Stille Sanne')
    expect(textOf(await page('/colofon'))).toContain('Erik Exempel')
    expect(await page('/colofon')).not.toContain('Stille Sanne')
  })

  it('keeps the diffs of an edition frozen before they were stored: computed once on first request', async () => {
    const { editionChanges, editions } = await import('#server/db/schema')
    const [edition] = await db().select({ id: editions.id }).from(editions).where(eq(editions.number, 2))
    await db().delete(editionChanges).where(eq(editionChanges.editionId, edition.id))
    const again = await page('/edities/2/wijzigingen')
    expect(again).toMatch(/<section id="mandaat"[\s\S]*?buurtkamer als vaste plek/)
    expect(await db().select().from(editionChanges).where(eq(editionChanges.editionId, edition.id))).toHaveLength(1)
  })
})
