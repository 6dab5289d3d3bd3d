import { asc, count, eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { examples, revisions, sections } from '#server/db/schema'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { flattenTableOfContents, getTableOfContents } from '#server/handbook/sections'
import type { DatabaseHandle } from '#server/db/client'
import { contentDir, createTestDatabase } from './support/database'
import { normalise, seedParagraphs, seedTableOfContents } from './support/seed'

let database: DatabaseHandle
afterEach(() => database?.close())

async function importedText(handle: DatabaseHandle) {
  const rows = await handle.db
    .select({ title: revisions.title, text: revisions.plainText })
    .from(sections)
    .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
  return normalise(rows.map((row) => `${row.title}\n${row.text}`).join('\n'))
}

describe('importing the first edition', () => {
  it('keeps every table-of-contents entry of the handbook, in order and nested by number', async () => {
    database = await createTestDatabase()
    await importContentIfEmpty(database.db, contentDir)
    const toc = flattenTableOfContents(await getTableOfContents(database.db))
    expect(toc.map((entry) => (entry.number ? `${entry.number} ${entry.title}` : entry.title).replace(/^(\d+) /, '$1. '))).toEqual(
      seedTableOfContents,
    )
    const tree = await getTableOfContents(database.db)
    expect(tree.map((entry) => entry.number)).toEqual(['', '1', '2', '3', '4', '5'])
    const chapter3 = tree.find((entry) => entry.number === '3')!
    expect(chapter3.children.find((entry) => entry.number === '3.4')!.children).toHaveLength(7)
  })

  it('keeps every paragraph of the handbook', async () => {
    database = await createTestDatabase()
    await importContentIfEmpty(database.db, contentDir)
    const text = await importedText(database)
    const missing = seedParagraphs.filter((paragraph) => !text.includes(normalise(paragraph.replace(/^[“"]|[”"]$/g, ''))))
    expect(missing).toEqual([])
  })

  it('keeps bold phrases, numbered lists, quotes with their speaker and links in the documents', async () => {
    database = await createTestDatabase()
    await importContentIfEmpty(database.db, contentDir)
    const html = async (slug: string) => {
      const [row] = await database.db
        .select({ html: revisions.html })
        .from(sections)
        .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
        .where(eq(sections.slug, slug))
      return row.html
    }
    expect(await html('aanleiding')).toContain('<strong>ervaringen van vier lokale netwerken</strong>')
    const benefits = await html('voor-vrijwilligersorganisaties')
    expect(benefits.match(/<ol[^>]*>[\s\S]*<\/ol>/)?.[0].match(/<li>/g)).toHaveLength(7)
    const rotterdam = await html('mvz-010-rotterdam')
    expect(rotterdam).toMatch(/<blockquote>[\s\S]*De oprichting van ons netwerk[\s\S]*Renske Venstra, adviseur MVZ 010[\s\S]*<\/blockquote>/)
    expect(rotterdam).toContain('href="https://www.vrijwilligerswerkrotterdam.nl"')
    expect(await html('voor-burgers-zorgvragers')).toContain('<h2>Grotere zichtbaarheid</h2>')
    expect(await html('colofon')).toContain('Marloes Hooimeijer')
  })

  it('imports the good-practice examples with their structured fields', async () => {
    database = await createTestDatabase()
    await importContentIfEmpty(database.db, contentDir)
    const rows = await database.db.select().from(examples).orderBy(asc(examples.name))
    expect(rows.length).toBeGreaterThanOrEqual(6)
    const places = rows.map((row) => row.place).join(' ')
    for (const place of ['Rotterdam', 'Enkhuizen', 'Haarlem', 'Almere']) expect(places).toContain(place)
    const rotterdam = rows.find((row) => row.slug === 'mvz-010-rotterdam')!
    expect(rotterdam).toMatchObject({ region: 'Zuid-Holland', founded: '2004', quoteBy: 'Renske Venstra, adviseur MVZ 010' })
    expect(rotterdam.themes.length).toBeGreaterThan(0)
  })

  it('does not import twice when the server starts again', async () => {
    database = await createTestDatabase()
    expect((await importContentIfEmpty(database.db, contentDir)).imported).toBe(true)
    const [before] = await database.db.select({ sections: count() }).from(sections)
    expect((await importContentIfEmpty(database.db, contentDir)).imported).toBe(false)
    const [after] = await database.db.select({ sections: count() }).from(sections)
    const [revisionCount] = await database.db.select({ revisions: count() }).from(revisions)
    expect(after.sections).toBe(before.sections)
    expect(revisionCount.revisions).toBe(before.sections)
  })
})
