import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { liveDraftText } from '#server/handbook/live-documents'
import { compareTexts } from '#server/handbook/text-diff'
import { connectClient, waitFor, waitForSync, type CollabClient } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'
import { dutchParagraphs } from './support/texts'

/** Clears the live document and writes the paragraphs into it, one update per paragraph as typing would. */
function replaceText(client: CollabClient, texts: string[]) {
  const fragment = client.doc.getXmlFragment('default')
  client.doc.transact(() => fragment.delete(0, fragment.length))
  for (const text of texts) client.addParagraph(text)
}

/**
 * Asks for a page while /healthz is asked every 10 ms; the slowest health answer is how long everybody else waited.
 * Bounded, ~40–500 ms on an idle machine, and up to 4.3 s with both CPUs loaded (`stress` plus the suite, load
 * 10–14). Unbounded, a comparison holds every other request for 5 s from 50 KB on an idle machine, growing with
 * the square of the size (`npm run bench:diff`): far past `stalledAtMost` at 190 KB, on any machine.
 */
const stalledAtMost = 15_000
async function whileHealthChecked(server: TestServer, request: () => Promise<Response>) {
  let slowestHealthMs = 0
  let running = true
  const probe = (async () => {
    while (running) {
      const started = performance.now()
      await (await fetch(server.url + '/healthz')).text()
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = performance.now()
  const response = await request()
  const page = await response.text()
  const requestMs = performance.now() - started
  running = false
  await probe
  return { response, page, requestMs, slowestHealthMs }
}

/** The links to read each version in full, from a history page that could not compare them. */
function versionLinks(page: string) {
  return [...page.matchAll(/<a href="([^"]*geschiedenis\/tekst\?versie=[^"]*)"/g)].map((match) => match[1].replaceAll('&amp;', '&'))
}

describe('the bounded comparison', () => {
  it('compares ordinary edits word by word', () => {
    const result = compareTexts('Het netwerk komt elke maand samen.', 'Het netwerk komt elke week samen.')
    expect(result).toEqual({
      comparable: true,
      parts: [
        { kind: 'same', text: 'Het netwerk komt elke ' },
        { kind: 'removed', text: 'maand' },
        { kind: 'added', text: 'week' },
        { kind: 'same', text: ' samen.' },
      ],
    })
  })

  it('gives up on texts past the size bound', () => {
    expect(compareTexts('kort', dutchParagraphs(190_000, 1).join('\n\n'))).toEqual({ comparable: false, reason: 'size' })
  })

  it('gives up within its time bound on long texts that differ everywhere', () => {
    const started = performance.now()
    const result = compareTexts(dutchParagraphs(45_000, 1).join('\n\n'), dutchParagraphs(45_000, 2).join('\n\n'))
    const elapsedMs = performance.now() - started
    expect(result).toEqual({ comparable: false, reason: 'time' })
    // Unbounded, this comparison takes minutes; bounded it is the tokenizing plus the 40 ms budget.
    expect(elapsedMs).toBeLessThan(1000)
  })
})

describe('/geschiedenis of very large versions', () => {
  let server: TestServer
  let member: string
  let editor: string
  beforeAll(async () => {
    server = await startTestServer({ collab: { writeWindowMs: 50 } })
    member = await sessionCookieFor(server.database.db, (await createUser(server.database.db)).id)
    editor = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'editor' })).id)
  })
  afterAll(() => server.close())

  /** A member types the paragraphs into the section's live document; resolves once the server has them all. */
  async function writeDraft(slug: string, texts: string[]) {
    const client = connectClient(server.url, slug, member)
    await waitForSync(client)
    replaceText(client, texts)
    await waitFor(async () => (await liveDraftText(server.collab, slug))?.endsWith(texts[texts.length - 1]) ?? false, 30_000, 'the draft on the server')
    client.close()
  }

  async function publish(slug: string) {
    const response = await postForm(server.url, `/handreiking/${slug}/bewerken`, { summary: 'Een heel lange versie' }, { Cookie: editor })
    expect(response.status).toBe(302)
    return /gepubliceerd=(\d+)/.exec(response.headers.get('Location') ?? '')![1]
  }

  it('shows an ordinary edit word by word', async () => {
    const client = connectClient(server.url, 'financiering', member)
    await waitForSync(client)
    client.addParagraph('Een nieuwe zin over de buurtkamer.')
    await waitFor(async () => (await liveDraftText(server.collab, 'financiering'))?.includes('buurtkamer') ?? false, 10_000, 'the edit')
    client.close()
    const page = await (await get(server.url, '/handreiking/financiering/geschiedenis', { Cookie: member })).text()
    expect(page).toMatch(/<ins><span class="visually-hidden">\[toegevoegd: <\/span>[^<]*buurtkamer/)
    expect(page).not.toContain('te groot om te vergelijken')
  })

  it('answers a member with "te groot om te vergelijken" and both texts, without holding up others', async () => {
    const big = dutchParagraphs(190_000, 3)
    await writeDraft('lobby', big)
    const { response, page, requestMs, slowestHealthMs } = await whileHealthChecked(server, () => get(server.url, '/handreiking/lobby/geschiedenis', { Cookie: member }))
    expect(response.status).toBe(200)
    expect(page).toContain('Deze versies zijn te groot om te vergelijken')
    expect(page).toContain('Het huidige concept lezen')
    const draft = await get(server.url, versionLinks(page)[1], { Cookie: member })
    expect(draft.headers.get('Content-Type')).toBe('text/plain; charset=utf-8')
    expect(await draft.text()).toBe(big.join('\n\n'))
    expect((await get(server.url, versionLinks(page)[1])).status).toBe(404)
    console.info(`history of a 190 KB draft: ${requestMs.toFixed(0)} ms, slowest /healthz meanwhile ${slowestHealthMs.toFixed(0)} ms`)
    // Unbounded, this request took seconds and /healthz waited as long.
    expect(slowestHealthMs).toBeLessThan(stalledAtMost)
  })

  it('answers a visitor comparing a published 190 KB version with an old one the same way', async () => {
    const history = await (await get(server.url, '/handreiking/mandaat/geschiedenis')).text()
    const first = /<option value="(\d+)"/.exec(history)![1]
    const big = dutchParagraphs(190_000, 6)
    await writeDraft('mandaat', big)
    const latest = await publish('mandaat')
    const { response, page, requestMs, slowestHealthMs } = await whileHealthChecked(server, () => get(server.url, `/handreiking/mandaat/geschiedenis?van=${first}&naar=${latest}`))
    console.info(`a visitor comparing with a 190 KB version: ${requestMs.toFixed(0)} ms, slowest /healthz meanwhile ${slowestHealthMs.toFixed(0)} ms`)
    expect(response.status).toBe(200)
    expect(page).toContain('Deze versies zijn te groot om te vergelijken')
    const [before, after] = versionLinks(page)
    expect(await (await get(server.url, before)).text()).toContain('daadkrachtig en met één stem')
    expect(await (await get(server.url, after)).text()).toBe(big.join('\n\n'))
    expect(slowestHealthMs).toBeLessThan(stalledAtMost)
  })

  it('answers within bounds when two long versions differ everywhere', async () => {
    await writeDraft('sociale-kaart', dutchParagraphs(45_000, 4))
    const first = await publish('sociale-kaart')
    await writeDraft('sociale-kaart', dutchParagraphs(45_000, 5))
    const second = await publish('sociale-kaart')
    const { response, page, slowestHealthMs } = await whileHealthChecked(server, () => get(server.url, `/handreiking/sociale-kaart/geschiedenis?van=${first}&naar=${second}`))
    expect(response.status).toBe(200)
    expect(page).toContain('te groot om te vergelijken: ze verschillen te veel')
    console.info(`two 45 KB versions that differ everywhere: slowest /healthz ${slowestHealthMs.toFixed(0)} ms`)
    expect(slowestHealthMs).toBeLessThan(stalledAtMost)
  })
})
