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
export function collabAuthorization(db: Database) {
  return {
    authorize: async (request: IncomingMessage): Promise<UpgradeDecision> => {
      if (!sameOrigin(request)) return { allowed: false, status: 403 }
      const token = readSessionToken(request.headers.cookie)
      const authentication = token ? await validateSessionToken(db, token) : null
      if (!authentication) return { allowed: false, status: 401 }
      if (!can(authentication.user, 'section:edit')) return { allowed: false, status: 403 }
      return { allowed: true, userId: authentication.user.id, name: authentication.user.name || authentication.user.email }
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

function sameOrigin(request: IncomingMessage) {
  const origin = request.headers.origin
  if (!origin) return false
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}
