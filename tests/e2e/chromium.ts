// Chromium for browser tests and scripts (no vitest here, so scripts can use it too).
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

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
