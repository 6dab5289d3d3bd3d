import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '#server/db/client'
import { searchHandbook } from '#server/search/search'
import { createImportedDatabase } from './support/database'

let database: DatabaseHandle
beforeAll(async () => {
  database = await createImportedDatabase()
})
afterAll(() => database.close())

const slugsFor = async (query: string) => (await searchHandbook(database.db, query)).results.map((result) => result.slug)

describe('searching the handbook', () => {
  it('ignores accents: "coordinatie" finds the section on Coördinatie/regie', async () => {
    expect(await slugsFor('coordinatie')).toContain('coordinatie-regie')
  })

  it('finds Dutch word forms: "vrijwilliger" finds texts that only say "vrijwilligers"', async () => {
    const outcome = await searchHandbook(database.db, 'vrijwilliger')
    const werven = outcome.results.find((result) => result.slug === 'werven-van-vrijwilligers')
    expect(werven).toBeDefined()
    expect(werven!.snippetHtml).toMatch(/<mark>vrijwilligers<\/mark>/i)
  })

  it('ranks the section about a subject above passing mentions', async () => {
    const [first] = (await searchHandbook(database.db, 'financiering')).results
    expect(first.slug).toBe('financiering')
  })

  it('finds parts of Dutch compounds: "steunpunt" finds "wijksteunpunten"', async () => {
    const outcome = await searchHandbook(database.db, 'steunpunt')
    const result = outcome.results.find((item) => item.slug === 'formele-zorg-wijkgericht-werken')
    expect(result).toBeDefined()
    expect(result!.snippetHtml).toContain('wijk<mark>steunpunt</mark>en')
  })

  it('forgives a small typo: "cordinatie" still finds Coördinatie/regie', async () => {
    expect(await slugsFor('cordinatie')).toContain('coordinatie-regie')
  })

  it('searches the good-practice examples too', async () => {
    const outcome = await searchHandbook(database.db, 'Humanitas')
    expect(outcome.results.some((result) => result.kind === 'example')).toBe(true)
  })

  it('answers empty, stop-word-only and odd queries without error', async () => {
    expect((await searchHandbook(database.db, '   ')).results).toEqual([])
    expect((await searchHandbook(database.db, 'de het een')).results).toEqual([])
    for (const odd of ['"', '!!!', '(a & b) | !c', "'; drop table sections; --", '%_\\', '-', 'or or', '<script>alert(1)</script>']) {
      await expect(searchHandbook(database.db, odd)).resolves.toMatchObject({ results: expect.any(Array) })
    }
    expect(await slugsFor('gemeente')).not.toEqual([])
  })

  it('cuts very long queries and says so', async () => {
    const outcome = await searchHandbook(database.db, 'vrijwilligers '.repeat(100))
    expect(outcome.truncated).toBe(true)
    expect(outcome.query.length).toBeLessThanOrEqual(200)
    expect(outcome.results.length).toBeGreaterThan(0)
  })

  it('never returns the text of a snippet as live HTML', async () => {
    const outcome = await searchHandbook(database.db, '<script>vrijwilligers</script>')
    for (const result of outcome.results) expect(result.snippetHtml).not.toMatch(/<(?!\/?mark>)/)
  })
})
