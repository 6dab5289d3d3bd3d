import type { LoaderFunctionArgs } from '@remix-run/node'
import { can } from '#server/auth/permissions'
import { pendingAttachment } from '#server/contributions/moderation'
import { attachmentResponse } from '#server/files/attachment-response'

/**
 * A file of an example that waits for moderation, for moderators only (403 for
 * everyone else, also signed out: nothing about the file is told), served like a published one.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  if (!can(context.authentication?.user ?? null, 'contribution:moderate')) throw new Response('Geen toegang', { status: 403 })
  const id = Number(params.id)
  const file = Number.isInteger(id) && id > 0 ? await pendingAttachment(context.db, id) : null
  if (!file) throw new Response('Niet gevonden', { status: 404 })
  return attachmentResponse(context.storage, file)
}
