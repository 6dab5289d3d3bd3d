import { existsSync } from 'node:fs'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startTestServer, type TestServer } from '../support/server'

// Debian's chromium; a browser is never downloaded.
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(chromiumPath)

if (!hasChromium) {
  console.warn(`\n  BROWSER TESTS SKIPPED: no Chromium at ${chromiumPath} (apt-get install -y chromium).\n`)
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** Serious and critical WCAG 2.2 A/AA violations on the page, in a readable form. */
export async function seriousAccessibilityViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze()
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`)
}

/** One real site and one Chromium for a browser test file; the fields fill in before the tests run. */
export function browserSite() {
  const state = {} as { server: TestServer; browser: Browser }
  beforeAll(async () => {
    state.server = await startTestServer()
    state.browser = await launchChromium()
  })
  afterAll(async () => {
    await state.browser?.close()
    await state.server?.close()
  })
  return state
}
