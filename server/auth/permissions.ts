import type { Role } from '#server/db/schema'
import type { SessionUser } from './sessions'

/**
 * The one permission map of the site. Loaders, actions and the websocket
 * upgrade ask `can`; nothing else decides who may do what.
 */
const minimumRole = {
  'section:edit': 'member',
  'example:publish-directly': 'member',
  'section:publish': 'editor',
  'section:restore': 'editor',
  'contribution:moderate': 'editor',
  'edition:freeze': 'editor',
  'user:invite': 'editor',
  'user:manage': 'admin',
  'outbox:read': 'admin',
  'account:manage': 'member',
} as const satisfies Record<string, Role>

export type Action = keyof typeof minimumRole

const rank: Record<Role, number> = { member: 1, editor: 2, admin: 3 }

/** Roles a user may hand out with an invitation: editors invite members, admins anyone. */
export function invitableRoles(user: SessionUser | null): Role[] {
  if (!user) return []
  return (['member', 'editor', 'admin'] as const).filter((role) => rank[role] <= rank[user.role] && (role === 'member' || user.role === 'admin'))
}

type Resource = { role?: Role; userId?: number }

export function can(user: SessionUser | null, action: Action, resource?: Resource): boolean {
  if (!user) return false
  if (rank[user.role] < rank[minimumRole[action]]) return false
  if (action === 'user:invite' && resource?.role) return invitableRoles(user).includes(resource.role)
  // An admin cannot demote or disable themselves: the site must never lose its last admin by accident.
  if (action === 'user:manage' && resource?.userId === user.id) return false
  return true
}

export const roleLabels: Record<Role, string> = { member: 'netwerklid', editor: 'redacteur', admin: 'beheerder' }
