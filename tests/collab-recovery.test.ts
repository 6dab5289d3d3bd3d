import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { liveDraftText, publishRevision, restoreRevision } from '#server/handbook/live-documents'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { createImportedDatabase, openTestDataDir } from './support/database'
import { createUser, sessionCookieFor } from './support/factories'
import { startTestServer } from './support/server'
import { exited, freePort, startSiteProcess } from './support/site-process-control'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('nothing typed is lost', () => {
  it('survives a restart: what the server received is there afterwards', async () => {
    const database = await createImportedDatabase()
    cleanups.push(() => database.close())
    let server = await startTestServer({ database, collab: { writeWindowMs: 50 } })
    const cookie = await sessionCookieFor(database.db, (await createUser(database.db)).id)
    const writer = connectClient(server.url, 'lobby', cookie)
    await waitForSync(writer)
    writer.addParagraph('Geschreven voor de herstart')
    await waitFor(async () => (await liveDraftText(server.collab, 'lobby'))?.includes('Geschreven voor de herstart') ?? false, 10_000, 'the edit reaching the server')
    writer.close()
    await server.closeSite()

    server = await startTestServer({ database })
    cleanups.push(() => server.closeSite())
    const reader = connectClient(server.url, 'lobby', cookie)
    cleanups.push(() => reader.close())
    await waitForSync(reader)
    expect(reader.text()).toContain('Geschreven voor de herstart')
  })

  // Two server processes in turn, each opening a database on disk (PGlite: WebAssembly start,
  // migrations, content import — 5–10 s each alone, several times that with both CPUs busy).
  it('after kill -9 mid-edit, reconnecting clients send their edits again and nothing is lost', { timeout: 150_000 }, async () => {
    const { location, cookie } = await crashTestDatabase()
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`

    let server = startSiteProcess(port, location)
    cleanups.push(() => server.child.kill('SIGKILL'))
    await server.ready

    const writer = connectClient(baseUrl, 'lobby', cookie)
    cleanups.push(() => writer.close())
    const watcher = connectClient(baseUrl, 'lobby', cookie)
    cleanups.push(() => watcher.close())
    await Promise.all([waitForSync(writer), waitForSync(watcher)])
    writer.addParagraph('Eerste zin, ruim voor de crash')
    // Stored: the server has it (it passed it on to the watcher) and has written it.
    await waitFor(() => watcher.text().includes('Eerste zin, ruim voor de crash'), 20_000, 'the first edit reaching the server')
    await server.flush('lobby')
    watcher.close()
    writer.addParagraph('Laatste zin, vlak voor de crash')
    server.child.kill('SIGKILL')
    await exited(server.child)
    writer.provider.disconnect()
    writer.addParagraph('Getypt terwijl de server weg was')

    server = startSiteProcess(port, location)
    await server.ready
    // What the server had stored before the crash (older than its write window) is there on its own.
    const reader = connectClient(baseUrl, 'lobby', cookie)
    cleanups.push(() => reader.close())
    await waitForSync(reader)
    expect(reader.text()).toContain('Eerste zin, ruim voor de crash')
    expect(reader.text()).not.toContain('Getypt terwijl de server weg was')

    // The writer comes back and sends what the server lacks: nothing typed is lost.
    writer.provider.connect()
    await waitFor(() => reader.text().includes('Getypt terwijl de server weg was'), 30_000, 'edits after reconnect')
    expect(reader.text()).toContain('Laatste zin, vlak voor de crash')
  })

  it('after kill -9 before a new document was ever written, it starts again from the same text: clients that reconnect do not get it twice', { timeout: 150_000 }, async () => {
    const { location, cookie } = await crashTestDatabase()
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    // A write window of ten minutes: the first content of the document is only in memory when the process dies.
    let server = startSiteProcess(port, location, { TEST_WRITE_WINDOW_MS: '600000' })
    cleanups.push(() => server.child.kill('SIGKILL'))
    await server.ready
    const writer = connectClient(baseUrl, 'mandaat', cookie)
    cleanups.push(() => writer.close())
    await waitForSync(writer)
    const published = writer.text()
    expect(published.length).toBeGreaterThan(200)
    writer.addParagraph('Getypt voor de crash')
    server.child.kill('SIGKILL')
    await exited(server.child)
    writer.provider.disconnect()

    server = startSiteProcess(port, location)
    await server.ready
    const reader = connectClient(baseUrl, 'mandaat', cookie)
    cleanups.push(() => reader.close())
    await waitForSync(reader)
    expect(reader.text()).toBe(published)
    // The writer comes back with the first content it got before the crash and its own paragraph.
    writer.provider.connect()
    await waitFor(() => reader.text().includes('Getypt voor de crash'), 30_000, 'the writer reconnecting')
    await waitFor(() => writer.text() === reader.text(), 10_000, 'both clients the same')
    for (const part of [published.slice(0, 80), published.slice(-80)]) expect(reader.text().split(part).length - 1).toBe(1)
  })
})

/**
 * A database the crash-test server process opens itself, with a member's session in it.
 * PGlite allows one process per data directory, so the session is made before the server starts.
 */
async function crashTestDatabase() {
  if (process.env.TEST_DB === 'postgres') {
    const database = await createImportedDatabase()
    cleanups.push(() => database.close())
    const cookie = await sessionCookieFor(database.db, (await createUser(database.db)).id)
    return { location: database.url!, cookie }
  }
  const location = await mkdtemp(path.join(os.tmpdir(), 'lh-crash-'))
  cleanups.push(() => rm(location, { recursive: true, force: true }))
  const database = await openTestDataDir(location)
  const cookie = await sessionCookieFor(database.db, (await createUser(database.db)).id)
  await database.close()
  return { location, cookie }
}

describe('restoring an old revision', () => {
  it('brings it back into the live draft, and connected editors see it', async () => {
    const server = await startTestServer({ collab: { writeWindowMs: 50 } })
    cleanups.push(() => server.close())
    const editor = await createUser(server.database.db, { role: 'editor' })
    const cookie = await sessionCookieFor(server.database.db, editor.id)
    const watcher = connectClient(server.url, 'mandaat', cookie)
    cleanups.push(() => watcher.close())
    await waitForSync(watcher)
    const original = watcher.text()
    const [first] = await (await import('#server/handbook/live-documents')).listRevisions(server.database.db, 'mandaat')

    watcher.addParagraph('Een zin die later weer weg moet')
    await waitFor(async () => ((await server.collab.open('mandaat'))!.doc.getXmlFragment('default').length > 0 && watcher.text() !== original))
    await new Promise((resolve) => setTimeout(resolve, 150))
    await publishRevision(server.database.db, server.collab, { slug: 'mandaat', summary: 'Zin toegevoegd', publisherId: editor.id })

    expect(await restoreRevision(server.database.db, server.collab, { slug: 'mandaat', revisionId: first.id })).toBe(true)
    await waitFor(() => !watcher.text().includes('Een zin die later weer weg moet'), 5000, 'restore reaching the client')
    expect(watcher.text()).toBe(original)
  })
})
