import type { LoaderFunctionArgs } from '@remix-run/node'
import { can } from '#server/auth/permissions'
import { pendingAttachment } from '#server/contributions/moderation'
import { previewResponse } from '#server/files/attachment-response'

/** The preview of a waiting example's file, for moderators: they see what they approve without downloading it. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  if (!can(context.authentication?.user ?? null, 'contribution:moderate')) throw new Response('Geen toegang', { status: 403 })
  const id = Number(params.id)
  const file = Number.isInteger(id) && id > 0 ? await pendingAttachment(context.db, id) : null
  if (!file?.previewKey || file.scanStatus !== 'clean') throw new Response('Niet gevonden', { status: 404 })
  return previewResponse(context.storage, file.previewKey, 'private')
}
