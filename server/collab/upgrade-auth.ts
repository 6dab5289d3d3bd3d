import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { readSessionToken } from '#server/auth/cookies'
import { can } from '#server/auth/permissions'
import { findLiveSessions, validateSessionTokens, type Authentication } from '#server/auth/sessions'
import type { Database } from '#server/db/client'
import { batched } from './batched'
import type { UpgradeDecision } from './collab-server'

type Allowed = Extract<UpgradeDecision, { allowed: true }>

/** How long an allowed session's upgrades are answered from memory (a meeting starting, a reconnect storm after a deploy). */
const recentForMs = 5000
/** How long the editor page's own session check admits the socket its script opens (a slow phone takes a while to start it). */
const admittedForMs = 30_000
const recentAtMost = 10_000

/**
 * Live editing is for members and up, asked through `can` like every page.
 * The session cookie and the Origin are checked before the socket exists. A
 * session allowed in the last few seconds is not looked up again, sockets of
 * one session arriving together share one lookup, and the sessions of many
 * members arriving together (a meeting starting) are looked up in one query; the editor page,
 * which checked the session a moment before its script opens the socket, admits it (`admit`): that
 * upgrade needs no query at all. Ending access (forgetUser / forgetSessions, called when the collab
 * server closes that user's or those sessions' sockets) clears all of it at once.
 */
export function collabAuthorization(db: Database, siteOrigins: ReadonlySet<string>) {
  // Keyed by a hash of the cookie's token: the secret itself is not kept.
  const recent = new Map<string, { decision: Allowed; until: number }>()
  // Lookups under way: sockets of one session arriving together (300 joining at once) share one query.
  const pending = new Map<string, Promise<UpgradeDecision>>()
  // Bumped whenever access ends: what a lookup read before that may predate the end.
  let generation = 0
  // The sessions asked for while the previous query ran go in the next one, together.
  const validate = batched(async (tokens: Map<string, string>) => {
    const answers = await validateSessionTokens(db, [...tokens.values()])
    return new Map([...tokens].map(([key, token]) => [key, answers.get(token) ?? null]))
  })
  const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url')
  const remember = (key: string, decision: Allowed, forMs: number) => {
    if (recent.size >= recentAtMost) recent.clear()
    recent.set(key, { decision, until: Date.now() + forMs })
  }
  const allowedFor = (authentication: Authentication): UpgradeDecision => {
    if (!can(authentication.user, 'section:edit')) return { allowed: false, status: 403 }
    return { allowed: true, userId: authentication.user.id, sessionId: authentication.session.id, name: authentication.user.name || authentication.user.email }
  }
  const lookUp = async (key: string, token: string): Promise<UpgradeDecision> => {
    let readIn = generation
    let authentication = await validate(key, token)
    // Access ended while we looked (a logout may have deleted the row after we read it): read again, for
    // this socket and every one that joined the lookup.
    while (authentication && readIn !== generation) {
      readIn = generation
      authentication = await validate(key, token)
    }
    if (!authentication) return { allowed: false, status: 401 }
    const decision = allowedFor(authentication)
    if (decision.allowed) remember(key, decision, recentForMs)
    return decision
  }
  return {
    authorize: async (request: IncomingMessage): Promise<UpgradeDecision> => {
      if (!sameOrigin(request, siteOrigins)) return { allowed: false, status: 403 }
      const token = readSessionToken(request.headers.cookie)
      if (!token) return { allowed: false, status: 401 }
      const key = hashOf(token)
      const known = recent.get(key)
      if (known && known.until > Date.now()) return known.decision
      let lookup = pending.get(key)
      if (!lookup) {
        lookup = lookUp(key, token).finally(() => pending.delete(key))
        pending.set(key, lookup)
      }
      return lookup
    },
    /**
     * A page checked this session (at access generation `checkedIn`) and its script will open a socket:
     * admitted without a query. Not if access ended since that check: the check may predate the end.
     */
    admit: (token: string, authentication: Authentication, checkedIn: number) => {
      const decision = allowedFor(authentication)
      if (decision.allowed && checkedIn === generation) remember(hashOf(token), decision, admittedForMs)
    },
    forgetUser: (userId: number) => {
      generation += 1
      for (const [key, entry] of recent) if (entry.decision.userId === userId) recent.delete(key)
    },
    forgetSessions: (sessionIds: string[]) => {
      generation += 1
      const ended = new Set(sessionIds)
      for (const [key, entry] of recent) if (ended.has(entry.decision.sessionId)) recent.delete(key)
    },
    accessGeneration: () => generation,
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
