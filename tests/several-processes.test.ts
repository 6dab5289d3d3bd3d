import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import postgres from 'postgres'
import { openDatabase } from '#server/db/client'
import { documentUpdates, sections } from '#server/db/schema'
import { listRevisions } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync, type CollabClient } from './support/collab-client'
import { createTestDatabase } from './support/database'
import { createUser, sessionCookieFor } from './support/factories'
import { get, postForm } from './support/http'
import { exited, freePort, startServerEntry, startSiteProcess } from './support/site-process-control'

// Two (or three) real server processes on one real Postgres and one real Redis (REDIS_URL), as
// several machines behind a proxy run them. Postgres project only: PGlite is one process per data folder.
// Each run uses its own REDIS_PREFIX, so test files running at once never hear each other.
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const runs = process.env.TEST_DB === 'postgres'

type SiteProcess = ReturnType<typeof startSiteProcess> & { url: string; publicUrl: string; log: () => string }

/**
 * As behind a proxy, every process has the same PUBLIC_URL (that of the first): links, PDFs and the
 * Origin that forms and sockets must come from are the same whichever process answers.
 */
async function startProcesses(databaseUrl: string, prefix: string, environments: Array<Record<string, string>>, cleanups: Array<() => unknown>, publicUrl?: string) {
  const ports = await Promise.all(environments.map(() => freePort()))
  const shared = publicUrl ?? `http://127.0.0.1:${ports[0]}`
  return Promise.all(
    environments.map(async (environment, index) => {
      const port = ports[index]
      const site = startSiteProcess(port, databaseUrl, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, PUBLIC_URL: shared, ...environment })
      let log = ''
      site.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()))
      cleanups.push(() => site.child.kill('SIGKILL'))
      await site.ready
      return { ...site, url: `http://127.0.0.1:${port}`, publicUrl: shared, log: () => log } satisfies SiteProcess
    }),
  )
}

/** Every text a stored update inserts, one entry per stored row that carries it. */
function insertedTexts(update: Uint8Array) {
  return Y.decodeUpdate(update).structs.flatMap((struct) => {
    const content = (struct as { content?: { str?: string } }).content
    return typeof content?.str === 'string' ? [content.str] : []
  })
}

function presenceNames(client: CollabClient) {
  return [...client.provider.awareness.getStates().values()].map((state) => (state as { user?: { name?: string } }).user?.name)
}

describe.skipIf(!runs)('two processes sharing Postgres and Redis', () => {
  const cleanups: Array<() => unknown> = []
  const perTest: Array<() => unknown> = []
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let a: SiteProcess
  let b: SiteProcess

  beforeAll(async () => {
    database = await createTestDatabase()
    cleanups.push(() => database.close())
    // A writes nothing for a minute: whatever B's clients see of A's edits came through Redis.
    ;[a, b] = await startProcesses(database.url!, `lh-test-${randomBytes(4).toString('hex')}`, [{ TEST_WRITE_WINDOW_MS: '60000', LOG_LEVEL: 'info' }, { LOG_LEVEL: 'info' }], cleanups)
  }, 180_000)
  afterEach(async () => {
    for (const cleanup of perTest.splice(0).reverse()) await cleanup()
  })
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  const client = (site: SiteProcess, document: string, cookie: string) => {
    const connected = connectClient(site.url, document, cookie, site.publicUrl)
    perTest.push(() => connected.close())
    return connected
  }
  const member = async (name: string, role: 'member' | 'editor' | 'admin' = 'member') => {
    const user = await createUser(database.db, { role, name })
    return { user, cookie: await sessionCookieFor(database.db, user.id) }
  }

  it('edits and presence on either process reach the clients on both, and each edit is stored once', { timeout: 60_000 }, async () => {
    const anna = await member('Anna van A')
    const bram = await member('Bram van B')
    const onA = client(a, 'financiering', anna.cookie)
    const onB = client(b, 'financiering', bram.cookie)
    await Promise.all([waitForSync(onA), waitForSync(onB)])
    onA.provider.awareness.setLocalStateField('user', { name: 'wordt door de server gezet' })
    for (let index = 1; index <= 10; index++) {
      onA.addParagraph(`Regel ${index} getypt op proces A`)
      onB.addParagraph(`Regel ${index} getypt op proces B`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const all = Array.from({ length: 10 }, (_, index) => [`Regel ${index + 1} getypt op proces A`, `Regel ${index + 1} getypt op proces B`]).flat()
    await waitFor(() => all.every((line) => onA.text().includes(line) && onB.text().includes(line)), 15_000, 'every edit on both clients')
    await waitFor(() => onA.text() === onB.text(), 5000, 'the same document on both')
    // Both processes opened the new document at once: its text is there once, not once per process.
    expect(onA.text().split('In de huidige tijd is het voor vrijwilligersorganisaties').length - 1).toBe(1)
    await waitFor(() => presenceNames(onB).includes('Anna van A'), 5000, 'A’s presence on B')

    await Promise.all([a.flush('financiering'), b.flush('financiering')])
    const rows = await database.db.select({ update: documentUpdates.update }).from(documentUpdates).where(eq(documentUpdates.document, 'financiering'))
    const stored = rows.flatMap((row) => insertedTexts(row.update))
    for (const line of all) expect(stored.filter((text) => text === line), line).toHaveLength(1)
  })

  it('a process that opens a document live elsewhere catches up through Redis before its client syncs', { timeout: 30_000 }, async () => {
    const { cookie } = await member('Carla')
    const onA = client(a, 'mandaat', cookie)
    await waitForSync(onA)
    const witnessOnA = client(a, 'mandaat', cookie)
    await waitForSync(witnessOnA)
    onA.addParagraph('Alleen in het geheugen van proces A')
    // Once another client of A has it, A holds it; A has not written it (its write window is a minute),
    // and B has never loaded the document. (A fixed pause was too short on a machine loaded at 14.)
    await waitFor(() => witnessOnA.text().includes('Alleen in het geheugen van proces A'), 15_000, 'the paragraph on process A')
    const onB = client(b, 'mandaat', cookie)
    await waitForSync(onB)
    expect(onB.text()).toContain('Alleen in het geheugen van proces A')
  })

  it('publishing and restoring on one process: the other serves the new page and its editors see the restored text', { timeout: 60_000 }, async () => {
    const editor = await member('Eva Redacteur', 'editor')
    const onA = client(a, 'lobby', editor.cookie)
    await waitForSync(onA)
    const original = onA.text()
    const [first] = await listRevisions(database.db, 'lobby')
    onA.addParagraph('Gepubliceerd vanaf proces B')
    expect(await (await get(a.url, '/handreiking/lobby')).text()).not.toContain('Gepubliceerd vanaf proces B')

    const published = await postForm(b.url, '/handreiking/lobby/bewerken', { summary: 'Zin toegevoegd' }, { Cookie: editor.cookie, Origin: b.publicUrl })
    expect(published.status).toBe(302)
    // A's page cache learns of the new content version through Postgres NOTIFY.
    await waitFor(async () => (await (await get(a.url, '/handreiking/lobby')).text()).includes('Gepubliceerd vanaf proces B'), 10_000, 'A serving the page published on B')

    const restored = await postForm(b.url, '/handreiking/lobby/geschiedenis', { revisionId: String(first.id), bevestigd: 'ja' }, { Cookie: editor.cookie, Origin: b.publicUrl })
    expect(restored.status).toBe(200)
    await waitFor(() => !onA.text().includes('Gepubliceerd vanaf proces B'), 10_000, 'the restore reaching the editor on A')
    expect(onA.text()).toBe(original)
  })

  it('disabling, logging out or ending other sessions on one process closes the live sockets on the other', { timeout: 60_000 }, async () => {
    const admin = await member('Beheerder', 'admin')
    const disabled = await member('Wordt geblokkeerd')
    const endsOthers = await member('Sluit andere sessies')
    const loggingOut = await member('Logt uit')
    const closes = [disabled, endsOthers, loggingOut].map(({ cookie }) => {
      const editor = client(a, 'voor-vrijwilligers', cookie)
      const closed = new Promise<number>((resolve) => editor.provider.on('connection-close', (event) => event && resolve(event.code)))
      return { editor, closed }
    })
    await Promise.all(closes.map(({ editor }) => waitForSync(editor)))

    expect((await postForm(b.url, '/beheer/gebruikers', { intent: 'disable', userId: String(disabled.user.id) }, { Cookie: admin.cookie, Origin: b.publicUrl })).status).toBe(200)
    const otherSession = await sessionCookieFor(database.db, endsOthers.user.id)
    expect((await postForm(b.url, '/account', { intent: 'end-other-sessions' }, { Cookie: otherSession, Origin: b.publicUrl })).status).toBeLessThan(400)
    expect((await postForm(b.url, '/uitloggen', {}, { Cookie: loggingOut.cookie, Origin: b.publicUrl })).status).toBe(302)
    // Well before the periodic session check (a minute): the signal came through Redis.
    const codes = await Promise.race([Promise.all(closes.map(({ closed }) => closed)), new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))])
    expect(codes).not.toBeNull()
    expect(codes![0]).toBeGreaterThanOrEqual(4401)
    expect(codes![1]).toBe(4401)
    expect(codes![2]).toBe(4401)
  })

  it('/handreiking.pdf asked of both processes at once is rendered once', { timeout: 120_000 }, async () => {
    const [fromA, fromB] = await Promise.all([get(a.url, '/handreiking.pdf'), get(b.url, '/handreiking.pdf')])
    expect([fromA.status, fromB.status]).toEqual([200, 200])
    const [bytesA, bytesB] = [Buffer.from(await fromA.arrayBuffer()), Buffer.from(await fromB.arrayBuffer())]
    expect(bytesA.subarray(0, 5).toString()).toBe('%PDF-')
    expect(bytesA.equals(bytesB)).toBe(true)
    // These bytes were rendered once in all, by either process: by the two requests, or already in the
    // background after the earlier tests' changes (each process renders 1 s after a change, under the lock).
    const rendersOfThese = [a.log(), b.log()]
      .join('\n')
      .split('\n')
      .filter((line) => line.includes('"handbook PDF rendered"'))
      .filter((line) => JSON.parse(line).bytes === bytesA.length)
    expect(rendersOfThese).toHaveLength(1)
  })
})

describe.skipIf(!runs)('losing a process', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  // Three server processes one after another on Postgres (each: migrations, the site build) and clients typing.
  it('kill -9 of one of two processes while clients on both type: its clients move to the other and nothing is lost', { timeout: 180_000 }, async () => {
    // An empty database: both processes start at once, as two replicas do; one migrates and imports, the other waits.
    const name = `lh_test_${randomBytes(6).toString('hex')}`
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${name}`)
    cleanups.push(async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    })
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.pathname = `/${name}`
    const prefix = `lh-test-${randomBytes(4).toString('hex')}`
    // A has written nothing when it dies: what its clients typed lives only in A, in B (relayed) and in the clients.
    const [a, b] = await startProcesses(url.toString(), prefix, [{ TEST_WRITE_WINDOW_MS: '600000' }, {}], cleanups)
    const database = await openDatabase({ url: url.toString(), dataDir: '' })
    cleanups.push(() => database.close())
    expect(await database.db.$count(sections)).toBeGreaterThan(20)
    const anna = await sessionCookieFor(database.db, (await createUser(database.db, { name: 'Anna' })).id)
    const bram = await sessionCookieFor(database.db, (await createUser(database.db, { name: 'Bram' })).id)
    const dirk = await sessionCookieFor(database.db, (await createUser(database.db, { name: 'Dirk blijft weg' })).id)
    let onA = connectClient(a.url, 'financiering', anna)
    const onB = connectClient(b.url, 'financiering', bram, b.publicUrl)
    const leaves = connectClient(a.url, 'financiering', dirk)
    cleanups.push(() => onB.close(), () => leaves.close())
    await Promise.all([waitForSync(onA), waitForSync(onB), waitForSync(leaves)])
    leaves.provider.awareness.setLocalStateField('user', { name: 'x' })
    await waitFor(() => presenceNames(onB).includes('Dirk blijft weg'), 5000, 'Dirk’s presence on B')

    const typed: string[] = []
    const type = (editor: CollabClient, line: string) => {
      editor.addParagraph(line)
      typed.push(line)
    }
    for (let index = 1; index <= 5; index++) {
      type(onA, `Anna ${index} voor de crash`)
      type(onB, `Bram ${index} voor de crash`)
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
    await waitFor(() => typed.every((line) => onB.text().includes(line)), 10_000, 'A’s edits reaching B')
    a.child.kill('SIGKILL')
    await exited(a.child)
    leaves.provider.disconnect()
    for (let index = 1; index <= 5; index++) {
      type(onA, `Anna ${index} terwijl haar proces weg is`)
      type(onB, `Bram ${index} na de crash`)
    }
    // Anna's editor is pointed at the process that is left, with everything it holds.
    const annasDoc = onA.doc
    onA.provider.destroy()
    onA = connectClient(b.url, 'financiering', anna, b.publicUrl, annasDoc)
    cleanups.push(() => onA.close())
    await waitForSync(onA)
    await waitFor(() => typed.every((line) => onA.text().includes(line) && onB.text().includes(line)), 15_000, 'every edit on both clients')
    expect(onA.text()).toBe(onB.text())
    // The dead process's clients' presence goes with it (its heartbeat in Redis stops).
    await waitFor(() => !presenceNames(onB).includes('Dirk blijft weg'), 15_000, 'Dirk’s presence removed')

    // Stored, not only held in memory: B is killed too, and a fresh process reads the database alone.
    await b.flush('financiering')
    b.child.kill('SIGKILL')
    await exited(b.child)
    const [c] = await startProcesses(url.toString(), prefix, [{}], cleanups, a.publicUrl)
    const reader = connectClient(c.url, 'financiering', bram, c.publicUrl)
    cleanups.push(() => reader.close())
    await waitForSync(reader)
    for (const line of typed) expect(reader.text(), line).toContain(line)
  })
})

describe.skipIf(!runs)('Redis going away', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** A Redis of this test's own (the shared one is not ours to stop), empty on every start. */
  async function ownRedis(port: number) {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await waitFor(() => output.includes('Ready to accept connections'), 10_000, 'redis-server to start')
    return child
  }

  it('edits made while Redis was down reach the other process once it is back', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase()
    cleanups.push(() => database.close())
    const port = await freePort()
    let redis = await ownRedis(port)
    cleanups.push(() => redis.kill('SIGKILL'))
    const [a, b] = await startProcesses(database.url!, 'lh-own-redis', [{ REDIS_URL: `redis://127.0.0.1:${port}` }, { REDIS_URL: `redis://127.0.0.1:${port}` }], cleanups)
    const cookie = await sessionCookieFor(database.db, (await createUser(database.db)).id)
    const onA = connectClient(a.url, 'lobby', cookie, a.publicUrl)
    const onB = connectClient(b.url, 'lobby', cookie, b.publicUrl)
    cleanups.push(() => onA.close(), () => onB.close())
    await Promise.all([waitForSync(onA), waitForSync(onB)])
    onA.addParagraph('Voor de storing, op A')
    await waitFor(() => onB.text().includes('Voor de storing, op A'), 10_000, 'the relay working')

    redis.kill('SIGKILL')
    await exited(redis)
    onA.addParagraph('Tijdens de storing, op A')
    onB.addParagraph('Tijdens de storing, op B')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(onB.text()).not.toContain('Tijdens de storing, op A')

    redis = await ownRedis(port)
    await waitFor(() => ['A', 'B'].every((side) => onA.text().includes(`Tijdens de storing, op ${side}`) && onB.text().includes(`Tijdens de storing, op ${side}`)), 20_000, 'both sides after Redis is back')
    onB.addParagraph('Na de storing, op B')
    await waitFor(() => onA.text().includes('Na de storing, op B'), 10_000, 'the relay working again')
    expect(onA.text()).toBe(onB.text())
  })
})

describe.skipIf(runs)('REDIS_URL that does not answer', () => {
  it('the server refuses to start with one plain line, and touches nothing', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-no-redis-'))
    try {
      const nobody = await freePort()
      const server = startServerEntry({ entry: 'server', port: await freePort(), dataDir, env: { REDIS_URL: `redis://127.0.0.1:${nobody}` } })
      const { code } = await server.exit
      expect(code).toBe(1)
      expect(server.output().stderr).toContain(`Redis op redis://127.0.0.1:${nobody}`)
      expect(server.output().stderr).toContain('Er is niets gestart')
      // The database was opened first (migrations), but no site ever served: the admin socket is not left behind.
      expect(await readdir(path.join(dataDir, 'admin')).catch(() => [])).toEqual([])
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
