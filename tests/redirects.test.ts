import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { safeRedirect } from '#app/utils/forms'
import { createUser, sessionCookieFor, testPassword } from './support/factories'
import { get, postForm } from './support/http'
import { startTestServer, type TestServer } from './support/server'

// Each of these, put in a Location header, makes some browser or proxy leave the site (or the server fail).
const tricks: Array<[string, unknown]> = [
  ['another site', 'https://evil.example/x'],
  ['protocol-relative', '//evil.example/x'],
  ['backslash after the slash', '/\\evil.example/x'],
  ['only backslashes', '\\\\evil.example/x'],
  ['a tab between the slashes', '/\t/evil.example/x'],
  ['a newline between the slashes', '/\n/evil.example/x'],
  ['a carriage return', '/\r/evil.example/x'],
  ['a header injected after a newline', '/x\r\nSet-Cookie: a=b'],
  ['a newline at the end', '/account\n'],
  ['a space before', ' //evil.example'],
  ['a space between the slashes', '/ /evil.example'],
  ['a non-breaking space', '/\u00a0/evil.example'],
  ['a zero-width space', '/\u200b/evil.example'],
  ['a right-to-left override', '/\u202e/evil.example'],
  ['a NUL byte', '/\u0000/evil.example'],
  ['DEL', '/\u007f/evil.example'],
  ['encoded slashes', '/%2F%2Fevil.example/x'],
  ['an encoded slash after the slash', '/%2fevil.example'],
  ['an encoded backslash', '/%5Cevil.example'],
  ['an encoded tab', '/%09/evil.example/x'],
  ['an encoded newline', '/%0A/x'],
  ['a dot segment that leaves //', '/.//evil.example/x'],
  ['dot-dot segments that leave //', '/a/..//evil.example'],
  ['javascript:', 'javascript:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['https: without slashes', 'https:evil.example'],
  ['a relative path', 'account'],
  ['the empty string', ''],
  ['a very long path', '/' + 'a'.repeat(100_000)],
  ['a number', 42],
  ['a file', new File(['x'], 'x.txt')],
  ['null', null],
  ['undefined', undefined],
]

describe('safeRedirect', () => {
  it.each(tricks)('gives the fallback for %s', (_name, target) => {
    expect(safeRedirect(target as string, '/veilig')).toBe('/veilig')
  })

  it.each([
    ['/account', '/account'],
    ['/beheer/moderatie?soort=tip&status=wachtend', '/beheer/moderatie?soort=tip&status=wachtend'],
    ['/zoeken?q=lokaal%20netwerk', '/zoeken?q=lokaal%20netwerk'],
    ['/handreiking/lobby#voorbeelden', '/handreiking/lobby#voorbeelden'],
    ['/handreiking/lobby?terug=//elders', '/handreiking/lobby?terug=//elders'],
    ['/a/../account', '/account'],
  ])('keeps the path on this site %s', (target, expected) => {
    expect(safeRedirect(target)).toBe(expected)
  })

  it('never throws, whatever it gets', () => {
    const characters = ['/', '\\', '%', '2', 'f', 'F', '0', '9', 'a', ':', '.', '?', '#', '@', '\t', '\n', ' ', '\u0000', '\ud800', 'é']
    let seed = 7
    for (let round = 0; round < 20_000; round++) {
      let target = '/'
      const length = round % 12
      for (let index = 0; index < length; index++) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        target += characters[seed % characters.length]
      }
      const result = safeRedirect(target, '/veilig')
      expect(result === '/veilig' || (result.startsWith('/') && !result.startsWith('//') && !/[\s\\]/.test(result) && new URL(result, 'https://site.example').origin === 'https://site.example')).toBe(true)
    }
  })
})

describe('redirects after login over HTTP', () => {
  let server: TestServer
  let email: string
  let cookie: string
  beforeAll(async () => {
    server = await startTestServer()
    const user = await createUser(server.database.db)
    email = user.email
    cookie = await sessionCookieFor(server.database.db, user.id)
  })
  afterAll(() => server.close())

  /** Where a browser would go from a Location header: resolved against the page's own address. */
  const destination = (response: Response) => new URL(response.headers.get('Location') ?? '', server.url)

  it.each(['/%09/evil.example/x', '/%0A/x', '/%0D%0ASet-Cookie:%20a=b', '//evil.example', '/%5Cevil.example', 'https://evil.example', '/%252F%252Fevil.example'])(
    'a signed-in member opening /inloggen?redirectTo=%s stays on the site',
    async (redirectTo) => {
      const response = await get(server.url, `/inloggen?redirectTo=${redirectTo}`, { Cookie: cookie })
      expect(response.status).toBe(302)
      expect(response.headers.get('Location')).not.toMatch(/[\s\\]/)
      expect(destination(response).origin).toBe(server.url)
      expect(response.headers.getSetCookie().some((setCookie) => setCookie.startsWith('a='))).toBe(false)
    },
  )

  it.each(['/\t/evil.example/x', '/\n/x', '//evil.example', 'javascript:alert(1)'])('logging in with redirectTo=%j stays on the site', async (redirectTo) => {
    const response = await postForm(server.url, '/inloggen', { email, password: testPassword, redirectTo })
    expect(response.status).toBe(302)
    expect(destination(response).origin).toBe(server.url)
    expect(destination(response).pathname).toBe('/')
  })

  it('goes back to the page that asked for login', async () => {
    const login = await get(server.url, '/account')
    expect(login.headers.get('Location')).toBe('/inloggen?redirectTo=%2Faccount')
    const response = await postForm(server.url, '/inloggen', { email, password: testPassword, redirectTo: '/account' })
    expect(response.headers.get('Location')).toBe('/account')
  })

  it('does not put a tricky target in the login form', async () => {
    const page = await (await get(server.url, '/inloggen?redirectTo=/%09/evil.example/x')).text()
    expect(page).toContain('name="redirectTo" value=""')
  })
})
