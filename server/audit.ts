import type { Database } from '#server/db/client'
import { auditLog } from '#server/db/schema'

export type AuditAction =
  | 'user.invited'
  | 'user.invitation_resent'
  | 'user.role_changed'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.created_by_cli'
  | `${'contribution' | 'example'}.${'approved' | 'rejected' | 'spam' | 'unpublished'}`
  | 'edition.frozen'
  | 'file.infected'

export async function recordAudit(
  db: Database,
  entry: { actorId: number | null; action: AuditAction; targetUserId?: number; details?: Record<string, unknown> },
) {
  await db.insert(auditLog).values({
    actorId: entry.actorId,
    action: entry.action,
    targetUserId: entry.targetUserId,
    details: entry.details ?? {},
  })
}
