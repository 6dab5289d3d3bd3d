import type { IncomingMessage } from 'node:http'
import { and, eq, isNull } from 'drizzle-orm'
import { readSessionToken } from '#server/auth/cookies'
import { can } from '#server/auth/permissions'
import { validateSessionToken } from '#server/auth/sessions'
import type { Database } from '#server/db/client'
import { users } from '#server/db/schema'
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
      return { allowed: true, userId: authentication.user.id }
    },
    stillAllowed: async (userId: number) => {
      const [user] = await db
        .select({ id: users.id, email: users.email, name: users.name, role: users.role })
        .from(users)
        .where(and(eq(users.id, userId), isNull(users.disabledAt)))
      return Boolean(user && can(user, 'section:edit'))
    },
  }
}

/** The Origin must be one of the configured site origins; the request's Host can be forged. */
function sameOrigin(request: IncomingMessage, siteOrigins: ReadonlySet<string>) {
  const origin = request.headers.origin
  return Boolean(origin && siteOrigins.has(origin))
}
