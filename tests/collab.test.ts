import { and, asc, desc, eq, notInArray, sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { sessionCookieName } from '#server/auth/cookies'
import { documentStates, documentUpdates, sections, users } from '#server/db/schema'
import { liveDraftText, publishRevision } from '#server/handbook/live-documents'
import { searchHandbook } from '#server/search/search'
import { connectClient, rawSocket, waitFor, waitForSync, type CollabClient } from './support/collab-client'
import { createUser, sessionCookieFor } from './support/factories'
import { startTestServer, type TestServer } from './support/server'

let server: TestServer
let memberCookie: string
const clients: CollabClient[] = []
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50, unloadAfterMs: 300 } })
  memberCookie = await sessionCookieFor(server.database.db, (await createUser(server.database.db, { role: 'member', name: 'Mila Lid' })).id)
})
afterAll(async () => {
  clients.forEach((client) => client.close())
  await server.close()
})

/** A section no test has opened yet: not in memory, nothing stored. */
async function untouchedSection() {
  const [{ slug }] = await server.database.db
    .select({ slug: sections.slug })
    .from(sections)
    .where(and(eq(sections.kind, 'section'), notInArray(sections.slug, server.collab.loadedDocuments), sql`not exists (select 1 from document_updates where document = ${sections.slug})`, sql`not exists (select 1 from document_states where document = ${sections.slug})`))
    .orderBy(desc(sections.id))
    .limit(1)
  return slug
}

/** How many of this database's backends wait in this way (Postgres only). */
async function backendsWaiting(condition: ReturnType<typeof sql>) {
  const rows = (await server.database.db.execute(sql`select count(*) as count from pg_stat_activity where ${condition} and datname = current_database()`)) as unknown as Array<{ count: string }>
  return Number(rows[0].count)
}

/** Session lookups wait behind a lock (the document tables do not) until the returned function is called. */
async function holdSessionChecks() {
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  let locked = () => {}
  const lockTaken = new Promise<void>((resolve) => (locked = resolve))
  const lock = server.database.db.transaction(async (tx) => {
    await tx.execute(sql`lock table sessions in access exclusive mode`)
    locked()
    await held
  })
  await lockTaken
  return async () => {
    release()
    await lock
  }
}

function client(document: string, cookie = memberCookie) {
  const connected = connectClient(server.url, document, cookie)
  clients.push(connected)
  return connected
}

describe('live editing over the y-websocket protocol', () => {
  it('starts a document from the section’s published text', async () => {
    const reader = client('lobby')
    await waitForSync(reader)
    expect(reader.text()).toContain('Om voldoende (project)financiering binnen te halen')
  })

  it('converges when several clients edit at the same time', async () => {
    const [a, b, c] = [client('mandaat'), client('mandaat'), client('mandaat')]
    await Promise.all([a, b, c].map(waitForSync))
    for (let round = 0; round < 5; round++) {
      a.addParagraph(`A schrijft ${round}`)
      b.addParagraph(`B schrijft ${round}`)
      c.addParagraph(`C schrijft ${round}`)
    }
    await waitFor(() => [a, b, c].every((each) => each.text() === a.text() && (a.text().match(/schrijft/g)?.length ?? 0) === 15), 10_000, 'convergence')
    expect(b.text()).toBe(a.text())
    expect(c.text()).toBe(a.text())
  })

  it('keeps every update in Postgres and compacts it when the document leaves memory', async () => {
    const writer = client('rol-gemeente')
    await waitForSync(writer)
    writer.addParagraph('Bewaard in de database')
    await waitFor(async () => (await server.database.db.select().from(documentUpdates).where(eq(documentUpdates.document, 'rol-gemeente'))).length > 0, 5000, 'update stored')
    writer.close()
    await waitFor(() => !server.collab.loadedDocuments.includes('rol-gemeente'), 5000, 'unload')
    expect(await server.database.db.select().from(documentUpdates).where(eq(documentUpdates.document, 'rol-gemeente'))).toHaveLength(0)
    const [state] = await server.database.db.select().from(documentStates).where(eq(documentStates.document, 'rol-gemeente'))
    expect(state.state.length).toBeGreaterThan(100)
    const reader = client('rol-gemeente')
    await waitForSync(reader)
    expect(reader.text()).toContain('Bewaard in de database')
  })

  it.skipIf(process.env.TEST_DB !== 'postgres')('a client that joins while the document is being written on its way out of memory keeps it, and its edits', async () => {
    const db = server.database.db
    const slug = await untouchedSection()
    const first = client(slug)
    await waitForSync(first)
    first.addParagraph('Geschreven voor het uitladen')
    await waitFor(async () => (await db.select().from(documentUpdates).where(eq(documentUpdates.document, slug))).length > 0, 5000, 'the edit stored')
    await new Promise((resolve) => setTimeout(resolve, 200))
    // From here the final compaction's write takes a second: the unload is under way when the next client comes.
    await db.execute(sql`create function slow_document_states() returns trigger language plpgsql as $$ begin perform pg_sleep(1); return null; end $$`)
    await db.execute(sql`create trigger slow_document_states after insert or update on document_states for each statement execute function slow_document_states()`)
    const sleeping = () => backendsWaiting(sql`wait_event = 'PgSleep'`)
    try {
      first.close()
      await waitFor(async () => (await sleeping()) > 0, 5000, 'the unload writing')
      const second = client(slug)
      const closes: number[] = []
      second.provider.on('connection-close', (event: CloseEvent | null) => event && closes.push(event.code))
      await waitForSync(second)
      second.addParagraph('Getypt terwijl het document werd uitgeladen')
      await waitFor(async () => (await sleeping()) === 0, 5000, 'the unload’s write ending')
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(closes).toEqual([])
      expect(server.collab.loadedRoom(slug)).toBeDefined()
      expect(await liveDraftText(server.collab, slug)).toContain('Getypt terwijl het document werd uitgeladen')
    } finally {
      await db.execute(sql`drop trigger slow_document_states on document_states`)
      await db.execute(sql`drop function slow_document_states()`)
    }
  })

  it.skipIf(process.env.TEST_DB !== 'postgres')('a document read beside a slow session check is read again when it left memory meanwhile with a last edit', async () => {
    const db = server.database.db
    const slug = await untouchedSection()
    // A session not looked up before: its check goes to the database.
    const cookie = await sessionCookieFor(db, (await createUser(db, { role: 'member', name: 'Tom Traag' })).id)
    const release = await holdSessionChecks()
    let late: CollabClient | undefined
    try {
      late = client(slug, cookie)
      await waitFor(async () => (await backendsWaiting(sql`wait_event_type = 'Lock'`)) > 0, 5000, 'the session check waiting')
      // Meanwhile the document is opened, edited and written on its way out (a publish does this much).
      const room = (await server.collab.open(slug))!
      room.transact((doc) => {
        const paragraph = new Y.XmlElement('paragraph')
        paragraph.insert(0, [new Y.XmlText('Tussendoor geschreven')])
        doc.getXmlFragment('default').insert(0, [paragraph])
      })
      await waitFor(() => !server.collab.loadedDocuments.includes(slug), 10_000, 'unload')
    } finally {
      await release()
    }
    await waitForSync(late)
    expect(late.text()).toContain('Tussendoor geschreven')
  })

  it.skipIf(process.env.TEST_DB !== 'postgres')('sockets arriving one by one while their session is checked share one read of the document', async () => {
    const db = server.database.db
    const slug = await untouchedSection()
    const cookie = await sessionCookieFor(db, (await createUser(db, { role: 'member', name: 'Ria Rij' })).id)
    const reads = vi.spyOn(db, 'execute')
    const readsOfStored = () => reads.mock.calls.filter(([query]) => new PgDialect().sqlToQuery(query as SQL).sql.includes('"document_states"')).length
    const release = await holdSessionChecks()
    const joining: CollabClient[] = []
    try {
      // Five members' browsers, each in its own moment (not one batch), all waiting for the session check.
      for (let index = 0; index < 5; index++) {
        joining.push(client(slug, cookie))
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
      await waitFor(async () => (await backendsWaiting(sql`wait_event_type = 'Lock'`)) > 0, 5000, 'the session check waiting')
    } finally {
      await release()
    }
    await Promise.all(joining.map((member) => waitForSync(member)))
    const count = readsOfStored()
    reads.mockRestore()
    expect(count).toBe(1)
    for (const member of joining) expect(member.text()).toBe(joining[0].text())
  })

  it.skipIf(process.env.TEST_DB !== 'postgres')('members arriving together are checked in one query, each socket for its own session', async () => {
    const db = server.database.db
    const slug = await untouchedSection()
    const members = await Promise.all(Array.from({ length: 4 }, async (_, index) => sessionCookieFor(db, (await createUser(db, { role: 'member', name: `Lid ${index}` })).id)))
    const disabled = await createUser(db, { role: 'member', name: 'Uitgeschakeld' })
    const disabledCookie = await sessionCookieFor(db, disabled.id)
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.id))
    // Well-formed, but no such session; and a real session id with the wrong secret.
    const madeUp = `${'b'.repeat(32)}.${'c'.repeat(32)}`
    const wrongSecret = `${members[0].split('=')[1].split('.')[0]}.${'d'.repeat(32)}`
    const headers = (token: string) => ({ Cookie: token.includes('=') ? token : `${sessionCookieName}=${token}`, Origin: server.url })
    const release = await holdSessionChecks()
    let joining: CollabClient[] = []
    let refused: Array<ReturnType<typeof rawSocket>> = []
    let waitingQueries: number
    try {
      joining = members.map((cookie) => client(slug, cookie))
      refused = [disabledCookie, madeUp, wrongSecret].map((token) => rawSocket(server.url, slug, headers(token)))
      await waitFor(async () => (await backendsWaiting(sql`wait_event_type = 'Lock'`)) > 0, 5000, 'the session check waiting')
      await new Promise((resolve) => setTimeout(resolve, 300))
      // Seven sessions, one query waiting for them (one each would be seven, and hold seven of the pool's connections).
      waitingQueries = await backendsWaiting(sql`wait_event_type = 'Lock'`)
    } finally {
      await release()
    }
    expect(waitingQueries).toBe(1)
    await Promise.all(joining.map((member) => waitForSync(member)))
    expect(await Promise.all(refused.map((socket) => socket.refused))).toEqual([401, 401, 401])
    // Each socket is its own member: the server names every presence after its session's user.
    for (const member of joining) member.provider.awareness.setLocalStateField('cursor', null)
    await waitFor(() => joining.every((member) => new Set([...member.provider.awareness.getStates().values()].map((state) => state.user?.name)).size >= 4), 5000, 'everyone present')
  })

  it('documents opened at the same moment (read together) each get their own text: state and tail, or the published text', async () => {
    const db = server.database.db
    const slugs = (await db.select({ slug: sections.slug }).from(sections).where(and(eq(sections.kind, 'section'), notInArray(sections.slug, ['lobby', 'mandaat', 'rol-gemeente']))).orderBy(asc(sections.id)).limit(12)).map((row) => row.slug)
    expect(slugs).toHaveLength(12)
    const stored = slugs.slice(0, 6)
    // Half were edited before: a compacted state, then an update row after it (the tail).
    await Promise.all(
      stored.map(async (slug) => {
        const writer = client(slug)
        await waitForSync(writer)
        writer.addParagraph(`Eerder [${slug}]`)
        await waitFor(() => server.collab.loadedRoom(slug)?.doc.getXmlFragment('default').toString().includes(`Eerder [${slug}]`) ?? false, 10_000, 'the edit on the server')
        writer.close()
        await waitFor(() => !server.collab.loadedDocuments.includes(slug), 10_000, 'unload')
        const [state] = await db.select().from(documentStates).where(eq(documentStates.document, slug))
        const doc = new Y.Doc()
        Y.applyUpdate(doc, state.state)
        const before = Y.encodeStateVector(doc)
        const paragraph = new Y.XmlElement('paragraph')
        paragraph.insert(0, [new Y.XmlText(`Staart [${slug}]`)])
        doc.getXmlFragment('default').insert(0, [paragraph])
        await db.insert(documentUpdates).values({ document: slug, update: Y.encodeStateAsUpdate(doc, before) })
      }),
    )
    const readers = slugs.map((slug) => client(slug))
    await Promise.all(readers.map(waitForSync))
    readers.forEach((reader, index) => {
      const slug = slugs[index]
      const mine = index < stored.length
      expect(reader.text().includes(`Eerder [${slug}]`), slug).toBe(mine)
      expect(reader.text().includes(`Staart [${slug}]`), slug).toBe(mine)
      expect(reader.text().length, slug).toBeGreaterThan(0)
      for (const other of slugs) if (other !== slug) expect(reader.text(), slug).not.toContain(`[${other}]`)
    })
    // Started from the published text: each stores it, once, within the write window.
    for (const slug of slugs.slice(stored.length)) {
      await waitFor(async () => (await db.select().from(documentUpdates).where(eq(documentUpdates.document, slug))).length > 0, 5000, `first content of ${slug} stored`)
      expect(await db.select().from(documentUpdates).where(eq(documentUpdates.document, slug))).toHaveLength(1)
      expect(await db.select().from(documentStates).where(eq(documentStates.document, slug))).toHaveLength(0)
    }
  })

  it('members see when the draft differs from what is published; visitors do not', async () => {
    const writer = client('centraal-contactpunt')
    await waitForSync(writer)
    const before = await (await fetch(server.url + '/handreiking/centraal-contactpunt', { headers: { Cookie: memberCookie } })).text()
    expect(before).not.toContain('nog niet gepubliceerd')
    writer.addParagraph('Een concept dat nog niet gepubliceerd is.')
    await waitFor(async () => (await (await fetch(server.url + '/handreiking/centraal-contactpunt', { headers: { Cookie: memberCookie } })).text()).includes('nog niet gepubliceerd'), 5000, 'draft badge')
    const visitor = await (await fetch(server.url + '/handreiking/centraal-contactpunt')).text()
    expect(visitor).not.toContain('nog niet gepubliceerd')
    expect(visitor).not.toContain('Een concept dat nog niet gepubliceerd is.')
  })

  it('publishing makes the draft the public text and searchable', async () => {
    const writer = client('sociale-kaart')
    await waitForSync(writer)
    writer.addParagraph('Het zeldzame woord kwartiermaker staat nu in de sociale kaart.')
    // On the server, not just in the writer's own copy: a busy machine can take longer than any write window.
    await waitFor(async () => (await liveDraftText(server.collab, 'sociale-kaart'))?.includes('kwartiermaker') ?? false, 20_000, 'the edit reaching the server')
    const editor = await createUser(server.database.db, { role: 'editor', name: 'Eva Redacteur' })
    const revision = await publishRevision(server.database.db, server.collab, { slug: 'sociale-kaart', summary: 'Kwartiermaker toegevoegd', publisherId: editor.id })
    expect(revision?.authors).toContain('Mila Lid')
    // A publish outside a request reaches the page cache through the database's NOTIFY: soon, not at once.
    await waitFor(async () => (await (await fetch(server.url + '/handreiking/sociale-kaart')).text()).includes('kwartiermaker staat nu in de sociale kaart'), 20_000, 'the published text on the page')
    const found = await searchHandbook(server.database.db, 'kwartiermaker')
    expect(found.results.map((result) => result.slug)).toContain('sociale-kaart')
  })
})

describe('who may connect', () => {
  it('refuses visitors (401), a foreign Origin (403) and unknown documents (404) before the upgrade', async () => {
    expect(await rawSocket(server.url, 'lobby', { Origin: server.url }).refused).toBe(401)
    expect(await rawSocket(server.url, 'lobby', { Origin: 'https://kwaadwillend.example', Cookie: memberCookie }).refused).toBe(403)
    expect(await rawSocket(server.url, 'lobby', { Cookie: memberCookie }).refused).toBe(403)
    expect(await rawSocket(server.url, 'bestaat-niet', { Origin: server.url, Cookie: memberCookie }).refused).toBe(404)
    expect(await rawSocket(server.url, '..%2F..%2Fetc', { Origin: server.url, Cookie: memberCookie }).refused).toBe(404)
  })

  it('a made-up session cookie leaves nothing behind: the document read beside the check is neither kept nor written', async () => {
    const db = server.database.db
    const slug = await untouchedSection()
    const madeUp = `${memberCookie.split('=')[0]}=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`
    const refusals = await Promise.all(Array.from({ length: 5 }, () => rawSocket(server.url, slug, { Origin: server.url, Cookie: madeUp }).refused))
    expect(refusals).toEqual([401, 401, 401, 401, 401])
    expect(server.collab.loadedDocuments).not.toContain(slug)
    // Longer than the write window: a first content built for a refused socket would be stored by now.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await db.select().from(documentUpdates).where(eq(documentUpdates.document, slug))).toHaveLength(0)
    // A member opening it afterwards gets the published text, stored once.
    const member = client(slug)
    await waitForSync(member)
    expect(member.text().length).toBeGreaterThan(0)
    await waitFor(async () => (await db.select().from(documentUpdates).where(eq(documentUpdates.document, slug))).length === 1, 5000, 'first content stored')
    member.close()
  })
})

describe('robustness', () => {
  it('drops a peer that stops answering pings', async () => {
    const pinging = await startTestServer({ database: server.database, collab: { pingIntervalMs: 100 } })
    const { default: WebSocket } = await import('ws')
    const silent = new WebSocket(pinging.url.replace('http', 'ws') + '/collab/lobby', { headers: { Origin: pinging.url, Cookie: memberCookie }, autoPong: false })
    await new Promise((resolve) => silent.once('open', resolve))
    const closed = await new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)))
    expect(closed).toBe(1006)
    await pinging.closeSite()
  })

  it('closes a socket that sends garbage; the document and other clients go on', async () => {
    const healthy = client('financiering')
    await waitForSync(healthy)
    for (const garbage of [Buffer.from([0, 2, 200, 1, 2, 3]), Buffer.from([9, 9, 9]), Buffer.from([0, 0, 5, 1, 2]), Buffer.from('tekst')]) {
      const bad = rawSocket(server.url, 'financiering', { Origin: server.url, Cookie: memberCookie })
      await bad.opened
      bad.socket.send(garbage, { binary: typeof garbage !== 'string' })
      expect(await bad.closed).toBe(1007)
    }
    const other = client('financiering')
    await waitForSync(other)
    healthy.addParagraph('Nog steeds in orde')
    await waitFor(() => other.text().includes('Nog steeds in orde'))
  })

  it('closes a socket that sends more than 2 MB at once', async () => {
    const big = rawSocket(server.url, 'financiering', { Origin: server.url, Cookie: memberCookie })
    await big.opened
    const before = process.memoryUsage().rss
    big.socket.send(Buffer.alloc(2 * 1024 * 1024 + 1))
    expect(await big.closed).toBe(1009)
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024)
    expect((await fetch(server.url + '/healthz')).status).toBe(200)
  })
})
