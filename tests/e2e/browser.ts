import { AxeBuilder } from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startTestServer, type TestServer } from '../support/server'
import { launchChromium } from './chromium'

export { chromiumPath, hasChromium, launchChromium } from './chromium'

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
