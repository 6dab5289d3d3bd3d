import { createHmac, timingSafeEqual } from 'node:crypto'
import { honeypotField, startedField } from '#app/utils/submission-schema'
import type { Database } from '#server/db/client'
import { instanceSecret } from '#server/instance-settings'
import { isLimited, recordHit, type Limit } from '#server/rate-limits'

export const submissionLimit: Limit = { max: 10, windowMs: 60 * 60 * 1000 }
const minimumFillMs = 3000
const maximumFillMs = 24 * 60 * 60 * 1000

async function sign(db: Database, value: string) {
  return createHmac('sha256', await instanceSecret(db, 'form-key')).update(value).digest('base64url')
}

/** A signed "form shown at" time, so the server can tell how long filling in took. */
export async function formStartedToken(db: Database, now = Date.now()) {
  return `${now}.${await sign(db, String(now))}`
}

export type GuardVerdict = { ok: true } | { ok: false; silent: boolean; message?: string }

/**
 * The checks every public form passes before anything is stored: honeypot,
 * minimum fill time and the per-visitor limit (in Postgres, so it holds across
 * restarts). Bots get a fake success (`silent`), people a clear Dutch message.
 */
export async function guardSubmission(db: Database, formData: FormData, clientKey: string, now = Date.now()): Promise<GuardVerdict> {
  if (String(formData.get(honeypotField) ?? '') !== '') return { ok: false, silent: true }
  const [time, signature] = String(formData.get(startedField) ?? '').split('.')
  const expected = time ? await sign(db, time) : ''
  const genuine = Boolean(signature) && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  const elapsed = now - Number(time)
  if (!genuine || elapsed > maximumFillMs) {
    return { ok: false, silent: false, message: 'Dit formulier is verlopen. Vernieuw de pagina en probeer het opnieuw.' }
  }
  if (elapsed < minimumFillMs) return { ok: false, silent: true }
  const key = `submission:${clientKey}`
  if (await isLimited(db, key, submissionLimit)) {
    return { ok: false, silent: false, message: 'U hebt het afgelopen uur al veel bijdragen gestuurd. Probeer het over een uur opnieuw.' }
  }
  await recordHit(db, key, submissionLimit)
  return { ok: true }
}
