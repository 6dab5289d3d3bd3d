import { and, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { editions, revisions, sections } from '#server/db/schema'
import { firstEditionSummary } from '#server/handbook/import-content'

/** A publication readers can see: the text or title differs from the version before it. */
export type PublishedChange = { revisionId: number; slug: string; number: string; title: string; summary: string; publishedAt: Date; sectionId: number }

/**
 * Published changes, newest first. The imported first edition is no change, and
 * neither is a publish that left title and text as they were. No names: who
 * published is nobody's business in a feed or a mail to strangers.
 */
export async function publishedChanges(db: Database, options: { after?: Date; through?: Date; sectionIds?: number[]; limit?: number } = {}): Promise<PublishedChange[]> {
  const ordered = db
    .select({
      id: revisions.id,
      sectionId: revisions.sectionId,
      title: revisions.title,
      summary: revisions.summary,
      createdAt: revisions.createdAt,
      imported: sql<boolean>`(${revisions.createdBy} is null and ${revisions.summary} = ${firstEditionSummary})`.as('imported'),
      changed: sql<boolean>`coalesce(lag(${revisions.html}) over versions is distinct from ${revisions.html} or lag(${revisions.title}) over versions is distinct from ${revisions.title}, true)`.as('changed'),
    })
    .from(revisions)
  // The window is named once for both lag() calls.
  const withWindow = sql`${ordered.getSQL()} window versions as (partition by ${revisions.sectionId} order by ${revisions.id})`
  const rows = await db
    .select({
      revisionId: sql<number>`v.id`.mapWith(Number),
      sectionId: sql<number>`v.section_id`.mapWith(Number),
      title: sql<string>`v.title`,
      summary: sql<string>`v.summary`,
      publishedAt: sql<Date>`v.created_at`.mapWith((value: string | Date) => new Date(value)),
      slug: sections.slug,
      number: sections.number,
    })
    .from(sql`(${withWindow}) as v`)
    .innerJoin(sections, eq(sections.id, sql`v.section_id`))
    .where(and(...conditions(options)))
    .orderBy(sql`v.created_at desc`, sql`v.id desc`)
    .limit(options.limit ?? 1000)
  return rows
}

function conditions(options: { after?: Date; through?: Date; sectionIds?: number[] }): SQL[] {
  const list: SQL[] = [sql`v.changed`, sql`not v.imported`, eq(sections.kind, 'section')]
  if (options.after) list.push(sql`v.created_at > ${options.after.toISOString()}::timestamptz`)
  if (options.through) list.push(sql`v.created_at <= ${options.through.toISOString()}::timestamptz`)
  if (options.sectionIds) list.push(options.sectionIds.length > 0 ? inArray(sections.id, options.sectionIds) : sql`false`)
  return list
}

/** The chapter and all its sub-sections, at any depth. */
export async function chapterSectionIds(db: Database, chapterId: number) {
  const rows = await db.select({ id: sections.id, parentId: sections.parentId }).from(sections)
  const children = new Map<number, number[]>()
  for (const row of rows) if (row.parentId !== null) children.set(row.parentId, [...(children.get(row.parentId) ?? []), row.id])
  const ids: number[] = []
  for (const queue = [chapterId]; queue.length > 0; ) {
    const id = queue.shift()!
    ids.push(id)
    queue.push(...(children.get(id) ?? []))
  }
  return ids
}

export type FrozenEdition = { number: number; note: string; createdAt: Date }

export async function frozenEditions(db: Database, options: { after?: number; limit?: number } = {}): Promise<FrozenEdition[]> {
  return db
    .select({ number: editions.number, note: editions.note, createdAt: editions.createdAt })
    .from(editions)
    .where(options.after === undefined ? undefined : gt(editions.number, options.after))
    .orderBy(desc(editions.number))
    .limit(options.limit ?? 1000)
}

/** The moment of the latest published revision, for a feed with nothing to show yet. */
export async function latestRevisionAt(db: Database) {
  const [row] = await db.select({ at: sql<string | null>`max(${revisions.createdAt})` }).from(revisions)
  return row?.at ? new Date(row.at) : new Date(0)
}
