import { and, asc, eq, gt, max, ne, or, sql } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { revisions, sections } from '#server/db/schema'
import { firstEditionSummary } from './import-content'
import { anchorHeadings } from './render'

export type TocEntry = { id: number; slug: string; number: string; title: string; children: TocEntry[] }

/** The table of contents as a tree, in reading order. */
export async function getTableOfContents(db: Database): Promise<TocEntry[]> {
  const rows = await db
    .select({ id: sections.id, slug: sections.slug, number: sections.number, title: sections.title, parentId: sections.parentId })
    .from(sections)
    .where(eq(sections.kind, 'section'))
    .orderBy(asc(sections.position))
  const entries = new Map(rows.map((row) => [row.id, { id: row.id, slug: row.slug, number: row.number, title: row.title, children: [] as TocEntry[] }]))
  const roots: TocEntry[] = []
  for (const row of rows) {
    const entry = entries.get(row.id)!
    const parent = row.parentId === null ? undefined : entries.get(row.parentId)
    ;(parent ? parent.children : roots).push(entry)
  }
  return roots
}

/** Depth-first list of the tree: the reading order used for previous/next. */
export function flattenTableOfContents(entries: TocEntry[]): TocEntry[] {
  return entries.flatMap((entry) => [entry, ...flattenTableOfContents(entry.children)])
}

async function getPublished(db: Database, slug: string, kind: 'section' | 'page') {
  const [row] = await db
    .select({
      id: sections.id,
      slug: sections.slug,
      number: sections.number,
      title: revisions.title,
      html: revisions.html,
      plainText: revisions.plainText,
      revisionId: revisions.id,
      updatedAt: revisions.createdAt,
    })
    .from(sections)
    .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
    .where(and(eq(sections.slug, slug), eq(sections.kind, kind)))
  return row
}

/** The year of the first edition, whose text was imported: its colophon dates the writing to May and June 2014. */
export const firstEditionYear = '2014'

/** When readers last saw the text change: a date, or the first edition for imported text nobody has changed since. */
export type LastChange = { kind: 'published'; at: Date } | { kind: 'first-edition'; year: string }

/**
 * The publication that last changed what readers see. A publish that left title
 * and text as they were does not count, so the date is that of the oldest
 * revision in the run of identical ones that ends with the current revision.
 */
export async function lastChange(db: Database, sectionId: number, currentRevisionId: number): Promise<LastChange> {
  const current = db.select({ title: revisions.title, html: revisions.html }).from(revisions).where(eq(revisions.id, currentRevisionId)).as('current')
  const [{ lastDifferent }] = await db
    .select({ lastDifferent: max(revisions.id) })
    .from(revisions)
    .innerJoin(current, sql`true`)
    .where(and(eq(revisions.sectionId, sectionId), or(ne(revisions.html, current.html), ne(revisions.title, current.title))))
  const [first] = await db
    .select({ createdAt: revisions.createdAt, summary: revisions.summary, createdBy: revisions.createdBy })
    .from(revisions)
    .where(and(eq(revisions.sectionId, sectionId), gt(revisions.id, lastDifferent ?? 0)))
    .orderBy(asc(revisions.id))
    .limit(1)
  if (!first) return { kind: 'published', at: new Date() }
  const imported = first.createdBy === null && first.summary === firstEditionSummary
  return imported ? { kind: 'first-edition', year: firstEditionYear } : { kind: 'published', at: first.createdAt }
}

/** A section as readers see it: the latest published revision, with its place in the book, heading anchors and last change. */
export async function getSectionForReading(db: Database, slug: string) {
  const [published, tableOfContents] = await Promise.all([getPublished(db, slug, 'section'), getTableOfContents(db)])
  if (!published) return null
  const readingOrder = flattenTableOfContents(tableOfContents)
  const index = readingOrder.findIndex((entry) => entry.id === published.id)
  const { html, headings } = anchorHeadings(published.html)
  const section = { ...published, html, headings, lastChange: await lastChange(db, published.id, published.revisionId) }
  return {
    section,
    tableOfContents,
    breadcrumb: ancestorsOf(tableOfContents, section.id) ?? [],
    previous: index > 0 ? readingOrder[index - 1] : null,
    next: index >= 0 && index < readingOrder.length - 1 ? readingOrder[index + 1] : null,
  }
}

/** A stand-alone page (colophon, home introduction), latest published revision. */
export async function getPage(db: Database, slug: string) {
  return (await getPublished(db, slug, 'page')) ?? null
}

/** A stand-alone page with the date readers last saw it change. */
export async function getPageForReading(db: Database, slug: string) {
  const page = await getPage(db, slug)
  return page ? { ...page, lastChange: await lastChange(db, page.id, page.revisionId) } : null
}

function ancestorsOf(entries: TocEntry[], id: number): TocEntry[] | null {
  for (const entry of entries) {
    if (entry.id === id) return []
    const below = ancestorsOf(entry.children, id)
    if (below) return [entry, ...below]
  }
  return null
}

/** The published document of a section, for picking a paragraph to change. */
export async function getPublishedDocument(db: Database, slug: string) {
  const [row] = await db
    .select({ slug: sections.slug, number: sections.number, title: revisions.title, document: revisions.document })
    .from(sections)
    .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
    .where(and(eq(sections.slug, slug), eq(sections.kind, 'section')))
  return row ?? null
}
