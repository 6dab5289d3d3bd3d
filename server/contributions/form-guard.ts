import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { honeypotField, startedField } from '#app/utils/submission-schema'
import type { Database } from '#server/db/client'
import { formSubmissions } from '#server/db/schema'
import { instanceSecret } from '#server/instance-settings'
import { isLimited, recordHit, type Limit } from '#server/rate-limits'

export const submissionLimit: Limit = { max: 10, windowMs: 60 * 60 * 1000 }
export const minimumFillMs = 3000
export const maximumFillMs = 24 * 60 * 60 * 1000

/** A form's text fields in the order they were sent. */
export type FormFields = Iterable<[string, FormDataEntryValue]>

async function sign(db: Database, value: string) {
  return createHmac('sha256', await instanceSecret(db, 'form-key')).update(value).digest('base64url')
}

/**
 * A signed, single-use form token: when the form was shown (so the server can
 * tell how long filling in took) and a random part that makes it unique.
 */
export async function formStartedToken(db: Database, now = Date.now()) {
  const shown = `${now}.${randomBytes(12).toString('base64url')}`
  return `${shown}.${await sign(db, shown)}`
}

type ReadToken = { token: string; shownAt: number; tokenHash: string }

async function readToken(db: Database, token: string): Promise<ReadToken | null> {
  const [time, nonce, signature] = token.split('.')
  if (!time || !nonce || !signature) return null
  const expected = await sign(db, `${time}.${nonce}`)
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null
  return { token, shownAt: Number(time), tokenHash: createHash('sha256').update(token).digest('base64url') }
}

/** What the hidden anti-spam fields say; they come first in every form, before any file. */
export type TokenCheck =
  | { kind: 'bot' }
  | Refusal
  | { kind: 'fresh'; tokenHash: string }
  | { kind: 'used'; tokenHash: string; contentHash: string; outcome: string }

const messages = {
  expired: 'Dit formulier is verlopen. Uw tekst staat er nog; verstuur het formulier opnieuw.',
  tooFast: 'Het formulier werd erg snel na het openen verstuurd, en dat doen vooral computerprogramma’s. Uw tekst staat er nog: controleer hem en verstuur het formulier opnieuw.',
  limited: 'U hebt het afgelopen uur al veel bijdragen gestuurd. Probeer het over een uur opnieuw.',
  usedForOther: 'Dit formulier is al eens verstuurd. Wilt u nog iets sturen? Uw tekst staat er nog: controleer hem en verstuur het formulier opnieuw.',
}

/** A person's form that cannot be taken now; it goes back with their text and the message. */
export type Refusal = { kind: 'refused'; reason: keyof typeof messages; message: string }
const refusal = (reason: keyof typeof messages): Refusal => ({ kind: 'refused', reason, message: messages[reason] })

/**
 * The checks every public form passes before anything is written: honeypot,
 * a genuine token, whether that token was used already, the fill time and the
 * per-visitor limit (in Postgres, so it holds across restarts and processes).
 * Needs only the hidden fields, so an upload can be judged before its files.
 */
export async function checkFormToken(db: Database, fields: FormFields, clientKey: string, now = Date.now()): Promise<TokenCheck> {
  const values = new Map([...fields].map(([name, value]) => [name, String(value)]))
  if ((values.get(honeypotField) ?? '') !== '') return { kind: 'bot' }
  const token = await readToken(db, values.get(startedField) ?? '')
  if (!token) return refusal('expired')
  const [used] = await db.select().from(formSubmissions).where(eq(formSubmissions.tokenHash, token.tokenHash))
  if (used) return { kind: 'used', tokenHash: token.tokenHash, contentHash: used.contentHash, outcome: used.outcome }
  const elapsed = now - token.shownAt
  if (elapsed > maximumFillMs) return refusal('expired')
  // Not a silent fake success: a quick person would lose their text without knowing.
  if (elapsed < minimumFillMs) return refusal('tooFast')
  if (await isLimited(db, `submission:${clientKey}`, submissionLimit)) return refusal('limited')
  return { kind: 'fresh', tokenHash: token.tokenHash }
}

/** The token to claim together with the new item, in one transaction. */
export type FormClaim = { tokenHash: string; contentHash: string; clientKey: string }

export type GuardVerdict =
  | { kind: 'accepted'; claim: FormClaim }
  /** A bot: it gets a fake success and nothing is stored. */
  | { kind: 'bot' }
  /** The same form sent again (double click, or a resubmit after a lost answer): answer as the first time did. */
  | { kind: 'repeat'; outcome: string }
  | Refusal

/** Decides on the whole form once all its text fields are in. */
export function decideSubmission(check: TokenCheck, fields: FormFields, clientKey: string): GuardVerdict {
  if (check.kind === 'bot' || check.kind === 'refused') return check
  const contentHash = hashContent(fields)
  if (check.kind === 'used') return contentHash === check.contentHash ? { kind: 'repeat', outcome: check.outcome } : refusal('usedForOther')
  return { kind: 'accepted', claim: { tokenHash: check.tokenHash, contentHash, clientKey } }
}

/**
 * The form-level message for a refused form. "Too fast" is left out while the
 * fields have errors: fixing them takes the time anyway, and the token is kept.
 */
export function refusalMessage(verdict: GuardVerdict, hasFieldErrors: boolean) {
  if (verdict.kind !== 'refused' || (verdict.reason === 'tooFast' && hasFieldErrors)) return undefined
  return verdict.message
}

export async function guardSubmission(db: Database, fields: FormFields, clientKey: string, now = Date.now()) {
  const entries = [...fields]
  return decideSubmission(await checkFormToken(db, entries, clientKey, now), entries, clientKey)
}

function hashContent(fields: FormFields) {
  const text = [...fields].filter(([name, value]) => typeof value === 'string' && name !== startedField && name !== honeypotField).map(([name, value]) => [name, String(value)])
  text.sort(([a, valueA], [b, valueB]) => (a === b ? (valueA < valueB ? -1 : 1) : a < b ? -1 : 1))
  return createHash('sha256').update(JSON.stringify(text)).digest('base64url')
}

/**
 * Marks the token used, in the transaction that stores the item, and counts the
 * submission against the visitor's limit. False when another request with the
 * same token got there first: the caller stores nothing and answers as that one did.
 */
export async function claimFormToken(tx: Database, claim: FormClaim, outcome: string) {
  const [claimed] = await tx
    .insert(formSubmissions)
    .values({ tokenHash: claim.tokenHash, contentHash: claim.contentHash, outcome })
    .onConflictDoNothing()
    .returning({ tokenHash: formSubmissions.tokenHash })
  if (!claimed) return false
  await recordHit(tx, `submission:${claim.clientKey}`, submissionLimit)
  return true
}

/** Where the first submission with this token sent its visitor. */
export async function firstOutcome(db: Database, claim: FormClaim) {
  const [row] = await db.select({ outcome: formSubmissions.outcome }).from(formSubmissions).where(eq(formSubmissions.tokenHash, claim.tokenHash))
  return row?.outcome ?? null
}

/**
 * The token a refused form goes back with: the one it was sent with while that
 * can still be used (so the fill time keeps counting from the first showing),
 * otherwise a new one.
 */
export async function tokenForRetry(db: Database, fields: FormFields, now = Date.now()) {
  const sent = [...fields].find(([name]) => name === startedField)?.[1]
  const token = typeof sent === 'string' ? await readToken(db, sent) : null
  if (token && now - token.shownAt <= maximumFillMs) {
    const [used] = await db.select({ tokenHash: formSubmissions.tokenHash }).from(formSubmissions).where(eq(formSubmissions.tokenHash, token.tokenHash))
    if (!used) return token.token
  }
  return formStartedToken(db, now)
}
