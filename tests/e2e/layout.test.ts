import type { BrowserContext, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '#server/db/schema'
import { browserSite, hasChromium, seriousAccessibilityViolations } from './browser'
import { contextFor, editionsWithChanges, fillModerationQueue, followerLinks } from './site-states'

/** `path` may be made in beforeAll (links with a token). */
type Visit = { name: string; path: string | (() => string); role?: Role }
let follower: { confirm: string; unsubscribe: string }

// Every page and state of the site, signed out and as each role. 320 CSS px is
// also what a 1280 px window shows at 400 % zoom (WCAG 1.4.10).
const visits: Visit[] = [
  { name: 'home', path: '/' },
  { name: 'a section with sub-headings', path: '/handreiking/voor-burgers-zorgvragers' },
  { name: 'a chapter with its PDF download', path: '/handreiking/samenwerking-opzetten' },
  { name: 'a section of chapter 5', path: '/handreiking/stichting-net-werk-vrijwilligershulp-zuid-kennemerland-haarlem' },
  { name: 'the examples', path: '/voorbeelden' },
  { name: 'an example with a long web address', path: '/voorbeelden/streekzorg-westelijke-mijnstreek' },
  { name: 'the colophon', path: '/colofon' },
  { name: 'the editions', path: '/edities' },
  { name: 'the follow form', path: '/volgen' },
  { name: 'the follow form for a chapter', path: '/volgen?hoofdstuk=samenwerking-opzetten' },
  { name: 'a confirmation link', path: () => follower.confirm },
  { name: 'a used confirmation link', path: `/volgen/bevestigen/${'a'.repeat(32)}.${'b'.repeat(32)}` },
  { name: 'an unsubscribe link', path: () => follower.unsubscribe },
  { name: 'a spent unsubscribe link', path: `/volgen/opzeggen/${'a'.repeat(32)}.${'b'.repeat(32)}` },
  { name: 'what changed in edition 2', path: '/edities/2/wijzigingen' },
  { name: 'what changed in edition 1 (the first)', path: '/edities/1/wijzigingen' },
  { name: 'what changed since the latest edition', path: '/wijzigingen' },
  { name: 'a section changed since the latest edition', path: '/handreiking/mandaat' },
  { name: 'search results', path: '/zoeken?q=vrijwilligers' },
  { name: 'the tip form', path: '/bijdragen/nieuw?sectie=lobby' },
  { name: 'the suggestion form', path: '/bijdragen/nieuw?sectie=lobby&soort=suggestie' },
  { name: 'the example form', path: '/voorbeelden/nieuw' },
  { name: 'the login page', path: '/inloggen' },
  { name: 'the 404 page', path: '/bestaat-niet' },
  { name: 'home as a member', path: '/', role: 'member' },
  { name: 'a section as a member', path: '/handreiking/centraal-contactpunt', role: 'member' },
  { name: 'the account page', path: '/account', role: 'member' },
  { name: 'the live editor', path: '/handreiking/centraal-contactpunt/bewerken', role: 'member' },
  { name: 'the history as a member', path: '/handreiking/centraal-contactpunt/geschiedenis', role: 'member' },
  { name: 'the moderation queue with items', path: '/beheer/moderatie', role: 'editor' },
  { name: 'the invitation form as an editor', path: '/beheer/uitnodigen', role: 'editor' },
  { name: 'the history as an editor', path: '/handreiking/centraal-contactpunt/geschiedenis', role: 'editor' },
  { name: 'the editions as an editor', path: '/edities', role: 'editor' },
  { name: 'the users', path: '/beheer/gebruikers', role: 'admin' },
  { name: 'the invitation form as an admin', path: '/beheer/uitnodigen', role: 'admin' },
  { name: 'the outbox', path: '/beheer/outbox', role: 'admin' },
]

/** How far the page is wider than the window, and the widest elements that stick out (for the failure message). */
function overflowOf(page: Page) {
  return page.evaluate(() => {
    const width = window.innerWidth
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1 && !element.closest('.scroll-region, .skip-link, .honeypot'))
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')} → ${Math.round(element.getBoundingClientRect().right)}px`)
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits }
  })
}

describe.skipIf(!hasChromium)('the layout on phones and wide screens', () => {
  const site = browserSite()
  const contexts = new Map<string, BrowserContext>()

  beforeAll(async () => {
    await fillModerationQueue(site.server)
    follower = await followerLinks(site.server)
    await editionsWithChanges(site.server)
    for (const role of [undefined, 'member', 'editor', 'admin'] as const) contexts.set(role ?? 'visitor', await contextFor(site.browser, site.server, role))
  })

  it.each(visits)('$name reflows at 320 px and passes axe at 320 and 1280 px', async ({ path: pathOrMade, role }) => {
    const path = typeof pathOrMade === 'function' ? pathOrMade() : pathOrMade
    const page = await contexts.get(role ?? 'visitor')!.newPage()
    try {
      for (const width of [320, 1280]) {
        await page.setViewportSize({ width, height: 800 })
        await page.goto(site.server.url + path, { waitUntil: 'load' })
        const overflow = await overflowOf(page)
        expect(overflow.scrollWidth, `${path} at ${width} px is ${overflow.scrollWidth} px wide: ${overflow.culprits.join(', ')}`).toBeLessThanOrEqual(overflow.innerWidth)
        expect(await seriousAccessibilityViolations(page), `${path} at ${width} px`).toEqual([])
      }
    } finally {
      await page.close()
    }
  })

  it('keeps the header under a fifth of a 390 × 844 phone screen, signed out and as an editor', async () => {
    for (const role of ['visitor', 'editor']) {
      const page = await contexts.get(role)!.newPage()
      await page.setViewportSize({ width: 390, height: 844 })
      await page.goto(site.server.url + '/handreiking/lobby')
      const header = await page.locator('.site-header').boundingBox()
      expect(header!.height, role).toBeLessThanOrEqual(844 * 0.2)
      await page.close()
    }
  })

  it('opens the phone menu and follows a link with JavaScript switched off', async () => {
    const context = await site.browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    await page.goto(site.server.url + '/handreiking/lobby')
    const menuLink = page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Goede voorbeelden' })
    expect(await menuLink.isVisible()).toBe(false)
    await page.getByText('Menu', { exact: true }).click()
    await menuLink.click()
    await page.waitForURL('**/voorbeelden')
    await page.getByRole('heading', { level: 1, name: /Goede voorbeelden/ }).waitFor()
    // The search box is always in the header, the only one on the page.
    expect(await page.getByRole('search').filter({ has: page.getByRole('searchbox', { name: 'Zoek in de handreiking' }) }).count()).toBe(1)
    await context.close()
  })

  it('shows the wide menu bar on wide screens, and no menu button', async () => {
    const page = await contexts.get('editor')!.newPage()
    await page.goto(site.server.url + '/')
    expect(await page.getByText('Menu', { exact: true }).isVisible()).toBe(false)
    const menu = page.getByRole('navigation', { name: 'Hoofdmenu' })
    for (const name of ['Handreiking', 'Goede voorbeelden', 'Edities', 'Colofon']) expect(await menu.getByRole('link', { name }).isVisible()).toBe(true)
    expect(await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Uitloggen' }).isVisible()).toBe(true)
    await page.close()
  })

  it('loads Source Sans 3 from the site itself, the regular weight preloaded', async () => {
    const page = await contexts.get('visitor')!.newPage()
    const fonts: string[] = []
    page.on('response', (response) => {
      if (response.url().endsWith('.woff2')) fonts.push(response.url())
    })
    await page.goto(site.server.url + '/handreiking/lobby')
    await page.evaluate(() => document.fonts.ready)
    expect(await page.evaluate(() => document.fonts.check('16px "Source Sans 3"'))).toBe(true)
    expect(fonts.length).toBeGreaterThan(0)
    expect(fonts.every((url) => url.startsWith(site.server.url))).toBe(true)
    expect(await page.locator('link[rel="preload"][as="font"]').getAttribute('href')).toMatch(/source-sans-3-400-.*\.woff2$/)
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/^"?Source Sans 3/)
    await page.close()
  })
})
