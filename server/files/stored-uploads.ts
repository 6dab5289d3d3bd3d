import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { inArray, sql } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { attachments, pendingUploads } from '#server/db/schema'
import { logger } from '#server/logger'
import type { FileStorage } from './storage'
import type { ReceivedFile } from './uploads'

export type StoredUpload<File extends ReceivedFile = ReceivedFile> = File & { key: string }

/** Who marks a file pending: host and pid, so the sweep can tell a crashed process's marks. */
export const uploadOwner = `${hostname()}:${process.pid}`
const processStartedAt = Date.now() - process.uptime() * 1000
/** No request lives this long (Node ends one after 5 minutes), so an older pending mark is a crash's. */
const pendingMaxAgeMs = 60 * 60 * 1000

/**
 * The first half of "files and rows in one unit": each file gets a fresh key,
 * is marked pending in the database (committed), then stored. The caller
 * writes its rows and calls `settleUploads` in one transaction, or
 * `abandonUploads` if that fails. A crash in between leaves pending marks,
 * which tell the sweep what to remove.
 */
export async function storeUploads<File extends ReceivedFile>(db: Database, storage: FileStorage, prefix: string, files: File[]): Promise<StoredUpload<File>[]> {
  const keyed = files.map((file) => ({ ...file, key: `${prefix}/${randomUUID()}.${file.extension}` }))
  if (keyed.length === 0) return keyed
  await db.insert(pendingUploads).values(keyed.map((file) => ({ storageKey: file.key, owner: uploadOwner, createdAt: new Date() })))
  try {
    for (const file of keyed) await storage.store(file.key, file.file.read(), file.mediaType)
  } catch (error) {
    await abandonUploads(db, storage, keyed)
    throw error
  }
  return keyed
}

/**
 * Inside the transaction that writes the rows: the files are no longer
 * pending. Throws (so the transaction rolls back) if a sweep took them first.
 */
export async function settleUploads(tx: Database, stored: StoredUpload[]) {
  if (stored.length === 0) return
  const keys = stored.map((file) => file.key)
  const settled = await tx.delete(pendingUploads).where(inArray(pendingUploads.storageKey, keys)).returning({ key: pendingUploads.storageKey })
  if (settled.length !== keys.length) throw new Error('stored files were swept before their rows were written')
}

/** The rows were not written: the stored files go, and then their pending marks. */
export async function abandonUploads(db: Database, storage: FileStorage, stored: StoredUpload[]) {
  const removed: string[] = []
  for (const { key } of stored) {
    // A file that cannot be removed now keeps its mark; the sweep removes it later.
    await storage.remove(key).then(
      () => removed.push(key),
      (error) => logger.error({ err: error, key }, 'could not remove a stored file of a failed submission'),
    )
  }
  if (removed.length > 0) await db.delete(pendingUploads).where(inArray(pendingUploads.storageKey, removed))
}

/**
 * Removes stored files that belong to no row: first the pending marks of
 * processes that are gone (crashed mid-submission), then every stored file
 * under `prefix` with neither a row nor a pending mark. A file being stored
 * right now always has one of the two, so this is safe while others submit.
 */
export async function sweepOrphanedFiles(db: Database, storage: FileStorage, prefix = 'voorbeelden/', now = Date.now()) {
  const pending = await db.select().from(pendingUploads)
  const gone = pending.filter((mark) => ownerIsGone(mark.owner, mark.createdAt.getTime(), now)).map((mark) => mark.storageKey)
  if (gone.length > 0) await db.delete(pendingUploads).where(inArray(pendingUploads.storageKey, gone))

  const stored: string[] = []
  for await (const key of storage.list(prefix)) stored.push(key)
  if (stored.length === 0) return 0
  // One statement, so one snapshot: a commit moving a key from pending to a row cannot fall between two reads.
  const known = await db
    .select({ key: attachments.storageKey, preview: attachments.previewKey })
    .from(attachments)
    .union(db.select({ key: pendingUploads.storageKey, preview: sql<string | null>`null` }).from(pendingUploads))
  const knownKeys = new Set(known.flatMap((row) => (row.preview ? [row.key, row.preview] : [row.key])))
  const orphans = stored.filter((key) => !knownKeys.has(key))
  for (const key of orphans) await storage.remove(key).catch((error) => logger.error({ err: error, key }, 'could not remove an orphaned stored file'))
  if (orphans.length > 0) logger.info({ removed: orphans.length }, 'stored files without a row removed')
  return orphans.length
}

/**
 * Whether the process that marked a file pending has ended. Only a process on
 * this host can be checked; elsewhere a mark counts as gone after an hour.
 */
function ownerIsGone(markOwner: string, createdAt: number, now: number) {
  if (now - createdAt > pendingMaxAgeMs) return true
  const separator = markOwner.lastIndexOf(':')
  const [host, pid] = [markOwner.slice(0, separator), Number(markOwner.slice(separator + 1))]
  if (host !== hostname()) return false
  // The same pid before this process started: an earlier run (a container restarts as pid 1 again).
  if (pid === process.pid) return createdAt < processStartedAt
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM'
  }
}
