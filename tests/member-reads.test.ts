import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contributions, revisions, sections, users } from '#server/db/schema'
import { documentField } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { consentingVisitor, startedAWhileAgo } from './support/submissions'

// Signed-in members' pages are made from the published content read once per content
// version, and a page rendered from the same data is not rendered again: neither may
// ever show a member a page from before a change.
let server: TestServer
let member: { id: number }
let memberCookie: string
let editorCookie: string
beforeAll(async () => {
  server = await startTestServer()
  member = await createUser(server.database.db, { role: 'member', name: 'Mila Lid' })
  const editor = await createUser(server.database.db, { role: 'editor', name: 'Eddy Redacteur' })
  memberCookie = await sessionCookieFor(server.database.db, member.id)
  editorCookie = await sessionCookieFor(server.database.db, editor.id)
})
afterAll(() => server.close())

const asMember = async (path: string) => {
  const response = await fetch(server.url + path, { headers: { Cookie: memberCookie } })
  expect(response.status).toBe(200)
  return { html: await response.text(), policy: response.headers.get('content-security-policy') ?? '' }
}
const draftBadge = 'Het concept heeft wijzigingen die nog niet gepubliceerd zijn.'

describe("a signed-in member's pages", () => {
  it('are the same page when opened again, each with its own nonce', async () => {
    const first = await asMember('/handreiking/financiering')
    const hits = server.site.renderedPages.hits
    const second = await asMember('/handreiking/financiering')
    expect(server.site.renderedPages.hits).toBe(hits + 1)
    const nonceOf = (policy: string) => /'nonce-([^']+)'/.exec(policy)![1]
    const [firstNonce, secondNonce] = [nonceOf(first.policy), nonceOf(second.policy)]
    expect(secondNonce).not.toBe(firstNonce)
    expect(second.html).toContain(`nonce="${secondNonce}"`)
    expect(second.html).not.toContain(firstNonce)
    expect(second.html.replaceAll(secondNonce, '')).toBe(first.html.replaceAll(firstNonce, ''))
    expect(second.html).toContain('Mila Lid')
  })

  it('show a draft change at once, and the published text right after the publish', async () => {
    const page = '/handreiking/financiering'
    const sentence = 'Een fonds voor de koffie houdt de bijeenkomsten gezellig.'
    expect((await asMember(page)).html).not.toContain(draftBadge)
    const writer = connectClient(server.url, 'financiering', editorCookie)
    await waitForSync(writer)
    writer.addParagraph(sentence)
    const room = await server.collab.open('financiering')
    await waitFor(() => JSON.stringify(room!.doc.getXmlFragment(documentField).toJSON()).includes('koffie'), 10_000, 'the server to have the edit')
    const withDraft = (await asMember(page)).html
    expect(withDraft).toContain(draftBadge)
    expect(withDraft).not.toContain(sentence)

    const published = await postForm(server.url, '/handreiking/financiering/bewerken', { summary: 'Zin over de koffie' }, { Cookie: editorCookie })
    expect(published.status).toBe(302)
    writer.close()
    const after = (await asMember(page)).html
    expect(after).toContain(sentence)
    expect(after).not.toContain(draftBadge)
  })

  it('show an approved tip on the next request', async () => {
    const page = '/handreiking/centraal-contactpunt'
    const tip = 'Eén telefoonnummer voor het hele netwerk werkt beter dan vijf losse.'
    expect((await asMember(page)).html).not.toContain(tip)
    const sent = await postForm(server.url, '/bijdragen/nieuw?sectie=centraal-contactpunt', { soort: 'tip', ...consentingVisitor, tekst: tip, formulier_gestart: await startedAWhileAgo(server.database.db) }, { 'X-Forwarded-For': '10.9.1.1' })
    expect(sent.status).toBe(302)
    expect((await asMember(page)).html).not.toContain(tip)
    const [row] = await server.database.db.select().from(contributions).where(eq(contributions.body, tip))
    const approved = await fetch(server.url + '/beheer/moderatie', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editorCookie },
      body: new URLSearchParams({ decision: 'approve', items: `tip:${row.id}` }),
    })
    expect(approved.status).toBe(200)
    expect((await asMember(page)).html).toContain(tip)
    expect((await asMember('/')).html).toContain(tip)
  })

  it('show a change made by another process, told through the database', async () => {
    const page = '/handreiking/gezamenlijke-media'
    expect((await asMember(page)).html).toContain('Gezamenlijke media')
    const [section] = await server.database.db.select().from(sections).where(eq(sections.slug, 'gezamenlijke-media'))
    await server.database.db.update(revisions).set({ title: 'Samen naar buiten' }).where(eq(revisions.id, section.currentRevisionId!))
    await waitFor(async () => (await asMember(page)).html.includes('Samen naar buiten'), 5000, 'the page after the NOTIFY')
  })

  it("show the member's new name at once", async () => {
    expect((await asMember('/handreiking/financiering')).html).toContain('Mila Lid')
    await server.database.db.update(users).set({ name: 'Mila de Vries' }).where(eq(users.id, member.id))
    const html = (await asMember('/handreiking/financiering')).html
    expect(html).toContain('Mila de Vries')
    expect(html).not.toContain('Mila Lid')
  })
})

describe("the PDF's size and page count beside its links", () => {
  it('come from a render that a change starts in the background, not a reader’s request', async () => {
    const linkFacts = async () => /Download de handreiking(?:<!-- -->)? <span class="file-facts">\((?:<!-- -->)?([^<)]*)(?:<!-- -->)?\)/.exec(await (await fetch(server.url + '/')).text())![1]
    // The current text rendered, and any refresh still scheduled by earlier changes done.
    await (await fetch(server.url + '/handreiking.pdf')).arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const writer = connectClient(server.url, 'lobby', editorCookie)
    await waitForSync(writer)
    writer.addParagraph('Een wethouder die meeleest, helpt het netwerk vooruit.')
    const room = await server.collab.open('lobby')
    await waitFor(() => JSON.stringify(room!.doc.getXmlFragment(documentField).toJSON()).includes('wethouder'), 10_000, 'the server to have the edit')
    const renders = server.site.pdf.renders
    expect((await postForm(server.url, '/handreiking/lobby/bewerken', { summary: 'Zin over de wethouder' }, { Cookie: editorCookie })).status).toBe(302)
    writer.close()
    // Nobody asks for a page or the PDF: the change alone renders it, in the background.
    await waitFor(() => server.site.pdf.renders === renders + 1, 30_000, 'the background render')
    await waitFor(async () => (await linkFacts()) !== 'pdf', 30_000, 'the facts on the home page')
    const pdf = Buffer.from(await (await fetch(server.url + '/handreiking.pdf')).arrayBuffer())
    expect(await linkFacts()).toMatch(new RegExp(`^pdf, ${Math.round(pdf.length / 1000)} kB, \\d+ pagina&#x27;s$`))
    expect(server.site.pdf.renders).toBe(renders + 1)
  })
})
