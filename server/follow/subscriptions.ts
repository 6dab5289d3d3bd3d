import { createHmac } from 'node:crypto'
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { normaliseEmail } from '#server/auth/accounts'
import { newToken, randomSecret, secretMatches, splitToken } from '#server/auth/random'
import type { Database } from '#server/db/client'
import { editions, sections, subscriptions } from '#server/db/schema'
import { instanceSecret } from '#server/instance-settings'
import { logger } from '#server/logger'
import { sendMail } from '#server/mail/mailer'
import { isLimited, recordHit, type Limit } from '#server/rate-limits'

/** An unconfirmed subscription (and its link) lasts this long; then retention deletes it. */
export const confirmLifetimeMs = 7 * 24 * 60 * 60 * 1000
export const subscribeClientLimit: Limit = { max: 10, windowMs: 60 * 60 * 1000 }
export const subscribeAddressLimit: Limit = { max: 3, windowMs: 60 * 60 * 1000 }

export type Chapter = { id: number; slug: string; number: string; title: string }

/** The top-level chapters, the units one can follow besides the whole handbook. */
export async function listChapters(db: Database): Promise<Chapter[]> {
  return db
    .select({ id: sections.id, slug: sections.slug, number: sections.number, title: sections.title })
    .from(sections)
    .where(and(eq(sections.kind, 'section'), isNull(sections.parentId)))
    .orderBy(asc(sections.position))
}

/** "hoofdstuk 2 De meerwaarde van samenwerken" or "de hele handreiking", as pages and mails name what is followed. */
export function scopeLabel(chapter: Pick<Chapter, 'number' | 'title'> | null) {
  if (!chapter) return 'de hele handreiking'
  return chapter.number ? `hoofdstuk ${chapter.number} ${chapter.title}` : `het hoofdstuk “${chapter.title}”`
}

/**
 * "Volg deze handreiking / dit hoofdstuk": rate-limited, then the confirmation mail is
 * queued in the background, so neither the answer nor its timing tells whether the
 * address already follows. A confirmed subscription gets no mail at all; an unconfirmed
 * one gets a fresh link (the old one stops working).
 */
export async function requestSubscription(db: Database, input: { email: string; chapter: Chapter | null; publicUrl: string; clientKey: string }) {
  const email = normaliseEmail(input.email)
  const limits = [
    { key: `follow:client:${input.clientKey}`, limit: subscribeClientLimit },
    { key: `follow:address:${email}`, limit: subscribeAddressLimit },
  ]
  let limited = false
  for (const { key, limit } of limits) limited = (await isLimited(db, key, limit)) || limited
  for (const { key, limit } of limits) await recordHit(db, key, limit)
  if (limited) return
  void queueConfirmation(db, { email, chapter: input.chapter, publicUrl: input.publicUrl }).catch((error) => logger.error({ err: error }, 'queueing a subscription confirmation failed'))
}

async function queueConfirmation(db: Database, input: { email: string; chapter: Chapter | null; publicUrl: string }) {
  const { id: confirmTokenId, token, secretHash } = newToken()
  const sameChoice = and(eq(subscriptions.email, input.email), input.chapter ? eq(subscriptions.sectionId, input.chapter.id) : isNull(subscriptions.sectionId))
  const [existing] = await db.select({ linkId: subscriptions.linkId, confirmedAt: subscriptions.confirmedAt }).from(subscriptions).where(sameChoice)
  // A confirmed subscription is left as it is, and no mail goes out.
  if (existing?.confirmedAt) return
  let linkId = existing?.linkId
  if (linkId) {
    await db.update(subscriptions).set({ confirmTokenId, confirmSecretHash: secretHash, createdAt: new Date() }).where(and(sameChoice, isNull(subscriptions.confirmedAt)))
  } else {
    linkId = randomSecret()
    // Two requests at once for the same address and choice: the unique index keeps one, whose mail goes out.
    const inserted = await db
      .insert(subscriptions)
      .values({ email: input.email, sectionId: input.chapter?.id ?? null, linkId, confirmTokenId, confirmSecretHash: secretHash })
      .onConflictDoNothing()
      .returning({ id: subscriptions.id })
    if (inserted.length === 0) return
  }
  const scope = scopeLabel(input.chapter)
  await sendMail(db, {
    to: input.email,
    subject: 'Bevestig dat u wijzigingen in de handreiking wilt volgen',
    paragraphs: [
      'Beste lezer,',
      `Iemand (hopelijk u) wil met dit e-mailadres wijzigingen volgen in ${scope} van de Handreiking Lokaal samenwerken. Bevestig dat met de link hieronder; pas daarna sturen we u hoogstens één keer per week een overzicht van wat er veranderd is, en een bericht bij elke nieuwe editie.`,
      'De link werkt één keer en is 7 dagen geldig. Vroeg u niets aan? Dan kunt u deze e-mail negeren: zonder bevestiging krijgt u niets meer en wissen we uw adres na 7 dagen.',
    ],
    link: { label: 'Ja, ik wil de wijzigingen volgen', url: `${input.publicUrl}/volgen/bevestigen/${token}` },
    unsubscribe: await unsubscribeUrl(db, input.publicUrl, linkId),
  })
}

/** The unconfirmed subscription a confirmation link belongs to, while it is valid. */
export async function findConfirmation(db: Database, token: string, now = new Date()) {
  const parts = splitToken(token)
  if (!parts) return null
  const [row] = await db
    .select({ id: subscriptions.id, hash: subscriptions.confirmSecretHash, createdAt: subscriptions.createdAt, chapter: { number: sections.number, title: sections.title } })
    .from(subscriptions)
    .leftJoin(sections, eq(sections.id, subscriptions.sectionId))
    .where(and(eq(subscriptions.confirmTokenId, parts.id), isNull(subscriptions.confirmedAt)))
  if (!row?.hash || row.createdAt.getTime() < now.getTime() - confirmLifetimeMs || !secretMatches(parts.secret, row.hash)) return null
  return { id: row.id, scope: scopeLabel(row.chapter?.title ? row.chapter : null) }
}

/**
 * Double opt-in's second step. The link works once (its hash is cleared); changes and
 * editions from before this moment are not mailed.
 */
export async function confirmSubscription(db: Database, token: string, now = new Date()) {
  const found = await findConfirmation(db, token, now)
  if (!found) return null
  const [{ latest }] = await db.select({ latest: sql<number>`coalesce(max(${editions.number}), 0)`.mapWith(Number) }).from(editions)
  const confirmed = await db
    .update(subscriptions)
    .set({ confirmedAt: now, confirmTokenId: null, confirmSecretHash: null, digestThrough: now, editionsThrough: latest })
    .where(and(eq(subscriptions.id, found.id), isNull(subscriptions.confirmedAt)))
    .returning({ id: subscriptions.id })
  return confirmed.length === 1 ? found : null
}

/**
 * Unsubscribe links are "<linkId>.<keyed hash of linkId>": they must be in every mail
 * for as long as the subscription lasts, so the secret cannot be a stored random one
 * (only its hash would be kept). The key is an instance secret; the table holds no part of it.
 */
async function linkSecret(db: Database, linkId: string) {
  const key = await instanceSecret(db, 'follow-link-key')
  return encodeBase32LowerCaseNoPadding(createHmac('sha256', key).update(linkId).digest().subarray(0, 20))
}

export async function unsubscribeUrl(db: Database, publicUrl: string, linkId: string) {
  return `${publicUrl}/volgen/opzeggen/${linkId}.${await linkSecret(db, linkId)}`
}

/** The subscription an unsubscribe link belongs to (confirmed or not). */
export async function findByUnsubscribeToken(db: Database, token: string) {
  const parts = splitToken(token)
  if (!parts) return null
  const expected = new TextEncoder().encode(await linkSecret(db, parts.id))
  const given = new TextEncoder().encode(parts.secret)
  if (expected.length !== given.length || !constantTimeEqual(expected, given)) return null
  const [row] = await db
    .select({ id: subscriptions.id, chapter: { number: sections.number, title: sections.title } })
    .from(subscriptions)
    .leftJoin(sections, eq(sections.id, subscriptions.sectionId))
    .where(eq(subscriptions.linkId, parts.id))
  return row ? { id: row.id, scope: scopeLabel(row.chapter?.title ? row.chapter : null) } : null
}

/** Unsubscribing deletes the row: address, choice and all. */
export async function unsubscribe(db: Database, token: string) {
  const found = await findByUnsubscribeToken(db, token)
  if (!found) return false
  await db.delete(subscriptions).where(eq(subscriptions.id, found.id))
  return true
}

/** Retention: an address nobody confirmed is not kept. */
export async function deleteUnconfirmed(db: Database, now = new Date()) {
  const removed = await db
    .delete(subscriptions)
    .where(and(isNull(subscriptions.confirmedAt), lt(subscriptions.createdAt, new Date(now.getTime() - confirmLifetimeMs))))
    .returning({ id: subscriptions.id })
  return removed.length
}
