import { readFile } from 'node:fs/promises'
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import type { Role } from '#server/db/schema'
import { createUser } from '../support/factories'
import { pngBytes, samePicture } from '../support/submissions'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

/** Whether every element matching the selector fits in the viewport's width. */
async function allFitWidth(page: Page, selector: string) {
  return page.locator(selector).evaluateAll((elements) => elements.every((element) => element.getBoundingClientRect().right <= window.innerWidth + 0.5))
}

describe.skipIf(!hasChromium)('moderators and editors in a browser', () => {
  const site = browserSite()

  async function signedIn(role: Role, options: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
    const user = await createUser(site.server.database.db, { role, name: `Test ${role}` })
    const { token } = await createSession(site.server.database.db, user.id)
    const context = await site.browser.newContext({ acceptDownloads: true, ...options })
    await context.addCookies([{ name: sessionCookieName, value: token, url: site.server.url }])
    return context
  }

  async function sendTip(text: string) {
    const page = await (await site.browser.newContext()).newPage()
    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=gezamenlijke-media')
    await page.getByLabel('Uw tip of les').fill(text)
    await page.getByLabel(/Ik geef toestemming/).check()
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Versturen' }).click()
    await page.getByRole('status').filter({ hasText: 'wacht op beoordeling' }).waitFor()
    await page.context().close()
  }

  it('the moderator sees every field and the file of a waiting example and opens the file; a visitor cannot', async () => {
    const visitor = await (await site.browser.newContext()).newPage()
    await visitor.goto(site.server.url + '/voorbeelden/nieuw')
    await visitor.getByLabel('Naam van het netwerk of de organisatie').fill('Buurtnetwerk Kampen')
    await visitor.getByLabel('Plaats').fill('Kampen')
    await visitor.getByLabel('Provincie').selectOption('Overijssel')
    await visitor.getByLabel('Sociale kaart').check()
    await visitor.getByLabel('Korte samenvatting').fill('Zes organisaties in Kampen houden samen één sociale kaart bij.')
    await visitor.getByLabel('Het verhaal').fill('We begonnen met een spreadsheet.\n\nNu is er een website die de bibliotheek bijhoudt, met alle vrijwilligersorganisaties.')
    await visitor.getByLabel('Website').fill('www.buurtnetwerk-kampen.nl')
    await visitor.getByLabel('Contact voor wie meer wil weten').fill('Bel de bibliotheek: 038-1234567')
    await visitor.getByLabel('Bestanden (niet verplicht)').setInputFiles([{ name: 'sociale kaart.png', mimeType: 'image/png', buffer: pngBytes }])
    await visitor.getByLabel(/Ik geef toestemming/).check()
    await visitor.waitForTimeout(3100)
    await visitor.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    await visitor.getByRole('status').filter({ hasText: 'wacht op beoordeling' }).waitFor()

    for (const width of [320, 1280]) {
      const queue = await (await signedIn('editor', { viewport: { width, height: 900 } })).newPage()
      await queue.goto(site.server.url + '/beheer/moderatie?soort=example')
      const item = queue.getByRole('article', { name: /Buurtnetwerk Kampen/ })
      const fields = await item.locator('.queue-fields').textContent()
      for (const shown of ['Kampen', 'Overijssel', 'Sociale kaart', 'één sociale kaart', 'alle vrijwilligersorganisaties', 'https://www.buurtnetwerk-kampen.nl', '038-1234567']) expect(fields).toContain(shown)
      expect(await item.locator('.queue-file').textContent()).toMatch(/sociale-kaart\.png\s*PNG, 1 kB/)
      expect(await allFitWidth(queue, '.moderation .filters, .moderation select, .queue-item, .queue-file, .queue-fields')).toBe(true)
      expect(await seriousAccessibilityViolations(queue)).toEqual([])
      if (width === 1280) {
        await item.getByText('Zo komt het op de website').click()
        expect(await item.locator('.preview .card__title').textContent()).toBe('Buurtnetwerk Kampen')
        const [download] = await Promise.all([queue.waitForEvent('download'), item.getByRole('link', { name: /Openen/ }).click()])
        expect(download.suggestedFilename()).toBe('sociale-kaart.png')
        expect(await samePicture(await readFile((await download.path())!), pngBytes)).toBe(true)
        const href = await item.getByRole('link', { name: /Openen/ }).getAttribute('href')
        expect((await visitor.request.get(site.server.url + href)).status()).toBe(403)
      }
      await queue.context().close()
    }
  }, 120_000)

  it('rejecting asks for confirmation on a second page, also without JavaScript', async () => {
    const text = 'Een tip over een nieuwsbrief die de redacteur zal afwijzen.'
    await sendTip(text)
    const page = await (await signedIn('editor', { javaScriptEnabled: false })).newPage()
    await page.goto(site.server.url + '/beheer/moderatie?sectie=gezamenlijke-media')
    const item = page.getByRole('article').filter({ hasText: text })
    await item.getByText('Bewerken en dan besluiten').click()
    await item.getByLabel('Reden (bij afwijzen)').fill('Staat al in de paragraaf.')
    await item.getByRole('button', { name: 'Afwijzen' }).click()
    await page.getByRole('heading', { name: 'Weet u zeker dat u deze bijdrage wilt afwijzen?' }).waitFor()
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('confirm-panel')
    expect(await page.locator('.confirm-panel').textContent()).toContain(text.slice(0, 40))
    await page.getByRole('button', { name: 'Ja, afwijzen' }).click()
    await page.getByRole('status').filter({ hasText: '1 bijdrage afgewezen' }).waitFor()
    expect(await page.locator('.queue-item', { hasText: text }).count()).toBe(0)

    // With JavaScript the same two steps, and the panel passes axe.
    await sendTip('Een tip die als spam wordt gemarkeerd, na een bevestiging.')
    const withScript = await (await signedIn('editor')).newPage()
    await withScript.goto(site.server.url + '/beheer/moderatie?sectie=gezamenlijke-media')
    await withScript.getByRole('article').filter({ hasText: 'als spam wordt gemarkeerd' }).getByRole('checkbox').check()
    await withScript.locator('#bulk').getByRole('button', { name: 'Spam' }).click()
    await withScript.getByRole('button', { name: 'Ja, als spam markeren' }).waitFor()
    expect(await seriousAccessibilityViolations(withScript)).toEqual([])
    await withScript.getByRole('link', { name: 'Nee, terug naar de wachtrij' }).click()
    await withScript.getByRole('article').filter({ hasText: 'als spam wordt gemarkeerd' }).waitFor()
  }, 120_000)

  it('the editor has undo and redo with their shortcuts, a toolbar that stays in view, and focus back after the link form', async () => {
    const page = await (await signedIn('editor', { viewport: { width: 1280, height: 700 } })).newPage()
    await page.goto(site.server.url + '/handreiking/gezamenlijke-media/bewerken')
    await page.getByRole('status').filter({ hasText: 'Verbonden' }).waitFor()
    const undo = page.getByRole('button', { name: 'Ongedaan maken' })
    expect(await undo.getAttribute('title')).toBe('Ongedaan maken (Ctrl+Z)')
    expect(await undo.getAttribute('aria-keyshortcuts')).toBe('Control+Z')
    expect(await page.getByRole('button', { name: 'Opnieuw' }).getAttribute('title')).toBe('Opnieuw (Ctrl+Y)')
    expect(await page.getByRole('button', { name: 'Vet' }).getAttribute('title')).toBe('Vet (Ctrl+B)')

    await page.locator('.ProseMirror').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type(' Een zin om ongedaan te maken.')
    await page.locator('.ProseMirror', { hasText: 'Een zin om ongedaan te maken.' }).waitFor()
    await undo.click()
    await page.waitForFunction(() => !document.querySelector('.ProseMirror')?.textContent?.includes('Een zin om ongedaan te maken.'))
    await page.getByRole('button', { name: 'Opnieuw' }).click()
    await page.locator('.ProseMirror', { hasText: 'Een zin om ongedaan te maken.' }).waitFor()

    // Escape in the link form puts focus back on the Link button.
    await page.getByRole('button', { name: 'Link', exact: true }).click()
    await page.getByLabel('Adres van de link').waitFor()
    await page.keyboard.press('Escape')
    await page.waitForFunction(() => document.activeElement?.textContent === 'Link')
    expect(await page.getByLabel('Adres van de link').count()).toBe(0)

    // Typing far down the text, the toolbar is still at the top of the window.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
    const dock = (await page.locator('.toolbar-dock').boundingBox())!
    expect(dock.y).toBeGreaterThanOrEqual(-1)
    expect(dock.y).toBeLessThan(5)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.context().close()

    // On a phone: one row, the rest behind "Meer".
    const phone = await (await signedIn('member', { viewport: { width: 320, height: 640 } })).newPage()
    await phone.goto(site.server.url + '/handreiking/gezamenlijke-media/bewerken')
    await phone.getByRole('status').filter({ hasText: 'Verbonden' }).waitFor()
    const toolbar = (await phone.getByRole('toolbar', { name: 'Opmaak' }).boundingBox())!
    const button = (await phone.getByRole('button', { name: 'Vet' }).boundingBox())!
    expect(toolbar.height).toBeLessThan(button.height * 2)
    expect(toolbar.x + toolbar.width).toBeLessThanOrEqual(320)
    expect(await phone.getByRole('button', { name: 'Kop', exact: true }).isVisible()).toBe(false)
    await phone.getByRole('button', { name: 'Meer' }).click()
    expect(await phone.getByRole('button', { name: 'Kop', exact: true }).isVisible()).toBe(true)
    expect(await seriousAccessibilityViolations(phone)).toEqual([])
  }, 120_000)

  it('history compares the previous version with the current one after a publish, fits its panel, and asks before restoring', async () => {
    const page = await (await signedIn('editor', { viewport: { width: 1280, height: 900 } })).newPage()
    await page.goto(site.server.url + '/handreiking/lobby/bewerken')
    await page.getByRole('status').filter({ hasText: 'Verbonden' }).waitFor()
    await page.locator('.ProseMirror').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type(' Nieuw: lobby samen met de bibliotheek.')
    await page.getByLabel('Wat is er veranderd?').fill('Zin over de bibliotheek')
    await page.getByRole('button', { name: 'Publiceren' }).click()
    await page.waitForURL(/gepubliceerd=/)

    await page.goto(site.server.url + '/handreiking/lobby/geschiedenis')
    const options = await page.locator('#van option').evaluateAll((elements) => elements.map((element) => (element as HTMLOptionElement).value))
    expect(await page.locator('#van').inputValue()).toBe(options[1])
    expect(await page.locator('#naar').inputValue()).toBe(options[0])
    expect(await page.locator('.diff ins').first().textContent()).toContain('bibliotheek')
    const panel = (await page.locator('.history-compare').boundingBox())!
    for (const select of ['#van', '#naar']) {
      const box = (await page.locator(select).boundingBox())!
      expect(box.x + box.width).toBeLessThanOrEqual(panel.x + panel.width)
    }

    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByRole('button', { name: /Terugzetten in het concept/ }).click()
    await page.getByRole('heading', { name: /terugzetten in het concept\?/ }).waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Ja, terugzetten' }).click()
    await page.getByRole('status').filter({ hasText: 'De oude versie staat weer in het concept' }).waitFor()
  }, 120_000)
})
