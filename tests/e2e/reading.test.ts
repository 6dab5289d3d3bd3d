import { describe, expect, it } from 'vitest'
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
})
