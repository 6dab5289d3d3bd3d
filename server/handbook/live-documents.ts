import { createHash } from 'node:crypto'
import type { JSONContent } from '@tiptap/core'
import { Node } from '@tiptap/pm/model'
import { prosemirrorToYXmlFragment, updateYFragment } from '@tiptap/y-tiptap'
import { and, desc, eq, inArray } from 'drizzle-orm'
import * as Y from 'yjs'
import type { CollabServer } from '#server/collab/collab-server'
import type { DocumentRoom } from '#server/collab/document-room'
import { liveDocumentNode } from '#server/collab/document-json'
import { documentField, handbookRules, handbookSchema } from '#server/collab/handbook-rules'
import { contributorsSince } from '#server/collab/persistence'
import { anyOf, type Database } from '#server/db/client'
import { revisions, sections, users } from '#server/db/schema'
import { logger } from '#server/logger'
import { documentPlainText, renderDocumentHtml } from './render'

export { documentField, handbookSchema }

/**
 * Live documents are named after their section's slug: /collab/<slug>. The first content of
 * each (its published text, as a Yjs update; built only when nothing is stored yet), or null
 * for a name that is no section; several in one query (documents opening at the same moment).
 */
export async function initialLiveDocuments(db: Database, slugs: string[]): Promise<Map<string, (() => Uint8Array) | null>> {
  const rows = await db
    .select({ slug: sections.slug, revisionId: revisions.id, document: revisions.document })
    .from(sections)
    .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
    // Only sections have an editor; a stand-alone page (the colophon) has no live document.
    .where(and(anyOf(sections.slug, slugs), eq(sections.kind, 'section')))
  const published = new Map(rows.map((row) => [row.slug, row]))
  return new Map(slugs.map((slug) => [slug, published.has(slug) ? () => firstContent(published.get(slug)!) : null]))
}

/**
 * A revision's text as a live document's first update, the same bytes wherever and however often it
 * is built: written by one Yjs client whose id comes from the revision. Two processes opening a new
 * document at once, or a process that crashed before storing it and built it again, hold the same
 * structs, and merging them changes nothing (random ids would put the text in twice).
 */
function firstContent({ slug, revisionId, document }: { slug: string; revisionId: number; document: JSONContent }) {
  // Named (any guid will do on the server): a generated guid costs 31 reads of crypto randomness, ~0.15 ms a document.
  const doc = new Y.Doc({ guid: slug })
  doc.clientID = createHash('sha256').update(`first-content/${slug}/${revisionId}`).digest().readUInt32BE(0)
  try {
    prosemirrorToYXmlFragment(Node.fromJSON(handbookSchema, document), doc.getXmlFragment(documentField))
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}

/**
 * The live document as schema-valid JSON: whatever a document holds (content
 * stored before updates were checked included), a revision only gets what the
 * schema allows, and reading it never fails.
 */
export function liveDocumentJson(room: DocumentRoom): JSONContent {
  const { node, repaired, reasons } = liveDocumentNode(room.doc.getXmlFragment(documentField), handbookRules)
  if (repaired > 0) logger.warn({ document: room.name, repaired, reasons }, 'live document held content outside the schema; left it out')
  return node.toJSON() as JSONContent
}

/** Replaces the live document's content with `document`, as one ordinary change every editor sees. */
export function replaceLiveDocument(room: DocumentRoom, document: JSONContent) {
  const node = Node.fromJSON(handbookSchema, document)
  room.transact((doc) => {
    const fragment = doc.getXmlFragment(documentField)
    try {
      updateYFragment(doc, fragment, node, { mapping: new Map(), isOMark: new Map() })
    } catch (error) {
      // A fragment the binding cannot reconcile (content from outside the schema): write it afresh.
      logger.warn({ err: error, document: room.name }, 'could not update the live document in place; replacing its content')
      fragment.delete(0, fragment.length)
      prosemirrorToYXmlFragment(node, fragment)
    }
  })
}

/** Whether a live document of this name may exist: a section, not a stand-alone page. */
async function isSection(db: Database, slug: string) {
  const [row] = await db.select({ id: sections.id }).from(sections).where(and(eq(sections.slug, slug), eq(sections.kind, 'section')))
  return Boolean(row)
}

export type PublishInput = { slug: string; summary: string; publisherId: number }

/** The live draft becomes the section's new published revision (JSON, HTML, text, authors). */
export async function publishRevision(db: Database, collab: CollabServer, input: PublishInput) {
  if (!(await isSection(db, input.slug))) return null
  const room = await collab.open(input.slug)
  if (!room) return null
  await room.flush()
  const document = liveDocumentJson(room)
  const [section] = await db
    .select({ id: sections.id, title: sections.title, currentRevisionId: sections.currentRevisionId, lastPublished: revisions.createdAt })
    .from(sections)
    .leftJoin(revisions, eq(revisions.id, sections.currentRevisionId))
    .where(and(eq(sections.slug, input.slug), eq(sections.kind, 'section')))
  if (!section) return null
  const authorIds = await contributorsSince(db, input.slug, section.lastPublished ?? new Date(0))
  const authorRows = authorIds.length > 0 ? await db.select({ name: users.name }).from(users).where(inArray(users.id, authorIds)) : []
  return db.transaction(async (tx) => {
    const [revision] = await tx
      .insert(revisions)
      .values({
        sectionId: section.id,
        title: section.title,
        document,
        html: renderDocumentHtml(document),
        plainText: documentPlainText(document),
        summary: input.summary,
        authors: authorRows.map((row) => row.name).sort(),
        createdBy: input.publisherId,
      })
      .returning()
    await tx.update(sections).set({ currentRevisionId: revision.id }).where(eq(sections.id, section.id))
    return revision
  })
}

export async function listRevisions(db: Database, slug: string) {
  return db
    .select({
      id: revisions.id,
      summary: revisions.summary,
      authors: revisions.authors,
      createdAt: revisions.createdAt,
      publisher: users.name,
      current: eq(sections.currentRevisionId, revisions.id),
    })
    .from(revisions)
    .innerJoin(sections, eq(sections.id, revisions.sectionId))
    .leftJoin(users, eq(users.id, revisions.createdBy))
    .where(eq(sections.slug, slug))
    .orderBy(desc(revisions.createdAt), desc(revisions.id))
}

export async function getRevision(db: Database, slug: string, revisionId: number) {
  const [row] = await db
    .select({ id: revisions.id, document: revisions.document, plainText: revisions.plainText, createdAt: revisions.createdAt })
    .from(revisions)
    .innerJoin(sections, eq(sections.id, revisions.sectionId))
    .where(and(eq(sections.slug, slug), eq(revisions.id, revisionId)))
  return row ?? null
}

/** Brings an old revision back into the live draft; it is published later like any edit. */
export async function restoreRevision(db: Database, collab: CollabServer, input: { slug: string; revisionId: number }) {
  const revision = (await isSection(db, input.slug)) ? await getRevision(db, input.slug, input.revisionId) : null
  const room = revision ? await collab.open(input.slug) : null
  if (!revision || !room) return false
  replaceLiveDocument(room, revision.document)
  return true
}

/** The live draft's plain text, to compare with what is published. */
export async function liveDraftText(collab: CollabServer, slug: string) {
  // A room in memory is read as it is: opening it again would keep it loaded for as long as members read the page.
  const room = collab.loadedRoom(slug) ?? await collab.open(slug).catch((error: unknown) => {
    logger.error({ err: error, document: slug }, 'could not open the live document')
    return null
  })
  return room ? room.view('plain-text', () => documentPlainText(liveDocumentJson(room))) : null
}
