// npx tsx bench/edition-changes.ts — what storing an edition's changes costs (server/handbook/edition-changes.ts):
// the whole imported book (PGlite) with one word changed in every section, compared once with the stored
// diffs' bounds, and /wijzigingen computed for the same changes. Prints a table.
import './quiet'
import { eq } from 'drizzle-orm'
import type { ContentVersion } from '#server/content-version'
import { editionSections, editions, revisions, sections } from '#server/db/schema'
import { editionChangeReport, LiveChanges } from '#server/handbook/edition-changes'
import { createImportedDatabase } from '#tests/support/database'

const database = await createImportedDatabase()
const db = database.db
const rows = await db.select({ sectionId: sections.id, revisionId: sections.currentRevisionId, number: sections.number, parentId: sections.parentId }).from(sections).where(eq(sections.kind, 'section'))
const [first] = await db.insert(editions).values({ number: 1, pdfHash: 'bench' }).returning()
await db.insert(editionSections).values(rows.map((row) => ({ editionId: first.id, sectionId: row.sectionId, revisionId: row.revisionId!, number: row.number, parentId: row.parentId })))
let characters = 0
for (const row of rows) {
  const [old] = await db.select().from(revisions).where(eq(revisions.id, row.revisionId!))
  characters += old.plainText.length
  const words = old.plainText.split(' ')
  words[Math.floor(words.length / 2)] = 'gewijzigd'
  const [next] = await db.insert(revisions).values({ sectionId: row.sectionId, title: old.title, document: old.document, html: old.html, plainText: words.join(' '), createdBy: 1 }).returning()
  await db.update(sections).set({ currentRevisionId: next.id }).where(eq(sections.id, row.sectionId))
}
const live = new LiveChanges(db, { current: '1' } as ContentVersion)
let started = performance.now()
const liveReport = await live.report()
const liveMs = performance.now() - started
const [second] = await db.insert(editions).values({ number: 2, pdfHash: 'bench' }).returning()
const now = await db.select({ sectionId: sections.id, revisionId: sections.currentRevisionId, number: sections.number, parentId: sections.parentId }).from(sections).where(eq(sections.kind, 'section'))
await db.insert(editionSections).values(now.map((row) => ({ editionId: second.id, sectionId: row.sectionId, revisionId: row.revisionId!, number: row.number, parentId: row.parentId })))
started = performance.now()
const report = await editionChangeReport(db, 2)
const storeMs = performance.now() - started
started = performance.now()
await editionChangeReport(db, 2)
const readMs = performance.now() - started
started = performance.now()
await live.report()
const cachedMs = performance.now() - started
console.log(`| what | sections changed | ms |\n| --- | --- | --- |`)
console.log(`| /wijzigingen, first request of a content version (${characters} characters compared) | ${liveReport.sections.length} | ${liveMs.toFixed(0)} |`)
console.log(`| /wijzigingen, same content version | ${liveReport.sections.length} | ${cachedMs.toFixed(2)} |`)
console.log(`| edition 2: compare and store (as at freezing, or lazily) | ${report!.sections.length} | ${storeMs.toFixed(0)} |`)
console.log(`| edition 2: read the stored changes | ${report!.sections.length} | ${readMs.toFixed(0)} |`)
await database.close()
