import type { LoaderFunctionArgs } from '@remix-run/node'
import { can } from '#server/auth/permissions'
import { pendingAttachment } from '#server/contributions/moderation'
import { attachmentResponse } from '#server/files/attachment-response'

/**
 * A file of an example that waits for moderation, for moderators only (403 for
 * everyone else, also signed out: nothing about the file is told). Served like
 * published files: as a download, and with a virus scanner configured only once
 * it is scanned clean — a file in quarantine is not handed out, not even to a moderator.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  if (!can(context.authentication?.user ?? null, 'contribution:moderate')) throw new Response('Geen toegang', { status: 403 })
  const id = Number(params.id)
  const file = Number.isInteger(id) && id > 0 ? await pendingAttachment(context.db, id) : null
  if (!file) throw new Response('Niet gevonden', { status: 404 })
  if (!context.fileSafety.servable(file.scanStatus)) {
    throw new Response('Dit bestand is nog niet op virussen gescand en blijft in quarantaine tot de virusscanner het heeft goedgekeurd. Probeer het later opnieuw.', {
      status: 409,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    })
  }
  return attachmentResponse(context.storage, file)
}
