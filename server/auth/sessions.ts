import { and, desc, eq, gt, inArray, isNull, ne } from 'drizzle-orm'
import { anyOf, type Database } from '#server/db/client'
import { sessions, users, type Role } from '#server/db/schema'
import { newToken, secretMatches, splitToken } from './random'

// Following the Lucia guide (lucia-auth.com): a session ends after 10 days
// without use; use extends it, but at most one write per hour per session.
export const inactivityTimeoutMs = 10 * 24 * 60 * 60 * 1000
const activityCheckIntervalMs = 60 * 60 * 1000

export type SessionUser = { id: number; email: string; name: string; role: Role }
export type Session = { id: string; userId: number; lastVerifiedAt: Date }
export type Authentication = { session: Session; user: SessionUser; refreshed: boolean }

export async function createSession(db: Database, userId: number, userAgent = '') {
  const { id, token, secretHash } = newToken()
  const now = new Date()
  await db.insert(sessions).values({ id, secretHash, userId, userAgent: userAgent.slice(0, 300), createdAt: now, lastVerifiedAt: now })
  return { token, session: { id, userId, lastVerifiedAt: now } }
}

/** The session and its (active) user for a cookie's token, or null; slides the expiry on use. */
export async function validateSessionToken(db: Database, token: string, now = new Date()): Promise<Authentication | null> {
  return (await validateSessionTokens(db, [token], now)).get(token) ?? null
}

/**
 * Several tokens in one query (the sockets of a meeting arriving together): per token its
 * authentication or null. Sessions idle too long are deleted, and those due for a new expiry
 * get it, each in one statement for all of them.
 */
export async function validateSessionTokens(db: Database, tokens: string[], now = new Date()): Promise<Map<string, Authentication | null>> {
  const answers = new Map<string, Authentication | null>(tokens.map((token) => [token, null]))
  const wanted = tokens.flatMap((token) => {
    const parts = splitToken(token)
    return parts ? [{ token, ...parts }] : []
  })
  if (wanted.length === 0) return answers
  const rows = await db
    .select({
      id: sessions.id,
      secretHash: sessions.secretHash,
      lastVerifiedAt: sessions.lastVerifiedAt,
      user: { id: users.id, email: users.email, name: users.name, role: users.role },
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.disabledAt)))
    .where(anyOf(sessions.id, [...new Set(wanted.map((parts) => parts.id))]))
  const byId = new Map(rows.map((row) => [row.id, row]))
  const idle: string[] = []
  const refreshed = new Set<string>()
  for (const { token, id, secret } of wanted) {
    const row = byId.get(id)
    if (!row || !secretMatches(secret, row.secretHash)) continue
    const idleFor = now.getTime() - row.lastVerifiedAt.getTime()
    if (idleFor >= inactivityTimeoutMs) {
      idle.push(row.id)
      continue
    }
    const refresh = idleFor >= activityCheckIntervalMs
    if (refresh) refreshed.add(row.id)
    answers.set(token, { session: { id: row.id, userId: row.user.id, lastVerifiedAt: refresh ? now : row.lastVerifiedAt }, user: row.user, refreshed: refresh })
  }
  if (idle.length > 0) await db.delete(sessions).where(anyOf(sessions.id, idle))
  if (refreshed.size > 0) await db.update(sessions).set({ lastVerifiedAt: now }).where(anyOf(sessions.id, [...refreshed]))
  return answers
}

export async function deleteSession(db: Database, sessionId: string) {
  await db.delete(sessions).where(eq(sessions.id, sessionId))
}

/** Ends every session of a user, or all but the one they are using now; returns the ids that ended. */
export async function deleteUserSessions(db: Database, userId: number, except?: string) {
  const ended = await db
    .delete(sessions)
    .where(except ? and(eq(sessions.userId, userId), ne(sessions.id, except)) : eq(sessions.userId, userId))
    .returning({ id: sessions.id })
  return ended.map((session) => session.id)
}

/**
 * Of the given sessions, those still valid (not idle too long, user not disabled),
 * with their user: one query, for re-checking every live socket at once.
 */
export async function findLiveSessions(db: Database, sessionIds: string[], now = new Date()) {
  if (sessionIds.length === 0) return []
  return db
    .select({ id: sessions.id, user: { id: users.id, email: users.email, name: users.name, role: users.role } })
    .from(sessions)
    .innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.disabledAt)))
    .where(and(anyOf(sessions.id, sessionIds), gt(sessions.lastVerifiedAt, new Date(now.getTime() - inactivityTimeoutMs))))
}

export async function listUserSessions(db: Database, userId: number) {
  return db
    .select({ id: sessions.id, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastVerifiedAt: sessions.lastVerifiedAt })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.lastVerifiedAt))
}
