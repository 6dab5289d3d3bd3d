import { describe, expect, it } from 'vitest'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import { createUser } from '../support/factories'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

describe.skipIf(!hasChromium)('visitors contribute and an editor moderates, in a browser', () => {
  const site = browserSite()

  it('a visitor shares a tip and proposes a text change; the editor approves both from the queue', async () => {
    const visitorContext = await site.browser.newContext()
    const page = await visitorContext.newPage()
    await page.goto(site.server.url + '/handreiking/centraal-contactpunt')
    await page.getByRole('link', { name: 'Deel een tip of lesson learned' }).click()
    await page.getByRole('heading', { level: 1, name: 'Deel een tip of lesson learned' }).waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])

    await page.getByRole('button', { name: 'Versturen' }).click()
    await page.locator('.field__error').first().waitFor()
    expect(await page.locator('.field__error').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Vul uw tip of les in'), expect.stringContaining('Geef toestemming')]))
    expect(await seriousAccessibilityViolations(page)).toEqual([])

    await page.getByLabel('Een lesson learned').check()
    await page.getByLabel('Uw tip of les').fill('Zet het telefoonnummer van het contactpunt op elke flyer van elke organisatie.')
    await page.getByLabel('Naam', { exact: true }).fill('Karin de Boer')
    await page.getByLabel('Toon mijn naam en organisatie').check()
    await page.getByLabel(/Ik geef toestemming/).check()
    // People take a moment to write; the form refuses what bots send within seconds.
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Versturen' }).click()
    await page.getByRole('status').filter({ hasText: 'wacht op beoordeling' }).waitFor()

    await page.goto(site.server.url + '/bijdragen/nieuw?sectie=centraal-contactpunt&soort=suggestie')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.locator('.paragraph-picker__option input').first().check()
    await page.getByRole('button', { name: 'Deze alinea aanpassen' }).click()
    const proposal = page.getByLabel('Uw nieuwe tekst')
    await proposal.waitFor()
    const current = await proposal.inputValue()
    await proposal.fill(current.replace('zo laagdrempelig mogelijk', 'zo laagdrempelig en dichtbij mogelijk'))
    await page.getByLabel('Waarom deze wijziging?').fill('Nabijheid maakt het verschil.')
    await page.getByLabel(/Ik geef toestemming/).check()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Voorstel versturen' }).click()
    await page.getByRole('status').filter({ hasText: 'wacht op beoordeling' }).waitFor()
    await visitorContext.close()

    const editor = await createUser(site.server.database.db, { role: 'editor', name: 'Eva Redacteur' })
    const { token } = await createSession(site.server.database.db, editor.id)
    const editorContext = await site.browser.newContext()
    await editorContext.addCookies([{ name: sessionCookieName, value: token, url: site.server.url }])
    const queue = await editorContext.newPage()
    await queue.goto(site.server.url + '/')
    expect(await queue.getByRole('link', { name: /Moderatie/ }).textContent()).toMatch(/2/)
    await queue.getByRole('link', { name: /Moderatie/ }).click()
    await queue.getByRole('heading', { level: 1, name: 'Moderatie' }).waitFor()
    expect(await queue.locator('.diff ins').first().textContent()).toContain('en dichtbij')
    expect(await seriousAccessibilityViolations(queue)).toEqual([])
    for (const checkbox of await queue.locator('input[name="items"][type="checkbox"]').all()) await checkbox.check()
    await queue.getByRole('button', { name: 'Goedkeuren' }).first().click()
    await queue.getByRole('status').filter({ hasText: '2 bijdragen goedgekeurd' }).waitFor()

    const reader = await (await site.browser.newContext()).newPage()
    await reader.goto(site.server.url + '/handreiking/centraal-contactpunt')
    expect(await reader.locator('.tips').textContent()).toContain('Zet het telefoonnummer van het contactpunt')
    expect(await reader.locator('.tips').textContent()).toContain('Karin de Boer')
    await queue.goto(site.server.url + '/handreiking/centraal-contactpunt/geschiedenis')
    expect(await queue.locator('.diff ins').first().textContent()).toContain('en dichtbij')
  }, 120_000)

  it('the example form says in Dutch what is wrong, next to each field', async () => {
    const page = await (await site.browser.newContext()).newPage()
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    await page.locator('.field__error').first().waitFor()
    const errors = await page.locator('.field__error').allTextContents()
    expect(errors.join(' ')).toContain('Vul de naam van het netwerk')
    expect(errors.join(' ')).toContain('Kies een provincie')
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }, 60_000)
})
