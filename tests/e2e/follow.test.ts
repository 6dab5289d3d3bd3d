import { desc, eq } from 'drizzle-orm'
import type { Browser, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { outbox, subscriptions } from '#server/db/schema'
import { waitFor } from '../support/collab-client'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

async function openFollowForm(browser: Browser, baseUrl: string, javaScriptEnabled: boolean) {
  const page = await (await browser.newContext({ javaScriptEnabled, viewport: { width: 320, height: 700 } })).newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(baseUrl + '/handreiking/samenwerking-opzetten')
  await page.getByRole('link', { name: 'Volg dit hoofdstuk' }).click()
  await page.getByRole('heading', { level: 1, name: 'Wijzigingen volgen' }).waitFor()
  expect(await page.getByLabel('Wat wilt u volgen?').inputValue()).toBe('samenwerking-opzetten')
  return page
}

async function refuseWrongAddress(page: Page) {
  await page.getByLabel('E-mailadres').fill('lezer@voorbeeld')
  await page.getByRole('button', { name: 'Volgen' }).click()
  await page.locator('.error-summary').waitFor()
  await page.waitForFunction(() => document.title.startsWith('Fout: Wijzigingen volgen'))
  expect(await page.locator('#veld-email-error').textContent()).toBe('Fout: Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.')
  expect(await page.locator('.error-summary a').getAttribute('href')).toBe('#veld-email')
  // The choice survives the refusal.
  expect(await page.getByLabel('Wat wilt u volgen?').inputValue()).toBe('samenwerking-opzetten')
}

describe.skipIf(!hasChromium)('following a chapter in a browser', () => {
  const site = browserSite()

  it('says what is wrong with an address next to the field and in the summary, and passes axe', async () => {
    const page = await openFollowForm(site.browser, site.server.url, true)
    await refuseWrongAddress(page)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.context().close()
  }, 60_000)

  it('works without JavaScript: refusal, confirmation by the mailed link, unsubscribing by the next', async () => {
    const page = await openFollowForm(site.browser, site.server.url, false)
    await refuseWrongAddress(page)
    await page.getByLabel('E-mailadres').fill('lezer@voorbeeld.nl')
    await page.getByRole('button', { name: 'Volgen' }).click()
    await page.getByRole('status').filter({ hasText: 'hoofdstuk 3 Samenwerking opzetten' }).waitFor()
    const db = site.server.database.db
    const mails = () => db.select().from(outbox).where(eq(outbox.to, 'lezer@voorbeeld.nl')).orderBy(desc(outbox.id))
    await waitFor(async () => (await mails()).length === 1, 10_000, 'the confirmation mail')
    const [mail] = await mails()
    await page.goto(/http:\S+\/volgen\/bevestigen\/\S+/.exec(mail.text)![0])
    await page.getByRole('button', { name: 'Ja, ik wil de wijzigingen volgen' }).click()
    await page.getByRole('heading', { name: 'U volgt nu de wijzigingen' }).waitFor()
    expect((await db.select().from(subscriptions).where(eq(subscriptions.email, 'lezer@voorbeeld.nl')))[0].confirmedAt).not.toBeNull()

    await page.goto(mail.listUnsubscribe!)
    await page.getByRole('button', { name: 'Afmelden' }).click()
    await page.getByRole('heading', { name: 'U bent afgemeld' }).waitFor()
    expect(await db.select().from(subscriptions).where(eq(subscriptions.email, 'lezer@voorbeeld.nl'))).toHaveLength(0)
    await page.context().close()
  }, 60_000)
})
