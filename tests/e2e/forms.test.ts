import { eq } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import { contributions } from '#server/db/schema'
import { createUser } from '../support/factories'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

/** Whether the element sits inside the viewport's width (nothing of it needs horizontal scrolling). */
async function fitsWidth(page: Page, selector: string) {
  return page.locator(selector).first().evaluate((element) => element.getBoundingClientRect().right <= window.innerWidth + 0.5)
}

describe.skipIf(!hasChromium)('forms that guide, in a browser', () => {
  const site = browserSite()

  it('puts an error summary first and focus on it, and the title says "Fout:" (JavaScript on)', async () => {
    const page = await (await site.browser.newContext({ viewport: { width: 320, height: 700 } })).newPage()
    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=lobby')
    await page.getByRole('button', { name: 'Versturen' }).click()
    await page.locator('.error-summary').waitFor()
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'))
    expect(await page.title()).toMatch(/^Fout: /)
    const summary = page.locator('.error-summary')
    expect(await summary.getByRole('heading').textContent()).toBe('Er is iets misgegaan')
    // Every error at once, each a link to its field.
    expect(await summary.getByRole('link').allTextContents()).toEqual([expect.stringContaining('Vul uw tip of les in'), expect.stringContaining('Geef toestemming')])
    expect(await fitsWidth(page, '.error-summary')).toBe(true)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await summary.getByRole('link', { name: /Vul uw tip of les in/ }).click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('veld-tekst')

    // Fixed, the summary goes and so does the prefix.
    await page.getByLabel('Uw tip of les').fill('Een tip die lang genoeg is om te versturen.')
    await page.getByLabel(/Ik geef toestemming/).check()
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Versturen' }).click()
    await page.getByRole('status').filter({ hasText: 'wacht op beoordeling' }).waitFor()
    expect(await page.title()).not.toMatch(/^Fout: /)
  }, 60_000)

  it('does the same after a full page POST with JavaScript off', async () => {
    const page = await (await site.browser.newContext({ javaScriptEnabled: false })).newPage()
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    await page.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    await page.locator('.error-summary').waitFor()
    expect(await page.title()).toMatch(/^Fout: Een goed voorbeeld delen/)
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary')
    const links = await page.locator('.error-summary a').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')))
    expect(links.slice(0, 4)).toEqual(['#veld-netwerk', '#veld-regio', '#veld-samenvatting', '#veld-verhaal'])
    for (const href of links) expect(await page.locator(href!).count(), href!).toBe(1)
  }, 60_000)

  it('places checkboxes and radios beside their labels, with a target of at least 24 px', async () => {
    const page = await (await site.browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    for (const label of ['Sociale kaart', /Ik geef toestemming/]) {
      const box = (await page.getByLabel(label).boundingBox())!
      const text = (await page.locator('label', { hasText: label }).first().boundingBox())!
      expect(box.width).toBeGreaterThanOrEqual(24)
      expect(box.height).toBeGreaterThanOrEqual(24)
      expect(box.x + box.width).toBeLessThanOrEqual(text.x)
      expect(Math.abs(box.y - text.y)).toBeLessThan(12)
    }
    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=lobby')
    const radio = (await page.getByLabel('Een tip: wat werkt goed?').boundingBox())!
    const radioLabel = (await page.locator('label', { hasText: 'Een tip: wat werkt goed?' }).boundingBox())!
    expect(radio.x + radio.width).toBeLessThanOrEqual(radioLabel.x)
  }, 60_000)

  it('shows a busy button while sending, and a double click stores the tip once', async () => {
    const page = await (await site.browser.newContext()).newPage()
    // A slow answer, so the busy state can be seen.
    await page.route('**/bijdragen/nieuw**', async (route) => {
      if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 800))
      await route.continue()
    })
    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=mandaat')
    const text = 'Spreek vooraf af wie namens het netwerk mag praten, en schrijf het op.'
    await page.getByLabel('Uw tip of les').fill(text)
    await page.getByLabel(/Ik geef toestemming/).check()
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Versturen' }).dblclick()
    const busy = page.getByRole('button', { name: 'Bezig met versturen…' })
    await busy.waitFor()
    expect(await busy.isDisabled()).toBe(true)
    await page.getByRole('status').filter({ hasText: 'wacht op beoordeling' }).waitFor()
    const stored = await site.server.database.db.select().from(contributions).where(eq(contributions.body, text))
    expect(stored).toHaveLength(1)
  }, 60_000)

  // Without JavaScript the page cannot disable the button; the second click must still not make a second tip.
  it('stores a tip once when its submit is double-clicked with JavaScript off', async () => {
    const page = await (await site.browser.newContext({ javaScriptEnabled: false })).newPage()
    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=rol-gemeente')
    const text = 'Nodig de ambtenaar een keer uit bij een gewone netwerkbijeenkomst, zonder agenda.'
    await page.getByLabel('Uw tip of les').fill(text)
    await page.getByLabel(/Ik geef toestemming/).check()
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Versturen' }).dblclick()
    await page.getByRole('heading', { name: 'Dank u wel!' }).waitFor()
    await page.waitForTimeout(500)
    const stored = await site.server.database.db.select().from(contributions).where(eq(contributions.body, text))
    expect(stored).toHaveLength(1)
  }, 60_000)

  it('checks the type, size and number of files in the browser before sending', async () => {
    const page = await (await site.browser.newContext()).newPage()
    let posts = 0
    page.on('request', (request) => {
      if (request.method() === 'POST') posts += 1
    })
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    const files = page.getByLabel('Bestanden (niet verplicht)')
    await files.setInputFiles([{ name: 'programma.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') }])
    await page.getByText('programma.exe is geen toegestaan bestandstype.').waitFor()
    await page.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('veld-bestanden')
    expect(posts).toBe(0)
    await files.setInputFiles(Array.from({ length: 6 }, (_, index) => ({ name: `foto-${index}.png`, mimeType: 'image/png', buffer: Buffer.from('x') })))
    await page.getByText('U kunt hoogstens 5 bestanden meesturen; u koos er 6.').waitFor()
    await files.setInputFiles([{ name: 'groot.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(20 * 1024 * 1024 + 1) }])
    await page.getByText('groot.pdf is groter dan 20 MB.').waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    expect(posts).toBe(0)
  }, 60_000)

  it('answers the paragraph picker in Dutch, without the browser’s own popup', async () => {
    const page = await (await site.browser.newContext()).newPage()
    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=lobby&soort=suggestie')
    expect(await page.locator('form[novalidate] input[type="radio"][required]').count()).toBe(0)
    await page.getByRole('button', { name: 'Deze alinea aanpassen' }).click()
    await page.locator('.error-summary', { hasText: 'Kies de alinea die u wilt veranderen.' }).waitFor()
    expect(await page.title()).toMatch(/^Fout: /)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }, 60_000)

  it('offers a section picker and a general tip at /bijdragen/nieuw', async () => {
    const page = await (await site.browser.newContext()).newPage()
    await page.goto(site.server.url + '/bijdragen/nieuw')
    expect(await page.getByLabel('Bij welke paragraaf hoort uw bijdrage?').inputValue()).toBe('')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByRole('link', { name: 'Stel een tekstwijziging voor' }).click()
    await page.getByLabel('Welke paragraaf wilt u veranderen?').selectOption('lobby')
    await page.getByRole('button', { name: 'Verder' }).click()
    await page.getByRole('group', { name: 'Welke alinea wilt u veranderen?' }).waitFor()
  }, 60_000)

  it('asks for someone else’s address on the invitation form', async () => {
    const editor = await createUser(site.server.database.db, { role: 'editor' })
    const context = await site.browser.newContext()
    await context.addCookies([{ name: sessionCookieName, value: (await createSession(site.server.database.db, editor.id)).token, url: site.server.url }])
    const page = await context.newPage()
    await page.goto(site.server.url + '/beheer/uitnodigen')
    await page.getByRole('button', { name: 'Uitnodiging versturen' }).click()
    await page.locator('.error-summary', { hasText: 'Vul het e-mailadres in.' }).waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }, 60_000)

  it('search results come grouped, with a filter and pages, and pass axe', async () => {
    const page = await (await site.browser.newContext({ viewport: { width: 320, height: 700 } })).newPage()
    await page.goto(site.server.url + '/zoeken?q=vrijwilligers')
    expect(await page.locator('input[type="search"]').count()).toBe(1)
    expect(await page.locator('input[type="search"]').inputValue()).toBe('vrijwilligers')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByRole('link', { name: /^Handreiking \(\d+\)$/ }).click()
    await page.getByText(/Pagina 1 van \d+/).first().waitFor()
    await page.getByRole('link', { name: 'Volgende pagina' }).click()
    await page.getByText(/Pagina 2 van \d+/).first().waitFor()
    expect(await page.locator('.search-results > li').count()).toBe(10)
    expect(await fitsWidth(page, '.search-results')).toBe(true)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }, 60_000)
})
