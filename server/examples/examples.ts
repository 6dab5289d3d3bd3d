import { and, arrayContains, asc, eq, or, type SQL } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { examples } from '#server/db/schema'

export type ExampleFilter = { theme?: string; region?: string }

/** Published examples, optionally narrowed to one theme and/or one region. */
export async function listExamples(db: Database, filter: ExampleFilter = {}) {
  const conditions: SQL[] = [eq(examples.status, 'published')]
  if (filter.theme) conditions.push(arrayContains(examples.themes, [filter.theme]))
  if (filter.region) conditions.push(eq(examples.region, filter.region))
  return db
    .select({
      slug: examples.slug,
      name: examples.name,
      place: examples.place,
      region: examples.region,
      themes: examples.themes,
      summary: examples.summary,
      handbookSlug: examples.handbookSlug,
    })
    .from(examples)
    .where(and(...conditions))
    .orderBy(asc(examples.name))
}

/** The regions that published examples come from, for the filter. */
export async function listExampleRegions(db: Database) {
  const rows = await db
    .selectDistinct({ region: examples.region })
    .from(examples)
    .where(eq(examples.status, 'published'))
    .orderBy(asc(examples.region))
  return rows.map((row) => row.region).filter((region) => region.length > 0)
}

export async function getExample(db: Database, slug: string) {
  const [example] = await db
    .select()
    .from(examples)
    .where(and(eq(examples.slug, slug), eq(examples.status, 'published')))
  return example ?? null
}

/**
 * The examples a handbook section leads to: the network it tells about itself
 * (chapter 5, marked and linked both ways) and those that share its theme.
 */
export async function examplesForSection(db: Database, sectionSlug: string) {
  const columns = { slug: examples.slug, name: examples.name, place: examples.place, region: examples.region, summary: examples.summary, handbookSlug: examples.handbookSlug }
  const rows = await db
    .select(columns)
    .from(examples)
    .where(and(eq(examples.status, 'published'), or(eq(examples.handbookSlug, sectionSlug), arrayContains(examples.themes, [sectionSlug]))))
    .orderBy(asc(examples.name))
  return {
    sameNetwork: rows.find((row) => row.handbookSlug === sectionSlug) ?? null,
    sharingTheme: rows.filter((row) => row.handbookSlug !== sectionSlug),
  }
}
