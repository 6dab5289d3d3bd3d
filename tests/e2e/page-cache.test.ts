import { describe, expect, it } from 'vitest'
import { browserSite, hasChromium } from './browser'

describe.skipIf(!hasChromium)('a cached page in the browser', () => {
  const site = browserSite()

  it('runs its own scripts, allowed by hash, and refuses an injected inline script', async () => {
    const page = await site.browser.newPage()
    const refusals: string[] = []
    page.on('console', (message) => message.type() === 'error' && message.text().includes('Content Security Policy') && refusals.push(message.text()))
    // Warm the cache, then let the next answer carry an injected script, as a stored XSS would.
    await fetch(site.server.url + '/handreiking/mandaat')
    let policy = ''
    await page.route('**/handreiking/mandaat', async (route) => {
      const response = await route.fetch()
      policy = response.headers()['content-security-policy']
      const body = (await response.text()).replace('</body>', '<script>window.injected = true</script></body>')
      await route.fulfill({ response, body })
    })
    await page.goto(site.server.url + '/handreiking/mandaat')
    expect(policy).toMatch(/script-src 'self'( 'sha256-[^']+')+/)
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined()
    expect(refusals.length).toBeGreaterThan(0)
    // The page's own inline scripts ran: Remix hydrated and navigates on the client.
    await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter))
    await page.close()
  })
})
