import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '#server/db/client'
import { searchHandbook } from '#server/search/search'
import { createImportedDatabase } from './support/database'
import { startTestServer, type TestServer } from './support/server'

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

describe('the search page', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server?.close())
  const page = async (path: string) => (await (await fetch(server.url + path)).text()).replaceAll('<!-- -->', '')
  const resultLinks = (html: string) => [...html.matchAll(/<li><h3><a[^>]*href="([^"]+)"/g)].map((match) => match[1])

  it('groups the results by kind, each group linking to all of its kind', async () => {
    const html = await page('/zoeken?q=vrijwilligers')
    expect(html).toMatch(/<h2 id="groep-handreiking">Handreiking<\/h2>/)
    expect(html).toMatch(/<h2 id="groep-voorbeelden">Goede voorbeelden<\/h2>/)
    expect(html.indexOf('groep-handreiking')).toBeLessThan(html.indexOf('groep-voorbeelden'))
    expect(html).toMatch(/href="\/zoeken\?q=vrijwilligers&amp;soort=handreiking"[^>]*>Alle \d+ resultaten bij handreiking/)
    expect(resultLinks(html).length).toBeLessThanOrEqual(10)
  })

  it('filters by kind and shows pages of ten', async () => {
    const first = await page('/zoeken?q=vrijwilligers&soort=handreiking')
    const total = Number(/Handreiking \((\d+)\)/.exec(first)![1])
    expect(total).toBeGreaterThan(20)
    const firstLinks = resultLinks(first)
    expect(firstLinks).toHaveLength(10)
    expect(firstLinks.every((href) => href.startsWith('/handreiking/'))).toBe(true)
    expect(first).toContain(`Pagina 1 van ${Math.ceil(total / 10)}`)
    expect(first).toContain('rel="next"')

    const second = resultLinks(await page('/zoeken?q=vrijwilligers&soort=handreiking&pagina=2'))
    expect(second).toHaveLength(10)
    expect(second.filter((href) => firstLinks.includes(href))).toEqual([])
    // Past the end: the last page, not an empty one.
    const last = await page('/zoeken?q=vrijwilligers&soort=handreiking&pagina=999')
    expect(last).toContain(`Pagina ${Math.ceil(total / 10)} van ${Math.ceil(total / 10)}`)
    expect(resultLinks(last).length).toBe(total % 10 || 10)

    const examplesOnly = resultLinks(await page('/zoeken?q=vrijwilligers&soort=voorbeelden'))
    expect(examplesOnly.length).toBeGreaterThan(0)
    expect(examplesOnly.every((href) => href.startsWith('/voorbeelden/'))).toBe(true)
  })

  it('has exactly one search box on every page, holding the query on the search page', async () => {
    for (const path of ['/', '/zoeken', '/zoeken?q=lobby', '/handreiking/lobby', '/voorbeelden']) {
      expect((await page(path)).match(/type="search"/g), path).toHaveLength(1)
    }
    expect(await page('/zoeken?q=lobby')).toMatch(/type="search" name="q"[^>]*value="lobby"/)
  })

  it('marks a network told both in chapter 5 and among the examples, and links both ways', async () => {
    const results = await page('/zoeken?q=MVZ')
    expect(results).toMatch(/Dit netwerk staat ook bij de <a [^>]*href="\/voorbeelden\/mvz-010-rotterdam">goede voorbeelden<\/a>/)
    expect(results).toMatch(/Dit voorbeeld staat ook in de handreiking, <a [^>]*href="\/handreiking\/mvz-010-rotterdam">/)
    expect(await page('/handreiking/mvz-010-rotterdam')).toMatch(/class="also-in">Dit netwerk staat ook bij de goede voorbeelden[^<]*<a [^>]*href="\/voorbeelden\/mvz-010-rotterdam">/)
    expect(await page('/voorbeelden/mvz-010-rotterdam')).toMatch(/class="also-in">Dit netwerk staat ook in de handreiking[^<]*<a [^>]*href="\/handreiking\/mvz-010-rotterdam">/)
    expect(await page('/voorbeelden')).toMatch(/Ook in de handreiking: <a [^>]*href="\/handreiking\/streekzorg-westelijke-mijnstreek">/)
  })

  it('a section links to the examples that share its theme', async () => {
    const html = await page('/handreiking/centraal-contactpunt')
    expect(html).toContain('Goede voorbeelden over dit onderwerp')
    expect(html).toContain('href="/voorbeelden/mvz-010-rotterdam"')
    expect(html).toContain('href="/voorbeelden/humanitas-almere-schuldhulp"')
    expect(await page('/handreiking/mandaat')).not.toContain('Goede voorbeelden over dit onderwerp')
  })
})
