import { randomBytes } from 'node:crypto'
import { sessionCookieName } from '#server/auth/cookies'
import { hashPassword } from '#server/auth/passwords'
import { createSession } from '#server/auth/sessions'
import type { Database } from '#server/db/client'
import { users, type Role } from '#server/db/schema'

export const testPassword = 'een lange zin als wachtwoord'

/** A user with a password, ready to log in. */
export async function createUser(db: Database, overrides: { role?: Role; email?: string; name?: string; password?: string } = {}) {
  const email = overrides.email ?? `lid-${randomBytes(4).toString('hex')}@voorbeeld.nl`
  const [user] = await db
    .insert(users)
    .values({
      email,
      name: overrides.name ?? 'Test Lid',
      role: overrides.role ?? 'member',
      passwordHash: await hashPassword(overrides.password ?? testPassword),
    })
    .returning()
  return user
}

/** A Cookie header for a fresh session of the user, as the browser would send it. */
export async function sessionCookieFor(db: Database, userId: number) {
  const { token } = await createSession(db, userId, 'vitest')
  return `${sessionCookieName}=${token}`
}
