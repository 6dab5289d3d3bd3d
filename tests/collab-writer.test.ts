import { asc, eq, sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { storeWrite } from '#server/collab/persistence'
import { documentContributors, documentStates, documentUpdates, sections } from '#server/db/schema'
import { connectClient, waitFor, waitForSync, type CollabClient } from './support/collab-client'
import { createImportedDatabase } from './support/database'
import { createUser, sessionCookieFor } from './support/factories'
import { startTestServer, type TestServer } from './support/server'

// Compaction off (a huge threshold, documents stay loaded): the rows each write stored stay as they were.
let server: TestServer
let cookie: string
let userId: number
let slugs: string[]
let databaseUrl: string | undefined
const clients: CollabClient[] = []
beforeAll(async () => {
  const database = await createImportedDatabase()
  databaseUrl = database.url
  server = await startTestServer({ database, collab: { writeWindowMs: 50, compactAfterUpdates: 100_000, unloadAfterMs: 600_000 } })
  userId = (await createUser(server.database.db, { name: 'Wim Schrijver' })).id
  cookie = await sessionCookieFor(server.database.db, userId)
  slugs = (await server.database.db.select({ slug: sections.slug }).from(sections).where(eq(sections.kind, 'section')).orderBy(asc(sections.id))).map((row) => row.slug)
})
afterAll(async () => {
  clients.splice(0).forEach((client) => client.close())
  await server.close()
})

function client(document: string, base = server.url) {
  const connected = connectClient(base, document, cookie)
  clients.push(connected)
  return connected
}

const rowsOf = (db: TestServer['database']['db'], document: string) =>
  db.select({ id: documentUpdates.id, update: documentUpdates.update, createdAt: documentUpdates.createdAt }).from(documentUpdates).where(eq(documentUpdates.document, document)).orderBy(asc(documentUpdates.id))

/** The document as stored: its state row and every update row, replayed into a fresh doc. */
async function storedDoc(db: TestServer['database']['db'], document: string) {
  const doc = new Y.Doc()
  const [state] = await db.select().from(documentStates).where(eq(documentStates.document, document))
  if (state) Y.applyUpdate(doc, state.state)
  for (const row of await rowsOf(db, document)) Y.applyUpdate(doc, row.update)
  return doc
}

const paragraphs = (doc: Y.Doc) =>
  doc
    .getXmlFragment('default')
    .toArray()
    .map((node) => (node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : '')).join('') : ''))

/**
 * Every struct a client made is in exactly one stored row, in order: walking the rows by id, the
 * client's clock ranges follow each other without gap or overlap, from 0 to the client's own clock.
 */
function expectStoredOnceInOrder(rows: Array<{ update: Uint8Array }>, writer: CollabClient) {
  const id = writer.doc.clientID
  let next = 0
  for (const row of rows) {
    for (const struct of Y.decodeUpdate(row.update).structs) {
      if (struct.id.client !== id || struct instanceof Y.Skip) continue
      expect(struct.id.clock, `client ${id}: a struct stored twice, out of order or missing`).toBe(next)
      next = struct.id.clock + struct.length
    }
  }
  expect(next).toBe(Y.getState(writer.doc.store, id))
}

describe('the write loop', () => {
  it('stores every update of 20 documents exactly once, in order, several documents per write', async () => {
    const documents = slugs.slice(0, 20)
    const writers = documents.map((document) => [client(document), client(document), client(document)])
    await Promise.all(writers.flat().map(waitForSync))
    for (let round = 0; round < 5; round++) {
      writers.forEach((perDocument, d) => perDocument.forEach((writer, w) => writer.addParagraph(`Document ${d} schrijver ${w} ronde ${round}`)))
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
    await waitFor(() => writers.every((perDocument) => perDocument.every((writer) => writer.text().split('ronde').length - 1 === 15 && writer.text() === perDocument[0].text())), 30_000, 'every client seeing all 15 paragraphs')
    await (await server.collab.open(documents[0]))!.flush()

    const writes = new Map<number, Set<string>>()
    for (const [d, document] of documents.entries()) {
      const rows = await rowsOf(server.database.db, document)
      for (const writer of writers[d]) expectStoredOnceInOrder(rows, writer)
      // What is stored reads exactly as what the clients see.
      expect(paragraphs(await storedDoc(server.database.db, document))).toEqual(paragraphs(writers[d][0].doc))
      for (const row of rows) writes.set(row.createdAt.getTime(), (writes.get(row.createdAt.getTime()) ?? new Set()).add(document))
    }
    // Rows of one transaction share its start time: documents were written together, not one transaction each.
    expect(Math.max(...[...writes.values()].map((documentsInWrite) => documentsInWrite.size))).toBeGreaterThan(1)
    const contributors = await server.database.db.select().from(documentContributors).where(eq(documentContributors.userId, userId))
    expect(contributors.map((row) => row.document).sort()).toEqual([...documents].sort())
  })

  it('keeps what arrives while the database refuses writes, retries, and stores it once when it is back', async () => {
    const document = slugs[20]
    const [a, b] = [client(document), client(document)]
    await Promise.all([a, b].map(waitForSync))
    const db = server.database.db
    // The document's first content (its published text) is written like any edit: wait for it.
    await waitFor(async () => (await rowsOf(db, document)).length > 0, 10_000, 'the first content stored')
    const before = (await rowsOf(db, document)).length
    // A sequence counts the attempts: nextval survives the rollback of the failed write.
    await db.execute(sql`create sequence refused_writes`)
    await db.execute(sql`create function refuse_document_updates() returns trigger language plpgsql as $$ begin perform nextval('refused_writes'); raise exception 'schrijven kapot (test)'; end $$`)
    await db.execute(sql`create trigger refuse_document_updates before insert on document_updates for each statement execute function refuse_document_updates()`)
    try {
      // Typing goes on for a second, longer than the first retries' pauses.
      for (let round = 0; round < 15; round++) {
        a.addParagraph(`A tijdens storing ${round}`)
        b.addParagraph(`B tijdens storing ${round}`)
        await new Promise((resolve) => setTimeout(resolve, 60))
      }
      // Editing goes on while nothing can be stored.
      await waitFor(() => a.text().includes('B tijdens storing 14') && b.text().includes('A tijdens storing 14'), 10_000, 'edits passing between clients during the failure')
      // Several failed writes (back-off 100, 200, 400, 800 ms); a failed write stores nothing at all.
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(await rowsOf(db, document)).toHaveLength(before)
      // Retried, with growing pauses (not once per 50 ms window while edits keep coming).
      const [{ attempts }] = await db.select({ attempts: sql<number>`last_value` }).from(sql`refused_writes`)
      expect(Number(attempts)).toBeGreaterThanOrEqual(2)
      expect(Number(attempts)).toBeLessThanOrEqual(10)
    } finally {
      await db.execute(sql`drop trigger refuse_document_updates on document_updates`)
      await db.execute(sql`drop function refuse_document_updates()`)
      await db.execute(sql`drop sequence refused_writes`)
    }
    a.addParagraph('A na de storing')
    await waitFor(() => b.text().includes('A na de storing'), 10_000, 'the edit after the failure')
    await waitFor(async () => paragraphs(await storedDoc(db, document)).includes('A na de storing'), 30_000, 'the retried write')
    await (await server.collab.open(document))!.flush()
    const rows = await rowsOf(db, document)
    expectStoredOnceInOrder(rows, a)
    expectStoredOnceInOrder(rows, b)
    expect(paragraphs(await storedDoc(db, document))).toEqual(paragraphs(a.doc))
  })

  it('a write sent again after its commit went through (the answer was lost) stores nothing twice', async () => {
    const db = server.database.db
    const rows = [
      { document: 'herhaalde-schrijfactie', update: new Uint8Array([0, 0]), writeKey: 'test-herhaald-1' },
      { document: 'herhaalde-schrijfactie', update: new Uint8Array([0, 0]), writeKey: 'test-herhaald-2' },
    ]
    await storeWrite(db, rows, [])
    await storeWrite(db, [...rows, { document: 'herhaalde-schrijfactie', update: new Uint8Array([0, 0]), writeKey: 'test-herhaald-3' }], [{ document: 'herhaalde-schrijfactie', userId, at: new Date() }])
    expect((await rowsOf(db, 'herhaalde-schrijfactie')).length).toBe(3)
  })

  it('stores each update byte for byte and in the order given: a large edit, and one cut out of the message it came in', async () => {
    const db = server.database.db
    const large = new Y.Doc()
    large.getXmlFragment('default').insert(0, Array.from({ length: 3000 }, (_, index) => {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText(`Alinea ${index}: afspraken over wie wat doet — “citaat” ü`)])
      return paragraph
    }))
    const largeUpdate = Y.encodeStateAsUpdate(large)
    // As the room hands updates over: a view into the received message, not a buffer of its own.
    const message = new Uint8Array([0, 2, 9, 9, ...largeUpdate.subarray(0, 50), 7, 7])
    const cut = message.subarray(4, 54)
    const rows = [
      { document: 'bytes-groot', update: largeUpdate, writeKey: 'test-bytes-1' },
      { document: 'bytes-uitgesneden', update: cut, writeKey: 'test-bytes-2' },
      { document: 'bytes-groot', update: new Uint8Array([1, 2, 3]), writeKey: 'test-bytes-3' },
    ]
    await storeWrite(db, rows, [])
    const big = await rowsOf(db, 'bytes-groot')
    expect(big.map((row) => Buffer.from(row.update).equals(Buffer.from(largeUpdate)) || [...row.update].join())).toEqual([true, '1,2,3'])
    expect(big[0].id).toBeLessThan(big[1].id)
    expect([...(await rowsOf(db, 'bytes-uitgesneden'))[0].update]).toEqual([...largeUpdate.subarray(0, 50)])
  })
})

describe('who edited', () => {
  it('is kept in memory between writes and written on a clean shutdown', async () => {
    const database = await createImportedDatabase()
    const own = await startTestServer({ database, collab: { writeWindowMs: 30, contributorsEveryMs: 600_000, unloadAfterMs: 600_000 } })
    try {
      const editor = await createUser(database.db, { name: 'Cor Credits' })
      const writer = connectClient(own.url, 'lobby', await sessionCookieFor(database.db, editor.id))
      await waitForSync(writer)
      writer.addParagraph('Een bijdrage die op naam moet komen')
      await waitFor(async () => paragraphs(await storedDoc(database.db, 'lobby')).includes('Een bijdrage die op naam moet komen'), 10_000, 'the edit stored')
      // The update is written; the credit waits (written every 10 minutes here, not with every update).
      expect(await database.db.select().from(documentContributors).where(eq(documentContributors.userId, editor.id))).toHaveLength(0)
      writer.close()
      await own.closeSite()
      const credited = await database.db.select().from(documentContributors).where(eq(documentContributors.userId, editor.id))
      expect(credited.map((row) => row.document)).toEqual(['lobby'])
    } finally {
      await database.close()
    }
  })
})

describe('compaction with two processes appending to one document', () => {
  it('folds what both stored: neither process’s edits are lost', async () => {
    // Two collab servers on one database, as two processes are (without a relay between them each
    // holds only its own clients' edits in memory; the rows hold everyone's). Compaction every 3 rows.
    const database = await createImportedDatabase()
    const timing = { writeWindowMs: 30, compactAfterUpdates: 3, unloadAfterMs: 200 }
    const [one, two] = [await startTestServer({ database, collab: timing }), await startTestServer({ database, collab: timing })]
    try {
      const memberCookie = await sessionCookieFor(database.db, (await createUser(database.db)).id)
      const document = 'financiering'
      const [a, b] = [connectClient(one.url, document, memberCookie), connectClient(two.url, document, memberCookie)]
      await Promise.all([a, b].map(waitForSync))
      for (let round = 0; round < 12; round++) {
        a.addParagraph(`Via proces een ${round}`)
        b.addParagraph(`Via proces twee ${round}`)
        await new Promise((resolve) => setTimeout(resolve, 40))
      }
      a.close()
      b.close()
      // Both unload (final write, then compaction under the lock: one at a time).
      await waitFor(() => !one.collab.loadedDocuments.includes(document) && !two.collab.loadedDocuments.includes(document), 15_000, 'both unloading')
      const stored = (await storedDoc(database.db, document)).getXmlFragment('default').toString()
      for (let round = 0; round < 12; round++) {
        expect(stored).toContain(`Via proces een ${round}`)
        expect(stored).toContain(`Via proces twee ${round}`)
      }
      // And a client opening it afresh gets both.
      const reader = connectClient(one.url, document, memberCookie)
      await waitForSync(reader)
      expect(reader.text()).toContain('Via proces een 11')
      expect(reader.text()).toContain('Via proces twee 11')
      reader.close()
    } finally {
      await one.closeSite()
      await two.closeSite()
      await database.close()
    }
  })
})

describe('compaction runs on one process at a time', () => {
  // Needs a second connection holding the lock, as another process would: real Postgres only (PGlite has one session).
  it.skipIf(process.env.TEST_DB !== 'postgres')('skips a document whose compaction lock another process holds, and compacts it once the lock is free', async () => {
    const document = slugs[22]
    const writer = client(document)
    await waitForSync(writer)
    writer.addParagraph('Geschreven terwijl een ander proces compacteert')
    const room = (await server.collab.open(document))!
    await room.flush()
    const other = postgres(databaseUrl!, { max: 1, onnotice: () => {} })
    try {
      await other`select pg_advisory_lock(7100015, hashtext(${document}))`
      await room.persistAndCompact()
      expect((await rowsOf(server.database.db, document)).length).toBeGreaterThan(0)
      await other`select pg_advisory_unlock(7100015, hashtext(${document}))`
      await room.persistAndCompact()
      expect(await rowsOf(server.database.db, document)).toHaveLength(0)
      expect(paragraphs(await storedDoc(server.database.db, document))).toEqual(paragraphs(writer.doc))
    } finally {
      await other.end()
    }
  })
})

describe('a meeting starting', () => {
  // 300 y-websocket clients in this test process, each syncing the section (a few kB) and then
  // receiving one edit: seconds on an idle machine, far more with both CPUs busy elsewhere.
  it('300 sockets joining one document at once are all synced and all get the next edit', { timeout: 180_000 }, async () => {
    const document = slugs[21]
    const crowd = Array.from({ length: 300 }, () => client(document))
    await waitFor(() => crowd.every((member) => member.provider.synced), 120_000, 'all 300 synced')
    const published = crowd[0].text()
    expect(published.length).toBeGreaterThan(100)
    expect(crowd.every((member) => member.text() === published)).toBe(true)
    crowd[0].addParagraph('De vergadering begint')
    await waitFor(() => crowd.every((member) => member.text().includes('De vergadering begint')), 60_000, 'the edit reaching all 300')
    crowd.forEach((member) => member.close())
  })
})
