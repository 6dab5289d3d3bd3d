import { Node } from '@tiptap/pm/model'
import { updateYFragment, yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import { desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { contributions, documentStates, revisions, sections } from '#server/db/schema'
import { handbookSchema } from '#server/handbook/live-documents'
import { awarenessFrame, connectClient, deletionUpdate, rawPeer, rawSocket, syncFrame, waitFor, waitForSync, type CollabClient, type RawPeer } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'

// Issue 10, rows 5, 6, 13, 14 and the live-document parts of 15, each through real sockets against a running server.

let server: TestServer
let memberCookie: string
let attackerCookie: string
let editorCookie: string
const cleanups: Array<() => void> = []
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50, unloadAfterMs: 300 } })
  const db = server.database.db
  memberCookie = await sessionCookieFor(db, (await createUser(db, { role: 'member', name: 'Mila Lid' })).id)
  attackerCookie = await sessionCookieFor(db, (await createUser(db, { role: 'member', name: 'Kees Kwaad' })).id)
  editorCookie = await sessionCookieFor(db, (await createUser(db, { role: 'editor', name: 'Eva Redacteur' })).id)
})
afterAll(async () => {
  cleanups.forEach((cleanup) => cleanup())
  await server.close()
})

function client(document: string, cookie = memberCookie): CollabClient {
  const connected = connectClient(server.url, document, cookie)
  cleanups.push(() => connected.close())
  return connected
}

async function peer(document: string, cookie = attackerCookie): Promise<RawPeer> {
  const raw = rawPeer(server.url, document, cookie)
  cleanups.push(() => raw.socket.terminate())
  await raw.opened
  await raw.synced()
  return raw
}

function serverJson(document: string) {
  return JSON.stringify(yXmlFragmentToProsemirrorJSON(server.collab.loadedRoom(document)!.doc.getXmlFragment('default')))
}

function clientJson(each: CollabClient) {
  return JSON.stringify(yXmlFragmentToProsemirrorJSON(each.doc.getXmlFragment('default')))
}

async function publish(slug: string, summary: string) {
  return postForm(server.url, `/handreiking/${slug}/bewerken`, { summary }, { Cookie: editorCookie })
}

/** A paragraph holding `text`, appended at the end of the peer's copy of the document. */
function paragraph(text: string) {
  return (doc: Y.Doc) => {
    const element = new Y.XmlElement('paragraph')
    element.insert(0, [new Y.XmlText(text)])
    doc.getXmlFragment('default').push([element])
  }
}

describe('only the schema enters a live document (row 6)', () => {
  it('accepts everything the editor can make, written through the same Yjs binding tiptap uses', async () => {
    const slug = 'randvoorwaarden'
    const watcher = client(slug)
    await waitForSync(watcher)
    const writer = await peer(slug, memberCookie)
    const text = (value: string, marks?: unknown[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) })
    const everything = Node.fromJSON(handbookSchema, {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [text('Een kop')] },
        { type: 'heading', attrs: { level: 3 }, content: [text('Een subkop')] },
        { type: 'paragraph', content: [text('vet', [{ type: 'bold' }]), text(' en '), text('cursief', [{ type: 'italic' }]), { type: 'hardBreak' }, text('een link', [{ type: 'link', attrs: { href: 'https://www.movisie.nl' } }])] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [text('punt')] }, { type: 'orderedList', attrs: { start: 3 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [text('genummerd')] }] }] }] }] },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [text('Alles kan')] }] },
      ],
    })
    const update = writer.updateFrom((doc) => updateYFragment(doc, doc.getXmlFragment('default'), everything, { mapping: new Map(), isOMark: new Map() }))
    writer.send(syncFrame(2, update))
    // A tab still running the editor from before links carried only their address.
    const fragment = writer.doc.getXmlFragment('default')
    writer.send(syncFrame(2, writer.updateFrom(() => ((fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText).format(0, 3, { link: { href: '/handreiking/lobby', target: null, rel: 'noopener', class: null } }))))
    await waitFor(() => watcher.text().includes('genummerd') && clientJson(watcher).includes('/handreiking/lobby'), 5000, 'the editor’s content')
    expect(writer.socket.readyState).toBe(writer.socket.OPEN)
    expect(clientJson(watcher)).toBe(serverJson(slug))
  })

  it('refuses a raw Yjs client inserting a <script> element: closed with 4400, nothing applied or stored, the section still publishes', async () => {
    const slug = 'lobby'
    const honest = client(slug)
    await waitForSync(honest)
    const attacker = await peer(slug)
    attacker.send(
      syncFrame(
        2,
        attacker.updateFrom((doc) => {
          const script = new Y.XmlElement('script')
          script.insert(0, [new Y.XmlText('alert(1)')])
          doc.getXmlFragment('default').push([script])
        }),
      ),
    )
    // Frames after the refused one are not handled: this valid paragraph never arrives.
    attacker.send(syncFrame(2, attacker.updateFrom(paragraph('Na de fout verstuurd'))))
    expect(await attacker.closed).toBe(4400)
    expect(attacker.closeReason()).toBe('wijziging past niet in het documentschema')

    honest.addParagraph('Eerlijke zin na de aanval')
    await waitFor(() => serverJson(slug).includes('Eerlijke zin na de aanval'))
    expect(serverJson(slug)).not.toContain('script')
    expect(serverJson(slug)).not.toContain('Na de fout verstuurd')
    expect(clientJson(honest)).toBe(serverJson(slug))
    await new Promise((resolve) => setTimeout(resolve, 150))
    const published = await publish(slug, 'Na de aanval')
    expect(published.status).toBe(302)
    const page = await (await fetch(server.url + '/handreiking/' + slug)).text()
    expect(page).toContain('Eerlijke zin na de aanval')
    expect(page).not.toContain('alert(1)')
  })

  it('refuses other content outside the schema: nesting, attributes, marks, other root types', async () => {
    const slug = 'mandaat'
    const cases: Array<(doc: Y.Doc) => void> = [
      (doc) => {
        const outer = new Y.XmlElement('paragraph')
        outer.insert(0, [new Y.XmlElement('paragraph')])
        doc.getXmlFragment('default').push([outer])
      },
      (doc) => {
        const element = new Y.XmlElement('paragraph')
        element.setAttribute('onclick', 'alert(1)')
        doc.getXmlFragment('default').push([element])
      },
      (doc) => {
        const element = new Y.XmlElement('paragraph')
        const text = new Y.XmlText()
        text.insert(0, 'kwaad', { script: { src: 'x' } })
        element.insert(0, [text])
        doc.getXmlFragment('default').push([element])
      },
      (doc) => doc.getMap('ander').set('groot', 'x'.repeat(1000)),
      (doc) => doc.getXmlFragment('default').push([new Y.XmlText('los in het document')]),
    ]
    for (const change of cases) {
      const attacker = await peer(slug)
      attacker.send(syncFrame(2, attacker.updateFrom(change)))
      expect(await attacker.closed).toBe(4400)
    }
    expect(serverJson(slug)).not.toContain('onclick')
    expect(serverJson(slug)).not.toContain('kwaad')
    expect(server.collab.loadedRoom(slug)!.doc.share.has('ander')).toBe(false)
  })

  it('refuses a bit-flipped sync step 2 that still decodes (paragraph → pasagraph)', async () => {
    const slug = 'rol-gemeente'
    const honest = client(slug)
    await waitForSync(honest)
    const attacker = await peer(slug)
    const update = attacker.updateFrom(paragraph('Omgevlipte alinea'))
    const name = Buffer.from(update).indexOf('paragraph')
    const flipped = Uint8Array.from(update)
    flipped[name + 2] ^= 1 // 'r' → 's'
    expect(Buffer.from(flipped).includes('pasagraph')).toBe(true)
    expect(() => Y.decodeUpdate(flipped)).not.toThrow()
    attacker.send(syncFrame(1, flipped))
    expect(await attacker.closed).toBe(4400)
    expect(serverJson(slug)).not.toContain('Omgevlipte')
    expect((await fetch(server.url + `/handreiking/${slug}/geschiedenis`, { headers: { Cookie: memberCookie } })).status).toBe(200)
  })

  it('refuses text placed between two ends that are not side by side in that order (replicas would keep it in different places)', async () => {
    const slug = 'hoe-vaak-bijeenkomen'
    const honest = client(slug)
    await waitForSync(honest)
    const attacker = await peer(slug)
    const firstText = (doc: Y.Doc) => {
      for (const node of doc.getXmlFragment('default').toArray()) {
        const text = node instanceof Y.XmlElement ? node.get(0) : null
        if (text instanceof Y.XmlText && text.length > 40) return text
      }
      throw new Error('no paragraph of 40 characters')
    }
    // An honest insert first, so that the paragraph's text is two items on the server as well.
    attacker.send(syncFrame(2, attacker.updateFrom((doc) => firstText(doc).insert(10, 'x'))))
    await waitFor(() => Y.getState(server.collab.loadedRoom(slug)!.doc.store, attacker.doc.clientID) > 0)
    const forged = attacker.updateFrom((doc) => {
      const text = firstText(doc)
      const start = text._start!
      const at = (offset: number) => Y.createID(start.id.client, start.id.clock + offset)
      doc.transact((transaction) => {
        // Origin at character 20, "right origin" at character 5: to its left.
        const item = new Y.Item(Y.createID(doc.clientID, Y.getState(doc.store, doc.clientID)), null, at(20), null, at(5), text, null, new Y.ContentString('kwaad'))
        item.integrate(transaction, 0)
      })
    })
    attacker.send(syncFrame(2, forged))
    expect(await attacker.closed).toBe(4400)
    honest.addParagraph('Eerlijk na de vervalste plaats')
    await waitFor(() => serverJson(slug).includes('Eerlijk na de vervalste plaats'))
    expect(serverJson(slug)).not.toContain('kwaad')
    expect(clientJson(honest)).toBe(serverJson(slug))
  })

  it('an update that repeats known text with other content (a <script> under the same ids) is passed on only as what it changed: the unchecked copy reaches nobody', async () => {
    const slug = 'gezamenlijke-media'
    const writer = await peer(slug, memberCookie)
    const attacker = await peer(slug)
    const watcher = await peer(slug, editorCookie)
    const frames: Buffer[] = []
    watcher.socket.on('message', (data: Buffer) => data[0] === 0 && data[1] === 2 && frames.push(data))
    const base = Y.encodeStateAsUpdate(writer.doc)
    writer.send(syncFrame(2, writer.updateFrom(paragraph('Origineel'))))
    await waitFor(() => JSON.stringify(attacker.doc.getXmlFragment('default').toJSON()).includes('Origineel'), 5000, 'the writer’s paragraph at the attacker')
    // The writer's structs, forged: same client id and clocks, a script element in place of the paragraph.
    const forger = new Y.Doc()
    forger.clientID = writer.doc.clientID
    Y.applyUpdate(forger, base)
    const known = Y.encodeStateVector(forger)
    const script = new Y.XmlElement('script')
    script.insert(0, [new Y.XmlText('Vervalst!')])
    forger.getXmlFragment('default').push([script])
    const forged = Y.encodeStateAsUpdate(forger, known)
    attacker.send(syncFrame(2, Y.mergeUpdates([forged, attacker.updateFrom(paragraph('Nieuw van Kees'))])))
    await waitFor(() => frames.some((frame) => frame.includes('Nieuw van Kees')), 5000, 'the attacker’s own paragraph at the watcher')
    expect(frames.filter((frame) => frame.includes('Vervalst') || frame.includes('script'))).toEqual([])
    expect(serverJson(slug)).toContain('Origineel')
    expect(serverJson(slug)).not.toContain('Vervalst')
  })

  it('publishing, history and accepting a suggestion work on a document that already holds content outside the schema', async () => {
    // Stored before updates were checked: unknown elements (left out, as the editor does), a paragraph in a
    // paragraph, a link with target/class/javascript, an unknown mark — written straight to the database.
    const slug = 'deelnamecriteria'
    const db = server.database.db
    const doc = new Y.Doc()
    const fragment = doc.getXmlFragment('default')
    const [script, misspelt, nested, linked, original] = ['script', 'pasagraph', 'paragraph', 'paragraph', 'paragraph'].map((name) => new Y.XmlElement(name))
    fragment.push([script, misspelt, nested, linked, original])
    script.insert(0, [new Y.XmlText('alert(1)')])
    misspelt.insert(0, [new Y.XmlText('Tekst in een onbekend element')])
    const inner = new Y.XmlElement('paragraph')
    nested.insert(0, [inner])
    inner.insert(0, [new Y.XmlText('Een alinea in een alinea.')])
    const text = new Y.XmlText()
    linked.insert(0, [text])
    text.insert(0, 'Naar de site', { link: { href: 'https://www.movisie.nl', target: '_blank', class: 'groot', rel: 'opener' } })
    text.insert(text.length, ' en ', { link: null })
    text.insert(text.length, 'een valstrik', { link: { href: 'javascript:alert(1)' }, onbekend: { x: 1 } })
    original.insert(0, [new Y.XmlText('Een netwerk kan ervoor kiezen om de deelname te beperken.')])
    const broken = new Y.XmlElement('paragraph')
    fragment.push([broken])
    broken.insert(0, [new Y.XmlText('Kapotte tekens: \u0000 en \ud800 blijven opslaan.')])
    await db.insert(documentStates).values({ document: slug, state: Y.encodeStateAsUpdate(doc), throughUpdateId: 0, updatedAt: new Date() })

    expect((await fetch(server.url + `/handreiking/${slug}/geschiedenis`, { headers: { Cookie: memberCookie } })).status).toBe(200)
    expect((await fetch(server.url + `/handreiking/${slug}`, { headers: { Cookie: memberCookie } })).status).toBe(200)

    const [section] = await db.select({ id: sections.id }).from(sections).where(eq(sections.slug, slug))
    const [suggestion] = await db
      .insert(contributions)
      .values({ kind: 'suggestion', sectionId: section.id, body: 'Een netwerk kan ervoor kiezen om de deelname te verbreden.', originalText: 'Een netwerk kan ervoor kiezen om de deelname te beperken.' })
      .returning()
    const body = new URLSearchParams({ decision: 'approve', items: `suggestion:${suggestion.id}` })
    const moderated = await fetch(server.url + '/beheer/moderatie', { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editorCookie }, body })
    expect(moderated.status).toBeLessThan(500)
    const [decided] = await db.select().from(contributions).where(eq(contributions.id, suggestion.id))
    expect(decided.status).toBe('approved')

    expect((await publish(slug, 'Na reparatie')).status).toBe(302)
    const [revision] = await db.select().from(revisions).where(eq(revisions.sectionId, section.id)).orderBy(desc(revisions.id)).limit(1)
    expect(revision.html).not.toContain('script')
    expect(revision.html).not.toContain('alert')
    expect(revision.html).not.toContain('target')
    expect(revision.html).not.toContain('class=')
    expect(revision.html).toContain('<a rel="noopener noreferrer" href="https://www.movisie.nl">Naar de site</a>')
    expect(revision.plainText).not.toContain('Tekst in een onbekend element')
    expect(revision.html).toContain('<p>Naar de site</p>'.slice(0, 0) + 'een valstrik</p>')
    expect(revision.plainText).toContain('Een alinea in een alinea.')
    expect(revision.plainText).toContain('om de deelname te verbreden.')
    expect(JSON.stringify(revision.document)).not.toContain('target')
    expect(revision.plainText).toContain('Kapotte tekens: \ufffd en \ufffd blijven opslaan.')
  })
})

describe('updates that depend on what the document lacks (rows 13 and 14)', () => {
  it('refuses a deletion naming clocks the author has not used yet; the author’s typing then reaches everyone', async () => {
    const slug = 'centraal-contactpunt'
    const [author, other] = [client(slug), client(slug)]
    await Promise.all([waitForSync(author), waitForSync(other)])
    const next = Y.getState(author.doc.store, author.doc.clientID)
    const attacker = await peer(slug)
    attacker.send(syncFrame(1, new Uint8Array([0, 0]))) // its (empty) sync step 2: nothing is waited for
    attacker.send(syncFrame(2, deletionUpdate(author.doc.clientID, next, 200)))
    expect(await attacker.closed).toBe(4500)
    author.addParagraph('Deze zin moet iedereen zien')
    await waitFor(() => other.text().includes('Deze zin moet iedereen zien'), 5000, 'the author’s paragraph reaching the other client')
    await waitFor(() => clientJson(author) === serverJson(slug) && clientJson(other) === serverJson(slug), 5000, 'convergence')
    const room = server.collab.loadedRoom(slug)!
    expect(room.doc.store.pendingDs).toBeNull()
    expect(room.doc.store.pendingStructs).toBeNull()
    // Still there after the author reconnects.
    author.provider.disconnect()
    author.provider.connect()
    await waitForSync(author)
    expect(author.text()).toContain('Deze zin moet iedereen zien')
  })

  it('a deletion sent before the sender’s sync step 2 waits only for that step 2, then is refused', async () => {
    const slug = 'centraal-contactpunt'
    const [author, other] = [client(slug), client(slug)]
    await Promise.all([waitForSync(author), waitForSync(other)])
    const attacker = await peer(slug)
    attacker.send(syncFrame(2, deletionUpdate(author.doc.clientID, Y.getState(author.doc.store, author.doc.clientID), 200)))
    author.addParagraph('Geschreven terwijl de verwijdering wacht')
    await waitFor(() => other.text().includes('Geschreven terwijl de verwijdering wacht'), 5000, 'the author’s paragraph')
    attacker.send(syncFrame(1, new Uint8Array([0, 0])))
    expect(await attacker.closed).toBe(4500)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(other.text()).toContain('Geschreven terwijl de verwijdering wacht')
    expect(clientJson(other)).toBe(serverJson(slug))
  })

  it('after a restart, an update typed just before the client’s own sync step 2 waits for it and is applied', async () => {
    // What a y-websocket client does when the server lost its last edits: on open it may send a new
    // update that builds on text the server lacks, then its sync step 2 carrying that text.
    const slug = 'sociale-kaart'
    const watcher = client(slug)
    await waitForSync(watcher)
    const returning = rawPeer(server.url, slug, memberCookie)
    cleanups.push(() => returning.socket.terminate())
    await returning.opened
    await returning.synced()
    const base = Y.encodeStateVector(returning.doc)
    returning.updateFrom(paragraph('Verloren bij de herstart'))
    const fragment = returning.doc.getXmlFragment('default')
    const dependent = returning.updateFrom(() => ((fragment.get(fragment.length - 1) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'Nieuw: '))
    returning.send(syncFrame(2, dependent))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(watcher.text()).not.toContain('Verloren bij de herstart')
    returning.send(syncFrame(1, Y.encodeStateAsUpdate(returning.doc, base)))
    await waitFor(() => watcher.text().includes('Nieuw: Verloren bij de herstart'), 5000, 'the held update')
    expect(returning.socket.readyState).toBe(returning.socket.OPEN)
  })

  it('an update waiting for a sync step 2 that never comes is refused after a bounded time', async () => {
    const slug = 'sociale-kaart'
    const attacker = await peer(slug)
    const offline = new Y.Doc()
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(attacker.doc))
    const element = new Y.XmlElement('paragraph')
    offline.getXmlFragment('default').push([element])
    const afterParagraph = Y.encodeStateVector(offline)
    element.insert(0, [new Y.XmlText('hangt ergens aan')])
    attacker.send(syncFrame(2, Y.encodeStateAsUpdate(offline, afterParagraph)))
    const started = Date.now()
    expect(await attacker.closed).toBe(4500)
    expect(Date.now() - started).toBeGreaterThan(3000)
    expect(Date.now() - started).toBeLessThan(8000)
    expect(server.collab.loadedRoom(slug)!.doc.store.pendingStructs).toBeNull()
  })

  it('sends the result of every applied update to the sender too', async () => {
    const slug = 'lobby'
    const writer = await peer(slug, memberCookie)
    const echoed = new Promise<void>((resolve) =>
      writer.socket.on('message', (data: Buffer) => data[0] === 0 && data[1] === 2 && data.includes('Terug naar de afzender') && resolve()),
    )
    writer.send(syncFrame(2, writer.updateFrom(paragraph('Terug naar de afzender'))))
    await echoed
  })
})

describe('presence is bounded and honest (row 5)', () => {
  it('refuses an awareness state of 1.9 MB (4413); a new joiner gets a small presence message', async () => {
    const slug = 'financiering'
    const honest = client(slug)
    await waitForSync(honest)
    const before = process.memoryUsage().rss
    const attacker = await peer(slug)
    attacker.send(awarenessFrame([{ clientId: attacker.doc.clientID, clock: 1, state: { user: { name: 'x' }, ballast: 'x'.repeat(1_900_000) } }]))
    expect(await attacker.closed).toBe(4413)
    const joiner = await peer(slug, memberCookie)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(Math.max(0, ...joiner.awarenessBytes)).toBeLessThan(16 * 1024)
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('200 awareness updates with different client ids: the second id closes the socket (4409), nobody sees the rest', async () => {
    const slug = 'financiering'
    const honest = client(slug)
    await waitForSync(honest)
    const attacker = await peer(slug)
    for (let index = 0; index < 200; index++) attacker.send(awarenessFrame([{ clientId: 1000 + index, clock: 1, state: { user: { name: `nep ${index}` } } }]))
    expect(await attacker.closed).toBe(4409)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const forged = [...honest.provider.awareness.getStates().keys()].filter((id) => id >= 1000 && id < 1200)
    expect(forged).toEqual([])
  })

  it('shows the session’s name, whatever name a client claims, and refuses taking over another’s presence id', async () => {
    const slug = 'mandaat'
    const honest = client(slug)
    honest.provider.awareness.setLocalStateField('user', { name: 'Mila Lid', color: '#1f4e9c' })
    await waitForSync(honest)
    const attacker = await peer(slug)
    attacker.send(awarenessFrame([{ clientId: attacker.doc.clientID, clock: 1, state: { user: { name: 'Eva Redacteur', color: '#b3261e', email: 'eva@voorbeeld.nl' } } }]))
    await waitFor(() => honest.provider.awareness.getStates().has(attacker.doc.clientID), 5000, 'the attacker’s presence')
    expect(honest.provider.awareness.getStates().get(attacker.doc.clientID)).toEqual({ user: { name: 'Kees Kwaad', color: '#b3261e' } })
    await waitFor(() => attacker.awareness.some((states) => states.has(honest.doc.clientID)), 5000, 'the honest presence')
    // Mila's own name reaches others as her session's, too.
    const honestState = [...attacker.awareness].reverse().find((states) => states.has(honest.doc.clientID))!.get(honest.doc.clientID)
    expect(honestState).toMatchObject({ user: { name: 'Mila Lid' } })

    const thief = await peer(slug)
    thief.send(awarenessFrame([{ clientId: honest.doc.clientID, clock: 99, state: { user: { name: 'Ook Mila' } } }]))
    expect(await thief.closed).toBe(4409)
    expect(honest.provider.awareness.getStates().get(honest.doc.clientID)).toMatchObject({ user: { name: 'Mila Lid' } })

    attacker.socket.close()
    await waitFor(() => !honest.provider.awareness.getStates().has(attacker.doc.clientID), 5000, 'the closed connection’s presence removed')
  })

  it('coalesces a flood of presence changes and still delivers the last one', async () => {
    const slug = 'mandaat'
    const observer = await peer(slug, memberCookie)
    const flooder = await peer(slug)
    for (let clock = 1; clock <= 300; clock++) flooder.send(awarenessFrame([{ clientId: flooder.doc.clientID, clock, state: { cursor: clock } }]))
    await waitFor(() => observer.awareness.some((states) => (states.get(flooder.doc.clientID) as { cursor?: number } | undefined)?.cursor === 300), 5000, 'the last state')
    const seen = observer.awareness.filter((states) => states.has(flooder.doc.clientID)).length
    expect(seen).toBeLessThan(60)
    expect(flooder.socket.readyState).toBe(flooder.socket.OPEN)
  })
})

describe('odd requests (row 15)', () => {
  it('answers 400 for a bad % escape in the websocket path and 404 for other odd names', async () => {
    expect(await rawSocket(server.url, '%E0%A4%A', { Origin: server.url, Cookie: memberCookie }).refused).toBe(400)
    expect(await rawSocket(server.url, 'lobby%', { Origin: server.url, Cookie: memberCookie }).refused).toBe(400)
    expect(await rawSocket(server.url, 'lob%20by', { Origin: server.url, Cookie: memberCookie }).refused).toBe(404)
    expect((await fetch(server.url + '/healthz')).status).toBe(200)
  })

  it('the colophon has no live document: no socket, and a crafted publish POST changes nothing', async () => {
    const db = server.database.db
    expect(await rawSocket(server.url, 'colofon', { Origin: server.url, Cookie: editorCookie }).refused).toBe(404)
    const [page] = await db.select({ id: sections.id, current: sections.currentRevisionId }).from(sections).where(eq(sections.slug, 'colofon'))
    const response = await publish('colofon', 'Gekaapt colofon')
    expect(response.status).toBe(404)
    const [after] = await db.select({ current: sections.currentRevisionId }).from(sections).where(eq(sections.id, page.id))
    expect(after.current).toBe(page.current)
    expect(server.collab.loadedDocuments).not.toContain('colofon')
  })
})
