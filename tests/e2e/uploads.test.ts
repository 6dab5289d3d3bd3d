import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { attachments, examples } from '#server/db/schema'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'

/** A PDF-looking file of `size` bytes (the type check reads the first bytes). */
const pdfOf = (size: number) => {
  const head = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%')
  const tail = Buffer.from('\n%%EOF\n')
  return Buffer.concat([head, Buffer.alloc(size - head.length - tail.length, 0x20), tail])
}

describe.skipIf(!hasChromium)('the example form with files, in a browser', () => {
  const site = browserSite()

  async function fillExample(page: import('playwright-core').Page, name: string) {
    await page.getByLabel('Naam van het netwerk of de organisatie').fill(name)
    await page.getByLabel('Provincie').selectOption('Gelderland')
    await page.getByLabel('Korte samenvatting').fill('Zes organisaties in Zutphen delen een loket voor vrijwilligers.')
    await page.getByLabel('Het verhaal').fill('Het begon met een gesprek op het gemeentehuis. Nu is er een loket met vaste openingstijden.')
    await page.getByLabel(/Ik geef toestemming/).check()
  }

  it('shows each chosen file with its size and the limit before sending, then each file’s progress while sending', async () => {
    const page = await (await site.browser.newContext()).newPage()
    const seen: number[] = []
    await page.exposeFunction('reportProgress', (value: number) => seen.push(value))
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined)
    await page.getByText('Hoogstens 5 bestanden van elk hoogstens 20 MB').waitFor()

    const input = page.getByLabel('Bestanden (niet verplicht)')
    await input.setInputFiles([{ name: 'te-groot.pdf', mimeType: 'application/pdf', buffer: pdfOf(21 * 1024 * 1024) }])
    await page.getByText('(21,0 MB, groter dan 20 MB)').waitFor()
    expect(await page.locator('.field__error').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('te-groot.pdf is groter dan 20 MB')]))

    await input.setInputFiles([
      { name: 'jaarverslag.pdf', mimeType: 'application/pdf', buffer: pdfOf(3 * 1024 * 1024) },
      { name: 'bijlage.pdf', mimeType: 'application/pdf', buffer: pdfOf(200 * 1024) },
    ])
    await page.getByText('(3,0 MB)').waitFor()
    await page.getByText('(200 kB)').waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await fillExample(page, 'Vrijwilligersloket Zutphen')
    await page.evaluate(() => {
      const report = (window as unknown as { reportProgress: (value: number) => void }).reportProgress
      new MutationObserver(() => document.querySelectorAll('progress').forEach((bar) => report(Number(bar.value)))).observe(document.body, { subtree: true, childList: true, attributes: true })
    })
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    await page.getByRole('heading', { name: 'Dank u wel!' }).waitFor()
    expect(seen.length).toBeGreaterThan(0)
    const [example] = await site.server.database.db.select().from(examples).where(eq(examples.name, 'Vrijwilligersloket Zutphen'))
    const files = await site.server.database.db.select().from(attachments).where(eq(attachments.exampleId, example.id))
    expect(files.map((file) => [file.fileName, file.byteSize]).sort()).toEqual([
      ['bijlage.pdf', pdfOf(200 * 1024).length],
      ['jaarverslag.pdf', pdfOf(3 * 1024 * 1024).length],
    ])
  }, 90_000)

  it('works without JavaScript: a plain multipart form', async () => {
    const page = await (await site.browser.newContext({ javaScriptEnabled: false })).newPage()
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    await page.getByLabel('Bestanden (niet verplicht)').setInputFiles([{ name: 'plan.pdf', mimeType: 'application/pdf', buffer: pdfOf(100 * 1024) }])
    await fillExample(page, 'Loket zonder JavaScript')
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    await page.getByRole('heading', { name: 'Dank u wel!' }).waitFor()
    const [example] = await site.server.database.db.select().from(examples).where(eq(examples.name, 'Loket zonder JavaScript'))
    expect((await site.server.database.db.select().from(attachments).where(eq(attachments.exampleId, example.id))).length).toBe(1)
  }, 60_000)

  it('an answer with errors after sending files is shown like any page, the typing kept', async () => {
    const page = await (await site.browser.newContext()).newPage()
    await page.goto(site.server.url + '/voorbeelden/nieuw')
    await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined)
    await page.getByLabel('Bestanden (niet verplicht)').setInputFiles([{ name: 'plan.pdf', mimeType: 'application/pdf', buffer: pdfOf(100 * 1024) }])
    await fillExample(page, 'Loket met een fout')
    await page.getByLabel('Korte samenvatting').fill('Te kort')
    await page.waitForTimeout(3100)
    await page.getByRole('button', { name: 'Voorbeeld versturen' }).click()
    await page.locator('.field__error').filter({ hasText: 'samenvatting' }).first().waitFor()
    expect(await page.getByLabel('Naam van het netwerk of de organisatie').inputValue()).toBe('Loket met een fout')
    expect(await page.locator('.field__error').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Kies de bestanden opnieuw')]))
  }, 60_000)
})
