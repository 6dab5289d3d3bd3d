import { createServer, type Server, type Socket } from 'node:net'
import { desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outbox, users, type Role } from '#server/db/schema'
import { waitFor } from './support/collab-client'
import { createUser, testPassword } from './support/factories'
import { cookieFrom, get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'

/**
 * An SMTP server that keeps every client waiting for its greeting until
 * released: a request that sent mail itself would hang until then.
 */
async function heldSmtpServer() {
  const received: string[] = []
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const server: Server = createServer((socket: Socket) => {
    socket.setEncoding('utf8')
    let inData = false
    let message = ''
    let buffer = ''
    socket.on('error', () => {})
    void released.then(() => socket.write('220 test ESMTP\r\n'))
    socket.on('data', (chunk: string) => {
      buffer += chunk
      let end: number
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (inData) {
          if (line === '.') {
            inData = false
            received.push(message)
            message = ''
            socket.write('250 queued\r\n')
          } else message += line + '\n'
          continue
        }
        const command = line.slice(0, 4).toUpperCase()
        if (command === 'EHLO' || command === 'HELO') socket.write('250 test\r\n')
        else if (command === 'DATA') {
          inData = true
          socket.write('354 go on\r\n')
        } else if (command === 'QUIT') socket.end('221 bye\r\n')
        else socket.write('250 ok\r\n')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `smtp://127.0.0.1:${port}`, received, release, close: () => new Promise((resolve) => server.close(resolve)) }
}

let server: TestServer
let smtp: Awaited<ReturnType<typeof heldSmtpServer>>
beforeAll(async () => {
  smtp = await heldSmtpServer()
  server = await startTestServer({ mail: { smtpUrl: smtp.url, pollIntervalMs: 50 } })
})
afterAll(async () => {
  smtp.release()
  await server.close()
  await smtp.close()
})

const db = () => server.database.db
let clientNumber = 0
/** A different visitor each time, as the proxy in front of the site reports them. */
const fromNewClient = () => ({ 'X-Forwarded-For': `10.1.${Math.floor(++clientNumber / 250)}.${clientNumber % 250}` })

async function logIn(email: string, password: string, headers: Record<string, string>) {
  const response = await postForm(server.url, '/inloggen', { email, password }, headers)
  return { response, html: await response.text() }
}

async function cookieAs(role: Role) {
  const user = await createUser(db(), { role })
  return cookieFrom((await logIn(user.email, testPassword, fromNewClient())).response)!
}

async function mailsTo(email: string) {
  return db().select().from(outbox).where(eq(outbox.to, email)).orderBy(desc(outbox.id))
}

function within<T>(promise: Promise<T>, ms: number, what: string) {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))])
}

const strip = (html: string, email: string) => html.replaceAll(email, '').replace(/nonce="[^"]*"/g, '')

describe('password reset mails', () => {
  it('answer before any mail work, the same for known and unknown addresses; a background sender delivers', async () => {
    const user = await createUser(db(), { email: 'wacht.op.mail@voorbeeld.nl' })
    const known = await within(postForm(server.url, '/wachtwoord-vergeten', { email: user.email }, fromNewClient()), 10_000, 'the answer while SMTP is held')
    const unknown = await within(postForm(server.url, '/wachtwoord-vergeten', { email: 'onbekend@voorbeeld.nl' }, fromNewClient()), 10_000, 'the answer while SMTP is held')
    expect(known.status).toBe(200)
    expect(strip(await known.text(), user.email)).toBe(strip(await unknown.text(), 'onbekend@voorbeeld.nl'))
    expect(smtp.received).toHaveLength(0)

    smtp.release()
    await waitFor(() => smtp.received.some((message) => message.includes(user.email)), 10_000, 'the mail at the SMTP server')
    await waitFor(async () => (await mailsTo(user.email)).some((mail) => mail.sentAt), 5000, 'the outbox row marked sent')
    expect(smtp.received.join('\n')).toMatch(/wachtwoord-herstellen/)
    expect(await mailsTo('onbekend@voorbeeld.nl')).toHaveLength(0)
  })

  it('sends at most 3 per hour to one address, whichever clients ask, with the same answer every time', async () => {
    const user = await createUser(db(), { email: 'veel.gevraagd@voorbeeld.nl' })
    const answers: string[] = []
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await postForm(server.url, '/wachtwoord-vergeten', { email: user.email }, fromNewClient())
      expect(response.status).toBe(200)
      answers.push(strip(await response.text(), user.email))
    }
    expect(new Set(answers).size).toBe(1)
    await waitFor(async () => (await mailsTo(user.email)).length >= 3, 5000, 'three mails')
    // A later request for another address is handled after these; by then a fourth would be there.
    const other = await createUser(db())
    await postForm(server.url, '/wachtwoord-vergeten', { email: other.email }, fromNewClient())
    await waitFor(async () => (await mailsTo(other.email)).length === 1, 5000, 'the other mail')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await mailsTo(user.email)).toHaveLength(3)
  })
})

describe('nobody can lock someone else out', () => {
  it('five wrong passwords from five clients leave the account usable from a sixth', async () => {
    const user = await createUser(db())
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await logIn(user.email, `fout wachtwoord ${attempt}`, fromNewClient())).html).toContain('horen niet bij elkaar')
    }
    const { response } = await logIn(user.email, testPassword, fromNewClient())
    expect(response.status).toBe(302)
  })

  it('five wrong passwords from one client block that client for that account, not the owner elsewhere', async () => {
    const user = await createUser(db())
    const attacker = fromNewClient()
    for (let attempt = 0; attempt < 5; attempt++) await logIn(user.email, `fout ${attempt}`, attacker)
    const blocked = await logIn(user.email, testPassword, attacker)
    expect(blocked.response.status).toBe(400)
    expect(blocked.html).toContain('Te veel mislukte pogingen')
    expect((await logIn(user.email, testPassword, fromNewClient())).response.status).toBe(302)
  })

  it('many failures on one account from everywhere slow its logins down but still let the right password in', async () => {
    const user = await createUser(db())
    for (let attempt = 0; attempt < 10; attempt++) await logIn(user.email, `fout ${attempt}`, fromNewClient())
    const started = performance.now()
    const { response } = await logIn(user.email, testPassword, fromNewClient())
    expect(response.status).toBe(302)
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900)
  })
})

describe('pending invitations', () => {
  it("an editor cannot turn an admin's pending admin invitation into a member one; the admin's link keeps working", async () => {
    const email = 'toekomstige.beheerder@voorbeeld.nl'
    const admin = await cookieAs('admin')
    expect((await postForm(server.url, '/beheer/uitnodigen', { email, role: 'admin' }, { Cookie: admin })).status).toBe(200)
    await waitFor(async () => (await mailsTo(email)).length === 1, 5000, 'the invitation')
    const link = /\/uitnodiging\/[a-z2-7.]+/.exec((await mailsTo(email))[0].text)![0]

    const refused = await postForm(server.url, '/beheer/uitnodigen', { email, role: 'member' }, { Cookie: await cookieAs('editor') })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('openstaande uitnodiging als beheerder')
    expect(await mailsTo(email)).toHaveLength(1)
    const [row] = await db().select().from(users).where(eq(users.email, email))
    expect(row.role).toBe('admin')

    expect(await (await get(server.url, link)).text()).toContain('beheerder')
    const accepted = await postForm(server.url, link, { name: 'Nieuwe Beheerder', password: 'een lange zin voor beheer', passwordRepeat: 'een lange zin voor beheer' })
    expect(accepted.status).toBe(302)
    expect((await get(server.url, '/beheer/gebruikers', { Cookie: cookieFrom(accepted)! })).status).toBe(200)
  })

  it('an editor may still renew a pending member invitation', async () => {
    const email = 'nog.een.lid@voorbeeld.nl'
    const editor = await cookieAs('editor')
    await postForm(server.url, '/beheer/uitnodigen', { email, role: 'member' }, { Cookie: editor })
    const again = await postForm(server.url, '/beheer/uitnodigen', { email, role: 'member' }, { Cookie: editor })
    expect(again.status).toBe(200)
    expect(await mailsTo(email)).toHaveLength(2)
  })
})
