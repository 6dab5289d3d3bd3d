import { PDFParse } from 'pdf-parse'
import { describe, expect, it } from 'vitest'
import { formatDate } from '#app/site'
import { connectClient, waitFor, waitForSync } from '../support/collab-client'
import { createUser, sessionCookieFor } from '../support/factories'
import { postForm } from '../support/http'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

describe.skipIf(!hasChromium)('a newcomer reading the handbook in a browser', () => {
  const site = browserSite()

  it('reads from the table of contents, section to section', async () => {
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/')
    await page.getByRole('navigation', { name: 'Inhoudsopgave' }).getByRole('link', { name: /3\.4\.3\s*Coördinatie\/regie/ }).click()
    await page.waitForURL('**/handreiking/coordinatie-regie')
    await page.getByRole('heading', { level: 1, name: /3\.4\.3\s+Coördinatie\/regie/ }).waitFor()
    await page.getByRole('link', { name: /Volgende/ }).click()
    await page.waitForURL('**/handreiking/wie-bepaalt-de-inhoud')
    await page.getByRole('heading', { level: 1, name: /Wie bepaalt de inhoud\?/ }).waitFor()
    const current = page.locator('.section-aside [aria-current="page"]')
    expect(await current.textContent()).toMatch(/3\.4\.4/)
    await page.close()
  })

  it('searches from the header and opens a result', async () => {
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/handreiking/aanleiding')
    await page.getByRole('search').first().getByRole('searchbox').fill('vrijwilliger')
    await page.getByRole('search').first().getByRole('button', { name: 'Zoeken' }).click()
    await page.waitForURL('**/zoeken?q=vrijwilliger')
    await page.getByRole('status').filter({ hasText: /\d+ resultaten voor “vrijwilliger”/ }).waitFor()
    expect(await page.locator('.search-results mark').count()).toBeGreaterThan(0)
    await page.locator('.search-results h3 a').first().click()
    await page.waitForURL(/\/(handreiking|voorbeelden)\//)
    await page.close()
  })

  it('filters the examples by region and opens one', async () => {
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/voorbeelden')
    const all = await page.locator('.card').count()
    await page.getByLabel('Regio').selectOption('Limburg')
    await page.getByRole('button', { name: 'Filteren' }).click()
    await page.waitForURL('**/voorbeelden?**regio=Limburg')
    // The address changes before the new list renders: wait for the list itself.
    await page.getByRole('status').filter({ hasText: 'in Limburg' }).waitFor()
    expect(await page.locator('.card').count()).toBeLessThan(all)
    await page.getByRole('link', { name: /StreekZorg/ }).click()
    await page.waitForURL('**/voorbeelden/streekzorg-westelijke-mijnstreek')
    await page.getByRole('heading', { level: 1, name: /StreekZorg/ }).waitFor()
    await page.close()
  })

  it('works with JavaScript switched off', async () => {
    const context = await site.browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(site.server.url + '/')
    await page.getByRole('navigation', { name: 'Inhoudsopgave' }).getByRole('link', { name: /Aanleiding/ }).click()
    await page.getByRole('heading', { level: 1, name: /Aanleiding/ }).waitFor()
    await page.getByRole('search').first().getByRole('searchbox').fill('coordinatie')
    await page.keyboard.press('Enter')
    await page.waitForURL('**/zoeken?q=coordinatie')
    expect(await page.locator('.search-results').first().textContent()).toMatch(/Coördinatie\/regie/)
    await context.close()
  })

  it('offers a skip link as the first stop of the keyboard', async () => {
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/handreiking/lobby')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Naar de inhoud')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('inhoud')
    await page.close()
  })

  it.each([
    ['home', '/'],
    ['a section', '/handreiking/coordinatie-regie'],
    ['the examples', '/voorbeelden'],
    ['an example', '/voorbeelden/mvz-010-rotterdam'],
    ['search results', '/zoeken?q=vrijwilligers'],
    ['the 404 page', '/bestaat-niet'],
  ])('has no serious accessibility violations on %s', async (_name, path) => {
    const context = await site.browser.newContext()
    const page = await context.newPage()
    await page.goto(site.server.url + path)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.setViewportSize({ width: 360, height: 740 })
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await context.close()
  })

  it('folds the contents into “Inhoud” on a phone and keeps them beside the text on a wide screen, the current section marked', async () => {
    const context = await site.browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    await page.goto(site.server.url + '/handreiking/deelnamecriteria')
    const contents = page.getByRole('navigation', { name: 'Inhoud van de handreiking' })
    expect(await contents.isVisible()).toBe(false)
    expect(await page.locator('.section-aside').isVisible()).toBe(false)
    await page.getByText('Inhoud', { exact: true }).click()
    const current = contents.locator('[aria-current="page"]')
    expect(await current.isVisible()).toBe(true)
    expect(await current.textContent()).toMatch(/3\.4\.1\s*Deelnamecriteria/)
    // Folded: the chapters, and the branch of the current section only.
    expect(await contents.getByRole('link', { name: /3\.4\.2/ }).isVisible()).toBe(true)
    expect(await contents.getByRole('link', { name: /^2\.1/ }).count()).toBe(0)

    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(site.server.url + '/handreiking/voor-vrijwilligersorganisaties')
    expect(await page.getByText('Inhoud', { exact: true }).isVisible()).toBe(false)
    const sidebar = page.locator('.section-aside')
    expect(await sidebar.isVisible()).toBe(true)
    expect(await sidebar.evaluate((element) => getComputedStyle(element).position)).toBe('sticky')
    // Scrolled past where it starts, it stays at the top of the window.
    await page.evaluate(() => window.scrollTo(0, 300))
    const box = await sidebar.boundingBox()
    expect(box!.y).toBeGreaterThanOrEqual(0)
    expect(box!.y).toBeLessThan(50)
    await context.close()
  })

  it('lists the sub-headings of a section under “Op deze pagina” and jumps to them', async () => {
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/handreiking/voor-burgers-zorgvragers')
    const onThisPage = page.getByRole('navigation', { name: 'Op deze pagina' })
    await onThisPage.getByRole('link', { name: 'Grotere zichtbaarheid' }).click()
    await page.waitForURL('**/handreiking/voor-burgers-zorgvragers#grotere-zichtbaarheid')
    const heading = page.getByRole('heading', { level: 2, name: 'Grotere zichtbaarheid' })
    expect(await heading.getAttribute('id')).toBe('grotere-zichtbaarheid')
    expect(await heading.evaluate((element) => element.getBoundingClientRect().top)).toBeLessThan(100)
    await page.goto(site.server.url + '/handreiking/lobby')
    expect(await page.getByRole('navigation', { name: 'Op deze pagina' }).count()).toBe(0)
    await page.close()
  })

  it('dates untouched text with the first edition, and changed text with the day its change was published', async () => {
    const updated = async () => (await (await fetch(site.server.url + '/handreiking/sociale-kaart')).text()).match(/Laatst gewijzigd[^·]*<\/time>/)?.[0]
    expect(await updated()).toBe('Laatst gewijzigd in <time dateTime="2014">2014</time>')
    const editor = await createUser(site.server.database.db, { role: 'editor' })
    const cookie = await sessionCookieFor(site.server.database.db, editor.id)
    const publish = (summary: string) => postForm(site.server.url, '/handreiking/sociale-kaart/bewerken', { summary }, { Cookie: cookie })

    expect((await publish('Alleen opnieuw gepubliceerd')).status).toBe(302)
    expect(await updated()).toBe('Laatst gewijzigd in <time dateTime="2014">2014</time>')

    const writer = connectClient(site.server.url, 'sociale-kaart', cookie)
    await waitForSync(writer)
    writer.addParagraph('Een nieuwe alinea over de kwartiermaker.')
    await waitFor(() => writer.text().includes('kwartiermaker'))
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect((await publish('Kwartiermaker toegevoegd')).status).toBe(302)
    writer.close()
    expect(await updated()).toMatch(new RegExp(`^Laatst gewijzigd op <time dateTime="\\d{4}-[^"]+">${formatDate(new Date())}</time>$`))
  })

  it('says what the PDF download is: its size and number of pages', async () => {
    const pdf = Buffer.from(await (await fetch(site.server.url + '/handreiking.pdf')).arrayBuffer())
    const parser = new PDFParse({ data: new Uint8Array(pdf) })
    const { total } = await parser.getInfo()
    await parser.destroy()
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/')
    const link = page.locator('.hero').getByRole('link', { name: /^Download de handreiking/ })
    expect(await link.textContent()).toBe(`Download de handreiking (pdf, ${Math.round(pdf.length / 1000)} kB, ${total} pagina's)`)
    await page.close()
  })

  it('prints a section as its text only', async () => {
    const page = await site.browser.newPage()
    await page.goto(site.server.url + '/handreiking/voor-burgers-zorgvragers')
    await page.emulateMedia({ media: 'print' })
    for (const selector of ['.site-header', '.site-footer', '.breadcrumb', '.contents-toggle', '.section-aside', '.on-this-page', '.practice', '.pager']) {
      expect(await page.locator(selector).first().isVisible(), selector).toBe(false)
    }
    expect(await page.getByRole('heading', { level: 1 }).isVisible()).toBe(true)
    expect(await page.locator('.prose').isVisible()).toBe(true)
    expect(await page.getByRole('link', { name: 'Deel een tip of lesson learned' }).isVisible()).toBe(false)
    await page.close()
  })
})
