import { desc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { outbox } from '#server/db/schema'
import { createUser, testPassword } from '../support/factories'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

describe.skipIf(!hasChromium)('an invited network member in a browser', () => {
  const site = browserSite()

  it('is invited by an editor, accepts, logs out and logs in again; every form passes axe', async () => {
    const editor = await createUser(site.server.database.db, { role: 'editor', email: 'redactie@voorbeeld.nl', name: 'Rie Redactie' })
    const context = await site.browser.newContext()
    const page = await context.newPage()

    await page.goto(site.server.url + '/beheer/uitnodigen')
    await page.waitForURL('**/inloggen?redirectTo=%2Fbeheer%2Fuitnodigen')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByLabel('E-mailadres').fill(editor.email)
    await page.getByLabel('Wachtwoord').fill('helemaal verkeerd')
    await page.getByRole('button', { name: 'Inloggen' }).click()
    await expect(page.getByRole('alert').textContent()).resolves.toContain('horen niet bij elkaar')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByLabel('Wachtwoord').fill(testPassword)
    await page.getByRole('button', { name: 'Inloggen' }).click()
    await page.waitForURL('**/beheer/uitnodigen')

    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByLabel('E-mailadres').fill('geen-adres')
    await page.getByRole('button', { name: 'Uitnodiging versturen' }).click()
    await expect(page.locator('.field__error').first().textContent()).resolves.toContain('geldig e-mailadres')
    await page.getByLabel('E-mailadres').fill('marieke@voorbeeld.nl')
    await page.getByLabel('Rol').selectOption('member')
    await page.getByRole('button', { name: 'Uitnodiging versturen' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toContain('marieke@voorbeeld.nl')
    await context.close()

    const [mail] = await site.server.database.db.select().from(outbox).where(eq(outbox.to, 'marieke@voorbeeld.nl')).orderBy(desc(outbox.id)).limit(1)
    const link = /https?:\/\/\S+\/uitnodiging\/\S+/.exec(mail.text)![0]

    const invitee = await site.browser.newContext()
    const tab = await invitee.newPage()
    await tab.goto(link)
    expect(await seriousAccessibilityViolations(tab)).toEqual([])
    await tab.getByLabel('Naam').fill('Marieke de Vries')
    await tab.getByLabel('Wachtwoord', { exact: true }).fill('wachtwoord123')
    await tab.getByLabel('Herhaal het wachtwoord').fill('wachtwoord123')
    await tab.getByRole('button', { name: 'Account aanmaken' }).click()
    await expect(tab.locator('.field__error').first().textContent()).resolves.toContain('te bekend')
    expect(await seriousAccessibilityViolations(tab)).toEqual([])
    await tab.getByLabel('Wachtwoord', { exact: true }).fill('fietsen langs de dijk')
    await tab.getByLabel('Herhaal het wachtwoord').fill('fietsen langs de dijk')
    await tab.getByRole('button', { name: 'Account aanmaken' }).click()
    await tab.waitForURL('**/account?welkom=1')
    await tab.getByText('Welkom, Marieke de Vries!').waitFor()
    expect(await seriousAccessibilityViolations(tab)).toEqual([])

    await tab.getByRole('button', { name: 'Uitloggen' }).first().click()
    await tab.waitForURL(site.server.url + '/')
    await tab.getByRole('link', { name: 'Inloggen' }).click()
    await tab.getByLabel('E-mailadres').fill('marieke@voorbeeld.nl')
    await tab.getByLabel('Wachtwoord').fill('fietsen langs de dijk')
    await tab.getByRole('button', { name: 'Inloggen' }).click()
    await tab.waitForURL(site.server.url + '/')
    await tab.getByRole('navigation', { name: 'Account' }).filter({ hasText: 'Marieke de Vries' }).waitFor()
    await invitee.close()
  })
})
