import type { LoaderFunctionArgs } from '@remix-run/node'
import { takeDownload } from '#server/examples/submissions'
import { attachmentResponse } from '#server/files/attachment-response'

/**
 * A published example's file, as a download. With a virus scanner configured,
 * only once it is scanned clean: a file still in quarantine is not found.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = Number(params.id)
  const file = Number.isInteger(id) ? await takeDownload(context.db, params.slug ?? '', id, context.fileSafety.scanning) : null
  if (!file) throw new Response('Niet gevonden', { status: 404 })
  // The example's page shows the count: at once, not only once the database's notice arrives.
  context.contentVersion.changed()
  return attachmentResponse(context.storage, file)
}
