import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { oneTimeTokens, users, type OneTimeTokenKind } from '#server/db/schema'
import { newToken, secretMatches, splitToken } from './random'

export const tokenLifetimesMs: Record<OneTimeTokenKind, number> = {
  invitation: 7 * 24 * 60 * 60 * 1000,
  password_reset: 60 * 60 * 1000,
  email_change: 24 * 60 * 60 * 1000,
}

/** Issues a link token; earlier unused tokens of the same kind for the user stop working. */
export async function issueToken(
  db: Database,
  input: { kind: OneTimeTokenKind; userId: number; email?: string; createdBy?: number },
  now = new Date(),
) {
  const { id, token, secretHash } = newToken()
  await db.transaction(async (tx) => {
    await tx
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(and(eq(oneTimeTokens.userId, input.userId), eq(oneTimeTokens.kind, input.kind), isNull(oneTimeTokens.usedAt)))
    await tx.insert(oneTimeTokens).values({
      id,
      kind: input.kind,
      secretHash,
      userId: input.userId,
      email: input.email,
      createdBy: input.createdBy,
      expiresAt: new Date(now.getTime() + tokenLifetimesMs[input.kind]),
    })
  })
  return token
}

/** The token's row and user when it is genuine, of this kind, unused and not expired. */
export async function findUsableToken(db: Database, kind: OneTimeTokenKind, token: string, now = new Date()) {
  const parts = splitToken(token)
  if (!parts) return null
  const [row] = await db
    .select({
      id: oneTimeTokens.id,
      secretHash: oneTimeTokens.secretHash,
      email: oneTimeTokens.email,
      user: { id: users.id, email: users.email, name: users.name, role: users.role, hasPassword: sql<boolean>`${users.passwordHash} is not null` },
    })
    .from(oneTimeTokens)
    .innerJoin(users, and(eq(users.id, oneTimeTokens.userId), isNull(users.disabledAt)))
    .where(and(eq(oneTimeTokens.id, parts.id), eq(oneTimeTokens.kind, kind), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null
  return { id: row.id, email: row.email, user: row.user }
}

/**
 * Marks a token used inside the caller's transaction. Returns false when another
 * request used it first, so a link works exactly once even under a double click.
 */
export async function consumeToken(tx: Database, tokenId: string, now = new Date()) {
  const used = await tx
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.id, tokenId), isNull(oneTimeTokens.usedAt)))
    .returning({ id: oneTimeTokens.id })
  return used.length === 1
}
