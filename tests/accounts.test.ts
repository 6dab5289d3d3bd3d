import { and, desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog, outbox, rateLimits, users, type Role } from '#server/db/schema'
import { createUser, sessionCookieFor, testPassword } from './support/factories'
import { waitFor } from './support/collab-client'
import { cookieFrom, get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const db = () => server.database.db
const cookies: Partial<Record<Role, string>> = {}
async function cookieAs(role: Role) {
  cookies[role] ??= await sessionCookieFor(db(), (await createUser(db(), { role })).id)
  return cookies[role]!
}

async function lastMailTo(email: string) {
  const [mail] = await db().select().from(outbox).where(eq(outbox.to, email)).orderBy(desc(outbox.id)).limit(1)
  return mail
}

function linkIn(text: string, path: string) {
  const match = new RegExp(`https?://\\S+(/${path}/[a-z2-7]+\\.[a-z2-7]+)`).exec(text)
  if (!match) throw new Error(`no ${path} link in mail:\n${text}`)
  return match[1]
}

describe('who may open which page', () => {
  const protectedPages: Array<{ path: string; minimum: Role; form: Record<string, string> }> = [
    { path: '/account', minimum: 'member', form: { intent: 'name', name: 'X' } },
    { path: '/beheer/uitnodigen', minimum: 'editor', form: { email: 'nieuw@voorbeeld.nl', role: 'member' } },
    { path: '/beheer/gebruikers', minimum: 'admin', form: { intent: 'disable', userId: '1' } },
    { path: '/beheer/outbox', minimum: 'admin', form: {} },
  ]
  const rank: Role[] = ['member', 'editor', 'admin']

  for (const page of protectedPages) {
    it(`${page.path}: visitors go to the login page, lower roles get 403, ${page.minimum} and up get in`, async () => {
      const anonymous = await get(server.url, page.path)
      expect(anonymous.status).toBe(302)
      expect(anonymous.headers.get('location')).toBe(`/inloggen?redirectTo=${encodeURIComponent(page.path)}`)
      const anonymousPost = await postForm(server.url, page.path, page.form)
      expect([302, 405]).toContain(anonymousPost.status)
      if (anonymousPost.status === 302) expect(anonymousPost.headers.get('location')).toMatch(/^\/inloggen/)

      for (const role of rank) {
        const cookie = await cookieAs(role)
        const allowed = rank.indexOf(role) >= rank.indexOf(page.minimum)
        const response = await get(server.url, page.path, { Cookie: cookie })
        expect(response.status, `${role} GET ${page.path}`).toBe(allowed ? 200 : 403)
        if (!allowed) {
          expect(await response.text()).toContain('Geen toegang')
          const post = await postForm(server.url, page.path, page.form, { Cookie: cookie })
          expect([403, 405], `${role} POST ${page.path}`).toContain(post.status)
        }
      }
    })
  }
})

describe('invitation → accept → log in', () => {
  it('an editor invites a member, who sets name and password and can then log in', async () => {
    const email = 'nieuw.lid@voorbeeld.nl'
    const invited = await postForm(server.url, '/beheer/uitnodigen', { email, role: 'member' }, { Cookie: await cookieAs('editor') })
    expect(invited.status).toBe(200)
    expect(await invited.text()).toContain('De uitnodiging is verstuurd')
    const mail = await lastMailTo(email)
    expect(mail.subject).toMatch(/Uitnodiging/)
    expect(mail.text).toMatch(/7 dagen/)
    const link = linkIn(mail.text, 'uitnodiging')
    const [audit] = await db().select().from(auditLog).where(eq(auditLog.action, 'user.invited')).orderBy(desc(auditLog.id)).limit(1)
    expect(audit).toBeDefined()

    expect(await (await get(server.url, link)).text()).toContain(email)
    const tooShort = await postForm(server.url, link, { name: 'Nieuw Lid', password: 'kort', passwordRepeat: 'kort' })
    expect(tooShort.status).toBe(400)
    expect(await tooShort.text()).toContain('minstens 10 tekens')

    const accepted = await postForm(server.url, link, { name: 'Nieuw Lid', password: testPassword, passwordRepeat: testPassword })
    expect(accepted.status).toBe(302)
    const cookie = cookieFrom(accepted)!
    expect(await (await get(server.url, '/account', { Cookie: cookie })).text()).toContain('Nieuw Lid')

    const again = await get(server.url, link)
    expect(await again.text()).toContain('niet meer geldig')
    const reuse = await postForm(server.url, link, { name: 'Kaper', password: testPassword, passwordRepeat: testPassword })
    expect(reuse.status).toBe(400)

    const login = await postForm(server.url, '/inloggen', { email, password: testPassword, redirectTo: '/account' })
    expect(login.status).toBe(302)
    expect(login.headers.get('location')).toBe('/account')
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i)
    expect(login.headers.get('set-cookie')).toMatch(/SameSite=Lax/i)
  })

  it('an editor cannot invite an editor; an admin can', async () => {
    const refused = await postForm(server.url, '/beheer/uitnodigen', { email: 'redacteur@voorbeeld.nl', role: 'editor' }, { Cookie: await cookieAs('editor') })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('Deze rol mag u niet toekennen')
    const allowed = await postForm(server.url, '/beheer/uitnodigen', { email: 'redacteur@voorbeeld.nl', role: 'editor' }, { Cookie: await cookieAs('admin') })
    expect(allowed.status).toBe(200)
  })

  it('shows each field error next to its field', async () => {
    const response = await postForm(server.url, '/inloggen', { email: 'geen-adres', password: '' })
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toContain('Vul een geldig e-mailadres in')
    expect(html).toContain('Vul uw wachtwoord in')
    expect(html).toMatch(/aria-invalid="true"/)
  })
})

describe('password reset', () => {
  it('answers the same for unknown addresses and resets with a one-hour link that ends old sessions', async () => {
    const user = await createUser(db(), { email: 'vergeetachtig@voorbeeld.nl' })
    const oldCookie = await sessionCookieFor(db(), user.id)
    const known = await postForm(server.url, '/wachtwoord-vergeten', { email: user.email })
    const unknown = await postForm(server.url, '/wachtwoord-vergeten', { email: 'niemand@voorbeeld.nl' })
    const strip = (html: string, email: string) => html.replaceAll(email, '').replace(/nonce="[^"]*"/g, '')
    expect(strip(await known.text(), user.email)).toBe(strip(await unknown.text(), 'niemand@voorbeeld.nl'))
    // The mail is written after the answer (the same work for every address), so it arrives a moment later.
    await waitFor(async () => Boolean(await lastMailTo(user.email)), 5000, 'the reset mail')
    expect(await lastMailTo('niemand@voorbeeld.nl')).toBeUndefined()
    const link = linkIn((await lastMailTo(user.email)).text, 'wachtwoord-herstellen')

    const reset = await postForm(server.url, link, { password: 'een heel nieuw wachtwoord', passwordRepeat: 'een heel nieuw wachtwoord' })
    expect(reset.status).toBe(302)
    expect((await get(server.url, '/account', { Cookie: oldCookie })).status).toBe(302)
    expect((await postForm(server.url, '/inloggen', { email: user.email, password: testPassword })).status).toBe(400)
    expect((await postForm(server.url, '/inloggen', { email: user.email, password: 'een heel nieuw wachtwoord' })).status).toBe(302)
    expect(await (await get(server.url, link)).text()).toContain('niet meer geldig')
  })
})

describe('disabling and roles', () => {
  it('disabling a user ends all their sessions at once and is audited', async () => {
    const user = await createUser(db())
    const first = await sessionCookieFor(db(), user.id)
    const second = await sessionCookieFor(db(), user.id)
    const response = await postForm(server.url, '/beheer/gebruikers', { intent: 'disable', userId: String(user.id) }, { Cookie: await cookieAs('admin') })
    expect(response.status).toBe(200)
    for (const cookie of [first, second]) expect((await get(server.url, '/account', { Cookie: cookie })).status).toBe(302)
    expect((await postForm(server.url, '/inloggen', { email: user.email, password: testPassword })).status).toBe(400)
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.action, 'user.disabled'), eq(auditLog.targetUserId, user.id)))
    expect(audit).toHaveLength(1)
  })

  it('a role change is stored and audited', async () => {
    const user = await createUser(db())
    await postForm(server.url, '/beheer/gebruikers', { intent: 'role', userId: String(user.id), role: 'editor' }, { Cookie: await cookieAs('admin') })
    const [row] = await db().select().from(users).where(eq(users.id, user.id))
    expect(row.role).toBe('editor')
    const [audit] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'user.role_changed'), eq(auditLog.targetUserId, user.id)))
    expect(audit.details).toEqual({ from: 'member', to: 'editor' })
  })
})

describe('protection against abuse', () => {
  it('blocks a client on an account after 5 failed logins, even with the right password, with counters in the database', async () => {
    const user = await createUser(db())
    for (let attempt = 0; attempt < 5; attempt++) {
      const failed = await postForm(server.url, '/inloggen', { email: user.email, password: 'fout wachtwoord ' + attempt })
      expect(await failed.text()).toContain('horen niet bij elkaar')
    }
    const blocked = await postForm(server.url, '/inloggen', { email: user.email, password: testPassword })
    expect(blocked.status).toBe(400)
    expect(await blocked.text()).toContain('Te veel mislukte pogingen')
    const counters = await db().select().from(rateLimits).where(eq(rateLimits.key, `login:account:${user.email}`))
    expect(counters[0].count).toBe(5)
    // The client's counter is keyed by a hash, never the IP address itself.
    const all = await db().select().from(rateLimits)
    expect(JSON.stringify(all)).not.toContain('127.0.0.1')
  })

  it('refuses a state-changing request from another site (CSRF)', async () => {
    const cookie = await cookieAs('admin')
    const user = await createUser(db())
    const body = new URLSearchParams({ intent: 'disable', userId: String(user.id) })
    const attempts: Array<Record<string, string>> = [{ Origin: 'https://kwaadwillend.example' }, {}, { 'Sec-Fetch-Site': 'cross-site', Origin: server.url }]
    for (const headers of attempts) {
      const response = await fetch(server.url + '/beheer/gebruikers', {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie, ...headers },
        body,
      })
      expect(response.status).toBe(403)
    }
    const [row] = await db().select().from(users).where(eq(users.id, user.id))
    expect(row.disabledAt).toBeNull()
  })

  it('sends security headers with every page', async () => {
    const response = await get(server.url, '/')
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/)
    // A reader's page comes from the page cache: its own inline scripts are allowed by hash, not by nonce.
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'( 'sha256-[^']+')+;/)
    const signedIn = await get(server.url, '/', { Cookie: await cookieAs('member') })
    expect(signedIn.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-/)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
  })

  it('never lets a login send someone to another site', async () => {
    const user = await createUser(db())
    const response = await postForm(server.url, '/inloggen', { email: user.email, password: testPassword, redirectTo: '//kwaadwillend.example' })
    expect(response.headers.get('location')).toBe('/')
  })
})

describe('own account and the first admin', () => {
  it('changes the email address only after the link sent to the new address is used', async () => {
    const user = await createUser(db(), { email: 'oud@voorbeeld.nl' })
    const cookie = await sessionCookieFor(db(), user.id)
    const taken = await createUser(db())
    const refused = await postForm(server.url, '/account', { intent: 'email', email: taken.email }, { Cookie: cookie })
    expect(await refused.text()).toContain('hoort al bij een ander account')
    await postForm(server.url, '/account', { intent: 'email', email: 'nieuw@voorbeeld.nl' }, { Cookie: cookie })
    const [before] = await db().select().from(users).where(eq(users.id, user.id))
    expect(before.email).toBe('oud@voorbeeld.nl')
    const link = linkIn((await lastMailTo('nieuw@voorbeeld.nl')).text, 'account/e-mail')
    expect(await (await get(server.url, link)).text()).toContain('E-mailadres bevestigd')
    const [after] = await db().select().from(users).where(eq(users.id, user.id))
    expect(after.email).toBe('nieuw@voorbeeld.nl')
    expect(await (await get(server.url, link)).text()).toContain('niet meer geldig')
  })

  it('changing the password needs the current one and ends the other sessions', async () => {
    const user = await createUser(db())
    const here = await sessionCookieFor(db(), user.id)
    const elsewhere = await sessionCookieFor(db(), user.id)
    const wrong = await postForm(server.url, '/account', { intent: 'password', currentPassword: 'niet mijn wachtwoord', password: 'een ander lang wachtwoord', passwordRepeat: 'een ander lang wachtwoord' }, { Cookie: here })
    expect(await wrong.text()).toContain('Dit is niet uw huidige wachtwoord')
    const changed = await postForm(server.url, '/account', { intent: 'password', currentPassword: testPassword, password: 'een ander lang wachtwoord', passwordRepeat: 'een ander lang wachtwoord' }, { Cookie: here })
    expect(changed.status).toBe(200)
    expect((await get(server.url, '/account', { Cookie: here })).status).toBe(200)
    expect((await get(server.url, '/account', { Cookie: elsewhere })).status).toBe(302)
  })

  it('user:create makes the first admin with a one-time link to set a password', async () => {
    const { createUserWithLink } = await import('#server/auth/accounts')
    const link = await createUserWithLink(db(), { email: 'eerste.beheerder@voorbeeld.nl', role: 'admin', publicUrl: server.url })
    const path = new URL(link).pathname
    expect(path).toMatch(/^\/uitnodiging\//)
    const accepted = await postForm(server.url, path, { name: 'Eerste Beheerder', password: 'beheer met een lange zin', passwordRepeat: 'beheer met een lange zin' })
    const cookie = cookieFrom(accepted)!
    expect((await get(server.url, '/beheer/gebruikers', { Cookie: cookie })).status).toBe(200)
  })

  it('an admin can resend an invitation, which replaces the earlier link', async () => {
    await postForm(server.url, '/beheer/uitnodigen', { email: 'traag@voorbeeld.nl', role: 'member' }, { Cookie: await cookieAs('admin') })
    const firstLink = linkIn((await lastMailTo('traag@voorbeeld.nl')).text, 'uitnodiging')
    const [invited] = await db().select().from(users).where(eq(users.email, 'traag@voorbeeld.nl'))
    const resent = await postForm(server.url, '/beheer/gebruikers', { intent: 'resend', userId: String(invited.id) }, { Cookie: await cookieAs('admin') })
    expect(await resent.text()).toContain('opnieuw verstuurd')
    const secondLink = linkIn((await lastMailTo('traag@voorbeeld.nl')).text, 'uitnodiging')
    expect(secondLink).not.toBe(firstLink)
    expect(await (await get(server.url, firstLink)).text()).toContain('niet meer geldig')
    expect(await (await get(server.url, secondLink)).text()).toContain('traag@voorbeeld.nl')
  })
})
