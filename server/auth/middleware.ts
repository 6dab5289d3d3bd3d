import type { NextFunction, Request, Response } from 'express'
import type { Database } from '#server/db/client'
import { expiredSessionCookie, readSessionToken, sessionCookie } from './cookies'
import { validateSessionToken } from './sessions'

/**
 * Validates the session cookie once per request and keeps the result for loaders and actions, with
 * the count of access endings before the check (`accessGeneration`): what the editor page passes on to
 * live editing must not predate a logout that came in while it was checked.
 */
export function authenticate(db: Database, accessGeneration: () => number) {
  return async (request: Request, response: Response, next: NextFunction) => {
    try {
      response.locals.checkedIn = accessGeneration()
      const token = readSessionToken(request.headers.cookie)
      const authentication = token ? await validateSessionToken(db, token) : null
      if (token && !authentication) response.append('Set-Cookie', expiredSessionCookie())
      if (token && authentication?.refreshed) response.append('Set-Cookie', sessionCookie(token))
      response.locals.authentication = authentication
      next()
    } catch (error) {
      next(error)
    }
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * CSRF protection as the Lucia guide does it: a state-changing request must come
 * from this site's own pages (Sec-Fetch-Site, or else an Origin that is one of the
 * configured site origins — never compared with the forgeable Host), on top of SameSite=Lax cookies.
 */
export function requireSameOrigin(siteOrigins: ReadonlySet<string>) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (safeMethods.has(request.method)) return next()
    const fetchSite = request.get('Sec-Fetch-Site')
    const origin = request.get('Origin')
    const sameOrigin = fetchSite ? fetchSite === 'same-origin' : Boolean(origin && siteOrigins.has(origin))
    if (sameOrigin) return next()
    response
      .status(403)
      .type('text/plain; charset=utf-8')
      .send('Dit verzoek is geweigerd: het kwam niet van een pagina van deze website. Ga terug naar de site en probeer het opnieuw.')
  }
}
