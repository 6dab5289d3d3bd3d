import { and, asc, eq } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { revisions, sections } from '#server/db/schema'

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

/** A section as readers see it: the latest published revision, with its place in the book. */
export async function getSectionForReading(db: Database, slug: string) {
  const [section, tableOfContents] = await Promise.all([getPublished(db, slug, 'section'), getTableOfContents(db)])
  if (!section) return null
  const readingOrder = flattenTableOfContents(tableOfContents)
  const index = readingOrder.findIndex((entry) => entry.id === section.id)
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
