import { desc, eq, sql } from 'drizzle-orm'
import * as encoding from 'lib0/encoding'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { IncomingMessage } from 'node:http'
import { collabAuthorization } from '#server/collab/upgrade-auth'
import type { Database } from '#server/db/client'
import { outbox, sessions, type Role } from '#server/db/schema'
import { connectClient, rawSocket, waitFor, waitForSync, type CollabClient } from './support/collab-client'
import { createUser, sessionCookieFor, testPassword } from './support/factories'
import { cookieFrom, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'

// The periodic session check is left at its production minute here, so only
// the signal sent by the page itself can close a socket within these tests.
let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ collab: { writeWindowMs: 50 } })
})
afterAll(() => server.close())

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const db = () => server.database.db
const document = 'lobby'

/** Logs in through the login page, as a browser would; returns the session cookie. */
async function logIn(email: string, password = testPassword) {
  const response = await postForm(server.url, '/inloggen', { email, password })
  expect(response.status, `login of ${email}`).toBe(302)
  return cookieFrom(response)!
}

async function signedInUser(role: Role = 'member') {
  const user = await createUser(db(), { role })
  return { user, cookie: await logIn(user.email) }
}

/** A real y-websocket editor, with the close code the server ends it with. */
async function editor(cookie: string) {
  const client = connectClient(server.url, document, cookie)
  cleanups.push(() => client.close())
  const closed = new Promise<number>((resolve) => client.provider.on('connection-close', (event) => event && resolve(event.code)))
  await waitForSync(client)
  return { client, closed }
}

/**
 * A client that ignores what the server says (it never reads the close frame)
 * and keeps sending: the server must not handle its frames once access ended.
 */
async function stubbornEditor(cookie: string) {
  const raw = rawSocket(server.url, document, { Origin: server.url, Cookie: cookie })
  cleanups.push(() => raw.socket.terminate())
  await raw.opened
  ;(raw.socket as unknown as { _socket: { pause: () => void } })._socket.pause()
  return { sendParagraph: (text: string) => raw.socket.send(updateMessage(paragraphUpdate(text))) }
}

function paragraphUpdate(text: string) {
  const doc = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  doc.getXmlFragment('default').insert(0, [paragraph])
  return Y.encodeStateAsUpdate(doc)
}

function updateMessage(update: Uint8Array) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

async function serverText() {
  const room = await server.collab.open(document)
  return JSON.stringify(room!.doc.getXmlFragment('default').toJSON())
}

/** Waits long enough for a stray edit to have reached the witness, then checks nobody has it. */
async function expectNowhere(text: string, witness: CollabClient) {
  await new Promise((resolve) => setTimeout(resolve, 600))
  expect(witness.text()).not.toContain(text)
  expect(await serverText()).not.toContain(text)
}

function within<T>(promise: Promise<T>, ms = 2000, what = 'socket to close') {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))])
}

function sessionIdOf(cookie: string) {
  return cookie.split('=')[1].split('.')[0]
}

function isOpen(client: CollabClient) {
  return client.provider.wsconnected
}

describe('every end of access closes live editing at once', () => {
  it('an admin disabling a member closes their socket before the page answers; a later edit reaches nobody', async () => {
    const witness = (await editor((await signedInUser('editor')).cookie)).client
    const { user, cookie } = await signedInUser()
    const member = await editor(cookie)
    const stubborn = await stubbornEditor(cookie)
    const admin = await signedInUser('admin')

    const response = await postForm(server.url, '/beheer/gebruikers', { intent: 'disable', userId: String(user.id) }, { Cookie: admin.cookie })
    expect(response.status).toBe(200)
    stubborn.sendParagraph('Na het blokkeren, genegeerd')
    member.client.addParagraph('Ook na het blokkeren')
    expect([4401, 4403]).toContain(await within(member.closed))
    await expectNowhere('Na het blokkeren', witness)
    await expectNowhere('Ook na het blokkeren', witness)
    expect(await rawSocket(server.url, document, { Origin: server.url, Cookie: cookie }).refused).toBe(401)
  })

  it('logging out closes the sockets opened with that session only', async () => {
    const witness = (await editor((await signedInUser('editor')).cookie)).client
    const { user, cookie } = await signedInUser()
    const laptop = await editor(cookie)
    const stubborn = await stubbornEditor(cookie)
    const phone = await editor(await logIn(user.email))

    const response = await postForm(server.url, '/uitloggen', {}, { Cookie: cookie })
    expect(response.status).toBe(302)
    stubborn.sendParagraph('Na het uitloggen')
    expect(await within(laptop.closed)).toBe(4401)
    await expectNowhere('Na het uitloggen', witness)
    // The upgrade check remembers an allowed session for a few seconds: logging out must forget it at once.
    expect(await rawSocket(server.url, document, { Origin: server.url, Cookie: cookie }).refused).toBe(401)
    expect(isOpen(phone.client)).toBe(true)
    phone.client.addParagraph('Vanaf de telefoon')
    await waitFor(() => witness.text().includes('Vanaf de telefoon'), 5000, 'the other session to keep editing')
  })

  it('a crowd of sockets of one session opening while it logs out: none stays open, every later one is refused', async () => {
    const { cookie } = await signedInUser()
    const headers = { Origin: server.url, Cookie: cookie }
    const socket = () => {
      const raw = rawSocket(server.url, document, headers)
      raw.opened.catch(() => {})
      return raw
    }
    // Their upgrade checks are under way (sharing one session lookup) when the logout ends the session.
    const crowd = Array.from({ length: 40 }, socket)
    cleanups.push(() => crowd.forEach((raw) => raw.socket.terminate()))
    const response = await postForm(server.url, '/uitloggen', {}, { Cookie: cookie })
    expect(response.status).toBe(302)
    const after = Array.from({ length: 20 }, socket)
    cleanups.push(() => after.forEach((raw) => raw.socket.terminate()))
    expect(await within(Promise.all(after.map((raw) => raw.refused)), 5000, 'the later sockets to be refused')).toEqual(after.map(() => 401))
    // Each of the crowd was refused, or admitted before the logout and closed by it.
    const ends = await within(Promise.all(crowd.map((raw) => Promise.race([raw.refused, raw.closed]))), 5000, 'every socket of the crowd to end')
    for (const end of ends) expect([401, 4401]).toContain(end)
  })

  // Postgres only: another connection holds the document's table locked, so the load waits (PGlite has one connection).
  it.skipIf(process.env.TEST_DB !== 'postgres')('a socket whose document is still loading when its session logs out is refused, not admitted', async () => {
    const { cookie } = await signedInUser()
    let unlock = () => {}
    let locked = () => {}
    const isLocked = new Promise<void>((resolve) => (locked = resolve))
    const holding = db().transaction(async (transaction) => {
      await transaction.execute(sql`lock table document_updates in access exclusive mode`)
      locked()
      await new Promise<void>((resolve) => (unlock = resolve))
    })
    await isLocked
    try {
      const raw = rawSocket(server.url, 'sociale-kaart', { Origin: server.url, Cookie: cookie })
      raw.opened.catch(() => {})
      cleanups.push(() => raw.socket.terminate())
      // Its session is checked; the document's load is waiting for the lock.
      await waitFor(async () => {
        // postgres.js answers with the rows themselves (this test runs on Postgres only).
        const rows = (await db().execute(sql`select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%document_updates%'`)) as unknown as Array<{ waiting: number }>
        return rows[0].waiting > 0
      }, 10_000, 'the load waiting for the lock')
      expect((await postForm(server.url, '/uitloggen', {}, { Cookie: cookie })).status).toBe(302)
      unlock()
      await holding
      expect(await within(Promise.race([raw.refused, raw.opened.then(() => 'open')]), 10_000, 'the socket to be answered')).toBe(401)
    } finally {
      unlock()
      await holding
    }
  })

  it("'overal uitloggen behalve hier' closes the other sessions' sockets, not this one's", async () => {
    const { user, cookie } = await signedInUser()
    const here = await editor(cookie)
    const otherCookie = await logIn(user.email)
    const elsewhere = await editor(otherCookie)
    const stubborn = await stubbornEditor(otherCookie)

    const response = await postForm(server.url, '/account', { intent: 'end-other-sessions' }, { Cookie: cookie })
    expect(response.status).toBe(200)
    stubborn.sendParagraph('Van een beëindigde sessie')
    expect(await within(elsewhere.closed)).toBe(4401)
    await expectNowhere('Van een beëindigde sessie', here.client)
    expect(isOpen(here.client)).toBe(true)
  })

  it('ending one session on the account page closes its socket', async () => {
    const { user, cookie } = await signedInUser()
    const here = await editor(cookie)
    const otherCookie = await logIn(user.email)
    const elsewhere = await editor(otherCookie)

    const response = await postForm(server.url, '/account', { intent: 'end-session', session: sessionIdOf(otherCookie).slice(0, 8) }, { Cookie: cookie })
    expect(response.status).toBe(200)
    expect(await within(elsewhere.closed)).toBe(4401)
    expect(isOpen(here.client)).toBe(true)
  })

  it('changing the password closes the sockets of the other sessions', async () => {
    const { user, cookie } = await signedInUser()
    const here = await editor(cookie)
    const elsewhere = await editor(await logIn(user.email))
    const newPassword = 'een ander lang wachtwoord'

    const response = await postForm(server.url, '/account', { intent: 'password', currentPassword: testPassword, password: newPassword, passwordRepeat: newPassword }, { Cookie: cookie })
    expect(response.status).toBe(200)
    expect(await within(elsewhere.closed)).toBe(4401)
    expect(isOpen(here.client)).toBe(true)
  })

  it('a password reset through the mailed link closes every socket of the account', async () => {
    const witness = (await editor((await signedInUser('editor')).cookie)).client
    const { user, cookie } = await signedInUser()
    const member = await editor(cookie)
    const stubborn = await stubbornEditor(cookie)

    await postForm(server.url, '/wachtwoord-vergeten', { email: user.email }, { 'X-Forwarded-For': '10.9.0.1' })
    let link = ''
    await waitFor(async () => {
      const [mail] = await db().select().from(outbox).where(eq(outbox.to, user.email)).orderBy(desc(outbox.id)).limit(1)
      link = /\/wachtwoord-herstellen\/[a-z2-7.]+/.exec(mail?.text ?? '')?.[0] ?? ''
      return Boolean(link)
    }, 5000, 'the reset mail')
    const response = await postForm(server.url, link, { password: 'een heel nieuw wachtwoord', passwordRepeat: 'een heel nieuw wachtwoord' })
    expect(response.status).toBe(302)
    stubborn.sendParagraph('Met het oude wachtwoord')
    expect(await within(member.closed)).toBe(4401)
    await expectNowhere('Met het oude wachtwoord', witness)
  })

  it('a role change that keeps editing rights leaves the socket open', async () => {
    const { user, cookie } = await signedInUser('editor')
    const live = await editor(cookie)
    const admin = await signedInUser('admin')
    const response = await postForm(server.url, '/beheer/gebruikers', { intent: 'role', userId: String(user.id), role: 'member' }, { Cookie: admin.cookie })
    expect(response.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(isOpen(live.client)).toBe(true)
  })
})

/** The database, with every query's answer held back while `hold` is on: a session lookup that read before a logout and answers after it. */
function databaseHolding(db: Database) {
  let gate = Promise.resolve()
  let open = () => {}
  const wrap = (value: unknown): unknown =>
    typeof value === 'object' && value !== null
      ? new Proxy(value, {
          get(target, property) {
            const member = Reflect.get(target, property) as unknown
            if (property === 'then' && typeof member === 'function') {
              return (resolve: (value: unknown) => void, reject: (error: unknown) => void) => (member as PromiseLike<unknown>['then']).call(target, (answer) => gate.then(() => resolve(answer)), reject)
            }
            return typeof member === 'function' ? (...args: unknown[]) => wrap((member as (...args: unknown[]) => unknown).apply(target, args)) : member
          },
        })
      : value
  return {
    db: wrap(db) as Database,
    hold: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => open(),
  }
}

describe('the upgrade check under a join storm', () => {
  it('a session lookup under way when the session ends is neither shared with later sockets nor trusted', async () => {
    const user = await createUser(db())
    const cookie = await sessionCookieFor(db(), user.id)
    const held = databaseHolding(db())
    const check = collabAuthorization(held.db, new Set([server.url]))
    const upgrade = () => check.authorize({ headers: { origin: server.url, cookie } } as IncomingMessage)

    held.hold()
    const before = [upgrade(), upgrade()]
    // The lookup has read the session; its answer waits. Now the session ends (as logging out does).
    await new Promise((resolve) => setTimeout(resolve, 200))
    await db().delete(sessions).where(eq(sessions.id, sessionIdOf(cookie)))
    check.forgetSessions([sessionIdOf(cookie)])
    const after = upgrade()
    held.release()
    expect(await after).toEqual({ allowed: false, status: 401 })
    expect(await Promise.all(before)).toEqual([{ allowed: false, status: 401 }, { allowed: false, status: 401 }])
    expect(await upgrade()).toEqual({ allowed: false, status: 401 })
  })

  it('sockets of one live session arriving together are all allowed', async () => {
    const user = await createUser(db(), { name: 'Mia Menigte' })
    const cookie = await sessionCookieFor(db(), user.id)
    const check = collabAuthorization(db(), new Set([server.url]))
    const decisions = await Promise.all(Array.from({ length: 50 }, () => check.authorize({ headers: { origin: server.url, cookie } } as IncomingMessage)))
    expect(new Set(decisions.map((decision) => JSON.stringify(decision)))).toEqual(new Set([JSON.stringify({ allowed: true, userId: user.id, sessionId: sessionIdOf(cookie), name: 'Mia Menigte' })]))
  })
})

describe('the editor page admits the socket its script opens', () => {
  const slug = 'sociale-kaart'
  const editorPage = (cookie: string) => fetch(`${server.url}/handreiking/${slug}/bewerken`, { headers: { Cookie: cookie } })

  it('serving the editor loads its document ahead of the socket; with no socket coming it leaves memory again', async () => {
    const { cookie } = await signedInUser()
    await waitFor(() => !server.collab.loadedRoom(slug), 5000, 'the document to be out of memory first')
    expect((await editorPage(cookie)).status).toBe(200)
    await waitFor(() => Boolean(server.collab.loadedRoom(slug)), 5000, 'the document to load with the page')
    // The test servers' grace period is half a second.
    await waitFor(() => !server.collab.loadedRoom(slug), 5000, 'the unused document to leave memory')
  })

  it("the page's own session check admits the socket: its upgrade does not look the session up again", async () => {
    const { cookie } = await signedInUser()
    expect((await editorPage(cookie)).status).toBe(200)
    // Removed behind the site's back (no logout, no signal): only a lookup could notice. The periodic
    // check of live sockets (a minute) and every real end of access (the tests above) still close it.
    await db().delete(sessions).where(eq(sessions.id, sessionIdOf(cookie)))
    const raw = rawSocket(server.url, slug, { Origin: server.url, Cookie: cookie })
    cleanups.push(() => raw.socket.terminate())
    await within(raw.opened, 5000, 'the admitted socket to open')
    // Without the page, the same upgrade is looked up, and refused.
    const other = await signedInUser()
    await db().delete(sessions).where(eq(sessions.id, sessionIdOf(other.cookie)))
    expect(await rawSocket(server.url, slug, { Origin: server.url, Cookie: other.cookie }).refused).toBe(401)
  })

  it('after the page, logging out refuses the socket at once, though the page had admitted it', async () => {
    const { cookie } = await signedInUser()
    expect((await editorPage(cookie)).status).toBe(200)
    expect((await postForm(server.url, '/uitloggen', {}, { Cookie: cookie })).status).toBe(302)
    expect(await rawSocket(server.url, slug, { Origin: server.url, Cookie: cookie }).refused).toBe(401)
  })

  it('after the page, an admin disabling the member refuses the socket at once', async () => {
    const { user, cookie } = await signedInUser()
    const admin = await signedInUser('admin')
    expect((await editorPage(cookie)).status).toBe(200)
    expect((await postForm(server.url, '/beheer/gebruikers', { intent: 'disable', userId: String(user.id) }, { Cookie: admin.cookie })).status).toBe(200)
    expect(await rawSocket(server.url, slug, { Origin: server.url, Cookie: cookie }).refused).toBe(401)
  })

  it('an admitted session needs no lookup; one checked before access ended is looked up again', async () => {
    const user = await createUser(db(), { name: 'Pim Pagina' })
    const cookie = await sessionCookieFor(db(), user.id)
    const token = cookie.split('=')[1]
    const held = databaseHolding(db())
    const check = collabAuthorization(held.db, new Set([server.url]))
    const upgrade = () => check.authorize({ headers: { origin: server.url, cookie } } as IncomingMessage)
    const [authentication] = (await db().select().from(sessions).where(eq(sessions.id, sessionIdOf(cookie)))).map((session) => ({
      session: { id: session.id, userId: user.id, lastVerifiedAt: session.lastVerifiedAt },
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      refreshed: false,
    }))

    // Every query is held back: only an answer from memory can arrive.
    held.hold()
    check.admit(token, authentication, check.accessGeneration())
    expect(await within(upgrade(), 1000, 'the admitted upgrade')).toEqual({ allowed: true, userId: user.id, sessionId: sessionIdOf(cookie), name: 'Pim Pagina' })
    held.release()

    // The page checked the session, then the session ended before the page admitted it.
    const checkedIn = check.accessGeneration()
    await db().delete(sessions).where(eq(sessions.id, sessionIdOf(cookie)))
    check.forgetSessions([sessionIdOf(cookie)])
    check.admit(token, authentication, checkedIn)
    expect(await upgrade()).toEqual({ allowed: false, status: 401 })
  })
})

describe('sessions that simply expire', () => {
  it('are found by the periodic check, which closes their sockets', async () => {
    const checking = await startTestServer({ database: server.database, collab: { sessionCheckIntervalMs: 200 } })
    cleanups.push(() => checking.closeSite())
    const user = await createUser(db())
    const response = await postForm(checking.url, '/inloggen', { email: user.email, password: testPassword })
    const cookie = cookieFrom(response)!
    const client = connectClient(checking.url, document, cookie)
    cleanups.push(() => client.close())
    const closed = new Promise<number>((resolve) => client.provider.on('connection-close', (event) => event && resolve(event.code)))
    await waitForSync(client)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(client.provider.wsconnected).toBe(true)

    // Ten idle days pass for this session (the sliding expiry of server/auth/sessions.ts).
    await db().update(sessions).set({ lastVerifiedAt: sql`now() - interval '11 days'` }).where(eq(sessions.id, sessionIdOf(cookie)))
    expect(await within(closed, 3000)).toBe(4403)
  })
})
