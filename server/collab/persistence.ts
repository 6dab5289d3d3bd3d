import { and, asc, eq, gt, lte, sql } from 'drizzle-orm'
import * as Y from 'yjs'
import type { Database } from '#server/db/client'
import { documentContributors, documentStates, documentUpdates } from '#server/db/schema'

/**
 * Storage of live documents: every update is appended to document_updates;
 * compaction folds them into one row of document_states. Loading applies the
 * state and then every later update, so nothing appended is ever skipped.
 */
export async function loadDocument(db: Database, document: string) {
  const doc = new Y.Doc({ gc: true })
  const [state] = await db.select().from(documentStates).where(eq(documentStates.document, document))
  if (state) Y.applyUpdate(doc, state.state)
  const updates = await db
    .select({ id: documentUpdates.id, update: documentUpdates.update })
    .from(documentUpdates)
    .where(and(eq(documentUpdates.document, document), gt(documentUpdates.id, state?.throughUpdateId ?? 0)))
    .orderBy(asc(documentUpdates.id))
  Y.transact(doc, () => {
    for (const row of updates) Y.applyUpdate(doc, row.update)
  })
  // Structs or deletions that never found their base (stored before updates were checked) would be
  // sent to every client and kept forever; they are dropped, and the next compaction stores the clean state.
  const droppedPending = Boolean(doc.store.pendingStructs || doc.store.pendingDs)
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
  return { doc, exists: Boolean(state) || updates.length > 0, storedUpdates: updates.length + (droppedPending ? 1 : 0), droppedPending }
}

export async function appendUpdate(db: Database, document: string, update: Uint8Array, editors: number[]) {
  await db.transaction(async (tx) => {
    await tx.insert(documentUpdates).values({ document, update })
    const now = new Date()
    for (const userId of editors) {
      await tx
        .insert(documentContributors)
        .values({ document, userId, lastEditAt: now })
        .onConflictDoUpdate({ target: [documentContributors.document, documentContributors.userId], set: { lastEditAt: now } })
    }
  })
}

/** Folds the document's full state into one row and removes the updates it covers. */
export async function compactDocument(db: Database, document: string, doc: Y.Doc) {
  await db.transaction(async (tx) => {
    const [{ lastId }] = await tx
      .select({ lastId: sql<number>`coalesce(max(${documentUpdates.id}), 0)` })
      .from(documentUpdates)
      .where(eq(documentUpdates.document, document))
    // Anything stored up to lastId is already in `doc`: updates are applied before they are stored.
    const state = Y.encodeStateAsUpdate(doc)
    await tx
      .insert(documentStates)
      .values({ document, state, throughUpdateId: Number(lastId), updatedAt: new Date() })
      .onConflictDoUpdate({ target: documentStates.document, set: { state, throughUpdateId: Number(lastId), updatedAt: new Date() } })
    await tx.delete(documentUpdates).where(and(eq(documentUpdates.document, document), lte(documentUpdates.id, Number(lastId))))
  })
}

export async function contributorsSince(db: Database, document: string, since: Date) {
  const rows = await db
    .select({ userId: documentContributors.userId })
    .from(documentContributors)
    .where(and(eq(documentContributors.document, document), gt(documentContributors.lastEditAt, since)))
  return rows.map((row) => row.userId)
}
