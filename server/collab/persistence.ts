import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm'
import * as Y from 'yjs'
import { anyOf, type Database } from '#server/db/client'
import { documentContributors, documentStates, documentUpdates } from '#server/db/schema'

// Storage of live documents: updates are appended to document_updates;
// compaction folds the stored rows into one row of document_states and deletes
// exactly the rows it folded. Loading applies the state and then every row
// still there, so nothing appended is ever skipped — also a row that another
// process committed late, with a lower id than the last one folded.

/**
 * Several documents in one round trip (documents joined at the same moment: a meeting
 * starting, a reconnect storm after a deploy): per document its compacted state, if any,
 * then its tail of update rows in order.
 */
export async function loadDocuments(db: Database, documents: string[]) {
  const rows = rowsOf<{ document: string; part: Uint8Array; isState: boolean }>(
    await db.execute(sql`
      select * from (
        select ${documentStates.document} as document, ${documentStates.state} as part, true as "isState", 0 as id from ${documentStates} where ${anyOf(documentStates.document, documents)}
        union all
        select ${documentUpdates.document}, ${documentUpdates.update}, false, ${documentUpdates.id} from ${documentUpdates} where ${anyOf(documentUpdates.document, documents)}
      ) as stored order by document, "isState" desc, id`),
  )
  const parts = new Map<string, typeof rows>(documents.map((document) => [document, []]))
  for (const row of rows) parts.get(row.document)?.push(row)
  return new Map([...parts].map(([document, stored]) => [document, applyStored(document, stored)]))
}

export type StoredDocument = ReturnType<typeof applyStored>

function applyStored(document: string, rows: Array<{ part: Uint8Array; isState: boolean }>) {
  // Named after the document: a generated guid costs 31 reads of crypto randomness.
  const doc = new Y.Doc({ gc: true, guid: document })
  Y.transact(doc, () => {
    for (const row of rows) Y.applyUpdate(doc, row.part)
  })
  const updates = rows.length - (rows[0]?.isState ? 1 : 0)
  // Structs or deletions that never found their base (stored before updates were checked) would be
  // sent to every client and kept forever; they are dropped, and the next compaction stores the clean state.
  const droppedPending = Boolean(doc.store.pendingStructs || doc.store.pendingDs)
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
  return { doc, exists: rows.length > 0, storedUpdates: updates + (droppedPending ? 1 : 0), droppedPending }
}

/** One row of a write: a document's updates of one write window, merged, under a key unique to this write. */
export type UpdateRow = { document: string; update: Uint8Array; writeKey: string }
export type Contribution = { document: string; userId: number; at: Date }

/**
 * Stores one write of the process's write loop: the rows of every document in
 * one multi-row insert and, when due, the contributors, in one transaction —
 * failure stores nothing. A row whose key is already there (the commit went
 * through but its answer was lost) is skipped, so a retry stores nothing twice.
 */
export async function storeWrite(db: Database, rows: UpdateRow[], contributors: Contribution[]) {
  // One statement of fixed text, however many rows: three array parameters instead of 3 × rows (building
  // and parsing a 200-row VALUES list cost more main-thread time per write than the rows' own bytes).
  // The updates travel hex-encoded: both drivers pass a text[] parameter as it is.
  const insertRows = (tx: Database) =>
    tx.execute(sql`
      insert into ${documentUpdates} (document, "update", write_key)
      select row.document, decode(row.hex, 'hex'), row.write_key
      from unnest(${sql.param(rows.map((row) => row.document))}::text[], ${sql.param(rows.map((row) => hex(row.update)))}::text[], ${sql.param(rows.map((row) => row.writeKey))}::text[])
        with ordinality as row (document, hex, write_key, position)
      order by row.position
      on conflict (write_key) do nothing`)
  // A single statement is a transaction of its own: the common write (no contributors due) is one round trip.
  if (contributors.length === 0) return void (await insertRows(db))
  await db.transaction(async (tx) => {
    if (rows.length > 0) await insertRows(tx as unknown as Database)
    const values = sql.join(
      contributors.map((entry) => sql`(${entry.document}, ${entry.userId}::integer, ${entry.at.toISOString()}::timestamptz)`),
      sql`, `,
    )
    // Joined with users: an account deleted meanwhile is left out instead of failing the whole write forever.
    await tx.execute(sql`
      insert into ${documentContributors} (document, user_id, last_edit_at)
      select entry.document, entry.user_id, entry.at from (values ${values}) as entry (document, user_id, at)
      join users on users.id = entry.user_id
      on conflict (document, user_id) do update set last_edit_at = greatest(${documentContributors.lastEditAt}, excluded.last_edit_at)`)
  })
}

function hex(bytes: Uint8Array) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Key class of the compaction locks (pg_try_advisory_xact_lock(class, hashtext(document))). */
const compactionLockClass = 7_100_015
/** Stored documents up to this size are folded in a throwaway Y.Doc, which drops deleted content; larger ones only merged (cheaper). */
const collectGarbageUpToBytes = 256 * 1024

export type CompactionOutcome = 'compacted' | 'nothing' | 'busy'

/**
 * Folds what is STORED (the state row and the update rows read) into one state
 * row and deletes exactly the rows folded — never the in-memory document, which
 * may lack rows another process appended. The merge runs outside any
 * transaction (on PGlite a transaction holds the only connection); the write
 * then runs under a per-document advisory lock, taken with try (another
 * process compacting: skip), and only if the state row is still the one read.
 */
export async function compactStored(db: Database, document: string, options: { collectGarbage: boolean }): Promise<CompactionOutcome> {
  const [state] = await db.select().from(documentStates).where(eq(documentStates.document, document))
  const rows = await db
    .select({ id: documentUpdates.id, update: documentUpdates.update })
    .from(documentUpdates)
    .where(eq(documentUpdates.document, document))
    .orderBy(asc(documentUpdates.id))
  if (rows.length === 0) return 'nothing'
  await yieldToEventLoop()
  const parts = [...(state ? [state.state] : []), ...rows.map((row) => row.update)]
  const folded = fold(parts, options.collectGarbage && parts.reduce((sum, part) => sum + part.length, 0) <= collectGarbageUpToBytes)
  await yieldToEventLoop()
  const through = Math.max(state?.throughUpdateId ?? 0, rows.at(-1)!.id)
  return db.transaction(async (tx) => {
    const locked = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${compactionLockClass}::integer, hashtext(${document})) as locked`))[0]?.locked
    if (!locked) return 'busy'
    const [now] = await tx.select({ through: documentStates.throughUpdateId, updatedAt: documentStates.updatedAt }).from(documentStates).where(eq(documentStates.document, document))
    // Someone compacted between our read and the lock: what we merged may be stale; their state stands.
    if (Boolean(now) !== Boolean(state) || (now && state && (now.through !== state.throughUpdateId || now.updatedAt.getTime() !== state.updatedAt.getTime()))) return 'busy'
    await tx
      .insert(documentStates)
      .values({ document, state: folded, throughUpdateId: through, updatedAt: new Date() })
      .onConflictDoUpdate({ target: documentStates.document, set: { state: folded, throughUpdateId: through, updatedAt: new Date() } })
    await tx.delete(documentUpdates).where(and(eq(documentUpdates.document, document), inArray(documentUpdates.id, rows.map((row) => row.id))))
    return 'compacted'
  })
}

/** One update holding all the parts; with garbage collection, deleted content is dropped (unless something lacks its base). */
function fold(parts: Uint8Array[], collectGarbage: boolean) {
  if (!collectGarbage) return parts.length === 1 ? parts[0] : Y.mergeUpdates(parts)
  const doc = new Y.Doc({ gc: true, guid: 'fold' })
  try {
    Y.transact(doc, () => {
      for (const part of parts) Y.applyUpdate(doc, part)
    })
    // Structs waiting for a base another process has not stored yet: keep them as stored, unmerged away.
    if (doc.store.pendingStructs || doc.store.pendingDs) return Y.mergeUpdates(parts)
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}

export async function contributorsSince(db: Database, document: string, since: Date) {
  const rows = await db
    .select({ userId: documentContributors.userId })
    .from(documentContributors)
    .where(and(eq(documentContributors.document, document), gt(documentContributors.lastEditAt, since)))
  return rows.map((row) => row.userId)
}

/** Rows of `execute`: postgres-js answers an array, PGlite an object with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))
