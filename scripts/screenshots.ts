// Screenshots for the README: the home page, a section and the moderation queue
// at 390 and 1280 px, made against a test server over a fresh imported database.
// Not part of `npm test`. Needs `npm run build` and Chromium:
//   npx tsx scripts/screenshots.ts            → docs/screenshots/*.png
import path from 'node:path'
import { launchChromium } from '#tests/e2e/chromium'
import { contextFor, fillModerationQueue } from '#tests/e2e/site-states'
import { startTestServer } from '#tests/support/server'

const shots = [
  { name: 'home', path: '/', role: undefined, scrollTo: undefined },
  { name: 'paragraaf', path: '/handreiking/voor-burgers-zorgvragers', role: undefined, scrollTo: undefined },
  // On a phone: the queue itself, past the filters.
  { name: 'moderatie', path: '/beheer/moderatie', role: 'editor' as const, scrollTo: '.result-count' },
]
const widths = [390, 1280]

const server = await startTestServer()
const browser = await launchChromium()
try {
  await fillModerationQueue(server)
  // The PDF link shows its size once the PDF exists.
  await fetch(server.url + '/handreiking.pdf')
  for (const shot of shots) {
    for (const width of widths) {
      const context = await contextFor(browser, server, shot.role, { width, height: width < 600 ? 844 : 900 })
      const page = await context.newPage()
      await page.goto(server.url + shot.path, { waitUntil: 'networkidle' })
      await page.evaluate(() => document.fonts.ready)
      if (shot.scrollTo && width < 600) await page.evaluate((selector) => document.querySelector(selector)?.scrollIntoView(), shot.scrollTo)
      const file = path.join('docs/screenshots', `${shot.name}-${width}.png`)
      await page.screenshot({ path: file, fullPage: false })
      console.log(file)
      await context.close()
    }
  }
} finally {
  await browser.close()
  await server.close()
}
