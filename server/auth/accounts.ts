import { and, asc, eq, ilike, isNull, or, sql } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { users, type Role } from '#server/db/schema'
import { recordAudit } from '#server/audit'
import { sendMail } from '#server/mail/mailer'
import { clearHits, isLimited, recordHit, type Limit } from '#server/rate-limits'
import type { SiteEvents } from '#server/events'
import { logger } from '#server/logger'
import { consumeToken, findUsableToken, issueToken } from './one-time-tokens'
import { hashPassword, spendPasswordCheckTime, verifyPassword } from './passwords'
import { can, roleLabels } from './permissions'
import { createSession, deleteSession, deleteUserSessions, type SessionUser } from './sessions'

// Nobody can lock someone else out (docs/decisions/004-login-throttling.md):
// five wrong passwords block only that client for that account; a client
// (a whole office behind one IP) gets 20 tries over all accounts; many
// failures on one account from everywhere slow its logins down, never block them.
const loginWindowMs = 15 * 60 * 1000
export const accountClientLoginLimit: Limit = { max: 5, windowMs: loginWindowMs }
export const clientLoginLimit: Limit = { max: 20, windowMs: loginWindowMs }
export const accountSlowdown = { limit: { max: 10, windowMs: loginWindowMs } satisfies Limit, delayMs: 2000 }

// Reset mails: per client, and per address so nobody floods one inbox from many IPs.
export const resetClientLimit: Limit = { max: 5, windowMs: 60 * 60 * 1000 }
export const resetAddressLimit: Limit = { max: 3, windowMs: 60 * 60 * 1000 }

export function normaliseEmail(email: string) {
  return email.trim().toLowerCase()
}

export async function findUserByEmail(db: Database, email: string) {
  const [user] = await db.select().from(users).where(eq(sql`lower(${users.email})`, normaliseEmail(email)))
  return user ?? null
}

export type LoginResult =
  | { outcome: 'ok'; token: string; user: SessionUser }
  | { outcome: 'invalid' }
  | { outcome: 'throttled' }

/**
 * Email + password → a new session. Failures are counted per client (hashed IP),
 * per account and client, and per account; the first two refuse further tries
 * for 15 minutes, the last only makes every try on the account wait.
 */
export async function logIn(db: Database, input: { email: string; password: string; clientKey: string; userAgent: string }): Promise<LoginResult> {
  const email = normaliseEmail(input.email)
  const refusing = [
    { key: `login:client:${input.clientKey}`, limit: clientLoginLimit },
    { key: `login:account-client:${email}:${input.clientKey}`, limit: accountClientLoginLimit },
  ]
  const slowing = { key: `login:account:${email}`, limit: accountSlowdown.limit }
  for (const { key, limit } of refusing) if (await isLimited(db, key, limit)) return { outcome: 'throttled' }
  // The wait comes before the check, for right and wrong passwords alike: an early answer would give the guess away.
  if (await isLimited(db, slowing.key, slowing.limit)) await new Promise((resolve) => setTimeout(resolve, accountSlowdown.delayMs))

  const user = await findUserByEmail(db, email)
  const valid = user?.passwordHash && !user.disabledAt ? await verifyPassword(user.passwordHash, input.password) : (await spendPasswordCheckTime(input.password), false)
  if (!user || !valid) {
    for (const { key, limit } of [...refusing, slowing]) await recordHit(db, key, limit)
    return { outcome: 'invalid' }
  }
  await clearHits(db, refusing[1].key)
  const { token } = await createSession(db, user.id, input.userAgent)
  return { outcome: 'ok', token, user: { id: user.id, email: user.email, name: user.name, role: user.role } }
}

export type InviteResult = { outcome: 'invited'; userId: number } | { outcome: 'exists' } | { outcome: 'pending-higher-role'; role: Role }

/**
 * An editor or admin invites someone by email; the link is valid for 7 days.
 * Inviting again replaces a pending invitation, but only one the inviter could have made.
 */
export async function inviteUser(db: Database, input: { inviter: SessionUser; email: string; role: Role; publicUrl: string }): Promise<InviteResult> {
  const email = normaliseEmail(input.email)
  const existing = await findUserByEmail(db, email)
  if (existing?.passwordHash) return { outcome: 'exists' }
  if (existing && !can(input.inviter, 'user:invite', { role: existing.role })) return { outcome: 'pending-higher-role', role: existing.role }
  const userId =
    existing?.id ??
    (await db.insert(users).values({ email, role: input.role, createdBy: input.inviter.id }).returning({ id: users.id }))[0].id
  if (existing) await db.update(users).set({ role: input.role }).where(eq(users.id, existing.id))
  await sendInvitation(db, { userId, email, role: input.role, inviter: input.inviter, publicUrl: input.publicUrl })
  await recordAudit(db, { actorId: input.inviter.id, action: 'user.invited', targetUserId: userId, details: { role: input.role } })
  return { outcome: 'invited', userId }
}

export async function resendInvitation(db: Database, input: { actor: SessionUser; userId: number; publicUrl: string }) {
  const [user] = await db.select().from(users).where(and(eq(users.id, input.userId), isNull(users.passwordHash)))
  if (!user) return false
  await sendInvitation(db, { userId: user.id, email: user.email, role: user.role, inviter: input.actor, publicUrl: input.publicUrl })
  await recordAudit(db, { actorId: input.actor.id, action: 'user.invitation_resent', targetUserId: user.id })
  return true
}

async function sendInvitation(db: Database, input: { userId: number; email: string; role: Role; inviter: SessionUser | null; publicUrl: string }) {
  const token = await issueToken(db, { kind: 'invitation', userId: input.userId, createdBy: input.inviter?.id })
  const link = `${input.publicUrl}/uitnodiging/${token}`
  await sendMail(db, {
    to: input.email,
    subject: 'Uitnodiging voor de Handreiking Lokaal samenwerken',
    paragraphs: [
      'Beste lezer,',
      `${input.inviter?.name || 'De redactie'} nodigt u uit als ${roleLabels[input.role]} van de Handreiking Lokaal samenwerken. Als ${roleLabels[input.role]} schrijft u mee aan de handreiking en deelt u goede voorbeelden.`,
      'Met de link hieronder kiest u uw naam en wachtwoord. De link werkt één keer en is 7 dagen geldig.',
      'Verwachtte u deze uitnodiging niet? Dan kunt u deze e-mail negeren.',
    ],
    link: { label: 'Uitnodiging aannemen', url: link },
  })
  return link
}

/** The first admin, made from the command line: returns the one-time link to set a password. */
export async function createUserWithLink(db: Database, input: { email: string; role: Role; publicUrl: string }) {
  const email = normaliseEmail(input.email)
  const existing = await findUserByEmail(db, email)
  const userId = existing?.id ?? (await db.insert(users).values({ email, role: input.role }).returning({ id: users.id }))[0].id
  if (existing) await db.update(users).set({ role: input.role, disabledAt: null }).where(eq(users.id, userId))
  const kind = existing?.passwordHash ? 'password_reset' : 'invitation'
  const token = await issueToken(db, { kind, userId })
  await recordAudit(db, { actorId: null, action: 'user.created_by_cli', targetUserId: userId, details: { role: input.role } })
  return `${input.publicUrl}/${kind === 'invitation' ? 'uitnodiging' : 'wachtwoord-herstellen'}/${token}`
}

export async function findInvitation(db: Database, token: string) {
  return findUsableToken(db, 'invitation', token)
}

/** Name + password for an invited account; the link is used up in the same transaction. */
export async function acceptInvitation(db: Database, input: { token: string; name: string; password: string; userAgent: string }) {
  const invitation = await findUsableToken(db, 'invitation', input.token)
  if (!invitation) return null
  const passwordHash = await hashPassword(input.password)
  const accepted = await db.transaction(async (tx) => {
    if (!(await consumeToken(tx as unknown as Database, invitation.id))) return false
    await tx.update(users).set({ name: input.name, passwordHash }).where(eq(users.id, invitation.user.id))
    return true
  })
  if (!accepted) return null
  return createSession(db, invitation.user.id, input.userAgent)
}

/**
 * Same answer, after the same work, whether or not the address has an account:
 * the request only counts; looking up the account and writing the mail happen
 * after the answer. Only real, active accounts get mail.
 */
export async function requestPasswordReset(db: Database, input: { email: string; publicUrl: string; clientKey: string }) {
  const email = normaliseEmail(input.email)
  const limits = [
    { key: `reset:client:${input.clientKey}`, limit: resetClientLimit },
    { key: `reset:address:${email}`, limit: resetAddressLimit },
  ]
  let limited = false
  for (const { key, limit } of limits) limited = (await isLimited(db, key, limit)) || limited
  for (const { key, limit } of limits) await recordHit(db, key, limit)
  if (limited) return
  void queuePasswordResetMail(db, { email, publicUrl: input.publicUrl }).catch((error) => logger.error({ err: error }, 'queueing a password reset mail failed'))
}

async function queuePasswordResetMail(db: Database, input: { email: string; publicUrl: string }) {
  const user = await findUserByEmail(db, input.email)
  if (!user || user.disabledAt || !user.passwordHash) return
  const token = await issueToken(db, { kind: 'password_reset', userId: user.id })
  await sendMail(db, {
    to: user.email,
    subject: 'Nieuw wachtwoord voor de Handreiking Lokaal samenwerken',
    paragraphs: [
      `Beste ${user.name || 'lezer'},`,
      'Iemand (hopelijk u) vroeg een nieuw wachtwoord aan voor uw account. Met de link hieronder kiest u een nieuw wachtwoord. De link werkt één keer en is 1 uur geldig.',
      'Vroeg u niets aan? Dan kunt u deze e-mail negeren; uw wachtwoord blijft zoals het was.',
    ],
    link: { label: 'Nieuw wachtwoord kiezen', url: `${input.publicUrl}/wachtwoord-herstellen/${token}` },
  })
}

export async function findPasswordReset(db: Database, token: string) {
  return findUsableToken(db, 'password_reset', token)
}

/** A new password ends every existing session and its live connections: whoever knew the old one is out. */
export async function resetPassword(db: Database, events: SiteEvents, input: { token: string; password: string; userAgent: string }) {
  const reset = await findUsableToken(db, 'password_reset', input.token)
  if (!reset) return null
  const passwordHash = await hashPassword(input.password)
  const done = await db.transaction(async (tx) => {
    if (!(await consumeToken(tx as unknown as Database, reset.id))) return false
    await tx.update(users).set({ passwordHash }).where(eq(users.id, reset.user.id))
    return true
  })
  if (!done) return null
  await endUserSessions(db, events, reset.user.id)
  await clearHits(db, `login:account:${normaliseEmail(reset.user.email)}`)
  return createSession(db, reset.user.id, input.userAgent)
}

export async function changeName(db: Database, userId: number, name: string) {
  await db.update(users).set({ name }).where(eq(users.id, userId))
}

export async function changePassword(db: Database, events: SiteEvents, input: { userId: number; currentSessionId: string; currentPassword: string; newPassword: string }) {
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, input.userId))
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) return false
  await db.update(users).set({ passwordHash: await hashPassword(input.newPassword) }).where(eq(users.id, input.userId))
  await endUserSessions(db, events, input.userId, input.currentSessionId)
  return true
}

/** Logout, or ending one session from the account page: what was opened with it closes too. */
export async function endSession(db: Database, events: SiteEvents, sessionId: string) {
  await deleteSession(db, sessionId)
  await events.publish('sessions-ended', { sessionIds: [sessionId] })
}

/** Ends every session of a user (or all but the current one) and closes what was opened with them. */
export async function endUserSessions(db: Database, events: SiteEvents, userId: number, except?: string) {
  const sessionIds = await deleteUserSessions(db, userId, except)
  if (sessionIds.length > 0) await events.publish('sessions-ended', { sessionIds })
}

/** A new address takes effect only when a link sent to that address is used. */
export async function requestEmailChange(db: Database, input: { user: SessionUser; newEmail: string; publicUrl: string }) {
  const email = normaliseEmail(input.newEmail)
  if (await findUserByEmail(db, email)) return { outcome: 'taken' as const }
  const token = await issueToken(db, { kind: 'email_change', userId: input.user.id, email })
  await sendMail(db, {
    to: email,
    subject: 'Bevestig uw nieuwe e-mailadres',
    paragraphs: [
      `Beste ${input.user.name || 'lezer'},`,
      'U wilt dit e-mailadres gebruiken voor uw account bij de Handreiking Lokaal samenwerken. Bevestig dat met de link hieronder; die is 24 uur geldig.',
      'Vroeg u dit niet aan? Dan kunt u deze e-mail negeren.',
    ],
    link: { label: 'E-mailadres bevestigen', url: `${input.publicUrl}/account/e-mail/${token}` },
  })
  return { outcome: 'sent' as const }
}

export async function confirmEmailChange(db: Database, token: string) {
  const change = await findUsableToken(db, 'email_change', token)
  if (!change?.email) return null
  const email = change.email
  return db.transaction(async (tx) => {
    if (!(await consumeToken(tx as unknown as Database, change.id))) return null
    await tx.update(users).set({ email }).where(eq(users.id, change.user.id))
    return { userId: change.user.id, email }
  })
}

export async function listUsers(db: Database, search = '') {
  const pattern = `%${search.trim().replace(/[\\%_]/g, (character) => `\\${character}`)}%`
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabledAt: users.disabledAt,
      invited: sql<boolean>`${users.passwordHash} is null`,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(search.trim() ? or(ilike(users.email, pattern), ilike(users.name, pattern)) : undefined)
    .orderBy(asc(users.name), asc(users.email))
}

export async function changeRole(db: Database, events: SiteEvents, input: { actor: SessionUser; userId: number; role: Role }) {
  const [before] = await db.select({ role: users.role }).from(users).where(eq(users.id, input.userId))
  if (!before || before.role === input.role) return
  await db.update(users).set({ role: input.role }).where(eq(users.id, input.userId))
  await recordAudit(db, { actorId: input.actor.id, action: 'user.role_changed', targetUserId: input.userId, details: { from: before.role, to: input.role } })
  await events.publish('access-changed', { userId: input.userId })
}

/** Disabling ends all of the user's sessions and live connections at once. */
export async function setDisabled(db: Database, events: SiteEvents, input: { actor: SessionUser; userId: number; disabled: boolean }) {
  await db.update(users).set({ disabledAt: input.disabled ? new Date() : null }).where(eq(users.id, input.userId))
  if (input.disabled) await endUserSessions(db, events, input.userId)
  await recordAudit(db, { actorId: input.actor.id, action: input.disabled ? 'user.disabled' : 'user.enabled', targetUserId: input.userId })
  await events.publish('access-changed', { userId: input.userId })
}
