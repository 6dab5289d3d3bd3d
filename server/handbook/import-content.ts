import { count, eq } from 'drizzle-orm'
import { withAdvisoryLock, type Database } from '#server/db/client'
import { examples, revisions, sections } from '#server/db/schema'
import { readContentFiles } from './content-files'
import { markdownToDocument } from './markdown'
import { documentPlainText, renderDocumentHtml } from './render'

const importLockKey = 7_100_001
export const firstEditionSummary = 'Eerste editie (2014), overgenomen uit de handreiking van Vereniging NOV'

/**
 * Fills an empty database from content/: sections with their first revision,
 * the stand-alone pages and the good-practice examples. Runs at every start;
 * does nothing once sections exist, and under a lock so that two processes
 * starting together import once.
 */
export async function importContentIfEmpty(db: Database, contentDir: string) {
  const content = await readContentFiles(contentDir)
  return withAdvisoryLock(db, importLockKey, async (tx) => {
    const [{ existing }] = await tx.select({ existing: count() }).from(sections)
    if (existing > 0) return { imported: false as const }

    const idsBySlug = new Map<string, number>()
    const entries = [
      ...content.sections.map((section) => ({ ...section, kind: 'section' as const })),
      ...content.pages.map((page, index) => ({ ...page, number: '', parent: '', order: index + 1, kind: 'page' as const })),
    ]
    for (const entry of entries) {
      const parentId = entry.parent ? idsBySlug.get(entry.parent) : null
      if (parentId === undefined) throw new Error(`content: section ${entry.slug} names unknown parent ${entry.parent}`)
      const [section] = await tx
        .insert(sections)
        .values({ slug: entry.slug, kind: entry.kind, number: entry.number, title: entry.title, parentId, position: entry.order })
        .returning({ id: sections.id })
      idsBySlug.set(entry.slug, section.id)
      const document = markdownToDocument(entry.body)
      const [revision] = await tx
        .insert(revisions)
        .values({
          sectionId: section.id,
          title: entry.title,
          document,
          html: renderDocumentHtml(document),
          plainText: documentPlainText(document),
          summary: firstEditionSummary,
        })
        .returning({ id: revisions.id })
      await tx.update(sections).set({ currentRevisionId: revision.id }).where(eq(sections.id, section.id))
    }

    for (const { body, ...example } of content.examples) {
      const story = markdownToDocument(body)
      await tx.insert(examples).values({
        ...example,
        story,
        storyHtml: renderDocumentHtml(story),
        storyText: documentPlainText(story),
      })
    }
    return { imported: true as const, sections: content.sections.length, pages: content.pages.length, examples: content.examples.length }
  })
}
