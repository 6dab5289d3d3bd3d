import type { IncomingMessage } from 'node:http'
import { readSessionToken } from '#server/auth/cookies'
import { can } from '#server/auth/permissions'
import { findLiveSessions, validateSessionToken } from '#server/auth/sessions'
import type { Database } from '#server/db/client'
import type { UpgradeDecision } from './collab-server'

/**
 * Live editing is for members and up, asked through `can` like every page.
 * The session cookie and the Origin are checked before the socket exists.
 */
export function collabAuthorization(db: Database, siteOrigins: ReadonlySet<string>) {
  return {
    authorize: async (request: IncomingMessage): Promise<UpgradeDecision> => {
      if (!sameOrigin(request, siteOrigins)) return { allowed: false, status: 403 }
      const token = readSessionToken(request.headers.cookie)
      const authentication = token ? await validateSessionToken(db, token) : null
      if (!authentication) return { allowed: false, status: 401 }
      if (!can(authentication.user, 'section:edit')) return { allowed: false, status: 403 }
      return { allowed: true, userId: authentication.user.id, sessionId: authentication.session.id, name: authentication.user.name || authentication.user.email }
    },
    stillAllowedSessions: async (sessionIds: string[]) => {
      const live = await findLiveSessions(db, sessionIds)
      return new Set(live.filter((session) => can(session.user, 'section:edit')).map((session) => session.id))
    },
  }
}

/** The Origin must be one of the configured site origins; the request's Host can be forged. */
function sameOrigin(request: IncomingMessage, siteOrigins: ReadonlySet<string>) {
  const origin = request.headers.origin
  return Boolean(origin && siteOrigins.has(origin))
}
