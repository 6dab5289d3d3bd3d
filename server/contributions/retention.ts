import { and, eq, inArray, isNotNull, lt } from 'drizzle-orm'
import { secretMatches, splitToken } from '#server/auth/random'
import type { Database } from '#server/db/client'
import { attachments, contributions, examples, formSubmissions, rateLimits } from '#server/db/schema'
import type { FileSafety } from '#server/files/file-safety'
import type { FileStorage } from '#server/files/storage'
import { sweepOrphanedFiles } from '#server/files/stored-uploads'
import { sweepTemporaryFiles } from '#server/files/temporary-files'
import { deleteUnconfirmed } from '#server/follow/subscriptions'
import { maximumFillMs } from './form-guard'
import { logger } from '#server/logger'

const day = 86_400_000
export const retention = { clientHashDays: 30, refusedDays: 90 }

/**
 * AVG housekeeping, run at start and every few hours: hashed IPs go after
 * 30 days, rejected and spam submissions (with their files) after 90 days,
 * spent rate-limit counters after a day, used form tokens once they have
 * expired. Uploads leave nothing behind: left-over temporary files and stored
 * files without a row (a crash mid-submission) are removed. Subscriptions
 * to changes that were not confirmed within a week are deleted. Quarantined
 * files are scanned again.
 */
export async function purgeExpired(db: Database, storage: FileStorage, now = new Date(), temporaryDir?: string, fileSafety?: FileSafety) {
  const hashesBefore = new Date(now.getTime() - retention.clientHashDays * day)
  const refusedBefore = new Date(now.getTime() - retention.refusedDays * day)
  await db.update(contributions).set({ clientHash: null }).where(and(isNotNull(contributions.clientHash), lt(contributions.createdAt, hashesBefore)))
  await db.update(examples).set({ clientHash: null }).where(and(isNotNull(examples.clientHash), lt(examples.createdAt, hashesBefore)))
  const removedContributions = await db
    .delete(contributions)
    .where(and(inArray(contributions.status, ['rejected', 'spam']), lt(contributions.decidedAt, refusedBefore)))
    .returning({ id: contributions.id })
  const refusedExamples = await db
    .select({ id: examples.id })
    .from(examples)
    .where(and(inArray(examples.status, ['rejected', 'spam']), lt(examples.updatedAt, refusedBefore)))
  for (const example of refusedExamples) await deleteExample(db, storage, example.id)
  await db.delete(rateLimits).where(lt(rateLimits.windowStart, new Date(now.getTime() - day)))
  // Nobody confirmed the subscription within the link's week: the address is not kept.
  const unconfirmed = await deleteUnconfirmed(db, now)
  // An expired token is refused before its record is looked at, so the record has done its work.
  await db.delete(formSubmissions).where(lt(formSubmissions.createdAt, new Date(now.getTime() - maximumFillMs - day)))
  if (temporaryDir) await sweepTemporaryFiles(temporaryDir)
  await sweepOrphanedFiles(db, storage, 'voorbeelden/', now.getTime())
  // Files stored while the scanner was down (or before scanning existed) wait in quarantine until they pass.
  await fileSafety?.rescanPending()
  logger.info({ contributions: removedContributions.length, examples: refusedExamples.length, unconfirmedSubscriptions: unconfirmed }, 'expired submissions purged')
}

/** The submitter's right to erasure: the link in their mail deletes their tip, lesson, suggestion or example. */
export async function removeSubmissionByToken(db: Database, storage: FileStorage, token: string) {
  const found = await findSubmissionByToken(db, token)
  if (!found) return false
  if (found.kind === 'example') await deleteExample(db, storage, found.id)
  else await db.delete(contributions).where(eq(contributions.id, found.id))
  return true
}

export async function findSubmissionByToken(db: Database, token: string) {
  const parts = splitToken(token)
  if (!parts) return null
  const [contribution] = await db
    .select({ id: contributions.id, hash: contributions.removalSecretHash, text: contributions.body })
    .from(contributions)
    .where(eq(contributions.removalTokenId, parts.id))
  if (contribution?.hash && secretMatches(parts.secret, contribution.hash)) return { kind: 'contribution' as const, id: contribution.id, text: contribution.text }
  const [example] = await db.select({ id: examples.id, hash: examples.removalSecretHash, text: examples.name }).from(examples).where(eq(examples.removalTokenId, parts.id))
  if (example?.hash && secretMatches(parts.secret, example.hash)) return { kind: 'example' as const, id: example.id, text: example.text }
  return null
}

async function deleteExample(db: Database, storage: FileStorage, exampleId: number) {
  const files = await db.delete(attachments).where(eq(attachments.exampleId, exampleId)).returning({ key: attachments.storageKey, preview: attachments.previewKey })
  await db.delete(examples).where(eq(examples.id, exampleId))
  const keys = files.flatMap((file) => (file.preview ? [file.key, file.preview] : [file.key]))
  await Promise.all(keys.map((key) => storage.remove(key).catch((error) => logger.error({ err: error, key }, 'could not remove stored file'))))
}
