import type { BrowserContext } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import type { Role } from '#server/db/schema'
import { createUser } from '../support/factories'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

describe.skipIf(!hasChromium)('two network members editing one section in browsers', () => {
  const site = browserSite()

  async function signedIn(name: string, role: Role): Promise<BrowserContext> {
    const user = await createUser(site.server.database.db, { name, role })
    const { token } = await createSession(site.server.database.db, user.id)
    const context = await site.browser.newContext()
    await context.addCookies([{ name: sessionCookieName, value: token, url: site.server.url }])
    return context
  }

  it('each sees the other’s text and caret, and the editor publishes it', async () => {
    const anna = await (await signedIn('Anna Akkermans', 'editor')).newPage()
    const bram = await (await signedIn('Bram Bos', 'member')).newPage()
    for (const page of [anna, bram]) {
      await page.goto(site.server.url + '/handreiking/lobby/bewerken')
      await page.getByRole('status').filter({ hasText: 'Verbonden' }).waitFor()
    }
    expect(await seriousAccessibilityViolations(anna)).toEqual([])

    await anna.locator('.ProseMirror').click()
    await anna.keyboard.press('Control+End')
    await anna.keyboard.press('Enter')
    await anna.keyboard.type('Anna schrijft hier een nieuwe zin.')
    await bram.locator('.ProseMirror', { hasText: 'Anna schrijft hier een nieuwe zin.' }).waitFor()
    await bram.locator('.collaboration-carets__label', { hasText: 'Anna Akkermans' }).waitFor()

    await bram.locator('.ProseMirror').click()
    await bram.keyboard.press('Control+Home')
    await bram.keyboard.type('Bram begint: ')
    await anna.locator('.ProseMirror', { hasText: 'Bram begint:' }).waitFor()
    await anna.locator('.collaboration-carets__label', { hasText: 'Bram Bos' }).waitFor()
    expect(await anna.getByRole('list', { name: 'Nu aan het bewerken' }).textContent()).toContain('Bram Bos')

    // The toolbar is one tab stop with arrow-key navigation and says which style is on.
    await anna.getByRole('button', { name: 'Vet' }).focus()
    await anna.keyboard.press('ArrowRight')
    expect(await anna.evaluate(() => document.activeElement?.textContent)).toBe('Cursief')

    await anna.getByLabel('Wat is er veranderd?').fill('Zinnen van Anna en Bram')
    await anna.getByRole('button', { name: 'Publiceren' }).click()
    await anna.waitForURL(/\/handreiking\/lobby\?gepubliceerd=/)
    const published = await (await fetch(site.server.url + '/handreiking/lobby')).text()
    expect(published).toContain('Anna schrijft hier een nieuwe zin.')
    expect(published).toContain('Bram begint:')
  })

  it('starts again when the member opens the page a second time and the browser revalidates it', async () => {
    const context = await signedIn('Cas Claassen', 'member')
    const refusals: string[] = []
    for (let visit = 0; visit < 2; visit++) {
      const page = await context.newPage()
      page.on('console', (message) => message.type() === 'error' && message.text().includes('Content Security Policy') && refusals.push(message.text()))
      const response = await page.goto(site.server.url + '/handreiking/mandaat/bewerken')
      // The second visit is revalidated (304) and shown from the browser's copy: its scripts must still run.
      if (visit === 1) expect((await response!.request().allHeaders())['if-none-match']).toBe((await response!.allHeaders()).etag)
      await page.getByRole('status').filter({ hasText: 'Verbonden' }).waitFor()
      expect(refusals).toEqual([])
      if (visit === 1) {
        // The policy kept with that copy is still in force: a script without its nonce is refused.
        await page.evaluate(() => document.body.append(Object.assign(document.createElement('script'), { textContent: 'window.injected = true' })))
        expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined()
        expect(refusals.length).toBe(1)
      }
      await page.close()
    }
    await context.close()
  })
})
