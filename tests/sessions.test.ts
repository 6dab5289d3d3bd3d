import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findUsableToken, consumeToken, issueToken, tokenLifetimesMs } from '#server/auth/one-time-tokens'
import { passwordProblem } from '#server/auth/passwords'
import { can, invitableRoles } from '#server/auth/permissions'
import { createSession, deleteUserSessions, inactivityTimeoutMs, validateSessionToken } from '#server/auth/sessions'
import type { DatabaseHandle } from '#server/db/client'
import { oneTimeTokens, sessions } from '#server/db/schema'
import { createTestDatabase } from './support/database'
import { createUser } from './support/factories'

let database: DatabaseHandle
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(() => database.close())

describe('sessions', () => {
  it('stores only a hash of the secret, never the token', async () => {
    const user = await createUser(database.db)
    const { token } = await createSession(database.db, user.id)
    const [id, secret] = token.split('.')
    expect(secret.length).toBeGreaterThanOrEqual(26) // ≥ 128 bits in base32
    const [row] = await database.db.select().from(sessions).where(eq(sessions.id, id))
    expect(Buffer.from(row.secretHash).toString('hex')).not.toContain(Buffer.from(secret).toString('hex'))
    expect(row.secretHash.length).toBe(32)
    expect((await validateSessionToken(database.db, token))?.user.id).toBe(user.id)
  })

  it('refuses a token whose secret is wrong, malformed or unknown', async () => {
    const user = await createUser(database.db)
    const { token } = await createSession(database.db, user.id)
    const [id] = token.split('.')
    expect(await validateSessionToken(database.db, `${id}.${'a'.repeat(32)}`)).toBeNull()
    expect(await validateSessionToken(database.db, 'rommel')).toBeNull()
    expect(await validateSessionToken(database.db, `${'b'.repeat(32)}.${'c'.repeat(32)}`)).toBeNull()
  })

  it('slides the expiry on use and ends a session after 10 idle days', async () => {
    const user = await createUser(database.db)
    const { token } = await createSession(database.db, user.id)
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000)
    const used = await validateSessionToken(database.db, token, later)
    expect(used?.refreshed).toBe(true)
    expect(used?.session.lastVerifiedAt.getTime()).toBe(later.getTime())
    expect(await validateSessionToken(database.db, token, new Date(later.getTime() + inactivityTimeoutMs + 1000))).toBeNull()
    expect(await validateSessionToken(database.db, token)).toBeNull()
  })

  it('ends all sessions of a user at once', async () => {
    const user = await createUser(database.db)
    const first = await createSession(database.db, user.id)
    const second = await createSession(database.db, user.id)
    await deleteUserSessions(database.db, user.id)
    expect(await validateSessionToken(database.db, first.token)).toBeNull()
    expect(await validateSessionToken(database.db, second.token)).toBeNull()
  })
})

describe('one-time tokens', () => {
  it('work once, only for their own kind, and not after they expire', async () => {
    const user = await createUser(database.db)
    const token = await issueToken(database.db, { kind: 'password_reset', userId: user.id })
    expect(await findUsableToken(database.db, 'invitation', token)).toBeNull()
    expect(await findUsableToken(database.db, 'password_reset', token, new Date(Date.now() + tokenLifetimesMs.password_reset + 1000))).toBeNull()
    const usable = await findUsableToken(database.db, 'password_reset', token)
    expect(usable?.user.id).toBe(user.id)
    expect(await consumeToken(database.db, usable!.id)).toBe(true)
    expect(await consumeToken(database.db, usable!.id)).toBe(false)
    expect(await findUsableToken(database.db, 'password_reset', token)).toBeNull()
  })

  it('are stored hashed, and a new one replaces the old', async () => {
    const user = await createUser(database.db)
    const first = await issueToken(database.db, { kind: 'invitation', userId: user.id })
    const second = await issueToken(database.db, { kind: 'invitation', userId: user.id })
    const rows = await database.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.userId, user.id))
    expect(JSON.stringify(rows)).not.toContain(first.split('.')[1])
    expect(await findUsableToken(database.db, 'invitation', first)).toBeNull()
    expect(await findUsableToken(database.db, 'invitation', second)).not.toBeNull()
  })

  it('last 7 days for invitations and 1 hour for password resets', () => {
    expect(tokenLifetimesMs.invitation).toBe(7 * 24 * 3600 * 1000)
    expect(tokenLifetimesMs.password_reset).toBe(3600 * 1000)
  })
})

describe('passwords and permissions', () => {
  it('refuses short and common passwords in Dutch', () => {
    expect(passwordProblem('kort')).toMatch(/minstens 10 tekens/)
    expect(passwordProblem('wachtwoord123')).toMatch(/te bekend/)
    expect(passwordProblem('1234567890')).toMatch(/te bekend/)
    expect(passwordProblem('marieke.jansen!!', { email: 'marieke.jansen@voorbeeld.nl' })).toMatch(/naam of e-mailadres/)
    expect(passwordProblem('fiets boom zomer regen')).toBeNull()
  })

  it('lets each role do what its rank allows, and nothing more', () => {
    const member = { id: 1, email: 'a@b.nl', name: 'A', role: 'member' as const }
    const editor = { ...member, id: 2, role: 'editor' as const }
    const admin = { ...member, id: 3, role: 'admin' as const }
    expect(can(null, 'section:edit')).toBe(false)
    expect(can(member, 'section:edit')).toBe(true)
    expect(can(member, 'section:publish')).toBe(false)
    expect(can(editor, 'section:publish')).toBe(true)
    expect(can(editor, 'user:manage')).toBe(false)
    expect(can(admin, 'user:manage', { userId: 9 })).toBe(true)
    expect(can(admin, 'user:manage', { userId: admin.id })).toBe(false)
    expect(invitableRoles(editor)).toEqual(['member'])
    expect(invitableRoles(admin)).toEqual(['member', 'editor', 'admin'])
    expect(can(editor, 'user:invite', { role: 'editor' })).toBe(false)
  })
})
